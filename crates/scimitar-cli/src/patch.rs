//! `scimitar patch`: SCIM PATCH requests (RFC 7644 §3.5.2).

use std::io::Write;

use scimitar_patch::{Compat, PatchRequest, apply};
use scimitar_schema::{Resource, SchemaRegistry, ScimError};

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::help::print_help;
use crate::input;
use crate::validate::{print_resource_or_error, type_of};

pub(crate) const USAGE: &str =
    "usage: scimitar patch apply [--compat strict|entra|okta|lenient] RESOURCE_FILE PATCH_FILE";

const HELP: &str = r#"Apply a SCIM PATCH request (RFC 7644 §3.5.2) to a resource and print the result.

Usage: scimitar patch apply [--compat PROFILE] RESOURCE_FILE PATCH_FILE

RESOURCE_FILE holds the resource as a JSON object (its type is the one whose core schema
its 'schemas' lists); PATCH_FILE holds the PatchOp message. Either may be '-' for
standard input. The operations are applied in order, all or nothing: on success the
patched resource is printed as JSON; on failure the SCIM error response (RFC 7644 §3.12)
is printed as JSON and the resource is left as it was.

Options:
  --compat PROFILE  Which identity-provider deviations to accept: strict (RFC 7644
                    only), entra, okta or lenient (all of them, the default, as the
                    engine does)
  --lenient         The same as --compat lenient
  -h, --help        Print this help
  --                Read the next arguments as files even if they start with '-'

Exit status: 0 when the request applies; 2 when it does not (the SCIM error is printed)
or a file cannot be read; 64 when the command line is wrong.

Example:
  $ scimitar patch apply --compat entra user.json patch.json
"#;

/// The `patch` commands.
#[derive(Debug, clap::Subcommand)]
#[command(override_help = HELP)]
pub(crate) enum Command {
    #[command(override_help = HELP)]
    Apply(ApplyArgs),
    /// `-h`, `--help`: the group's help; it takes no arguments.
    #[command(name = "--help", short_flag = 'h', long_flag = "help", hide = true)]
    Help,
}

/// The arguments of `scimitar patch apply`.
#[derive(Debug, clap::Args)]
#[command(args_override_self = true)]
pub(crate) struct ApplyArgs {
    #[command(flatten)]
    help: HelpFlag,
    /// Which identity-provider deviations to accept.
    #[arg(long, value_name = "PROFILE", allow_hyphen_values = true, value_parser = profile)]
    compat: Option<Compat>,
    /// The same as `--compat lenient`, the default.
    #[arg(long)]
    lenient: bool,
    #[arg(value_name = "RESOURCE_FILE")]
    resource_file: String,
    #[arg(value_name = "PATCH_FILE")]
    patch_file: String,
}

/// `--compat PROFILE`: `strict`, `entra`, `okta` or `lenient`.
pub(crate) fn profile(name: &str) -> Result<Compat, scimitar_patch::UnknownProfile> {
    name.parse()
}

/// Runs a `scimitar patch` command.
pub(crate) fn run(
    command: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let args = match command {
        Command::Apply(args) => args,
        Command::Help => return print_help(HELP, out),
    };
    let compat = args.compat.unwrap_or(Compat::LENIENT);
    let resource = input::read(&args.resource_file)?;
    let patch = input::read(&args.patch_file)?;
    print_resource_or_error(patched(&resource, &patch, &compat), out, err)
}

/// The resource in `resource` patched by the request in `patch`, and the warnings.
fn patched(
    resource: &[u8],
    patch: &[u8],
    compat: &Compat,
) -> Result<(Resource, Vec<String>), ScimError> {
    let registry = SchemaRegistry::core();
    let mut resource = Resource::from_json(resource)?;
    let resource_type = type_of(&registry, &resource, "")?;
    let request = PatchRequest::from_json(patch, compat)?;
    let outcome = apply(
        &mut resource,
        request.operations,
        &registry,
        resource_type,
        compat,
    )?;
    Ok((resource, outcome.warnings))
}
