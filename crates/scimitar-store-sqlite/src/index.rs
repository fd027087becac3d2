//! The `attr_values` rows scimitar-sql's filters read: written with each resource,
//! rebuilt when the registry they were computed with changes.

use std::cmp::Ordering;

use rusqlite::types::Type;
use rusqlite::{Connection, OptionalExtension, Statement, Transaction, params};
use scimitar_schema::{Resource, SchemaRegistry};
use scimitar_sql::{AttrRow, index_rows};

/// Which rows [`index_rows`] gives for `registry`: its resource types and the extensions
/// of each (the only part of a registry the rows depend on), and the layout of the rows.
/// Stored beside the rows, so that a store opened with another registry re-indexes.
pub(crate) fn fingerprint(registry: &SchemaRegistry) -> String {
    let mut types: Vec<String> = registry
        .resource_types()
        .iter()
        .map(|resource_type| {
            let mut extensions: Vec<String> = registry
                .extensions(resource_type)
                .map(|(schema, _)| schema.id.to_ascii_lowercase())
                .collect();
            extensions.sort();
            format!("{}={}", resource_type.name, extensions.join(","))
        })
        .collect();
    types.sort();
    // The layout: bump it when scimitar-sql's rows change meaning.
    format!("rows-1;{}", types.join(";"))
}

/// The `attr_values` rows of one resource, sorted as [`replace_rows`] merges them;
/// computed before the write, outside the writer's transaction.
pub(crate) struct Rows(Vec<AttrRow>);

impl Rows {
    /// The rows of `resource`, a resource of `resource_type` (none when the registry does
    /// not know `resource_type`: lists of that type never read them).
    pub(crate) fn of(registry: &SchemaRegistry, resource_type: &str, resource: &Resource) -> Self {
        let mut rows = match registry.resource_type(resource_type) {
            Some(kind) => index_rows(resource, kind, registry),
            None => Vec::new(),
        };
        rows.sort_by(|a, b| key(a).cmp(&key(b)));
        Self(rows)
    }
}

/// Changes the stored rows of the resource `id` into `rows`: deletes the rows it no
/// longer has and inserts the new ones, leaving the rest.
pub(crate) fn replace_rows(
    transaction: &Connection,
    tenant: &str,
    resource_type: &str,
    id: &str,
    rows: &Rows,
) -> rusqlite::Result<()> {
    let mut old = stored_rows(transaction, tenant, resource_type, id)?;
    old.sort_by(|a, b| key(&a.1).cmp(&key(&b.1)));
    let mut delete = transaction.prepare_cached("DELETE FROM attr_values WHERE rowid = ?1")?;
    let mut insert = transaction.prepare_cached(INSERT)?;
    let (mut old, mut new) = (old.iter().peekable(), rows.0.iter().peekable());
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => return Ok(()),
            (Some((_, stored)), Some(wanted)) => key(stored).cmp(&key(wanted)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        match order {
            Ordering::Equal => {
                old.next();
                new.next();
            }
            Ordering::Less => {
                if let Some((rowid, _)) = old.next() {
                    delete.execute([rowid])?;
                }
            }
            Ordering::Greater => {
                if let Some(row) = new.next() {
                    insert_row(&mut insert, tenant, resource_type, id, row)?;
                }
            }
        }
    }
}

/// What tells two rows of one resource apart. `folded` and `ts` follow from `text`.
fn key(row: &AttrRow) -> (&str, i64, Option<&str>, Option<u64>, Option<bool>) {
    (
        &row.path,
        row.elem,
        row.text.as_deref(),
        row.num.map(f64::to_bits),
        row.bool,
    )
}

/// The stored rows of the resource `id`, with their rowids.
fn stored_rows(
    connection: &Connection,
    tenant: &str,
    resource_type: &str,
    id: &str,
) -> rusqlite::Result<Vec<(i64, AttrRow)>> {
    let mut select = connection.prepare_cached(
        "SELECT rowid, path, elem, text, num, bool FROM attr_values \
         WHERE tenant = ?1 AND resource_type = ?2 AND id = ?3",
    )?;
    let rows = select.query_map(params![tenant, resource_type, id], |row| {
        let mut stored = AttrRow::default();
        stored.path = row.get(1)?;
        stored.elem = row.get(2)?;
        stored.text = row.get(3)?;
        stored.num = row.get(4)?;
        stored.bool = row.get(5)?;
        Ok((row.get(0)?, stored))
    })?;
    rows.collect()
}

const INSERT: &str = "INSERT INTO attr_values (tenant, resource_type, id, path, elem, text, folded, num, ts, bool) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";

fn insert_row(
    insert: &mut Statement<'_>,
    tenant: &str,
    resource_type: &str,
    id: &str,
    row: &AttrRow,
) -> rusqlite::Result<usize> {
    insert.execute(params![
        tenant,
        resource_type,
        id,
        row.path,
        row.elem,
        row.text,
        row.folded,
        row.num,
        row.ts,
        row.bool,
    ])
}

/// Inserts the rows of the new resource `id`.
pub(crate) fn insert_rows(
    connection: &Connection,
    tenant: &str,
    resource_type: &str,
    id: &str,
    rows: &Rows,
) -> rusqlite::Result<()> {
    let mut insert = connection.prepare_cached(INSERT)?;
    for row in &rows.0 {
        insert_row(&mut insert, tenant, resource_type, id, row)?;
    }
    Ok(())
}

/// Deletes the rows of the resource `id`.
pub(crate) fn delete_rows(
    transaction: &Connection,
    tenant: &str,
    resource_type: &str,
    id: &str,
) -> rusqlite::Result<()> {
    transaction
        .prepare_cached(
            "DELETE FROM attr_values WHERE tenant = ?1 AND resource_type = ?2 AND id = ?3",
        )?
        .execute(params![tenant, resource_type, id])?;
    Ok(())
}

/// Rebuilds every row for `registry`, and records its fingerprint.
pub(crate) fn reindex(
    transaction: &Transaction<'_>,
    registry: &SchemaRegistry,
) -> rusqlite::Result<()> {
    transaction.execute("DELETE FROM attr_values", [])?;
    let mut select =
        transaction.prepare("SELECT tenant, resource_type, id, data FROM resources")?;
    let mut rows = select.query([])?;
    while let Some(row) = rows.next()? {
        let (tenant, resource_type, id, data): (String, String, String, String) =
            (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
        let resource = Resource::from_json(data.as_bytes()).map_err(|error| {
            rusqlite::Error::FromSqlConversionFailure(3, Type::Text, error.into())
        })?;
        let rows = Rows::of(registry, &resource_type, &resource);
        insert_rows(transaction, &tenant, &resource_type, &id, &rows)?;
    }
    transaction.execute(
        "INSERT INTO attr_values_registry (id, fingerprint) VALUES (1, ?1) \
         ON CONFLICT (id) DO UPDATE SET fingerprint = excluded.fingerprint",
        [fingerprint(registry)],
    )?;
    Ok(())
}

/// Re-indexes if the rows were computed with a registry other than `registry`.
pub(crate) fn ensure(
    connection: &mut Connection,
    registry: &SchemaRegistry,
) -> rusqlite::Result<()> {
    let recorded: Option<String> = connection
        .query_row(
            "SELECT fingerprint FROM attr_values_registry WHERE id = 1",
            [],
            |row| row.get(0),
        )
        .optional()?;
    if recorded.as_deref() == Some(fingerprint(registry).as_str()) {
        return Ok(());
    }
    let transaction = connection.transaction()?;
    reindex(&transaction, registry)?;
    transaction.commit()
}
