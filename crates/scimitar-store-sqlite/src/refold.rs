//! Migration 6: the values kept folded for comparison, which earlier releases folded to
//! lower case only, folded again by [`fold_for_comparison`] (width, case and NFC), so
//! that a name stored in NFD is found, and taken, by its NFC form. The fold of a value's
//! lower case is the value's fold, so each stored value is re-folded as it is. (The
//! `attr_values` rows are rebuilt from the resources instead, by the migration's SQL.)

use rusqlite::{Transaction, params};
use scimitar_engine::__private::store::Indexed;
use scimitar_schema::fold_for_comparison;
use serde_json::Value;

/// A table of resources or accounts that keeps folded values in its rows.
struct Owners {
    /// The table.
    table: &'static str,
    /// The order rows are re-folded in: the order they were written.
    order: &'static str,
    /// Whether its rows keep equality index entries (`eq_keys`).
    eq_keys: bool,
}

const RESOURCES: Owners = Owners {
    table: "resources",
    order: "tenant, resource_type, seq",
    eq_keys: true,
};

const UNMANAGED: Owners = Owners {
    table: "unmanaged",
    order: "rowid",
    eq_keys: false,
};

/// One row with values the new fold changes.
struct Refolded {
    tenant: String,
    id: String,
    resource_type: String,
    /// The unique keys, still as they were: whether each can change depends on the
    /// rows before it.
    unique_keys: Option<Vec<Value>>,
    /// The equality index entries as they were and as they will be.
    eq_keys: Option<(Vec<Value>, Vec<Value>)>,
    pending_manager: Option<String>,
}

/// Re-folds the unique keys, equality index entries and pending manager references of
/// resources, then of unmanaged accounts, each in the order they were written.
///
/// Look-alike names that the old fold let in twice keep their resources: the first
/// written takes the name's new key, the others keep their old one (so their own writes
/// still find it) until a write gives them a name of their own, which is refused while
/// it is the same name. A row whose keys are not the JSON this store writes is left as
/// it is, as reading it fails as before.
pub(crate) fn refold(transaction: &Transaction<'_>) -> rusqlite::Result<()> {
    for owners in [RESOURCES, UNMANAGED] {
        for row in changed_rows(transaction, &owners)? {
            write_row(transaction, &owners, row)?;
        }
    }
    Ok(())
}

/// The rows of `owners` with a value the new fold changes.
fn changed_rows(transaction: &Transaction<'_>, owners: &Owners) -> rusqlite::Result<Vec<Refolded>> {
    let eq_keys = if owners.eq_keys { "eq_keys" } else { "NULL" };
    let mut select = transaction.prepare(&format!(
        "SELECT tenant, id, resource_type, unique_keys, {eq_keys}, pending_manager FROM {} \
         ORDER BY {}",
        owners.table, owners.order
    ))?;
    let mut rows = select.query([])?;
    let mut changed = Vec::new();
    while let Some(row) = rows.next()? {
        let unique_keys: String = row.get(3)?;
        let eq_keys: Option<String> = row.get(4)?;
        let pending_manager: Option<String> = row.get(5)?;
        let unique_keys = entries(&unique_keys)
            .filter(|keys| keys.iter().any(|key| refolded(value_of(key)).is_some()));
        let eq_keys = eq_keys.as_deref().and_then(entries).and_then(|old| {
            let new = refold_entries(&old)?;
            Some((old, new))
        });
        let pending_manager = pending_manager.as_deref().and_then(refolded);
        if unique_keys.is_some() || eq_keys.is_some() || pending_manager.is_some() {
            changed.push(Refolded {
                tenant: row.get(0)?,
                id: row.get(1)?,
                resource_type: row.get(2)?,
                unique_keys,
                eq_keys,
                pending_manager,
            });
        }
    }
    Ok(changed)
}

/// `value`'s new fold, if it differs from `value` (the old fold).
fn refolded(value: &str) -> Option<String> {
    let folded = fold_for_comparison(value);
    (folded != value).then(|| folded.into_owned())
}

/// A column of `[attribute, value, …]` arrays, if it is one.
fn entries(json: &str) -> Option<Vec<Value>> {
    let entries: Vec<Value> = serde_json::from_str(json).ok()?;
    entries
        .iter()
        .all(|entry| matches!(entry.get(1), Some(Value::String(_))))
        .then_some(entries)
}

