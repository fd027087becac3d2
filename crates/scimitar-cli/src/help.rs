//! Printing the help texts, which are written by hand: they explain more than clap's
//! generated help would, and scripts and tests read them.

use std::io::Write;

use crate::failure::Failure;

/// Writes the help `text` to `out`.
pub(crate) fn print_help(text: &str, out: &mut dyn Write) -> Result<(), Failure> {
    out.write_all(text.as_bytes())?;
    Ok(())
}
