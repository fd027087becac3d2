//! Unmanaged accounts: added, found by key, picked up by a create, left by a delete.

use scimitar_engine::{ListQuery, ResourceStore, StoreError, TenantId};

use crate::fixtures::{
    at, conflict, create, filter, find_unmanaged, get, group, ids, list_all, member_values, next,
    ok, pick_up, replace, suspended, unique, unlink, unmanaged, user,
};

/// Unmanaged accounts: listed in the order they were added and found by a unique key of
/// their type, but invisible to `get`, `list`, `resource_types` and
/// `groups_with_member`, and no member a group may list. They share ids and unique keys
/// with the tenant's resources, both ways: a taken id is `AlreadyExists`, a taken key
/// `Conflict`, for an account added or a resource created (or replaced) alike.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn unmanaged_accounts<S: ResourceStore>(store: &S, tenant: &TenantId) {
    assert!(unmanaged(store, tenant).await.is_empty(), "no accounts yet");
    ok(
        create(store, tenant, user("u1", "alice")).await,
        "create a user",
    );
    let carol = user("a1", "Carol");
    let ops = group("a2", "Ops", &["u1"]);
    let dave = user("a3", "dave");
    for account in [&carol, &ops, &dave] {
        ok(
            store.add_unmanaged(tenant, account.clone()).await,
            "add an unmanaged account",
        );
    }
    assert_eq!(
        unmanaged(store, tenant).await,
        [carol.clone(), ops.clone(), dave.clone()],
        "the accounts as added, in the order they were added"
    );
    assert_eq!(
        find_unmanaged(store, tenant, "User", &unique("userName", "carol")).await,
        Some(carol.clone()),
        "an account found by its key"
    );
    assert_eq!(
        find_unmanaged(store, tenant, "Group", &unique("displayName", "ops")).await,
        Some(ops.clone()),
        "a group's account found by its key"
    );
    for (resource_type, attribute, value, what) in [
        ("Group", "userName", "carol", "a key of another type"),
        ("User", "displayName", "ops", "a key of another type"),
        ("User", "userName", "nobody", "a key nothing holds"),
        ("User", "userName", "alice", "a resource's key"),
        ("User", "title", "carol", "another attribute"),
    ] {
        assert_eq!(
            find_unmanaged(store, tenant, resource_type, &unique(attribute, value)).await,
            None,
            "{what}"
        );
    }

    assert_eq!(get(store, tenant, "User", "a1").await, None, "get");
    assert_eq!(get(store, tenant, "Group", "a2").await, None, "get");
    assert_eq!(ids(&list_all(store, tenant, "User").await), ["u1"], "list");
    assert!(
        list_all(store, tenant, "Group")
            .await
            .resources()
            .is_empty(),
        "list"
    );
    let by_name = filter(r#"userName eq "carol""#);
    let found = ok(
        store
            .list(
                tenant,
                "User",
                ListQuery::new(Some(&by_name), Some((0, 10))),
            )
            .await,
        "list",
    );
    assert!(found.resources().is_empty(), "an index lookup");
    assert_eq!(
        ok(
            store.resource_types(tenant, &["a1", "a2", "u1"]).await,
            "resource_types"
        ),
        [None, None, Some("User".to_owned())],
        "resource_types"
    );
    assert!(
        ok(
            store.groups_with_member(tenant, "u1").await,
            "groups of a member"
        )
        .is_empty(),
        "an account's members are no memberships"
    );

    let failures = [
        (
            "an account with an account's id",
            store.add_unmanaged(tenant, user("a1", "zed")).await,
            Err(StoreError::AlreadyExists),
        ),
        (
            "an account with a resource's id",
            store.add_unmanaged(tenant, user("u1", "zed")).await,
            Err(StoreError::AlreadyExists),
        ),
        (
            "an account with an account's key",
            store.add_unmanaged(tenant, user("a9", "CAROL")).await,
            conflict("userName", "carol"),
        ),
        (
            "an account with a resource's key",
            store.add_unmanaged(tenant, user("a9", "Alice")).await,
            conflict("userName", "alice"),
        ),
    ];
    for (what, result, expected) in failures {
        assert_eq!(result, expected, "{what}");
    }
    let failures = [
        (
            "a resource with an account's id",
            create(store, tenant, user("a1", "zed")).await,
            Err(StoreError::AlreadyExists),
        ),
        (
            "a resource of another type with an account's id",
            create(store, tenant, group("a3", "Zed", &[])).await,
            Err(StoreError::AlreadyExists),
        ),
        (
            "a resource with an account's key",
            create(store, tenant, user("u2", "carol")).await,
            conflict("userName", "carol"),
        ),
        (
            "a group with an account's key",
            create(store, tenant, group("g1", "OPS", &[])).await,
            conflict("displayName", "ops"),
        ),
        (
            "a group listing an account",
            create(store, tenant, group("g1", "Staff", &["a1"])).await,
            Err(StoreError::UnknownMember {
                id: "a1".to_owned(),
            }),
        ),
        (
            "a replace taking an account's key",
            replace(store, tenant, next(user("u1", "Dave"), 1), 1).await,
            conflict("userName", "dave"),
        ),
    ];
    for (what, result, expected) in failures {
        assert_eq!(result, expected, "{what}");
    }
    assert_eq!(
        unmanaged(store, tenant).await,
        [carol, ops, dave],
        "failed writes leave the accounts as they were"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(user("u1", "alice"))
    );

    ok(
        store.add_unmanaged(tenant, group("a4", "carol", &[])).await,
        "an account of another type with the same key",
    );
    ok(
        create(store, tenant, group("g1", "Dave", &[])).await,
        "a resource of another type with an account's key",
    );
}

