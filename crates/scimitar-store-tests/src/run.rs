//! The entry points: every check, or those of one trait, each on a store from `make`.

use scimitar_engine::{HistoryStore, ResourceStore, TenantId, TenantStore};

use crate::fixtures::{new_tenant, ok};
use crate::{
    create_and_get, delete_cascades_membership, failed_writes_append_nothing, global_uniqueness,
    groups_with_member, history_numbering, history_pruning, history_queries,
    index_lookups_agree_with_scan, keys, list_order, look_alike_names, paging, pending_managers,
    pick_up_removes_the_account, replace_compare_and_swap, sorted_pages, tenant_isolation, tenants,
    uniqueness, unlink_keeps_an_account, unmanaged_accounts,
};

/// Runs every check, each on a store from `make`: [`run_tenants`], then the resource
/// checks of [`run_resources_with`] and the history checks of [`run_history_with`] in
/// tenants created by [`TenantStore::create_tenant`], each with its name as its id.
pub async fn run_all<S: ResourceStore + TenantStore + HistoryStore>(make: impl Fn() -> S) {
    run_tenants(&make).await;
    let tenant = async |store: &S, name: &str| {
        let tenant = new_tenant(name, name);
        ok(store.create_tenant(tenant.clone()).await, "create a tenant");
        tenant.id
    };
    run_resources_with(&make, tenant).await;
    run_history_with(&make, tenant).await;
}

/// Runs the checks of a [`TenantStore`], each on a store from `make`: [`tenants`] and
/// [`keys`].
pub async fn run_tenants<S: TenantStore>(make: impl Fn() -> S) {
    tenants(&make()).await;
    keys(&make()).await;
}

/// Runs the checks of a [`ResourceStore`], each on a store from `make`, in tenant ids
/// that nothing set up (`conformance-create`, `conformance-order`, …): for a store that
/// takes any [`TenantId`], as a store of resources alone does when the host
/// authenticates requests and names the tenants itself. A store whose tenants must exist
/// first runs [`run_resources_with`].
///
/// ```
/// // `MemoryStore` takes any tenant id.
/// pollster::block_on(scimitar_store_tests::run_resources(scimitar_engine::MemoryStore::new));
/// ```
pub async fn run_resources<S: ResourceStore>(make: impl Fn() -> S) {
    run_resources_with(make, any_tenant).await;
}

/// The tenant id `name`, set up by nothing.
async fn any_tenant<S>(_: &S, name: &str) -> TenantId {
    TenantId(name.to_owned())
}

