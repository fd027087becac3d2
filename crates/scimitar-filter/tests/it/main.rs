//! The integration tests of `scimitar-filter`: the RFC 7644 examples, what identity
//! providers send, errors, the canonical round trip, limits, and the fuzz corpus replay.
//!
//! The RFC and IdP examples live in `tests/fixtures/*.txt`, embedded at compile time.
//! This file holds the helpers the modules share: AST builders and the fixture runner.

mod errors;
mod fuzz_corpus;
mod idp;
mod limits;
mod rfc;
mod roundtrip;

use std::fmt::{Debug, Display};
use std::str::FromStr;

use scimitar_filter::{
    AttrExpr, AttrName, AttrPath, AttributeList, CompValue, CompareOp, Expr, Filter, FilterError,
    FilterLeaf, ParseOptions, PatchPath, SchemaUrn, SortBy, ValueFilter, ValuePath,
};

/// The core User schema URN.
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The enterprise User extension URN.
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// ---------------------------------------------------------------------------------------
// AST builders. They use the public constructors only, never the parser.

/// An attribute name known to be valid.
fn name(text: &str) -> AttrName {
    AttrName::new(text).unwrap_or_else(|error| panic!("{text:?} is a valid name: {error}"))
}

/// A schema URN known to be valid.
fn urn(text: &str) -> SchemaUrn {
    SchemaUrn::new(text).unwrap_or_else(|error| panic!("{text:?} is a valid URN: {error}"))
}

/// `name` or `name.subAttr`, without URN.
fn path(text: &str) -> AttrPath {
    match text.split_once('.') {
        Some((attr, sub_attr)) => AttrPath::new(name(attr)).with_sub_attr(name(sub_attr)),
        None => AttrPath::new(name(text)),
    }
}

/// `urn:name` or `urn:name.subAttr`.
fn urn_path(urn_text: &str, rest: &str) -> AttrPath {
    path(rest).with_urn(urn(urn_text))
}

/// A string value.
fn string(text: &str) -> CompValue {
    CompValue::String(text.to_owned())
}

/// An integer value.
fn int(value: i64) -> CompValue {
    CompValue::Number(value.into())
}

/// A floating-point value, built from its JSON text by `serde_json::Number`'s `FromStr`
/// (the type is reachable through `CompValue` without a direct dependency).
fn float(value: f64) -> CompValue {
    assert!(value.is_finite(), "JSON has no {value}");
    CompValue::Number(format!("{value:?}").parse().expect("a JSON number"))
}

/// `path pr`.
fn present(path: AttrPath) -> AttrExpr {
    AttrExpr::Present(path)
}

/// `path op value`.
fn compare(path: AttrPath, op: CompareOp, value: CompValue) -> AttrExpr {
    AttrExpr::Compare(path, op, value)
}

/// `path eq "text"`, the most common test, with `path` as in [`path`].
fn eq_str(attr: &str, text: &str) -> AttrExpr {
    compare(path(attr), CompareOp::Eq, string(text))
}

/// A filter that is one attribute test.
fn leaf(expr: AttrExpr) -> Filter {
    Expr::Leaf(FilterLeaf::Attr(expr))
}

/// A value filter (inside brackets) that is one attribute test.
fn vleaf(expr: AttrExpr) -> ValueFilter {
    Expr::Leaf(expr)
}

/// `attr[filter]`.
fn value_path(attr: &str, filter: ValueFilter) -> ValuePath {
    ValuePath::new(name(attr), filter)
}

/// A filter that is one value path.
fn vp_leaf(value_path: ValuePath) -> Filter {
    Expr::Leaf(FilterLeaf::ValuePath(value_path))
}

// ---------------------------------------------------------------------------------------
// Parsing shortcuts.

/// Lenient mode with the default limits.
fn lenient() -> ParseOptions {
    ParseOptions::default().lenient(true)
}

/// Strict mode without a practical length limit, for generated inputs.
fn roomy() -> ParseOptions {
    ParseOptions::default().max_len(usize::MAX)
}

/// Parses a filter strictly, naming the input on failure.
fn parse(input: &str) -> Filter {
    input
        .parse()
        .unwrap_or_else(|error| panic!("{input:?} is a valid filter: {error}"))
}

