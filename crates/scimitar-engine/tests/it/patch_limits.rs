//! The caps on one PATCH request (`EngineConfig::patch_max_operations`,
//! `patch_max_value_length`): over a cap is a `400` naming it, checked before any
//! operation applies, so the stored resource, its version and its ETag stay as they were.

use serde_json::{Value, json};

use scimitar_engine::EngineConfig;

use crate::support::{Harness, assert_error, header, patch_op, urn};

/// `count` operations, each a `replace` of `displayName` with a new value, so that
/// applying any of them would change the user.
fn replaces(count: usize) -> Value {
    let operations: Vec<Value> = (0..count)
        .map(|n| json!({"op": "replace", "path": "displayName", "value": format!("name {n}")}))
        .collect();
    patch_op(json!(operations))
}

/// Sends `body` as a PATCH of a new user and asserts a `400 scim_type` whose detail
/// contains `detail`, with the user, its ETag and the history's last entry's status
/// showing that nothing was written.
#[track_caller]
fn assert_refused_unchanged(h: &Harness, body: Value, scim_type: &str, detail: &str) {
    let path = format!("/Users/{}", h.create_user("bjensen"));
    let (_, before_headers, before) = h.get(&path);
    let refused = h.patch(&path, body);
    assert_error(&refused, 400, Some(scim_type));
    let text = refused.2["detail"].as_str().unwrap_or_default();
    assert!(text.contains(detail), "{text:?} should contain {detail:?}");
    let (status, after_headers, after) = h.get(&path);
    assert_eq!(status, 200);
    assert_eq!(after, before, "the user is unchanged");
    assert_eq!(
        header(&after_headers, "etag"),
        header(&before_headers, "etag")
    );
    assert_eq!(h.last_entry().status, 400, "the refusal is in the history");
}

#[test]
fn more_operations_than_the_default_cap_is_400_too_many() {
    let h = Harness::new();
    assert_refused_unchanged(
        &h,
        replaces(1001),
        "tooMany",
        "1001 operations; a PATCH request may hold at most 1000 (max_operations)",
    );
    let path = format!("/Users/{}", h.create_user("jsmith"));
    let (status, _, body) = h.patch(&path, replaces(1000));
    assert_eq!(status, 200, "at the cap: {body}");
    assert_eq!(body["displayName"], "name 999");
}

#[test]
fn the_operation_cap_is_set_in_the_config() {
    let h = Harness::with_config(EngineConfig::default().patch_max_operations(2));
    assert_eq!(h.engine.config().patch_limits().max_operations, 2);
    assert_refused_unchanged(&h, replaces(3), "tooMany", "at most 2 (max_operations)");
    let path = format!("/Users/{}", h.create_user("jsmith"));
    assert_eq!(h.patch(&path, replaces(2)).0, 200);
}

#[test]
fn a_value_longer_than_the_default_cap_is_400_invalid_value() {
    let h = Harness::new();
    let long = "x".repeat(65_537);
    // The cap applies to the whole request: the first, short operation is not applied.
    let body = patch_op(json!([
        {"op": "replace", "path": "nickName", "value": "Babs"},
        {"op": "add", "path": "emails", "value": [{"type": "work", "value": long}]},
    ]));
    assert_refused_unchanged(
        &h,
        body,
        "invalidValue",
        "operation 2: a value of 65537 bytes; a value may hold at most 65536 (max_value_length)",
    );
}

#[test]
fn the_value_cap_is_set_in_the_config() {
    let h = Harness::with_config(EngineConfig::default().patch_max_value_length(10));
    let body = patch_op(json!([{"op": "replace", "value": {"displayName": "Barbara Jensen"}}]));
    assert_refused_unchanged(&h, body, "invalidValue", "at most 10 (max_value_length)");
    let path = format!("/Users/{}", h.create_user("jsmith"));
    let short = patch_op(json!([{"op": "replace", "path": "displayName", "value": "Babs"}]));
    assert_eq!(h.patch(&path, short).0, 200);
}

#[test]
fn a_bulk_patch_over_a_cap_fails_alone() {
    let h = Harness::with_config(EngineConfig::default().patch_max_operations(1));
    let id = h.create_user("bjensen");
    let path = format!("/Users/{id}");
    let (_, _, before) = h.get(&path);
    let operations = json!([
        {"method": "PATCH", "path": path, "data": replaces(2)},
        {"method": "POST", "path": "/Users", "bulkId": "j", "data": {"schemas": [urn::USER], "userName": "jsmith"}},
    ]);
    let (status, _, answer) = h.post(
        "/Bulk",
        json!({"schemas": [urn::BULK_REQUEST], "Operations": operations}),
    );
    assert_eq!(status, 200, "{answer}");
    let results = answer["Operations"].as_array().expect("results");
    assert_eq!(results[0]["status"], "400", "{answer}");
    assert_eq!(results[0]["response"]["scimType"], "tooMany", "{answer}");
    assert_eq!(results[1]["status"], "201", "{answer}");
    assert_eq!(h.get(&path).2, before, "the user is unchanged");
}
