//! What creates, updates and deletes mean under a tenant's policy.

use std::str::FromStr;

use scimitar_policy::{
    Action, DeleteRule, FieldChange, Lifecycle, ParseActionError, Policy, decide_create,
    decide_delete, decide_update, match_key, pick_up,
};
use serde_json::json;

use crate::fixtures::{entra_user, group, okta_user, resource, with};

#[test]
fn a_create_without_an_account() {
    let user = okta_user();
    let decision = decide_create(&Policy::default(), "User", None, &user);
    assert_eq!(decision.lifecycle, Lifecycle::Create);
    assert_eq!(decision.action(), Action::Created);
    assert!(!decision.invite, "no invitation unless the tenant asks");
    assert!(
        decision
            .changes
            .iter()
            .all(|change| change.before.is_none())
    );
    assert!(
        decision
            .changes
            .iter()
            .any(|change| change.path == "userName")
    );
    assert_eq!(decision.fields.len(), 8);
}

#[test]
fn invitations_are_for_users_only() {
    let inviting = Policy::default().with_invitations(true);
    assert!(decide_create(&inviting, "User", None, &okta_user()).invite);
    let account = resource(json!({"userName": "isaiah.langer@example.com"}));
    assert!(decide_create(&inviting, "User", Some(&account), &okta_user()).invite);
    let group = group(2);
    let for_group = decide_create(&inviting, "Group", None, &group);
    assert!(!for_group.invite);
    assert!(for_group.fields.is_empty(), "mappings are of users");
    assert!(!decide_create(&Policy::default(), "Group", None, &group).invite);
    assert!(
        !decide_create(
            &Policy::default().with_invitations(false),
            "User",
            None,
            &okta_user()
        )
        .invite
    );
}

#[test]
fn a_create_that_picks_up_an_account() {
    let policy = Policy::default();
    assert!(policy.pick_up);
    let account = resource(json!({
        "id": "local-42",
        "userName": "ISAIAH.LANGER@example.com",
        "displayName": "Isaiah Langer",
        "title": "Sales Representative",
        "nickName": "Zay",
    }));
    let request = okta_user();
    assert_eq!(match_key("User", &account), match_key("User", &request));
    // The engine looks the account up only when the tenant picks accounts up.
    let found = policy.pick_up.then_some(&account);
    let managed = pick_up(&account, &request);
    let decision = decide_create(&policy, "User", found, &managed);
    assert_eq!(decision.lifecycle, Lifecycle::PickUp);
    assert_eq!(decision.action(), Action::PickedUp);
    assert!(!decision.invite);
    // Changes and fields are relative to the account.
    assert!(
        !decision
            .changes
            .iter()
            .any(|change| change.path == "displayName")
    );
    assert!(
        !decision
            .changes
            .iter()
            .any(|change| change.path == "nickName")
    );
    assert!(decision.changes.iter().any(|change| change.path == "title"
        && change.before == Some(json!("Sales Representative"))
        && change.after == Some(json!("Sales Rep"))));
    assert!(
        !decision
            .fields
            .iter()
            .any(|field| field.field == "display_name")
    );
    assert!(decision.fields.contains(&FieldChange::new(
        "job_title_text",
        Some("Sales Rep".into())
    )));
    assert!(decision.fields.contains(&FieldChange::new(
        "user_name",
        Some("isaiah.langer@example.com".into())
    )));

    let declining = Policy::default().with_pick_up(false);
    let found = declining.pick_up.then_some(&account);
    assert_eq!(
        decide_create(&declining, "User", found, &request).lifecycle,
        Lifecycle::Create
    );
}

#[test]
fn active_false_suspends_and_true_reactivates() {
    let policy = Policy::default();
    let active = entra_user();
    let inactive = with(&active, json!({"active": false}));
    let suspend = decide_update(&policy, "User", &active, &inactive);
    assert_eq!(suspend.lifecycle, Lifecycle::Suspend);
    assert_eq!(suspend.action(), Action::Suspended);
    assert_eq!(suspend.changes.len(), 1);
    assert_eq!(suspend.changes[0].path, "active");
    assert!(suspend.fields.is_empty());
    assert!(!suspend.invite);

    let reactivate = decide_update(&policy, "User", &inactive, &active);
    assert_eq!(reactivate.lifecycle, Lifecycle::Reactivate);
    assert_eq!(reactivate.action(), Action::Reactivated);

    // Absent counts as active.
    let unset = with(&active, json!({"active": null}));
    assert_eq!(
        decide_update(&policy, "User", &unset, &inactive).lifecycle,
        Lifecycle::Suspend
    );
    assert_eq!(
        decide_update(&policy, "User", &inactive, &unset).lifecycle,
        Lifecycle::Reactivate
    );
    assert_eq!(
        decide_update(&policy, "User", &unset, &active).lifecycle,
        Lifecycle::Update
    );
}

