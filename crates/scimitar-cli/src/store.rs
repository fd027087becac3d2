//! The store behind `scimitar serve`, `scimitar tenant` and `scimitar token`, chosen by
//! `--db`; and the engine over it.
//!
//! [`open_store`] is the one place that maps a `--db` value to a store: a new kind of
//! store is a variant of [`AnyStore`], a line in its `each!` macro and a branch there.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use scimitar_engine::{
    AdminError, ApiKey, Disposal, Engine, HistoryQuery, HistoryStore, KeyHash, ListPage, ListQuery,
    MemoryStore, Origin, ResourceStore, StoreError, StoredResource, Tenant, TenantId, TenantStore,
    UniqueKey,
};
use scimitar_policy::{HistoryEntry, Policy};
use scimitar_store_sqlite::SqliteStore;

use crate::failure::Failure;
use crate::serve::env::{SystemClock, UuidIds};

/// The `--db` value of the store kept in the process's memory.
pub(crate) const MEMORY: &str = ":memory:";

/// The `--db` of the commands that are not given one: a SQLite file in the working
/// directory, so that a plain `scimitar serve` keeps its data.
pub(crate) const DEFAULT_DB: &str = "scimitar.db";

/// The store `--db` names: [`MEMORY`], or a SQLite file (created if missing) as a path,
/// `sqlite:PATH` or `sqlite://PATH`.
pub(crate) fn open_store(db: &str) -> Result<AnyStore, Failure> {
    let cannot = |why: &dyn std::fmt::Display| {
        Failure::unavailable(format!("cannot open the store {db:?}: {why}"))
    };
    let Some(path) = file_path(db) else {
        return Ok(AnyStore::Memory(Box::default()));
    };
    if path.is_empty() {
        return Err(cannot(&"no file named"));
    }
    if path.contains("://") {
        return Err(cannot(
            &"expected a SQLite file (PATH, sqlite:PATH) or :memory:",
        ));
    }
    SqliteStore::open(path)
        .map(AnyStore::Sqlite)
        .map_err(|error| cannot(&error))
}

/// The SQLite file `--db` names (as a path, `sqlite:PATH` or `sqlite://PATH`), or `None`
/// for [`MEMORY`].
pub(crate) fn file_path(db: &str) -> Option<&str> {
    let path = db
        .strip_prefix("sqlite://")
        .or_else(|| db.strip_prefix("sqlite:"))
        .unwrap_or(db);
    (path != MEMORY).then_some(path)
}

/// An engine over the store `--db` names, with the system clock and random ids from the
/// operating system.
pub(crate) fn open_engine(db: &str) -> Result<Engine<AnyStore>, Failure> {
    let store = open_store(db)?;
    Ok(Engine::new(store, SystemClock, UuidIds::new()?))
}

/// Runs `future` to completion on a runtime of its own, for the commands that make a few
/// store calls and exit.
pub(crate) fn block_on<F: Future>(future: F) -> Result<F::Output, Failure> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::unavailable(format!("cannot start the runtime: {error}")))?;
    Ok(runtime.block_on(future))
}

/// The failure for a tenant or key administration call: a store that failed is
/// unavailable, anything else invalid input, each with the engine's message.
pub(crate) fn engine_failure(error: AdminError) -> Failure {
    match error {
        AdminError::Store(error) => store_failure(error),
        other => Failure::invalid(other.to_string()),
    }
}

/// The failure for a store call that failed.
pub(crate) fn store_failure(error: StoreError) -> Failure {
    Failure::unavailable(format!("the store failed: {error}"))
}

/// One of the stores `--db` can name.
#[derive(Debug)]
pub(crate) enum AnyStore {
    /// `:memory:`: everything is lost when the process exits.
    Memory(Box<MemoryStore>),
    /// A SQLite file.
    Sqlite(SqliteStore),
}

