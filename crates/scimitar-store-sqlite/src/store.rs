//! The `Store` implementation.

use std::future::{Future, ready};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{
    Connection, ErrorCode, OptionalExtension, Params, Statement, Transaction, params,
    params_from_iter,
};

use scimitar_engine::store_support::{
    Indexed, Plan, drop_member, indexed_values, member_ids, plan,
};
use scimitar_engine::{
    ApiKey, KeyHash, ListPage, ListQuery, Store, StoreError, StoredResource, Tenant, TenantId,
    UniqueKey,
};
use scimitar_filter::Filter;
use scimitar_schema::{Resource, SchemaRegistry};
use scimitar_sql::{Dialect, SqlValue, Translation, try_translate};

use crate::{index, migrations};

/// A store on one SQLite database. Writes are serialised through one connection, which
/// suits SQLite's single writer.
///
/// Filters are translated to SQL with a [`SchemaRegistry`] (see
/// [`SqliteStore::with_registry`]), which must be the engine's.
pub struct SqliteStore {
    connection: Mutex<Connection>,
    registry: SchemaRegistry,
    /// Whether the `attr_values` rows are known to follow `registry` (checked, and
    /// rebuilt if needed, under the connection's lock before its first use).
    indexed: AtomicBool,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").finish_non_exhaustive()
    }
}

fn unavailable(error: impl std::fmt::Display) -> StoreError {
    StoreError::Unavailable(error.to_string())
}

fn is_constraint(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(failure, _) if failure.code == ErrorCode::ConstraintViolation)
}

fn timestamp(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Micros, true)
}

fn parse_time(text: Option<String>) -> Result<Option<DateTime<Utc>>, StoreError> {
    text.map(|text| {
        DateTime::parse_from_rfc3339(&text)
            .map(|at| at.with_timezone(&Utc))
            .map_err(unavailable)
    })
    .transpose()
}

impl SqliteStore {
    /// Opens (creating if needed) the database at `path` and migrates it.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StoreError> {
        Self::configure(Connection::open(path).map_err(unavailable)?)
    }

    /// A private in-memory database, for tests.
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::configure(Connection::open_in_memory().map_err(unavailable)?)
    }

    fn configure(mut connection: Connection) -> Result<Self, StoreError> {
        connection
            .execute_batch("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;")
            .map_err(unavailable)?;
        migrations::migrate(&mut connection, None).map_err(unavailable)?;
        // Every statement of a write is reused: compiling SQL costs more than running it.
        connection.set_prepared_statement_cache_capacity(64);
        Ok(Self {
            connection: Mutex::new(connection),
            registry: SchemaRegistry::core(),
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
        self.registry = registry;
        *self.indexed.get_mut() = false;
        self
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

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let mut connection = self
            .connection
            .lock()
            .map_err(|_| StoreError::Unavailable("the connection lock is poisoned".into()))?;
        if !self.indexed.load(Ordering::Acquire) {
            index::ensure(&mut connection, &self.registry).map_err(unavailable)?;
            self.indexed.store(true, Ordering::Release);
        }
        Ok(connection)
    }

    /// Runs `work` in one transaction: committed if it succeeds, rolled back if not.
    fn write<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut connection = self.lock()?;
        let transaction = connection.transaction().map_err(unavailable)?;
        let value = work(&transaction)?;
        transaction.commit().map_err(unavailable)?;
        Ok(value)
    }

    fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let connection = self.lock()?;
        work(&connection)
    }
}

