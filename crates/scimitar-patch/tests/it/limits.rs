//! The caps on one request ([`PatchLimits`]): what they refuse, with which error, and
//! that what the identity providers send stays far below the defaults.

use std::fs;
use std::path::Path;

use scimitar_patch::{Compat, PatchLimits, PatchRequest};
use scimitar_schema::ScimType;
use serde_json::{Value, json};

use crate::{assert_error, body, fixture_bytes};

/// A request of `count` `replace` operations of `displayName`.
fn replaces(count: usize) -> PatchRequest {
    let operations: Vec<Value> = (0..count)
        .map(|n| json!({"op": "replace", "path": "displayName", "value": format!("name {n}")}))
        .collect();
    PatchRequest::from_value(&body(json!(operations)), &Compat::STRICT).expect("a request")
}

/// A request of one operation.
fn one(operation: Value) -> PatchRequest {
    PatchRequest::from_value(&body(json!([operation])), &Compat::LENIENT).expect("a request")
}

#[test]
fn the_default_allows_1000_operations_and_refuses_1001_as_too_many() {
    let limits = PatchLimits::default();
    assert_eq!(limits.max_operations, 1000);
    limits.check(&replaces(1000)).expect("at the cap");
    let error = assert_error(
        limits.check(&replaces(1001)),
        ScimType::TooMany,
        "1001 operations; a PATCH request may hold at most 1000 (max_operations)",
    );
    assert_eq!(error.status, 400);
}

#[test]
fn the_operation_cap_is_settable() {
    let limits = PatchLimits::default().max_operations(3);
    limits.check(&replaces(3)).expect("at the cap");
    assert_error(limits.check(&replaces(4)), ScimType::TooMany, "at most 3");
}

#[test]
fn the_default_allows_a_value_of_64_kib_and_refuses_one_byte_more() {
    let limits = PatchLimits::default();
    assert_eq!(limits.max_value_length, 65_536);
    let at_cap = "x".repeat(65_536);
    limits
        .check(&one(
            json!({"op": "replace", "path": "displayName", "value": at_cap}),
        ))
        .expect("at the cap");
    let over = "x".repeat(65_537);
    assert_error(
        limits.check(&one(
            json!({"op": "replace", "path": "displayName", "value": over}),
        )),
        ScimType::InvalidValue,
        "operation 1: a value of 65537 bytes; a value may hold at most 65536 (max_value_length)",
    );
}

#[test]
fn the_value_length_counts_bytes_not_characters() {
    let limits = PatchLimits::default().max_value_length(8);
    // Four characters of three bytes each.
    let operation = json!({"op": "replace", "path": "displayName", "value": "日本語字"});
    assert_error(
        limits.check(&one(operation)),
        ScimType::InvalidValue,
        "12 bytes",
    );
}

#[test]
fn a_long_string_anywhere_in_a_value_is_refused_with_its_operation_number() {
    let limits = PatchLimits::default().max_value_length(16);
    let long = "x".repeat(17);
    let members = json!({"op": "add", "path": "members", "value": [
        {"value": "u1"}, {"value": long, "display": "Babs"},
    ]});
    let short = json!({"op": "replace", "path": "displayName", "value": "Tour Guides"});
    let request = PatchRequest::from_value(&body(json!([short, members])), &Compat::LENIENT)
        .expect("a request");
    assert_error(
        limits.check(&request),
        ScimType::InvalidValue,
        "operation 2:",
    );

    // A path-less value's keys are strings of the request too.
    let keyed = json!({"op": "replace", "value": {long.clone(): "x"}});
    assert_error(
        limits.check(&one(keyed)),
        ScimType::InvalidValue,
        "17 bytes",
    );

    // A `remove` of listed values carries a value as well.
    let remove = json!({"op": "remove", "path": "members", "value": [{"value": long}]});
    assert_error(
        limits.check(&one(remove)),
        ScimType::InvalidValue,
        "operation 1:",
    );
}

#[test]
fn every_identity_provider_and_rfc_fixture_is_within_the_defaults() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut checked = 0;
    for entry in fs::read_dir(&dir).expect("the fixtures directory") {
        let name = entry.expect("a fixture").file_name();
        let name = name.to_string_lossy();
        if !name.ends_with(".json") {
            continue;
        }
        let request = PatchRequest::from_json(&fixture_bytes(&name), &Compat::LENIENT)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        PatchLimits::default()
            .check(&request)
            .unwrap_or_else(|error| panic!("{name}: {error}"));
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} fixtures");
}
