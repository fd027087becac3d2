//! The `parse` commands shared by the syntax command groups: parse `EXPR` and print its
//! canonical form.

use std::fmt::Display;
use std::io::Write;

use scimitar_filter::{FilterError, ParseOptions};

use crate::args::HelpFlag;
use crate::failure::Failure;

/// A parser entry point of `scimitar-filter`, such as `Filter::parse_with`.
pub(crate) type Parser<T> = fn(&str, &ParseOptions) -> Result<T, FilterError>;

/// The arguments of `parse [--lenient] EXPR`.
#[derive(Debug, clap::Args)]
#[command(args_override_self = true)]
pub(crate) struct ParseArgs {
    #[command(flatten)]
    help: HelpFlag,
    /// Also accept the shapes identity providers send.
    #[arg(long)]
    lenient: bool,
    #[arg(value_name = "EXPR")]
    expr: String,
}

/// Runs `parse`: parses `EXPR` with `parser` and writes the canonical form (its
/// `Display`) and a newline to `out`.
pub(crate) fn parse_command<T: Display>(
    args: ParseArgs,
    parser: Parser<T>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let parsed = parser(&args.expr, &ParseOptions::default().lenient(args.lenient))?;
    writeln!(out, "{parsed}")?;
    Ok(())
}