fn tenant_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<(String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

fn tenant_of((id, name, compat): (String, String, String)) -> Result<Tenant, StoreError> {
    let compat = compat.parse().map_err(unavailable)?;
    Ok(Tenant::new(TenantId(id), name, compat))
}

type KeyRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

fn key_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

fn key_of((id, tenant, hash, created, expires, revoked): KeyRow) -> Result<ApiKey, StoreError> {
    let hash =
        KeyHash::from_hex(&hash).ok_or_else(|| unavailable("a stored key hash is not hex"))?;
    let created =
        parse_time(Some(created))?.ok_or_else(|| unavailable("a key without a creation time"))?;
    let mut key = ApiKey::new(id, TenantId(tenant), hash, created);
    key.expires = parse_time(expires)?;
    key.revoked = parse_time(revoked)?;
    Ok(key)
}

/// A parameter of scimitar-sql's SQL, as SQLite takes it (booleans as 0 and 1).
fn bound(value: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match value {
        SqlValue::Text(text) => Value::Text(text.clone()),
        SqlValue::Integer(number) => Value::Integer(*number),
        SqlValue::Real(number) => Value::Real(*number),
        SqlValue::Bool(flag) => Value::Integer(i64::from(*flag)),
    }
}

const KEY_COLUMNS: &str = "id, tenant, hash, created, expires, revoked";
const RESOURCE_COLUMNS: &str = "id, resource_type, version, data, unique_keys";

/// Reads the resources a query selects (columns [`RESOURCE_COLUMNS`]).
fn resources(
    connection: &Connection,
    sql: &str,
    parameters: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredResource>, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(unavailable)?;
    read_resources(&mut statement, parameters)
}

/// Reads the resources `statement` selects (columns [`RESOURCE_COLUMNS`]).
fn read_resources(
    statement: &mut Statement<'_>,
    parameters: impl Params,
) -> Result<Vec<StoredResource>, StoreError> {
    let rows = statement
        .query_map(parameters, |row| {
            Ok((
                row.get::<_, String>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)?,
                row.get::<_, String>(3)?,
                row.get::<_, String>(4)?,
            ))
        })
        .map_err(unavailable)?;
    let mut found = Vec::new();
    for row in rows {
        let (id, resource_type, version, data, unique_keys) = row.map_err(unavailable)?;
        let resource = Resource::from_json(data.as_bytes())
            .map_err(|_| unavailable("a stored resource is not JSON"))?;
        let mut stored = StoredResource::new(id, resource_type, resource);
        stored.version = u64::try_from(version).map_err(unavailable)?;
        stored.members = member_ids(&stored.resource);
        let unique_keys: Vec<(String, String)> =
            serde_json::from_str(&unique_keys).map_err(unavailable)?;
        stored.unique_keys = unique_keys
            .into_iter()
            .map(|(attribute, value)| UniqueKey { attribute, value })
            .collect();
        found.push(stored);
    }
    Ok(found)
}

/// The stored version of `id`, checked against what the caller expects.
fn check_version(
    transaction: &Transaction<'_>,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let current: Option<i64> = transaction
        .query_row(
            "SELECT version FROM resources WHERE tenant = ?1 AND id = ?2 AND resource_type = ?3",
            params![tenant.0, id, resource_type],
            |row| row.get(0),
        )
        .optional()
        .map_err(unavailable)?;
    let current = current.ok_or(StoreError::NotFound)?;
    let current = u64::try_from(current).map_err(unavailable)?;
    match expected {
        Some(expected) if expected != current => Err(StoreError::VersionMismatch { current }),
        _ => Ok(()),
    }
}

