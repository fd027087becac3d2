//! The `ResourceStore`, `TenantStore` and `HistoryStore` implementations.

use std::future::{Future, ready};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, MutexGuard};
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, params};

use scimitar_engine::{
    ApiKey, Disposal, HistoryQuery, HistoryStore, KeyHash, ListPage, ListQuery, Origin,
    ResourceStore, StoreError, StoredResource, Tenant, TenantId, TenantStore, UniqueKey,
};
use scimitar_policy::{HistoryEntry, Policy};
use scimitar_schema::SchemaRegistry;

use crate::connections::Connections;
use crate::history::{self, PreparedEntry};
use crate::rows::{
    KEY_COLUMNS, RESOURCE_COLUMNS, TENANT_COLUMNS, key_from_row, key_of, policy_column,
    read_resources, resources, tenant_from_row, tenant_of,
};
use crate::statements::{execute, insert, optional_row};
use crate::unmanaged::{self, PreparedAccount};
use crate::write::{Prepared, Write, current, delete_resource, write_resource};
use crate::{index, migrations, unavailable};

/// A store on one SQLite database. Writes are serialised through one connection, which
/// suits SQLite's single writer; reads run beside them on connections of their own (but
/// for [`SqliteStore::open_in_memory`], whose one connection does everything, at once).
///
/// A write is queued for the writer thread when its method is called; the future only
/// waits for its result, so dropping the future does not undo or cancel the write.
/// Dropping the store finishes the writes already queued.
///
/// A read whose cost a request can drive (a list, a search, the history, every tenant or
/// key) is queued for the store's reader threads when its method is called, and no
/// thread of the caller's executor waits for it: the future waits for the answer, and
/// dropping it interrupts the read. A lookup by key (a key, a tenant, a resource by id, an
/// equality lookup, a user's groups) costs less than handing it to a thread and back, and
/// runs when its method is called. Each read has a time budget
/// ([`with_read_budget`](SqliteStore::with_read_budget)), and the threads are shared
/// fairly between tenants ([`with_readers`](SqliteStore::with_readers)), so that one
/// tenant's expensive reads cannot stall another's lookups.
///
/// Filters are translated to SQL with a [`SchemaRegistry`] (see
/// [`SqliteStore::with_registry`]), which must be the engine's.
pub struct SqliteStore {
    pub(crate) connections: Connections,
    pub(crate) registry: Arc<SchemaRegistry>,
    /// Whether the `attr_values` rows are known to follow `registry` (checked, and
    /// rebuilt if needed, under the writer's lock before the store's first use).
    indexed: AtomicBool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

/// The users of tenant `?1` whose pending manager is one of the JSON array `?2`, in
/// creation order, through the index of the rows that have a pending manager (the `+`s
/// keep SQLite from walking every user of the tenant in order instead).
pub(crate) const AWAITING_MANAGER: &str = "SELECT id, resource_type, version, data, unique_keys, \
     pending_manager FROM resources WHERE tenant = ?1 AND +resource_type = 'User' \
     AND pending_manager IS NOT NULL AND pending_manager IN (SELECT value FROM json_each(?2)) \
     ORDER BY +seq";

/// Test-only: see [`SqliteStore::hold_writes`].
#[cfg(feature = "test-hooks")]
pub struct HeldWrites<'a>(#[allow(dead_code)] MutexGuard<'a, Connection>);

