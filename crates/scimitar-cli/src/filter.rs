//! `scimitar filter`: SCIM filters (RFC 7644 §3.4.2.2).

mod matching;

use std::io::Write;

use scimitar_filter::Filter;

use crate::canonical::{self, ParseArgs};
use crate::failure::Failure;
use crate::help::print_help;

pub(crate) use self::matching::USAGE as MATCH_USAGE;

pub(crate) const USAGE: &str = "\
usage: scimitar filter parse [--lenient] EXPR
       scimitar filter match [--lenient] EXPR FILE";

const HELP: &str = r#"Work with SCIM filters (RFC 7644 §3.4.2.2).

Usage:
  scimitar filter parse [--lenient] EXPR       Print the canonical form of a filter
  scimitar filter match [--lenient] EXPR FILE  Print the ids of the resources in FILE
                                               that match a filter

Run 'scimitar filter <command> --help' for the help of one command.
"#;

pub(crate) const PARSE_USAGE: &str = "usage: scimitar filter parse [--lenient] EXPR";

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

/// The `filter` commands.
#[derive(Debug, clap::Subcommand)]
#[command(override_help = HELP)]
pub(crate) enum Command {
    #[command(override_help = PARSE_HELP)]
    Parse(ParseArgs),
    #[command(override_help = matching::HELP)]
    Match(matching::Args),
    /// `-h`, `--help`: the group's help; it takes no arguments.
    #[command(name = "--help", short_flag = 'h', long_flag = "help", hide = true)]
    Help,
}

/// Runs a `scimitar filter` command.
pub(crate) fn run(
    command: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        Command::Parse(args) => canonical::parse_command(args, Filter::parse_with, out),
        Command::Match(args) => matching::run(args, out, err),
        Command::Help => print_help(HELP, out),
    }
}
