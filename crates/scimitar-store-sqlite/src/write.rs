//! Writing one resource and the rows that index it, inside the caller's transaction.
//!
//! A replace writes only what changed: an identity provider's PATCH that adds a hundred
//! members to a group of thousands inserts a hundred member rows and their `attr_values`
//! rows, not the whole group again.

use std::collections::HashSet;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, OptionalExtension, params};
use scimitar_engine::store_support::{drop_member, indexed_values};
use scimitar_engine::{StoreError, StoredResource, TenantId};
use scimitar_schema::SchemaRegistry;

use crate::index::{self, Rows};
use crate::rows::{RESOURCE_COLUMNS, resources};
use crate::statements::{execute, exists, optional_row, strings};
use crate::{is_constraint, unavailable};

/// The stored version of `id`, checked against what the caller expects.
pub(crate) fn check_version(
    transaction: &Connection,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<(), StoreError> {
    let current: Option<i64> = transaction
        .prepare_cached(
            "SELECT version FROM resources WHERE tenant = ?1 AND id = ?2 AND resource_type = ?3",
        )
        .and_then(|mut statement| {
            statement
                .query_row(params![tenant.0, id, resource_type], |row| row.get(0))
                .optional()
        })
        .map_err(unavailable)?;
    let current = current.ok_or(StoreError::NotFound)?;
    let current = u64::try_from(current).map_err(unavailable)?;
    match expected {
        Some(expected) if expected != current => Err(StoreError::VersionMismatch { current }),
        _ => Ok(()),
    }
}

/// Whether a write makes a new resource (at position `seq` in its type's order) or
/// replaces the stored one.
#[derive(Clone, Copy)]
pub(crate) enum Write {
    Create { seq: i64 },
    Replace,
}

/// A resource ready to write: what is computed from it alone (its JSON, its index rows
/// and entries) is computed before the write is queued, so that the writer thread,
/// which all writes share, only runs SQL.
pub(crate) struct Prepared {
    resource: StoredResource,
    data: String,
    rows: Rows,
    eq_index: Vec<(&'static str, String)>,
    unique_keys: String,
    eq_keys: String,
    display_name: Option<String>,
    version: i64,
}

impl Prepared {
    pub(crate) fn new(
        registry: &SchemaRegistry,
        resource: StoredResource,
    ) -> Result<Self, StoreError> {
        let unique_keys: Vec<(&str, &str)> = resource
            .unique_keys
            .iter()
            .map(|key| (key.attribute.as_str(), key.value.as_str()))
            .collect();
        let eq_index: Vec<(&'static str, String)> =
            indexed_values(&resource.resource_type, &resource.resource)
                .into_iter()
                .map(|(attribute, value)| (attribute.name(), value))
                .collect();
        Ok(Self {
            data: serde_json::to_string(&resource.resource).map_err(unavailable)?,
            rows: Rows::of(registry, &resource.resource_type, &resource.resource),
            eq_keys: serde_json::to_string(&eq_index).map_err(unavailable)?,
            eq_index,
            unique_keys: serde_json::to_string(&unique_keys).map_err(unavailable)?,
            display_name: resource.resource.get_str("displayName").map(str::to_owned),
            version: i64::try_from(resource.version).map_err(unavailable)?,
            resource,
        })
    }

    pub(crate) fn resource(&self) -> &StoredResource {
        &self.resource
    }
}

/// Writes the resource's row, unique keys, equality index entries, members and
/// `attr_values` rows; for a replace, changes only the rows that differ.
pub(crate) fn write_resource(
    transaction: &Connection,
    tenant: &TenantId,
    prepared: &Prepared,
    write: Write,
) -> Result<(), StoreError> {
    let replace = matches!(write, Write::Replace);
    let resource = &prepared.resource;
    write_members(transaction, tenant, resource, replace)?;
    let unique_keys: Vec<(&str, &str)> = resource
        .unique_keys
        .iter()
        .map(|key| (key.attribute.as_str(), key.value.as_str()))
        .collect();
    let this = (
        tenant,
        resource.resource_type.as_str(),
        resource.id.as_str(),
    );
    write_entries(transaction, &UNIQUE_KEYS, this, &unique_keys, !replace)?;
    let eq_index: Vec<(&str, &str)> = prepared
        .eq_index
        .iter()
        .map(|(attribute, value)| (*attribute, value.as_str()))
        .collect();
    write_entries(transaction, &EQ_INDEX, this, &eq_index, !replace)?;
    let (tenant_id, resource_type, id) = (&tenant.0, &resource.resource_type, &resource.id);
    if replace {
        index::replace_rows(transaction, tenant_id, resource_type, id, &prepared.rows)
    } else {
        index::insert_rows(transaction, tenant_id, resource_type, id, &prepared.rows)
    }
    .map_err(unavailable)?;
    let (version, display_name, unique_keys, eq_keys, data) = (
        prepared.version,
        &prepared.display_name,
        &prepared.unique_keys,
        &prepared.eq_keys,
        &prepared.data,
    );
    match write {
        Write::Create { seq } => execute(
            transaction,
            "INSERT INTO resources \
             (tenant, id, resource_type, seq, version, display_name, unique_keys, eq_keys, data) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                tenant_id,
                id,
                resource_type,
                seq,
                version,
                display_name,
                unique_keys,
                eq_keys,
                data
            ],
        ),
        Write::Replace => execute(
            transaction,
            "UPDATE resources SET version = ?3, display_name = ?4, unique_keys = ?5, eq_keys = ?6, \
             data = ?7 WHERE tenant = ?1 AND id = ?2",
            params![
                tenant_id,
                id,
                version,
                display_name,
                unique_keys,
                eq_keys,
                data
            ],
        ),
    }?;
    Ok(())
}

/// Deletes the resource `id` (if at version `expected`, when given) with its rows, and
/// drops it from every group that lists it (at `at`); the ids of those groups.
pub(crate) fn delete_resource(
    transaction: &Connection,
    registry: &SchemaRegistry,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    expected: Option<u64>,
    at: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    check_version(transaction, tenant, resource_type, id, expected)?;
    // The entries first: they are found through the resource's row.
    for table in [&UNIQUE_KEYS, &EQ_INDEX] {
        write_entries(transaction, table, (tenant, resource_type, id), &[], false)?;
    }
    for sql in [
        "DELETE FROM resources WHERE tenant = ?1 AND id = ?2",
        "DELETE FROM members WHERE tenant = ?1 AND group_id = ?2",
    ] {
        execute(transaction, sql, params![tenant.0, id])?;
    }
    index::delete_rows(transaction, &tenant.0, resource_type, id).map_err(unavailable)?;
    let groups = strings(
        transaction,
        "SELECT group_id FROM members WHERE tenant = ?1 AND member_id = ?2 ORDER BY group_id",
        params![tenant.0, id],
    )?;
    let when = at.to_rfc3339_opts(SecondsFormat::Millis, true);
    let sql = format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND id = ?2");
    for group_id in &groups {
        let Some(mut group) = resources(transaction, &sql, &[&tenant.0, group_id])?.pop() else {
            continue;
        };
        drop_member(&mut group, id, &when);
        let group = Prepared::new(registry, group)?;
        write_resource(transaction, tenant, &group, Write::Replace)?;
    }
    Ok(groups)
}

/// Inserts the member rows of members new to the group (each checked to be a resource
/// of the tenant, inside this transaction, so that a concurrent delete cannot leave a
/// dangling member) and deletes those of members it no longer has.
fn write_members(
    transaction: &Connection,
    tenant: &TenantId,
    group: &StoredResource,
    replace: bool,
) -> Result<(), StoreError> {
    let old: HashSet<String> = if replace {
        strings(
            transaction,
            "SELECT member_id FROM members WHERE tenant = ?1 AND group_id = ?2",
            params![tenant.0, group.id],
        )?
        .into_iter()
        .collect()
    } else {
        HashSet::new()
    };
    let new: HashSet<&str> = group.members.iter().map(String::as_str).collect();
    for gone in old.iter().filter(|id| !new.contains(id.as_str())) {
        execute(
            transaction,
            "DELETE FROM members WHERE tenant = ?1 AND group_id = ?2 AND member_id = ?3",
            params![tenant.0, group.id, gone],
        )?;
    }
    for added in new.into_iter().filter(|id| !old.contains(*id)) {
        if !exists(transaction, tenant, added)? {
            return Err(StoreError::UnknownMember {
                id: added.to_owned(),
            });
        }
        execute(
            transaction,
            "INSERT INTO members (tenant, group_id, member_id) VALUES (?1, ?2, ?3)",
            params![tenant.0, group.id, added],
        )?;
    }
    Ok(())
}

/// A table of `(attribute, value)` entries of resources, keyed by tenant and resource
/// type: `unique_keys` or `eq_index`. Each resource's row keeps a copy of its entries
/// (a JSON array of pairs), read back by `select`: that is how a replace or a delete
/// finds them, without an index by resource on the table.
struct Entries {
    select: &'static str,
    delete: &'static str,
    insert: &'static str,
}

/// The resource's unique values: one that another resource holds is a conflict, found
/// by the primary key.
const UNIQUE_KEYS: Entries = Entries {
    select: "SELECT unique_keys FROM resources WHERE tenant = ?1 AND id = ?2",
    delete: "DELETE FROM unique_keys WHERE tenant = ?1 AND resource_type = ?2 AND attribute = ?3 AND value = ?4 AND id = ?5",
    insert: "INSERT INTO unique_keys (tenant, resource_type, attribute, value, id) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/// The equality index entries (`userName`, `externalId`, `displayName` values).
const EQ_INDEX: Entries = Entries {
    select: "SELECT eq_keys FROM resources WHERE tenant = ?1 AND id = ?2",
    delete: "DELETE FROM eq_index WHERE tenant = ?1 AND resource_type = ?2 AND attribute = ?3 AND value = ?4 AND id = ?5",
    insert: "INSERT OR IGNORE INTO eq_index (tenant, resource_type, attribute, value, id) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/// Makes the entries in `table` of the resource `id` (of type `kind`) the `new` ones:
/// inserts those it did not have and, unless it is new, deletes those it no longer has
/// (all of them for `new` empty). Runs before the resource's row changes.
fn write_entries(
    transaction: &Connection,
    table: &Entries,
    (tenant, kind, id): (&TenantId, &str, &str),
    new: &[(&str, &str)],
    is_new: bool,
) -> Result<(), StoreError> {
    let old = if is_new {
        Vec::new()
    } else {
        stored_pairs(transaction, table.select, tenant, id)?
    };
    let (gone, added) = changes(&old, new);
    let tenant = &tenant.0;
    for (attribute, value) in gone {
        execute(
            transaction,
            table.delete,
            params![tenant, kind, attribute, value, id],
        )?;
    }
    for (attribute, value) in added {
        let inserted = transaction
            .prepare_cached(table.insert)
            .and_then(|mut insert| insert.execute(params![tenant, kind, attribute, value, id]));
        match inserted {
            Ok(_) => {}
            Err(error) if is_constraint(&error) => {
                return Err(StoreError::Conflict {
                    attribute: attribute.to_owned(),
                    value: value.to_owned(),
                });
            }
            Err(error) => return Err(unavailable(error)),
        }
    }
    Ok(())
}

/// The `(attribute, value)` pairs that the JSON column `sql` selects from the resource's
/// row holds.
fn stored_pairs(
    connection: &Connection,
    sql: &str,
    tenant: &TenantId,
    id: &str,
) -> Result<Vec<(String, String)>, StoreError> {
    let json: Option<String> =
        optional_row(connection, sql, params![tenant.0, id], |row| row.get(0))?;
    json.map_or(Ok(Vec::new()), |json| {
        serde_json::from_str(&json).map_err(unavailable)
    })
}

/// An `(attribute, value)` row.
type Pair<'a> = (&'a str, &'a str);

/// The pairs to delete (stored, no longer wanted) and to insert (wanted, not stored).
/// The lists hold a few entries each.
fn changes<'a>(
    old: &'a [(String, String)],
    new: &[(&'a str, &'a str)],
) -> (Vec<Pair<'a>>, Vec<Pair<'a>>) {
    let old: Vec<(&str, &str)> = old.iter().map(|(a, v)| (a.as_str(), v.as_str())).collect();
    let gone = old
        .iter()
        .filter(|pair| !new.contains(pair))
        .copied()
        .collect();
    let added = new
        .iter()
        .filter(|pair| !old.contains(pair))
        .copied()
        .collect();
    (gone, added)
}
