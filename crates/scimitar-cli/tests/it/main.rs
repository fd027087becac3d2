//! Runs the built `scimitar` binary and checks its output and exit status.

#[cfg(unix)]
mod crash;
mod faults;
mod filter;
mod filter_match;
mod first_key;
mod history;
mod import;
mod isolation;
mod mapping;
mod patch;
mod path;
mod serve;
mod slow_clients;
mod tenant;
mod usage;
mod validate;

use std::ffi::OsStr;
use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::{env, fs, process};

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
    let output = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .output()
        .expect("scimitar runs");
    Run::from(output)
}

/// Runs `scimitar` with `args` and `stdin` on its standard input.
fn scimitar_with_stdin(args: &[&str], stdin: &str) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("scimitar runs");
    let mut input = child.stdin.take().expect("stdin is piped");
    input.write_all(stdin.as_bytes()).expect("stdin is written");
    drop(input);
    Run::from(child.wait_with_output().expect("scimitar finishes"))
}

impl From<Output> for Run {
    fn from(output: Output) -> Self {
        let Output {
            status,
            stdout,
            stderr,
        } = output;
        Self {
            code: status.code().expect("scimitar exits with a status"),
            stdout: String::from_utf8(stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(stderr).expect("stderr is UTF-8"),
        }
    }
}

/// A file in the temporary directory, removed when dropped.
struct Fixture(PathBuf);

impl Fixture {
    /// Writes `contents` to a new file whose name ends with `name`.
    fn new(name: &str, contents: &str) -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let file_name = format!("scimitar-cli-it-{}-{unique}-{name}", process::id());
        let path = env::temp_dir().join(file_name);
        fs::write(&path, contents).expect("the fixture is written");
        Self(path)
    }

    /// The path, as an argument.
    fn arg(&self) -> &str {
        self.0
            .to_str()
            .expect("the temporary directory has a UTF-8 path")
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        // A file left behind in the temporary directory does no harm.
        let _ = fs::remove_file(&self.0);
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
