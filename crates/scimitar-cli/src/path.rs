//! `scimitar path`: PATCH paths (RFC 7644 §3.5.2).

use std::io::Write;

use scimitar_filter::PatchPath;

use crate::args::Args;
use crate::canonical;
use crate::failure::Failure;
use crate::group::{self, Run};

const USAGE: &str = "usage: scimitar path parse [--lenient] EXPR";

const HELP: &str = r#"Parse a SCIM PATCH path (RFC 7644 §3.5.2) and print its canonical form.

Usage: scimitar path parse [--lenient] EXPR

Options:
  --lenient   Also accept the shapes identity providers send that RFC 7644 does not
              allow, such as unquoted values
  -h, --help  Print this help
  --          Read the next argument as EXPR even if it starts with '-'

Example:
  $ scimitar path parse 'emails[type EQ "work"].value'
  emails[type eq "work"].value
"#;

/// Runs `scimitar path` with the arguments after `path`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    group::run(args, "path", USAGE, HELP, command, out, err)
}

/// The command called `name`.
fn command(name: &str) -> Option<Run> {
    match name {
        "parse" => Some(|args, out, _| {
            canonical::parse_command(args, PatchPath::parse_with, USAGE, HELP, out)
        }),
        _ => None,
    }
}
