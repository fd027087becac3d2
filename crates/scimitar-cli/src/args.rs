//! Command-line arguments: clap reads them into the command tree (see `Cli` in `main.rs`),
//! and its errors are told in the `scimitar` command's own words.
//!
//! The command's usage errors are a contract that predates clap: `error: unknown option
//! "--bogus"`, `error: missing EXPR`, then the usage of the command concerned and a
//! pointer to `scimitar --help`, exit status 64. clap finds the mistake; [`usage_error`]
//! says it as before, from the error's kind and context.

use std::ffi::OsString;
use std::fmt;
use std::iter;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{Command, Parser};

/// What the command line asks for.
#[derive(Debug)]
pub(crate) enum Parsed<T> {
    /// Run the command.
    Run(T),
    /// Print this help text (a command's `-h` or `--help`) and nothing else.
    Help(String),
}

/// `-h`, `--help` of a command: print its help and read no further. The tool turns
/// clap's own help flag off (for all commands: the setting is global), so that `--help`
/// of the tool and of a group takes no arguments; each command takes this one instead.
#[derive(Debug, clap::Args)]
pub(crate) struct HelpFlag {
    #[arg(short = 'h', long = "help", action = clap::ArgAction::Help)]
    _help: Option<bool>,
}

/// The usage text of the command at a path of command names, such as `["filter",
/// "parse"]` (`[]` for `scimitar` itself).
pub(crate) type UsageOf = fn(&[&str]) -> &'static str;

/// Reads the arguments (without the program name) into the command tree `T`. Mistakes
/// are reported with the usage text `usage_of` gives for the command concerned.
pub(crate) fn parse<T: Parser>(
    args: impl IntoIterator<Item = OsString>,
    usage_of: UsageOf,
) -> Result<Parsed<T>, UsageError> {
    let args = utf8(args, usage_of(&[]))?;
    let mut root = T::command();
    let (path, args) = command_path(&root, args);
    let program = iter::once(root.get_name().to_owned());
    let matches = root.try_get_matches_from_mut(program.chain(args.iter().cloned()));
    let parsed = matches.and_then(|matches| T::from_arg_matches(&matches));
    match parsed {
        Ok(parsed) => Ok(Parsed::Run(parsed)),
        Err(error) if error.kind() == ErrorKind::DisplayHelp => {
            Ok(Parsed::Help(error.render().to_string()))
        }
        Err(error) => {
            let names: Vec<&str> = path.iter().map(String::as_str).collect();
            let message = usage_error(&error, &root, &names, &args);
            Err(UsageError::new(message, usage_of(&names)))
        }
    }
}

/// The arguments as strings. Kept from before clap: the message names the argument by
/// its position, which clap's `InvalidUtf8` error does not.
fn utf8(
    args: impl IntoIterator<Item = OsString>,
    usage: &'static str,
) -> Result<Vec<String>, UsageError> {
    args.into_iter()
        .enumerate()
        .map(|(index, arg)| {
            arg.into_string().map_err(|arg| {
                let lossy = arg.to_string_lossy();
                let message = format!("argument {} is not valid UTF-8: {lossy:?}", index + 1);
                UsageError::new(message, usage)
            })
        })
        .collect()
}

/// The names of the commands the arguments start with (`["filter", "parse"]`), and the
/// arguments with a `--` met among those names moved after them.
///
/// The names are read as clap reads them, so the path is the command whose arguments
/// clap was reading when it found a mistake. A `--` among the names has always been
/// allowed (`scimitar -- filter parse X` is `scimitar filter parse -- X`); clap would
/// refuse it. After it, a command is named by its name only, never by a flag such as
/// `--help`.
fn command_path(root: &Command, args: Vec<String>) -> (Vec<String>, Vec<String>) {
    let mut command = root;
    let mut path = Vec::new();
    let mut escaped = false;
    let mut taken = 0;
    for arg in &args {
        if arg == "--" && !escaped {
            escaped = true;
        } else if let Some(next) = named(command, arg, escaped) {
            path.push(next.get_name().to_owned());
            command = next;
        } else {
            break;
        }
        taken += 1;
    }
    if !escaped {
        return (path, args);
    }
    let mut moved: Vec<String> = args[..taken]
        .iter()
        .filter(|arg| *arg != "--")
        .cloned()
        .collect();
    moved.push("--".to_owned());
    moved.extend(args.into_iter().skip(taken));
    (path, moved)
}