#[cfg(feature = "test-hooks")]
impl std::fmt::Debug for HeldWrites<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HeldWrites").finish_non_exhaustive()
    }
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::configure(Connections::open(Some(path.as_ref()))?)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::configure(Connections::open(None)?)
    }

    fn configure(connections: Connections) -> Result<Self, StoreError> {
        {
            let mut writer = connections.writer()?;
            // A newer release's tables may mean what this one would misread: refuse.
            let applied = migrations::applied(&writer).map_err(unavailable)?;
            let latest = migrations::latest();
            if usize::try_from(applied).is_ok_and(|applied| applied > latest) {
                return Err(StoreError::Unavailable(format!(
                    "the database is at schema version {applied}, and this build knows up to \
                     {latest}: a newer release wrote it; run that release (or open a backup \
                     taken before the upgrade)"
                )));
            }
            migrations::migrate(&mut writer, None).map_err(unavailable)?;
        }
        Ok(Self {
            connections,
            registry: Arc::new(SchemaRegistry::core()),
            indexed: AtomicBool::new(false),
        })
    }

    /// Uses `registry` to translate filters to SQL and to compute the rows they read.
    /// Default: [`SchemaRegistry::core()`]. Give the registry the engine runs with, so
    /// that attributes of its extensions are filtered as the engine would filter them.
    ///
    /// Resources indexed with another registry (one with other resource types or other
    /// extensions) are re-indexed, in one transaction, before the store's first use.
    pub fn with_registry(mut self, registry: SchemaRegistry) -> Self {
        self.registry = Arc::new(registry);
        *self.indexed.get_mut() = false;
        self
    }

    /// Starts a checkpoint (copying the write-ahead log into the database file, in a
    /// thread of its own) each time the log has grown by `pages` pages of 4 KiB. Default:
    /// 32,768 (128 MiB): rarer checkpoints cost less in all, but the log file grows to
    /// about that size (it is given back when the store closes). No effect on a database
    /// in memory.
    pub fn with_checkpoint_pages(self, pages: u32) -> Self {
        self.connections.set_checkpoint_pages(pages);
        self
    }

    /// Interrupts a read once it has run for `budget`: its answer is then
    /// [`StoreError::TooExpensive`] (which the engine answers `400 tooMany`), as it is
    /// for a query too large for SQLite to compile. Default: 5 seconds, long enough for
    /// any page an identity provider asks for, short enough to answer well within its
    /// timeout. The time a read waits for a thread is not counted.
    pub fn with_read_budget(mut self, budget: Duration) -> Self {
        self.connections.set_read_budget(budget);
        self
    }

    /// Runs at most `threads` reads at once (at least one), each on a thread and a
    /// read-only connection of its own. Default: 8. The threads are shared fairly:
    /// reads wait in a queue per tenant (the lookups of tenants and keys in one more),
    /// a free thread serves the queues in turn, and one tenant's reads never hold more
    /// than all the threads but one. No effect on a database in memory.
    pub fn with_readers(self, threads: usize) -> Self {
        self.connections.set_readers(threads);
        self
    }

    /// Test-only: how many reads run now on the reader threads.
    #[cfg(feature = "test-hooks")]
    pub fn reads_running(&self) -> usize {
        self.connections.reads_running()
    }

    /// Test-only: a read of `tenant` that never ends but by its budget or by dropping
    /// the future (it counts forever).
    #[cfg(feature = "test-hooks")]
    pub fn endless_read(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<(), StoreError>> + Send + use<> {
        self.read(Some(tenant), |connection| {
            connection
                .query_row(crate::budget::ENDLESS, [], |row| row.get::<_, i64>(0))
                .map(drop)
                .map_err(unavailable)
        })
    }

    /// Test-only: waits until the checkpoints started so far have ended, so that tests
    /// of the log need not guess when the checkpointer thread runs.
    #[cfg(feature = "test-hooks")]
    pub fn wait_for_checkpoints(&self) -> Result<(), StoreError> {
        self.connections.wait_for_checkpoints()
    }

    /// Test-only: keeps the writer thread from starting a transaction until the guard is
    /// dropped, so that the writes queued meanwhile share one (the writer may have taken
    /// the first of them already, alone).
    #[cfg(feature = "test-hooks")]
    pub fn hold_writes(&self) -> Result<HeldWrites<'_>, StoreError> {
        self.lock().map(HeldWrites)
    }

    /// The number of the schema migration the database is at.
    pub fn schema_version(&self) -> Result<usize, StoreError> {
        let version: i64 = self
            .lock()?
            .query_row(
                "SELECT COALESCE(MAX(version), 0) FROM scimitar_migrations",
                [],
                |row| row.get(0),
            )
            .map_err(unavailable)?;
        debug_assert!(usize::try_from(version).unwrap_or(0) <= migrations::latest());
        usize::try_from(version).map_err(unavailable)
    }

    /// The writer, once the `attr_values` rows follow the registry.
    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let mut connection = self.connections.writer()?;
        if !self.indexed.load(Ordering::Acquire) {
            index::ensure(&mut connection, &self.registry).map_err(unavailable)?;
            self.indexed.store(true, Ordering::Release);
        }
        Ok(connection)
    }

    /// Re-indexes, if needed, before the first read or write; after that, never takes the
    /// writer's lock (which the writer thread holds while it writes).
    fn ensure_indexed(&self) -> Result<(), StoreError> {
        if !self.indexed.load(Ordering::Acquire) {
            drop(self.lock()?);
        }
        Ok(())
    }

    /// Queues `work` for the writer thread, which runs it in a transaction (shared with
    /// other writes, in a savepoint of its own): kept if it succeeds, undone if not. The
    /// future gives the result once the transaction has committed.
    fn write<T, W>(&self, work: W) -> impl Future<Output = Result<T, StoreError>> + Send + use<T, W>
    where
        T: Send + 'static,
        W: FnOnce(&Connection, &SchemaRegistry) -> Result<T, StoreError> + Send + 'static,
    {
        let queued = self.ensure_indexed().map(|()| {
            let registry = Arc::clone(&self.registry);
            self.connections
                .write(move |connection| work(connection, &registry))
        });
        async move { queued?.await }
    }

    /// Queues `work` for a reader thread, which runs it in one read transaction within
    /// the read budget; `tenant` is whose read it is (`None` for the store-wide lookups),
    /// for the fair share. The future gives the answer; dropping it interrupts the read.
    pub(crate) fn read<T, R>(
        &self,
        tenant: Option<&TenantId>,
        work: R,
    ) -> impl Future<Output = Result<T, StoreError>> + Send + use<T, R>
    where
        T: Send + 'static,
        R: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let queued = self
            .ensure_indexed()
            .map(|()| self.connections.read(tenant.cloned(), work));
        async move { queued?.await }
    }

    /// Runs `work`, a lookup by key, on the calling thread (see
    /// [`Connections::look_up`]).
    pub(crate) fn look_up<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.ensure_indexed()?;
        self.connections.look_up(work)
    }
}

