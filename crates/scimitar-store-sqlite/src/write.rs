//! Writing one resource and the rows that index it, inside the caller's transaction.
//!
//! A replace writes only what changed: an identity provider's PATCH that adds a hundred
//! members to a group of thousands inserts a hundred member rows and their `attr_values`
//! rows, not the whole group again.

use std::collections::HashSet;
use std::sync::Arc;

use chrono::{DateTime, SecondsFormat, Utc};
use rusqlite::{Connection, params};
use scimitar_engine::__private::store::{drop_member, indexed_values};
use scimitar_engine::{StoreError, StoredResource, TenantId, UniqueKey};
use scimitar_schema::SchemaRegistry;

use crate::index::{self, Rows};
use crate::rows::{RESOURCE_COLUMNS, keys_column, parse_keys, resources};
use crate::statements::{execute, exists, insert, optional_row, strings};
use crate::unavailable;

/// What a replace or a delete needs of the stored resource, read once: its entries
/// (see [`Entries`]), after its version was checked.
pub(crate) struct Current {
    unique_keys: String,
    eq_keys: String,
}

/// The stored resource `id` of `resource_type`, if at version `expected` (when given):
/// else `NotFound` or `VersionMismatch`.
pub(crate) fn current(
    connection: &Connection,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    expected: Option<u64>,
) -> Result<Current, StoreError> {
    let (version, unique_keys, eq_keys): (i64, String, String) = optional_row(
        connection,
        "SELECT version, unique_keys, eq_keys FROM resources \
         WHERE tenant = ?1 AND id = ?2 AND resource_type = ?3",
        params![tenant.0, id, resource_type],
        |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)),
    )?
    .ok_or(StoreError::NotFound)?;
    let version = u64::try_from(version).map_err(unavailable)?;
    match expected {
        Some(expected) if expected != version => {
            Err(StoreError::VersionMismatch { current: version })
        }
        _ => Ok(Current {
            unique_keys,
            eq_keys,
        }),
    }
}

/// Whether a write makes a new resource (at position `seq` in its type's order) or
/// replaces the stored one.
#[derive(Clone, Copy)]
pub(crate) enum Write<'a> {
    Create { seq: i64 },
    Replace(&'a Current),
}