/// Writes a resource's row, unique keys, equality index entries, `attr_values` rows and
/// members (after removing the old ones, for a replace).
fn write_resource(
    transaction: &Transaction<'_>,
    registry: &SchemaRegistry,
    tenant: &TenantId,
    resource: &StoredResource,
    seq: Option<i64>,
) -> Result<(), StoreError> {
    let mut exists = transaction
        .prepare_cached("SELECT 1 FROM resources WHERE tenant = ?1 AND id = ?2")
        .map_err(unavailable)?;
    for member in &resource.members {
        if !exists
            .exists(params![tenant.0, member])
            .map_err(unavailable)?
        {
            return Err(StoreError::UnknownMember { id: member.clone() });
        }
    }
    drop(exists);
    for table in ["unique_keys", "eq_index"] {
        transaction
            .execute(
                &format!("DELETE FROM {table} WHERE tenant = ?1 AND id = ?2"),
                params![tenant.0, resource.id],
            )
            .map_err(unavailable)?;
    }
    transaction
        .execute(
            "DELETE FROM members WHERE tenant = ?1 AND group_id = ?2",
            params![tenant.0, resource.id],
        )
        .map_err(unavailable)?;
    for key in &resource.unique_keys {
        let inserted = transaction.execute(
            "INSERT INTO unique_keys (tenant, resource_type, attribute, value, id) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![tenant.0, resource.resource_type, key.attribute, key.value, resource.id],
        );
        match inserted {
            Ok(_) => {}
            Err(error) if is_constraint(&error) => {
                return Err(StoreError::Conflict {
                    attribute: key.attribute.clone(),
                    value: key.value.clone(),
                });
            }
            Err(error) => return Err(unavailable(error)),
        }
    }
    for (attribute, value) in indexed_values(&resource.resource_type, &resource.resource) {
        transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO eq_index (tenant, resource_type, attribute, value, id) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .and_then(|mut insert| {
                insert.execute(params![tenant.0, resource.resource_type, attribute.name(), value, resource.id])
            })
            .map_err(unavailable)?;
    }
    let mut insert_member = transaction
        .prepare_cached(
            "INSERT OR IGNORE INTO members (tenant, group_id, member_id) VALUES (?1, ?2, ?3)",
        )
        .map_err(unavailable)?;
    for member in &resource.members {
        insert_member
            .execute(params![tenant.0, resource.id, member])
            .map_err(unavailable)?;
    }
    drop(insert_member);
    index::write_rows(
        transaction,
        registry,
        &tenant.0,
        &resource.resource_type,
        &resource.id,
        &resource.resource,
    )
    .map_err(unavailable)?;
    let data = serde_json::to_string(&resource.resource).map_err(unavailable)?;
    let version = i64::try_from(resource.version).map_err(unavailable)?;
    let display_name = resource.resource.get_str("displayName");
    let unique_keys: Vec<(&str, &str)> = resource
        .unique_keys
        .iter()
        .map(|key| (key.attribute.as_str(), key.value.as_str()))
        .collect();
    let unique_keys = serde_json::to_string(&unique_keys).map_err(unavailable)?;
    match seq {
        Some(seq) => transaction.execute(
            "INSERT INTO resources (tenant, id, resource_type, seq, version, display_name, unique_keys, data) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![tenant.0, resource.id, resource.resource_type, seq, version, display_name, unique_keys, data],
        ),
        None => transaction.execute(
            "UPDATE resources SET version = ?3, display_name = ?4, unique_keys = ?5, data = ?6 WHERE tenant = ?1 AND id = ?2",
            params![tenant.0, resource.id, version, display_name, unique_keys, data],
        ),
    }
    .map_err(unavailable)?;
    Ok(())
}

impl SqliteStore {
    fn list_now(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> Result<ListPage, StoreError> {
        self.read(|connection| {
            let everything = format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND resource_type = ?2 ORDER BY seq"
            );
            let by_value = "SELECT r.id, r.resource_type, r.version, r.data, r.unique_keys FROM eq_index e \
                 JOIN resources r ON r.tenant = e.tenant AND r.id = e.id \
                 WHERE e.tenant = ?1 AND e.resource_type = ?2 AND e.attribute = ?3 AND e.value = ?4 ORDER BY r.seq";
            let page = |mut all: Vec<StoredResource>| -> ListPage {
                let total = all.len();
                match query.page {
                    Some((start, count)) => ListPage::paged(all.drain(..).skip(start).take(count).collect(), total),
                    None => ListPage::filtered(all),
                }
            };
            Ok(match plan(resource_type, query.filter) {
                Plan::Everything => match query.page {
                    Some((start, count)) => {
                        let total: i64 = connection
                            .query_row(
                                "SELECT COUNT(*) FROM resources WHERE tenant = ?1 AND resource_type = ?2",
                                params![tenant.0, resource_type],
                                |row| row.get(0),
                            )
                            .map_err(unavailable)?;
                        let sql = format!(
                            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND resource_type = ?2 ORDER BY seq LIMIT ?3 OFFSET ?4"
                        );
                        let limit = i64::try_from(count).unwrap_or(i64::MAX);
                        let offset = i64::try_from(start).unwrap_or(i64::MAX);
                        let resources = resources(connection, &sql, &[&tenant.0, &resource_type, &limit, &offset])?;
                        ListPage::paged(resources, usize::try_from(total).unwrap_or(0))
                    }
                    None => page(resources(connection, &everything, &[&tenant.0, &resource_type])?),
                },
                Plan::Exact((attribute, value)) => {
                    page(resources(connection, by_value, &[&tenant.0, &resource_type, &attribute.name(), &value])?)
                }
                Plan::Narrow(lookups) => self.pushed_down(connection, tenant, resource_type, query, &lookups)?,
                Plan::Scan => self.pushed_down(connection, tenant, resource_type, query, &[])?,
            })
        })
    }

