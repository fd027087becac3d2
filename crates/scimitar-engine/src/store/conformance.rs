//! The behaviour every store must have, as checks a store's tests run, and
//! [`block_on`], a minimal executor to run them with.
//!
//! Each check takes a store and panics with a message naming the broken rule. The checks
//! use tenant names, tenant ids and key ids of their own (prefixed `conformance-`), so
//! they may share one store or each get a fresh one, as [`run_all`] gives them.
//!
//! ```
//! use scimitar_engine::MemoryStore;
//! use scimitar_engine::conformance::{block_on, run_all};
//!
//! block_on(run_all(MemoryStore::new));
//! ```

use std::collections::HashSet;
use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::thread::{self, Thread};

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use scimitar_filter::Filter;
use scimitar_patch::Compat;
use scimitar_schema::{Resource, SchemaRegistry, matches, urn};

use super::{
    ListPage, ListQuery, ResourceStore, StoreError, StoredResource, TenantStore, UniqueKey,
};
use crate::tenant::{ApiKey, KeyHash, Tenant, TenantId};

/// Runs a future to completion on the current thread, parking it while the future is
/// pending: enough for tests of a sans-IO engine and its stores, which need no runtime.
/// A future that waits for I/O driven by a runtime (such as tokio's) never completes
/// here; run those under their runtime instead.
pub fn block_on<F: Future>(future: F) -> F::Output {
    struct Unpark(Thread);

    impl Wake for Unpark {
        fn wake(self: Arc<Self>) {
            self.0.unpark();
        }

        fn wake_by_ref(self: &Arc<Self>) {
            self.0.unpark();
        }
    }

    let waker = Waker::from(Arc::new(Unpark(thread::current())));
    let mut context = Context::from_waker(&waker);
    let mut future = pin!(future);
    loop {
        if let Poll::Ready(output) = future.as_mut().poll(&mut context) {
            return output;
        }
        // A spurious wake-up only polls again.
        thread::park();
    }
}

/// Runs every check, each on a new store from `make`.
pub async fn run_all<S: ResourceStore + TenantStore>(make: impl Fn() -> S) {
    tenants(&make()).await;
    keys(&make()).await;
    create_and_get(&make()).await;
    list_order(&make()).await;
    replace_compare_and_swap(&make()).await;
    uniqueness(&make()).await;
    delete_cascades_membership(&make()).await;
    groups_with_member(&make()).await;
    tenant_isolation(&make()).await;
    index_lookups_agree_with_scan(&make()).await;
    paging(&make()).await;
}

/// Runs every check on one store, as a durable store that is costly to set up may
/// prefer; it must hold no tenant or key named `conformance-…` yet.
pub async fn run_shared<S: ResourceStore + TenantStore>(store: &S) {
    tenants(store).await;
    keys(store).await;
    create_and_get(store).await;
    list_order(store).await;
    replace_compare_and_swap(store).await;
    uniqueness(store).await;
    delete_cascades_membership(store).await;
    groups_with_member(store).await;
    tenant_isolation(store).await;
    index_lookups_agree_with_scan(store).await;
    paging(store).await;
}

/// Tenants: create, get by id and by name, list by name, and `AlreadyExists` for a
/// taken id or name.
pub async fn tenants<S: ResourceStore + TenantStore>(store: &S) {
    let zulu = new_tenant("conformance-tenants-1", "conformance-tenants-zulu");
    let acme = new_tenant("conformance-tenants-2", "conformance-tenants-acme");
    let beta = new_tenant("conformance-tenants-3", "conformance-tenants-beta");
    for tenant in [&zulu, &acme, &beta] {
        ok(store.create_tenant(tenant.clone()).await, "create a tenant");
    }
    assert_eq!(
        ok(store.tenant(&acme.id).await, "get a tenant"),
        Some(acme.clone())
    );
    assert_eq!(
        ok(
            store.tenant_by_name(&beta.name).await,
            "get a tenant by name"
        ),
        Some(beta.clone())
    );
    assert_eq!(
        ok(
            store.tenant(&tenant_id("conformance-tenants-none")).await,
            "get a tenant"
        ),
        None,
        "an unknown tenant id"
    );
    assert_eq!(
        ok(
            store.tenant_by_name("conformance-tenants-none").await,
            "get a tenant"
        ),
        None,
        "an unknown tenant name"
    );

    let same_name = new_tenant("conformance-tenants-4", &acme.name);
    assert_eq!(
        store.create_tenant(same_name.clone()).await,
        Err(StoreError::AlreadyExists),
        "a tenant with a taken name"
    );
    let same_id = new_tenant(acme.id.as_ref(), "conformance-tenants-other");
    assert_eq!(
        store.create_tenant(same_id).await,
        Err(StoreError::AlreadyExists),
        "a tenant with a taken id"
    );
    assert_eq!(
        ok(store.tenant(&same_name.id).await, "get a tenant"),
        None,
        "a failed create"
    );

    let listed: Vec<Tenant> = ok(store.tenants().await, "list tenants")
        .into_iter()
        .filter(|tenant| tenant.name.starts_with("conformance-tenants-"))
        .collect();
    assert_eq!(
        listed,
        [acme, beta, zulu],
        "tenants are listed once each, by name"
    );
}

