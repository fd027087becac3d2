//! `scimitar filter`: SCIM filters (RFC 7644 §3.4.2.2).

mod matching;

use std::io::Write;

use scimitar_filter::Filter;

use crate::args::Args;
use crate::canonical;
use crate::failure::Failure;
use crate::group::{self, Run};

const USAGE: &str = "\
usage: scimitar filter parse [--lenient] EXPR
       scimitar filter match [--lenient] EXPR FILE";

const HELP: &str = r#"Work with SCIM filters (RFC 7644 §3.4.2.2).

Usage:
  scimitar filter parse [--lenient] EXPR       Print the canonical form of a filter
  scimitar filter match [--lenient] EXPR FILE  Print the ids of the resources in FILE
                                               that match a filter

Run 'scimitar filter <command> --help' for the help of one command.
"#;

const PARSE_USAGE: &str = "usage: scimitar filter parse [--lenient] EXPR";

const PARSE_HELP: &str = r#"Parse a SCIM filter (RFC 7644 §3.4.2.2) and print its canonical form.

Usage: scimitar filter parse [--lenient] EXPR

Options:
  --lenient   Also accept the shapes identity providers send that RFC 7644 does not
              allow, such as emails[type eq "work"].value eq "x" or unquoted values
  -h, --help  Print this help
  --          Read the next argument as EXPR even if it starts with '-'

Example:
  $ scimitar filter parse 'userName Eq "bjensen" AND title pr'
  userName eq "bjensen" and title pr
"#;

/// Runs `scimitar filter` with the arguments after `filter`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    group::run(args, "filter", USAGE, HELP, command, out, err)
}

/// The command called `name`.
fn command(name: &str) -> Option<Run> {
    match name {
        "parse" => Some(|args, out, _| {
            canonical::parse_command(args, Filter::parse_with, PARSE_USAGE, PARSE_HELP, out)
        }),
        "match" => Some(matching::run),
        _ => None,
    }
}
