//! Test-only: faults on demand (feature `test-hooks`), for the tests of what the store
//! and the engine do when the database fails. Not API.

use scimitar_engine::StoreError;

use crate::{SqliteStore, unavailable};

/// SQLite's own default limit of `max_page_count`.
const UNLIMITED_PAGES: u64 = 4_294_967_294;

impl SqliteStore {
    /// Test-only: makes the writer thread panic, as a bug in it would, and waits until
    /// it has stopped. Every write then fails at once, and [`SqliteStore::health`] says
    /// so.
    pub fn kill_writer(&self) {
        self.connections.writer.kill();
    }

    /// Test-only: makes the next `count` statements on the writer's connection fail,
    /// whichever they are (a write's, the writer's `BEGIN` or `COMMIT`, or, for a store
    /// in memory, a read's): SQLite interrupts them.
    pub fn fail_statements(&self, count: u32) -> Result<(), StoreError> {
        self.connections.writer.fail_statements(count)
    }

    /// Test-only: makes the writer's next `count` `ROLLBACK`s (of a savepoint or of a
    /// transaction) fail without running, so that a transaction stays open.
    pub fn fail_rollbacks(&self, count: u32) {
        self.connections.writer.fail_rollbacks(count);
    }

    /// Test-only: a full disk. With `true`, the database cannot grow beyond the pages it
    /// has (SQLite's `max_page_count`), so a write that needs a new page fails as on a
    /// full disk; with `false`, it grows again.
    pub fn fill_disk(&self, full: bool) -> Result<(), StoreError> {
        let connection = self.connections.writer()?;
        let pages: u64 = if full {
            connection
                .query_row("PRAGMA page_count", [], |row| row.get(0))
                .map_err(unavailable)?
        } else {
            UNLIMITED_PAGES
        };
        connection
            .query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
            .map_err(unavailable)
    }
}
