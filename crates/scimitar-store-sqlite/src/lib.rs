//! A durable [`ResourceStore`](scimitar_engine::ResourceStore),
//! [`TenantStore`](scimitar_engine::TenantStore) and
//! [`HistoryStore`](scimitar_engine::HistoryStore) for `scimitar-engine` on one SQLite
//! file.
//!
//! - One file, no setup: tables are created and migrated on open (numbered migrations),
//!   in WAL mode so readers never wait for the writer. Reads run on a pool of reader
//!   threads, each on a read-only connection, shared fairly between tenants and each
//!   within a time budget that interrupts the query (see
//!   [`SqliteStore::with_read_budget`]); writes run on one writer thread, where the
//!   writes of concurrent requests share a transaction (each in a savepoint of its own,
//!   acknowledged once the transaction has committed), and a checkpointer thread copies
//!   the log into the file (see [`SqliteStore::with_checkpoint_pages`]). A replace
//!   writes only the rows that changed.
//! - Every table is keyed by tenant first; every write is one transaction that checks the
//!   version (compare-and-swap), the unique values (by a primary key, not by
//!   check-then-insert) and the group members.
//! - Equality indexes answer the identity providers' lookups (`userName`, `externalId`,
//!   `displayName` `eq`). Other filters are pushed down whole to SQL with
//!   [`scimitar_sql`]: each write also writes the resource's `attr_values` rows, and a
//!   filter the SQL decides alone is answered (and paged) by SQLite. What SQL cannot
//!   decide exactly (an attribute behind a schema URN the registry does not know, for
//!   one) gives the engine a superset to evaluate.
//! - Filters follow a [`SchemaRegistry`](scimitar_schema::SchemaRegistry), the core one
//!   unless [`SqliteStore::with_registry`] gives the engine's; resources are re-indexed
//!   when the registry's resource types or extensions change.
//! - Every write appends its history entry in its own transaction (one more `INSERT`,
//!   which numbers the entry after the tenant's last): a write that fails, even among
//!   others sharing its transaction, leaves none. History queries run in SQL on the
//!   keys `(tenant, seq)` and `(tenant, resource_id, seq)`; pruning never lets a number
//!   be given out twice.
//! - Unmanaged accounts live in a table of their own, which no SCIM read sees; their
//!   unique keys share the resources' table, so each blocks the other, and a create
//!   that picks an account up (or a delete that unlinks one) moves it in the same
//!   transaction. Keys unique across tenants are also held in a table keyed by type,
//!   attribute and value. Users awaiting a manager are found by a partial index.
//! - A write that returned is durable against a crash of the process (SQLite's WAL with
//!   `synchronous=NORMAL`); a power loss may lose the last transactions.
//!
//! SQLite errors never reach clients: they become
//! [`StoreError::Unavailable`], but for a read over its budget, or too large for SQLite
//! to compile, which is [`StoreError::TooExpensive`].
//!
//! # Quick start
//!
//! ```
//! use scimitar_engine::{ResourceStore, TenantStore};
//! use pollster::block_on;
//! use scimitar_patch::Compat;
//! use scimitar_store_sqlite::SqliteStore;
//!
//! let store = SqliteStore::open_in_memory()?;
//! let tenant = scimitar_engine::Tenant::new(scimitar_engine::TenantId("t1".into()), "acme", Compat::LENIENT);
//! block_on(store.create_tenant(tenant.clone()))?;
//! assert_eq!(block_on(store.tenant_by_name("acme"))?, Some(tenant));
//! # Ok::<(), scimitar_engine::StoreError>(())
//! ```

mod budget;
mod connections;
#[cfg(feature = "test-hooks")]
mod faults;
mod health;
mod history;
mod index;
mod list;
mod migrations;
mod readers;
mod refold;
mod rows;
mod schedule;
mod statements;
mod store;
mod unmanaged;
mod write;
mod writer;

use chrono::{DateTime, Utc};
use scimitar_engine::StoreError;

#[cfg(feature = "test-hooks")]
pub use migrations::migrate_file_to;
#[cfg(feature = "test-hooks")]
pub use store::HeldWrites;
pub use store::SqliteStore;

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn parse_time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|text| {
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(unavailable)
    })
    .transpose()
}
