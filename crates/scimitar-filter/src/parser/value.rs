//! `compValue`: JSON strings, numbers and literals, and lenient unquoted words.

use nom::bytes::complete::tag;
use nom::character::complete::{char, digit1, one_of};
use nom::combinator::{opt, recognize};
use nom::{IResult, Parser as _};

use super::{PResult, Parser};
use crate::ast::CompValue;
use crate::error::{Expected, LenientShape};

/// The JSON number grammar (RFC 8259 §6): `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
fn json_number(input: &str) -> IResult<&str, &str, ()> {
    let integer = (
        opt(char('-')),
        nom::branch::alt((tag("0"), recognize((one_of("123456789"), opt(digit1))))),
    );
    let fraction = opt((char('.'), digit1));
    let exponent = opt((one_of("eE"), opt(one_of("+-")), digit1));
    recognize((integer, fraction, exponent)).parse(input)
}

/// Converts the text of a JSON number: integers stay exact where they fit 64 bits.
fn number_value(text: &str) -> Option<serde_json::Number> {
    let is_integer = !text.contains(['.', 'e', 'E']);
    if is_integer {
        if let Ok(int) = text.parse::<i64>() {
            return Some(int.into());
        }
        if let Ok(uint) = text.parse::<u64>() {
            return Some(uint.into());
        }
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
}

fn literal(token: &str) -> Option<CompValue> {
    [
        ("true", CompValue::Bool(true)),
        ("false", CompValue::Bool(false)),
        ("null", CompValue::Null),
    ]
    .into_iter()
    .find_map(|(text, value)| text.eq_ignore_ascii_case(token).then_some(value))
}

fn hex4(input: &str) -> Option<u16> {
    let digits = input.get(..4)?;
    if !digits.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

impl<'a> Parser<'a> {
    pub(super) fn comp_value(&self, input: &'a str) -> PResult<'a, CompValue> {
        if input.starts_with('"') {
            let (rest, text) = self.json_string(input)?;
            return Ok((rest, CompValue::String(text)));
        }
        let end = input.find(|c: char| c.is_whitespace() || c == ')' || c == ']');
        let (token, rest) = input.split_at(end.unwrap_or(input.len()));
        if token.is_empty() {
            return Err(self.unexpected(input, Expected::Value));
        }
        if let Some(value) = literal(token) {
            return Ok((rest, value));
        }
        if let Ok(("", _)) = json_number(token) {
            let number =
                number_value(token).ok_or_else(|| self.invalid(input, "a number out of range"))?;
            return Ok((rest, CompValue::Number(number)));
        }
        if self.options.is_lenient() {
            return Ok((rest, CompValue::String(token.to_owned())));
        }
        Err(self.lenient_only(input, LenientShape::UnquotedValue))
    }

    /// A JSON string; `input` starts at the opening quote. Strings without escapes are
    /// copied in one piece.
    fn json_string(&self, input: &'a str) -> PResult<'a, String> {
        let body = &input[1..];
        let mut unescaped = String::new();
        let mut clean_from = 0;
        let mut at = 0;
        while let Some(&byte) = body.as_bytes().get(at) {
            match byte {
                b'"' => {
                    let text = if clean_from == 0 {
                        body[..at].to_owned()
                    } else {
                        unescaped.push_str(&body[clean_from..at]);
                        unescaped
                    };
                    return Ok((&body[at + 1..], text));
                }
                b'\\' => {
                    unescaped.push_str(&body[clean_from..at]);
                    let (escape_len, c) = self.escape(&body[at..])?;
                    unescaped.push(c);
                    at += escape_len;
                    // `clean_from` 0 means "no escape seen"; an escape is at least 2 bytes.
                    clean_from = at;
                }
                0..0x20 => {
                    return Err(self.invalid(
                        &body[at..],
                        "a control character in a string must be escaped",
                    ));
                }
                _ => at += 1,
            }
        }
        Err(self.unexpected(&body[at..], Expected::CloseQuote))
    }

    /// One escape sequence starting at its backslash: its length and its character.
    fn escape(&self, input: &'a str) -> Result<(usize, char), crate::FilterError> {
        let simple = match input.as_bytes().get(1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(input),
            _ => return Err(self.invalid(input, "an unknown escape in a string")),
        };
        Ok((2, simple))
    }

    /// `\uXXXX`, or a surrogate pair `\uD83D\uDE00`.
    fn unicode_escape(&self, input: &'a str) -> Result<(usize, char), crate::FilterError> {
        let bad_hex = || self.invalid(input, "a \\u escape needs four hex digits");
        let unpaired = || self.invalid(input, "an unpaired surrogate in a \\u escape");
        let high = hex4(&input[2..]).ok_or_else(bad_hex)?;
        if let Some(c) = char::from_u32(high.into()) {
            return Ok((6, c));
        }
        if !(0xD800..0xDC00).contains(&high) {
            return Err(unpaired());
        }
        let low = input[6..]
            .strip_prefix("\\u")
            .and_then(hex4)
            .ok_or_else(unpaired)?;
        if !(0xDC00..0xE000).contains(&low) {
            return Err(unpaired());
        }
        let code = 0x10000 + ((u32::from(high) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
        char::from_u32(code).map(|c| (12, c)).ok_or_else(unpaired)
    }
}
