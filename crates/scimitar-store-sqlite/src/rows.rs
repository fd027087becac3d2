//! Reading rows into the engine's types.

use rusqlite::{Connection, Params, Statement};
use scimitar_engine::__private::store::member_ids;
use scimitar_engine::{ApiKey, KeyHash, StoreError, StoredResource, Tenant, TenantId, UniqueKey};
use scimitar_schema::Resource;
use scimitar_sql::SqlValue;

use crate::{parse_time, unavailable};

pub(crate) fn tenant_from_row(
    row: &rusqlite::Row<'_>,
) -> rusqlite::Result<(String, String, String)> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?))
}

pub(crate) fn tenant_of(
    (id, name, compat): (String, String, String),
) -> Result<Tenant, StoreError> {
    let compat = compat.parse().map_err(unavailable)?;
    Ok(Tenant::new(TenantId(id), name, compat))
}

pub(crate) type KeyRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

pub(crate) fn key_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<KeyRow> {
    Ok((
        row.get(0)?,
        row.get(1)?,
        row.get(2)?,
        row.get(3)?,
        row.get(4)?,
        row.get(5)?,
    ))
}

pub(crate) fn key_of(
    (id, tenant, hash, created, expires, revoked): KeyRow,
) -> Result<ApiKey, StoreError> {
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
pub(crate) fn bound(value: &SqlValue) -> rusqlite::types::Value {
    use rusqlite::types::Value;
    match value {
        SqlValue::Text(text) => Value::Text(text.clone()),
        SqlValue::Integer(number) => Value::Integer(*number),
        SqlValue::Real(number) => Value::Real(*number),
        SqlValue::Bool(flag) => Value::Integer(i64::from(*flag)),
    }
}

pub(crate) const KEY_COLUMNS: &str = "id, tenant, hash, created, expires, revoked";
pub(crate) const RESOURCE_COLUMNS: &str = "id, resource_type, version, data, unique_keys";

/// Reads the resources a query selects (columns [`RESOURCE_COLUMNS`]).
pub(crate) fn resources(
    connection: &Connection,
    sql: &str,
    parameters: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredResource>, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(unavailable)?;
    read_resources(&mut statement, parameters)
}

/// Reads the resources `statement` selects (columns [`RESOURCE_COLUMNS`]).
pub(crate) fn read_resources(
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
