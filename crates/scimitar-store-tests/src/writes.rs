//! One resource at a time: create, get, compare-and-swap replace, unique keys.

use serde_json::json;

use scimitar_engine::{ResourceStore, StoreError, TenantId};

use crate::fixtures::{
    at, create, delete, get, group, ids, list_all, next, ok, replace, unique, user,
};

/// Resources: create and get back unchanged, each create returning its history entry's
/// number (1, 2, … in the tenant); `None` for an unknown id or another type;
/// `AlreadyExists` for a taken id of any type; `resource_types` for many ids at once, in
/// order.
///
/// Writes in `tenant`, which holds no resources or history entries yet, and reads in
/// `<tenant>-nobody`, which must hold none.
pub async fn create_and_get<S: ResourceStore>(store: &S, tenant: &TenantId) {
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        None,
        "an unknown id"
    );

    let mut alice = user("u1", "Alice");
    alice.version = 3;
    assert_eq!(
        ok(create(store, tenant, alice.clone()).await, "create a user"),
        1,
        "the sequence number of its history entry"
    );
    let group = group("g1", "Staff", &["u1"]);
    assert_eq!(
        ok(create(store, tenant, group.clone()).await, "create a group"),
        2,
        "the sequence number of its history entry"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(alice.clone()),
        "get returns what was created"
    );
    assert_eq!(
        get(store, tenant, "Group", "g1").await,
        Some(group.clone()),
        "get returns what was created"
    );
    assert_eq!(
        get(store, tenant, "Group", "u1").await,
        None,
        "get with another resource type"
    );
    assert_eq!(
        ok(
            store
                .resource_types(tenant, &["u9", "g1", "u1", "g1", "u1"])
                .await,
            "resource_types"
        ),
        [
            None,
            Some("Group".to_owned()),
            Some("User".to_owned()),
            Some("Group".to_owned()),
            Some("User".to_owned()),
        ],
        "the resource type of each id, in order"
    );
    assert_eq!(
        ok(store.resource_types(tenant, &[]).await, "resource_types"),
        Vec::<Option<String>>::new(),
        "no ids"
    );
    assert_eq!(
        ok(
            store
                .resource_types(&TenantId(format!("{tenant}-nobody")), &["u1"])
                .await,
            "resource_types"
        ),
        [None],
        "another tenant's resource"
    );

    let mut again = user("u1", "Other");
    again.version = 1;
    assert_eq!(
        create(store, tenant, again).await,
        Err(StoreError::AlreadyExists),
        "a user with a taken id"
    );
    assert_eq!(
        create(store, tenant, self::group("u1", "Other", &[])).await,
        Err(StoreError::AlreadyExists),
        "a group with a user's id"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(alice),
        "a failed create changes nothing"
    );
    assert_eq!(get(store, tenant, "Group", "g1").await, Some(group));
    assert_eq!(ids(&list_all(store, tenant, "Group").await), ["g1"]);
}

/// Replace is a compare-and-swap: it stores the new version when the expected one is
/// current, and otherwise fails with `VersionMismatch` (or `NotFound`) and changes nothing.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn replace_compare_and_swap<S: ResourceStore>(store: &S, tenant: &TenantId) {
    assert_eq!(
        ok(
            create(store, tenant, user("u1", "alice")).await,
            "create a user",
        ),
        1,
        "the sequence number of its history entry"
    );

    let renamed = next(user("u1", "alicia"), 1);
    assert_eq!(
        ok(
            replace(store, tenant, renamed.clone(), 1).await,
            "replace at the current version",
        ),
        2,
        "the sequence number of its history entry"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(renamed.clone())
    );

    let stale = next(user("u1", "stale"), 1);
    assert_eq!(
        replace(store, tenant, stale, 1).await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "replace at a stale version"
    );
    assert_eq!(
        replace(store, tenant, next(user("u1", "ahead"), 3), 3).await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "replace at a version ahead"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(renamed.clone()),
        "a lost swap changes nothing"
    );

    assert_eq!(
        replace(store, tenant, next(user("u9", "nobody"), 1), 1).await,
        Err(StoreError::NotFound),
        "replace an unknown id"
    );
    let mut as_group = next(group("u1", "Group", &[]), 2);
    as_group.id = "u1".to_owned();
    assert_eq!(
        replace(store, tenant, as_group, 2).await,
        Err(StoreError::NotFound),
        "replace with another resource type"
    );
    assert_eq!(get(store, tenant, "User", "u1").await, Some(renamed));
    assert_eq!(
        get(store, tenant, "User", "u9").await,
        None,
        "a failed replace creates nothing"
    );
}

