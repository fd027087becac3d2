//! Tenants as the walls between resources.

use scimitar_engine::{ListQuery, ResourceStore, StoreError, StoredResource, TenantId};
use scimitar_policy::Action;

use crate::fixtures::{
    at, awaiting, create, delete, entry, filter, find_unmanaged, get, group, ids, list_all, next,
    ok, pick_up, replace, unique, unmanaged, user,
};

/// Nothing crosses tenants: the same ids and unique keys in two tenants are independent
/// resources, and lists, lookups, writes and cascades stay in their tenant, as do
/// unmanaged accounts, users awaiting a manager and the numbers of history entries.
///
/// Writes in `one` and `two`, two tenants that hold no resources or history entries yet.
pub async fn tenant_isolation<S: ResourceStore>(store: &S, one: &TenantId, two: &TenantId) {
    assert_eq!(
        ok(
            create(store, one, user("u1", "alice")).await,
            "create a user",
        ),
        1,
        "the sequence number of its history entry"
    );
    assert_eq!(
        ok(
            create(store, two, user("u1", "bob")).await,
            "create a user with the same id elsewhere",
        ),
        1,
        "the sequence number of its history entry"
    );
    assert_eq!(
        ok(
            create(store, two, user("u2", "alice")).await,
            "create a user with the same key elsewhere",
        ),
        2,
        "the sequence number of its history entry"
    );
    assert_eq!(
        ok(
            create(store, one, group("g1", "Staff", &["u1"])).await,
            "create a group",
        ),
        2,
        "the sequence number of its history entry"
    );
    assert_eq!(
        ok(
            create(store, two, group("g1", "Staff", &["u1", "u2"])).await,
            "create a group elsewhere",
        ),
        3,
        "the sequence number of its history entry"
    );

    let user_name = |resource: Option<StoredResource>| {
        resource.and_then(|resource| resource.resource.get_str("userName").map(str::to_owned))
    };
    assert_eq!(
        user_name(get(store, one, "User", "u1").await).as_deref(),
        Some("alice")
    );
    assert_eq!(
        user_name(get(store, two, "User", "u1").await).as_deref(),
        Some("bob")
    );
    assert_eq!(
        get(store, one, "User", "u2").await,
        None,
        "another tenant's resource"
    );
    assert_eq!(ids(&list_all(store, one, "User").await), ["u1"]);
    assert_eq!(ids(&list_all(store, two, "User").await), ["u1", "u2"]);
    let alice = filter(r#"userName eq "alice""#);
    let found = ok(
        store
            .list(one, "User", ListQuery::new(Some(&alice), None))
            .await,
        "list",
    );
    assert!(
        found
            .resources()
            .iter()
            .all(|resource| resource.resource.get_str("userName") != Some("bob"))
    );
    assert_eq!(ids(&found), ["u1"], "an index lookup stays in its tenant");
    let found = ok(
        store
            .list(two, "User", ListQuery::new(Some(&alice), None))
            .await,
        "list",
    );
    assert_eq!(ids(&found), ["u2"]);

    assert_eq!(
        ok(
            replace(store, two, next(user("u1", "robert"), 1), 1).await,
            "replace in one tenant",
        ),
        4,
        "the sequence number of its history entry"
    );
    assert_eq!(
        get(store, one, "User", "u1").await.map(|user| user.version),
        Some(1),
        "untouched elsewhere"
    );
    assert_eq!(
        replace(store, one, next(user("u1", "alice"), 2), 2).await,
        Err(StoreError::VersionMismatch { current: 1 }),
        "versions are per tenant"
    );

    let changed = ok(
        delete(store, one, "User", "u1", None, at(0)).await,
        "delete in one tenant",
    );
    assert_eq!(changed, ["g1"]);
    assert!(
        get(store, two, "User", "u1").await.is_some(),
        "the same id elsewhere survives"
    );
    let other_group = get(store, two, "Group", "g1")
        .await
        .expect("the other tenant's group");
    assert_eq!(
        (other_group.version, other_group.members.len()),
        (1, 2),
        "no cascade elsewhere"
    );
    assert_eq!(
        ok(
            store.groups_with_member(two, "u1").await,
            "groups of a member"
        ),
        [("g1".to_owned(), "Staff".to_owned())]
    );
    assert!(
        ok(
            store.groups_with_member(one, "u1").await,
            "groups of a member"
        )
        .is_empty()
    );
    assert_eq!(
        ok(
            create(store, one, user("u3", "bob")).await,
            "a key taken elsewhere is free here",
        ),
        4,
        "the sequence number of its history entry"
    );

    // Unmanaged accounts, pending managers and the history's numbers are per tenant too.
    ok(
        store.add_unmanaged(one, user("a1", "carol")).await,
        "add an unmanaged account",
    );
    ok(
        store.add_unmanaged(one, user("a2", "dave")).await,
        "add an unmanaged account",
    );
    assert!(
        unmanaged(store, two).await.is_empty(),
        "another tenant's unmanaged accounts"
    );
    assert_eq!(
        find_unmanaged(store, two, "User", &unique("userName", "carol")).await,
        None,
        "another tenant's unmanaged account"
    );
    assert_eq!(
        ok(
            create(store, two, user("a1", "carol")).await,
            "create with the id and key of another tenant's unmanaged account",
        ),
        5,
        "the sequence number of its history entry"
    );
    assert_eq!(
        pick_up(store, two, user("a2", "dave")).await,
        Err(StoreError::NotFound),
        "picking up another tenant's unmanaged account"
    );
    assert_eq!(
        unmanaged(store, one).await.len(),
        2,
        "the accounts stay where they are"
    );

    let mut waiting = user("u4", "erin");
    waiting.pending_manager = Some("boss".to_owned());
    assert_eq!(
        ok(
            create(store, one, waiting).await,
            "create a user awaiting a manager"
        ),
        5,
        "the sequence number of its history entry"
    );
    assert!(
        awaiting(store, two, &["boss"]).await.is_empty(),
        "another tenant's users awaiting a manager"
    );
    assert_eq!(awaiting(store, one, &["boss"]).await, ["u4"]);

    let refused = entry(Action::Failed, "User", None, 0);
    assert_eq!(
        ok(
            store.record(two, refused.clone()).await,
            "record a refused write"
        ),
        6,
        "recorded entries are numbered in their tenant"
    );
    assert_eq!(
        ok(store.record(one, refused).await, "record a refused write"),
        6,
        "recorded entries are numbered in their tenant"
    );
}