/// Keys: add, find by hash (revoked or not), list a tenant's keys by creation, revoke
/// (`NotFound` for an unknown key); `AlreadyExists` for a taken id or hash and
/// `NotFound` for an unknown tenant.
pub async fn keys<S: ResourceStore + TenantStore>(store: &S) {
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

/// Resources: create and get back unchanged; `None` for an unknown id or another type;
/// `AlreadyExists` for a taken id of any type.
pub async fn create_and_get<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "create").await;
    assert_eq!(
        get(store, &tenant, "User", "u1").await,
        None,
        "an unknown id"
    );

    let mut alice = user("u1", "Alice");
    alice.version = 3;
    ok(store.create(&tenant, alice.clone()).await, "create a user");
    let group = group("g1", "Staff", &["u1"]);
    ok(store.create(&tenant, group.clone()).await, "create a group");
    assert_eq!(
        get(store, &tenant, "User", "u1").await,
        Some(alice.clone()),
        "get returns what was created"
    );
    assert_eq!(
        get(store, &tenant, "Group", "g1").await,
        Some(group.clone()),
        "get returns what was created"
    );
    assert_eq!(
        get(store, &tenant, "Group", "u1").await,
        None,
        "get with another resource type"
    );
    assert_eq!(
        ok(
            store
                .resource_types(&tenant, &["u9", "g1", "u1", "g1", "u1"])
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
        ok(store.resource_types(&tenant, &[]).await, "resource_types"),
        Vec::<Option<String>>::new(),
        "no ids"
    );
    assert_eq!(
        ok(
            store
                .resource_types(&TenantId("conformance-nobody".into()), &["u1"])
                .await,
            "resource_types"
        ),
        [None],
        "another tenant's resource"
    );

    let mut again = user("u1", "Other");
    again.version = 1;
    assert_eq!(
        store.create(&tenant, again).await,
        Err(StoreError::AlreadyExists),
        "a user with a taken id"
    );
    assert_eq!(
        store.create(&tenant, self::group("u1", "Other", &[])).await,
        Err(StoreError::AlreadyExists),
        "a group with a user's id"
    );
    assert_eq!(
        get(store, &tenant, "User", "u1").await,
        Some(alice),
        "a failed create changes nothing"
    );
    assert_eq!(get(store, &tenant, "Group", "g1").await, Some(group));
    assert_eq!(ids(&list_all(store, &tenant, "Group").await), ["g1"]);
}

/// Lists without a filter return the type's resources in creation order, which
/// replacing keeps and deleting closes up.
pub async fn list_order<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "order").await;
    for (id, name) in [("u3", "carol"), ("u1", "alice"), ("u2", "bob")] {
        ok(store.create(&tenant, user(id, name)).await, "create a user");
    }
    ok(
        store.create(&tenant, group("g1", "Staff", &[])).await,
        "create a group",
    );
    assert_eq!(
        ids(&list_all(store, &tenant, "User").await),
        ["u3", "u1", "u2"],
        "creation order"
    );
    assert_eq!(
        ids(&list_all(store, &tenant, "Group").await),
        ["g1"],
        "only the type asked for"
    );
    assert!(
        list_all(store, &tenant, "Widget")
            .await
            .into_resources()
            .is_empty(),
        "a type with no resources"
    );

    ok(
        store
            .replace(&tenant, next(user("u3", "caroline"), 1), 1)
            .await,
        "replace a user",
    );
    let page = list_all(store, &tenant, "User").await;
    assert_eq!(
        ids(&page),
        ["u3", "u1", "u2"],
        "replacing keeps the creation order"
    );
    assert_eq!(
        page.resources()[0].resource.get_str("userName"),
        Some("caroline")
    );

    ok(
        store.delete(&tenant, "User", "u1", None, at(0)).await,
        "delete a user",
    );
    ok(
        store.create(&tenant, user("u0", "dave")).await,
        "create a user",
    );
    assert_eq!(
        ids(&list_all(store, &tenant, "User").await),
        ["u3", "u2", "u0"]
    );
}

