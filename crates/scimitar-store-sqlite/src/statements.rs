//! Running cached statements: compiling SQL costs more than running it, so every
//! statement the store runs more than once is compiled once per connection.

use rusqlite::{Connection, OptionalExtension, Params, Row, params};
use scimitar_engine::{StoreError, TenantId};

use crate::unavailable;

/// Runs the cached statement `sql` with `parameters`; the number of rows it changed.
pub(crate) fn execute(
    connection: &Connection,
    sql: &str,
    parameters: impl Params,
) -> Result<usize, StoreError> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.execute(parameters))
        .map_err(unavailable)
}

/// The first column of each row `sql` selects, as text.
pub(crate) fn strings(
    connection: &Connection,
    sql: &str,
    parameters: impl Params,
) -> Result<Vec<String>, StoreError> {
    let mut statement = connection.prepare_cached(sql).map_err(unavailable)?;
    let rows = statement
        .query_map(parameters, |row| row.get(0))
        .map_err(unavailable)?;
    rows.collect::<Result<_, _>>().map_err(unavailable)
}

/// Whether `id` is a resource of `tenant`.
pub(crate) fn exists(
    connection: &Connection,
    tenant: &TenantId,
    id: &str,
) -> Result<bool, StoreError> {
    connection
        .prepare_cached("SELECT 1 FROM resources WHERE tenant = ?1 AND id = ?2")
        .and_then(|mut statement| statement.exists(params![tenant.0, id]))
        .map_err(unavailable)
}

/// The row `sql` selects, if any, read by `read`.
pub(crate) fn optional_row<T>(
    connection: &Connection,
    sql: &str,
    parameters: impl Params,
    read: impl FnOnce(&Row<'_>) -> rusqlite::Result<T>,
) -> Result<Option<T>, StoreError> {
    connection
        .prepare_cached(sql)
        .and_then(|mut statement| statement.query_row(parameters, read).optional())
        .map_err(unavailable)
}

/// Runs the cached insert `sql`; one that would take a key another row holds (a
/// constraint it breaks) is the error `taken()`.
pub(crate) fn insert(
    connection: &Connection,
    sql: &str,
    parameters: impl Params,
    taken: impl FnOnce() -> StoreError,
) -> Result<(), StoreError> {
    match connection
        .prepare_cached(sql)
        .and_then(|mut insert| insert.execute(parameters))
    {
        Ok(_) => Ok(()),
        Err(error) if is_constraint(&error) => Err(taken()),
        Err(error) => Err(unavailable(error)),
    }
}

fn is_constraint(error: &rusqlite::Error) -> bool {
    matches!(error, rusqlite::Error::SqliteFailure(failure, _) if failure.code == rusqlite::ErrorCode::ConstraintViolation)
}
