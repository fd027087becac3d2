//! `scimitar filter match`.

use crate::{Fixture, INVALID, Run, assert_invalid, scimitar, scimitar_with_stdin};

const BJENSEN: &str = "2819c223-7f76-453a-919d-413861904646";
const JSMITH: &str = "c3a26dd3-27a0-4dec-a2ac-ce211e105f97";
const TOUR_GUIDES: &str = "e9e30dba-f08f-4109-8486-d5c6a331660a";
const NO_SCHEMA: &str = "7d3f8a2b-0000-4000-8000-000000000001";

/// Users and a group, with ids out of alphabetical order.
const RESOURCES: &str = r#"[
  {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "userName": "bjensen@example.com",
    "displayName": "Babs Jensen",
    "active": true,
    "emails": [
      {"value": "bjensen@example.com", "type": "work", "primary": true},
      {"value": "babs@jensen.org", "type": "home"}
    ]
  },
  {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "displayName": "Tour Guides",
    "members": [{"value": "2819c223-7f76-453a-919d-413861904646", "type": "User"}]
  },
  {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "c3a26dd3-27a0-4dec-a2ac-ce211e105f97",
    "userName": "jsmith",
    "active": false,
    "emails": [{"value": "jsmith@example.com", "type": "home"}]
  },
  {
    "id": "7d3f8a2b-0000-4000-8000-000000000001",
    "displayName": "Of no known type"
  }
]"#;

/// Runs `filter match [options…] EXPR FILE` on `RESOURCES`.
fn match_resources(options: &[&str], expr: &str) -> Run {
    let file = Fixture::new("resources.json", RESOURCES);
    let mut args = vec!["filter", "match"];
    args.extend(options);
    args.extend([expr, file.arg()]);
    scimitar(args)
}

/// Asserts that `expr` matches exactly the resources with `ids`, printed in that order.
#[track_caller]
fn assert_matches(options: &[&str], expr: &str, ids: &[&str]) {
    let run = match_resources(options, expr);
    assert_eq!(run.code, 0, "{expr:?} exits 0; stderr: {}", run.stderr);
    let expected: String = ids.iter().map(|id| format!("{id}\n")).collect();
    assert_eq!(run.stdout, expected, "{expr:?}");
    assert_eq!(run.stderr, "", "{expr:?} prints nothing on stderr");
}

/// Asserts that `filter match EXPR FILE`, with `contents` in FILE, fails with exit
/// status 2 and an error containing `message`.
#[track_caller]
fn assert_rejects_file(contents: &str, message: &str) {
    let file = Fixture::new("invalid.json", contents);
    assert_invalid(&["filter", "match", "id pr", file.arg()], message);
}

#[test]
fn matches_user_name_case_insensitively() {
    assert_matches(&[], r#"userName eq "BJensen@Example.COM""#, &[BJENSEN]);
    assert_matches(&[], r#"userName sw "J""#, &[JSMITH]);
}

#[test]
fn matches_a_value_path() {
    assert_matches(&[], r#"emails[type eq "work"]"#, &[BJENSEN]);
    assert_matches(&[], r#"emails[type eq "home"]"#, &[BJENSEN, JSMITH]);
    assert_matches(
        &[],
        r#"emails[type eq "home" and value co "example"]"#,
        &[JSMITH],
    );
}

#[test]
fn matches_users_and_groups_in_input_order() {
    assert_matches(&[], "id pr", &[BJENSEN, TOUR_GUIDES, JSMITH, NO_SCHEMA]);
    assert_matches(&[], "displayName pr", &[BJENSEN, TOUR_GUIDES, NO_SCHEMA]);
    assert_matches(
        &[],
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        &[TOUR_GUIDES],
    );
}

#[test]
fn tests_booleans_with_the_schema() {
    assert_matches(&[], "active eq true", &[BJENSEN]);
    assert_matches(
        &[],
        "not (active eq true)",
        &[TOUR_GUIDES, JSMITH, NO_SCHEMA],
    );
}

#[test]
fn prints_nothing_when_nothing_matches() {
    assert_matches(&[], r#"userName eq "nobody""#, &[]);
}

#[test]
fn lenient_accepts_the_entra_id_email_filter() {
    let entra = r#"emails[type eq "work"].value eq "BJENSEN@example.com""#;
    assert_matches(&["--lenient"], entra, &[BJENSEN]);
}

#[test]
fn strict_rejects_the_entra_id_email_filter() {
    let run = match_resources(&[], r#"emails[type eq "work"].value eq "x""#);
    assert_eq!(run.code, INVALID, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
    assert!(run.stderr.contains("at byte"), "{}", run.stderr);
}

#[test]
fn rejects_an_operator_the_type_does_not_support() {
    let run = match_resources(&[], "active gt true");
    assert_eq!(run.code, INVALID, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "", "no partial list");
    assert_eq!(
        run.stderr,
        "error: 400 invalidFilter: 'active' is a boolean: only eq and ne apply \
         (on User resources)\n"
    );
}

#[test]
fn warns_about_a_match_without_an_id() {
    let file = Fixture::new(
        "no-id.json",
        r#"[{"userName": "a"}, {"id": "x", "userName": "b"}, {"id": 7, "userName": "c"}]"#,
    );
    let run = scimitar(["filter", "match", "userName pr", file.arg()]);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, "x\n");
    assert_eq!(
        run.stderr,
        "warning: resource 0 matches but has no string 'id' to print\n\
         warning: resource 2 matches but has no string 'id' to print\n"
    );
}

#[test]
fn reads_standard_input() {
    let run = scimitar_with_stdin(
        &["filter", "match", r#"displayName sw "tour""#, "-"],
        RESOURCES,
    );
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert_eq!(run.stdout, format!("{TOUR_GUIDES}\n"));
}

#[test]
fn rejects_malformed_json() {
    assert_rejects_file(r#"[{"id": "x""#, "is not valid JSON: EOF while parsing");
}

#[test]
fn rejects_a_file_that_is_not_an_array() {
    assert_rejects_file(r#"{"id": "x"}"#, "must hold a JSON array of resources");
}

#[test]
fn rejects_an_element_that_is_not_an_object_naming_it() {
    assert_rejects_file(
        r#"[{"id": "x"}, "y"]"#,
        "resource 1: a resource must be a JSON object, not a string",
    );
}

#[test]
fn rejects_a_missing_file() {
    assert_invalid(
        &[
            "filter",
            "match",
            "id pr",
            "/nonexistent/scimitar/users.json",
        ],
        "cannot read /nonexistent/scimitar/users.json: ",
    );
}

#[test]
fn help_describes_the_command() {
    let run = scimitar(["filter", "match", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("Usage: scimitar filter match [--lenient] EXPR FILE")
    );
    let run = scimitar(["filter", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("scimitar filter parse [--lenient] EXPR ")
    );
    assert!(
        run.stdout
            .contains("scimitar filter match [--lenient] EXPR FILE ")
    );
}
