//! The suite on stores of one trait each, built over `MemoryStore`: the resource checks
//! need a `ResourceStore` only, the tenant checks a `TenantStore` only, the history
//! checks a `ResourceStore` and a `HistoryStore`, and a store whose tenants must exist
//! first passes once its tenants are set up.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use pollster::block_on;

use scimitar_engine::{
    ApiKey, Disposal, HistoryQuery, HistoryStore, KeyHash, ListPage, ListQuery, MemoryStore,
    Origin, ResourceStore, StoreError, StoredResource, Tenant, TenantId, TenantStore, UniqueKey,
};
use scimitar_policy::{HistoryEntry, Policy};
use scimitar_store_tests::{
    run_history, run_history_with, run_resources, run_resources_with, run_tenants,
};

/// Implements `ResourceStore` for `$store` by calling `$inner` (an expression of `self`),
/// each write first passing `$check` (`self`, the tenant).
macro_rules! resources {
    ($store:ty, |$this:ident| $inner:expr, $check:expr) => {
        impl ResourceStore for $store {
            async fn get(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                id: &str,
            ) -> Result<Option<Arc<StoredResource>>, StoreError> {
                let $this = self;
                $inner.get(tenant, resource_type, id).await
            }

            async fn list(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                query: ListQuery<'_>,
            ) -> Result<ListPage, StoreError> {
                let $this = self;
                $inner.list(tenant, resource_type, query).await
            }

            async fn create(
                &self,
                tenant: &TenantId,
                resource: std::sync::Arc<StoredResource>,
                origin: Origin,
                entry: HistoryEntry,
            ) -> Result<u64, StoreError> {
                $check(self, tenant)?;
                let $this = self;
                $inner.create(tenant, resource, origin, entry).await
            }

            async fn replace(
                &self,
                tenant: &TenantId,
                resource: std::sync::Arc<StoredResource>,
                expected_version: u64,
                entry: HistoryEntry,
            ) -> Result<u64, StoreError> {
                $check(self, tenant)?;
                let $this = self;
                $inner
                    .replace(tenant, resource, expected_version, entry)
                    .await
            }

            async fn delete(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                id: &str,
                expected_version: Option<u64>,
                at: DateTime<Utc>,
                disposal: Disposal,
                entry: HistoryEntry,
            ) -> Result<Vec<String>, StoreError> {
                $check(self, tenant)?;
                let $this = self;
                $inner
                    .delete(
                        tenant,
                        resource_type,
                        id,
                        expected_version,
                        at,
                        disposal,
                        entry,
                    )
                    .await
            }

            async fn record(
                &self,
                tenant: &TenantId,
                entry: HistoryEntry,
            ) -> Result<u64, StoreError> {
                $check(self, tenant)?;
                let $this = self;
                $inner.record(tenant, entry).await
            }

            async fn awaiting_manager(
                &self,
                tenant: &TenantId,
                keys: &[String],
            ) -> Result<Vec<Arc<StoredResource>>, StoreError> {
                let $this = self;
                $inner.awaiting_manager(tenant, keys).await
            }

            async fn add_unmanaged(
                &self,
                tenant: &TenantId,
                account: StoredResource,
            ) -> Result<(), StoreError> {
                $check(self, tenant)?;
                let $this = self;
                $inner.add_unmanaged(tenant, account).await
            }

            async fn find_unmanaged(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                key: &UniqueKey,
            ) -> Result<Option<StoredResource>, StoreError> {
                let $this = self;
                $inner.find_unmanaged(tenant, resource_type, key).await
            }

            async fn unmanaged(
                &self,
                tenant: &TenantId,
            ) -> Result<Vec<StoredResource>, StoreError> {
                let $this = self;
                $inner.unmanaged(tenant).await
            }

            async fn groups_with_member(
                &self,
                tenant: &TenantId,
                member_id: &str,
            ) -> Result<Vec<(String, String)>, StoreError> {
                let $this = self;
                $inner.groups_with_member(tenant, member_id).await
            }

            async fn resource_types(
                &self,
                tenant: &TenantId,
                ids: &[&str],
            ) -> Result<Vec<Option<String>>, StoreError> {
                let $this = self;
                $inner.resource_types(tenant, ids).await
            }
        }
    };
}

