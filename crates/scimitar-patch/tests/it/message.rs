//! Reading the PatchOp message (RFC 7644 §3.5.2): what is accepted and the errors for
//! what is not.

use scimitar_filter::{AttrName, AttrPath, PatchPath};
use scimitar_patch::{Compat, OpKind, PatchOperation, PatchRequest};
use scimitar_schema::ScimType;
use serde_json::{Value, json};

use crate::{PATCH_OP, USER, assert_error, body, fixture_bytes};

const STRICT: Compat = Compat::STRICT;
const LENIENT: Compat = Compat::LENIENT;

/// Parses `body` under STRICT and LENIENT and asserts that both fail alike.
#[track_caller]
fn assert_invalid(body: Value, scim_type: ScimType, detail: &str) {
    for compat in [STRICT, LENIENT] {
        assert_error(
            PatchRequest::from_value(&body, &compat),
            scim_type.clone(),
            detail,
        );
        let bytes = serde_json::to_vec(&body).unwrap();
        assert_error(
            PatchRequest::from_json(&bytes, &compat),
            scim_type.clone(),
            detail,
        );
    }
}

fn path(text: &str) -> PatchPath {
    text.parse()
        .unwrap_or_else(|err| panic!("{text:?} is a valid path: {err}"))
}

#[test]
fn a_request_of_three_operations() {
    let request = PatchRequest::from_value(
        &body(json!([
            {"op": "add", "path": "members", "value": [{"value": "u1"}]},
            {"op": "remove", "path": "emails[type eq \"work\"].value"},
            {"op": "replace", "value": {"active": false}},
        ])),
        &STRICT,
    )
    .unwrap();
    assert_eq!(
        request,
        PatchRequest::new(vec![
            PatchOperation::new(
                OpKind::Add,
                Some(PatchPath::Attr(AttrPath::new(
                    AttrName::new("members").unwrap()
                ))),
                Some(json!([{"value": "u1"}])),
            ),
            PatchOperation::new(
                OpKind::Remove,
                Some(path("emails[type eq \"work\"].value")),
                None,
            ),
            PatchOperation::new(OpKind::Replace, None, Some(json!({"active": false}))),
        ])
    );
}

#[test]
fn op_kinds_print_their_rfc_spelling() {
    assert_eq!(OpKind::Add.as_str(), "add");
    assert_eq!(OpKind::Remove.as_str(), "remove");
    assert_eq!(OpKind::Replace.as_str(), "replace");
}

#[test]
fn from_json_reads_the_fixtures() {
    for name in [
        "rfc7644-add-member.json",
        "rfc7644-add-no-path.json",
        "rfc7644-remove-member.json",
        "rfc7644-remove-all-members.json",
        "rfc7644-remove-work-email-ew.json",
        "rfc7644-remove-and-add-members.json",
        "rfc7644-replace-members.json",
        "rfc7644-replace-work-address.json",
        "rfc7644-replace-work-street.json",
        "rfc7644-replace-no-path.json",
        "okta-deactivate.json",
        "okta-replace-id-displayname.json",
        "okta-replace-members.json",
        "okta-add-members.json",
        "okta-remove-member.json",
        "entra-remove-manager.json",
        "entra-path-keys.json",
    ] {
        PatchRequest::from_json(&fixture_bytes(name), &STRICT)
            .unwrap_or_else(|err| panic!("{name}: {err}"));
    }
}

#[test]
fn message_keys_are_case_insensitive() {
    let request = PatchRequest::from_value(
        &json!({
            "SCHEMAS": [PATCH_OP.to_uppercase()],
            "operations": [{"OP": "remove", "Path": "nickName", "VALUE": null}],
        }),
        &STRICT,
    )
    .unwrap();
    assert_eq!(
        request.operations,
        [PatchOperation::new(
            OpKind::Remove,
            Some(path("nickName")),
            Some(Value::Null)
        )]
    );
}

#[test]
fn an_empty_or_null_path_means_no_path() {
    for operation in [
        json!({"op": "replace", "path": "", "value": {"active": false}}),
        json!({"op": "replace", "path": "  ", "value": {"active": false}}),
        json!({"op": "replace", "path": null, "value": {"active": false}}),
    ] {
        let request = PatchRequest::from_value(&body(json!([operation])), &STRICT).unwrap();
        assert_eq!(request.operations[0].path, None, "{operation}");
    }
}

#[test]
fn malformed_json_is_invalid_syntax() {
    for compat in [STRICT, LENIENT] {
        assert_error(
            PatchRequest::from_json(b"{\"schemas\": [", &compat),
            ScimType::InvalidSyntax,
            "malformed JSON",
        );
        assert_error(
            PatchRequest::from_json(b"", &compat),
            ScimType::InvalidSyntax,
            "malformed JSON",
        );
    }
}

#[test]
fn a_body_that_is_not_an_object() {
    for (value, kind) in [
        (json!([]), "an array"),
        (json!("PatchOp"), "a string"),
        (json!(null), "null"),
        (json!(1), "a number"),
    ] {
        assert_invalid(
            value,
            ScimType::InvalidSyntax,
            &format!("not a PatchOp message: the body is {kind}"),
        );
    }
}

