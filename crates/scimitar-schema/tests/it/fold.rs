//! The fold names are compared by, over generated text: the fold of a fold is itself,
//! canonically equivalent text, its lower case and its fullwidth form fold alike, and
//! filter evaluation finds a name exactly when the folds are equal.

use proptest::prelude::*;
use proptest::sample::select;
use scimitar_schema::{Resource, SchemaRegistry, fold_for_comparison, matches};
use serde_json::json;
use unicode_normalization::UnicodeNormalization;

/// Characters that case, width and normalisation treat specially: precomposed and
/// combining marks, final sigma, dotted I, the Kelvin and Ångström signs, fullwidth and
/// halfwidth forms, the ideographic space, a ligature.
const TRICKY: &[&str] = &[
    "a",
    "A",
    "e",
    "E",
    "s",
    "k",
    "i",
    "I",
    ".",
    "'",
    " ",
    "\u{E9}",
    "\u{C9}",
    "\u{301}",
    "\u{308}",
    "\u{30A}",
    "\u{C5}",
    "\u{212B}",
    "\u{212A}",
    "\u{3A3}",
    "\u{3C3}",
    "\u{3C2}",
    "\u{130}",
    "\u{131}",
    "\u{307}",
    "\u{DF}",
    "\u{1E9E}",
    "\u{FF21}",
    "\u{FF41}",
    "\u{FF07}",
    "\u{FF0E}",
    "\u{3000}",
    "\u{FF76}",
    "\u{FF9E}",
    "\u{30AB}",
    "\u{FFA1}",
    "\u{3131}",
    "\u{FB01}",
    "\u{1F600}",
    "\u{345}",
    "\u{399}",
    "\u{1FBC}",
];

fn tricky_text() -> impl Strategy<Value = String> {
    proptest::collection::vec(select(TRICKY), 1..12).prop_map(|parts| parts.concat())
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![3 => tricky_text(), 1 => any::<String>()]
}

/// `text` with its ASCII letters and digits in fullwidth where `wide` says so.
fn widen(text: &str, wide: &[bool]) -> String {
    text.chars()
        .zip(wide.iter().cycle())
        .map(|(c, wide)| match c {
            '!'..='~' if *wide => char::from_u32(u32::from(c) - 0x21 + 0xFF01).unwrap_or(c),
            ' ' if *wide => '\u{3000}',
            c => c,
        })
        .collect()
}

fn user(user_name: &str) -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
    }))
    .expect("a JSON object")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn folding_is_idempotent_and_ignores_form_case_and_width(
        text in text(),
        wide in proptest::collection::vec(any::<bool>(), 1..8),
    ) {
        let folded = fold_for_comparison(&text);
        prop_assert_eq!(fold_for_comparison(&folded), folded.clone());
        let nfd: String = text.nfd().collect();
        let nfc: String = text.nfc().collect();
        prop_assert_eq!(fold_for_comparison(&nfd), folded.clone());
        prop_assert_eq!(fold_for_comparison(&nfc), folded.clone());
        let lower = text.to_lowercase();
        prop_assert_eq!(fold_for_comparison(&lower), folded.clone());
        let ascii: String = text.chars().filter(char::is_ascii).collect();
        let widened = widen(&ascii, &wide);
        prop_assert_eq!(fold_for_comparison(&widened), fold_for_comparison(&ascii));
    }

    #[test]
    fn a_filter_finds_a_name_exactly_when_the_folds_are_equal(
        stored in tricky_text(),
        wanted in tricky_text(),
    ) {
        let registry = SchemaRegistry::core();
        let filter = format!("userName eq {}", json!(wanted)).parse().expect("a filter");
        let same = fold_for_comparison(&stored) == fold_for_comparison(&wanted);
        prop_assert_eq!(matches(&filter, &user(&stored), &registry), same);
        // Equal folds are an equivalence: canonically equivalent names stand together.
        let nfd: String = stored.nfd().collect();
        prop_assert_eq!(matches(&filter, &user(&nfd), &registry), same);
    }
}
