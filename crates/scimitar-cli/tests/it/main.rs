//! Runs the built `scimitar` binary and checks its output and exit status.

mod filter;
mod path;
mod usage;

use std::ffi::OsStr;
use std::process::{Command, Output};

/// The exit status for invalid input.
const INVALID: i32 = 2;
/// `EX_USAGE`: the command line is wrong.
const USAGE: i32 = 64;

/// What one run of the binary printed, and its exit status.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs `scimitar` with `args`.
fn scimitar<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let Output {
        status,
        stdout,
        stderr,
    } = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .output()
        .expect("scimitar runs");
    Run {
        code: status.code().expect("scimitar exits with a status"),
        stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
        stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
    }
}

/// Asserts that `args` succeed and print exactly `expected` and a newline.
#[track_caller]
fn assert_prints(args: &[&str], expected: &str) {
    let run = scimitar(args);
    assert_eq!(run.code, 0, "{args:?} exits 0; stderr: {}", run.stderr);
    assert_eq!(
        run.stdout,
        format!("{expected}\n"),
        "{args:?} prints the canonical form"
    );
    assert_eq!(run.stderr, "", "{args:?} prints nothing on stderr");
}

/// Asserts that `args` fail with exit status 2 and an error containing `message`.
#[track_caller]
fn assert_invalid(args: &[&str], message: &str) {
    let run = scimitar(args);
    assert_eq!(
        run.code, INVALID,
        "{args:?} exits 2; stderr: {}",
        run.stderr
    );
    assert_eq!(run.stdout, "", "{args:?} prints nothing on stdout");
    assert!(
        run.stderr.starts_with("error: "),
        "{args:?} prints an error: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains(message),
        "{args:?} says {message:?}: {}",
        run.stderr
    );
}