#[test]
fn schemas_must_list_patch_op() {
    let operations = json!([{"op": "remove", "path": "nickName"}]);
    let detail = format!("not a PatchOp message: 'schemas' must list '{PATCH_OP}'");
    for value in [
        json!({"Operations": operations}),
        json!({"schemas": [], "Operations": operations}),
        json!({"schemas": [USER], "Operations": operations}),
        json!({"schemas": PATCH_OP, "Operations": operations}),
        json!({"schemas": null, "Operations": operations}),
        json!({"schemas": [{"id": PATCH_OP}], "Operations": operations}),
    ] {
        assert_invalid(value, ScimType::InvalidSyntax, &detail);
    }
}

#[test]
fn operations_must_be_a_non_empty_array() {
    assert_invalid(
        json!({"schemas": [PATCH_OP]}),
        ScimType::InvalidSyntax,
        "not a PatchOp message: 'Operations' is missing",
    );
    assert_invalid(
        body(json!([])),
        ScimType::InvalidSyntax,
        "not a PatchOp message: 'Operations' is empty",
    );
    assert_invalid(
        body(json!({"op": "remove", "path": "nickName"})),
        ScimType::InvalidSyntax,
        "not a PatchOp message: 'Operations' is an object, not an array",
    );
    assert_invalid(
        body(json!(null)),
        ScimType::InvalidSyntax,
        "not a PatchOp message: 'Operations' is null, not an array",
    );
}

#[test]
fn an_operation_must_be_an_object() {
    assert_invalid(
        body(json!([{"op": "remove", "path": "nickName"}, "remove nickName"])),
        ScimType::InvalidSyntax,
        "operation 2 is a string, not an object",
    );
}

#[test]
fn an_operation_needs_a_known_op() {
    for operation in [
        json!({"path": "nickName"}),
        json!({"op": "delete", "path": "nickName"}),
        json!({"op": "", "path": "nickName"}),
        json!({"op": 1, "path": "nickName"}),
        json!({"op": null, "path": "nickName"}),
        json!({"op": ["remove"], "path": "nickName"}),
        json!({"op": "move", "path": "nickName", "from": "displayName"}),
    ] {
        assert_invalid(
            body(json!([operation])),
            ScimType::InvalidSyntax,
            "operation 1 needs \"op\": \"add\", \"remove\" or \"replace\"",
        );
    }
}

#[test]
fn capitalised_ops_only_with_op_any_case() {
    for op in ["Add", "REPLACE", "Remove"] {
        let value = body(json!([{"op": op, "path": "nickName", "value": "Babs"}]));
        assert_error(
            PatchRequest::from_value(&value, &STRICT),
            ScimType::InvalidSyntax,
            "operation 1 needs \"op\"",
        );
        let request = PatchRequest::from_value(&value, &LENIENT).unwrap();
        assert_eq!(request.operations[0].op.as_str(), op.to_lowercase());
    }
}

#[test]
fn a_bad_path_is_invalid_path() {
    for (text, compat) in [
        ("emails[type eq \"work\"", STRICT),
        ("emails[type eq]", LENIENT),
        ("name..givenName", STRICT),
        ("members[value eq 2819c223]", STRICT),
        ("emails[type eq \"work\"].value.display", LENIENT),
        ("\"userName\"", STRICT),
    ] {
        assert_error(
            PatchRequest::from_value(
                &body(json!([
                    {"op": "remove", "path": "nickName"},
                    {"op": "remove", "path": text},
                ])),
                &compat,
            ),
            ScimType::InvalidPath,
            &format!("operation 2: invalid path {text:?}: "),
        );
    }
}

#[test]
fn a_path_must_be_a_string() {
    assert_invalid(
        body(json!([{"op": "remove", "path": ["nickName"]}])),
        ScimType::InvalidPath,
        "operation 1: 'path' is an array, not a string",
    );
    assert_invalid(
        body(json!([{"op": "remove", "path": 7}])),
        ScimType::InvalidPath,
        "operation 1: 'path' is a number, not a string",
    );
}

#[test]
fn add_and_replace_need_a_value() {
    assert_invalid(
        body(json!([{"op": "add", "path": "nickName"}])),
        ScimType::InvalidSyntax,
        "operation 1 (add) needs a 'value'",
    );
    assert_invalid(
        body(json!([
            {"op": "remove", "path": "nickName"},
            {"op": "replace", "path": "nickName"},
        ])),
        ScimType::InvalidSyntax,
        "operation 2 (replace) needs a 'value'",
    );
    assert_invalid(
        body(json!([{"op": "replace"}])),
        ScimType::InvalidSyntax,
        "operation 1 (replace) needs a 'value'",
    );
}

#[test]
fn remove_needs_no_value() {
    let request = PatchRequest::from_value(
        &body(json!([{"op": "remove", "path": "nickName"}])),
        &STRICT,
    )
    .unwrap();
    assert_eq!(
        request.operations,
        [PatchOperation::new(
            OpKind::Remove,
            Some(path("nickName")),
            None
        )]
    );
}

#[test]
fn the_first_bad_operation_is_reported() {
    assert_error(
        PatchRequest::from_value(
            &body(json!([
                {"op": "add", "path": "nickName", "value": "Babs"},
                {"op": "add", "path": "title"},
                {"op": "delete", "path": "title"},
            ])),
            &STRICT,
        ),
        ScimType::InvalidSyntax,
        "operation 2 (add) needs a 'value'",
    );
}

#[test]
fn errors_serialise_as_rfc_error_responses() {
    let error = PatchRequest::from_value(&body(json!([])), &STRICT).unwrap_err();
    assert_eq!(
        error.to_json(),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": "400",
            "scimType": "invalidSyntax",
            "detail": "not a PatchOp message: 'Operations' is empty",
        })
    );
}
