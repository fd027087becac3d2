//! Recursive-descent parsing over `nom` token parsers, one module per grammar level:
//! [`value`] (`compValue`), [`path`] (`attrPath`, `valuePath`, PATCH paths) and [`expr`]
//! (`attrExp`, `and`/`or`/`not`, parentheses).
//!
//! Every function takes the rest of the input and returns what it did not consume, so
//! byte offsets are `src.len() - rest.len()`. Nothing backtracks over more than one
//! token, which keeps parsing linear; nesting goes through [`Parser::enter`], which
//! enforces the depth limit before recursing, so the stack stays bounded, and
//! [`Parser::count_term`] bounds the `and`/`or` chains, which nest in the tree.

mod expr;
mod path;
mod value;

use crate::ast::{AttrPath, AttributeList, Filter, PatchPath};
use crate::error::{Expected, FilterError, Found, LenientShape};
use crate::options::ParseOptions;

pub(crate) use path::{is_schema_urn, name_len};

/// The rest of the input and what was parsed, or why parsing stopped.
type PResult<'a, T> = Result<(&'a str, T), FilterError>;

/// The state of one parse: the whole input (for offsets), the options and the depth.
struct Parser<'a> {
    src: &'a str,
    options: &'a ParseOptions,
    depth: usize,
    /// The deepest level reached since [`Parser::reset_peak`].
    peak: usize,
    terms: usize,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, options: &'a ParseOptions) -> Result<Self, FilterError> {
        let max = options.length_limit();
        if src.len() > max {
            return Err(FilterError::TooLong {
                len: src.len(),
                max,
            });
        }
        Ok(Self {
            src,
            options,
            depth: 0,
            peak: 0,
            terms: 0,
        })
    }

    fn offset(&self, rest: &str) -> usize {
        self.src.len() - rest.len()
    }

    fn unexpected(&self, rest: &str, expected: Expected) -> FilterError {
        FilterError::Unexpected {
            offset: self.offset(rest),
            expected,
            found: found(rest),
        }
    }

    fn lenient_only(&self, rest: &str, shape: LenientShape) -> FilterError {
        FilterError::LenientOnly {
            offset: self.offset(rest),
            shape,
        }
    }

    fn invalid(&self, rest: &str, reason: &'static str) -> FilterError {
        FilterError::invalid(self.offset(rest), reason)
    }

    /// Opens one nesting level at `open` (a `(`, `not (` or `[`), or fails past the limit.
    fn enter(&mut self, open: &str) -> Result<(), FilterError> {
        let max = self.options.depth_limit();
        if self.depth >= max {
            return Err(FilterError::TooDeep {
                offset: self.offset(open),
                max,
            });
        }
        self.depth += 1;
        self.peak = self.peak.max(self.depth);
        Ok(())
    }

    /// Starts measuring the deepest level reached from here; returns the previous peak
    /// for [`Parser::restore_peak`].
    fn reset_peak(&mut self) -> usize {
        std::mem::replace(&mut self.peak, self.depth)
    }

    /// Ends a measurement: the deepest level reached since `reset_peak`.
    fn restore_peak(&mut self, previous: usize) -> usize {
        let reached = self.peak;
        self.peak = previous.max(reached);
        reached
    }

    /// Counts one attribute test at `at`, or fails past the limit.
    fn count_term(&mut self, at: &str) -> Result<(), FilterError> {
        let max = self.options.terms_limit();
        if self.terms >= max {
            return Err(FilterError::TooManyTerms {
                offset: self.offset(at),
                max,
            });
        }
        self.terms += 1;
        Ok(())
    }

    fn leave(&mut self) {
        self.depth -= 1;
    }

    /// Accepts `parsed` when only white space follows it.
    fn finish<T>(&self, (rest, value): (&str, T), expected: Expected) -> Result<T, FilterError> {
        let rest = skip_space(rest);
        if rest.is_empty() {
            Ok(value)
        } else {
            Err(self.unexpected(rest, expected))
        }
    }
}

/// Skips spaces, tabs and line breaks. RFC 7644 asks for single spaces; IdPs and
/// hand-typed queries are not that tidy.
fn skip_space(input: &str) -> &str {
    input.trim_start_matches([' ', '\t', '\r', '\n'])
}

/// Characters that end a word in error excerpts and unquoted values.
fn is_delimiter(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '[' | ']' | ',')
}

/// A short excerpt of `rest` for an error message.
fn found(rest: &str) -> Found {
    const MAX_EXCERPT: usize = 32;
    let Some(first) = rest.chars().next() else {
        return Found::End;
    };
    let mut end = if is_delimiter(first) {
        first.len_utf8()
    } else {
        rest.find(is_delimiter)
            .unwrap_or(rest.len())
            .min(MAX_EXCERPT)
    };
    while !rest.is_char_boundary(end) {
        end -= 1;
    }
    Found::Text(rest[..end].to_owned())
}

pub(crate) fn filter(input: &str, options: &ParseOptions) -> Result<Filter, FilterError> {
    let mut parser = Parser::new(input, options)?;
    let parsed = parser.logical(input, Parser::filter_leaf)?;
    parser.finish(parsed, Expected::LogicalOrEnd)
}

pub(crate) fn patch_path(input: &str, options: &ParseOptions) -> Result<PatchPath, FilterError> {
    let mut parser = Parser::new(input, options)?;
    let parsed = parser.patch_path(skip_space(input))?;
    parser.finish(parsed, Expected::PathEnd)
}

pub(crate) fn attr_path(input: &str, options: &ParseOptions) -> Result<AttrPath, FilterError> {
    let parser = Parser::new(input, options)?;
    let parsed = parser.attr_path(skip_space(input), Expected::AttrPath)?;
    parser.finish(parsed, Expected::PathEnd)
}

pub(crate) fn attribute_list(
    input: &str,
    options: &ParseOptions,
) -> Result<AttributeList, FilterError> {
    let mut parser = Parser::new(input, options)?;
    let mut paths = Vec::new();
    let mut rest = skip_space(input);
    if rest.is_empty() {
        return Ok(AttributeList::default());
    }
    loop {
        let (after, path) = parser.patch_path(rest)?;
        if matches!(path, PatchPath::Value(..)) && !options.is_lenient() {
            return Err(parser.lenient_only(rest, LenientShape::ValuePathInList));
        }
        paths.push(path);
        let after = skip_space(after);
        match after.strip_prefix(',') {
            Some(next) => rest = skip_space(next),
            None if after.is_empty() => return Ok(AttributeList::new(paths)),
            None => return Err(parser.unexpected(after, Expected::CommaOrEnd)),
        }
    }
}