/// The subcommand of `command` that `arg` names: by its name (unless hidden), or, before
/// a `--`, as a flag (`--help`, `-h`).
fn named<'c>(command: &'c Command, arg: &str, escaped: bool) -> Option<&'c Command> {
    command.get_subcommands().find(|sub| {
        let by_name = !sub.is_hide_set() && sub.get_name() == arg;
        let by_flag = !escaped
            && (sub
                .get_long_flag()
                .is_some_and(|long| arg.strip_prefix("--") == Some(long))
                || sub.get_short_flag().is_some_and(|short| {
                    arg.strip_prefix('-') == Some(short.encode_utf8(&mut [0; 4]))
                }));
        by_name || by_flag
    })
}

/// The command at `path` under `root`.
fn subcommand<'c>(root: &'c Command, path: &[&str]) -> &'c Command {
    path.iter().fold(root, |command, name| {
        command.find_subcommand(name).unwrap_or(command)
    })
}

/// The message for a clap error met in `args` (after [`command_path`]), in the arguments
/// of the command at `path` under `root`.
fn usage_error(error: &clap::Error, root: &Command, path: &[&str], args: &[String]) -> String {
    let command = subcommand(root, path);
    let rest = &args[path.len()..];
    let string = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.as_str()),
        _ => None,
    };
    let invalid_arg = string(ContextKind::InvalidArg).unwrap_or_default();
    match error.kind() {
        // clap's derive shows the help for a group given no command; the tool never did.
        ErrorKind::MissingSubcommand | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            match path.last() {
                Some(group) => format!("missing {group} command"),
                None => "missing command".to_owned(),
            }
        }
        ErrorKind::InvalidSubcommand => {
            let name = string(ContextKind::InvalidSubcommand).unwrap_or_default();
            unknown_command(path, name)
        }
        ErrorKind::UnknownArgument => match culprit(command, rest, invalid_arg) {
            Arg::Option(index, option) => invalid_value(root, &args[..path.len() + index])
                .unwrap_or_else(|| format!("unknown option {option:?}")),
            Arg::Operand(operand) if command.has_subcommands() => unknown_command(path, &operand),
            Arg::Operand(operand) => format!("unexpected argument {operand:?}"),
        },
        // A value attached to a flag: `--lenient=yes`.
        ErrorKind::TooManyValues => {
            let value = string(ContextKind::InvalidValue).unwrap_or_default();
            format!("unknown option {:?}", format!("{invalid_arg}={value}"))
        }
        ErrorKind::MissingRequiredArgument => {
            let first = match error.get(ContextKind::InvalidArg) {
                Some(ContextValue::Strings(names)) => names.first().map(String::as_str),
                _ => None,
            };
            let name = first.unwrap_or_default();
            format!(
                "missing {}",
                name.trim_start_matches('<').trim_end_matches('>')
            )
        }
        // An option at the end, without its value: clap names it as `--type <NAME>`.
        ErrorKind::InvalidValue if string(ContextKind::InvalidValue) == Some("") => {
            let option = invalid_arg.split(' ').next().unwrap_or_default();
            format!("missing the value of {option:?}")
        }
        // The value parsers' own messages, such as `invalid --expires "0": ...`.
        ErrorKind::ValueValidation => match std::error::Error::source(error) {
            Some(source) => source.to_string(),
            None => clap_message(error),
        },
        _ => clap_message(error),
    }
}

/// The message of an invalid option value in `args`, which end before an unknown option:
/// clap reports the unknown option even when an option before it has an invalid value,
/// and the tool always reported the first mistake.
fn invalid_value(root: &Command, args: &[String]) -> Option<String> {
    let program = iter::once(root.get_name().to_owned());
    let error = root
        .clone()
        .try_get_matches_from(program.chain(args.iter().cloned()))
        .err()?;
    let source = std::error::Error::source(&error)?;
    (error.kind() == ErrorKind::ValueValidation).then(|| source.to_string())
}

/// `unknown command "NAME"`, or `unknown GROUP command "NAME"` in a command group.
fn unknown_command(path: &[&str], name: &str) -> String {
    match path.last() {
        Some(group) => format!("unknown {group} command {name:?}"),
        None => format!("unknown command {name:?}"),
    }
}

/// The first line of clap's own message, without its `error: `: for mistakes the
/// command tree does not allow, kept so that none goes unreported.
fn clap_message(error: &clap::Error) -> String {
    let rendered = error.render().to_string();
    let line = rendered.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line).to_owned()
}

/// An argument a command does not accept, as written.
#[derive(Debug, PartialEq, Eq)]
enum Arg {
    /// An option, such as `--bogus` or `-x`, and its index in the command's arguments.
    Option(usize, String),
    /// Anything else: an operand too many, or an unknown command name. After `--`,
    /// every argument is an operand, even one that starts with `-`.
    Operand(String),
}

