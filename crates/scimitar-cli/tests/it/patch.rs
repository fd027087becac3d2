//! `scimitar patch apply`.

use serde_json::{Value, json};

use crate::{Fixture, INVALID, USAGE, scimitar};

const USER: &str = r#"{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223",
    "userName": "bjensen",
    "active": true
}"#;

const ENTRA_PATCH: &str = r#"{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
        {"op": "Replace", "path": "active", "value": "False"},
        {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.com"}
    ]
}"#;

fn json_of(stdout: &str) -> Value {
    serde_json::from_str(stdout).expect("JSON on stdout")
}

#[test]
fn applies_an_entra_patch_with_the_default_profile() {
    let user = Fixture::new("patch-user.json", USER);
    let patch = Fixture::new("patch-entra.json", ENTRA_PATCH);
    let output = scimitar(["patch", "apply", user.arg(), patch.arg()]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        json_of(&output.stdout),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "2819c223",
            "userName": "bjensen",
            "active": false,
            "emails": [{"type": "work", "value": "bjensen@example.com"}],
        })
    );
}

#[test]
fn strict_rejects_the_entra_shapes_with_a_scim_error() {
    let user = Fixture::new("patch-user-strict.json", USER);
    let patch = Fixture::new("patch-entra-strict.json", ENTRA_PATCH);
    let output = scimitar([
        "patch",
        "apply",
        "--compat",
        "strict",
        user.arg(),
        patch.arg(),
    ]);
    assert_eq!(output.code, INVALID);
    let error = json_of(&output.stdout);
    assert_eq!(error["status"], json!("400"));
    assert_eq!(error["scimType"], json!("invalidSyntax"));
    assert_eq!(
        error["schemas"],
        json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
    );
}

#[test]
fn a_failed_operation_reports_its_number() {
    let user = Fixture::new("patch-user-fail.json", USER);
    let patch = Fixture::new(
        "patch-fail.json",
        r#"{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "Babs"},
                           {"op": "remove", "path": "userName"}]}"#,
    );
    let output = scimitar([
        "patch",
        "apply",
        "--compat",
        "okta",
        user.arg(),
        patch.arg(),
    ]);
    assert_eq!(output.code, INVALID);
    let error = json_of(&output.stdout);
    assert_eq!(error["scimType"], json!("invalidValue"));
    assert_eq!(
        error["detail"],
        json!("operation 2: attribute 'userName' is required and cannot be removed")
    );
}

#[test]
fn an_unknown_profile_is_a_usage_error() {
    let output = scimitar(["patch", "apply", "--compat", "azure", "a.json", "b.json"]);
    assert_eq!(output.code, USAGE);
    assert!(
        output
            .stderr
            .contains("unknown compatibility profile \"azure\"")
    );
}
