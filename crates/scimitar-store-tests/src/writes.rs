//! One resource at a time: create, get, compare-and-swap replace, unique keys.

use serde_json::json;

use scimitar_engine::{Disposal, Origin, ResourceStore, StoreError, TenantId};

use crate::fixtures::{at, entry, get, group, ids, list_all, next, ok, unique, user};

/// Resources: create and get back unchanged; `None` for an unknown id or another type;
/// `AlreadyExists` for a taken id of any type; `resource_types` for many ids at once, in
/// order.
///
/// Writes in `tenant`, which holds no resources yet, and reads in `<tenant>-nobody`,
/// which must hold none.
pub async fn create_and_get<S: ResourceStore>(store: &S, tenant: &TenantId) {
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        None,
        "an unknown id"
    );

    let mut alice = user("u1", "Alice");
    alice.version = 3;
    ok(
        store
            .create(tenant, alice.clone(), Origin::New, &entry())
            .await,
        "create a user",
    );
    let group = group("g1", "Staff", &["u1"]);
    ok(
        store
            .create(tenant, group.clone(), Origin::New, &entry())
            .await,
        "create a group",
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
        store.create(tenant, again, Origin::New, &entry()).await,
        Err(StoreError::AlreadyExists),
        "a user with a taken id"
    );
    assert_eq!(
        store
            .create(
                tenant,
                self::group("u1", "Other", &[]),
                Origin::New,
                &entry()
            )
            .await,
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
/// Writes in `tenant`, which holds no resources yet.
pub async fn replace_compare_and_swap<S: ResourceStore>(store: &S, tenant: &TenantId) {
    ok(
        store
            .create(tenant, user("u1", "alice"), Origin::New, &entry())
            .await,
        "create a user",
    );

    let renamed = next(user("u1", "alicia"), 1);
    ok(
        store.replace(tenant, renamed.clone(), 1, &entry()).await,
        "replace at the current version",
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(renamed.clone())
    );

    let stale = next(user("u1", "stale"), 1);
    assert_eq!(
        store.replace(tenant, stale, 1, &entry()).await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "replace at a stale version"
    );
    assert_eq!(
        store
            .replace(tenant, next(user("u1", "ahead"), 3), 3, &entry())
            .await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "replace at a version ahead"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        Some(renamed.clone()),
        "a lost swap changes nothing"
    );

    assert_eq!(
        store
            .replace(tenant, next(user("u9", "nobody"), 1), 1, &entry())
            .await,
        Err(StoreError::NotFound),
        "replace an unknown id"
    );
    let mut as_group = next(group("u1", "Group", &[]), 2);
    as_group.id = "u1".to_owned();
    assert_eq!(
        store.replace(tenant, as_group, 2, &entry()).await,
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
/// Writes in `tenant`, which holds no resources yet.
pub async fn uniqueness<S: ResourceStore>(store: &S, tenant: &TenantId) {
    ok(
        store
            .create(tenant, user("u1", "alice"), Origin::New, &entry())
            .await,
        "create a user",
    );
    let conflict = |value: &str| {
        Err(StoreError::Conflict {
            attribute: "userName".to_owned(),
            value: value.to_owned(),
        })
    };

    assert_eq!(
        store
            .create(tenant, user("u2", "Alice"), Origin::New, &entry())
            .await,
        conflict("alice"),
        "create with a taken key"
    );
    let mut two_keys = user("u2", "zed");
    two_keys.unique_keys.push(unique("userName", "alice"));
    assert_eq!(
        store.create(tenant, two_keys, Origin::New, &entry()).await,
        conflict("alice"),
        "create with a free key and a taken key"
    );
    assert_eq!(
        get(store, tenant, "User", "u2").await,
        None,
        "a failed create stores nothing"
    );
    assert_eq!(ids(&list_all(store, tenant, "User").await), ["u1"]);
    ok(
        store
            .create(tenant, user("u3", "zed"), Origin::New, &entry())
            .await,
        "create with a key a failed create tried",
    );

    ok(
        store
            .create(tenant, user("u2", "bob"), Origin::New, &entry())
            .await,
        "create a user",
    );
    let bob = get(store, tenant, "User", "u2").await;
    assert_eq!(
        store
            .replace(tenant, next(user("u2", "ALICE"), 1), 1, &entry())
            .await,
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
    ok(
        store.replace(tenant, kept, 1, &entry()).await,
        "replace keeping its own key",
    );
    ok(
        store
            .replace(tenant, next(user("u1", "alicia"), 2), 2, &entry())
            .await,
        "replace changing its key",
    );
    ok(
        store
            .create(tenant, user("u4", "alice"), Origin::New, &entry())
            .await,
        "create with a key a replace freed",
    );
    ok(
        store
            .delete(
                tenant,
                "User",
                "u4",
                None,
                at(0),
                Disposal::Delete,
                &entry(),
            )
            .await,
        "delete a user",
    );
    ok(
        store
            .create(tenant, user("u5", "alice"), Origin::New, &entry())
            .await,
        "create with a key a delete freed",
    );

    let mut same_key_other_type = group("g1", "Staff", &[]);
    same_key_other_type
        .unique_keys
        .push(unique("userName", "alice"));
    ok(
        store
            .create(tenant, same_key_other_type, Origin::New, &entry())
            .await,
        "create a group with a key a user holds: keys are per type",
    );
    assert_eq!(
        store
            .create(tenant, group("g2", "STAFF", &[]), Origin::New, &entry())
            .await,
        Err(StoreError::Conflict {
            attribute: "displayName".to_owned(),
            value: "staff".to_owned(),
        }),
        "a group with a taken key"
    );
}
