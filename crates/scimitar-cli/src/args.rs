//! Command-line arguments: a small pull parser that tells options from operands.
//!
//! Commands take the arguments one at a time and decide what each means, so every command
//! states its own options and operands and reports anything else as a [`UsageError`].

use std::ffi::OsString;
use std::fmt;
use std::vec;

/// One command-line argument, classified.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Arg {
    /// An option as written, such as `--lenient` or `-h`.
    Option(String),
    /// Anything else: a command name or an operand such as `EXPR`. After `--`, every
    /// argument is an operand, even one that starts with `-`.
    Operand(String),
}

impl Arg {
    /// The usage error for an argument the command does not accept here.
    pub(crate) fn unexpected(self, usage: &'static str) -> UsageError {
        match self {
            Self::Option(option) => UsageError::new(format!("unknown option {option:?}"), usage),
            Self::Operand(operand) => {
                UsageError::new(format!("unexpected argument {operand:?}"), usage)
            }
        }
    }
}

/// Whether `option` asks for help.
pub(crate) fn is_help(option: &str) -> bool {
    matches!(option, "-h" | "--help")
}

/// The arguments not taken yet, in order.
#[derive(Debug)]
pub(crate) struct Args {
    rest: vec::IntoIter<String>,
    operands_only: bool,
}

impl Args {
    /// Arguments without the program name.
    pub(crate) fn new(args: Vec<String>) -> Self {
        Self {
            rest: args.into_iter(),
            operands_only: false,
        }
    }

    /// Arguments from the operating system, without the program name. An argument that is
    /// not valid UTF-8 is a usage error, reported with `usage`.
    pub(crate) fn from_os(
        args: impl IntoIterator<Item = OsString>,
        usage: &'static str,
    ) -> Result<Self, UsageError> {
        let args = args
            .into_iter()
            .enumerate()
            .map(|(index, arg)| {
                arg.into_string().map_err(|arg| {
                    let lossy = arg.to_string_lossy();
                    let message = format!("argument {} is not valid UTF-8: {lossy:?}", index + 1);
                    UsageError::new(message, usage)
                })
            })
            .collect::<Result<_, _>>()?;
        Ok(Self::new(args))
    }

    /// Fails with a usage error if any argument is left.
    pub(crate) fn finish(mut self, usage: &'static str) -> Result<(), UsageError> {
        match self.next() {
            Some(arg) => Err(arg.unexpected(usage)),
            None => Ok(()),
        }
    }
}

impl Iterator for Args {
    type Item = Arg;

    fn next(&mut self) -> Option<Arg> {
        let arg = self.rest.next()?;
        if self.operands_only {
            return Some(Arg::Operand(arg));
        }
        if arg == "--" {
            self.operands_only = true;
            return self.next();
        }
        if arg.starts_with('-') && arg != "-" {
            Some(Arg::Option(arg))
        } else {
            Some(Arg::Operand(arg))
        }
    }
}

/// A command line the tool cannot run: what is wrong, and the usage of the command.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct UsageError {
    message: String,
    usage: &'static str,
}

impl UsageError {
    /// `message` says what is wrong; `usage` is the usage text of the command concerned.
    pub(crate) fn new(message: impl Into<String>, usage: &'static str) -> Self {
        Self {
            message: message.into(),
            usage,
        }
    }

    /// The usage text of the command concerned.
    pub(crate) fn usage(&self) -> &'static str {
        self.usage
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const USAGE: &str = "usage: test";

    fn args(args: &[&str]) -> Args {
        Args::new(args.iter().map(|arg| arg.to_string()).collect())
    }

    fn classify(list: &[&str]) -> Vec<Arg> {
        args(list).collect()
    }

    fn option(text: &str) -> Arg {
        Arg::Option(text.to_owned())
    }

    fn operand(text: &str) -> Arg {
        Arg::Operand(text.to_owned())
    }

    #[test]
    fn tells_options_from_operands() {
        assert_eq!(
            classify(&["filter", "parse", "--lenient", "x eq 1", "-h"]),
            [
                operand("filter"),
                operand("parse"),
                option("--lenient"),
                operand("x eq 1"),
                option("-h")
            ],
        );
    }

    #[test]
    fn a_lone_dash_is_an_operand() {
        assert_eq!(classify(&["-"]), [operand("-")]);
    }

    #[test]
    fn an_empty_argument_is_an_operand() {
        assert_eq!(classify(&[""]), [operand("")]);
    }

    #[test]
    fn everything_after_double_dash_is_an_operand() {
        assert_eq!(
            classify(&["--lenient", "--", "-x", "--", "--help"]),
            [
                option("--lenient"),
                operand("-x"),
                operand("--"),
                operand("--help")
            ],
        );
    }

    #[test]
    fn a_trailing_double_dash_yields_nothing() {
        assert_eq!(classify(&["parse", "--"]), [operand("parse")]);
    }

    #[test]
    fn option_with_inline_value_is_kept_whole() {
        assert_eq!(classify(&["--lenient=yes"]), [option("--lenient=yes")]);
    }

    #[test]
    fn recognises_help() {
        assert!(is_help("-h"));
        assert!(is_help("--help"));
        assert!(!is_help("-help"));
        assert!(!is_help("help"));
    }

    #[test]
    fn unexpected_arguments_are_described() {
        let error = option("--nope").unexpected(USAGE);
        assert_eq!(error.to_string(), r#"unknown option "--nope""#);
        assert_eq!(error.usage(), USAGE);
        let error = operand("extra").unexpected(USAGE);
        assert_eq!(error.to_string(), r#"unexpected argument "extra""#);
    }

    #[test]
    fn finish_accepts_no_arguments_left() {
        let mut rest = args(&["help"]);
        assert_eq!(rest.next(), Some(operand("help")));
        assert_eq!(rest.finish(USAGE), Ok(()));
    }

    #[test]
    fn finish_rejects_arguments_left() {
        let error = args(&["extra", "more"]).finish(USAGE).unwrap_err();
        assert_eq!(error.to_string(), r#"unexpected argument "extra""#);
        let error = args(&["--", "--lenient"]).finish(USAGE).unwrap_err();
        assert_eq!(error.to_string(), r#"unexpected argument "--lenient""#);
    }

    #[test]
    fn from_os_takes_utf8() {
        let os = ["path", "parse", "é"].map(OsString::from);
        let list: Vec<Arg> = Args::from_os(os, USAGE).unwrap().collect();
        assert_eq!(list, [operand("path"), operand("parse"), operand("é")]);
    }

    #[cfg(unix)]
    #[test]
    fn from_os_rejects_non_utf8() {
        use std::os::unix::ffi::OsStringExt;

        let os = [
            OsString::from("filter"),
            OsString::from_vec(b"a\xffb".to_vec()),
        ];
        let error = Args::from_os(os, USAGE).unwrap_err();
        assert_eq!(
            error.to_string(),
            "argument 2 is not valid UTF-8: \"a\u{fffd}b\""
        );
        assert_eq!(error.usage(), USAGE);
    }
}