/// Parses a filter leniently, naming the input on failure.
fn parse_lenient(input: &str) -> Filter {
    Filter::parse_with(input, &lenient())
        .unwrap_or_else(|error| panic!("{input:?} is a valid lenient filter: {error}"))
}

/// The canonical text of a strictly parsed filter.
fn canonical(input: &str) -> String {
    parse(input).to_string()
}

/// Parses a PATCH path strictly, naming the input on failure.
fn patch_path(input: &str) -> PatchPath {
    input
        .parse()
        .unwrap_or_else(|error| panic!("{input:?} is a valid PATCH path: {error}"))
}

// ---------------------------------------------------------------------------------------
// Fixture files.

/// Every entry point: `FromStr` (strict) and `parse_with`.
trait Syntax: Sized + FromStr<Err = FilterError> + Display + PartialEq + Debug {
    /// Whether the canonical text of a leniently parsed value is strict. It is for all but
    /// attribute lists, whose value paths stay lenient-only.
    const CANONICAL_IS_STRICT: bool;

    fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError>;
}

macro_rules! syntax {
    ($($ty:ty: $canonical_is_strict:expr),*) => {$(
        impl Syntax for $ty {
            const CANONICAL_IS_STRICT: bool = $canonical_is_strict;

            fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError> {
                <$ty>::parse_with(input, options)
            }
        }
    )*};
}

syntax!(
    Filter: true,
    PatchPath: true,
    AttrPath: true,
    SortBy: true,
    AttributeList: false
);

/// One line of a fixture file.
#[derive(Debug)]
struct Case {
    /// The line number, for messages.
    line: usize,
    /// Whether strict mode accepts the input (else only lenient mode does).
    strict: bool,
    input: &'static str,
    canonical: &'static str,
}

/// Reads a fixture: `#` comments, blank lines, and cases
/// `strict: <input>` or `lenient: <input>`, each optionally followed by
/// ` => <canonical form>` when the canonical form differs from the input.
fn cases(fixture: &'static str) -> Vec<Case> {
    let cases: Vec<Case> = fixture
        .lines()
        .enumerate()
        .filter(|(_, line)| !line.trim().is_empty() && !line.starts_with('#'))
        .map(|(index, line)| {
            let line_no = index + 1;
            let (mode, rest) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("line {line_no}: no \"strict: \" or \"lenient: \""));
            let strict = match mode {
                "strict" => true,
                "lenient" => false,
                other => panic!("line {line_no}: unknown mode {other:?}"),
            };
            let (input, canonical) = rest.split_once(" => ").unwrap_or((rest, rest));
            Case {
                line: line_no,
                strict,
                input,
                canonical,
            }
        })
        .collect();
    assert!(!cases.is_empty(), "an empty fixture");
    cases
}

/// Runs every case of `fixture` as a `T` and returns how many ran:
/// - lenient mode parses the input, and its canonical text is the one given;
/// - strict mode gives the same tree, or (for `lenient:` cases) a `LenientOnly` error;
/// - the canonical text parses to the same tree (strictly, unless the case is lenient-only
///   and `T` keeps lenient shapes in canonical text) and prints itself again.
fn check_fixture<T: Syntax>(fixture: &'static str) -> usize {
    let cases = cases(fixture);
    for case in &cases {
        let Case {
            line,
            input,
            canonical,
            ..
        } = case;
        let ast = T::parse_with(input, &lenient())
            .unwrap_or_else(|error| panic!("line {line}: {input:?} (lenient): {error}"));
        assert_eq!(
            ast.to_string(),
            *canonical,
            "line {line}: canonical form of {input:?}"
        );
        let strict = input.parse::<T>();
        if case.strict {
            assert_eq!(strict.as_ref(), Ok(&ast), "line {line}: {input:?} strictly");
        } else {
            assert!(
                matches!(strict, Err(FilterError::LenientOnly { .. })),
                "line {line}: {input:?} is lenient-only, strict mode gave {strict:?}"
            );
        }
        let options = if case.strict || T::CANONICAL_IS_STRICT {
            ParseOptions::default()
        } else {
            lenient()
        };
        let reparsed = T::parse_with(canonical, &options)
            .unwrap_or_else(|error| panic!("line {line}: canonical {canonical:?}: {error}"));
        assert_eq!(reparsed, ast, "line {line}: reparse of {canonical:?}");
        assert_eq!(reparsed.to_string(), *canonical, "line {line}: idempotence");
    }
    cases.len()
}
