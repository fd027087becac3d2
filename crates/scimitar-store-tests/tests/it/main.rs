//! The suite on stores of one trait each, built over `MemoryStore`: the resource checks
//! need a `ResourceStore` only, the tenant checks a `TenantStore` only, and a store
//! whose tenants must exist first passes once its tenants are set up.

use std::collections::HashSet;
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use pollster::block_on;

use scimitar_engine::{
    ApiKey, KeyHash, ListPage, ListQuery, MemoryStore, ResourceStore, StoreError, StoredResource,
    Tenant, TenantId, TenantStore,
};
use scimitar_store_tests::{run_resources, run_resources_with, run_tenants};

/// A store of resources and nothing else, as a host that authenticates requests itself
/// plugs in.
struct Resources(MemoryStore);

impl ResourceStore for Resources {
    async fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<std::sync::Arc<StoredResource>>, StoreError> {
        self.0.get(tenant, resource_type, id).await
    }

    async fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        self.0.list(tenant, resource_type, query).await
    }

    async fn create(&self, tenant: &TenantId, resource: StoredResource) -> Result<(), StoreError> {
        self.0.create(tenant, resource).await
    }

    async fn replace(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.0.replace(tenant, resource, expected_version).await
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.0
            .delete(tenant, resource_type, id, expected_version, at)
            .await
    }

    async fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.0.groups_with_member(tenant, member_id).await
    }

    async fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> Result<Vec<Option<String>>, StoreError> {
        self.0.resource_types(tenant, ids).await
    }
}

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

impl ResourceStore for Registered {
    async fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<std::sync::Arc<StoredResource>>, StoreError> {
        self.resources.get(tenant, resource_type, id).await
    }

    async fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        self.resources.list(tenant, resource_type, query).await
    }

    async fn create(&self, tenant: &TenantId, resource: StoredResource) -> Result<(), StoreError> {
        self.known(tenant)?;
        self.resources.create(tenant, resource).await
    }

    async fn replace(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.known(tenant)?;
        self.resources
            .replace(tenant, resource, expected_version)
            .await
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.known(tenant)?;
        self.resources
            .delete(tenant, resource_type, id, expected_version, at)
            .await
    }

    async fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        self.resources.groups_with_member(tenant, member_id).await
    }

    async fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> Result<Vec<Option<String>>, StoreError> {
        self.resources.resource_types(tenant, ids).await
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
}

/// What makes the test above pass is the setup: without it, the first write fails.
#[test]
#[should_panic(expected = "create a user: unexpected error: not found")]
fn a_store_whose_tenants_must_exist_fails_without_them() {
    block_on(run_resources(Registered::new));
}