/// Replace is a compare-and-swap: it stores the new version when the expected one is
/// current, and otherwise fails with `VersionMismatch` (or `NotFound`) and changes nothing.
pub async fn replace_compare_and_swap<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "replace").await;
    ok(
        store.create(&tenant, user("u1", "alice")).await,
        "create a user",
    );

    let renamed = next(user("u1", "alicia"), 1);
    ok(
        store.replace(&tenant, renamed.clone(), 1).await,
        "replace at the current version",
    );
    assert_eq!(
        get(store, &tenant, "User", "u1").await,
        Some(renamed.clone())
    );

    let stale = next(user("u1", "stale"), 1);
    assert_eq!(
        store.replace(&tenant, stale, 1).await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "replace at a stale version"
    );
    assert_eq!(
        store
            .replace(&tenant, next(user("u1", "ahead"), 3), 3)
            .await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "replace at a version ahead"
    );
    assert_eq!(
        get(store, &tenant, "User", "u1").await,
        Some(renamed.clone()),
        "a lost swap changes nothing"
    );

    assert_eq!(
        store
            .replace(&tenant, next(user("u9", "nobody"), 1), 1)
            .await,
        Err(StoreError::NotFound),
        "replace an unknown id"
    );
    let mut as_group = next(group("u1", "Group", &[]), 2);
    as_group.id = "u1".to_owned();
    assert_eq!(
        store.replace(&tenant, as_group, 2).await,
        Err(StoreError::NotFound),
        "replace with another resource type"
    );
    assert_eq!(get(store, &tenant, "User", "u1").await, Some(renamed));
    assert_eq!(
        get(store, &tenant, "User", "u9").await,
        None,
        "a failed replace creates nothing"
    );
}

/// Unique keys: taken ones fail create and replace with `Conflict` naming the key, and
/// change nothing; a replace keeps its own keys; keys freed by a replace or delete are
/// free; keys are per resource type.
pub async fn uniqueness<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "unique").await;
    ok(
        store.create(&tenant, user("u1", "alice")).await,
        "create a user",
    );
    let conflict = |value: &str| {
        Err(StoreError::Conflict {
            attribute: "userName".to_owned(),
            value: value.to_owned(),
        })
    };

    assert_eq!(
        store.create(&tenant, user("u2", "Alice")).await,
        conflict("alice"),
        "create with a taken key"
    );
    let mut two_keys = user("u2", "zed");
    two_keys.unique_keys.push(unique("userName", "alice"));
    assert_eq!(
        store.create(&tenant, two_keys).await,
        conflict("alice"),
        "create with a free key and a taken key"
    );
    assert_eq!(
        get(store, &tenant, "User", "u2").await,
        None,
        "a failed create stores nothing"
    );
    assert_eq!(ids(&list_all(store, &tenant, "User").await), ["u1"]);
    ok(
        store.create(&tenant, user("u3", "zed")).await,
        "create with a key a failed create tried",
    );

    ok(
        store.create(&tenant, user("u2", "bob")).await,
        "create a user",
    );
    let bob = get(store, &tenant, "User", "u2").await;
    assert_eq!(
        store
            .replace(&tenant, next(user("u2", "ALICE"), 1), 1)
            .await,
        conflict("alice"),
        "replace with a taken key"
    );
    assert_eq!(
        get(store, &tenant, "User", "u2").await,
        bob,
        "a failed replace changes nothing"
    );

    let mut kept = next(user("u1", "alice"), 1);
    kept.resource
        .as_map_mut()
        .insert("title".to_owned(), json!("CEO"));
    ok(
        store.replace(&tenant, kept, 1).await,
        "replace keeping its own key",
    );
    ok(
        store
            .replace(&tenant, next(user("u1", "alicia"), 2), 2)
            .await,
        "replace changing its key",
    );
    ok(
        store.create(&tenant, user("u4", "alice")).await,
        "create with a key a replace freed",
    );
    ok(
        store.delete(&tenant, "User", "u4", None, at(0)).await,
        "delete a user",
    );
    ok(
        store.create(&tenant, user("u5", "alice")).await,
        "create with a key a delete freed",
    );

    let mut same_key_other_type = group("g1", "Staff", &[]);
    same_key_other_type
        .unique_keys
        .push(unique("userName", "alice"));
    ok(
        store.create(&tenant, same_key_other_type).await,
        "create a group with a key a user holds: keys are per type",
    );
    assert_eq!(
        store.create(&tenant, group("g2", "STAFF", &[])).await,
        Err(StoreError::Conflict {
            attribute: "displayName".to_owned(),
            value: "staff".to_owned(),
        }),
        "a group with a taken key"
    );
}

