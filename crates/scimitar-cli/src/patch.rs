//! `scimitar patch`: SCIM PATCH requests (RFC 7644 §3.5.2).

use std::io::Write;

use scimitar_patch::{Compat, PatchRequest, apply};
use scimitar_schema::{Resource, SchemaRegistry, ScimError};

use crate::args::{Args, Command, UsageError};
use crate::failure::Failure;
use crate::group::{self, Run, print_help};
use crate::input;
use crate::validate::{print_resource_or_error, type_of};

const USAGE: &str =
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

/// Runs `scimitar patch` with the arguments after `patch`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    group::run(args, "patch", USAGE, HELP, command, out, err)
}

/// The command called `name`.
fn command(name: &str) -> Option<Run> {
    match name {
        "apply" => Some(apply_command),
        _ => None,
    }
}

fn apply_command(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let mut compat = Compat::LENIENT;
    let command = args.command(["RESOURCE_FILE", "PATCH_FILE"], USAGE, |option, args| {
        if option != "--compat" {
            return Ok(false);
        }
        let name = args.value(option, USAGE)?;
        compat = name
            .parse()
            .map_err(|error: scimitar_patch::UnknownProfile| {
                UsageError::new(error.to_string(), USAGE)
            })?;
        Ok(true)
    })?;
    let Command::Run {
        operands: [resource_file, patch_file],
        ..
    } = command
    else {
        return print_help(HELP, out);
    };
    let resource = input::read(&resource_file)?;
    let patch = input::read(&patch_file)?;
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