impl AnyStore {
    /// Whether what is written outlives the process.
    pub(crate) fn is_durable(&self) -> bool {
        match self {
            Self::Memory(_) => false,
            Self::Sqlite(_) => true,
        }
    }

    /// Stops a read of a SQLite file once it has run for `budget`
    /// ([`SqliteStore::with_read_budget`]); the store in memory has no budget to set.
    pub(crate) fn with_read_budget(self, budget: Duration) -> Self {
        match self {
            Self::Sqlite(store) => Self::Sqlite(store.with_read_budget(budget)),
            memory @ Self::Memory(_) => memory,
        }
    }

    /// Whether the store can serve requests, for `/healthz`: `Err` says why not. The
    /// store in memory always can; a SQLite file can while its writer thread runs and
    /// a read works ([`SqliteStore::health`]).
    ///
    /// An inherent method, not one of the engine's store traits: the engine never asks
    /// it, and a provided trait method answering "healthy" by default would let every
    /// wrapper that does not forward it (`Arc`, a host's own) hide a dead store.
    pub(crate) async fn health(&self) -> Result<(), StoreError> {
        match self {
            Self::Memory(_) => Ok(()),
            Self::Sqlite(store) => store.health().await,
        }
    }
}

/// Evaluates `$call` with `$store` bound to the store inside `$any`, whichever it is.
macro_rules! each {
    ($any:expr, $store:ident => $call:expr) => {
        match $any {
            AnyStore::Memory($store) => $call,
            AnyStore::Sqlite($store) => $call,
        }
    };
}

impl TenantStore for AnyStore {
    async fn create_tenant(&self, tenant: Tenant) -> Result<(), StoreError> {
        each!(self, store => store.create_tenant(tenant).await)
    }

    async fn tenant(&self, id: &TenantId) -> Result<Option<Tenant>, StoreError> {
        each!(self, store => store.tenant(id).await)
    }

    async fn tenant_by_name(&self, name: &str) -> Result<Option<Tenant>, StoreError> {
        each!(self, store => store.tenant_by_name(name).await)
    }

    async fn tenants(&self) -> Result<Vec<Tenant>, StoreError> {
        each!(self, store => store.tenants().await)
    }

    async fn set_policy(&self, tenant: &TenantId, policy: Policy) -> Result<(), StoreError> {
        each!(self, store => store.set_policy(tenant, policy).await)
    }

    async fn add_key(&self, key: ApiKey) -> Result<(), StoreError> {
        each!(self, store => store.add_key(key).await)
    }

    async fn key_by_hash(&self, hash: &KeyHash) -> Result<Option<ApiKey>, StoreError> {
        each!(self, store => store.key_by_hash(hash).await)
    }

    async fn keys(&self, tenant: &TenantId) -> Result<Vec<ApiKey>, StoreError> {
        each!(self, store => store.keys(tenant).await)
    }

    async fn revoke_key(&self, id: &str, at: DateTime<Utc>) -> Result<(), StoreError> {
        each!(self, store => store.revoke_key(id, at).await)
    }
}

impl ResourceStore for AnyStore {
    async fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> Result<Option<Arc<StoredResource>>, StoreError> {
        each!(self, store => store.get(tenant, resource_type, id).await)
    }

