//! Global `userName` uniqueness across tenants.

use scimitar_engine::EngineConfig;
use scimitar_patch::Compat;
use scimitar_policy::Action;

use crate::support::{Harness, assert_error, user};

#[test]
fn a_user_name_of_another_tenant_is_refused_without_saying_where() {
    let harness = Harness::with_config(EngineConfig::default().global_usernames(true));
    harness.create_user("shared@example.com");
    let (other, key) = harness.add_tenant("globex", Compat::LENIENT);
    let reply = harness.send_as(
        &key.secret,
        "POST",
        "/Users",
        Some(user("SHARED@example.com")),
        &[],
    );
    assert_error(&reply, 409, Some("uniqueness"));
    let detail = reply.2["detail"].as_str().unwrap_or_default().to_owned();
    assert!(!detail.contains("acme"), "{detail}");
    assert!(!detail.contains(&harness.tenant.id.0), "{detail}");
    // Recorded in the other tenant's history, as a failure.
    let history = pollster::block_on(scimitar_engine::HistoryStore::history(
        harness.engine.store(),
        &other.id,
        &scimitar_engine::HistoryQuery::new(),
    ))
    .expect("history");
    assert_eq!(history.len(), 1);
    assert_eq!(history[0].action, Action::Failed);
    assert_eq!(history[0].status, 409);
    // Another name is fine there; an unmanaged account's name is taken too.
    let ok = harness.send_as(&key.secret, "POST", "/Users", Some(user("own")), &[]);
    assert_eq!(ok.0, 201, "{}", ok.2);
    harness.import("User", user("legacy"));
    let reply = harness.send_as(&key.secret, "POST", "/Users", Some(user("Legacy")), &[]);
    assert_error(&reply, 409, Some("uniqueness"));
}

#[test]
fn without_the_option_tenants_share_nothing() {
    let harness = Harness::new();
    harness.create_user("shared@example.com");
    let (_, key) = harness.add_tenant("globex", Compat::LENIENT);
    let reply = harness.send_as(
        &key.secret,
        "POST",
        "/Users",
        Some(user("shared@example.com")),
        &[],
    );
    assert_eq!(reply.0, 201, "{}", reply.2);
}

#[test]
fn renaming_into_a_taken_global_name_is_refused() {
    let harness = Harness::with_config(EngineConfig::default().global_usernames(true));
    harness.create_user("taken");
    let (_, key) = harness.add_tenant("globex", Compat::LENIENT);
    let (_, _, created) = harness.send_as(&key.secret, "POST", "/Users", Some(user("free")), &[]);
    let id = crate::support::id_of(&created);
    let rename = crate::support::patch_op(serde_json::json!([
        {"op": "replace", "path": "userName", "value": "Taken"}
    ]));
    let reply = harness.send_as(
        &key.secret,
        "PATCH",
        &format!("/Users/{id}"),
        Some(rename),
        &[],
    );
    assert_error(&reply, 409, Some("uniqueness"));
}