    /// A filtered list in SQL: the whole filter when scimitar-sql translates it
    /// completely (with the page, if any), else a superset of the matches for the engine
    /// to filter (every resource of the type when it cannot be translated at all).
    /// `lookups`, equality lookups that are terms of the filter's top-level `and`,
    /// narrow the scan through `eq_index`.
    fn pushed_down(
        &self,
        connection: &Connection,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
        lookups: &[(Indexed, String)],
    ) -> Result<ListPage, StoreError> {
        let dialect = Dialect::Sqlite;
        let translation = query
            .filter
            .and_then(|filter| self.translate(filter, resource_type));
        let (mut params, mut conditions, complete) = match translation {
            Some(translation) => (
                translation.params,
                translation.sql.into_iter().collect::<Vec<_>>(),
                translation.complete,
            ),
            None => (Vec::new(), Vec::new(), false),
        };
        let tenant_param = dialect.bind(&mut params, SqlValue::from(tenant.0.as_str()));
        let type_param = dialect.bind(&mut params, SqlValue::from(resource_type));
        for (attribute, value) in lookups {
            let attribute = dialect.bind(&mut params, SqlValue::from(attribute.name()));
            let value = dialect.bind(&mut params, SqlValue::from(value.as_str()));
            conditions.push(format!(
                "r.id IN (SELECT e.id FROM eq_index e WHERE e.tenant = {tenant_param} \
                 AND e.resource_type = {type_param} AND e.attribute = {attribute} AND e.value = {value})"
            ));
        }
        let mut selection = format!(
            "FROM resources r WHERE r.tenant = {tenant_param} AND r.resource_type = {type_param}"
        );
        for condition in &conditions {
            selection.push_str(" AND (");
            selection.push_str(condition);
            selection.push(')');
        }
        let columns = "r.id, r.resource_type, r.version, r.data, r.unique_keys";
        let matching = |params: &[SqlValue], tail: &str| {
            let mut statement = connection
                .prepare(&format!("SELECT {columns} {selection} {tail}"))
                .map_err(unavailable)?;
            read_resources(&mut statement, params_from_iter(params.iter().map(bound)))
        };
        if !lookups.is_empty() {
            // The few resources the lookups find, by primary key, sorted (the `+` keeps
            // SQLite from walking every resource in order instead), and paged here.
            let found = matching(&params, "ORDER BY +r.seq")?;
            return Ok(match (complete, query.page) {
                (false, _) => ListPage::candidates(found),
                (true, None) => ListPage::filtered(found),
                (true, Some((start, count))) => {
                    let total = found.len();
                    ListPage::paged(found.into_iter().skip(start).take(count).collect(), total)
                }
            });
        }
        Ok(match (complete, query.page) {
            (false, _) => ListPage::candidates(matching(&params, "ORDER BY r.seq")?),
            (true, None) => ListPage::filtered(matching(&params, "ORDER BY r.seq")?),
            (true, Some((start, count))) => {
                let total: i64 = connection
                    .prepare(&format!("SELECT COUNT(*) {selection}"))
                    .and_then(|mut statement| {
                        statement
                            .query_row(params_from_iter(params.iter().map(bound)), |row| row.get(0))
                    })
                    .map_err(unavailable)?;
                let limit = scimitar_sql::page(start, count, dialect, &mut params);
                let found = matching(&params, &format!("ORDER BY r.seq {limit}"))?;
                ListPage::paged(found, usize::try_from(total).map_err(unavailable)?)
            }
        })
    }

    /// `filter` as SQL, if the registry knows `resource_type` and accepts the filter.
    fn translate(&self, filter: &Filter, resource_type: &str) -> Option<Translation> {
        let kind = self.registry.resource_type(resource_type)?;
        try_translate(filter, kind, &self.registry, Dialect::Sqlite).ok()
    }

