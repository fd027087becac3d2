//! `active: false` suspends, `active: true` reactivates, a delete deletes or unlinks.

use serde_json::json;

use scimitar_policy::{Action, DeleteRule, Policy};

use crate::support::{Harness, assert_error, id_of, patch_op, urn};

#[test]
fn every_idp_shape_of_deactivation_suspends_and_reactivation_reactivates() {
    let harness = Harness::new();
    let id = harness.create_user("bjensen");
    let path = format!("/Users/{id}");
    let shapes = [
        // Entra without the flag: a string boolean.
        (
            patch_op(json!([{"op": "Replace", "path": "active", "value": "False"}])),
            false,
        ),
        (
            patch_op(json!([{"op": "Replace", "path": "active", "value": "True"}])),
            true,
        ),
        // Okta's path-less replace.
        (
            patch_op(json!([{"op": "replace", "value": {"active": false}}])),
            false,
        ),
        (
            patch_op(json!([{"op": "replace", "value": {"active": true}}])),
            true,
        ),
    ];
    for (body, active) in shapes {
        let (status, _, user) = harness.patch(&path, body);
        assert_eq!(status, 200, "{user}");
        assert_eq!(user["active"], active);
        let expected = if active {
            Action::Reactivated
        } else {
            Action::Suspended
        };
        assert_eq!(harness.last_entry().action, expected);
    }
    // Okta sends every update as PUT.
    let put = json!({"schemas": [urn::USER], "id": id, "userName": "bjensen", "active": false});
    assert_eq!(harness.put(&path, put).0, 200);
    assert_eq!(harness.last_entry().action, Action::Suspended);
    // Suspended users are still there.
    assert_eq!(harness.get(&path).0, 200);
    let title = patch_op(json!([{"op": "replace", "path": "title", "value": "Lead"}]));
    assert_eq!(harness.patch(&path, title).0, 200);
    assert_eq!(harness.last_entry().action, Action::Updated);
}

#[test]
fn a_delete_deletes_by_default() {
    let harness = Harness::new();
    let id = harness.create_user("bjensen");
    assert_eq!(harness.delete(&format!("/Users/{id}")).0, 204);
    assert_eq!(harness.last_entry().action, Action::Deleted);
    // Gone: a create makes a new account.
    let (status, _, again) = harness.post("/Users", crate::support::user("bjensen"));
    assert_eq!(status, 201);
    assert_ne!(id_of(&again), id);
    assert_eq!(harness.last_entry().action, Action::Created);
}

#[test]
fn suspend_and_unlink_keeps_the_account_for_a_later_pick_up() {
    let mut harness = Harness::new();
    harness.set_policy(Policy::default().with_on_delete(DeleteRule::SuspendAndUnlink));
    let id = harness.create_user("bjensen");
    let path = format!("/Users/{id}");
    assert_eq!(harness.delete(&path).0, 204);
    assert_eq!(harness.last_entry().action, Action::Deleted);
    assert_error(&harness.get(&path), 404, None);
    assert_error(&harness.delete(&path), 404, None);
    let unmanaged = pollster::block_on(scimitar_engine::ResourceStore::unmanaged(
        harness.engine.store(),
        &harness.tenant.id,
    ))
    .expect("read");
    assert_eq!(unmanaged.len(), 1);
    assert_eq!(unmanaged[0].id, id);
    assert_eq!(
        unmanaged[0].resource.get_attr("active"),
        Some(&json!(false))
    );

    let body = json!({"schemas": [urn::USER], "userName": "BJensen", "active": true});
    let (status, _, back) = harness.post("/Users", body);
    assert_eq!(status, 201, "{back}");
    assert_eq!(id_of(&back), id);
    assert_eq!(back["active"], true);
    assert_eq!(harness.last_entry().action, Action::PickedUp);
}

#[test]
fn unlinking_a_group_removes_it_from_scim() {
    let mut harness = Harness::new();
    harness.set_policy(Policy::default().with_on_delete(DeleteRule::SuspendAndUnlink));
    let alice = harness.create_user("alice");
    let group = harness.create_group("Staff", &[&alice]);
    assert_eq!(harness.delete(&format!("/Groups/{group}")).0, 204);
    assert_error(&harness.get(&format!("/Groups/{group}")), 404, None);
    let user = harness.get(&format!("/Users/{alice}")).2;
    assert!(user.get("groups").is_none(), "{user}");
}
