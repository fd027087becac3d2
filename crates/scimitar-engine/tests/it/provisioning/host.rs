//! A host app's own accounts behind the [`Host`] trait: pick-up from the host, decided
//! changes applied, host errors answered, and changes reverted when the store refuses.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};

use http::StatusCode;
use serde_json::json;

use pollster::block_on;
use scimitar_engine::{
    Account, BoxFuture, Engine, Host, HostChange, HostError, MemoryStore, ResourceStore, Tenant,
};
use scimitar_patch::Compat;
use scimitar_policy::{Action, Lifecycle, Policy};
use scimitar_schema::Resource;

use crate::support::{Harness, SequentialIds, assert_error, id_of, patch_op, urn, user};

/// A host that keeps its accounts by folded user name, logs every call, and refuses
/// whatever `refuse` names.
#[derive(Default)]
struct TestHost {
    accounts: Mutex<HashMap<String, Account>>,
    applied: Mutex<Vec<HostChange>>,
    reverted: Mutex<Vec<HostChange>>,
    refuse: Mutex<Option<String>>,
}

impl Host for TestHost {
    fn find_unmanaged<'a>(
        &'a self,
        _tenant: &'a Tenant,
        _resource_type: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
        Box::pin(async move { Ok(self.accounts.lock().expect("lock").get(key).cloned()) })
    }

    fn apply<'a>(
        &'a self,
        _tenant: &'a Tenant,
        change: &'a HostChange,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move {
            let refused = self.refuse.lock().expect("lock").clone();
            let name = change
                .after
                .as_ref()
                .and_then(|after| after.get_str("userName"))
                .unwrap_or_default();
            if refused.as_deref() == Some(name) {
                return Err(HostError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "the seat limit is reached",
                ));
            }
            self.applied.lock().expect("lock").push(change.clone());
            Ok(())
        })
    }

    fn revert<'a>(&'a self, _tenant: &'a Tenant, change: &'a HostChange) -> BoxFuture<'a, ()> {
        Box::pin(async move { self.reverted.lock().expect("lock").push(change.clone()) })
    }
}

/// The harness, its engine keeping `host` in step.
fn harness_with(host: &Arc<TestHost>) -> Harness {
    let mut harness = Harness::new();
    let seconds = Arc::clone(&harness.seconds);
    let clock = move || {
        chrono::DateTime::from_timestamp(seconds.load(Ordering::SeqCst), 0).expect("a time")
    };
    let engine = Engine::new(MemoryStore::new(), clock, SequentialIds::default())
        .with_host(Arc::clone(host));
    harness.tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).expect("tenant");
    harness.key = block_on(engine.issue_key(&harness.tenant.id, None)).expect("key");
    harness.engine = Arc::new(engine);
    harness
}

#[test]
fn the_host_gets_each_decided_change_without_invitations() {
    let host = Arc::new(TestHost::default());
    let harness = harness_with(&host);
    let body = json!({"schemas": [urn::USER], "userName": "bjensen", "title": "Guide"});
    let (_, _, created) = harness.post("/Users", body);
    let id = id_of(&created);
    let off = patch_op(json!([{"op": "replace", "path": "active", "value": false}]));
    assert_eq!(harness.patch(&format!("/Users/{id}"), off).0, 200);
    assert_eq!(harness.delete(&format!("/Users/{id}")).0, 204);
    let applied = host.applied.lock().expect("lock");
    let steps: Vec<(Lifecycle, bool)> = applied.iter().map(|c| (c.lifecycle, c.invite)).collect();
    assert_eq!(
        steps,
        vec![
            (Lifecycle::Create, false),
            (Lifecycle::Suspend, false),
            (Lifecycle::Delete, false)
        ]
    );
    let fields: Vec<(&str, Option<&str>)> = applied[0]
        .fields
        .iter()
        .map(|field| (field.field.as_str(), field.value.as_deref()))
        .collect();
    assert!(
        fields.contains(&("user_name", Some("bjensen"))),
        "{fields:?}"
    );
    assert!(
        fields.contains(&("job_title_text", Some("Guide"))),
        "{fields:?}"
    );
    assert_eq!(applied[0].id, id);
}

#[test]
fn invitations_are_sent_to_users_only_when_the_policy_asks() {
    let host = Arc::new(TestHost::default());
    let mut harness = harness_with(&host);
    harness.set_policy(Policy::default().with_invitations(true));
    harness.create_user("bjensen");
    harness.create_group("Staff", &[]);
    let invites: Vec<bool> = host
        .applied
        .lock()
        .expect("lock")
        .iter()
        .map(|c| c.invite)
        .collect();
    assert_eq!(invites, vec![true, false]);
}

#[test]
fn the_hosts_accounts_are_picked_up() {
    let host = Arc::new(TestHost::default());
    let account = Resource::from_value(json!({"userName": "BJensen", "title": "Old"})).expect("r");
    host.accounts
        .lock()
        .expect("lock")
        .insert("bjensen".into(), Account::new("host-7", account));
    let harness = harness_with(&host);
    let (status, _, created) = harness.post("/Users", user("bjensen"));
    assert_eq!(status, 201, "{created}");
    assert_eq!(id_of(&created), "host-7");
    assert_eq!(created["title"], "Old");
    let applied = host.applied.lock().expect("lock");
    assert_eq!(applied[0].lifecycle, Lifecycle::PickUp);
    assert_eq!(harness.last_entry().action, Action::PickedUp);
}