    fn delete_now(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected: Option<u64>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        self.write(|transaction| {
            check_version(transaction, tenant, resource_type, id, expected)?;
            for sql in [
                "DELETE FROM resources WHERE tenant = ?1 AND id = ?2",
                "DELETE FROM unique_keys WHERE tenant = ?1 AND id = ?2",
                "DELETE FROM eq_index WHERE tenant = ?1 AND id = ?2",
                "DELETE FROM members WHERE tenant = ?1 AND group_id = ?2",
            ] {
                transaction.execute(sql, params![tenant.0, id]).map_err(unavailable)?;
            }
            index::delete_rows(transaction, &tenant.0, resource_type, id).map_err(unavailable)?;
            let groups: Vec<String> = {
                let mut statement = transaction
                    .prepare_cached("SELECT group_id FROM members WHERE tenant = ?1 AND member_id = ?2 ORDER BY group_id")
                    .map_err(unavailable)?;
                let rows = statement.query_map(params![tenant.0, id], |row| row.get(0)).map_err(unavailable)?;
                rows.collect::<Result<_, _>>().map_err(unavailable)?
            };
            let when = at.to_rfc3339_opts(SecondsFormat::Millis, true);
            for group_id in &groups {
                let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND id = ?2");
                let Some(mut group) = resources(transaction, &sql, &[&tenant.0, group_id])?.pop() else {
                    continue;
                };
                drop_member(&mut group, id, &when);
                let data = serde_json::to_string(&group.resource).map_err(unavailable)?;
                let version = i64::try_from(group.version).map_err(unavailable)?;
                transaction
                    .execute(
                        "UPDATE resources SET version = ?3, data = ?4 WHERE tenant = ?1 AND id = ?2",
                        params![tenant.0, group_id, version, data],
                    )
                    .map_err(unavailable)?;
                transaction
                    .execute("DELETE FROM members WHERE tenant = ?1 AND group_id = ?2 AND member_id = ?3", params![tenant.0, group_id, id])
                    .map_err(unavailable)?;
                index::write_rows(transaction, &self.registry, &tenant.0, &group.resource_type, group_id, &group.resource)
                    .map_err(unavailable)?;
            }
            Ok(groups)
        })
    }
}

