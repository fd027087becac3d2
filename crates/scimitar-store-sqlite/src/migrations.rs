//! The database schema, as numbered migrations applied on open.

use rusqlite::{Connection, Transaction};

/// Each migration, in order; its number is its position plus one. Never edit one that
/// has shipped: add another.
const MIGRATIONS: &[&str] = &[
    // 1: tenants, keys, resources and their indexes, all keyed by tenant first.
    "
    CREATE TABLE tenants (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL UNIQUE,
        compat TEXT NOT NULL
    );
    CREATE TABLE api_keys (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL REFERENCES tenants(id),
        hash TEXT NOT NULL UNIQUE,
        created TEXT NOT NULL,
        expires TEXT,
        revoked TEXT
    );
    CREATE INDEX api_keys_by_tenant ON api_keys(tenant);
    CREATE TABLE resources (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        seq INTEGER NOT NULL,
        version INTEGER NOT NULL,
        display_name TEXT,
        unique_keys TEXT NOT NULL,
        data TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
    ) WITHOUT ROWID;
    CREATE UNIQUE INDEX resources_in_order ON resources(tenant, resource_type, seq);
    CREATE TABLE unique_keys (
        tenant TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        attribute TEXT NOT NULL,
        value TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (tenant, resource_type, attribute, value)
    ) WITHOUT ROWID;
    CREATE INDEX unique_keys_by_id ON unique_keys(tenant, id);
    CREATE TABLE eq_index (
        tenant TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        attribute TEXT NOT NULL,
        value TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (tenant, resource_type, attribute, value, id)
    ) WITHOUT ROWID;
    CREATE INDEX eq_index_by_id ON eq_index(tenant, id);
    CREATE TABLE members (
        tenant TEXT NOT NULL,
        group_id TEXT NOT NULL,
        member_id TEXT NOT NULL,
        PRIMARY KEY (tenant, group_id, member_id)
    ) WITHOUT ROWID;
    CREATE INDEX members_by_member ON members(tenant, member_id);
    ",
];

/// Brings the database up to the latest migration, each in its own transaction.
pub(crate) fn migrate(connection: &mut Connection) -> rusqlite::Result<()> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS scimitar_migrations (version INTEGER PRIMARY KEY)",
    )?;
    let applied: i64 = connection.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM scimitar_migrations",
        [],
        |row| row.get(0),
    )?;
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        let version = i64::try_from(index).unwrap_or(i64::MAX) + 1;
        if version <= applied {
            continue;
        }
        let transaction: Transaction<'_> = connection.transaction()?;
        transaction.execute_batch(migration)?;
        transaction.execute(
            "INSERT INTO scimitar_migrations (version) VALUES (?1)",
            [version],
        )?;
        transaction.commit()?;
    }
    Ok(())
}

/// The latest migration's number.
pub(crate) fn latest() -> usize {
    MIGRATIONS.len()
}
