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

    /// Reads the arguments of a command that takes `--lenient`, `-h`/`--help`, the
    /// operands named by `operands` (all required, such as `["EXPR", "FILE"]`) and the
    /// options `option` accepts: it is called with each other option and the arguments
    /// left, takes the option's value if it has one (see [`Args::value`]) and returns
    /// whether it knows the option. Mistakes are reported with `usage`.
    pub(crate) fn command<const N: usize>(
        self,
        operands: [&str; N],
        usage: &'static str,
        mut option: impl FnMut(&str, &mut Self) -> Result<bool, UsageError>,
    ) -> Result<Command<N>, UsageError> {
        let mut lenient = false;
        let operands = self.operands(operands, usage, |name, args| {
            if name == "--lenient" {
                lenient = true;
                return Ok(true);
            }
            option(name, args)
        })?;
        Ok(match operands {
            Some(operands) => Command::Run { lenient, operands },
            None => Command::Help,
        })
    }

    /// Reads the arguments of a command as [`Args::command`] does, without `--lenient`:
    /// the operands, or `None` for `-h`/`--help`.
    pub(crate) fn operands<const N: usize>(
        mut self,
        operands: [&str; N],
        usage: &'static str,
        mut option: impl FnMut(&str, &mut Self) -> Result<bool, UsageError>,
    ) -> Result<Option<[String; N]>, UsageError> {
        let mut taken = Vec::with_capacity(N);
        while let Some(arg) = self.next() {
            match arg {
                Arg::Option(name) if is_help(&name) => return Ok(None),
                Arg::Option(name) if option(&name, &mut self)? => {}
                Arg::Operand(operand) if taken.len() < N => taken.push(operand),
                other => return Err(other.unexpected(usage)),
            }
        }
        let operands = taken.try_into().map_err(|taken: Vec<String>| {
            UsageError::new(format!("missing {}", operands[taken.len()]), usage)
        })?;
        Ok(Some(operands))
    }

    /// The value of `option`: the next argument, whatever it looks like, as `getopt`
    /// reads `--type NAME`. Its absence is reported with `usage`.
    pub(crate) fn value(
        &mut self,
        option: &str,
        usage: &'static str,
    ) -> Result<String, UsageError> {
        self.rest
            .next()
            .ok_or_else(|| UsageError::new(format!("missing the value of {option:?}"), usage))
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

/// What the arguments of a command ask for; see [`Args::command`].
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Command<const N: usize> {
    /// `-h` or `--help`: print the command's help and nothing else.
    Help,
    /// Run the command.
    Run {
        /// Whether `--lenient` was given.
        lenient: bool,
        /// The operands, in the order the command names them.
        operands: [String; N],
    },
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

    /// Reads `list` as a command with the operands `EXPR FILE` and the option `--type`.
    fn read_command(list: &[&str]) -> (Result<Command<2>, UsageError>, Option<String>) {
        let mut type_name = None;
        let command = args(list).command(["EXPR", "FILE"], USAGE, |option, rest| {
            if option != "--type" {
                return Ok(false);
            }
            type_name = Some(rest.value(option, USAGE)?);
            Ok(true)
        });
        (command, type_name)
    }

    #[test]
    fn command_takes_its_operands_and_options() {
        let (command, type_name) = read_command(&["x", "--type", "-User", "--lenient", "f"]);
        let operands = ["x".to_owned(), "f".to_owned()];
        let lenient = true;
        assert_eq!(command, Ok(Command::Run { lenient, operands }));
        assert_eq!(type_name.as_deref(), Some("-User"));
        let (command, type_name) = read_command(&["--", "-x", "-"]);
        let operands = ["-x".to_owned(), "-".to_owned()];
        let lenient = false;
        assert_eq!(command, Ok(Command::Run { lenient, operands }));
        assert_eq!(type_name, None);
    }

    #[test]
    fn command_stops_at_help() {
        assert_eq!(
            read_command(&["x", "--help", "--bogus"]).0,
            Ok(Command::Help)
        );
        assert_eq!(read_command(&["-h"]).0, Ok(Command::Help));
    }

    #[test]
    fn command_reports_mistakes() {
        let message = |list: &[&str]| read_command(list).0.unwrap_err().to_string();
        assert_eq!(message(&[]), "missing EXPR");
        assert_eq!(message(&["x"]), "missing FILE");
        assert_eq!(message(&["x", "f", "y"]), r#"unexpected argument "y""#);
        assert_eq!(message(&["x", "--bogus"]), r#"unknown option "--bogus""#);
        assert_eq!(
            message(&["x", "f", "--type"]),
            r#"missing the value of "--type""#
        );
    }

    #[test]
    fn operands_reads_commands_without_lenient() {
        let read = |list: &[&str]| {
            let mut db = None;
            let operands = args(list).operands(["ID"], USAGE, |option, rest| {
                if option != "--db" {
                    return Ok(false);
                }
                db = Some(rest.value(option, USAGE)?);
                Ok(true)
            });
            (operands, db)
        };
        let (operands, db) = read(&["--db", ":memory:", "key_1"]);
        assert_eq!(operands, Ok(Some(["key_1".to_owned()])));
        assert_eq!(db.as_deref(), Some(":memory:"));
        assert_eq!(read(&["--help", "--bogus"]).0, Ok(None));
        let error = read(&["--lenient", "key_1"]).0.unwrap_err();
        assert_eq!(error.to_string(), r#"unknown option "--lenient""#);
        assert_eq!(read(&[]).0.unwrap_err().to_string(), "missing ID");
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
