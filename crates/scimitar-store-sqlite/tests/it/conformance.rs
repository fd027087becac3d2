//! The store suite every store passes (`scimitar-store-tests`), on a private in-memory
//! database (one connection) and on a file (a writer and a pool of readers).

use std::sync::atomic::{AtomicUsize, Ordering};

use pollster::block_on;
use scimitar_store_sqlite::SqliteStore;

use crate::TempDir;

fn in_memory() -> SqliteStore {
    SqliteStore::open_in_memory().expect("an in-memory database")
}

#[test]
fn passes_every_check_on_fresh_stores() {
    block_on(scimitar_store_tests::run_all(in_memory));
}

#[test]
fn passes_every_check_on_one_store() {
    let store = in_memory();
    block_on(scimitar_store_tests::run_all(|| &store));
}

/// Resources need no row in the tenant table: a host that authenticates requests itself
/// names tenants the store never saw.
#[test]
fn passes_the_resource_checks_in_tenants_never_created() {
    block_on(scimitar_store_tests::run_resources(in_memory));
}

#[test]
fn passes_every_check_on_fresh_files() {
    let dir = TempDir::new("conformance-files");
    let next = AtomicUsize::new(0);
    block_on(scimitar_store_tests::run_all(|| {
        let file = dir
            .0
            .join(format!("{}.db", next.fetch_add(1, Ordering::Relaxed)));
        SqliteStore::open(file).expect("a database file")
    }));
}

#[test]
fn passes_every_check_on_one_file() {
    let dir = TempDir::new("conformance-file");
    let store = SqliteStore::open(dir.0.join("scim.db")).expect("a database file");
    block_on(scimitar_store_tests::run_all(|| &store));
}
