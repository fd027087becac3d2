//! The store conformance suite, run on [`MemoryStore`].

use scimitar_engine::MemoryStore;
use scimitar_engine::conformance::{self, block_on};

#[test]
fn tenants() {
    block_on(conformance::tenants(&MemoryStore::new()));
}

#[test]
fn keys() {
    block_on(conformance::keys(&MemoryStore::new()));
}

#[test]
fn create_and_get() {
    block_on(conformance::create_and_get(&MemoryStore::new()));
}

#[test]
fn list_order() {
    block_on(conformance::list_order(&MemoryStore::new()));
}

#[test]
fn replace_compare_and_swap() {
    block_on(conformance::replace_compare_and_swap(&MemoryStore::new()));
}

#[test]
fn uniqueness() {
    block_on(conformance::uniqueness(&MemoryStore::new()));
}

#[test]
fn delete_cascades_membership() {
    block_on(conformance::delete_cascades_membership(&MemoryStore::new()));
}

#[test]
fn groups_with_member() {
    block_on(conformance::groups_with_member(&MemoryStore::new()));
}

#[test]
fn tenant_isolation() {
    block_on(conformance::tenant_isolation(&MemoryStore::new()));
}

#[test]
fn index_lookups_agree_with_scan() {
    block_on(conformance::index_lookups_agree_with_scan(
        &MemoryStore::new(),
    ));
}

#[test]
fn paging() {
    block_on(conformance::paging(&MemoryStore::new()));
}

#[test]
fn run_all_on_fresh_stores() {
    block_on(conformance::run_all(MemoryStore::new));
}

/// The checks keep to tenants and keys of their own, so they can share a store.
#[test]
fn run_shared_on_one_store() {
    block_on(conformance::run_shared(&MemoryStore::new()));
}