/// The argument that clap reported as `reported` (`--bogus` for `--bogus=1`, `-x` for
/// `-xy`), found in `rest`, the arguments of `command`. clap does not say whether it
/// came after `--`; it did unless it is an option clap met before the `--`, outside an
/// option's value.
fn culprit(command: &Command, rest: &[String], reported: &str) -> Arg {
    let looks_like_option = |arg: &str| arg.starts_with('-') && arg != "-";
    if !looks_like_option(reported) {
        return Arg::Operand(reported.to_owned());
    }
    let mut index = 0;
    while let Some(arg) = rest.get(index) {
        if arg == "--" {
            break;
        }
        let long = arg
            .strip_prefix("--")
            .map(|long| long.split('=').next().unwrap_or(long));
        let known = long.and_then(|long| {
            command
                .get_arguments()
                .find(|known| known.get_long() == Some(long))
        });
        if known.is_none() && written_as(arg, reported) {
            return Arg::Option(index, arg.clone());
        }
        // The value of an option, such as `--type NAME`, whatever it looks like.
        let takes_value = known.is_some_and(|known| known.get_action().takes_values());
        index += if takes_value && !arg.contains('=') {
            2
        } else {
            1
        };
    }
    Arg::Operand(reported.to_owned())
}

/// Whether clap reports `arg` as `reported`: `--bogus=1` as `--bogus`, and a short
/// option in a cluster, `-x` in `-hx`, as itself.
fn written_as(arg: &str, reported: &str) -> bool {
    if arg == reported {
        return true;
    }
    if reported.starts_with("--") {
        return arg
            .strip_prefix(reported)
            .is_some_and(|rest| rest.starts_with('='));
    }
    let short = reported
        .strip_prefix('-')
        .filter(|short| short.chars().count() == 1);
    match (short, arg.strip_prefix('-')) {
        (Some(short), Some(cluster)) => !cluster.starts_with('-') && cluster.contains(short),
        _ => false,
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
    use clap::{Args, Subcommand};

    use super::*;

    const USAGE: &str = "usage: test";
    const GROUP_USAGE: &str = "usage: test group";

    /// A command tree like the tool's: a group with one command, and a command of its own.
    #[derive(Debug, Parser)]
    #[command(
        name = "test",
        disable_help_flag = true,
        disable_help_subcommand = true,
        subcommand_required = true
    )]
    struct Tree {
        #[command(subcommand)]
        command: Top,
    }

    #[derive(Debug, Subcommand)]
    enum Top {
        #[command(subcommand)]
        Group(Group),
        Run(RunArgs),
        #[command(short_flag = 'h', long_flag = "help")]
        Help,
    }

    #[derive(Debug, Subcommand)]
    #[command(override_help = "group help\n")]
    enum Group {
        Run(RunArgs),
    }

    #[derive(Debug, Args)]
    #[command(override_help = "run help\n", args_override_self = true)]
    struct RunArgs {
        #[command(flatten)]
        help: HelpFlag,
        #[arg(long)]
        lenient: bool,
        #[arg(long = "type", value_name = "NAME", allow_hyphen_values = true)]
        type_name: Option<String>,
        #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = count)]
        count: Option<u8>,
        #[arg(value_name = "EXPR")]
        expr: String,
        #[arg(value_name = "FILE")]
        file: String,
    }

    fn count(text: &str) -> Result<u8, String> {
        text.parse()
            .map_err(|_| format!("invalid --count {text:?}"))
    }

    fn usage_of(path: &[&str]) -> &'static str {
        match path.first() {
            Some(&"group") => GROUP_USAGE,
            _ => USAGE,
        }
    }

    fn read(list: &[&str]) -> Result<Parsed<Tree>, UsageError> {
        parse(list.iter().map(OsString::from), usage_of)
    }

    fn run(list: &[&str]) -> RunArgs {
        match read(list) {
            Ok(Parsed::Run(Tree {
                command: Top::Run(args),
            })) => args,
            other => panic!("{list:?}: {other:?}"),
        }
    }

    fn message(list: &[&str]) -> String {
        read(list).unwrap_err().to_string()
    }

    #[test]
    fn takes_options_anywhere_and_values_whatever_they_look_like() {
        let args = run(&["run", "x", "--type", "-User", "--lenient", "f"]);
        assert!(args.lenient);
        assert_eq!(args.type_name.as_deref(), Some("-User"));
        assert_eq!((args.expr.as_str(), args.file.as_str()), ("x", "f"));
        assert_eq!(
            run(&["run", "--type", "--", "x", "f"]).type_name.as_deref(),
            Some("--")
        );
        let args = run(&[
            "run",
            "--lenient",
            "--lenient",
            "--type",
            "a",
            "--type",
            "b",
            "x",
            "f",
        ]);
        assert_eq!(args.type_name.as_deref(), Some("b"), "the last one counts");
    }

    #[test]
    fn double_dash_makes_operands() {
        let args = run(&["run", "--", "-x", "-"]);
        assert_eq!((args.expr.as_str(), args.file.as_str()), ("-x", "-"));
        assert!(!args.lenient);
        let args = run(&["run", "", "--", "--lenient"]);
        assert_eq!((args.expr.as_str(), args.file.as_str()), ("", "--lenient"));
        // Among the command names, as the tool always read it.
        let args = run(&["--", "run", "--lenient", "f"]);
        assert_eq!(args.expr, "--lenient");
    }

    #[test]
    fn help_stops_a_command() {
        for list in [&["run", "x", "--help", "--bogus"][..], &["run", "-h"]] {
            match read(list) {
                Ok(Parsed::Help(text)) => assert_eq!(text, "run help\n"),
                other => panic!("{list:?}: {other:?}"),
            }
        }
        assert_eq!(
            message(&["run", "--bogus", "--help"]),
            r#"unknown option "--bogus""#
        );
    }

    #[test]
    fn help_of_the_tool_takes_no_arguments() {
        for list in [&["help"][..], &["--help"], &["-h"], &["-h", "--"]] {
            assert!(
                matches!(read(list), Ok(Parsed::Run(Tree { command: Top::Help }))),
                "{list:?}"
            );
        }
        assert_eq!(
            message(&["--help", "extra"]),
            r#"unexpected argument "extra""#
        );
        assert_eq!(message(&["help", "--help"]), r#"unknown option "--help""#);
        assert_eq!(
            message(&["-h", "--", "--x"]),
            r#"unexpected argument "--x""#
        );
    }

    #[test]
    fn reports_mistakes_as_the_tool_always_did() {
        assert_eq!(message(&[]), "missing command");
        assert_eq!(message(&["group"]), "missing group command");
        assert_eq!(message(&["nope"]), r#"unknown command "nope""#);
        assert_eq!(message(&["--", "--help"]), r#"unknown command "--help""#);
        assert_eq!(
            message(&["group", "nope"]),
            r#"unknown group command "nope""#
        );
        assert_eq!(
            message(&["group", "--bogus"]),
            r#"unknown option "--bogus""#
        );
        assert_eq!(message(&["run"]), "missing EXPR");
        assert_eq!(message(&["run", "x"]), "missing FILE");
        assert_eq!(
            message(&["run", "x", "f", "y"]),
            r#"unexpected argument "y""#
        );
        assert_eq!(
            message(&["run", "x", "--bogus"]),
            r#"unknown option "--bogus""#
        );
        assert_eq!(
            message(&["run", "--bogus=1"]),
            r#"unknown option "--bogus=1""#
        );
        assert_eq!(message(&["run", "-xy"]), r#"unknown option "-xy""#);
        assert_eq!(message(&["-hx"]), r#"unknown option "-hx""#);
        assert_eq!(
            message(&["run", "--lenient=yes"]),
            r#"unknown option "--lenient=yes""#
        );
        assert_eq!(
            message(&["run", "x", "f", "--type"]),
            r#"missing the value of "--type""#
        );
        assert_eq!(
            message(&["run", "--lenient", "--", "x", "f", "--lenient"]),
            r#"unexpected argument "--lenient""#
        );
        assert_eq!(
            message(&["run", "--type", "--bogus", "--", "x", "f", "--bogus"]),
            r#"unexpected argument "--bogus""#
        );
    }

    #[test]
    fn the_first_mistake_is_reported() {
        assert_eq!(
            message(&["run", "--count", "x", "--bogus"]),
            r#"invalid --count "x""#
        );
        assert_eq!(
            message(&["run", "--bogus", "--count", "x"]),
            r#"unknown option "--bogus""#
        );
        assert_eq!(
            message(&["run", "--count", "x", "a", "b", "c"]),
            r#"invalid --count "x""#
        );
    }

    #[test]
    fn mistakes_come_with_the_usage_of_their_command() {
        assert_eq!(read(&["group", "run"]).unwrap_err().usage(), GROUP_USAGE);
        assert_eq!(read(&["run"]).unwrap_err().usage(), USAGE);
    }

    #[cfg(unix)]
    #[test]
    fn rejects_non_utf8() {
        use std::os::unix::ffi::OsStringExt;

        let os = [
            OsString::from("run"),
            OsString::from_vec(b"a\xffb".to_vec()),
        ];
        let error = parse::<Tree>(os, usage_of).unwrap_err();
        assert_eq!(
            error.to_string(),
            "argument 2 is not valid UTF-8: \"a\u{fffd}b\""
        );
        assert_eq!(error.usage(), USAGE);
    }
}
