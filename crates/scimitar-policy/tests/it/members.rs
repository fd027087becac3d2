//! Group members outside the sync scope.

use scimitar_policy::{AttributeChange, changes, skip_unknown_members};
use serde_json::json;

use crate::fixtures::group;

#[test]
fn unknown_members_are_skipped_with_a_warning_each() {
    let before = group(3);
    let mut after = group(5);
    let warnings = skip_unknown_members(&mut after, &["user-4", "user-3", "user-0"]);
    assert_eq!(
        warnings,
        [
            "member \"user-0\" is not a provisioned user or group of this tenant; skipped",
            "member \"user-3\" is not a provisioned user or group of this tenant; skipped",
            "member \"user-4\" is not a provisioned user or group of this tenant; skipped",
        ]
    );
    assert_eq!(
        after.get_attr("members"),
        Some(&json!([
            {"value": "user-1", "display": "User 1"},
            {"value": "user-2", "display": "User 2"},
        ]))
    );
    assert_eq!(
        changes(Some(&before), Some(&after)),
        [AttributeChange::new(
            "members",
            Some(json!(["user-0"])),
            Some(json!([]))
        )]
    );
}

#[test]
fn nothing_unknown_nothing_skipped() {
    let mut members = group(100);
    assert!(skip_unknown_members(&mut members, &["user-100", "nobody"]).is_empty());
    assert_eq!(members, group(100));
}
