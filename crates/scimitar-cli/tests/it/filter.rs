//! `scimitar filter parse`.

use crate::{assert_invalid, assert_prints};

#[test]
fn prints_the_canonical_form() {
    assert_prints(
        &["filter", "parse", r#"userName Eq "bjensen""#],
        r#"userName eq "bjensen""#,
    );
    assert_prints(
        &["filter", "parse", r#"title pr AND userType eq "Employee""#],
        r#"title pr and userType eq "Employee""#,
    );
}

#[test]
fn the_canonical_form_is_stable() {
    let canonical = r#"title pr and userType eq "Employee""#;
    assert_prints(&["filter", "parse", canonical], canonical);
}

#[test]
fn reports_a_parse_error() {
    assert_invalid(
        &["filter", "parse", r#"userName equals "x""#],
        r#"expected a comparison operator at byte 9, found "equals""#,
    );
}

#[test]
fn reports_an_empty_filter() {
    assert_invalid(&["filter", "parse", ""], "at byte 0");
}

#[test]
fn lenient_accepts_the_entra_id_shape() {
    let entra = r#"emails[type eq "work"].value eq "x""#;
    let expected = r#"emails[type eq "work" and value eq "x"]"#;
    assert_prints(&["filter", "parse", "--lenient", entra], expected);
    assert_prints(&["filter", "parse", entra, "--lenient"], expected);
}

#[test]
fn strict_rejects_the_entra_id_shape() {
    assert_invalid(
        &["filter", "parse", r#"emails[type eq "work"].value eq "x""#],
        "at byte",
    );
}

#[test]
fn double_dash_reads_an_expr_that_starts_with_a_dash() {
    // `-x` is read as the filter, not as an option: a parse error, not a usage error.
    assert_invalid(&["filter", "parse", "--", "-x"], "at byte 0");
    assert_prints(
        &["filter", "parse", "--lenient", "--", r#"userName EQ "-x""#],
        r#"userName eq "-x""#,
    );
}

#[test]
fn help_describes_the_command() {
    for args in [["filter", "parse", "--help"], ["filter", "parse", "-h"]] {
        let run = crate::scimitar(args);
        assert_eq!(run.code, 0);
        assert!(
            run.stdout
                .contains("Usage: scimitar filter parse [--lenient] EXPR")
        );
        assert_eq!(run.stderr, "");
    }
}
