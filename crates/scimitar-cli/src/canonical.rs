//! The `parse` commands shared by the syntax command groups: parse `EXPR` and print its
//! canonical form.

use std::fmt::Display;
use std::io::Write;

use scimitar_filter::{FilterError, ParseOptions};

use crate::args::{Args, Command};
use crate::failure::Failure;
use crate::group::print_help;

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
    let Command::Run {
        lenient,
        operands: [expr],
    } = args.command(["EXPR"], usage, |_, _| Ok(false))?
    else {
        return print_help(help, out);
    };
    let parsed = parser(&expr, &ParseOptions::default().lenient(lenient))?;
    writeln!(out, "{parsed}")?;
    Ok(())
}