impl TenantStore for SqliteStore {
    fn create_tenant(&self, tenant: Tenant) -> impl Future<Output = Result<(), StoreError>> + Send {
        let policy = policy_column(&tenant.policy);
        self.write(move |connection, _| {
            insert(
                connection,
                "INSERT INTO tenants (id, name, compat, policy) VALUES (?1, ?2, ?3, ?4)",
                params![tenant.id.0, tenant.name, tenant.compat.to_string(), policy?],
                || StoreError::AlreadyExists,
            )
        })
    }

    fn tenant(
        &self,
        id: &TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        ready(self.look_up(|connection| {
            optional_row(
                connection,
                &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = ?1"),
                [&id.0],
                tenant_from_row,
            )?
            .map(tenant_of)
            .transpose()
        }))
    }

    fn tenant_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        ready(self.look_up(|connection| {
            optional_row(
                connection,
                &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE name = ?1"),
                [&name],
                tenant_from_row,
            )?
            .map(tenant_of)
            .transpose()
        }))
    }

    fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send {
        self.read(None, |connection| {
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {TENANT_COLUMNS} FROM tenants ORDER BY name"
                ))
                .map_err(unavailable)?;
            let rows = statement
                .query_map([], tenant_from_row)
                .map_err(unavailable)?;
            rows.map(|row| tenant_of(row.map_err(unavailable)?))
                .collect()
        })
    }

    fn set_policy(
        &self,
        tenant: &TenantId,
        policy: Policy,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let (tenant, policy) = (tenant.clone(), policy_column(&policy));
        self.write(move |connection, _| {
            let changed = execute(
                connection,
                "UPDATE tenants SET policy = ?2 WHERE id = ?1",
                params![tenant.0, policy?],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound);
            }
            Ok(())
        })
    }

    fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.write(move |connection, _| {
            if optional_row(
                connection,
                "SELECT 1 FROM tenants WHERE id = ?1",
                [&key.tenant.0],
                |_| Ok(()),
            )?
            .is_none()
            {
                return Err(StoreError::NotFound);
            }
            insert(
                connection,
                &format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    key.id,
                    key.tenant.0,
                    key.hash.to_hex(),
                    timestamp(key.created),
                    key.expires.map(timestamp),
                    key.revoked.map(timestamp)
                ],
                || StoreError::AlreadyExists,
            )
        })
    }

    fn key_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send {
        ready(self.look_up(|connection| {
            let sql = format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ?1");
            optional_row(connection, &sql, [hash.to_hex()], key_from_row)?
                .map(key_of)
                .transpose()
        }))
    }

    fn keys(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send {
        let id = tenant.0.clone();
        self.read(Some(tenant), move |connection| {
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant = ?1 ORDER BY rowid"
                ))
                .map_err(unavailable)?;
            let rows = statement
                .query_map([&id], key_from_row)
                .map_err(unavailable)?;
            rows.map(|row| key_of(row.map_err(unavailable)?)).collect()
        })
    }

    fn revoke_key(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let id = id.to_owned();
        self.write(move |connection, _| {
            if optional_row(
                connection,
                "SELECT 1 FROM api_keys WHERE id = ?1",
                [&id],
                |_| Ok(()),
            )?
            .is_none()
            {
                return Err(StoreError::NotFound);
            }
            execute(
                connection,
                "UPDATE api_keys SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
                params![id, timestamp(at)],
            )?;
            Ok(())
        })
    }
}