/// Deleting a resource (compare-and-swap when a version is given) removes it from every
/// group of the tenant that lists it, each getting the next version and
/// `meta.lastModified`, and returns those groups' ids.
pub async fn delete_cascades_membership<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "delete").await;
    for (id, name) in [("u1", "alice"), ("u2", "bob")] {
        ok(store.create(&tenant, user(id, name)).await, "create a user");
    }
    assert_eq!(
        store
            .create(&tenant, group("gx", "Unknown", &["u1", "nobody"]))
            .await,
        Err(StoreError::UnknownMember {
            id: "nobody".to_owned()
        }),
        "a group with a member that does not exist"
    );
    assert_eq!(
        get(store, &tenant, "Group", "gx").await,
        None,
        "a refused create stores nothing"
    );
    for group in [
        group("gb", "Beta", &["u1"]),
        group("gd", "Delta", &["u1", "gb"]),
        group("ga", "Alpha", &["u1", "u2"]),
        group("gc", "Gamma", &["u2"]),
    ] {
        ok(store.create(&tenant, group).await, "create a group");
    }
    let before: Vec<StoredResource> = list_all(store, &tenant, "Group").await.into_resources();

    assert_eq!(
        store.delete(&tenant, "User", "u1", Some(2), at(99)).await,
        Err(StoreError::VersionMismatch { current: 1 }),
        "delete at a stale version"
    );
    assert_eq!(
        store.delete(&tenant, "Group", "u1", None, at(99)).await,
        Err(StoreError::NotFound),
        "delete with another resource type"
    );
    assert_eq!(
        store.delete(&tenant, "User", "u9", None, at(99)).await,
        Err(StoreError::NotFound),
        "delete an unknown id"
    );
    assert!(
        get(store, &tenant, "User", "u1").await.is_some(),
        "a failed delete deletes nothing"
    );
    assert_eq!(
        list_all(store, &tenant, "Group").await.resources(),
        before,
        "a failed delete changes no group"
    );

    let when = at(1_714_979_289_123);
    let changed = ok(
        store.delete(&tenant, "User", "u1", Some(1), when).await,
        "delete a user",
    );
    assert_eq!(
        changed,
        ["ga", "gb", "gd"],
        "the ids of the groups that listed it, sorted"
    );
    assert_eq!(
        get(store, &tenant, "User", "u1").await,
        None,
        "a deleted resource is gone"
    );
    assert_eq!(
        store.delete(&tenant, "User", "u1", None, when).await,
        Err(StoreError::NotFound),
        "delete a deleted resource"
    );

    let stamp = "2024-05-06T07:08:09.123Z";
    for (id, members) in [("ga", &["u2"][..]), ("gb", &[][..]), ("gd", &["gb"][..])] {
        let group = get(store, &tenant, "Group", id)
            .await
            .unwrap_or_else(|| panic!("group {id} is gone"));
        assert_eq!(group.members, members, "group {id}'s member ids");
        assert_eq!(
            member_values(&group),
            members,
            "group {id}'s members in JSON"
        );
        assert_eq!(group.version, 2, "group {id} gets the next version");
        assert_eq!(
            last_modified(&group),
            Some(stamp),
            "group {id}'s meta.lastModified"
        );
        assert_eq!(
            group.resource.get_str("displayName"),
            display_name(&before, id),
            "group {id} keeps the rest"
        );
    }
    let gamma = get(store, &tenant, "Group", "gc").await;
    assert_eq!(
        gamma.as_ref(),
        before.iter().find(|group| group.id == "gc"),
        "a group without it is unchanged"
    );
    assert!(
        ok(
            store.groups_with_member(&tenant, "u1").await,
            "groups of a member"
        )
        .is_empty()
    );
    assert_eq!(
        store
            .replace(&tenant, next(group("ga", "Alpha", &["u2"]), 1), 1)
            .await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "a write prepared before the cascade loses"
    );

    let changed = ok(
        store.delete(&tenant, "Group", "gb", Some(2), when).await,
        "delete a group",
    );
    assert_eq!(
        changed,
        ["gd"],
        "a deleted group leaves the groups that listed it"
    );
    let delta = get(store, &tenant, "Group", "gd").await.expect("group gd");
    assert!(delta.members.is_empty() && member_values(&delta).is_empty());
    assert_eq!(delta.version, 3);
    ok(
        store.create(&tenant, user("u3", "alice")).await,
        "a deleted user's unique key is free",
    );
}

