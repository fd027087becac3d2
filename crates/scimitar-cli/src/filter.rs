//! `scimitar filter`: SCIM filters (RFC 7644 §3.4.2.2).

use std::io::Write;

use scimitar_filter::Filter;

use crate::args::{Arg, Args, UsageError, is_help};
use crate::canonical;
use crate::failure::Failure;

const USAGE: &str = "usage: scimitar filter parse [--lenient] EXPR";

const HELP: &str = r#"Parse a SCIM filter (RFC 7644 §3.4.2.2) and print its canonical form.

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
pub(crate) fn run(mut args: Args, out: &mut dyn Write) -> Result<(), Failure> {
    match args.next() {
        Some(Arg::Operand(command)) if command == "parse" => {
            canonical::parse_command(args, Filter::parse_with, USAGE, HELP, out)
        }
        Some(Arg::Operand(command)) => {
            Err(UsageError::new(format!("unknown filter command {command:?}"), USAGE).into())
        }
        Some(Arg::Option(option)) if is_help(&option) => {
            args.finish(USAGE)?;
            out.write_all(HELP.as_bytes())?;
            Ok(())
        }
        Some(other) => Err(other.unexpected(USAGE).into()),
        None => Err(UsageError::new("missing filter command", USAGE).into()),
    }
}