/// A create of [`Origin::PickedUp`](scimitar_engine::Origin::PickedUp) replaces the
/// unmanaged account with its id and type in the same write: the resource is stored, the
/// account gone, the account's keys free (but those the resource holds). When there is
/// no such account (none, or one of another type) it is `NotFound`, and a pick-up of an
/// account picked up already fails too; a conflict keeps the account; no failure writes
/// anything.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn pick_up_removes_the_account<S: ResourceStore>(store: &S, tenant: &TenantId) {
    let mut account = user("a1", "bjensen");
    account
        .resource
        .as_map_mut()
        .insert("title".to_owned(), "Tour Guide".into());
    ok(
        store.add_unmanaged(tenant, account.clone()).await,
        "add an unmanaged account",
    );
    assert_eq!(
        create(store, tenant, user("u1", "BJensen")).await,
        conflict("userName", "bjensen"),
        "a new resource cannot take an account's key"
    );

    let picked = user("a1", "BJensen");
    assert_eq!(
        ok(
            pick_up(store, tenant, picked.clone()).await,
            "pick up an account"
        ),
        1,
        "the sequence number of its history entry"
    );
    assert_eq!(
        get(store, tenant, "User", "a1").await,
        Some(picked),
        "the resource as created"
    );
    assert!(
        unmanaged(store, tenant).await.is_empty(),
        "the account is gone"
    );
    assert_eq!(
        find_unmanaged(store, tenant, "User", &unique("userName", "bjensen")).await,
        None,
        "its key now names the resource only"
    );
    assert_eq!(
        pick_up(store, tenant, user("a9", "nobody")).await,
        Err(StoreError::NotFound),
        "picking up an account that is not there"
    );
    assert_eq!(get(store, tenant, "User", "a9").await, None);

    ok(
        store.add_unmanaged(tenant, group("a2", "Ops", &[])).await,
        "add an unmanaged account",
    );
    assert_eq!(
        pick_up(store, tenant, user("a2", "ops")).await,
        Err(StoreError::NotFound),
        "picking up an account of another type"
    );
    assert_eq!(get(store, tenant, "User", "a2").await, None);

    ok(
        store.add_unmanaged(tenant, user("a3", "carl")).await,
        "add an unmanaged account",
    );
    ok(
        store.add_unmanaged(tenant, user("a4", "dora")).await,
        "add an unmanaged account",
    );
    assert_eq!(
        pick_up(store, tenant, user("a4", "bjensen")).await,
        conflict("userName", "bjensen"),
        "a pick-up with a taken key"
    );
    assert_eq!(
        find_unmanaged(store, tenant, "User", &unique("userName", "dora")).await,
        Some(user("a4", "dora")),
        "a failed pick-up keeps the account"
    );
    assert_eq!(
        ok(
            pick_up(store, tenant, user("a3", "carlos")).await,
            "pick up an account, changing its key",
        ),
        2,
        "failed writes append nothing"
    );
    assert_eq!(
        ok(
            create(store, tenant, user("u3", "carl")).await,
            "create with the key the picked-up account held",
        ),
        3
    );
    let again = pick_up(store, tenant, user("a3", "carlos")).await;
    assert!(
        matches!(again, Err(StoreError::AlreadyExists | StoreError::NotFound)),
        "picking up an account already picked up: {again:?}"
    );

    let ops = group("a2", "Ops", &["a1", "a3"]);
    assert_eq!(
        ok(
            pick_up(store, tenant, ops.clone()).await,
            "pick up a group's account"
        ),
        4
    );
    assert_eq!(
        ok(
            store.groups_with_member(tenant, "a3").await,
            "groups of a member"
        ),
        [("a2".to_owned(), "Ops".to_owned())],
        "a picked-up group's memberships"
    );
    assert_eq!(
        unmanaged(store, tenant).await,
        [user("a4", "dora")],
        "the accounts left"
    );
}

