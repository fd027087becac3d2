//! `scimitar path parse`.

use crate::{assert_invalid, assert_prints};

#[test]
fn prints_the_canonical_form() {
    assert_prints(
        &["path", "parse", r#"emails[type eq "work"].value"#],
        r#"emails[type eq "work"].value"#,
    );
    assert_prints(
        &["path", "parse", r#"members[value eq "2819c223"]"#],
        r#"members[value eq "2819c223"]"#,
    );
    assert_prints(&["path", "parse", "name.givenName"], "name.givenName");
}

#[test]
fn normalises_keywords() {
    assert_prints(
        &[
            "path",
            "parse",
            r#"emails[type EQ "work" AND primary Eq true].value"#,
        ],
        r#"emails[type eq "work" and primary eq true].value"#,
    );
}

#[test]
fn lenient_accepts_unquoted_values() {
    assert_prints(
        &["path", "parse", "--lenient", "members[value eq 2819c223]"],
        r#"members[value eq "2819c223"]"#,
    );
    assert_prints(
        &["path", "parse", "members[value eq 2819c223]", "--lenient"],
        r#"members[value eq "2819c223"]"#,
    );
    assert_invalid(
        &["path", "parse", "members[value eq 2819c223]"],
        "at byte 17",
    );
}

#[test]
fn reports_a_parse_error() {
    assert_invalid(&["path", "parse", r#"emails[type eq "work""#], "at byte");
}

#[test]
fn help_describes_the_command() {
    let run = crate::scimitar(["path", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("Usage: scimitar path parse [--lenient] EXPR")
    );
}
