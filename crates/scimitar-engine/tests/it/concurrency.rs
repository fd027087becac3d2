//! Concurrent writers: compare-and-swap retries lose no update, and uniqueness holds
//! under races.

use std::future::Future;
use std::sync::{Arc, Barrier, Mutex};
use std::thread;

use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde_json::json;

use pollster::block_on;
use scimitar_engine::{
    ApiKey, Disposal, Engine, EngineConfig, KeyHash, ListPage, ListQuery, MemoryStore, Origin,
    ResourceStore, StoreError, StoredResource, Tenant, TenantId, TenantStore, UniqueKey,
};
use scimitar_patch::Compat;
use scimitar_policy::{Action, HistoryEntry, Policy};

use crate::support::{
    Harness, START, SequentialIds, assert_error, assert_list, header, id_of, member_ids, patch_op,
    reply, request, user,
};

const THREADS: usize = 8;
const PATCHES_PER_THREAD: usize = 25;

#[test]
fn concurrent_member_adds_are_all_kept() {
    let h = Arc::new(Harness::with_config(
        EngineConfig::default().write_retries(1000),
    ));
    let members: Vec<String> = (0..THREADS * PATCHES_PER_THREAD)
        .map(|index| h.create_user(&format!("member{index:03}")))
        .collect();
    let group = h.create_group("crowded", &[]);
    let barrier = Arc::new(Barrier::new(THREADS));

    let workers: Vec<_> = (0..THREADS)
        .map(|thread_index| {
            let h = Arc::clone(&h);
            let barrier = Arc::clone(&barrier);
            let mine: Vec<String> = members[thread_index * PATCHES_PER_THREAD..(thread_index + 1) * PATCHES_PER_THREAD].to_vec();
            let path = format!("/Groups/{group}");
            thread::spawn(move || {
                barrier.wait();
                for member in mine {
                    let body = patch_op(json!([{"op": "Add", "path": "members", "value": [{"$ref": null, "value": member}]}]));
                    let (status, _, body) = h.patch(&path, body);
                    assert_eq!(status, 200, "adding {member}: {body}");
                    assert!(member_ids(&body).contains(&member), "{member} missing from the answer");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }

    let (status, headers, body) = h.get(&format!("/Groups/{group}"));
    assert_eq!(status, 200);
    let mut expected = members.clone();
    expected.sort();
    assert_eq!(member_ids(&body), expected, "no member lost");
    let total = THREADS * PATCHES_PER_THREAD;
    assert_eq!(
        header(&headers, "etag"),
        format!("W/\"{}\"", total + 1),
        "one version per PATCH"
    );
    let (_, _, some_member) = h.get(&format!("/Users/{}", members[total - 1]));
    assert_eq!(some_member["groups"][0]["value"], json!(group));
}

#[test]
fn concurrent_creates_of_one_user_name() {
    let h = Arc::new(Harness::new());
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = (0..THREADS)
        .map(|index| {
            let h = Arc::clone(&h);
            let barrier = Arc::clone(&barrier);
            thread::spawn(move || {
                // The same name in different cases: unique ignoring case.
                let name = if index % 2 == 0 {
                    "racer@example.com"
                } else {
                    "RACER@example.com"
                };
                barrier.wait();
                h.post("/Users", user(name))
            })
        })
        .collect();
    let replies: Vec<_> = workers
        .into_iter()
        .map(|worker| worker.join().expect("a worker panicked"))
        .collect();
    let created = replies.iter().filter(|reply| reply.0 == 201).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        replies.iter().map(|reply| reply.0).collect::<Vec<_>>()
    );
    for reply in replies.iter().filter(|reply| reply.0 != 201) {
        assert_error(reply, 409, Some("uniqueness"));
    }
    assert_list(&h.get("/Users"), 1, 1);
}

#[test]
fn concurrent_renames_to_one_group_name() {
    let h = Arc::new(Harness::new());
    let groups: Vec<String> = (0..THREADS)
        .map(|index| h.create_group(&format!("group{index}"), &[]))
        .collect();
    let barrier = Arc::new(Barrier::new(THREADS));
    let workers: Vec<_> = groups
        .iter()
        .map(|group| {
            let h = Arc::clone(&h);
            let barrier = Arc::clone(&barrier);
            let path = format!("/Groups/{group}");
            thread::spawn(move || {
                barrier.wait();
                h.patch(
                    &path,
                    patch_op(json!([{"op": "replace", "path": "displayName", "value": "Winners"}])),
                )
            })
        })
        .collect();
    let replies: Vec<_> = workers
        .into_iter()
        .map(|worker| worker.join().expect("a worker panicked"))
        .collect();
    assert_eq!(replies.iter().filter(|reply| reply.0 == 200).count(), 1);
    for reply in replies.iter().filter(|reply| reply.0 != 200) {
        assert_error(reply, 409, Some("uniqueness"));
    }
    assert_list(&h.get("/Groups?filter=displayName+eq+%22winners%22"), 1, 1);
}

#[test]
fn concurrent_patches_of_different_users_do_not_interfere() {
    let h = Arc::new(Harness::new());
    let ids: Vec<String> = (0..THREADS)
        .map(|index| h.create_user(&format!("user{index}")))
        .collect();
    let workers: Vec<_> = ids
        .iter()
        .map(|id| {
            let h = Arc::clone(&h);
            let path = format!("/Users/{id}");
            thread::spawn(move || {
                for round in 0..PATCHES_PER_THREAD {
                    let (status, _, body) =
                        h.patch(&path, patch_op(json!([{"op": "replace", "path": "displayName", "value": format!("round {round}")}])));
                    assert_eq!(status, 200, "{body}");
                }
            })
        })
        .collect();
    for worker in workers {
        worker.join().expect("a worker panicked");
    }
    for id in &ids {
        let (_, headers, body) = h.get(&format!("/Users/{id}"));
        assert_eq!(
            body["displayName"],
            format!("round {}", PATCHES_PER_THREAD - 1)
        );
        assert_eq!(
            header(&headers, "etag"),
            format!("W/\"{}\"", PATCHES_PER_THREAD + 1)
        );
    }
}

/// A `MemoryStore` that deletes one user just before the next group write, as a
/// concurrent `DELETE` would between the engine's member check and its write.
struct DeleteBeforeGroupWrite {
    inner: MemoryStore,
    victim: Mutex<Option<(TenantId, String)>>,
}

impl DeleteBeforeGroupWrite {
    fn interfere(&self, resource: &StoredResource) {
        if resource.resource_type != "Group" {
            return;
        }
        let victim = self.victim.lock().expect("lock").take();
        if let Some((tenant, id)) = victim {
            let at = DateTime::from_timestamp(START, 0).expect("time");
            let entry = HistoryEntry::new(at, Action::Deleted, "User", Some(id.clone()), 204);
            block_on(
                self.inner
                    .delete(&tenant, "User", &id, None, at, Disposal::Delete, entry),
            )
            .expect("the user was deleted");
        }
    }
}

impl TenantStore for DeleteBeforeGroupWrite {
    fn create_tenant(&self, tenant: Tenant) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.create_tenant(tenant)
    }
    fn tenant(
        &self,
        id: &TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        self.inner.tenant(id)
    }
    fn tenant_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        self.inner.tenant_by_name(name)
    }
    fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send {
        self.inner.tenants()
    }
    fn set_policy(
        &self,
        tenant: &TenantId,
        policy: Policy,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.set_policy(tenant, policy)
    }
    fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.add_key(key)
    }
    fn key_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send {
        self.inner.key_by_hash(hash)
    }
    fn keys(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send {
        self.inner.keys(tenant)
    }
    fn revoke_key(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.revoke_key(id, at)
    }
}

impl ResourceStore for DeleteBeforeGroupWrite {
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<std::sync::Arc<StoredResource>>, StoreError>> + Send
    {
        self.inner.get(tenant, resource_type, id)
    }
    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
        self.inner.list(tenant, resource_type, query)
    }
    fn create(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.interfere(&resource);
        self.inner.create(tenant, resource, origin, entry)
    }
    fn replace(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.interfere(&resource);
        self.inner
            .replace(tenant, resource, expected_version, entry)
    }
    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.inner.delete(
            tenant,
            resource_type,
            id,
            expected_version,
            at,
            disposal,
            entry,
        )
    }
    fn record(
        &self,
        tenant: &TenantId,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.inner.record(tenant, entry)
    }
    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<std::sync::Arc<StoredResource>>, StoreError>> + Send {
        self.inner.awaiting_manager(tenant, keys)
    }
    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.inner.add_unmanaged(tenant, account)
    }
    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        self.inner.find_unmanaged(tenant, resource_type, key)
    }
    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
        self.inner.unmanaged(tenant)
    }
    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        self.inner.groups_with_member(tenant, member_id)
    }
    fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
        self.inner.resource_types(tenant, ids)
    }
}

