//! Users awaiting a manager who was not provisioned when they arrived.

use std::sync::Arc;

use scimitar_engine::{ResourceStore, StoredResource, TenantId};

use crate::fixtures::{
    at, awaiting, create, delete, get, next, ok, replace, suspended, unlink, user,
};

/// `user` awaiting the manager `key`.
fn awaiting_user(id: &str, user_name: &str, key: Option<&str>) -> StoredResource {
    let mut user = user(id, user_name);
    user.pending_manager = key.map(str::to_owned);
    user
}

/// `awaiting_manager` returns the users whose `pending_manager` is one of the keys, as
/// stored, each once, in creation order; replaces that clear or change the key and
/// deletes update it, and unmanaged accounts are never among them.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn pending_managers<S: ResourceStore>(store: &S, tenant: &TenantId) {
    for user in [
        awaiting_user("u3", "carl", Some("carol")),
        awaiting_user("u1", "alice", Some("boss")),
        awaiting_user("u2", "bob", Some("boss")),
        awaiting_user("u4", "dave", None),
        awaiting_user("boss", "boss", None),
    ] {
        ok(create(store, tenant, user).await, "create a user");
    }
    assert_eq!(awaiting(store, tenant, &["boss"]).await, ["u1", "u2"]);
    assert_eq!(
        awaiting(store, tenant, &["boss", "carol"]).await,
        ["u3", "u1", "u2"],
        "creation order, not the keys' order"
    );
    assert_eq!(
        awaiting(store, tenant, &["boss", "carol", "boss"]).await,
        ["u3", "u1", "u2"],
        "each user once"
    );
    assert!(awaiting(store, tenant, &[]).await.is_empty(), "no keys");
    assert!(
        awaiting(store, tenant, &["nobody"]).await.is_empty(),
        "a key nobody awaits"
    );
    let keys = ["boss".to_owned()];
    let found: Vec<StoredResource> = ok(
        store.awaiting_manager(tenant, &keys).await,
        "the users awaiting a manager",
    )
    .into_iter()
    .map(Arc::unwrap_or_clone)
    .collect();
    let stored = [
        get(store, tenant, "User", "u1").await,
        get(store, tenant, "User", "u2").await,
    ];
    assert_eq!(
        found.iter().map(Some).collect::<Vec<_>>(),
        stored.iter().map(Option::as_ref).collect::<Vec<_>>(),
        "the users as stored"
    );

    ok(
        replace(
            store,
            tenant,
            next(awaiting_user("u1", "alice", None), 1),
            1,
        )
        .await,
        "replace a user, clearing its pending manager",
    );
    assert_eq!(awaiting(store, tenant, &["boss"]).await, ["u2"]);
    ok(
        replace(
            store,
            tenant,
            next(awaiting_user("u2", "bob", Some("dave")), 1),
            1,
        )
        .await,
        "replace a user, changing its pending manager",
    );
    assert!(awaiting(store, tenant, &["boss"]).await.is_empty());
    assert_eq!(awaiting(store, tenant, &["dave"]).await, ["u2"]);
    ok(
        replace(
            store,
            tenant,
            next(awaiting_user("u4", "dave", Some("boss")), 1),
            1,
        )
        .await,
        "replace a user, setting a pending manager",
    );
    assert_eq!(
        awaiting(store, tenant, &["boss", "dave"]).await,
        ["u2", "u4"],
        "a replace keeps the creation order"
    );
    ok(
        replace(
            store,
            tenant,
            next(awaiting_user("u2", "robert", Some("dave")), 2),
            2,
        )
        .await,
        "replace a user, keeping its pending manager",
    );
    assert_eq!(
        get(store, tenant, "User", "u2")
            .await
            .and_then(|user| user.resource.get_str("userName").map(str::to_owned)),
        Some("robert".to_owned())
    );
    let found = ok(
        store.awaiting_manager(tenant, &["dave".to_owned()]).await,
        "the users awaiting a manager",
    );
    assert_eq!(
        found
            .iter()
            .map(|user| user.resource.get_str("userName"))
            .collect::<Vec<_>>(),
        [Some("robert")],
        "the user as it is now"
    );

    ok(
        delete(store, tenant, "User", "u3", None, at(0)).await,
        "delete a user",
    );
    assert!(
        awaiting(store, tenant, &["carol"]).await.is_empty(),
        "a deleted user awaits nobody"
    );
    ok(
        store
            .add_unmanaged(tenant, awaiting_user("a1", "erin", Some("boss")))
            .await,
        "add an unmanaged account with a pending manager",
    );
    let account = suspended(awaiting_user("u4", "dave", Some("boss")));
    ok(
        unlink(store, tenant, "User", "u4", at(0), account).await,
        "delete a user, unlinking it",
    );
    assert!(
        awaiting(store, tenant, &["boss"]).await.is_empty(),
        "unmanaged accounts await nobody"
    );
    assert_eq!(awaiting(store, tenant, &["dave", "boss"]).await, ["u2"]);
}