/// `groups_with_member` lists `(id, displayName)` of the groups listing a member, by
/// group id, as replaces change them.
pub async fn groups_with_member<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "member").await;
    for (id, name) in [("u1", "alice"), ("u2", "bob")] {
        ok(store.create(&tenant, user(id, name)).await, "create a user");
    }
    for group in [
        group("g2", "Zeta", &["u1"]),
        group("g1", "Alpha", &["u1", "u2"]),
        group("g3", "Mid", &["u2"]),
    ] {
        ok(store.create(&tenant, group).await, "create a group");
    }
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
            .collect()
    };
    let of = |member: &'static str| store.groups_with_member(&tenant, member);
    assert_eq!(
        ok(of("u1").await, "groups of a member"),
        pairs(&[("g1", "Alpha"), ("g2", "Zeta")])
    );
    assert_eq!(
        ok(of("u2").await, "groups of a member"),
        pairs(&[("g1", "Alpha"), ("g3", "Mid")])
    );
    assert!(
        ok(of("u9").await, "groups of a member").is_empty(),
        "a member of no group"
    );

    ok(
        store
            .replace(&tenant, next(group("g1", "Alpha", &["u2"]), 1), 1)
            .await,
        "replace a group",
    );
    ok(
        store
            .replace(&tenant, next(group("g3", "Middle", &["u2", "u1"]), 1), 1)
            .await,
        "replace a group",
    );
    assert_eq!(
        ok(of("u1").await, "groups of a member"),
        pairs(&[("g2", "Zeta"), ("g3", "Middle")])
    );
    ok(
        store.delete(&tenant, "Group", "g2", None, at(0)).await,
        "delete a group",
    );
    assert_eq!(
        ok(of("u1").await, "groups of a member"),
        pairs(&[("g3", "Middle")])
    );
}

