//! Expressions: `attrExp`, `and`, `or`, `not (…)` and parentheses, for both a whole
//! filter and the filter inside a value path's brackets.

use nom::bytes::complete::{tag_no_case, take_while1};
use nom::{IResult, Parser as _};

use super::{PResult, Parser, skip_space};
use crate::ast::{AttrExpr, AttrPath, CompareOp, Expr, FilterLeaf};
use crate::error::{Expected, FilterError, LenientShape};

/// Parses one leaf of an expression.
type LeafParser<'a, L> = fn(&mut Parser<'a>, &'a str) -> PResult<'a, L>;

/// A run of ASCII letters: a keyword or operator candidate.
fn word(input: &str) -> IResult<&str, &str, ()> {
    take_while1(|c: char| c.is_ascii_alphabetic()).parse(input)
}

/// `keyword`, in any case, when it is a whole word; the input after it.
fn keyword<'a>(input: &'a str, keyword: &'static str) -> Option<&'a str> {
    let (rest, _) = tag_no_case::<_, _, ()>(keyword).parse(input).ok()?;
    let continues_word = rest.bytes().next().is_some_and(|byte| {
        byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'$' | b'.' | b':')
    });
    (!continues_word).then_some(rest)
}

fn compare_op(word: &str) -> Option<CompareOp> {
    CompareOp::ALL
        .into_iter()
        .find(|op| op.as_str().eq_ignore_ascii_case(word))
}

impl<'a> Parser<'a> {
    /// `or`-separated `and`-chains, left-associative, built by a loop so that long
    /// chains cost no stack.
    pub(super) fn logical<L>(
        &mut self,
        input: &'a str,
        leaf: LeafParser<'a, L>,
    ) -> PResult<'a, Expr<L>> {
        let (mut rest, mut left) = self.conjunction(input, leaf)?;
        while let Some(after) = keyword(skip_space(rest), "or") {
            let (after, right) = self.conjunction(after, leaf)?;
            left = Expr::or(left, right);
            rest = after;
        }
        Ok((rest, left))
    }

    fn conjunction<L>(&mut self, input: &'a str, leaf: LeafParser<'a, L>) -> PResult<'a, Expr<L>> {
        let (mut rest, mut left) = self.unary(input, leaf)?;
        while let Some(after) = keyword(skip_space(rest), "and") {
            let (after, right) = self.unary(after, leaf)?;
            left = Expr::and(left, right);
            rest = after;
        }
        Ok((rest, left))
    }

    /// `(…)`, `not (…)` or a leaf. A `not` without `(` is an attribute called "not".
    fn unary<L>(&mut self, input: &'a str, leaf: LeafParser<'a, L>) -> PResult<'a, Expr<L>> {
        let input = skip_space(input);
        if input.starts_with('(') {
            return self.group(input, leaf);
        }
        let Some(after_not) = keyword(input, "not").map(skip_space) else {
            let (rest, leaf) = leaf(self, input)?;
            return Ok((rest, Expr::Leaf(leaf)));
        };
        if after_not.starts_with('(') {
            let (rest, inner) = self.group(after_not, leaf)?;
            return Ok((rest, Expr::negate(inner)));
        }
        match leaf(self, input) {
            Ok((rest, leaf)) => Ok((rest, Expr::Leaf(leaf))),
            // `not` then a word that is no operator: a `not` missing its parenthesis.
            Err(FilterError::Unexpected {
                offset,
                expected: Expected::CompareOp,
                ..
            }) if offset == self.offset(after_not) => {
                Err(self.unexpected(after_not, Expected::OpenParen))
            }
            Err(error) => Err(error),
        }
    }

    /// `( filter )`; `input` starts at the `(`.
    fn group<L>(&mut self, input: &'a str, leaf: LeafParser<'a, L>) -> PResult<'a, Expr<L>> {
        self.enter(input)?;
        let (rest, inner) = self.logical(&input[1..], leaf)?;
        let rest = skip_space(rest);
        let Some(rest) = rest.strip_prefix(')') else {
            return Err(self.unexpected(rest, Expected::LogicalOrCloseParen));
        };
        self.leave();
        Ok((rest, inner))
    }

    /// A leaf of a whole filter: `attrExp` or `valuePath`. In lenient mode a value path
    /// may carry a comparison on a sub-attribute, which joins its filter with `and`.
    pub(super) fn filter_leaf(&mut self, input: &'a str) -> PResult<'a, FilterLeaf> {
        self.count_term(input)?;
        let (rest, head) = self.attr_ref(input, Expected::Filter)?;
        if !rest.starts_with('[') {
            let (rest, path) = self.attr_path_tail(rest, head)?;
            let (rest, test) = self.attr_test(rest, path)?;
            return Ok((rest, FilterLeaf::Attr(test)));
        }
        let open = rest;
        let previous_peak = self.reset_peak();
        let (rest, mut value_path) = self.value_path(rest, head)?;
        let peak = self.restore_peak(previous_peak);
        let Some(after_dot) = rest.strip_prefix('.') else {
            return Ok((rest, FilterLeaf::ValuePath(value_path)));
        };
        if !self.options.is_lenient() {
            return Err(self.lenient_only(rest, LenientShape::ValuePathSubAttr));
        }
        // Joined with `and`, an `or` filter gains parentheses in the canonical form: one
        // level more, which must fit the limit for that form to parse back.
        let max = self.options.depth_limit();
        if matches!(*value_path.filter, Expr::Or(..)) && peak + 1 > max {
            return Err(FilterError::TooDeep {
                offset: self.offset(open),
                max,
            });
        }
        self.count_term(after_dot)?;
        let (rest, sub_attr) = self.attr_name(after_dot, Expected::AttrName)?;
        let (rest, test) = self.attr_test(rest, AttrPath::new(sub_attr))?;
        value_path.filter = Box::new(Expr::and(*value_path.filter, Expr::Leaf(test)));
        Ok((rest, FilterLeaf::ValuePath(value_path)))
    }

    /// A leaf inside brackets: `attrExp` only, since value paths do not nest.
    pub(super) fn attr_expr(&mut self, input: &'a str) -> PResult<'a, AttrExpr> {
        self.count_term(input)?;
        let (rest, path) = self.attr_path(input, Expected::Filter)?;
        if rest.starts_with('[') {
            return Err(self.invalid(rest, "value filters cannot be nested"));
        }
        self.attr_test(rest, path)
    }

    /// `SP "pr"` or `SP compareOp SP compValue` after `path`.
    fn attr_test(&self, input: &'a str, path: AttrPath) -> PResult<'a, AttrExpr> {
        let at_op = skip_space(input);
        let Ok((rest, op)) = word(at_op) else {
            return Err(self.unexpected(at_op, Expected::CompareOp));
        };
        if op.eq_ignore_ascii_case("pr") {
            return Ok((rest, AttrExpr::Present(path)));
        }
        let Some(op) = compare_op(op) else {
            return Err(self.unexpected(at_op, Expected::CompareOp));
        };
        let (rest, value) = self.comp_value(skip_space(rest))?;
        Ok((rest, AttrExpr::Compare(path, op, value)))
    }
}
