//! The `parse` commands shared by the syntax command groups: parse `EXPR` and print its
//! canonical form.

use std::fmt::Display;
use std::io::Write;

use scimitar_filter::{FilterError, ParseOptions};

use crate::args::{Arg, Args, UsageError, is_help};
use crate::failure::Failure;

/// A parser entry point of `scimitar-filter`, such as `Filter::parse_with`.
pub(crate) type Parser<T> = fn(&str, &ParseOptions) -> Result<T, FilterError>;

/// Runs `parse [--lenient] EXPR` with the arguments after `parse`: parses `EXPR` with
/// `parser` and writes the canonical form (its `Display`) and a newline to `out`.
///
/// `-h` or `--help` writes `help` instead; other mistakes are reported with `usage`.
pub(crate) fn parse_command<T: Display>(
    args: Args,
    parser: Parser<T>,
    usage: &'static str,
    help: &'static str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let mut lenient = false;
    let mut expr = None;
    for arg in args {
        match arg {
            Arg::Option(option) if option == "--lenient" => lenient = true,
            Arg::Option(option) if is_help(&option) => {
                out.write_all(help.as_bytes())?;
                return Ok(());
            }
            Arg::Operand(operand) if expr.is_none() => expr = Some(operand),
            other => return Err(other.unexpected(usage).into()),
        }
    }
    let expr = expr.ok_or_else(|| UsageError::new("missing EXPR", usage))?;
    let parsed = parser(&expr, &ParseOptions::default().lenient(lenient))?;
    writeln!(out, "{parsed}")?;
    Ok(())
}