/// A delete of [`Disposal::Unlink`](scimitar_engine::Disposal::Unlink) deletes the
/// resource, with its memberships, and adds the record given as an unmanaged account,
/// in the same write: `get` no longer finds it, `find_unmanaged` does, and a pick-up
/// brings it back. An account whose key is taken fails the delete whole.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn unlink_keeps_an_account<S: ResourceStore>(store: &S, tenant: &TenantId) {
    for (id, name) in [("u1", "bjensen"), ("u2", "alice")] {
        ok(create(store, tenant, user(id, name)).await, "create a user");
    }
    for group in [
        group("g1", "Staff", &["u1", "u2"]),
        group("g2", "Guides", &["u1"]),
    ] {
        ok(create(store, tenant, group).await, "create a group");
    }

    let account = suspended(user("u1", "bjensen"));
    let changed = ok(
        unlink(store, tenant, "User", "u1", at(1_000), account.clone()).await,
        "delete a user, unlinking it",
    );
    assert_eq!(changed, ["g1", "g2"], "the groups that listed it");
    assert_eq!(get(store, tenant, "User", "u1").await, None, "get");
    assert_eq!(ids(&list_all(store, tenant, "User").await), ["u2"], "list");
    assert_eq!(
        find_unmanaged(store, tenant, "User", &unique("userName", "bjensen")).await,
        Some(account.clone()),
        "the account as given"
    );
    assert_eq!(
        unmanaged(store, tenant).await,
        std::slice::from_ref(&account)
    );
    assert!(
        ok(
            store.groups_with_member(tenant, "u1").await,
            "groups of a member"
        )
        .is_empty(),
        "its memberships are gone"
    );
    let staff = get(store, tenant, "Group", "g1").await.expect("group g1");
    assert_eq!(
        (
            staff.members.as_slice(),
            member_values(&staff),
            staff.version
        ),
        (&["u2".to_owned()][..], vec!["u2"], 2),
        "a group that listed it loses it"
    );
    assert_eq!(
        create(store, tenant, user("u3", "bjensen")).await,
        conflict("userName", "bjensen"),
        "the account keeps its key"
    );
    assert_eq!(
        create(store, tenant, user("u1", "other")).await,
        Err(StoreError::AlreadyExists),
        "the account keeps its id"
    );

    assert_eq!(
        unlink(
            store,
            tenant,
            "User",
            "u2",
            at(2_000),
            user("u2", "bjensen")
        )
        .await,
        conflict("userName", "bjensen"),
        "an account with a taken key"
    );
    assert!(
        get(store, tenant, "User", "u2").await.is_some(),
        "a failed unlink deletes nothing"
    );
    assert_eq!(
        get(store, tenant, "Group", "g1").await,
        Some(staff),
        "and changes no group"
    );
    assert_eq!(unmanaged(store, tenant).await, [account]);

    ok(
        pick_up(store, tenant, user("u1", "bjensen")).await,
        "pick the account up again",
    );
    assert!(unmanaged(store, tenant).await.is_empty());
    assert!(get(store, tenant, "User", "u1").await.is_some());

    let guides = group("g2", "Guides", &[]);
    ok(
        unlink(store, tenant, "Group", "g2", at(3_000), guides.clone()).await,
        "delete a group, unlinking it",
    );
    assert_eq!(
        find_unmanaged(store, tenant, "Group", &unique("displayName", "guides")).await,
        Some(guides)
    );
    assert_eq!(get(store, tenant, "Group", "g2").await, None);
}
