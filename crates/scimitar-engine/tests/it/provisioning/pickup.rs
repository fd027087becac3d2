//! Accounts that existed before provisioning are linked, not duplicated.

use serde_json::json;

use scimitar_policy::{Action, Policy};

use crate::support::{Harness, assert_error, assert_list, header, id_of, urn};

/// An account as an app exports it.
fn exported_user() -> serde_json::Value {
    json!({
        "schemas": [urn::USER],
        "id": "app-42",
        "userName": "BJensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "phoneNumbers": [{"type": "work", "value": "+1 555 0100"}],
    })
}

#[test]
fn unmanaged_accounts_are_not_visible_through_scim() {
    let harness = Harness::new();
    let id = harness.import("User", exported_user());
    assert_eq!(id, "app-42");
    assert_error(&harness.get("/Users/app-42"), 404, None);
    assert_list(
        &harness.get(r#"/Users?filter=userName eq "bjensen@example.com""#),
        0,
        0,
    );
    assert_list(&harness.get("/Users"), 0, 0);
}

#[test]
fn a_create_with_the_same_user_name_picks_the_account_up_and_keeps_its_id() {
    let harness = Harness::new();
    harness.import("User", exported_user());
    let body = json!({
        "schemas": [urn::USER],
        "userName": "bjensen@EXAMPLE.com",
        "name": {"givenName": "Babs", "familyName": "Jensen"},
        "active": true,
    });
    let (status, headers, created) = harness.post("/Users", body);
    assert_eq!(status, 201, "{created}");
    assert_eq!(id_of(&created), "app-42");
    assert!(header(&headers, "location").ends_with("/Users/app-42"));
    // Updated from the request; what the request did not carry stays.
    assert_eq!(created["name"]["givenName"], "Babs");
    assert_eq!(created["phoneNumbers"][0]["value"], "+1 555 0100");
    assert_eq!(harness.get("/Users/app-42").0, 200);
    let entry = harness.last_entry();
    assert_eq!(entry.action, Action::PickedUp);
    assert_eq!(entry.resource_id.as_deref(), Some("app-42"));
    assert_eq!(entry.status, 201);
    let given = entry
        .changes
        .iter()
        .find(|change| change.path == "name.givenName")
        .expect("the given name changed");
    assert_eq!(given.before, Some(json!("Barbara")));
    assert_eq!(given.after, Some(json!("Babs")));
    assert!(
        block_on_unmanaged(&harness).is_empty(),
        "the account is managed now"
    );
}

fn block_on_unmanaged(harness: &Harness) -> Vec<scimitar_engine::StoredResource> {
    use scimitar_engine::ResourceStore;
    pollster::block_on(harness.engine.store().unmanaged(&harness.tenant.id)).expect("read")
}

#[test]
fn a_second_create_of_a_picked_up_account_is_a_conflict() {
    let harness = Harness::new();
    harness.import("User", exported_user());
    assert_eq!(
        harness
            .post("/Users", crate::support::user("bjensen@example.com"))
            .0,
        201
    );
    let again = harness.post("/Users", crate::support::user("BJENSEN@example.com"));
    assert_error(&again, 409, Some("uniqueness"));
    let entry = harness.last_entry();
    assert_eq!(entry.action, Action::Failed);
    assert_eq!(entry.status, 409);
}

#[test]
fn groups_are_picked_up_by_display_name_without_their_exported_members() {
    let harness = Harness::new();
    harness.import(
        "Group",
        json!({"schemas": [urn::GROUP], "id": "team-7", "displayName": "Design",
               "members": [{"value": "someone-old"}]}),
    );
    let (status, _, created) = harness.post("/Groups", crate::support::group("design", &[]));
    assert_eq!(status, 201, "{created}");
    assert_eq!(id_of(&created), "team-7");
    assert_eq!(created["displayName"], "design");
    assert!(created.get("members").is_none(), "{created}");
    assert_eq!(harness.last_entry().action, Action::PickedUp);
}

#[test]
fn without_pick_up_a_create_of_an_unmanaged_name_is_refused() {
    let mut harness = Harness::new();
    harness.set_policy(Policy::default().with_pick_up(false));
    harness.import("User", exported_user());
    let reply = harness.post("/Users", crate::support::user("bjensen@example.com"));
    assert_error(&reply, 409, Some("uniqueness"));
    assert_list(&harness.get("/Users"), 0, 0);
}

#[test]
fn an_import_of_a_taken_name_or_id_is_refused() {
    let harness = Harness::new();
    harness.create_user("taken");
    let principal = scimitar_engine::Principal::new(harness.tenant.clone(), None);
    let ops = harness.engine.operations(&principal);
    let resource =
        scimitar_schema::Resource::from_value(crate::support::user("TAKEN")).expect("resource");
    let error = pollster::block_on(ops.add_unmanaged("User", resource)).expect_err("refused");
    assert_eq!(error.status, 409);
    harness.import("User", exported_user());
    let again = scimitar_schema::Resource::from_value(json!({
        "schemas": [urn::USER], "id": "app-42", "userName": "other"
    }))
    .expect("resource");
    let error = pollster::block_on(ops.add_unmanaged("User", again)).expect_err("refused");
    assert_eq!(error.status, 409);
}
