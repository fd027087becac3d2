//! The one fold of values that compare ignoring case, so that filter evaluation, every
//! store's indexes and uniqueness agree on which names are the same.

use std::borrow::Cow;

use unicode_normalization::{IsNormalized, UnicodeNormalization, is_nfc_quick};

/// `text` as values that are not `caseExact` are compared, indexed and made unique:
/// the comparison of the UsernameCaseMapped profile
/// ([RFC 8265 §3.3.2](https://www.rfc-editor.org/rfc/rfc8265#section-3.3.2)), in its
/// order:
///
/// 1. width mapping: each fullwidth or halfwidth character becomes its decomposition
///    mapping (`Ａ` → `A`, `ｶ` → `カ`, U+3000 → space);
/// 2. case mapping: Unicode `toLowerCase` ([`str::to_lowercase`]);
/// 3. normalisation to NFC, so that a name in NFD (`e` + U+0301) is the same as in NFC
///    (`é`).
///
/// Two values are the same name exactly when their folds are equal, and the fold of a
/// fold is itself. Unlike the profile this refuses nothing (spaces, symbols and empty
/// names fold as any other text): it only decides which values compare equal. ASCII
/// text is only lower-cased, and is borrowed when it has no upper case.
///
/// ```
/// use scimitar_schema::fold_for_comparison;
///
/// assert_eq!(fold_for_comparison("bjensen"), "bjensen");
/// assert_eq!(fold_for_comparison("BJensen"), "bjensen");
/// assert_eq!(fold_for_comparison("Ｂｊｅｎｓｅｎ"), "bjensen");
/// assert_eq!(fold_for_comparison("Jose\u{301}"), fold_for_comparison("JOSÉ"));
/// ```
pub fn fold_for_comparison(text: &str) -> Cow<'_, str> {
    if text.is_ascii() {
        return if text.bytes().any(|byte| byte.is_ascii_uppercase()) {
            Cow::Owned(text.to_ascii_lowercase())
        } else {
            Cow::Borrowed(text)
        };
    }
    let lower = if text.chars().any(has_width_mapping) {
        text.chars()
            .map(width_mapped)
            .collect::<String>()
            .to_lowercase()
    } else {
        text.to_lowercase()
    };
    match is_nfc_quick(lower.chars()) {
        IsNormalized::Yes => Cow::Owned(lower),
        IsNormalized::No | IsNormalized::Maybe => Cow::Owned(lower.nfc().collect()),
    }
}

/// Whether `c` lies where Unicode keeps every fullwidth and halfwidth character (each
/// with a `<wide>` or `<narrow>` decomposition): the ideographic space and the
/// Halfwidth and Fullwidth Forms block.
fn has_width_mapping(c: char) -> bool {
    c == '\u{3000}' || ('\u{FF01}'..='\u{FFEE}').contains(&c)
}

/// Halfwidth Hangul letters and their decomposition mappings, the compatibility jamo:
/// `(first, last, first's mapping)`, in runs of consecutive code points. Their full
/// compatibility decomposition goes one step further, to conjoining jamo, which would
/// no longer equal the compatibility jamo they stand for. (Listed here: unicode-
/// normalization gives full decompositions only, and precis-profiles, which has the
/// table, refuses the names its profile disallows instead of folding them.)
const HALFWIDTH_HANGUL: [(char, char, u32); 6] = [
    ('\u{FFA0}', '\u{FFA0}', 0x3164),
    ('\u{FFA1}', '\u{FFBE}', 0x3131),
    ('\u{FFC2}', '\u{FFC7}', 0x314F),
    ('\u{FFCA}', '\u{FFCF}', 0x3155),
    ('\u{FFD2}', '\u{FFD7}', 0x315B),
    ('\u{FFDA}', '\u{FFDC}', 0x3161),
];

