//! The change history: one entry per write, refused writes included.

use serde_json::json;

use scimitar_engine::{HistoryQuery, HistoryStore};
use scimitar_policy::{Action, REDACTED};

use crate::support::{ENTERPRISE, Harness, id_of, patch_op, urn, user};

#[test]
fn a_create_records_who_what_and_the_mapped_fields() {
    let harness = Harness::new();
    let body = json!({
        "schemas": [urn::USER, ENTERPRISE],
        "userName": "bjensen",
        "displayName": "Barbara Jensen",
        "password": "t1meMa$heen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"type": "work", "value": "bjensen@example.com", "primary": true}],
        "phoneNumbers": [{"type": "mobile", "value": "+1 555 0199"}],
        "title": "Tour Guide",
    });
    let (status, _, created) =
        harness.send("POST", "/Users", Some(body), &[("X-Request-Id", "req-1")]);
    assert_eq!(status, 201, "{created}");
    let entry = harness.last_entry();
    assert_eq!(entry.seq, 1);
    assert_eq!(entry.action, Action::Created);
    assert_eq!(entry.time, harness.now());
    assert_eq!(entry.key.as_deref(), Some(harness.key.key.id.as_str()));
    assert_eq!(entry.request.as_deref(), Some("req-1"));
    assert_eq!(entry.resource_type, "User");
    assert_eq!(entry.resource_id, Some(id_of(&created)));
    assert_eq!(entry.status, 201);
    assert_eq!(entry.error, None);
    let password = entry
        .changes
        .iter()
        .find(|change| change.path == "password")
        .expect("the password is recorded, redacted");
    assert_eq!(password.after, Some(json!(REDACTED)));
    assert!(!format!("{entry:?}").contains("t1meMa$heen"));
    let field = |name: &str| entry.fields.get(name).cloned().flatten();
    assert_eq!(field("user_name").as_deref(), Some("bjensen"));
    assert_eq!(field("display_name").as_deref(), Some("Barbara Jensen"));
    assert_eq!(field("email").as_deref(), Some("bjensen@example.com"));
    assert_eq!(field("first_name").as_deref(), Some("Barbara"));
    assert_eq!(field("last_name").as_deref(), Some("Jensen"));
    assert_eq!(field("mobile_phone").as_deref(), Some("+1 555 0199"));
    assert_eq!(field("job_title_text").as_deref(), Some("Tour Guide"));
    assert!(!entry.fields.contains_key("office_phone"));
}

#[test]
fn an_update_records_before_and_after_and_the_fields_that_changed() {
    let harness = Harness::new();
    let id = harness.create_user("bjensen");
    harness.advance(60);
    let patch = patch_op(json!([
        {"op": "replace", "path": "name.familyName", "value": "Jensen"},
        {"op": "add", "path": "emails[type eq \"work\"].value", "value": "b@example.com"},
    ]));
    assert_eq!(harness.patch(&format!("/Users/{id}"), patch).0, 200);
    let entry = harness.last_entry();
    assert_eq!(entry.seq, 2);
    assert_eq!(entry.action, Action::Updated);
    assert_eq!(entry.status, 200);
    let family = entry
        .changes
        .iter()
        .find(|change| change.path == "name.familyName")
        .expect("recorded");
    assert_eq!(
        (family.before.clone(), family.after.clone()),
        (None, Some(json!("Jensen")))
    );
    assert_eq!(entry.fields.len(), 2, "{:?}", entry.fields);
    assert_eq!(entry.fields["last_name"].as_deref(), Some("Jensen"));
    assert_eq!(entry.fields["email"].as_deref(), Some("b@example.com"));
}

#[test]
fn a_write_that_changes_nothing_records_nothing() {
    let harness = Harness::new();
    let id = harness.create_user("bjensen");
    let same = patch_op(json!([{"op": "replace", "path": "userName", "value": "bjensen"}]));
    assert_eq!(harness.patch(&format!("/Users/{id}"), same).0, 200);
    assert_eq!(harness.history().len(), 1);
}

#[test]
fn refused_writes_are_recorded_with_their_status_and_error() {
    let harness = Harness::new();
    let id = harness.create_user("bjensen");
    // Malformed JSON, before any operation runs.
    let auth = format!("Bearer {}", harness.key.secret);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/scim+json"),
    ];
    let bad = harness.send_raw(
        "POST",
        "/Users",
        bytes::Bytes::from_static(b"{not json"),
        &headers,
    );
    assert_eq!(bad.0, 400);
    // No such resource.
    let missing = patch_op(json!([{"op": "replace", "path": "title", "value": "x"}]));
    assert_eq!(harness.patch("/Users/nope", missing).0, 404);
    // A duplicate.
    assert_eq!(harness.post("/Users", user("BJENSEN")).0, 409);
    // A second delete.
    assert_eq!(harness.delete(&format!("/Users/{id}")).0, 204);
    assert_eq!(harness.delete(&format!("/Users/{id}")).0, 404);
    let history = harness.history();
    let summary: Vec<(u64, Action, Option<&str>, u16)> = history
        .iter()
        .map(|entry| {
            (
                entry.seq,
                entry.action,
                entry.resource_id.as_deref(),
                entry.status,
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec![
            (1, Action::Created, Some(id.as_str()), 201),
            (2, Action::Failed, None, 400),
            (3, Action::Failed, Some("nope"), 404),
            (4, Action::Failed, None, 409),
            (5, Action::Deleted, Some(id.as_str()), 204),
            (6, Action::Failed, Some(id.as_str()), 404),
        ]
    );
    assert!(
        history[3]
            .error
            .as_deref()
            .is_some_and(|error| error.contains("userName"))
    );
}

#[test]
fn bulk_operations_are_recorded_one_by_one() {
    let harness = Harness::new();
    let bulk = json!({
        "schemas": [urn::BULK_REQUEST],
        "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "a", "data": user("alice")},
            {"method": "POST", "path": "/Users", "bulkId": "b", "data": user("ALICE")},
            {"method": "POST", "path": "/Groups", "bulkId": "g",
             "data": {"schemas": [urn::GROUP], "displayName": "G", "members": [{"value": "bulkId:a"}]}},
        ],
    });
    assert_eq!(harness.post("/Bulk", bulk).0, 200);
    let actions: Vec<Action> = harness.history().iter().map(|entry| entry.action).collect();
    assert_eq!(
        actions,
        vec![Action::Created, Action::Failed, Action::Created]
    );
}

#[test]
fn the_history_is_queryable_by_resource_time_and_sequence() {
    let harness = Harness::new();
    let alice = harness.create_user("alice");
    harness.advance(3600);
    let bob = harness.create_user("bob");
    let title = patch_op(json!([{"op": "replace", "path": "title", "value": "x"}]));
    assert_eq!(harness.patch(&format!("/Users/{alice}"), title).0, 200);
    let query = |query: HistoryQuery| {
        pollster::block_on(harness.engine.store().history(&harness.tenant.id, &query))
            .expect("history")
            .into_iter()
            .map(|entry| entry.seq)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        query(HistoryQuery::new().resource(alice.clone())),
        vec![1, 3]
    );
    assert_eq!(query(HistoryQuery::new().resource(bob)), vec![2]);
    assert_eq!(query(HistoryQuery::new().since(harness.now())), vec![2, 3]);
    assert_eq!(query(HistoryQuery::new().after(1)), vec![2, 3]);
    assert_eq!(
        query(HistoryQuery::new().newest_first().limit(2)),
        vec![3, 2]
    );
    assert_eq!(query(HistoryQuery::new().action(Action::Updated)), vec![3]);
}