/// A store of resources and nothing else, as a host that authenticates requests itself
/// plugs in.
struct Resources(MemoryStore);

/// Any tenant will do.
fn anywhere<S>(_: &S, _: &TenantId) -> Result<(), StoreError> {
    Ok(())
}

resources!(Resources, |store| store.0, anywhere);

/// A store of tenants and keys and nothing else.
struct Tenants(MemoryStore);

impl TenantStore for Tenants {
    async fn create_tenant(&self, tenant: Tenant) -> Result<(), StoreError> {
        self.0.create_tenant(tenant).await
    }

    async fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        self.0.tenant(id).await
    }

    async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        self.0.tenant_by_name(name).await
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        self.0.tenants().await
    }

    async fn set_policy(&self, tenant: &TenantId, policy: Policy) -> Result<(), StoreError> {
        self.0.set_policy(tenant, policy).await
    }

    async fn add_key(&self, key: ApiKey) -> Result<(), StoreError> {
        self.0.add_key(key).await
    }

    async fn key_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKey>, StoreError> {
        self.0.key_by_hash(hash).await
    }

    async fn keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, StoreError> {
        self.0.keys(tenant).await
    }

    async fn revoke_key(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        self.0.revoke_key(id, at).await
    }
}

/// A store of resources that refuses writes in a tenant it was not told of (reads there
/// find nothing), as one whose rows reference a tenant table does.
struct Registered {
    resources: Resources,
    tenants: Mutex<HashSet<TenantId>>,
}

impl Registered {
    fn new() -> Self {
        Self {
            resources: Resources(MemoryStore::new()),
            tenants: Mutex::new(HashSet::new()),
        }
    }

    /// Sets up the tenant `name`, with that id.
    fn register(&self, name: &str) -> TenantId {
        let id = TenantId(name.to_owned());
        let mut tenants = self.tenants.lock().expect("the tenants");
        assert!(tenants.insert(id.clone()), "{name} is set up twice");
        id
    }

    fn known(&self, tenant: &TenantId) -> Result<(), StoreError> {
        match self.tenants.lock().expect("the tenants").contains(tenant) {
            true => Ok(()),
            false => Err(StoreError::NotFound),
        }
    }
}

resources!(Registered, |store| store.resources.0, Registered::known);

/// Its history: read anywhere (an unknown tenant has none), pruned anywhere (nothing to
/// prune in an unknown tenant).
impl HistoryStore for Registered {
    async fn history(
        &self,
        tenant: &TenantId,
        query: &HistoryQuery,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        self.resources.0.history(tenant, query).await
    }

    async fn prune_history(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        self.resources.0.prune_history(tenant, before).await
    }
}

#[test]
fn a_store_of_resources_alone_passes_the_resource_checks() {
    block_on(run_resources(|| Resources(MemoryStore::new())));
}

#[test]
fn the_resource_checks_share_one_store() {
    let store = Resources(MemoryStore::new());
    block_on(run_resources(|| &store));
}

#[test]
fn a_store_of_tenants_alone_passes_the_tenant_checks() {
    block_on(run_tenants(|| Tenants(MemoryStore::new())));
}

#[test]
fn the_tenant_checks_share_one_store() {
    let store = Tenants(MemoryStore::new());
    block_on(run_tenants(|| &store));
}

#[test]
fn a_store_whose_tenants_must_exist_passes_once_they_are_set_up() {
    block_on(run_resources_with(
        Registered::new,
        async |store: &Registered, name: &str| store.register(name),
    ));
    block_on(run_history_with(
        Registered::new,
        async |store: &Registered, name: &str| store.register(name),
    ));
}

#[test]
fn the_history_checks_pass_on_fresh_stores_and_on_one() {
    block_on(run_history(MemoryStore::new));
    let store = MemoryStore::new();
    block_on(run_history(|| &store));
}

/// As for resources, the history checks need their tenants set up first.
#[test]
#[should_panic(expected = "create a user: unexpected error: not found")]
fn the_history_checks_fail_without_the_tenants_they_need() {
    block_on(run_history(Registered::new));
}

/// What makes the test above pass is the setup: without it, the first write fails.
#[test]
#[should_panic(expected = "create a user: unexpected error: not found")]
fn a_store_whose_tenants_must_exist_fails_without_them() {
    block_on(run_resources(Registered::new));
}
