//! `scimitar path`: PATCH paths (RFC 7644 §3.5.2).

use std::io::Write;

use scimitar_filter::PatchPath;

use crate::canonical::{self, ParseArgs};
use crate::failure::Failure;
use crate::help::print_help;

pub(crate) const USAGE: &str = "usage: scimitar path parse [--lenient] EXPR";

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

/// The `path` commands.
#[derive(Debug, clap::Subcommand)]
#[command(override_help = HELP)]
pub(crate) enum Command {
    #[command(override_help = HELP)]
    Parse(ParseArgs),
    /// `-h`, `--help`: the group's help; it takes no arguments.
    #[command(name = "--help", short_flag = 'h', long_flag = "help", hide = true)]
    Help,
}

/// Runs a `scimitar path` command.
pub(crate) fn run(command: Command, out: &mut dyn Write) -> Result<(), Failure> {
    match command {
        Command::Parse(args) => canonical::parse_command(args, PatchPath::parse_with, out),
        Command::Help => print_help(HELP, out),
    }
}
