//! The rules hold under both profiles: only the handling of members outside the scope
//! differs (see `members`).

use serde_json::json;

use scimitar_engine::EngineConfig;
use scimitar_patch::Compat;
use scimitar_policy::{Action, DeleteRule, Policy};

use crate::support::{ENTERPRISE, Harness, id_of, patch_op, urn};

/// Runs `test` on a harness of each profile.
fn both_profiles(test: impl Fn(Harness)) {
    for compat in [Compat::LENIENT, Compat::STRICT] {
        test(Harness::with(EngineConfig::default(), compat));
    }
}

#[test]
fn pick_up_suspension_and_unlinking_under_both_profiles() {
    both_profiles(|mut harness| {
        harness.set_policy(Policy::default().with_on_delete(DeleteRule::SuspendAndUnlink));
        harness.import(
            "User",
            json!({"schemas": [urn::USER], "id": "app-1", "userName": "ann"}),
        );
        let body = json!({"schemas": [urn::USER], "userName": "ANN", "active": true});
        let (status, _, created) = harness.post("/Users", body.clone());
        assert_eq!(
            (status, id_of(&created)),
            (201, "app-1".to_owned()),
            "{created}"
        );
        let off = patch_op(json!([{"op": "replace", "path": "active", "value": false}]));
        assert_eq!(harness.patch("/Users/app-1", off).0, 200);
        assert_eq!(harness.last_entry().action, Action::Suspended);
        let on = patch_op(json!([{"op": "replace", "path": "active", "value": true}]));
        assert_eq!(harness.patch("/Users/app-1", on).0, 200);
        assert_eq!(harness.last_entry().action, Action::Reactivated);
        assert_eq!(harness.delete("/Users/app-1").0, 204);
        let (status, _, again) = harness.post("/Users", body);
        assert_eq!(
            (status, id_of(&again)),
            (201, "app-1".to_owned()),
            "{again}"
        );
        let actions: Vec<Action> = harness.history().iter().map(|entry| entry.action).collect();
        assert_eq!(
            actions,
            [
                Action::PickedUp,
                Action::Suspended,
                Action::Reactivated,
                Action::Deleted,
                Action::PickedUp
            ]
        );
    });
}

#[test]
fn pending_managers_under_both_profiles() {
    both_profiles(|harness| {
        let body = json!({
            "schemas": [urn::USER, ENTERPRISE],
            "userName": "report",
            ENTERPRISE: {"manager": {"value": "boss"}},
        });
        let (status, _, report) = harness.post("/Users", body);
        assert_eq!(status, 201, "{report}");
        let report = id_of(&report);
        let boss = harness.create_user("boss");
        let (_, _, user) = harness.get(&format!("/Users/{report}"));
        assert_eq!(user[ENTERPRISE]["manager"]["value"], json!(boss), "{user}");
    });
}
