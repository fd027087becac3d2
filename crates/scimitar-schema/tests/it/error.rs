//! The error response (RFC 7644 §3.12) on the wire.

use http::StatusCode;
use serde_json::json;

use scimitar_schema::{ScimError, ScimType};

#[test]
fn the_status_is_a_string_on_the_wire_and_typed_in_rust() {
    let error = ScimError::new(StatusCode::PAYLOAD_TOO_LARGE, "too large");
    let wire = serde_json::to_value(&error).unwrap();
    assert_eq!(wire["status"], "413");
    assert_eq!(error.to_string(), "413: too large");
    let read: ScimError = serde_json::from_value(wire).unwrap();
    assert_eq!(read, error);
    assert_eq!(read.status, StatusCode::PAYLOAD_TOO_LARGE);
}

#[test]
fn a_status_is_read_from_a_string_or_a_number() {
    let read = |status: serde_json::Value| {
        serde_json::from_value::<ScimError>(json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
            "status": status,
            "scimType": "uniqueness",
        }))
    };
    assert_eq!(read(json!("409")).unwrap().status, StatusCode::CONFLICT);
    assert_eq!(read(json!(" 409 ")).unwrap().status, 409);
    assert_eq!(
        read(json!(409)).unwrap().scim_type,
        Some(ScimType::Uniqueness)
    );
    for invalid in [
        json!("4o9"),
        json!(99),
        json!(1000),
        json!(-1),
        json!(70000),
        json!(true),
    ] {
        assert!(read(invalid.clone()).is_err(), "{invalid}");
    }
}