/// Nothing crosses tenants: the same ids and unique keys in two tenants are independent
/// resources, and lists, lookups, writes and cascades stay in their tenant.
pub async fn tenant_isolation<S: ResourceStore + TenantStore>(store: &S) {
    let one = setup(store, "isolation-one").await;
    let two = setup(store, "isolation-two").await;
    ok(
        store.create(&one, user("u1", "alice")).await,
        "create a user",
    );
    ok(
        store.create(&two, user("u1", "bob")).await,
        "create a user with the same id elsewhere",
    );
    ok(
        store.create(&two, user("u2", "alice")).await,
        "create a user with the same key elsewhere",
    );
    ok(
        store.create(&one, group("g1", "Staff", &["u1"])).await,
        "create a group",
    );
    ok(
        store
            .create(&two, group("g1", "Staff", &["u1", "u2"]))
            .await,
        "create a group elsewhere",
    );

    let user_name = |resource: Option<StoredResource>| {
        resource.and_then(|resource| resource.resource.get_str("userName").map(str::to_owned))
    };
    assert_eq!(
        user_name(get(store, &one, "User", "u1").await).as_deref(),
        Some("alice")
    );
    assert_eq!(
        user_name(get(store, &two, "User", "u1").await).as_deref(),
        Some("bob")
    );
    assert_eq!(
        get(store, &one, "User", "u2").await,
        None,
        "another tenant's resource"
    );
    assert_eq!(ids(&list_all(store, &one, "User").await), ["u1"]);
    assert_eq!(ids(&list_all(store, &two, "User").await), ["u1", "u2"]);
    let alice = filter(r#"userName eq "alice""#);
    let found = ok(
        store
            .list(&one, "User", ListQuery::new(Some(&alice), None))
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
            .list(&two, "User", ListQuery::new(Some(&alice), None))
            .await,
        "list",
    );
    assert_eq!(ids(&found), ["u2"]);

    ok(
        store.replace(&two, next(user("u1", "robert"), 1), 1).await,
        "replace in one tenant",
    );
    assert_eq!(
        get(store, &one, "User", "u1")
            .await
            .map(|user| user.version),
        Some(1),
        "untouched elsewhere"
    );
    assert_eq!(
        store.replace(&one, next(user("u1", "alice"), 2), 2).await,
        Err(StoreError::VersionMismatch { current: 1 }),
        "versions are per tenant"
    );

    let changed = ok(
        store.delete(&one, "User", "u1", None, at(0)).await,
        "delete in one tenant",
    );
    assert_eq!(changed, ["g1"]);
    assert!(
        get(store, &two, "User", "u1").await.is_some(),
        "the same id elsewhere survives"
    );
    let other_group = get(store, &two, "Group", "g1")
        .await
        .expect("the other tenant's group");
    assert_eq!(
        (other_group.version, other_group.members.len()),
        (1, 2),
        "no cascade elsewhere"
    );
    assert_eq!(
        ok(
            store.groups_with_member(&two, "u1").await,
            "groups of a member"
        ),
        [("g1".to_owned(), "Staff".to_owned())]
    );
    assert!(
        ok(
            store.groups_with_member(&one, "u1").await,
            "groups of a member"
        )
        .is_empty()
    );
    ok(
        store.create(&one, user("u3", "bob")).await,
        "a key taken elsewhere is free here",
    );
}

/// Lists with a filter: a result marked `filtered` is exactly the matches in creation
/// order (the page of them, with their total, when also `paged`); any other result holds
/// every match, in creation order. Matches are what [`scimitar_schema::matches`] says
/// against [`SchemaRegistry::core`].
pub async fn index_lookups_agree_with_scan<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "lookup").await;
    // No unique keys here: lookups must find values a uniqueness rule would forbid.
    let users = [
        json!({"id": "u1", "userName": "alice", "externalId": "A1", "active": true}),
        json!({"id": "u2", "userName": "ALICE", "externalId": "a1", "active": false}),
        json!({"id": "u3", "userName": "Åsa", "externalId": "x", "displayName": "Åsa S"}),
        json!({"id": "u4", "userName": "åsa", "active": true}),
        json!({"id": "u5", "USERNAME": "Carol", "EXTERNALID": "A1",
               "name": {"familyName": "Smith"}}),
        json!({"id": "u6", "externalId": "team", "emails": [{"value": "alice", "type": "work"}]}),
        json!({"id": "u7", "userName": "dave", "externalId": "team", "title": "alice"}),
        json!({"id": "u8", "userName": "alice ", "externalId": "team",
               (urn::ENTERPRISE_USER): {"employeeNumber": "alice"}}),
    ];
    for value in users {
        let mut resource = object(value);
        resource
            .as_map_mut()
            .insert("schemas".to_owned(), json!([urn::USER]));
        let id = resource.id().unwrap_or_default().to_owned();
        ok(
            store
                .create(&tenant, StoredResource::new(id, "User", resource))
                .await,
            "create a user",
        );
    }
    let groups = [
        json!({"id": "g1", "displayName": "Admins", "externalId": "G1",
               "members": [{"value": "u1"}]}),
        json!({"id": "g2", "displayName": "admins", "externalId": "g1"}),
        json!({"id": "g3", "DisplayName": "Ops", "externalId": "G3", "members": [{"value": "u2"}]}),
        json!({"id": "g4", "displayName": "ÅRHUS"}),
    ];
    for value in groups {
        let mut resource = object(value);
        resource
            .as_map_mut()
            .insert("schemas".to_owned(), json!([urn::GROUP]));
        let id = resource.id().unwrap_or_default().to_owned();
        ok(
            store
                .create(&tenant, StoredResource::new(id, "Group", resource))
                .await,
            "create a group",
        );
    }

    let user_filters = [
        r#"userName eq "alice""#,
        r#"USERNAME eq "ALICE""#,
        r#"userName eq "alice ""#,
        r#"userName eq "åsa""#,
        r#"userName eq "ÅSA""#,
        r#"userName eq "carol""#,
        r#"userName eq "nobody""#,
        r#"userName eq """#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Alice""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "alice""#,
        r#"externalId eq "A1""#,
        r#"externalId eq "a1""#,
        r#"EXTERNALID eq "x""#,
        r#"externalId eq "team""#,
        r#"displayName eq "åsa s""#,
        r#"userName eq "alice" and active eq true"#,
        r#"active eq true and userName eq "alice""#,
        r#"userName eq "alice" and externalId eq "a1""#,
        r#"externalId eq "team" and (userName pr and title eq "alice")"#,
        r#"userName eq "alice" or userName eq "åsa""#,
        r#"not (userName eq "alice")"#,
        r#"userName ne "alice""#,
        r#"userName sw "a""#,
        r#"userName eq 7"#,
        r#"name.familyName eq "smith""#,
        r#"emails[value eq "alice"]"#,
        r#"emails.value eq "alice""#,
    ];
    let group_filters = [
        r#"displayName eq "admins""#,
        r#"displayName eq "ADMINS""#,
        r#"displayName eq "ops""#,
        r#"displayName eq "århus""#,
        r#"externalId eq "G1""#,
        r#"externalId eq "g1""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Ops""#,
        r#"displayName eq "Admins" and externalId eq "g1""#,
        r#"members[value eq "u1"]"#,
        r#"userName eq "alice""#,
    ];
    let registry = SchemaRegistry::core();
    for (resource_type, filters) in [("User", &user_filters[..]), ("Group", &group_filters[..])] {
        let everything = list_all(store, &tenant, resource_type)
            .await
            .into_resources();
        for text in filters {
            let filter = filter(text);
            let expected: Vec<&str> = everything
                .iter()
                .filter(|stored| matches(&filter, &stored.resource, &registry))
                .map(|stored| stored.id.as_str())
                .collect();
            for page in [None, Some((0, 1)), Some((1, 5))] {
                let query = ListQuery::new(Some(&filter), page);
                let found = ok(store.list(&tenant, resource_type, query).await, "list");
                let context = format!("{resource_type}s with filter {text} and page {page:?}");
                check_listed(&found, &everything, &expected, page, &context);
            }
        }
    }
}