impl Store for SqliteStore {
    fn create_tenant(&self, tenant: Tenant) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write(|transaction| {
            let inserted = transaction.execute(
                "INSERT INTO tenants (id, name, compat) VALUES (?1, ?2, ?3)",
                params![tenant.id.0, tenant.name, tenant.compat.to_string()],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(error) if is_constraint(&error) => Err(StoreError::AlreadyExists),
                Err(error) => Err(unavailable(error)),
            }
        }))
    }

    fn tenant(
        &self,
        id: &TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        ready(self.read(|connection| {
            connection
                .query_row(
                    "SELECT id, name, compat FROM tenants WHERE id = ?1",
                    [&id.0],
                    tenant_from_row,
                )
                .optional()
                .map_err(unavailable)?
                .map(tenant_of)
                .transpose()
        }))
    }

    fn tenant_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        ready(self.read(|connection| {
            connection
                .query_row(
                    "SELECT id, name, compat FROM tenants WHERE name = ?1",
                    [name],
                    tenant_from_row,
                )
                .optional()
                .map_err(unavailable)?
                .map(tenant_of)
                .transpose()
        }))
    }

    fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send {
        ready(self.read(|connection| {
            let mut statement = connection
                .prepare_cached("SELECT id, name, compat FROM tenants ORDER BY name")
                .map_err(unavailable)?;
            let rows = statement
                .query_map([], tenant_from_row)
                .map_err(unavailable)?;
            rows.map(|row| tenant_of(row.map_err(unavailable)?))
                .collect()
        }))
    }

    fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write(|transaction| {
            let tenant_exists: Option<i64> = transaction
                .query_row(
                    "SELECT 1 FROM tenants WHERE id = ?1",
                    [&key.tenant.0],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            if tenant_exists.is_none() {
                return Err(StoreError::NotFound);
            }
            let inserted = transaction.execute(
                &format!("INSERT INTO api_keys ({KEY_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"),
                params![
                    key.id,
                    key.tenant.0,
                    key.hash.to_hex(),
                    timestamp(key.created),
                    key.expires.map(timestamp),
                    key.revoked.map(timestamp)
                ],
            );
            match inserted {
                Ok(_) => Ok(()),
                Err(error) if is_constraint(&error) => Err(StoreError::AlreadyExists),
                Err(error) => Err(unavailable(error)),
            }
        }))
    }

    fn key_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send {
        ready(self.read(|connection| {
            connection
                .query_row(
                    &format!("SELECT {KEY_COLUMNS} FROM api_keys WHERE hash = ?1"),
                    [hash.to_hex()],
                    key_from_row,
                )
                .optional()
                .map_err(unavailable)?
                .map(key_of)
                .transpose()
        }))
    }

    fn keys(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send {
        ready(self.read(|connection| {
            let mut statement = connection
                .prepare_cached(&format!(
                    "SELECT {KEY_COLUMNS} FROM api_keys WHERE tenant = ?1 ORDER BY rowid"
                ))
                .map_err(unavailable)?;
            let rows = statement
                .query_map([&tenant.0], key_from_row)
                .map_err(unavailable)?;
            rows.map(|row| key_of(row.map_err(unavailable)?)).collect()
        }))
    }

    fn revoke_key(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write(|transaction| {
            let exists: Option<i64> = transaction
                .query_row("SELECT 1 FROM api_keys WHERE id = ?1", [id], |row| {
                    row.get(0)
                })
                .optional()
                .map_err(unavailable)?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
            transaction
                .execute(
                    "UPDATE api_keys SET revoked = ?2 WHERE id = ?1 AND revoked IS NULL",
                    params![id, timestamp(at)],
                )
                .map_err(unavailable)?;
            Ok(())
        }))
    }

    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        ready(self.read(|connection| {
            let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND id = ?2 AND resource_type = ?3");
            Ok(resources(connection, &sql, &[&tenant.0, &id, &resource_type])?.pop())
        }))
    }

    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
        ready(self.list_now(tenant, resource_type, query))
    }

    fn create(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write(|transaction| {
            let exists: Option<i64> = transaction
                .query_row(
                    "SELECT 1 FROM resources WHERE tenant = ?1 AND id = ?2",
                    params![tenant.0, resource.id],
                    |row| row.get(0),
                )
                .optional()
                .map_err(unavailable)?;
            if exists.is_some() {
                return Err(StoreError::AlreadyExists);
            }
            let seq: i64 = transaction
                .query_row(
                    "SELECT COALESCE(MAX(seq), 0) + 1 FROM resources WHERE tenant = ?1 AND resource_type = ?2",
                    params![tenant.0, resource.resource_type],
                    |row| row.get(0),
                )
                .map_err(unavailable)?;
            write_resource(transaction, &self.registry, tenant, &resource, Some(seq))
        }))
    }

    fn replace(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write(|transaction| {
            check_version(
                transaction,
                tenant,
                &resource.resource_type,
                &resource.id,
                Some(expected_version),
            )?;
            write_resource(transaction, &self.registry, tenant, &resource, None)
        }))
    }

    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        ready(self.delete_now(tenant, resource_type, id, expected_version, at))
    }

    fn resource_type_of(
        &self,
        tenant: &TenantId,
        id: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send {
        ready(self.read(|connection| {
            connection
                .prepare_cached("SELECT resource_type FROM resources WHERE tenant = ?1 AND id = ?2")
                .and_then(|mut statement| {
                    statement
                        .query_row(params![tenant.0, id], |row| row.get(0))
                        .optional()
                })
                .map_err(unavailable)
        }))
    }

    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        ready(self.read(|connection| {
            let mut statement = connection
                .prepare_cached(
                    "SELECT m.group_id, COALESCE(r.display_name, '') FROM members m \
                     JOIN resources r ON r.tenant = m.tenant AND r.id = m.group_id \
                     WHERE m.tenant = ?1 AND m.member_id = ?2 ORDER BY m.group_id",
                )
                .map_err(unavailable)?;
            let rows = statement
                .query_map(params![tenant.0, member_id], |row| {
                    Ok((row.get(0)?, row.get(1)?))
                })
                .map_err(unavailable)?;
            rows.collect::<Result<_, _>>().map_err(unavailable)
        }))
    }
}
