//! The syntax of SCIM 2.0 queries and paths (RFC 7644): filters (§3.4.2.2), attribute
//! paths, PATCH paths (§3.5.2), `attributes`/`excludedAttributes` lists (§3.4.2.5) and
//! `sortBy` (§3.4.2.3).
//!
//! This crate parses text into a syntax tree and prints a tree back as canonical text. It
//! knows no schema and evaluates nothing: `scimitar-schema` gives the tree its meaning.
//!
//! - Every entry point is a type with [`FromStr`](std::str::FromStr) (strict, default
//!   limits) and `parse_with` (any [`ParseOptions`]).
//! - `Display` prints a canonical form (lower-case keywords, single spaces, minimal
//!   parentheses, JSON-escaped strings) that parses back to the same tree.
//! - Errors carry the byte offset and what the grammar expected there.
//! - Input length, nesting depth and the number of attribute tests are limited; parsing
//!   takes time linear in the input and stack bounded by the depth limit, and the tree's
//!   depth is bounded by the depth and term limits.
//!
//! # Quick start
//!
//! ```
//! use scimitar_filter::{AttrExpr, CompValue, CompareOp, Filter, FilterLeaf, ParseOptions};
//!
//! let filter: Filter = r#"userName EQ "bjensen@example.com""#.parse()?;
//! let Filter::Leaf(FilterLeaf::Attr(AttrExpr::Compare(path, op, value))) = &filter else {
//!     panic!("a single comparison");
//! };
//! assert!(path.name.matches("username"));
//! assert_eq!(*op, CompareOp::Eq);
//! assert_eq!(*value, CompValue::String("bjensen@example.com".into()));
//! assert_eq!(filter.to_string(), r#"userName eq "bjensen@example.com""#);
//!
//! // Entra ID's e-mail lookup is not RFC 7644; lenient mode reads it as intended.
//! let entra = r#"emails[type eq "work"].value eq "bjensen@example.com""#;
//! assert!(entra.parse::<Filter>().is_err());
//! let lenient = ParseOptions::default().lenient(true);
//! assert_eq!(
//!     Filter::parse_with(entra, &lenient)?.to_string(),
//!     r#"emails[type eq "work" and value eq "bjensen@example.com"]"#,
//! );
//! # Ok::<(), scimitar_filter::FilterError>(())
//! ```

mod ast;
mod display;
mod error;
mod options;
mod parser;

pub use ast::{
    AttrExpr, AttrName, AttrPath, AttributeList, CompValue, CompareOp, Expr, Filter, FilterLeaf,
    PatchPath, SchemaUrn, SortBy, ValueFilter, ValuePath,
};
pub use error::{Expected, FilterError, Found, LenientShape};
pub use options::ParseOptions;