/// A member deleted between the engine's check that it exists and the group's write
/// must not be left in the group (a dangling member no later request removes).
#[test]
fn a_member_deleted_during_the_write_is_not_left_dangling() {
    let store = DeleteBeforeGroupWrite {
        inner: MemoryStore::new(),
        victim: Mutex::new(None),
    };
    let engine = Engine::new(
        store,
        move || DateTime::from_timestamp(START, 0).expect("time"),
        SequentialIds::default(),
    );
    let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).expect("tenant");
    let key = block_on(engine.issue_key(&tenant.id, None)).expect("key");
    let auth = format!("Bearer {}", key.secret);
    let send = |method: &str, path: &str, body: serde_json::Value| {
        let headers = [
            ("Authorization", auth.as_str()),
            ("Content-Type", "application/scim+json"),
        ];
        reply(block_on(engine.handle(request(
            method,
            path,
            Bytes::from(body.to_string()),
            &headers,
        ))))
    };
    let (_, _, alice) = send("POST", "/Users", user("alice"));
    let alice = id_of(&alice);
    let (_, _, bob) = send("POST", "/Users", user("bob"));
    let bob = id_of(&bob);
    let (status, _, group) = send("POST", "/Groups", crate::support::group("admins", &[&bob]));
    assert_eq!(status, 201);
    let group = id_of(&group);

    // PATCH: alice is checked, then deleted, then the group written.
    *engine.store().victim.lock().expect("lock") = Some((tenant.id.clone(), alice.clone()));
    let body = patch_op(json!([{"op": "add", "path": "members", "value": [{"value": alice}]}]));
    let (status, _, answer) = send("PATCH", &format!("/Groups/{group}"), body);
    let (_, _, stored) = reply(block_on(engine.handle(request(
        "GET",
        &format!("/Groups/{group}"),
        Bytes::new(),
        &[("Authorization", auth.as_str())],
    ))));
    assert!(
        !member_ids(&stored).contains(&alice),
        "the PATCH answered {status} and the group keeps deleted member {alice}: {answer}"
    );
}
