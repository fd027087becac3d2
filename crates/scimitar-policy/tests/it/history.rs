//! The change records of the history.

use chrono::{TimeZone, Utc};
use scimitar_policy::{Action, AttributeChange, HistoryEntry, REDACTED, changes};
use serde_json::{Value, json};

use crate::fixtures::{ENTERPRISE, entra_user, group, okta_user, with};

#[test]
fn an_okta_create_redacts_the_password() {
    let user = okta_user();
    let recorded = changes(None, Some(&user));
    let password = recorded
        .iter()
        .find(|change| change.path == "password")
        .expect("the password is recorded");
    assert_eq!(password.before, None);
    assert_eq!(password.after, Some(json!(REDACTED)));
    let text = serde_json::to_string(&recorded).expect("serializes");
    assert!(!text.contains("1mz050nq"), "{text}");
}

#[test]
fn a_password_reset_is_recorded_redacted() {
    let before = okta_user();
    let same = with(&before, json!({"password": "1mz050nq"}));
    assert!(changes(Some(&before), Some(&same)).is_empty());
    let after = with(&before, json!({"password": "c0rrect-h0rse"}));
    assert_eq!(
        changes(Some(&before), Some(&after)),
        [AttributeChange::new(
            "password",
            Some(json!(REDACTED)),
            Some(json!(REDACTED))
        )]
    );
}

#[test]
fn an_entra_update_path_by_path() {
    let before = entra_user();
    let mut after = with(
        &before,
        json!({
            "name": {"formatted": "Adele Vance", "familyName": "Vance-Smith", "givenName": "Adele"},
            "emails": [{"primary": true, "type": "work", "value": "AdeleV@contoso.com"}],
            "meta": {"version": "W/\"2\""},
        }),
    );
    let extension = after
        .as_map_mut()
        .get_mut(ENTERPRISE)
        .and_then(Value::as_object_mut)
        .expect("the extension");
    extension.insert("employeeNumber".into(), json!("701985"));
    extension.remove("department");
    assert_eq!(
        changes(Some(&before), Some(&after)),
        [
            AttributeChange::new(
                "emails",
                Some(json!([
                    {"type": "other", "value": "adele@example.org"},
                    {"primary": true, "type": "work", "value": "AdeleV@contoso.com"},
                ])),
                Some(json!([{"primary": true, "type": "work", "value": "AdeleV@contoso.com"}])),
            ),
            AttributeChange::new(
                "name.familyName",
                Some(json!("Vance")),
                Some(json!("Vance-Smith"))
            ),
            AttributeChange::new(
                format!("{ENTERPRISE}:employeeNumber"),
                Some(json!("701984")),
                Some(json!("701985")),
            ),
            AttributeChange::new(
                format!("{ENTERPRISE}:department"),
                Some(json!("Retail")),
                None
            ),
        ]
    );
}

#[test]
fn a_new_manager_is_its_value() {
    let before = okta_user();
    let mut after = before.clone();
    scimitar_policy::set_manager(&mut after, "00u9zz");
    assert_eq!(
        changes(Some(&before), Some(&after)),
        [
            AttributeChange::new(
                format!("{ENTERPRISE}:manager.value"),
                Some(json!("00u1ab2cd3EF4gh5ij6k")),
                Some(json!("00u9zz")),
            ),
            AttributeChange::new(
                format!("{ENTERPRISE}:manager.displayName"),
                Some(json!("Megan Bowen")),
                None,
            ),
        ]
    );
}

#[test]
fn group_members_are_a_delta() {
    let before = group(10_000);
    let mut members: Vec<Value> = before
        .get_attr("members")
        .and_then(Value::as_array)
        .cloned()
        .expect("members");
    members.retain(|member| member["value"] != "user-17" && member["value"] != "user-9999");
    members.push(json!({"value": "user-new", "display": "New"}));
    let after = with(&before, json!({"members": members}));
    assert_eq!(
        changes(Some(&before), Some(&after)),
        [AttributeChange::new(
            "members",
            Some(json!(["user-17", "user-9999"])),
            Some(json!(["user-new"])),
        )]
    );
}

#[test]
fn entries_round_trip() {
    let time = Utc
        .with_ymd_and_hms(2024, 5, 1, 8, 0, 0)
        .single()
        .expect("a time");
    let mut entry = HistoryEntry::new(time, Action::Updated, "User", Some("u-1".into()), 200);
    entry.changes = changes(
        Some(&entra_user()),
        Some(&with(&entra_user(), json!({"title": null}))),
    );
    entry.fields.insert("job_title_text".into(), None);
    entry.warnings.push("a warning".into());
    let json = serde_json::to_value(&entry).expect("serializes");
    assert_eq!(
        json.get("changes"),
        Some(&json!([{"path": "title", "before": "Retail Manager", "after": null}]))
    );
    assert_eq!(json.get("action"), Some(&json!("updated")));
    let back: HistoryEntry = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, entry);
}