impl ResourceStore for SqliteStore {
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<StoredResource>>, StoreError>> + Send {
        ready(self.look_up(|connection| {
            let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND id = ?2 AND resource_type = ?3");
            let found = resources(connection, &sql, &[&tenant.0, &id, &resource_type])?.pop();
            Ok(found.map(Arc::new))
        }))
    }

    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
        self.list_now(tenant, resource_type, query)
    }

    fn create(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let tenant = tenant.clone();
        let prepared = Prepared::new(&self.registry, resource);
        let entry = PreparedEntry::new(&entry);
        self.write(move |connection, _| {
            let (prepared, entry) = (prepared?, entry?);
            let resource = prepared.resource();
            match origin {
                Origin::New => {}
                Origin::PickedUp => {
                    unmanaged::take(connection, &tenant, &resource.resource_type, &resource.id)?;
                }
                _ => return Err(unavailable("a create of an origin this store does not know")),
            }
            if unmanaged::id_taken(connection, &tenant, &resource.id)? {
                return Err(StoreError::AlreadyExists);
            }
            let seq: i64 = optional_row(
                connection,
                "SELECT COALESCE(MAX(seq), 0) + 1 FROM resources WHERE tenant = ?1 AND resource_type = ?2",
                params![tenant.0, resource.resource_type],
                |row| row.get(0),
            )?
            .unwrap_or(1);
            write_resource(connection, &tenant, &prepared, Write::Create { seq })?;
            history::append(connection, &tenant, &entry)
        })
    }

    fn replace(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let tenant = tenant.clone();
        let prepared = Prepared::new(&self.registry, resource);
        let entry = PreparedEntry::new(&entry);
        self.write(move |connection, _| {
            let (prepared, entry) = (prepared?, entry?);
            let resource = prepared.resource();
            let stored = current(
                connection,
                &tenant,
                &resource.resource_type,
                &resource.id,
                Some(expected_version),
            )?;
            write_resource(connection, &tenant, &prepared, Write::Replace(&stored))?;
            history::append(connection, &tenant, &entry)
        })
    }

    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        let (tenant, resource_type, id) = (tenant.clone(), resource_type.to_owned(), id.to_owned());
        let account = match disposal {
            Disposal::Delete => Ok(None),
            Disposal::Unlink(account) => PreparedAccount::new(account).map(Some),
            _ => Err(unavailable(
                "a delete of a disposal this store does not know",
            )),
        };
        let entry = PreparedEntry::new(&entry);
        self.write(move |connection, registry| {
            let (account, entry) = (account?, entry?);
            let groups = delete_resource(
                connection,
                registry,
                &tenant,
                &resource_type,
                &id,
                expected_version,
                at,
            )?;
            if let Some(account) = &account {
                unmanaged::add(connection, &tenant, account)?;
            }
            history::append(connection, &tenant, &entry)?;
            Ok(groups)
        })
    }

    fn record(
        &self,
        tenant: &TenantId,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let tenant = tenant.clone();
        let entry = PreparedEntry::new(&entry);
        self.write(move |connection, _| history::append(connection, &tenant, &entry?))
    }

    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Arc<StoredResource>>, StoreError>> + Send {
        // The keys as one JSON array: one statement, whatever their number.
        let keys = serde_json::to_string(keys).map_err(unavailable);
        let id = tenant.0.clone();
        ready(self.look_up(move |connection| {
            let mut statement = connection
                .prepare_cached(AWAITING_MANAGER)
                .map_err(unavailable)?;
            let found = read_resources(&mut statement, params![id, keys?])?;
            Ok(found.into_iter().map(Arc::new).collect())
        }))
    }

    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let tenant = tenant.clone();
        let account = PreparedAccount::new(account);
        self.write(move |connection, _| unmanaged::add(connection, &tenant, &account?))
    }

    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        let (id, resource_type, key) = (tenant.clone(), resource_type.to_owned(), key.clone());
        ready(
            self.look_up(move |connection| unmanaged::find(connection, &id, &resource_type, &key)),
        )
    }

    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
        let id = tenant.clone();
        self.read(Some(tenant), move |connection| {
            unmanaged::all(connection, &id)
        })
    }

    fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
        // One read transaction for all: each new one starts with a cold page cache once
        // the writer has committed.
        let tenant_id = tenant.0.clone();
        let ids: Vec<String> = ids.iter().map(|&id| id.to_owned()).collect();
        ready(self.look_up(move |connection| {
            ids.iter()
                .map(|id| {
                    optional_row(
                        connection,
                        "SELECT resource_type FROM resources WHERE tenant = ?1 AND id = ?2",
                        params![tenant_id, id],
                        |row| row.get(0),
                    )
                })
                .collect()
        }))
    }

    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        let (tenant_id, member_id) = (tenant.0.clone(), member_id.to_owned());
        ready(self.look_up(move |connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT m.group_id, COALESCE(r.display_name, '') FROM members m \
                     JOIN resources r ON r.tenant = m.tenant AND r.id = m.group_id \
                     WHERE m.tenant = ?1 AND m.member_id = ?2 ORDER BY m.group_id",
                )
                .map_err(unavailable)?;
            let rows = statement
                .query_map(params![tenant_id, member_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .map_err(unavailable)?;
            rows.collect::<Result<_, _>>().map_err(unavailable)
        }))
    }
}

impl HistoryStore for SqliteStore {
    fn history(
        &self,
        tenant: &TenantId,
        query: &HistoryQuery,
    ) -> impl Future<Output = Result<Vec<HistoryEntry>, StoreError>> + Send {
        let (id, query) = (tenant.clone(), query.clone());
        self.read(Some(tenant), move |connection| {
            history::entries(connection, &id, &query)
        })
    }

    fn prune_history(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        let tenant = tenant.clone();
        self.write(move |connection, _| history::prune(connection, &tenant, before))
    }
}
