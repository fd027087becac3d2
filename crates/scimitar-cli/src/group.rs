//! Command groups such as `scimitar filter`: choosing the command, and printing help.

use std::io::Write;

use crate::args::{Arg, Args, UsageError, is_help};
use crate::failure::Failure;

/// A command of a group: runs with the arguments after its name, writing its output to
/// the first writer and its warnings to the second.
pub(crate) type Run = fn(Args, &mut dyn Write, &mut dyn Write) -> Result<(), Failure>;

/// Runs `scimitar GROUP` with the arguments after `GROUP`: the first names the command,
/// which `command` returns by name (`None` for a name the group does not know), or asks for the
/// group's `help`. Mistakes are reported with the group's `usage`.
pub(crate) fn run(
    mut args: Args,
    group: &str,
    usage: &'static str,
    help: &'static str,
    command: fn(&str) -> Option<Run>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match args.next() {
        Some(Arg::Operand(name)) => match command(&name) {
            Some(run) => run(args, out, err),
            None => Err(UsageError::new(format!("unknown {group} command {name:?}"), usage).into()),
        },
        Some(Arg::Option(option)) if is_help(&option) => print(args, help, usage, out),
        Some(other) => Err(other.unexpected(usage).into()),
        None => Err(UsageError::new(format!("missing {group} command"), usage).into()),
    }
}

/// Writes `text` to `out` if no argument is left; reports any with `usage`.
pub(crate) fn print(
    args: Args,
    text: &str,
    usage: &'static str,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    args.finish(usage)?;
    print_help(text, out)
}

/// Writes the help `text` to `out`.
pub(crate) fn print_help(text: &str, out: &mut dyn Write) -> Result<(), Failure> {
    out.write_all(text.as_bytes())?;
    Ok(())
}
