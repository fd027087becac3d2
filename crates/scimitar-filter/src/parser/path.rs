//! `attrPath`, `valuePath` and PATCH paths.

use nom::bytes::complete::take_while;
use nom::character::complete::satisfy;
use nom::combinator::recognize;
use nom::{IResult, Parser as _};

use super::{PResult, Parser};
use crate::ast::{AttrName, AttrPath, PatchPath, SchemaUrn, ValuePath};
use crate::error::Expected;

/// `ATTRNAME`: a letter or `$` (for `$ref`), then letters, digits, `-`, `_` or `$`.
fn attr_name(input: &str) -> IResult<&str, &str, ()> {
    let first = satisfy(|c| c.is_ascii_alphabetic() || c == '$');
    let rest = take_while(|c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '$'));
    recognize((first, rest)).parse(input)
}

/// The length of the `ATTRNAME` at the start of `input`, 0 if there is none.
pub(crate) fn name_len(input: &str) -> usize {
    attr_name(input).map_or(0, |(rest, _)| input.len() - rest.len())
}

/// Bytes of a URN-prefixed path: the URN's characters plus the attribute name's.
fn is_urn_path_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || matches!(byte, b':' | b'.' | b'-' | b'_' | b'%' | b'+' | b'$')
}

fn starts_with_urn_scheme(input: &str) -> bool {
    input
        .get(..4)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("urn:"))
}

/// Whether `urn` is `urn:NID:NSS`, made of letters, digits and `: . - _ % +`.
pub(crate) fn is_schema_urn(urn: &str) -> bool {
    let Some(body) = urn.get(4..).filter(|_| starts_with_urn_scheme(urn)) else {
        return false;
    };
    let Some((nid, nss)) = body.split_once(':') else {
        return false;
    };
    !nid.is_empty()
        && !nss.is_empty()
        && !urn.ends_with(':')
        && urn
            .bytes()
            .all(|byte| byte != b'$' && is_urn_path_byte(byte))
}

impl<'a> Parser<'a> {
    /// An optional `URN:` prefix. The URN ends at the last `:` of the path, since
    /// schema URNs contain `:` and `.` while attribute names contain neither `:`.
    fn schema_prefix(&self, input: &'a str) -> PResult<'a, Option<SchemaUrn>> {
        if !starts_with_urn_scheme(input) {
            return Ok((input, None));
        }
        let path_len = input
            .bytes()
            .take_while(|&byte| is_urn_path_byte(byte))
            .count();
        let colon = input[..path_len].rfind(':').unwrap_or(3);
        let urn = &input[..colon];
        if !is_schema_urn(urn) {
            return Err(self.invalid(
                input,
                "a schema URN is \"urn:\", a namespace, \":\" and a name, then \":\" and an attribute",
            ));
        }
        Ok((&input[colon + 1..], Some(SchemaUrn::from_checked(urn))))
    }

    pub(super) fn attr_name(&self, input: &'a str, expected: Expected) -> PResult<'a, AttrName> {
        match attr_name(input) {
            Ok((rest, name)) => Ok((rest, AttrName::from_checked(name))),
            Err(_) => Err(self.unexpected(input, expected)),
        }
    }

    /// `[URN ":"] ATTRNAME`: what comes before a sub-attribute or a bracket. `expected`
    /// describes what the caller wanted, for an input that does not start with a name.
    pub(super) fn attr_ref(
        &self,
        input: &'a str,
        expected: Expected,
    ) -> PResult<'a, (Option<SchemaUrn>, AttrName)> {
        let (rest, urn) = self.schema_prefix(input)?;
        let expected = if urn.is_some() {
            Expected::AttrName
        } else {
            expected
        };
        let (rest, name) = self.attr_name(rest, expected)?;
        Ok((rest, (urn, name)))
    }

    /// An optional `.subAttr`, and no second one.
    fn sub_attr(&self, input: &'a str) -> PResult<'a, Option<AttrName>> {
        let Some(after_dot) = input.strip_prefix('.') else {
            return Ok((input, None));
        };
        let (rest, sub_attr) = self.attr_name(after_dot, Expected::AttrName)?;
        if rest.starts_with('.') {
            return Err(self.invalid(rest, "an attribute path has at most one sub-attribute"));
        }
        Ok((rest, Some(sub_attr)))
    }

    /// The rest of an `attrPath` whose URN and name are parsed.
    pub(super) fn attr_path_tail(
        &self,
        input: &'a str,
        (urn, name): (Option<SchemaUrn>, AttrName),
    ) -> PResult<'a, AttrPath> {
        let (rest, sub_attr) = self.sub_attr(input)?;
        Ok((
            rest,
            AttrPath {
                urn,
                name,
                sub_attr,
            },
        ))
    }

    pub(super) fn attr_path(&self, input: &'a str, expected: Expected) -> PResult<'a, AttrPath> {
        let (rest, head) = self.attr_ref(input, expected)?;
        self.attr_path_tail(rest, head)
    }

    /// `[filter]` after a value path's attribute; `input` starts at the `[`.
    pub(super) fn value_path(
        &mut self,
        input: &'a str,
        (urn, name): (Option<SchemaUrn>, AttrName),
    ) -> PResult<'a, ValuePath> {
        self.enter(input)?;
        let (rest, filter) = self.logical(&input[1..], Parser::attr_expr)?;
        let rest = super::skip_space(rest);
        let Some(rest) = rest.strip_prefix(']') else {
            return Err(self.unexpected(rest, Expected::LogicalOrCloseBracket));
        };
        self.leave();
        Ok((
            rest,
            ValuePath {
                urn,
                name,
                filter: Box::new(filter),
            },
        ))
    }

    /// `attrPath / valuePath [subAttr]` (RFC 7644 §3.5.2).
    pub(super) fn patch_path(&mut self, input: &'a str) -> PResult<'a, PatchPath> {
        let (rest, head) = self.attr_ref(input, Expected::AttrPath)?;
        if !rest.starts_with('[') {
            let (rest, path) = self.attr_path_tail(rest, head)?;
            return Ok((rest, PatchPath::Attr(path)));
        }
        let (rest, value_path) = self.value_path(rest, head)?;
        let (rest, sub_attr) = self.sub_attr(rest)?;
        Ok((rest, PatchPath::Value(value_path, sub_attr)))
    }
}
