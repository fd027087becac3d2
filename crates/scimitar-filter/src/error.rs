//! Parse errors with byte offsets.

use std::fmt;

/// Why an input was rejected. Every variant that points into the input carries the byte
/// offset where the problem starts.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum FilterError {
    /// Something other than what the grammar allows at this point.
    #[error("expected {expected} at byte {offset}, found {found}")]
    Unexpected {
        /// Where the unexpected text starts.
        offset: usize,
        /// What the grammar allows there.
        expected: Expected,
        /// The text found there, or end of input.
        found: Found,
    },
    /// A shape that identity providers send but RFC 7644 does not allow.
    #[error("{shape} at byte {offset} is accepted only in lenient mode")]
    LenientOnly {
        /// Where the shape starts.
        offset: usize,
        /// What was found.
        shape: LenientShape,
    },
    /// Text that has the right shape but an invalid content, such as a bad escape.
    #[error("{reason} at byte {offset}")]
    Invalid {
        /// Where the invalid text starts.
        offset: usize,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// Parentheses, `not` or brackets nested deeper than the limit.
    #[error("nesting deeper than {max} levels at byte {offset}")]
    TooDeep {
        /// Where the level over the limit opens.
        offset: usize,
        /// The configured limit.
        max: usize,
    },
    /// More attribute tests than the limit.
    #[error("more than {max} attribute tests, at byte {offset}")]
    TooManyTerms {
        /// Where the test over the limit starts.
        offset: usize,
        /// The configured limit.
        max: usize,
    },
    /// An input longer than the limit; nothing was parsed.
    #[error("input of {len} bytes is longer than the limit of {max} bytes")]
    TooLong {
        /// The input's length.
        len: usize,
        /// The configured limit.
        max: usize,
    },
}

impl FilterError {
    pub(crate) fn invalid(offset: usize, reason: &'static str) -> Self {
        Self::Invalid { offset, reason }
    }

    /// The byte offset the error points at (0 for [`FilterError::TooLong`]).
    pub fn offset(&self) -> usize {
        match self {
            Self::Unexpected { offset, .. }
            | Self::LenientOnly { offset, .. }
            | Self::Invalid { offset, .. }
            | Self::TooDeep { offset, .. }
            | Self::TooManyTerms { offset, .. } => *offset,
            Self::TooLong { .. } => 0,
        }
    }
}

/// What the grammar allowed where a [`FilterError::Unexpected`] occurred.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Expected {
    /// An attribute path, `not (` or `(`: the start of a filter.
    Filter,
    /// An attribute path.
    AttrPath,
    /// An attribute name (after a URN or a `.`).
    AttrName,
    /// One of `eq ne co sw ew gt lt ge le pr`.
    CompareOp,
    /// A JSON string, number, `true`, `false` or `null`.
    Value,
    /// `(` after `not`.
    OpenParen,
    /// `and`, `or` or the end of the filter.
    LogicalOrEnd,
    /// `and`, `or` or `)`.
    LogicalOrCloseParen,
    /// `and`, `or` or `]`.
    LogicalOrCloseBracket,
    /// The closing `"` of a string.
    CloseQuote,
    /// The end of the path (after a complete PATCH path).
    PathEnd,
    /// `,` or the end of the list.
    CommaOrEnd,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Filter => "an attribute path, \"not (\" or \"(\"",
            Self::AttrPath => "an attribute path",
            Self::AttrName => "an attribute name",
            Self::CompareOp => "a comparison operator",
            Self::Value => "a value (a JSON string, a number, true, false or null)",
            Self::OpenParen => "\"(\" after \"not\"",
            Self::LogicalOrEnd => "\"and\", \"or\" or the end of the filter",
            Self::LogicalOrCloseParen => "\"and\", \"or\" or \")\"",
            Self::LogicalOrCloseBracket => "\"and\", \"or\" or \"]\"",
            Self::CloseQuote => "a closing '\"'",
            Self::PathEnd => "the end of the path",
            Self::CommaOrEnd => "\",\" or the end of the list",
        })
    }
}

/// The text found where something else was expected: a short excerpt, or the end.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Found {
    /// The input ended.
    End,
    /// An excerpt of the text, up to the next space or bracket.
    Text(String),
}

impl fmt::Display for Found {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::End => f.write_str("the end of the input"),
            Self::Text(text) => write!(f, "{text:?}"),
        }
    }
}

/// A lenient-only shape, named in [`FilterError::LenientOnly`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum LenientShape {
    /// A value that is not a JSON literal, like `jyoung`.
    UnquotedValue,
    /// A comparison on a value path's sub-attribute: `emails[type eq "work"].value eq "x"`.
    ValuePathSubAttr,
    /// A value path in an `attributes` list: `emails[type eq "work"]`.
    ValuePathInList,
}

impl fmt::Display for LenientShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::UnquotedValue => "an unquoted value",
            Self::ValuePathSubAttr => "a comparison on a value path's sub-attribute",
            Self::ValuePathInList => "a value filter in an attribute list",
        })
    }
}