/// Paging: a list marked `paged` holds the requested slice of the matches and counts
/// them all in `total`; an unpaged one holds every match.
pub async fn paging<S: ResourceStore + TenantStore>(store: &S) {
    let tenant = setup(store, "paging").await;
    for (index, id) in ["u1", "u2", "u3", "u4", "u5"].into_iter().enumerate() {
        let mut user = user(id, &format!("user{index}"));
        if index % 2 == 0 {
            user.resource
                .as_map_mut()
                .insert("externalId".to_owned(), json!("even"));
        }
        ok(store.create(&tenant, user).await, "create a user");
    }
    let everything = list_all(store, &tenant, "User").await.into_resources();
    let all: Vec<&str> = everything.iter().map(|user| user.id.as_str()).collect();
    let even = ["u1", "u3", "u5"];
    for page in [(0, 2), (2, 2), (4, 2), (5, 2), (10, 2), (0, 0), (0, 100)] {
        let found = ok(
            store
                .list(&tenant, "User", ListQuery::new(None, Some(page)))
                .await,
            "list",
        );
        check_listed(
            &found,
            &everything,
            &all,
            Some(page),
            &format!("users, page {page:?}"),
        );
        let filter = filter(r#"externalId eq "even""#);
        let found = ok(
            store
                .list(&tenant, "User", ListQuery::new(Some(&filter), Some(page)))
                .await,
            "list",
        );
        let context = format!("users with an even externalId, page {page:?}");
        check_listed(&found, &everything, &even, Some(page), &context);
    }
    let empty = ok(
        store
            .list(&tenant, "Group", ListQuery::new(None, Some((0, 10))))
            .await,
        "list",
    );
    assert!(empty.resources().is_empty(), "a type with no resources");
    assert!(
        !empty.is_paged() || empty.total().unwrap_or_default() == 0,
        "a paged empty list totals 0"
    );
}

/// Checks a list's result against the matches (`expected`, ids in creation order) among
/// `everything` of the type.
fn check_listed(
    found: &ListPage,
    everything: &[StoredResource],
    expected: &[&str],
    page: Option<(usize, usize)>,
    context: &str,
) {
    for resource in found.resources() {
        let stored = everything.iter().find(|stored| stored.id == resource.id);
        assert_eq!(
            Some(resource),
            stored,
            "{context}: a listed resource is not as stored"
        );
    }
    let listed = ids(found);
    let positions: Vec<usize> = listed
        .iter()
        .filter_map(|id| everything.iter().position(|stored| stored.id == *id))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{context}: resources out of creation order (or repeated): {listed:?}"
    );
    assert!(
        !found.is_paged() || found.is_filtered(),
        "{context}: paged but not filtered"
    );
    if found.is_paged() {
        let (start, count) = page.unwrap_or_else(|| panic!("{context}: paged without a page"));
        let slice: Vec<&str> = expected.iter().copied().skip(start).take(count).collect();
        assert_eq!(listed, slice, "{context}: the page of the matches");
        assert_eq!(
            found.total().unwrap_or_default(),
            expected.len(),
            "{context}: the total of a paged list"
        );
    } else if found.is_filtered() {
        assert_eq!(
            listed, expected,
            "{context}: the matches of a filtered list"
        );
    } else {
        let listed: HashSet<&str> = listed.into_iter().collect();
        let missing: Vec<&&str> = expected
            .iter()
            .filter(|id| !listed.contains(**id))
            .collect();
        assert!(
            missing.is_empty(),
            "{context}: unfiltered candidates miss matches {missing:?}"
        );
    }
}

fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    result.unwrap_or_else(|error| panic!("{what}: unexpected error: {error}"))
}

fn tenant_id(id: &str) -> TenantId {
    TenantId(id.to_owned())
}

fn new_tenant(id: &str, name: &str) -> Tenant {
    Tenant::new(tenant_id(id), name, Compat::default())
}

/// Creates the tenant `conformance-<name>`, with that id and name.
async fn setup<S: ResourceStore + TenantStore>(store: &S, name: &str) -> TenantId {
    let tenant = new_tenant(
        &format!("conformance-{name}"),
        &format!("conformance-{name}"),
    );
    ok(store.create_tenant(tenant.clone()).await, "create a tenant");
    tenant.id
}

/// A time `millis` after the epoch.
fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

fn filter(text: &str) -> Filter {
    text.parse()
        .unwrap_or_else(|error| panic!("conformance filter {text}: {error}"))
}

fn object(value: Value) -> Resource {
    Resource::from_value(value).unwrap_or_default()
}

fn unique(attribute: &str, value: &str) -> UniqueKey {
    UniqueKey {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
    }
}

fn meta(resource_type: &str) -> Value {
    json!({
        "resourceType": resource_type,
        "created": "2020-01-01T00:00:00.000Z",
        "lastModified": "2020-01-01T00:00:00.000Z",
    })
}

/// A user at version 1 whose unique key is its lower-cased `userName`.
fn user(id: &str, user_name: &str) -> StoredResource {
    let resource = object(json!({
        "schemas": [urn::USER],
        "id": id,
        "userName": user_name,
        "meta": meta("User"),
    }));
    let mut stored = StoredResource::new(id, "User", resource);
    stored.unique_keys = vec![unique("userName", &user_name.to_lowercase())];
    stored
}

/// A group at version 1 whose unique key is its lower-cased `displayName`.
fn group(id: &str, display_name: &str, members: &[&str]) -> StoredResource {
    let elements: Vec<Value> = members
        .iter()
        .map(|member| json!({"value": member}))
        .collect();
    let resource = object(json!({
        "schemas": [urn::GROUP],
        "id": id,
        "displayName": display_name,
        "members": elements,
        "meta": meta("Group"),
    }));
    let mut stored = StoredResource::new(id, "Group", resource);
    stored.unique_keys = vec![unique("displayName", &display_name.to_lowercase())];
    stored.members = members.iter().map(|member| (*member).to_owned()).collect();
    stored
}

/// `resource` as the write after `version`: at the next version.
fn next(mut resource: StoredResource, version: u64) -> StoredResource {
    resource.version = version + 1;
    resource
}

async fn get<S: ResourceStore + TenantStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
) -> Option<StoredResource> {
    ok(store.get(tenant, resource_type, id).await, "get a resource")
}

/// Every resource of a type, unfiltered and unpaged.
async fn list_all<S: ResourceStore + TenantStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
) -> ListPage {
    let page = ok(
        store
            .list(tenant, resource_type, ListQuery::new(None, None))
            .await,
        "list",
    );
    assert!(!page.is_paged(), "a list without a page is not paged");
    page
}

fn ids(page: &ListPage) -> Vec<&str> {
    page.resources()
        .iter()
        .map(|resource| resource.id.as_str())
        .collect()
}

/// The `value`s of a group's `members` (none if the attribute is gone).
fn member_values(group: &StoredResource) -> Vec<&str> {
    group
        .resource
        .get_attr("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|member| member.get("value").and_then(Value::as_str))
        .collect()
}

fn last_modified(resource: &StoredResource) -> Option<&str> {
    resource
        .resource
        .get_attr("meta")?
        .get("lastModified")?
        .as_str()
}

fn display_name<'a>(groups: &'a [StoredResource], id: &str) -> Option<&'a str> {
    groups
        .iter()
        .find(|group| group.id == id)?
        .resource
        .get_str("displayName")
}
