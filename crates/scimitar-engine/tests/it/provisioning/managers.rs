//! Managers outside the sync scope stay pending until they are provisioned.

use serde_json::{Value, json};

use scimitar_policy::Action;

use crate::support::{ENTERPRISE, Harness, id_of, patch_op, urn};

/// A user whose enterprise `manager` is `reference`.
fn managed_user(user_name: &str, reference: &str) -> Value {
    json!({
        "schemas": [urn::USER, ENTERPRISE],
        "userName": user_name,
        ENTERPRISE: {"manager": {"value": reference}},
    })
}

/// The manager id a user shows, if any.
fn manager_of(harness: &Harness, id: &str) -> Option<String> {
    let (status, _, user) = harness.get(&format!("/Users/{id}"));
    assert_eq!(status, 200, "{user}");
    user[ENTERPRISE]["manager"]["value"]
        .as_str()
        .map(str::to_owned)
}

#[test]
fn a_manager_named_by_scim_id_user_name_or_external_id_is_set_to_its_id() {
    let harness = Harness::new();
    let (_, _, boss) = harness.post(
        "/Users",
        json!({"schemas": [urn::USER], "userName": "boss@example.com", "externalId": "E-1"}),
    );
    let boss = id_of(&boss);
    for (name, reference) in [
        ("by-id", boss.as_str()),
        ("by-name", "BOSS@example.com"),
        ("by-external-id", "E-1"),
    ] {
        let (status, _, user) = harness.post("/Users", managed_user(name, reference));
        assert_eq!(status, 201, "{user}");
        assert_eq!(
            manager_of(&harness, &id_of(&user)),
            Some(boss.clone()),
            "{name}"
        );
    }
}

#[test]
fn an_unknown_manager_stays_pending_until_that_user_is_provisioned() {
    let harness = Harness::new();
    let (status, _, report) = harness.post("/Users", managed_user("report", "boss@example.com"));
    assert_eq!(status, 201, "{report}");
    let report = id_of(&report);
    assert!(report_has_no_manager(&harness, &report));
    let entry = harness.last_entry();
    assert!(
        entry
            .warnings
            .iter()
            .any(|warning| warning.contains("boss@example.com")),
        "{entry:?}"
    );
    assert_eq!(
        harness.get("/Users").2["totalResults"],
        1,
        "no manager was created"
    );

    let boss = harness.create_user("Boss@Example.com");
    assert_eq!(manager_of(&harness, &report), Some(boss.clone()));
    let entry = harness.last_entry();
    assert_eq!(entry.action, Action::Updated);
    assert_eq!(entry.resource_id.as_deref(), Some(report.as_str()));
    assert_eq!(entry.fields.get("manager"), Some(&Some(boss)));
}

fn report_has_no_manager(harness: &Harness, id: &str) -> bool {
    manager_of(harness, id).is_none()
}

#[test]
fn a_pending_manager_is_set_when_that_user_is_picked_up() {
    let harness = Harness::new();
    harness.import(
        "User",
        json!({"schemas": [urn::USER], "id": "app-boss", "userName": "boss"}),
    );
    let (_, _, report) = harness.post("/Users", managed_user("report", "boss"));
    let report = id_of(&report);
    assert!(
        report_has_no_manager(&harness, &report),
        "unmanaged users are not in scope"
    );
    assert_eq!(harness.post("/Users", crate::support::user("boss")).0, 201);
    assert_eq!(manager_of(&harness, &report).as_deref(), Some("app-boss"));
}

#[test]
fn a_pending_manager_set_by_patch_resolves_later() {
    let harness = Harness::new();
    let report = harness.create_user("report");
    let add = patch_op(json!([{
        "op": "Add",
        "path": format!("{ENTERPRISE}:manager"),
        "value": "E-9",
    }]));
    let (status, _, body) = harness.patch(&format!("/Users/{report}"), add);
    assert_eq!(status, 200, "{body}");
    assert!(report_has_no_manager(&harness, &report));
    // Unrelated changes keep it pending.
    let title = patch_op(json!([{"op": "replace", "path": "title", "value": "Engineer"}]));
    assert_eq!(harness.patch(&format!("/Users/{report}"), title).0, 200);
    let (_, _, boss) = harness.post(
        "/Users",
        json!({"schemas": [urn::USER], "userName": "boss", "externalId": "E-9"}),
    );
    assert_eq!(manager_of(&harness, &report), Some(id_of(&boss)));
}

#[test]
fn removing_a_pending_reference_clears_it() {
    let harness = Harness::new();
    let (_, _, report) = harness.post("/Users", managed_user("report", "boss"));
    let report = id_of(&report);
    let remove = patch_op(json!([{"op": "remove", "path": format!("{ENTERPRISE}:manager")}]));
    assert_eq!(harness.patch(&format!("/Users/{report}"), remove).0, 200);
    harness.create_user("boss");
    assert!(report_has_no_manager(&harness, &report));
}

#[test]
fn a_put_without_the_manager_clears_a_pending_one() {
    let harness = Harness::new();
    let (_, _, report) = harness.post("/Users", managed_user("report", "boss"));
    let report = id_of(&report);
    let put = harness.put(
        &format!("/Users/{report}"),
        json!({"schemas": [urn::USER], "userName": "report", "title": "x"}),
    );
    assert_eq!(put.0, 200, "{}", put.2);
    harness.create_user("boss");
    assert!(report_has_no_manager(&harness, &report));
}

#[test]
fn deleting_a_manager_clears_it_on_their_reports() {
    let harness = Harness::new();
    let boss = harness.create_user("boss");
    let (_, _, report) = harness.post("/Users", managed_user("report", &boss));
    let report = id_of(&report);
    assert_eq!(manager_of(&harness, &report), Some(boss.clone()));
    assert_eq!(harness.delete(&format!("/Users/{boss}")).0, 204);
    assert!(report_has_no_manager(&harness, &report));
    let entry = harness.last_entry();
    assert_eq!(entry.resource_id.as_deref(), Some(report.as_str()));
    assert_eq!(entry.fields.get("manager"), Some(&None));
}

#[test]
fn arrival_order_does_not_change_the_outcome() {
    // The same three users, with managers, in every order of arrival.
    let users = [("ceo", None), ("vp", Some("ceo")), ("dev", Some("vp"))];
    let orders = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut outcomes = Vec::new();
    for order in orders {
        let harness = Harness::new();
        let mut ids = std::collections::BTreeMap::new();
        for index in order {
            let (name, manager) = users[index];
            let body = match manager {
                Some(manager) => managed_user(name, manager),
                None => crate::support::user(name),
            };
            let (status, _, created) = harness.post("/Users", body);
            assert_eq!(status, 201, "{created}");
            ids.insert(name, id_of(&created));
        }
        let name_of = |id: &str| ids.iter().find(|(_, v)| v.as_str() == id).map(|(k, _)| *k);
        let managers: Vec<(&str, Option<&str>)> = users
            .iter()
            .map(|(name, _)| {
                let manager = manager_of(&harness, &ids[name]);
                (*name, manager.as_deref().and_then(name_of))
            })
            .collect();
        outcomes.push(managers);
    }
    let expected = vec![("ceo", None), ("vp", Some("ceo")), ("dev", Some("vp"))];
    for outcome in outcomes {
        assert_eq!(outcome, expected);
    }
}