/// A resource ready to write: what is computed from it alone (its JSON, its index rows
/// and entries) is computed before the write is queued, so that the writer thread,
/// which all writes share, only runs SQL.
pub(crate) struct Prepared {
    resource: Arc<StoredResource>,
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
        resource: Arc<StoredResource>,
    ) -> Result<Self, StoreError> {
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
            unique_keys: keys_column(&resource.unique_keys)?,
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
    let current = match write {
        Write::Create { .. } => None,
        Write::Replace(current) => Some(current),
    };
    let replace = current.is_some();
    let resource = &prepared.resource;
    write_members(transaction, tenant, resource, replace)?;
    let this = (
        tenant,
        resource.resource_type.as_str(),
        resource.id.as_str(),
    );
    write_unique_keys(
        transaction,
        this,
        current.map(|current| current.unique_keys.as_str()),
        &resource.unique_keys,
    )?;
    let eq_index: Vec<(&str, &str)> = prepared
        .eq_index
        .iter()
        .map(|(attribute, value)| (*attribute, value.as_str()))
        .collect();
    write_entries(
        transaction,
        &EQ_INDEX,
        this,
        current.map(|current| current.eq_keys.as_str()),
        &eq_index,
    )?;
    let (tenant_id, resource_type, id) = (&tenant.0, &resource.resource_type, &resource.id);
    if replace {
        index::replace_rows(transaction, tenant_id, resource_type, id, &prepared.rows)
    } else {
        index::insert_rows(transaction, tenant_id, resource_type, id, &prepared.rows)
    }
    .map_err(unavailable)?;
    let (version, display_name, unique_keys, eq_keys, data, pending_manager) = (
        prepared.version,
        &prepared.display_name,
        &prepared.unique_keys,
        &prepared.eq_keys,
        &prepared.data,
        &resource.pending_manager,
    );
    match write {
        Write::Create { seq } => execute(
            transaction,
            "INSERT INTO resources \
             (tenant, id, resource_type, seq, version, display_name, unique_keys, eq_keys, data, \
             pending_manager) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![
                tenant_id,
                id,
                resource_type,
                seq,
                version,
                display_name,
                unique_keys,
                eq_keys,
                data,
                pending_manager
            ],
        ),
        Write::Replace(_) => execute(
            transaction,
            "UPDATE resources SET version = ?3, display_name = ?4, unique_keys = ?5, eq_keys = ?6, \
             data = ?7, pending_manager = ?8 WHERE tenant = ?1 AND id = ?2",
            params![
                tenant_id,
                id,
                version,
                display_name,
                unique_keys,
                eq_keys,
                data,
                pending_manager
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
    let stored = current(transaction, tenant, resource_type, id, expected)?;
    let this = (tenant, resource_type, id);
    write_unique_keys(transaction, this, Some(&stored.unique_keys), &[])?;
    write_entries(transaction, &EQ_INDEX, this, Some(&stored.eq_keys), &[])?;
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
        let stored = current(transaction, tenant, &group.resource_type, group_id, None)?;
        drop_member(&mut group, id, &when);
        let group = Prepared::new(registry, Arc::new(group))?;
        write_resource(transaction, tenant, &group, Write::Replace(&stored))?;
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
/// type: `eq_index` (the unique keys have [`write_unique_keys`]). Each resource's row
/// keeps a copy of its entries (a JSON array of pairs, read by [`current`]): that is how
/// a replace or a delete finds them, without an index by resource on the table.
struct Entries {
    delete: &'static str,
    insert: &'static str,
}

/// The equality index entries (`userName`, `externalId`, `displayName` values).
const EQ_INDEX: Entries = Entries {
    delete: "DELETE FROM eq_index WHERE tenant = ?1 AND resource_type = ?2 AND attribute = ?3 AND value = ?4 AND id = ?5",
    insert: "INSERT OR IGNORE INTO eq_index (tenant, resource_type, attribute, value, id) VALUES (?1, ?2, ?3, ?4, ?5)",
};

/// Makes the entries in `table` of the resource `id` (of type `kind`) the `new` ones:
/// inserts those it did not have and deletes those it no longer has; `stored` is the
/// JSON copy of its entries, `None` for a new resource.
fn write_entries(
    transaction: &Connection,
    table: &Entries,
    (tenant, kind, id): (&TenantId, &str, &str),
    stored: Option<&str>,
    new: &[Pair<'_>],
) -> Result<(), StoreError> {
    let old: Vec<(String, String)> = match stored {
        Some(json) => serde_json::from_str(json).map_err(unavailable)?,
        None => Vec::new(),
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
        insert(
            transaction,
            table.insert,
            params![tenant, kind, attribute, value, id],
            || StoreError::Conflict {
                attribute: attribute.to_owned(),
                value: value.to_owned(),
            },
        )?;
    }
    Ok(())
}

/// Makes the unique keys of the resource or unmanaged account `id` (of type `kind`) the
/// `new` ones: deletes those it no longer has, then inserts those it did not have, each
/// into `unique_keys` (unique in the tenant) and, for a key unique across tenants, into
/// `global_keys` too. A key another resource or account holds is a conflict, found by
/// the tables' primary keys. `stored` is the JSON copy of its keys, `None` for a new one.
pub(crate) fn write_unique_keys(
    transaction: &Connection,
    (tenant, kind, id): (&TenantId, &str, &str),
    stored: Option<&str>,
    new: &[UniqueKey],
) -> Result<(), StoreError> {
    let old = match stored {
        Some(json) => parse_keys(json)?,
        None => Vec::new(),
    };
    let old: Vec<Key<'_>> = old
        .iter()
        .map(|(attribute, value, global)| (attribute.as_str(), value.as_str(), *global))
        .collect();
    let new: Vec<Key<'_>> = new
        .iter()
        .map(|key| (key.attribute.as_str(), key.value.as_str(), key.global))
        .collect();
    let tenant = &tenant.0;
    for &(attribute, value, global) in old.iter().filter(|key| !new.contains(key)) {
        execute(
            transaction,
            "DELETE FROM unique_keys WHERE tenant = ?1 AND resource_type = ?2 \
             AND attribute = ?3 AND value = ?4 AND id = ?5",
            params![tenant, kind, attribute, value, id],
        )?;
        if global {
            execute(
                transaction,
                "DELETE FROM global_keys WHERE resource_type = ?1 AND attribute = ?2 \
                 AND value = ?3 AND tenant = ?4 AND id = ?5",
                params![kind, attribute, value, tenant, id],
            )?;
        }
    }
    let mut added: Vec<Key<'_>> = Vec::new();
    for key in new.into_iter().filter(|key| !old.contains(key)) {
        // The same key twice is held once.
        if added.contains(&key) {
            continue;
        }
        added.push(key);
        let (attribute, value, global) = key;
        let taken = || StoreError::Conflict {
            attribute: attribute.to_owned(),
            value: value.to_owned(),
        };
        insert(
            transaction,
            "INSERT INTO unique_keys (tenant, resource_type, attribute, value, id) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![tenant, kind, attribute, value, id],
            taken,
        )?;
        if global {
            insert(
                transaction,
                "INSERT INTO global_keys (resource_type, attribute, value, tenant, id) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
                params![kind, attribute, value, tenant, id],
                taken,
            )?;
        }
    }
    Ok(())
}

/// A unique key: attribute, value, and whether it is unique across tenants.
type Key<'a> = (&'a str, &'a str, bool);

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