#[test]
fn a_host_error_is_answered_recorded_and_nothing_is_stored() {
    let host = Arc::new(TestHost::default());
    let harness = harness_with(&host);
    *host.refuse.lock().expect("lock") = Some("over-limit".into());
    let reply = harness.post("/Users", user("over-limit"));
    assert_error(&reply, 422, None);
    assert_eq!(reply.2["detail"], "the seat limit is reached");
    assert_eq!(harness.get("/Users").2["totalResults"], 0);
    let entry = harness.last_entry();
    assert_eq!((entry.action, entry.status), (Action::Failed, 422));
}

#[test]
fn a_change_the_store_refuses_is_reverted_on_the_host() {
    let host = Arc::new(TestHost::default());
    let harness = harness_with(&host);
    harness.create_user("bjensen");
    assert_error(
        &harness.post("/Users", user("BJENSEN")),
        409,
        Some("uniqueness"),
    );
    let reverted = host.reverted.lock().expect("lock");
    assert_eq!(reverted.len(), 1);
    assert_eq!(reverted[0].lifecycle, Lifecycle::Create);
    assert_eq!(
        reverted[0]
            .after
            .as_ref()
            .and_then(|after| after.get_str("userName")),
        Some("BJENSEN")
    );
    assert_eq!(
        block_on(harness.engine.store().list(
            &harness.tenant.id,
            "User",
            scimitar_engine::ListQuery::new(None, None)
        ))
        .expect("list")
        .resources()
        .len(),
        1
    );
}

#[test]
fn the_host_gets_the_password_which_is_never_stored_or_printed() {
    let host = Arc::new(TestHost::default());
    let harness = harness_with(&host);
    let body = json!({"schemas": [urn::USER], "userName": "bjensen", "password": "s3cr3t!"});
    let (_, _, created) = harness.post("/Users", body);
    assert!(created.get("password").is_none());
    let applied = host.applied.lock().expect("lock");
    assert_eq!(applied[0].password.as_deref(), Some("s3cr3t!"));
    assert!(!format!("{:?}", applied[0]).contains("s3cr3t!"));
    let id = id_of(&created);
    let stored = block_on(harness.engine.store().get(&harness.tenant.id, "User", &id))
        .expect("read")
        .expect("stored");
    assert!(stored.resource.get_attr("password").is_none());
}

#[test]
fn with_a_host_an_unlinked_account_is_the_hosts_to_pick_up_again() {
    let host = Arc::new(TestHost::default());
    let account = Resource::from_value(json!({"userName": "ann"})).expect("a resource");
    host.accounts
        .lock()
        .expect("lock")
        .insert("ann".into(), Account::new("host-1", account));
    let mut harness = harness_with(&host);
    harness.set_policy(
        Policy::default().with_on_delete(scimitar_policy::DeleteRule::SuspendAndUnlink),
    );
    assert_eq!(id_of(&harness.post("/Users", user("ann")).2), "host-1");
    assert_eq!(harness.delete("/Users/host-1").0, 204);
    let kept = block_on(harness.engine.store().unmanaged(&harness.tenant.id)).expect("read");
    assert!(kept.is_empty(), "the store keeps no copy: {kept:?}");
    let (status, _, again) = harness.post("/Users", user("ann"));
    assert_eq!(
        (status, id_of(&again)),
        (201, "host-1".to_owned()),
        "{again}"
    );
    let applied = host.applied.lock().expect("lock");
    let steps: Vec<Lifecycle> = applied.iter().map(|change| change.lifecycle).collect();
    assert_eq!(
        steps,
        [
            Lifecycle::PickUp,
            Lifecycle::SuspendAndUnlink,
            Lifecycle::PickUp
        ]
    );
    // A pick-up shows the host the account as it was.
    let before = applied[0].before.as_ref().expect("the account");
    assert_eq!(before.get_str("userName"), Some("ann"));
}

#[test]
fn a_host_error_keeps_its_scim_type() {
    struct Taken;
    impl Host for Taken {
        fn find_unmanaged<'a>(
            &'a self,
            _: &'a Tenant,
            _: &'a str,
            _: &'a str,
        ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
            Box::pin(async { Ok(None) })
        }
        fn apply<'a>(
            &'a self,
            _: &'a Tenant,
            _: &'a HostChange,
        ) -> BoxFuture<'a, Result<(), HostError>> {
            Box::pin(async { Err(HostError::uniqueness("the app has a user called that")) })
        }
        fn revert<'a>(&'a self, _: &'a Tenant, _: &'a HostChange) -> BoxFuture<'a, ()> {
            Box::pin(async {})
        }
    }
    let engine = Engine::new(
        MemoryStore::new(),
        || chrono::DateTime::UNIX_EPOCH,
        SequentialIds::default(),
    )
    .with_host(Taken);
    let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).expect("tenant");
    let key = block_on(engine.issue_key(&tenant.id, None)).expect("key");
    let auth = format!("Bearer {}", key.secret);
    let request = crate::support::request(
        "POST",
        "/Users",
        bytes::Bytes::from(user("taken").to_string()),
        &[
            ("Authorization", &auth),
            ("Content-Type", "application/scim+json"),
        ],
    );
    let reply = crate::support::reply(block_on(engine.handle(request)));
    assert_error(&reply, 409, Some("uniqueness"));
}
