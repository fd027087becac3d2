//! Reading rows into the engine's types.

use rusqlite::{Connection, Params, Statement};
use scimitar_engine::__private::store::member_ids;
use scimitar_engine::{ApiKey, KeyHash, StoreError, StoredResource, Tenant, TenantId, UniqueKey};
use scimitar_policy::Policy;
use scimitar_schema::Resource;
use scimitar_sql::SqlValue;
use serde_json::{Value, json};

use crate::{parse_time, unavailable};

/// The columns of a tenant's row, as [`tenant_from_row`] reads them.
pub(crate) const TENANT_COLUMNS: &str = "id, name, compat, policy";

/// A tenant's row: id, name, compat and policy (NULL for the default one).
pub(crate) type TenantRow = (String, String, String, Option<String>);

pub(crate) fn tenant_from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<TenantRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

pub(crate) fn tenant_of((id, name, compat, policy): TenantRow) -> Result<Tenant, StoreError> {
    let compat = compat.parse().map_err(unavailable)?;
    let tenant = Tenant::new(TenantId(id), name, compat);
    Ok(match policy {
        Some(policy) => tenant.with_policy(serde_json::from_str(&policy).map_err(unavailable)?),
        None => tenant,
    })
}

/// A tenant's policy as stored: `None` (NULL) for the default one.
pub(crate) fn policy_column(policy: &Policy) -> Result<Option<String>, StoreError> {
    if policy.is_default() {
        return Ok(None);
    }
    serde_json::to_string(policy).map(Some).map_err(unavailable)
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
pub(crate) const RESOURCE_COLUMNS: &str =
    "id, resource_type, version, data, unique_keys, pending_manager";

/// [`RESOURCE_COLUMNS`] of the table called `r`.
pub(crate) const R_RESOURCE_COLUMNS: &str =
    "r.id, r.resource_type, r.version, r.data, r.unique_keys, r.pending_manager";

/// Reads the resources a query selects (columns [`RESOURCE_COLUMNS`]).
pub(crate) fn resources(
    connection: &Connection,
    sql: &str,
    parameters: &[&dyn rusqlite::ToSql],
) -> Result<Vec<StoredResource>, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(unavailable)?;
    read_resources(&mut statement, parameters)
}

/// A resource's row: id, type, version, data, unique keys and pending manager.
type ResourceRow = (String, String, i64, String, String, Option<String>);

/// Reads the resources `statement` selects (columns [`RESOURCE_COLUMNS`]).
pub(crate) fn read_resources(
    statement: &mut Statement<'_>,
    parameters: impl Params,
) -> Result<Vec<StoredResource>, StoreError> {
    let rows = statement
        .query_map(parameters, |row| -> rusqlite::Result<ResourceRow> {
            Ok((
                row.get(0)?,
                row.get(1)?,
                row.get(2)?,
                row.get(3)?,
                row.get(4)?,
                row.get(5)?,
            ))
        })
        .map_err(unavailable)?;
    let mut found = Vec::new();
    for row in rows {
        found.push(resource_of(row.map_err(unavailable)?)?);
    }
    Ok(found)
}

fn resource_of(
    (id, resource_type, version, data, unique_keys, pending_manager): ResourceRow,
) -> Result<StoredResource, StoreError> {
    let resource = Resource::from_json(data.as_bytes())
        .map_err(|_| unavailable("a stored resource is not JSON"))?;
    let mut stored = StoredResource::new(id, resource_type, resource);
    stored.version = u64::try_from(version).map_err(unavailable)?;
    stored.members = member_ids(&stored.resource);
    stored.unique_keys = parse_keys(&unique_keys)?
        .into_iter()
        .map(|(attribute, value, global)| UniqueKey {
            attribute,
            value,
            global,
        })
        .collect();
    stored.pending_manager = pending_manager;
    Ok(stored)
}

/// A unique key as stored: attribute, value, and whether it is unique across tenants.
pub(crate) type StoredKey = (String, String, bool);

/// The unique keys of a row's `unique_keys` column: a JSON array of `[attribute,
/// value]` pairs, with a third element `true` for a key unique across tenants (rows
/// written before migration 5 hold pairs only).
pub(crate) fn parse_keys(json: &str) -> Result<Vec<StoredKey>, StoreError> {
    let malformed = || unavailable("a stored unique key is malformed");
    let keys: Vec<Vec<Value>> = serde_json::from_str(json).map_err(unavailable)?;
    keys.into_iter()
        .map(|key| {
            let mut key = key.into_iter();
            let (Some(Value::String(attribute)), Some(Value::String(value))) =
                (key.next(), key.next())
            else {
                return Err(malformed());
            };
            let global = match key.next() {
                None => false,
                Some(Value::Bool(global)) => global,
                Some(_) => return Err(malformed()),
            };
            Ok((attribute, value, global))
        })
        .collect()
}

/// `keys` as the `unique_keys` column stores them (see [`parse_keys`]).
pub(crate) fn keys_column(keys: &[UniqueKey]) -> Result<String, StoreError> {
    let keys: Vec<Value> = keys
        .iter()
        .map(|key| {
            if key.global {
                json!([key.attribute, key.value, true])
            } else {
                json!([key.attribute, key.value])
            }
        })
        .collect();
    serde_json::to_string(&keys).map_err(unavailable)
}