#[test]
fn a_suspension_with_other_changes() {
    let before = entra_user();
    let after = with(
        &before,
        json!({"active": false, "title": "Former Retail Manager"}),
    );
    let decision = decide_update(&Policy::default(), "User", &before, &after);
    assert_eq!(decision.lifecycle, Lifecycle::Suspend);
    assert_eq!(
        decision.fields,
        [FieldChange::new(
            "job_title_text",
            Some("Former Retail Manager".into())
        )]
    );
}

#[test]
fn an_update() {
    let before = entra_user();
    let after = with(&before, json!({"displayName": "Adele V."}));
    let decision = decide_update(&Policy::default(), "User", &before, &after);
    assert_eq!(decision.lifecycle, Lifecycle::Update);
    assert_eq!(decision.action(), Action::Updated);
    assert_eq!(
        decision.fields,
        [FieldChange::new("display_name", Some("Adele V.".into()))]
    );
    let unchanged = decide_update(&Policy::default(), "User", &before, &before);
    assert_eq!(unchanged.lifecycle, Lifecycle::Update);
    assert!(unchanged.changes.is_empty());
    assert!(unchanged.fields.is_empty());

    let group_before = group(3);
    let group_after = with(&group_before, json!({"displayName": "Sales"}));
    let for_group = decide_update(&Policy::default(), "Group", &group_before, &group_after);
    assert_eq!(for_group.lifecycle, Lifecycle::Update);
    assert_eq!(for_group.changes.len(), 1);
    assert!(for_group.fields.is_empty());
}

#[test]
fn deletes_follow_the_delete_rule() {
    let user = entra_user();
    let delete = decide_delete(&Policy::default(), &user);
    assert_eq!(delete.lifecycle, Lifecycle::Delete);
    assert_eq!(delete.action(), Action::Deleted);
    assert!(!delete.invite);
    assert!(delete.fields.is_empty());
    assert!(!delete.changes.is_empty());
    assert!(delete.changes.iter().all(|change| change.after.is_none()));

    let unlinking = Policy::default().with_on_delete(DeleteRule::SuspendAndUnlink);
    let unlink = decide_delete(&unlinking, &user);
    assert_eq!(unlink.lifecycle, Lifecycle::SuspendAndUnlink);
    assert_eq!(unlink.action(), Action::Deleted);
    assert_eq!(unlink.changes, delete.changes);
}

#[test]
fn lifecycle_actions() {
    let expected = [
        (Lifecycle::Create, Action::Created),
        (Lifecycle::PickUp, Action::PickedUp),
        (Lifecycle::Update, Action::Updated),
        (Lifecycle::Suspend, Action::Suspended),
        (Lifecycle::Reactivate, Action::Reactivated),
        (Lifecycle::Delete, Action::Deleted),
        (Lifecycle::SuspendAndUnlink, Action::Deleted),
    ];
    for (lifecycle, action) in expected {
        assert_eq!(lifecycle.action(), action, "{lifecycle:?}");
    }
}

#[test]
fn actions_round_trip_through_text_and_json() {
    let names: Vec<String> = Action::ALL.iter().map(ToString::to_string).collect();
    assert_eq!(
        names,
        [
            "created",
            "picked_up",
            "updated",
            "suspended",
            "reactivated",
            "deleted",
            "failed"
        ]
    );
    for action in Action::ALL {
        assert_eq!(Action::from_str(&action.to_string()), Ok(action));
        assert_eq!(action.as_str().parse::<Action>(), Ok(action));
        let json = serde_json::to_value(action).expect("serializes");
        assert_eq!(json, json!(action.as_str()));
        assert_eq!(
            serde_json::from_value::<Action>(json).expect("deserializes"),
            action
        );
    }
    for unknown in ["", "Created", "picked-up", "deleted "] {
        assert_eq!(
            unknown.parse::<Action>(),
            Err(ParseActionError(unknown.to_owned()))
        );
    }
    assert_eq!(
        ParseActionError("x".into()).to_string(),
        "unknown action \"x\""
    );
}

#[test]
fn policy_switches() {
    let policy = Policy::default()
        .with_pick_up(false)
        .with_invitations(true)
        .with_on_delete(DeleteRule::SuspendAndUnlink);
    let json = serde_json::to_value(&policy).expect("serializes");
    assert_eq!(json.get("pick_up"), Some(&json!(false)));
    assert_eq!(json.get("invitations"), Some(&json!(true)));
    assert_eq!(json.get("on_delete"), Some(&json!("suspend_and_unlink")));
    let back: Policy = serde_json::from_value(json).expect("deserializes");
    assert_eq!(back, policy);
    let partial: Policy =
        serde_json::from_value(json!({"invitations": true})).expect("defaults fill in");
    assert!(partial.pick_up && partial.invitations);
    assert_eq!(partial.on_delete, DeleteRule::Delete);
    assert!(Policy::default().is_default());
}
