//! Group members outside the sync scope: skipped under `lenient`, refused under
//! `strict`.

use serde_json::json;

use scimitar_engine::EngineConfig;
use scimitar_patch::Compat;

use crate::support::{Harness, assert_error, group, id_of, member_ids, patch_op, sorted};

#[test]
fn lenient_skips_unknown_members_with_a_warning() {
    let harness = Harness::new();
    let alice = harness.create_user("alice");
    let (status, _, created) = harness.post("/Groups", group("Staff", &[&alice, "ghost"]));
    assert_eq!(status, 201, "{created}");
    assert_eq!(member_ids(&created), sorted(&[&alice]));
    let entry = harness.last_entry();
    assert!(
        entry
            .warnings
            .iter()
            .any(|warning| warning.contains("ghost")),
        "{entry:?}"
    );

    let bob = harness.create_user("bob");
    let add = patch_op(json!([{"op": "Add", "path": "members",
        "value": [{"value": bob}, {"value": "phantom"}]}]));
    let id = id_of(&created);
    let (status, _, patched) = harness.patch(&format!("/Groups/{id}"), add);
    assert_eq!(status, 200, "{patched}");
    assert_eq!(member_ids(&patched), sorted(&[&alice, &bob]));
    assert!(
        harness
            .last_entry()
            .warnings
            .iter()
            .any(|w| w.contains("phantom"))
    );
}

#[test]
fn strict_refuses_unknown_members_and_stores_nothing() {
    let harness = Harness::with(EngineConfig::default(), Compat::STRICT);
    let alice = harness.create_user("alice");
    let reply = harness.post("/Groups", group("Staff", &[&alice, "ghost"]));
    assert_error(&reply, 400, Some("invalidValue"));
    assert_eq!(harness.get("/Groups").2["totalResults"], 0);
    let id = harness.create_group("Staff", &[&alice]);
    let add = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": "ghost"}]}]));
    assert_error(
        &harness.patch(&format!("/Groups/{id}"), add),
        400,
        Some("invalidValue"),
    );
    assert_eq!(
        member_ids(&harness.get(&format!("/Groups/{id}")).2),
        sorted(&[&alice])
    );
}
