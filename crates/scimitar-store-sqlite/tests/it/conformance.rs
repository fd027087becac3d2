//! The shared conformance suite every store passes, on a private in-memory database (one
//! connection) and on a file (a writer and a pool of readers).

use std::sync::atomic::{AtomicUsize, Ordering};

use scimitar_engine::{block_on, conformance};
use scimitar_store_sqlite::SqliteStore;

use crate::TempDir;

fn in_memory() -> SqliteStore {
    SqliteStore::open_in_memory().expect("an in-memory database")
}

#[test]
fn passes_every_check_on_fresh_stores() {
    block_on(conformance::run_all(in_memory));
}

#[test]
fn passes_every_check_on_one_store() {
    block_on(conformance::run_shared(&in_memory()));
}

#[test]
fn passes_every_check_on_fresh_files() {
    let dir = TempDir::new("conformance-files");
    let next = AtomicUsize::new(0);
    block_on(conformance::run_all(|| {
        let file = dir
            .0
            .join(format!("{}.db", next.fetch_add(1, Ordering::Relaxed)));
        SqliteStore::open(file).expect("a database file")
    }));
}

#[test]
fn passes_every_check_on_one_file() {
    let dir = TempDir::new("conformance-file");
    block_on(conformance::run_shared(
        &SqliteStore::open(dir.0.join("scim.db")).expect("a database file"),
    ));
}
