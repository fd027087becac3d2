//! `scimitar filter match`: the resources of a file that a filter matches.

use std::io::Write;

use scimitar_filter::{Filter, ParseOptions};
use scimitar_schema::{CompiledFilter, Resource, SchemaRegistry};
use serde_json::Value;

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::input;

pub(crate) const USAGE: &str = "usage: scimitar filter match [--lenient] EXPR FILE";

pub(crate) const HELP: &str = r#"Print the id of each resource in FILE that a SCIM filter (RFC 7644 §3.4.2.2) matches.

Usage: scimitar filter match [--lenient] EXPR FILE

FILE holds a JSON array of resources; '-' reads standard input. Each resource is tested
with the schema of its resource type, User or Group, told by its 'schemas': strings
compare case-insensitively unless the attribute is caseExact, and an operator the
attribute's type does not support, as in 'active gt true', makes EXPR invalid. A resource
of neither type is tested without a schema, every attribute as a case-insensitive string.

The ids of the matching resources are printed one a line, in the order of FILE. A
matching resource without a string 'id' cannot be printed: a warning on standard error
names its index instead. Indexes count from 0.

Options:
  --lenient   Also accept the filter shapes identity providers send that RFC 7644 does
              not allow, such as emails[type eq "work"].value eq "x" or unquoted values
  -h, --help  Print this help
  --          Read the next arguments as operands even if they start with '-'

Exit status: 0 whether or not any resource matches; 2 when EXPR is invalid, or FILE
cannot be read or is not a JSON array of objects (nothing is printed on standard output).

Example:
  $ scimitar filter match 'userName eq "BJENSEN@example.com"' users.json
  2819c223-7f76-453a-919d-413861904646
"#;

/// The arguments of `scimitar filter match`.
#[derive(Debug, clap::Args)]
#[command(args_override_self = true)]
pub(crate) struct Args {
    #[command(flatten)]
    help: HelpFlag,
    /// Also accept the filter shapes identity providers send.
    #[arg(long)]
    lenient: bool,
    #[arg(value_name = "EXPR")]
    expr: String,
    /// A JSON array of resources, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// Runs `scimitar filter match`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let options = ParseOptions::default().lenient(args.lenient);
    let filter = Filter::parse_with(&args.expr, &options)?;
    let resources = read_resources(&args.file)?;
    let registry = SchemaRegistry::core();
    // Everything is checked before anything is printed, so that an invalid filter
    // prints no partial list.
    let mut compiled = Vec::new();
    let mut matched = Vec::new();
    for (index, resource) in resources.iter().enumerate() {
        if compiled_for(&filter, &registry, resource, &mut compiled)?.matches(resource) {
            matched.push((index, resource.id()));
        }
    }
    for (index, id) in matched {
        match id {
            Some(id) => writeln!(out, "{id}")?,
            None => writeln!(
                err,
                "warning: resource {index} matches but has no string 'id' to print"
            )?,
        }
    }
    Ok(())
}

/// The filter compiled for the resource type of `resource` (its name, or `None` for a
/// resource of no known type), from `cache` or compiled and added to it: once a type.
fn compiled_for<'a, 'c>(
    filter: &'a Filter,
    registry: &'a SchemaRegistry,
    resource: &Resource,
    cache: &'c mut Vec<(Option<&'a str>, CompiledFilter<'a>)>,
) -> Result<&'c CompiledFilter<'a>, Failure> {
    let resource_type = registry.resource_type_of(resource);
    let name = resource_type.map(|resource_type| resource_type.name.as_str());
    let index = match cache.iter().position(|(cached, _)| *cached == name) {
        Some(index) => index,
        None => {
            let compiled =
                CompiledFilter::compile(filter, registry, resource_type).map_err(|error| {
                    let on = name.map_or("resources of no known type".into(), |name| {
                        format!("{name} resources")
                    });
                    Failure::invalid(format!("{error} (on {on})"))
                })?;
            cache.push((name, compiled));
            cache.len() - 1
        }
    };
    Ok(&cache[index].1)
}

/// The resources in `file`: a JSON array of objects.
fn read_resources(file: &str) -> Result<Vec<Resource>, Failure> {
    let name = input::name(file);
    let json: Value = serde_json::from_slice(&input::read(file)?)
        .map_err(|error| Failure::invalid(format!("{name} is not valid JSON: {error}")))?;
    let Value::Array(items) = json else {
        return Err(Failure::invalid(format!(
            "{name} must hold a JSON array of resources"
        )));
    };
    items
        .into_iter()
        .enumerate()
        .map(|(index, item)| {
            Resource::from_value(item).map_err(|error| {
                let detail = error.detail.unwrap_or_default();
                Failure::invalid(format!("{name}: resource {index}: {detail}"))
            })
        })
        .collect()
}
