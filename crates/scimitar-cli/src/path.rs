//! `scimitar path`: PATCH paths (RFC 7644 §3.5.2).

use std::io::Write;

use scimitar_filter::PatchPath;

use crate::args::{Arg, Args, UsageError, is_help};
use crate::canonical;
use crate::failure::Failure;

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
pub(crate) fn run(mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    match args.next() {
        Some(Arg::Operand(command)) if command == "parse" => {
            canonical::parse_command(args, PatchPath::parse_with, USAGE, HELP, out)
        }
        Some(Arg::Operand(command)) => {
            Err(UsageError::new(format!("unknown path command {command:?}"), USAGE).into())
        }
        Some(Arg::Option(option)) if is_help(&option) => {
            args.finish(USAGE)?;
            out.write_all(HELP.as_bytes())?;
            Ok(())
        }
        Some(other) => Err(other.unexpected(USAGE).into()),
        None => Err(UsageError::new("missing path command", USAGE).into()),
    }
}