/// The attribute of an `[attribute, value, …]` entry.
fn attribute_of(entry: &Value) -> &str {
    entry.get(0).and_then(Value::as_str).unwrap_or_default()
}

/// The value of an `[attribute, value, …]` entry.
fn value_of(entry: &Value) -> &str {
    entry.get(1).and_then(Value::as_str).unwrap_or_default()
}

/// Sets the value of an `[attribute, value, …]` entry.
fn set_value(entry: &mut Value, value: String) {
    if let Some(slot) = entry.get_mut(1) {
        *slot = Value::String(value);
    }
}

/// Equality index entries folded anew, each as its attribute folds (`externalId` is
/// case-exact, so it stays); `None` if none changes.
fn refold_entries(old: &[Value]) -> Option<Vec<Value>> {
    let mut entries = old.to_vec();
    let mut changed = false;
    for entry in &mut entries {
        let attribute = attribute_of(entry);
        let Some(indexed) = Indexed::ALL
            .into_iter()
            .find(|kind| kind.name() == attribute)
        else {
            continue;
        };
        let folded = indexed.normalise(value_of(entry));
        if folded != value_of(entry) {
            set_value(entry, folded);
            changed = true;
        }
    }
    changed.then_some(entries)
}

/// The JSON of a column of entries.
fn column(entries: &[Value]) -> rusqlite::Result<String> {
    serde_json::to_string(entries)
        .map_err(|error| rusqlite::Error::ToSqlConversionFailure(Box::new(error)))
}

/// Writes the new values of one row: its unique keys where the new key is free, its
/// equality index entries and its pending manager reference.
fn write_row(
    transaction: &Transaction<'_>,
    owners: &Owners,
    row: Refolded,
) -> rusqlite::Result<()> {
    let Refolded {
        tenant,
        id,
        resource_type,
        unique_keys,
        eq_keys,
        pending_manager,
    } = row;
    let this = (tenant.as_str(), resource_type.as_str(), id.as_str());
    if let Some(mut keys) = unique_keys {
        for key in &mut keys {
            refold_key(transaction, this, key)?;
        }
        transaction.execute(
            &format!(
                "UPDATE {} SET unique_keys = ?3 WHERE tenant = ?1 AND id = ?2",
                owners.table
            ),
            params![tenant, id, column(&keys)?],
        )?;
    }
    if let Some((old, new)) = eq_keys {
        write_entries(transaction, this, &old, &new)?;
    }
    if let Some(pending_manager) = pending_manager {
        transaction.execute(
            &format!(
                "UPDATE {} SET pending_manager = ?3 WHERE tenant = ?1 AND id = ?2",
                owners.table
            ),
            params![tenant, id, pending_manager],
        )?;
    }
    Ok(())
}

/// Moves one unique key of `(tenant, resource_type, id)` to its new fold in
/// `unique_keys` (and `global_keys` for a key unique across tenants), unless another
/// resource or account holds the new key there; `key` changes with it.
fn refold_key(
    transaction: &Transaction<'_>,
    (tenant, resource_type, id): (&str, &str, &str),
    key: &mut Value,
) -> rusqlite::Result<()> {
    let (attribute, old) = (attribute_of(key), value_of(key));
    let Some(new) = refolded(old) else {
        return Ok(());
    };
    let global = key.get(2) == Some(&Value::Bool(true));
    let taken = transaction
        .prepare_cached(
            "SELECT 1 FROM unique_keys WHERE tenant = ?1 AND resource_type = ?2 \
             AND attribute = ?3 AND value = ?4",
        )?
        .exists(params![tenant, resource_type, attribute, new])?
        || global
            && transaction
                .prepare_cached(
                    "SELECT 1 FROM global_keys WHERE resource_type = ?1 AND attribute = ?2 \
                     AND value = ?3",
                )?
                .exists(params![resource_type, attribute, new])?;
    if taken {
        return Ok(());
    }
    transaction
        .prepare_cached(
            "UPDATE unique_keys SET value = ?5 WHERE tenant = ?1 AND resource_type = ?2 \
             AND attribute = ?3 AND value = ?4 AND id = ?6",
        )?
        .execute(params![tenant, resource_type, attribute, old, new, id])?;
    if global {
        transaction
            .prepare_cached(
                "UPDATE global_keys SET value = ?4 WHERE resource_type = ?1 AND attribute = ?2 \
                 AND value = ?3 AND tenant = ?5 AND id = ?6",
            )?
            .execute(params![resource_type, attribute, old, new, tenant, id])?;
    }
    set_value(key, new);
    Ok(())
}