/// Runs the checks of a [`ResourceStore`], each on a store from `make`, in the tenants
/// that `tenant` sets up: [`create_and_get`], [`list_order`],
/// [`replace_compare_and_swap`], [`uniqueness`], [`delete_cascades_membership`],
/// [`groups_with_member`], [`tenant_isolation`], [`index_lookups_agree_with_scan`],
/// [`look_alike_names`], [`paging`], [`sorted_pages`], [`unmanaged_accounts`],
/// [`pick_up_removes_the_account`],
/// [`unlink_keeps_an_account`], [`pending_managers`] and [`global_uniqueness`].
///
/// Before a check runs, `tenant` is called once for each tenant the check writes in,
/// with the check's store and a name no other call gets (`conformance-create`, …); it
/// returns the id of a tenant of that store that holds no resources, unmanaged accounts
/// or history entries, creating the tenant if the store needs one to exist. The checks
/// also read in tenant ids that nothing set up, which must hold nothing.
///
/// ```
/// use scimitar_engine::{MemoryStore, Tenant, TenantId, TenantStore};
/// use scimitar_patch::Compat;
///
/// // The tenants of this store are created through its `TenantStore`, as `run_all`
/// // does; another store sets them up however it does.
/// pollster::block_on(scimitar_store_tests::run_resources_with(
///     MemoryStore::new,
///     async |store: &MemoryStore, name: &str| {
///         let tenant = Tenant::new(TenantId(name.to_owned()), name, Compat::default());
///         store.create_tenant(tenant.clone()).await.expect("a new tenant");
///         tenant.id
///     },
/// ));
/// ```
pub async fn run_resources_with<S: ResourceStore>(
    make: impl Fn() -> S,
    tenant: impl AsyncFn(&S, &str) -> TenantId,
) {
    let store = make();
    create_and_get(&store, &tenant(&store, "conformance-create").await).await;
    let store = make();
    list_order(&store, &tenant(&store, "conformance-order").await).await;
    let store = make();
    replace_compare_and_swap(&store, &tenant(&store, "conformance-replace").await).await;
    let store = make();
    uniqueness(&store, &tenant(&store, "conformance-unique").await).await;
    let store = make();
    delete_cascades_membership(&store, &tenant(&store, "conformance-delete").await).await;
    let store = make();
    groups_with_member(&store, &tenant(&store, "conformance-member").await).await;
    let store = make();
    let one = tenant(&store, "conformance-isolation-one").await;
    let two = tenant(&store, "conformance-isolation-two").await;
    tenant_isolation(&store, &one, &two).await;
    let store = make();
    index_lookups_agree_with_scan(&store, &tenant(&store, "conformance-lookup").await).await;
    let store = make();
    look_alike_names(&store, &tenant(&store, "conformance-look-alike").await).await;
    let store = make();
    paging(&store, &tenant(&store, "conformance-paging").await).await;
    let store = make();
    sorted_pages(&store, &tenant(&store, "conformance-sorted").await).await;
    let store = make();
    unmanaged_accounts(&store, &tenant(&store, "conformance-unmanaged").await).await;
    let store = make();
    pick_up_removes_the_account(&store, &tenant(&store, "conformance-pick-up").await).await;
    let store = make();
    unlink_keeps_an_account(&store, &tenant(&store, "conformance-unlink").await).await;
    let store = make();
    pending_managers(&store, &tenant(&store, "conformance-pending").await).await;
    let store = make();
    let one = tenant(&store, "conformance-global-one").await;
    let two = tenant(&store, "conformance-global-two").await;
    global_uniqueness(&store, &one, &two).await;
}

/// Runs the checks of a [`HistoryStore`] (with the [`ResourceStore`] that writes it),
/// each on a store from `make`, in tenant ids that nothing set up
/// (`conformance-history-…`): for a store that takes any [`TenantId`]. A store whose
/// tenants must exist first runs [`run_history_with`].
///
/// ```
/// // `MemoryStore` takes any tenant id.
/// pollster::block_on(scimitar_store_tests::run_history(scimitar_engine::MemoryStore::new));
/// ```
pub async fn run_history<S: ResourceStore + HistoryStore>(make: impl Fn() -> S) {
    run_history_with(make, any_tenant).await;
}

/// Runs the checks of a [`HistoryStore`], each on a store from `make`, in the tenants
/// that `tenant` sets up, as [`run_resources_with`] does: [`history_numbering`],
/// [`failed_writes_append_nothing`], [`history_queries`] and [`history_pruning`].
pub async fn run_history_with<S: ResourceStore + HistoryStore>(
    make: impl Fn() -> S,
    tenant: impl AsyncFn(&S, &str) -> TenantId,
) {
    let store = make();
    let one = tenant(&store, "conformance-history-one").await;
    let two = tenant(&store, "conformance-history-two").await;
    history_numbering(&store, &one, &two).await;
    let store = make();
    failed_writes_append_nothing(&store, &tenant(&store, "conformance-history-failed").await).await;
    let store = make();
    history_queries(&store, &tenant(&store, "conformance-history-query").await).await;
    let store = make();
    let one = tenant(&store, "conformance-history-prune-one").await;
    let two = tenant(&store, "conformance-history-prune-two").await;
    history_pruning(&store, &one, &two).await;
}
