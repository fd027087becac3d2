//! Integration tests of scimitar-store-sqlite: the store suite (scimitar-store-tests),
//! durability across reopening and upgrades, filters pushed down to SQL, expensive reads
//! (budget, cancellation, the tenants' fair share), and a
//! differential property test of lists against the engine's in-memory store.

mod bounded;
mod conformance;
mod differential;
mod durability;
mod expensive;
mod faults;
mod look_alike;
mod provisioning;
mod pushdown;
mod refold;
mod writes;

use pollster::block_on;
use scimitar_engine::__private::store::member_ids;
use scimitar_engine::{
    ListPage, ListQuery, ResourceStore, StoredResource, Tenant, TenantId, TenantStore,
};
use scimitar_filter::Filter;
use scimitar_patch::Compat;
use scimitar_policy::{Action, HistoryEntry};
use scimitar_schema::{CompiledFilter, Resource, SchemaRegistry};
use serde_json::Value;

/// A temporary directory, removed when dropped.
struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("scimitar-sqlite-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates the tenant `id` (named after it) and returns its id.
fn tenant(store: &(impl ResourceStore + TenantStore), id: &str) -> TenantId {
    let tenant = Tenant::new(TenantId(id.to_owned()), id, Compat::LENIENT);
    block_on(store.create_tenant(tenant.clone())).expect("create a tenant");
    tenant.id
}

/// A resource of `resource_type` at version 1 from JSON, its `id` and `members` taken
/// from it.
fn stored(resource_type: &str, value: Value) -> StoredResource {
    let resource = Resource::from_value(value).expect("a JSON object");
    let id = resource.id().expect("an id").to_owned();
    let mut stored = StoredResource::new(id, resource_type, resource);
    stored.members = member_ids(&stored.resource);
    stored
}

/// A history entry for writes whose history a test does not read.
fn entry() -> HistoryEntry {
    let at = chrono::DateTime::from_timestamp_millis(0).unwrap_or_default();
    HistoryEntry::new(at, Action::Updated, "User", None, 200)
}

/// A parsed filter.
#[track_caller]
fn filter(text: &str) -> Filter {
    text.parse()
        .unwrap_or_else(|error| panic!("{text:?} parses: {error}"))
}

/// A list with `filter` and `page`.
fn list(
    store: &(impl ResourceStore + TenantStore),
    tenant: &TenantId,
    resource_type: &str,
    filter: Option<&Filter>,
    page: Option<(usize, usize)>,
) -> ListPage {
    block_on(store.list(tenant, resource_type, ListQuery::new(filter, page))).expect("list")
}

/// The ids listed, in order.
fn ids(page: &ListPage) -> Vec<&str> {
    page.resources()
        .iter()
        .map(|resource| resource.id.as_str())
        .collect()
}

/// The ids a filtered list finds, as the engine sees them: those the store gives when
/// it answered the filter alone, else those of its candidates that match.
fn found(
    store: &(impl ResourceStore + TenantStore),
    tenant: &TenantId,
    resource_type: &str,
    text: &str,
) -> Vec<String> {
    let filter = filter(text);
    let page = list(store, tenant, resource_type, Some(&filter), None);
    let registry = SchemaRegistry::core();
    let compiled =
        CompiledFilter::compile(&filter, &registry, registry.resource_type(resource_type))
            .expect("a valid filter");
    let filtered = page.is_filtered();
    page.into_resources()
        .into_iter()
        .filter(|resource| filtered || compiled.matches(&resource.resource))
        .map(|resource| resource.id)
        .collect()
}