    async fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        each!(self, store => store.list(tenant, resource_type, query).await)
    }

    async fn create(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> Result<u64, StoreError> {
        each!(self, store => store.create(tenant, resource, origin, entry).await)
    }

    async fn replace(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> Result<u64, StoreError> {
        each!(self, store => store.replace(tenant, resource, expected_version, entry).await)
    }

    async fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> Result<Vec<String>, StoreError> {
        each!(self, store => {
            store
                .delete(tenant, resource_type, id, expected_version, at, disposal, entry)
                .await
        })
    }

    async fn record(&self, tenant: &TenantId, entry: HistoryEntry) -> Result<u64, StoreError> {
        each!(self, store => store.record(tenant, entry).await)
    }

    async fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> Result<Vec<Arc<StoredResource>>, StoreError> {
        each!(self, store => store.awaiting_manager(tenant, keys).await)
    }

    async fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> Result<(), StoreError> {
        each!(self, store => store.add_unmanaged(tenant, account).await)
    }

    async fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> Result<Option<StoredResource>, StoreError> {
        each!(self, store => store.find_unmanaged(tenant, resource_type, key).await)
    }

    async fn unmanaged(&self, tenant: &TenantId) -> Result<Vec<StoredResource>, StoreError> {
        each!(self, store => store.unmanaged(tenant).await)
    }

    async fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> Result<Vec<(String, String)>, StoreError> {
        each!(self, store => store.groups_with_member(tenant, member_id).await)
    }

    async fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> Result<Vec<Option<String>>, StoreError> {
        each!(self, store => store.resource_types(tenant, ids).await)
    }
}

impl HistoryStore for AnyStore {
    async fn history(
        &self,
        tenant: &TenantId,
        query: &HistoryQuery,
    ) -> Result<Vec<HistoryEntry>, StoreError> {
        each!(self, store => store.history(tenant, query).await)
    }

    async fn prune_history(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
    ) -> Result<usize, StoreError> {
        each!(self, store => store.prune_history(tenant, before).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_is_the_store_of_memory() {
        for db in [MEMORY, "sqlite::memory:", "sqlite://:memory:"] {
            let store = open_store(db).unwrap();
            assert!(matches!(store, AnyStore::Memory(_)), "{db}");
            assert!(!store.is_durable());
        }
    }

    #[test]
    fn stores_that_serve_are_healthy() {
        let memory = open_store(MEMORY).unwrap();
        assert_eq!(pollster::block_on(memory.health()), Ok(()));
        let sqlite = AnyStore::Sqlite(SqliteStore::open_in_memory().unwrap());
        assert_eq!(pollster::block_on(sqlite.health()), Ok(()));
    }

    #[test]
    fn the_read_budget_stops_a_read_of_a_sqlite_file() {
        let dir = std::env::temp_dir().join(format!("scimitar-budget-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("scim.db");
        let store = open_store(path.to_str().unwrap())
            .unwrap()
            .with_read_budget(Duration::from_millis(50));
        let AnyStore::Sqlite(sqlite) = &store else {
            unreachable!("a file is SQLite")
        };
        let tenant = Tenant::new(TenantId("t1".into()), "t1", scimitar_patch::Compat::LENIENT);
        pollster::block_on(sqlite.create_tenant(tenant.clone())).unwrap();
        let read = pollster::block_on(sqlite.endless_read(&tenant.id));
        assert!(matches!(read, Err(StoreError::TooExpensive(_))), "{read:?}");
        drop(store);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_dead_sqlite_writer_is_unhealthy() {
        let store = SqliteStore::open_in_memory().unwrap();
        store.kill_writer();
        assert_eq!(
            pollster::block_on(AnyStore::Sqlite(store).health()),
            Err(StoreError::Unavailable(
                "the database writer stopped".to_owned()
            ))
        );
    }

    #[test]
    fn other_urls_are_unavailable() {
        for db in ["postgres://localhost/scim", "sqlite:", ""] {
            let Err(Failure::Unavailable(message)) = open_store(db) else {
                panic!("{db:?} is not a store of this build");
            };
            assert!(message.starts_with("cannot open the store"), "{message}");
        }
    }

    /// The delegating store passes the store suite (`scimitar-store-tests`), over each
    /// store.
    #[test]
    fn conforms() {
        pollster::block_on(scimitar_store_tests::run_all(|| {
            open_store(MEMORY).unwrap()
        }));
        pollster::block_on(scimitar_store_tests::run_all(|| {
            AnyStore::Sqlite(SqliteStore::open_in_memory().unwrap())
        }));
    }
}