/// Replaces the `eq_index` entries `old` of `(tenant, resource_type, id)` with `new`,
/// and the row's copy of them.
fn write_entries(
    transaction: &Transaction<'_>,
    (tenant, resource_type, id): (&str, &str, &str),
    old: &[Value],
    new: &[Value],
) -> rusqlite::Result<()> {
    for entry in old {
        transaction
            .prepare_cached(
                "DELETE FROM eq_index WHERE tenant = ?1 AND resource_type = ?2 \
                 AND attribute = ?3 AND value = ?4 AND id = ?5",
            )?
            .execute(params![
                tenant,
                resource_type,
                attribute_of(entry),
                value_of(entry),
                id
            ])?;
    }
    for entry in new {
        transaction
            .prepare_cached(
                "INSERT OR IGNORE INTO eq_index (tenant, resource_type, attribute, value, id) \
                 VALUES (?1, ?2, ?3, ?4, ?5)",
            )?
            .execute(params![
                tenant,
                resource_type,
                attribute_of(entry),
                value_of(entry),
                id
            ])?;
    }
    transaction.execute(
        "UPDATE resources SET eq_keys = ?3 WHERE tenant = ?1 AND id = ?2",
        params![tenant, id, column(new)?],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use crate::migrations::migrate;

    /// A resource row as release 5 wrote it, with `unique_keys` as given.
    fn insert(connection: &Connection, id: &str, seq: i64, unique_keys: &str) {
        connection
            .execute(
                "INSERT INTO resources (tenant, id, resource_type, seq, version, unique_keys, \
                 data, eq_keys, pending_manager) VALUES ('t1', ?1, 'User', ?2, 1, ?3, '{}', \
                 '[[\"externalId\", \"\u{FF21}\"]]', '\u{FF41}')",
                rusqlite::params![id, seq, unique_keys],
            )
            .unwrap();
    }

    fn column(connection: &Connection, id: &str, column: &str) -> String {
        connection
            .query_row(
                &format!("SELECT {column} FROM resources WHERE id = ?1"),
                [id],
                |row| row.get(0),
            )
            .unwrap()
    }

    /// A row whose keys are not this store's JSON does not stop the upgrade and stays as
    /// it was; the rows around it are re-folded; a case-exact entry is not.
    #[test]
    fn malformed_keys_are_left_alone() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, Some(5)).unwrap();
        insert(&connection, "u1", 1, "not json");
        insert(&connection, "u2", 2, r#"[["userName", 5]]"#);
        insert(
            &connection,
            "u3",
            3,
            "[[\"userName\", \"\u{FF42}ob\", true]]",
        );
        connection
            .execute(
                "INSERT INTO unique_keys VALUES ('t1', 'User', 'userName', '\u{FF42}ob', 'u3')",
                [],
            )
            .unwrap();
        connection
            .execute(
                "INSERT INTO global_keys VALUES ('User', 'userName', '\u{FF42}ob', 't1', 'u3')",
                [],
            )
            .unwrap();
        migrate(&mut connection, None).unwrap();
        assert_eq!(column(&connection, "u1", "unique_keys"), "not json");
        assert_eq!(
            column(&connection, "u2", "unique_keys"),
            r#"[["userName", 5]]"#
        );
        assert_eq!(
            column(&connection, "u3", "unique_keys"),
            r#"[["userName","bob",true]]"#
        );
        for table in ["unique_keys", "global_keys"] {
            let value: String = connection
                .query_row(&format!("SELECT value FROM {table}"), [], |row| row.get(0))
                .unwrap();
            assert_eq!(value, "bob", "{table}");
        }
        for id in ["u1", "u2", "u3"] {
            assert_eq!(column(&connection, id, "pending_manager"), "a");
            assert_eq!(
                column(&connection, id, "eq_keys"),
                "[[\"externalId\", \"\u{FF21}\"]]"
            );
        }
    }
}
