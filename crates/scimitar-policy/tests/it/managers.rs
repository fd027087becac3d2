//! Managers that may arrive after the users they manage.

use scimitar_policy::{
    ENTERPRISE_USER, clear_manager, manager_keys, manager_reference, pending_key, set_manager,
};
use serde_json::json;

use crate::fixtures::{ENTERPRISE, USER, entra_user, okta_user, resource};

#[test]
fn the_urn_is_the_enterprise_extension() {
    assert_eq!(ENTERPRISE_USER, ENTERPRISE);
    assert_eq!(ENTERPRISE_USER, scimitar_schema::urn::ENTERPRISE_USER);
}

#[test]
fn references_of_real_payloads() {
    assert_eq!(
        manager_reference(&entra_user()),
        Some("8a2c6f3b-6f1e-4f51-9d8e-2bfb1d3e1c44")
    );
    assert_eq!(
        manager_reference(&okta_user()),
        Some("00u1ab2cd3EF4gh5ij6k")
    );
    assert_eq!(manager_reference(&resource(json!({"userName": "x"}))), None);
}

#[test]
fn a_pending_manager_resolves_when_it_arrives() {
    // Entra sends a manager by the id it knows; a host may also see a userName.
    let report = resource(json!({
        "schemas": [USER, ENTERPRISE],
        "userName": "report@example.com",
        ENTERPRISE: {"manager": {"value": "Boss@Example.com"}},
    }));
    let pending = pending_key(manager_reference(&report).expect("a reference"));
    let boss = resource(json!({"userName": "boss@example.com", "externalId": "E-1"}));
    let keys = manager_keys("b-1", &boss);
    assert_eq!(keys, ["b-1", "boss@example.com", "e-1"]);
    assert!(keys.contains(&pending));

    // Once resolved, the engine points the report at the manager's id.
    let mut resolved = report.clone();
    set_manager(&mut resolved, "b-1");
    assert_eq!(manager_reference(&resolved), Some("b-1"));
    assert_eq!(
        resolved.get_attr(ENTERPRISE),
        Some(&json!({"manager": {"value": "b-1"}}))
    );
}

#[test]
fn a_manager_is_cleared() {
    let mut user = okta_user();
    assert!(clear_manager(&mut user));
    assert_eq!(manager_reference(&user), None);
    assert_eq!(
        user.get_attr(ENTERPRISE),
        Some(&json!({"organization": "Contoso"}))
    );
    assert!(user.has_schema(ENTERPRISE));
    assert!(!clear_manager(&mut user));

    let mut user = resource(json!({
        "schemas": [USER, ENTERPRISE],
        ENTERPRISE: {"manager": {"value": "m"}},
    }));
    assert!(clear_manager(&mut user));
    assert_eq!(user.into_value(), json!({"schemas": [USER]}));
}
