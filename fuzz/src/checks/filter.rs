//! The properties every parser entry point of `scimitar-filter` keeps, whatever its input.
//!
//! Shared by the cargo-fuzz targets `filter` and `patch_path` and by the stable-toolchain
//! test that replays their committed corpora
//! (`crates/scimitar-filter/tests/it/fuzz_corpus.rs` includes this file with `#[path]`),
//! so it uses only `scimitar_filter` and `std`.
//!
//! For each input that is UTF-8 (other bytes are skipped):
//! - parsing never panics, in strict or lenient mode;
//! - an error points inside the input, at a character boundary, and prints;
//! - whatever strict mode accepts, lenient mode accepts as the same tree;
//! - a tree prints a canonical form that parses back **strictly** to the same tree, and
//!   printing that tree again gives the same text (`Display` is idempotent).

use std::fmt::{Debug, Display};

use scimitar_filter::{Filter, FilterError, ParseOptions, PatchPath};

/// A parser entry point: `Filter::parse_with`, `PatchPath::parse_with`, ...
type Parse<T> = fn(&str, &ParseOptions) -> Result<T, FilterError>;

/// Checks the filter parser (`Filter::parse_with`) on `data`.
pub fn filter(data: &[u8]) {
    check::<Filter>(data, Filter::parse_with);
}

/// Checks the PATCH path parser (`PatchPath::parse_with`) on `data`.
pub fn patch_path(data: &[u8]) {
    check::<PatchPath>(data, PatchPath::parse_with);
}

fn check<T: Debug + Display + PartialEq>(data: &[u8], parse: Parse<T>) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let strict = parse(input, &ParseOptions::default());
    let lenient = parse(input, &ParseOptions::default().lenient(true));
    for result in [&strict, &lenient] {
        match result {
            Ok(tree) => round_trip(input, tree, parse),
            Err(error) => error_points_into(input, error),
        }
    }
    if let Ok(tree) = &strict {
        assert_eq!(
            lenient.as_ref().ok(),
            Some(tree),
            "lenient mode must read {input:?} as strict mode does",
        );
    }
}

/// `parse(display(tree)) == tree` in strict mode, and `display` is idempotent.
fn round_trip<T: Debug + Display + PartialEq>(input: &str, tree: &T, parse: Parse<T>) {
    let canonical = tree.to_string();
    // Strict grammar and depth limit, but no length limit: the canonical form may be a
    // little longer than an accepted input (`not(` prints as `not (`, lenient unquoted
    // values gain quotes), and the length limit guards input, not the grammar.
    let options = ParseOptions::default().max_len(usize::MAX);
    let reparsed = match parse(&canonical, &options) {
        Ok(reparsed) => reparsed,
        Err(error) => panic!(
            "the canonical form {canonical:?} of {input:?} does not parse strictly: {error}\n\
             tree: {tree:#?}",
        ),
    };
    assert_eq!(
        &reparsed, tree,
        "the canonical form {canonical:?} of {input:?} parses to another tree",
    );
    assert_eq!(
        reparsed.to_string(),
        canonical,
        "printing the canonical form of {input:?} again changes it",
    );
}

fn error_points_into(input: &str, error: &FilterError) {
    let offset = error.offset();
    assert!(
        input.is_char_boundary(offset),
        "error offset {offset} is outside {input:?} or inside a character: {error:?}",
    );
    assert!(!error.to_string().is_empty());
}