/// Unique keys: taken ones fail create and replace with `Conflict` naming the key, and
/// change nothing; a replace keeps its own keys; keys freed by a replace or delete are
/// free; keys are per resource type.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn uniqueness<S: ResourceStore>(store: &S, tenant: &TenantId) {
    assert_eq!(
        ok(
            create(store, tenant, user("u1", "alice")).await,
            "create a user",
        ),
        1,
        "the sequence number of its history entry"
    );
    let conflict = |value: &str| {
        Err(StoreError::Conflict {
            attribute: "userName".to_owned(),
            value: value.to_owned(),
        })
    };

    assert_eq!(
        create(store, tenant, user("u2", "Alice")).await,
        conflict("alice"),
        "create with a taken key"
    );
    let mut two_keys = user("u2", "zed");
    two_keys.unique_keys.push(unique("userName", "alice"));
    assert_eq!(
        create(store, tenant, two_keys).await,
        conflict("alice"),
        "create with a free key and a taken key"
    );
    assert_eq!(
        get(store, tenant, "User", "u2").await,
        None,
        "a failed create stores nothing"
    );
    assert_eq!(ids(&list_all(store, tenant, "User").await), ["u1"]);
    assert_eq!(
        ok(
            create(store, tenant, user("u3", "zed")).await,
            "create with a key a failed create tried",
        ),
        2,
        "the sequence number of its history entry"
    );

    assert_eq!(
        ok(
            create(store, tenant, user("u2", "bob")).await,
            "create a user",
        ),
        3,
        "the sequence number of its history entry"
    );
    let bob = get(store, tenant, "User", "u2").await;
    assert_eq!(
        replace(store, tenant, next(user("u2", "ALICE"), 1), 1).await,
        conflict("alice"),
        "replace with a taken key"
    );
    assert_eq!(
        get(store, tenant, "User", "u2").await,
        bob,
        "a failed replace changes nothing"
    );

    let mut kept = next(user("u1", "alice"), 1);
    kept.resource
        .as_map_mut()
        .insert("title".to_owned(), json!("CEO"));
    assert_eq!(
        ok(
            replace(store, tenant, kept, 1).await,
            "replace keeping its own key",
        ),
        4,
        "the sequence number of its history entry"
    );
    assert_eq!(
        ok(
            replace(store, tenant, next(user("u1", "alicia"), 2), 2).await,
            "replace changing its key",
        ),
        5,
        "the sequence number of its history entry"
    );
    assert_eq!(
        ok(
            create(store, tenant, user("u4", "alice")).await,
            "create with a key a replace freed",
        ),
        6,
        "the sequence number of its history entry"
    );
    ok(
        delete(store, tenant, "User", "u4", None, at(0)).await,
        "delete a user",
    );
    assert_eq!(
        ok(
            create(store, tenant, user("u5", "alice")).await,
            "create with a key a delete freed",
        ),
        8,
        "the sequence number of its history entry"
    );

    let mut same_key_other_type = group("g1", "Staff", &[]);
    same_key_other_type
        .unique_keys
        .push(unique("userName", "alice"));
    assert_eq!(
        ok(
            create(store, tenant, same_key_other_type).await,
            "create a group with a key a user holds: keys are per type",
        ),
        9,
        "the sequence number of its history entry"
    );
    assert_eq!(
        create(store, tenant, group("g2", "STAFF", &[])).await,
        Err(StoreError::Conflict {
            attribute: "displayName".to_owned(),
            value: "staff".to_owned(),
        }),
        "a group with a taken key"
    );
}
