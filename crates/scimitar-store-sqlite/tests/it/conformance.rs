//! The shared conformance suite every store passes.

use scimitar_engine::{block_on, conformance};
use scimitar_store_sqlite::SqliteStore;

fn fresh() -> SqliteStore {
    SqliteStore::open_in_memory().expect("an in-memory database")
}

#[test]
fn passes_every_check_on_fresh_stores() {
    block_on(conformance::run_all(fresh));
}

#[test]
fn passes_every_check_on_one_store() {
    block_on(conformance::run_shared(&fresh()));
}
