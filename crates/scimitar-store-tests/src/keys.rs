//! The API keys of a [`TenantStore`].

use scimitar_engine::{ApiKey, KeyHash, StoreError, TenantStore};

use crate::fixtures::{at, new_tenant, ok, tenant_id};

/// Keys: add, find by hash (revoked or not), list a tenant's keys by creation, revoke
/// (`NotFound` for an unknown key); `AlreadyExists` for a taken id or hash and
/// `NotFound` for an unknown tenant.
///
/// Creates tenants and keys of its own (`conformance-keys-…`, `conformance-key-…`).
pub async fn keys<S: TenantStore>(store: &S) {
    let one = new_tenant("conformance-keys-1", "conformance-keys-one");
    let two = new_tenant("conformance-keys-2", "conformance-keys-two");
    ok(store.create_tenant(one.clone()).await, "create a tenant");
    ok(store.create_tenant(two.clone()).await, "create a tenant");

    let mut first = ApiKey::new(
        "conformance-key-b",
        one.id.clone(),
        KeyHash::of("secret-1"),
        at(10),
    );
    first.expires = Some(at(1_000));
    let second = ApiKey::new(
        "conformance-key-a",
        one.id.clone(),
        KeyHash::of("secret-2"),
        at(20),
    );
    let other = ApiKey::new(
        "conformance-key-c",
        two.id.clone(),
        KeyHash::of("secret-3"),
        at(5),
    );
    for key in [&first, &second, &other] {
        ok(store.add_key(key.clone()).await, "add a key");
    }
    assert_eq!(
        ok(store.key_by_hash(&first.hash).await, "find a key"),
        Some(first.clone())
    );
    assert_eq!(
        ok(
            store.key_by_hash(&KeyHash::of("unknown")).await,
            "find a key"
        ),
        None,
        "an unknown hash"
    );
    assert_eq!(
        ok(store.keys(&one.id).await, "list keys"),
        [first.clone(), second.clone()],
        "a tenant's keys, by creation, and only its own"
    );
    assert_eq!(
        ok(store.keys(&two.id).await, "list keys"),
        std::slice::from_ref(&other)
    );

    let same_id = ApiKey::new(
        first.id.clone(),
        one.id.clone(),
        KeyHash::of("secret-4"),
        at(30),
    );
    assert_eq!(
        store.add_key(same_id).await,
        Err(StoreError::AlreadyExists),
        "a key with a taken id"
    );
    let same_hash = ApiKey::new("conformance-key-d", one.id.clone(), first.hash, at(30));
    assert_eq!(
        store.add_key(same_hash).await,
        Err(StoreError::AlreadyExists),
        "a key with a taken hash"
    );
    let orphan = ApiKey::new(
        "conformance-key-e",
        tenant_id("conformance-keys-none"),
        KeyHash::of("secret-5"),
        at(30),
    );
    assert_eq!(
        store.add_key(orphan).await,
        Err(StoreError::NotFound),
        "a key of no tenant"
    );
    assert_eq!(
        ok(store.keys(&one.id).await, "list keys").len(),
        2,
        "failed adds leave the keys as they were"
    );

    ok(store.revoke_key(&first.id, at(50)).await, "revoke a key");
    let mut revoked = first.clone();
    revoked.revoked = Some(at(50));
    assert_eq!(
        ok(store.key_by_hash(&first.hash).await, "find a key"),
        Some(revoked.clone()),
        "a revoked key is still found, with its revocation time"
    );
    assert_eq!(
        ok(store.keys(&one.id).await, "list keys"),
        [revoked, second]
    );
    assert_eq!(
        ok(store.keys(&two.id).await, "list keys"),
        [other],
        "revocation is per key"
    );
    assert_eq!(
        store.revoke_key("conformance-key-none", at(60)).await,
        Err(StoreError::NotFound),
        "revoking an unknown key"
    );
}
