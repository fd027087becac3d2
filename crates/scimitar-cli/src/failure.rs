//! Why a command failed, how that is reported and the exit status for each case.

use std::error::Error;
use std::io::{self, Write};
use std::process::ExitCode;

use crate::args::UsageError;

/// The exit status for input that does not parse or validate.
const EXIT_INVALID: u8 = 2;
/// `EX_USAGE` from `sysexits.h`: the command line is wrong.
const EXIT_USAGE: u8 = 64;
/// `EX_UNAVAILABLE` from `sysexits.h`: something the command needs is not available.
const EXIT_UNAVAILABLE: u8 = 69;
/// `EX_IOERR` from `sysexits.h`: the output could not be written.
const EXIT_IO: u8 = 74;

/// A failed command.
#[derive(Debug)]
pub(crate) enum Failure {
    /// The command line is wrong.
    Usage(UsageError),
    /// The input given to the command is invalid, for instance a filter that does not parse.
    Invalid(Box<dyn Error + Send + Sync>),
    /// Something the command needs is not available: the address to listen on, the
    /// store, the operating system's random source.
    Unavailable(String),
    /// The output could not be written.
    Output(io::Error),
}

impl Failure {
    /// Invalid input, described by `message`.
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::Invalid(message.into().into())
    }

    /// Something the command needs is not available, as `message` says.
    pub(crate) fn unavailable(message: impl Into<String>) -> Self {
        Self::Unavailable(message.into())
    }

    /// The process exit status for this failure.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(match self {
            Self::Usage(_) => EXIT_USAGE,
            Self::Invalid(_) => EXIT_INVALID,
            Self::Unavailable(_) => EXIT_UNAVAILABLE,
            Self::Output(_) => EXIT_IO,
        })
    }

    /// Writes the message for this failure, meant for standard error.
    pub(crate) fn report(&self, err: &mut dyn Write) -> io::Result<()> {
        match self {
            Self::Usage(error) => {
                writeln!(err, "error: {error}")?;
                writeln!(err, "{}", error.usage())?;
                writeln!(err, "Run 'scimitar --help' for more information.")
            }
            Self::Invalid(error) => writeln!(err, "error: {error}"),
            Self::Unavailable(message) => writeln!(err, "error: {message}"),
            Self::Output(error) => writeln!(err, "error: cannot write the output: {error}"),
        }
    }
}

impl From<UsageError> for Failure {
    fn from(error: UsageError) -> Self {
        Self::Usage(error)
    }
}

impl From<scimitar_filter::FilterError> for Failure {
    fn from(error: scimitar_filter::FilterError) -> Self {
        Self::Invalid(Box::new(error))
    }
}

impl From<scimitar_schema::ScimError> for Failure {
    fn from(error: scimitar_schema::ScimError) -> Self {
        Self::Invalid(Box::new(error))
    }
}

/// Writing JSON fails only when writing the output does.
impl From<serde_json::Error> for Failure {
    fn from(error: serde_json::Error) -> Self {
        Self::Output(error.into())
    }
}

impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self::Output(error)
    }
}
