//! The store suite (`scimitar-store-tests`), run on [`MemoryStore`].

use pollster::block_on;
use scimitar_engine::{MemoryStore, TenantId};
use scimitar_store_tests as suite;

/// A tenant id the resource checks write in: `MemoryStore` takes any.
fn tenant(name: &str) -> TenantId {
    TenantId(format!("conformance-{name}"))
}

#[test]
fn tenants() {
    block_on(suite::tenants(&MemoryStore::new()));
}

#[test]
fn keys() {
    block_on(suite::keys(&MemoryStore::new()));
}

#[test]
fn create_and_get() {
    block_on(suite::create_and_get(
        &MemoryStore::new(),
        &tenant("create"),
    ));
}

#[test]
fn list_order() {
    block_on(suite::list_order(&MemoryStore::new(), &tenant("order")));
}

#[test]
fn replace_compare_and_swap() {
    block_on(suite::replace_compare_and_swap(
        &MemoryStore::new(),
        &tenant("replace"),
    ));
}

#[test]
fn uniqueness() {
    block_on(suite::uniqueness(&MemoryStore::new(), &tenant("unique")));
}

#[test]
fn delete_cascades_membership() {
    block_on(suite::delete_cascades_membership(
        &MemoryStore::new(),
        &tenant("delete"),
    ));
}

#[test]
fn groups_with_member() {
    block_on(suite::groups_with_member(
        &MemoryStore::new(),
        &tenant("member"),
    ));
}

#[test]
fn tenant_isolation() {
    block_on(suite::tenant_isolation(
        &MemoryStore::new(),
        &tenant("one"),
        &tenant("two"),
    ));
}

#[test]
fn index_lookups_agree_with_scan() {
    block_on(suite::index_lookups_agree_with_scan(
        &MemoryStore::new(),
        &tenant("lookup"),
    ));
}

#[test]
fn paging() {
    block_on(suite::paging(&MemoryStore::new(), &tenant("paging")));
}

#[test]
fn unmanaged_accounts() {
    block_on(suite::unmanaged_accounts(
        &MemoryStore::new(),
        &tenant("unmanaged"),
    ));
}

#[test]
fn pick_up_removes_the_account() {
    block_on(suite::pick_up_removes_the_account(
        &MemoryStore::new(),
        &tenant("pick-up"),
    ));
}

#[test]
fn unlink_keeps_an_account() {
    block_on(suite::unlink_keeps_an_account(
        &MemoryStore::new(),
        &tenant("unlink"),
    ));
}

#[test]
fn pending_managers() {
    block_on(suite::pending_managers(
        &MemoryStore::new(),
        &tenant("pending"),
    ));
}

#[test]
fn global_uniqueness() {
    block_on(suite::global_uniqueness(
        &MemoryStore::new(),
        &tenant("global-one"),
        &tenant("global-two"),
    ));
}

#[test]
fn history_numbering() {
    block_on(suite::history_numbering(
        &MemoryStore::new(),
        &tenant("history-one"),
        &tenant("history-two"),
    ));
}

#[test]
fn failed_writes_append_nothing() {
    block_on(suite::failed_writes_append_nothing(
        &MemoryStore::new(),
        &tenant("failed"),
    ));
}

#[test]
fn history_queries() {
    block_on(suite::history_queries(
        &MemoryStore::new(),
        &tenant("query"),
    ));
}

#[test]
fn history_pruning() {
    block_on(suite::history_pruning(
        &MemoryStore::new(),
        &tenant("prune-one"),
        &tenant("prune-two"),
    ));
}

#[test]
fn run_all_on_fresh_stores() {
    block_on(suite::run_all(MemoryStore::new));
}

/// The checks keep to tenants and keys of their own, so they can share a store.
#[test]
fn run_all_on_one_store() {
    let store = MemoryStore::new();
    block_on(suite::run_all(|| &store));
}

/// Without tenants created first: the resource and history checks take any tenant id.
#[test]
fn run_resources_and_history_on_one_store() {
    let store = MemoryStore::new();
    block_on(suite::run_resources(|| &store));
    block_on(suite::run_history(|| &store));
}
