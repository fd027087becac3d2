//! Tenants as the walls between resources.

use scimitar_engine::{
    Disposal, ListQuery, Origin, ResourceStore, StoreError, StoredResource, TenantId,
};

use crate::fixtures::{at, entry, filter, get, group, ids, list_all, next, ok, user};

/// Nothing crosses tenants: the same ids and unique keys in two tenants are independent
/// resources, and lists, lookups, writes and cascades stay in their tenant.
///
/// Writes in `one` and `two`, two tenants that hold no resources yet.
pub async fn tenant_isolation<S: ResourceStore>(store: &S, one: &TenantId, two: &TenantId) {
    ok(
        store
            .create(one, user("u1", "alice"), Origin::New, &entry())
            .await,
        "create a user",
    );
    ok(
        store
            .create(two, user("u1", "bob"), Origin::New, &entry())
            .await,
        "create a user with the same id elsewhere",
    );
    ok(
        store
            .create(two, user("u2", "alice"), Origin::New, &entry())
            .await,
        "create a user with the same key elsewhere",
    );
    ok(
        store
            .create(one, group("g1", "Staff", &["u1"]), Origin::New, &entry())
            .await,
        "create a group",
    );
    ok(
        store
            .create(
                two,
                group("g1", "Staff", &["u1", "u2"]),
                Origin::New,
                &entry(),
            )
            .await,
        "create a group elsewhere",
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

    ok(
        store
            .replace(two, next(user("u1", "robert"), 1), 1, &entry())
            .await,
        "replace in one tenant",
    );
    assert_eq!(
        get(store, one, "User", "u1").await.map(|user| user.version),
        Some(1),
        "untouched elsewhere"
    );
    assert_eq!(
        store
            .replace(one, next(user("u1", "alice"), 2), 2, &entry())
            .await,
        Err(StoreError::VersionMismatch { current: 1 }),
        "versions are per tenant"
    );

    let changed = ok(
        store
            .delete(one, "User", "u1", None, at(0), Disposal::Delete, &entry())
            .await,
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
    ok(
        store
            .create(one, user("u3", "bob"), Origin::New, &entry())
            .await,
        "a key taken elsewhere is free here",
    );
}
