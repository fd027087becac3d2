//! `scimitar validate`.

use crate::{Fixture, INVALID, Run, scimitar, scimitar_with_stdin};

/// RFC 7643 §8.1, the minimal user.
const MINIMAL_USER: &str = r#"{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "id": "2819c223-7f76-453a-919d-413861904646",
  "userName": "bjensen@example.com",
  "meta": {
    "resourceType": "User",
    "created": "2010-01-23T04:56:22Z",
    "lastModified": "2011-05-13T04:42:34Z",
    "version": "W\/\"3694e05e9dff590\"",
    "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646"
  }
}"#;

/// A user as identity providers send it: a string for a boolean.
const STRING_BOOLEAN: &str = r#"{
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
  "userName": "bjensen@example.com",
  "active": "True"
}"#;

/// Runs `validate [options…] FILE` with `contents` in FILE.
fn validate(options: &[&str], contents: &str) -> Run {
    let file = Fixture::new("resource.json", contents);
    let mut args = vec!["validate"];
    args.extend(options);
    args.push(file.arg());
    scimitar(args)
}

/// Asserts that `run` succeeded, printing `expected` and no warning.
#[track_caller]
fn assert_valid(run: &Run, expected: &str) {
    assert_eq!(run.code, 0, "exits 0; stdout: {}", run.stdout);
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, "");
}

/// Asserts that `run` failed with exit status 2, printing the SCIM error with
/// `scim_type` and `detail` on stdout and its detail on stderr.
#[track_caller]
fn assert_scim_error(run: &Run, scim_type: &str, detail: &str) {
    assert_eq!(run.code, INVALID, "exits 2; stderr: {}", run.stderr);
    let expected = format!(
        r#"{{
  "schemas": [
    "urn:ietf:params:scim:api:messages:2.0:Error"
  ],
  "status": "400",
  "scimType": "{scim_type}",
  "detail": "{detail}"
}}
"#
    );
    assert_eq!(run.stdout, expected);
    assert_eq!(run.stderr, format!("error: 400 {scim_type}: {detail}\n"));
}

#[test]
fn normalises_the_rfc_minimal_user() {
    // Read-only attributes (`id`, `meta`) are not input: validation drops them.
    let expected = r#"{
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User"
  ],
  "userName": "bjensen@example.com"
}
"#;
    assert_valid(&validate(&[], MINIMAL_USER), expected);
    assert_valid(&validate(&["--lenient"], MINIMAL_USER), expected);
}

#[test]
fn spells_attribute_names_as_the_schema_does() {
    let input = r#"{
  "SCHEMAS": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "DisplayName": "Tour Guides",
  "members": [{"VALUE": "2819c223-7f76-453a-919d-413861904646"}]
}"#;
    let expected = r#"{
  "displayName": "Tour Guides",
  "members": [
    {
      "value": "2819c223-7f76-453a-919d-413861904646"
    }
  ],
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:Group"
  ]
}
"#;
    assert_valid(&validate(&[], input), expected);
}

#[test]
fn lenient_coerces_a_string_boolean_with_a_warning() {
    let run = validate(&["--lenient"], STRING_BOOLEAN);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stdout.contains(r#""active": true,"#), "{}", run.stdout);
    assert!(run.stderr.starts_with("warning: "), "{}", run.stderr);
    assert!(run.stderr.contains("'active'"), "{}", run.stderr);
}

#[test]
fn strict_rejects_a_string_boolean() {
    let run = validate(&[], STRING_BOOLEAN);
    assert_scim_error(
        &run,
        "invalidValue",
        "attribute 'active' must be a boolean, not a string",
    );
}

#[test]
fn reports_a_missing_required_attribute() {
    let input =
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "displayName": "Babs"}"#;
    for options in [&[][..], &["--lenient"]] {
        let run = validate(options, input);
        assert_scim_error(&run, "invalidValue", "attribute 'userName' is required");
    }
}

#[test]
fn reports_malformed_json_as_invalid_syntax() {
    let run = validate(&[], r#"{"userName": "#);
    assert_eq!(run.code, INVALID);
    assert!(
        run.stdout.contains(r#""scimType": "invalidSyntax""#),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("malformed JSON"), "{}", run.stdout);
    let run = validate(&[], "[]");
    assert_scim_error(
        &run,
        "invalidSyntax",
        "a resource must be a JSON object, not an array",
    );
}

#[test]
fn type_option_chooses_the_resource_type() {
    let input = r#"{"userName": "bjensen"}"#;
    let expected = r#"{
  "schemas": [
    "urn:ietf:params:scim:schemas:core:2.0:User"
  ],
  "userName": "bjensen"
}
"#;
    assert_valid(&validate(&["--lenient", "--type", "User"], input), expected);
    assert_valid(&validate(&["--type", "user", "--lenient"], input), expected);
    assert_scim_error(
        &validate(&["--type", "User"], input),
        "invalidValue",
        "attribute 'schemas' is required",
    );
    let group =
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "x"}"#;
    assert_scim_error(
        &validate(&["--type", "User"], group),
        "invalidValue",
        "'schemas' must list 'urn:ietf:params:scim:schemas:core:2.0:User'",
    );
}

#[test]
fn without_type_schemas_must_name_one() {
    let detail = "'schemas' lists the core schema of no resource type (User or Group); \
                  name the type with --type";
    for options in [&[][..], &["--lenient"]] {
        let run = validate(options, r#"{"userName": "bjensen"}"#);
        assert_scim_error(&run, "invalidValue", detail);
        let run = validate(options, r#"{"schemas": ["urn:example:Thing"]}"#);
        assert_scim_error(&run, "invalidValue", detail);
    }
}

#[test]
fn reads_standard_input() {
    let run = scimitar_with_stdin(&["validate", "-"], MINIMAL_USER);
    assert_eq!(run.code, 0, "stderr: {}", run.stderr);
    assert!(run.stdout.contains(r#""userName": "bjensen@example.com""#));
}

#[test]
fn rejects_a_missing_file() {
    let run = scimitar(["validate", "/nonexistent/scimitar/user.json"]);
    assert_eq!(run.code, INVALID);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with("error: cannot read /nonexistent/scimitar/user.json: "),
        "{}",
        run.stderr
    );
}

#[test]
fn help_describes_the_command() {
    let run = scimitar(["validate", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("Usage: scimitar validate [--lenient] [--type NAME] FILE")
    );
    assert_eq!(run.stderr, "");
}
