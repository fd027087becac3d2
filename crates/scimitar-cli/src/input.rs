//! Reading the `FILE` operand of the commands that take one: a path, or `-` for
//! standard input.

use std::fs;
use std::io::{self, Read};

use crate::failure::Failure;

/// The `FILE` operand that stands for standard input.
const STDIN: &str = "-";

/// How messages name `file`.
pub(crate) fn name(file: &str) -> &str {
    if file == STDIN {
        "standard input"
    } else {
        file
    }
}

/// The bytes of `file`, or of standard input for `-`. A file that cannot be read is
/// invalid input.
pub(crate) fn read(file: &str) -> Result<Vec<u8>, Failure> {
    let bytes = if file == STDIN {
        let mut bytes = Vec::new();
        io::stdin().lock().read_to_end(&mut bytes).map(|_| bytes)
    } else {
        fs::read(file)
    };
    bytes.map_err(|error| Failure::invalid(format!("cannot read {}: {error}", name(file))))
}
