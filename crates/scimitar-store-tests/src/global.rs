//! Unique keys that are unique among every tenant's resources.

use scimitar_engine::{ResourceStore, StoreError, TenantId};

use crate::fixtures::{
    at, conflict, create, delete, find_unmanaged, get, global, global_user, group, next, ok,
    pick_up, replace, suspended, unique, unlink, user,
};

/// Global unique keys ([`UniqueKey::global`](scimitar_engine::UniqueKey::global)): one
/// held by a resource or an unmanaged account of one tenant fails a create, a pick-up,
/// a replace or an added account with the same global key in another tenant with
/// `Conflict`, writing nothing. The key is per resource type and attribute; a delete or
/// a replace frees it, a pick-up or an unlinking delete keeps it held. Keys that are not
/// global stay per tenant.
///
/// Writes in `one` and `two`, two tenants that hold no resources or history entries yet.
/// Its keys are the only global ones of the suite: the other checks cannot clash with
/// them, on a store they share.
pub async fn global_uniqueness<S: ResourceStore>(store: &S, one: &TenantId, two: &TenantId) {
    assert_eq!(
        ok(
            create(store, one, global_user("u1", "bjensen")).await,
            "create a user"
        ),
        1
    );
    assert_eq!(
        create(store, two, global_user("u1", "BJensen")).await,
        conflict("userName", "bjensen"),
        "a global key held in another tenant"
    );
    assert_eq!(
        create(store, two, global_user("u2", "bjensen")).await,
        conflict("userName", "bjensen"),
        "a global key held in another tenant, under another id"
    );
    assert_eq!(
        get(store, two, "User", "u1").await,
        None,
        "a failed create stores nothing"
    );
    assert_eq!(
        store.add_unmanaged(two, global_user("a1", "bjensen")).await,
        conflict("userName", "bjensen"),
        "an account with a global key held in another tenant"
    );

    ok(
        store.add_unmanaged(two, global_user("a2", "carol")).await,
        "add an unmanaged account with a global key",
    );
    assert_eq!(
        create(store, one, global_user("u2", "carol")).await,
        conflict("userName", "carol"),
        "a global key held by an account in another tenant"
    );
    assert_eq!(
        ok(
            create(store, two, global_user("u3", "dave")).await,
            "create a user",
        ),
        1,
        "failed writes append nothing"
    );
    assert_eq!(
        replace(store, one, next(global_user("u1", "dave"), 1), 1).await,
        conflict("userName", "dave"),
        "a replace taking a global key held in another tenant"
    );
    assert_eq!(
        get(store, one, "User", "u1").await,
        Some(global_user("u1", "bjensen")),
        "a failed replace changes nothing"
    );
    assert_eq!(
        pick_up(store, one, global_user("a2", "carol")).await,
        Err(StoreError::NotFound),
        "another tenant's account is not there to pick up"
    );

    let mut other_type = group("g1", "bjensen", &[]);
    other_type.unique_keys = vec![global("displayName", "bjensen")];
    ok(
        create(store, two, other_type).await,
        "the same global value of another type",
    );
    let mut other_attribute = user("u4", "erin");
    other_attribute
        .unique_keys
        .push(global("externalId", "bjensen"));
    ok(
        create(store, two, other_attribute).await,
        "the same global value of another attribute",
    );
    ok(
        create(store, one, user("u5", "frank")).await,
        "create a user with a key unique in its tenant",
    );
    ok(
        create(store, two, user("u5", "frank")).await,
        "keys that are not global stay per tenant",
    );

    ok(
        pick_up(store, two, global_user("a2", "carol")).await,
        "pick up an account holding a global key",
    );
    assert_eq!(
        create(store, one, global_user("u6", "carol")).await,
        conflict("userName", "carol"),
        "a picked-up account's global key stays held"
    );
    ok(
        unlink(
            store,
            two,
            "User",
            "a2",
            at(0),
            suspended(global_user("a2", "carol")),
        )
        .await,
        "delete a user, unlinking it",
    );
    assert_eq!(
        create(store, one, global_user("u6", "carol")).await,
        conflict("userName", "carol"),
        "an unlinked account's global key stays held"
    );
    assert_eq!(
        find_unmanaged(store, one, "User", &unique("userName", "carol")).await,
        None,
        "another tenant's account"
    );

    ok(
        delete(store, one, "User", "u1", None, at(0)).await,
        "delete a user",
    );
    ok(
        create(store, two, global_user("u7", "bjensen")).await,
        "a global key a delete freed",
    );
    ok(
        replace(store, two, next(global_user("u3", "dan"), 1), 1).await,
        "replace a user, changing its global key",
    );
    ok(
        create(store, one, global_user("u8", "dave")).await,
        "a global key a replace freed",
    );
    ok(
        replace(store, two, next(global_user("u3", "dan"), 2), 2).await,
        "replace a user, keeping its global key",
    );
}
