//! `scimitar validate`: check a resource against its schemas and print it normalised.

use std::io::Write;

use scimitar_schema::{
    Resource, ResourceType, SchemaRegistry, ScimError, ValidateOptions, Validated, validate,
};

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::input;

pub(crate) const USAGE: &str = "usage: scimitar validate [--lenient] [--type NAME] FILE";

const HELP: &str = r#"Validate a SCIM resource against its schemas (RFC 7643) and print it normalised.

Usage: scimitar validate [--lenient] [--type NAME] FILE

FILE holds one resource as a JSON object; '-' reads standard input. Its resource type is
the one whose core schema its 'schemas' lists, unless --type names it.

The resource is checked as a server checks the body of a POST: attribute types, single
and multi-valued attributes, required attributes and 'schemas'. On success the
normalised resource is printed as JSON: attribute names in their schema spelling, null
and empty values and read-only attributes such as 'id' and 'meta' removed, 'schemas'
listing the core schema and each extension present. On failure the SCIM error response
(RFC 7644 §3.12) is printed as JSON, and its detail on standard error.

Options:
  --lenient    Also accept what identity providers send that RFC 7643 does not allow,
               such as "True" for a boolean, a missing 'schemas' (with --type) or
               unknown attributes (dropped); each is reported on standard error as a
               line 'warning: ...'
  --type NAME  Validate the resource as resource type NAME: User or Group
  -h, --help   Print this help
  --           Read the next argument as FILE even if it starts with '-'

Exit status: 0 when the resource is valid; 2 when it is not (including malformed JSON)
or FILE cannot be read.

Example:
  $ echo '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "UserName": "bjensen"}' |
    scimitar validate -
  {
    "schemas": [
      "urn:ietf:params:scim:schemas:core:2.0:User"
    ],
    "userName": "bjensen"
  }
"#;

/// The arguments of `scimitar validate`.
#[derive(Debug, clap::Args)]
#[command(override_help = HELP, args_override_self = true)]
pub(crate) struct Args {
    #[command(flatten)]
    help: HelpFlag,
    /// Also accept what identity providers send that RFC 7643 does not allow.
    #[arg(long)]
    lenient: bool,
    /// The resource type to validate the resource as: User or Group.
    #[arg(
        long = "type",
        value_name = "NAME",
        allow_hyphen_values = true,
        value_parser = resource_type_name
    )]
    type_name: Option<String>,
    /// The resource, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// Runs `scimitar validate`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let registry = SchemaRegistry::core();
    let chosen = match &args.type_name {
        Some(name) => Some(resource_type(&registry, name).map_err(Failure::invalid)?),
        None => None,
    };
    let input = input::read(&args.file)?;
    let options = ValidateOptions::default().with_lenient(args.lenient);
    let result = check(&registry, chosen, &input, &options).map(
        |Validated {
             resource, warnings, ..
         }| (resource, warnings),
    );
    print_resource_or_error(result, out, err)
}

/// Prints a resulting resource as JSON (and its warnings on `err`), or the SCIM error
/// as JSON, which also fails the command.
pub(crate) fn print_resource_or_error(
    result: Result<(Resource, Vec<String>), ScimError>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match result {
        Ok((resource, warnings)) => {
            for warning in warnings {
                writeln!(err, "warning: {warning}")?;
            }
            write_pretty(out, &resource)
        }
        Err(error) => {
            write_pretty(out, &error)?;
            Err(error.into())
        }
    }
}

fn write_pretty(out: &mut dyn Write, value: &impl serde::Serialize) -> Result<(), Failure> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)?;
    Ok(())
}

/// `--type NAME`: the name of a resource type of the core registry.
fn resource_type_name(name: &str) -> Result<String, String> {
    resource_type(&SchemaRegistry::core(), name).map(|_| name.to_owned())
}

/// The resource type called `name`, as `--type` names it.
fn resource_type<'r>(registry: &'r SchemaRegistry, name: &str) -> Result<&'r ResourceType, String> {
    registry.resource_type(name).ok_or_else(|| {
        format!(
            "unknown resource type {name:?} (expected {})",
            known(registry)
        )
    })
}

/// Parses `input` as a resource and validates it as `chosen`, or as the resource type
/// its `schemas` names.
fn check(
    registry: &SchemaRegistry,
    chosen: Option<&ResourceType>,
    input: &[u8],
    options: &ValidateOptions<'_>,
) -> Result<Validated, ScimError> {
    let resource = Resource::from_json(input)?;
    let resource_type = match chosen {
        Some(resource_type) => resource_type,
        None => type_of(registry, &resource, "; name the type with --type")?,
    };
    validate(registry, resource_type, resource, options)
}

/// The resource type whose core schema `resource` lists; the error's detail ends with
/// `hint`.
pub(crate) fn type_of<'r>(
    registry: &'r SchemaRegistry,
    resource: &Resource,
    hint: &str,
) -> Result<&'r ResourceType, ScimError> {
    registry.resource_type_of(resource).ok_or_else(|| {
        ScimError::invalid_value(format!(
            "'schemas' lists the core schema of no resource type ({}){hint}",
            known(registry)
        ))
    })
}

/// The names of the resource types of `registry`, as `User or Group`.
fn known(registry: &SchemaRegistry) -> String {
    let names: Vec<&str> = registry
        .resource_types()
        .iter()
        .map(|resource_type| resource_type.name.as_str())
        .collect();
    names.join(" or ")
}