/// `c` after width mapping: its decomposition mapping if it is fullwidth or halfwidth,
/// else itself. That mapping is one character, which is `c`'s full compatibility
/// decomposition but for halfwidth Hangul and the fullwidth macron (whose mappings,
/// compatibility characters themselves, decompose further).
fn width_mapped(c: char) -> char {
    if !has_width_mapping(c) {
        return c;
    }
    if c == '\u{FFE3}' {
        return '\u{AF}';
    }
    for (first, last, mapping) in HALFWIDTH_HANGUL {
        if (first..=last).contains(&c) {
            let offset = u32::from(c) - u32::from(first);
            return char::from_u32(mapping + offset).unwrap_or(c);
        }
    }
    let mut mapped = None;
    let mut count = 0;
    unicode_normalization::char::decompose_compatible(c, |part| {
        mapped = Some(part);
        count += 1;
    });
    match mapped {
        Some(mapped) if count == 1 => mapped,
        _ => c,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nfkd(text: &str) -> String {
        text.nfkd().collect()
    }

    #[test]
    fn ascii_is_only_lower_cased_and_borrowed_when_already_lower() {
        assert!(matches!(
            fold_for_comparison("bjensen@example.com"),
            Cow::Borrowed("bjensen@example.com")
        ));
        assert_eq!(
            fold_for_comparison("BJensen@Example.COM"),
            "bjensen@example.com"
        );
        assert!(matches!(fold_for_comparison(""), Cow::Borrowed("")));
        // Names PRECIS would refuse still fold.
        assert_eq!(fold_for_comparison("Barbara Jensen "), "barbara jensen ");
    }

    #[test]
    fn canonically_equivalent_names_fold_alike() {
        let nfc = "Jos\u{E9} M\u{FC}ller";
        let nfd = "Jose\u{301} Mu\u{308}ller";
        assert_eq!(fold_for_comparison(nfc), "jos\u{E9} m\u{FC}ller");
        assert_eq!(fold_for_comparison(nfd), fold_for_comparison(nfc));
        // The Ångström sign is canonically Å.
        assert_eq!(fold_for_comparison("\u{212B}"), "\u{E5}");
    }

    #[test]
    fn fullwidth_and_halfwidth_forms_fold_to_their_ordinary_forms() {
        assert_eq!(
            fold_for_comparison("ＢＪｅｎｓｅｎ＠ｅｘａｍｐｌｅ．ｃｏｍ"),
            "bjensen@example.com"
        );
        assert_eq!(fold_for_comparison("a\u{3000}b"), "a b");
        assert_eq!(fold_for_comparison("ｶﾀｶﾅ"), "カタカナ");
        // A halfwidth voiced mark composes with the katakana before it.
        assert_eq!(fold_for_comparison("ｶﾞ"), "ガ");
        assert_eq!(fold_for_comparison("\u{FFA1}"), "\u{3131}");
        assert_eq!(fold_for_comparison("\u{FFE3}"), "\u{AF}");
    }

    #[test]
    fn case_maps_with_unicode_to_lower_case() {
        assert_eq!(fold_for_comparison("ÅSA"), "åsa");
        assert_eq!(fold_for_comparison("ΟΔΟΣ"), "οδος");
        // The Kelvin sign lower-cases to an ASCII k.
        assert_eq!(fold_for_comparison("\u{212A}elvin"), "kelvin");
        // Compatibility characters other than width forms stay apart.
        assert_eq!(fold_for_comparison("\u{FB01}"), "\u{FB01}");
    }

    /// Each fullwidth or halfwidth character maps to one character, compatibility
    /// equivalent to it, with no width mapping of its own.
    #[test]
    fn width_mapping_keeps_compatibility_equivalence() {
        let mut mapped = 0;
        for c in ('\u{3000}'..='\u{FFEF}').filter(|c| has_width_mapping(*c)) {
            let to = width_mapped(c);
            if to == c {
                continue;
            }
            mapped += 1;
            assert!(!has_width_mapping(to), "{c:?} → {to:?}");
            assert_eq!(
                nfkd(&to.to_string()),
                nfkd(&c.to_string()),
                "{c:?} → {to:?}"
            );
        }
        // The 225 of the block and the ideographic space.
        assert_eq!(mapped, 226);
        for (first, last, mapping) in HALFWIDTH_HANGUL {
            for c in first..=last {
                assert!(
                    ('\u{3130}'..='\u{318F}').contains(&width_mapped(c)),
                    "{c:?}"
                );
            }
            assert_eq!(u32::from(width_mapped(first)), mapping);
        }
    }

    /// Over every assigned character, alone and before a combining mark: the fold of a
    /// fold is itself, and text folds as its lower case and its NFD and NFC forms do.
    #[test]
    fn every_character_folds_idempotently_and_alike_in_nfc_and_nfd() {
        let assigned = (0..=0x10FFFF)
            .filter_map(char::from_u32)
            .filter(|c| unicode_normalization::char::is_public_assigned(*c));
        for c in assigned {
            for text in [c.to_string(), format!("{c}\u{301}")] {
                let folded = fold_for_comparison(&text);
                // (Each check only where the text changed: the rest hold trivially.)
                if folded != text {
                    assert_eq!(fold_for_comparison(&folded), folded, "{text:?}");
                }
                // Lower case first changes nothing either: stores re-fold values
                // they kept lower-cased only, as they were before.
                let before = [
                    text.to_lowercase(),
                    text.nfd().collect(),
                    text.nfc().collect(),
                ];
                for equivalent in before {
                    if equivalent != text {
                        assert_eq!(fold_for_comparison(&equivalent), folded, "{text:?}");
                    }
                }
            }
        }
    }
}
