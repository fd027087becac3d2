//! The database schema, as numbered migrations applied on open.

use rusqlite::{Connection, Transaction};

/// One step of a migration, run in the migration's transaction.
#[derive(Clone, Copy)]
pub(crate) enum Step {
    /// SQL statements, separated by `;`.
    Sql(&'static str),
    /// Rust code: a backfill of data the SQL steps cannot compute.
    Backfill(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

/// Each migration, in order; its number is its position plus one. Never edit one that
/// has shipped: add another.
const MIGRATIONS: &[&[Step]] = &[
    // 1: tenants, keys, resources and their indexes, all keyed by tenant first.
    &[Step::Sql(
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
    );
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
    )],
    // 2: `attr_values`, the rows scimitar-sql's filters read (its SQLite DDL, frozen
    // here: a test checks that it still creates everything scimitar-sql's DDL creates),
    // and the registry they were computed with; filled in for existing resources with
    // the core registry (a store with another registry re-indexes when first used).
    &[
        Step::Sql(
            "
    CREATE TABLE attr_values (
        tenant TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        elem INTEGER NOT NULL,
        text TEXT,
        folded TEXT,
        num REAL,
        ts TEXT,
        bool INTEGER
    );
    CREATE INDEX attr_values_by_resource
        ON attr_values (tenant, resource_type, id, path, elem);
    CREATE TABLE attr_values_registry (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        fingerprint TEXT NOT NULL
    );
    ",
        ),
        // (Once the rows of every stored resource; migration 3 rebuilds them instead.)
        Step::Backfill(|_| Ok(())),
        // Fixed statistics for the query planner. A filter's SQL scans the resources of
        // one type and tests each with correlated subqueries on `attr_values`, which must
        // go through `attr_values_by_resource` (the resource's own rows). scimitar-sql's
        // by-value index is left out: the planner should never use it here, and it
        // tripled the cost of every write. These say what holds for any real data: a
        // resource has a few rows per path, a value many resources. (`ANALYZE` of a
        // small table creates `sqlite_stat1`; `ANALYZE sqlite_schema` loads it.)
        Step::Sql(
            "
    ANALYZE attr_values_registry;
    DELETE FROM sqlite_stat1 WHERE tbl = 'attr_values';
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('attr_values', 'attr_values_by_resource', '1000000 100000 50000 25 2 1');
    ANALYZE sqlite_schema;
    ",
        ),
    ],
    // 3: `attr_values` keyed by its resource (`WITHOUT ROWID`, `n` telling apart rows of
    // one path and element): one B-tree instead of a table and an index, so half the
    // size and half the pages each write changes. The rows are rebuilt on first use (the
    // registry's fingerprint is gone). Statistics as in migration 2, for the key.
    &[Step::Sql(
        "
    DROP TABLE attr_values;
    CREATE TABLE attr_values (
        tenant TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        id TEXT NOT NULL,
        path TEXT NOT NULL,
        elem INTEGER NOT NULL,
        n INTEGER NOT NULL,
        text TEXT,
        folded TEXT,
        num REAL,
        ts TEXT,
        bool INTEGER,
        PRIMARY KEY (tenant, resource_type, id, path, elem, n)
    ) WITHOUT ROWID;
    DELETE FROM attr_values_registry;
    DELETE FROM sqlite_stat1 WHERE tbl = 'attr_values';
    INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
        ('attr_values', 'attr_values', '1000000 100000 50000 25 2 1 1');
    ANALYZE sqlite_schema;
    ",
    )],
    // 4: each resource's row keeps its equality index entries (as it kept its unique
    // keys), which is how a replace or a delete finds them: the indexes by resource on
    // `unique_keys` and `eq_index` go, and with them two pages written by every create.
    &[Step::Sql(
        "
    ALTER TABLE resources ADD COLUMN eq_keys TEXT NOT NULL DEFAULT '[]';
    UPDATE resources SET eq_keys = (
        SELECT json_group_array(json_array(e.attribute, e.value)) FROM eq_index e
        WHERE e.tenant = resources.tenant AND e.id = resources.id
    );
    DROP INDEX unique_keys_by_id;
    DROP INDEX eq_index_by_id;
    ",
    )],
    // 5: provisioning.
    // - `tenants.policy`: the tenant's policy as JSON, NULL for the default one (so that
    //   the common case parses nothing on each key lookup).
    // - `resources.pending_manager`, with an index of the rows that have one only (a
    //   write without one touches no page of it).
    // - `history`: each tenant's change history, the entry as JSON beside the columns
    //   queries filter on; `seq` is the entry's number in its tenant (also set in the
    //   JSON). The time is two integers, whole microseconds since the epoch and the nanoseconds
    //   beyond them, which compare as times do (as a row value), for any time.
    // - `history_pruned`: the highest `seq` a tenant had when its history was last
    //   pruned, so that numbers are never given out again once their entries are gone.
    //   Only a prune writes it: a write numbers its entry after both it and the
    //   history's newest entry.
    // - `unmanaged`: accounts that existed before provisioning, invisible to SCIM reads;
    //   their unique keys are in `unique_keys` beside those of the resources.
    // - `global_keys`: the unique keys that must be unique across all tenants, keyed by
    //   type, attribute and value (also in `unique_keys`, as every key is).
    &[Step::Sql(
        "
    ALTER TABLE tenants ADD COLUMN policy TEXT;
    ALTER TABLE resources ADD COLUMN pending_manager TEXT;
    CREATE INDEX resources_awaiting_manager ON resources(tenant, pending_manager)
        WHERE pending_manager IS NOT NULL;
    CREATE TABLE history (
        tenant TEXT NOT NULL,
        seq INTEGER NOT NULL,
        time_us INTEGER NOT NULL,
        time_ns INTEGER NOT NULL,
        action TEXT NOT NULL,
        resource_id TEXT,
        entry TEXT NOT NULL,
        PRIMARY KEY (tenant, seq)
    );
    CREATE INDEX history_by_resource ON history(tenant, resource_id, seq);
    CREATE TABLE history_pruned (
        tenant TEXT PRIMARY KEY,
        seq INTEGER NOT NULL
    ) WITHOUT ROWID;
    CREATE TABLE unmanaged (
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        resource_type TEXT NOT NULL,
        version INTEGER NOT NULL,
        unique_keys TEXT NOT NULL,
        pending_manager TEXT,
        data TEXT NOT NULL,
        PRIMARY KEY (tenant, id)
    );
    CREATE TABLE global_keys (
        resource_type TEXT NOT NULL,
        attribute TEXT NOT NULL,
        value TEXT NOT NULL,
        tenant TEXT NOT NULL,
        id TEXT NOT NULL,
        PRIMARY KEY (resource_type, attribute, value)
    ) WITHOUT ROWID;
    ",
    )],
    // 6: the values kept folded for comparison (unique keys, equality index entries,
    // pending manager references), lower-cased until now, folded again with width
    // mapping and NFC too (see `refold`); the `attr_values` rows, whose `folded` column
    // changed the same way, are rebuilt on first use.
    &[
        Step::Backfill(crate::refold::refold),
        Step::Sql("DELETE FROM attr_values_registry;"),
    ],
];

/// Creates (if needed) the database file at `path` and brings it up to migration
/// `version` only, as an older release would leave it: for tests of upgrades.
#[cfg(feature = "test-hooks")]
pub fn migrate_file_to(
    path: impl AsRef<std::path::Path>,
    version: usize,
) -> Result<(), scimitar_engine::StoreError> {
    let unavailable =
        |error: rusqlite::Error| scimitar_engine::StoreError::Unavailable(error.to_string());
    let mut connection = Connection::open(path).map_err(unavailable)?;
    migrate(&mut connection, Some(version)).map_err(unavailable)
}

/// Brings the database up to migration `up_to` (else the latest), each in its own
/// transaction.
pub(crate) fn migrate(connection: &mut Connection, up_to: Option<usize>) -> rusqlite::Result<()> {
    let applied = applied(connection)?;
    let up_to = up_to.unwrap_or(MIGRATIONS.len());
    for (position, migration) in MIGRATIONS.iter().enumerate().take(up_to) {
        let version = i64::try_from(position).unwrap_or(i64::MAX) + 1;
        if version <= applied {
            continue;
        }
        let transaction: Transaction<'_> = connection.transaction()?;
        for step in *migration {
            match step {
                Step::Sql(sql) => transaction.execute_batch(sql)?,
                Step::Backfill(backfill) => backfill(&transaction)?,
            }
        }
        transaction.execute(
            "INSERT INTO scimitar_migrations (version) VALUES (?1)",
            [version],
        )?;
        transaction.commit()?;
    }
    Ok(())
}

/// The number of the last migration applied to the database (0 for a new one).
pub(crate) fn applied(connection: &Connection) -> rusqlite::Result<i64> {
    connection.execute_batch(
        "CREATE TABLE IF NOT EXISTS scimitar_migrations (version INTEGER PRIMARY KEY)",
    )?;
    connection.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM scimitar_migrations",
        [],
        |row| row.get(0),
    )
}

/// The latest migration's number.
pub(crate) fn latest() -> usize {
    MIGRATIONS.len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use scimitar_schema::SchemaRegistry;
    use scimitar_sql::Dialect;

    fn schema(connection: &Connection) -> Vec<(String, String)> {
        let mut statement = connection
            .prepare("SELECT type, name FROM sqlite_master ORDER BY type, name")
            .unwrap();
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    }

    /// Migration 3 froze scimitar-sql's DDL (but for its by-value index): if scimitar-sql
    /// adds a column or an index, this fails, and a new migration must add it.
    #[test]
    fn the_migrations_create_everything_scimitar_sql_expects() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, None).unwrap();
        let migrated = schema(&connection);
        let columns = |connection: &Connection| -> Vec<(String, String, bool)> {
            let mut statement = connection
                .prepare("SELECT name, type, \"notnull\" FROM pragma_table_info('attr_values')")
                .unwrap();
            let rows = statement
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
                .unwrap();
            rows.collect::<Result<_, _>>().unwrap()
        };
        let reference = Connection::open_in_memory().unwrap();
        reference
            .execute_batch(Dialect::Sqlite.attr_values_ddl())
            .unwrap();
        assert_eq!(columns(&connection), columns(&reference));
        connection
            .execute_batch(Dialect::Sqlite.attr_values_ddl())
            .unwrap();
        // Except the by-value index, which this store leaves out on purpose.
        let after: Vec<_> = schema(&connection)
            .into_iter()
            .filter(|entry| !format!("{entry:?}").contains("attr_values_by_value"))
            .collect();
        assert_eq!(after, migrated, "nothing new to create");
    }

    /// The plan of `filter`'s SQL on users, one line per step.
    fn plan(connection: &Connection, filter: &str) -> String {
        let registry = SchemaRegistry::core();
        let users = registry.resource_type("User").unwrap();
        let filter = filter.parse().unwrap();
        let mut translation = scimitar_sql::translate(&filter, users, &registry, Dialect::Sqlite);
        let tenant = Dialect::Sqlite.bind(&mut translation.params, "t1".into());
        let kind = Dialect::Sqlite.bind(&mut translation.params, "User".into());
        let sql = format!(
            "EXPLAIN QUERY PLAN SELECT r.id FROM resources r WHERE r.tenant = {tenant} \
             AND r.resource_type = {kind} AND ({}) ORDER BY r.seq",
            translation.condition()
        );
        let values = translation.params.iter().map(|param| match param {
            scimitar_sql::SqlValue::Text(text) => rusqlite::types::Value::Text(text.clone()),
            scimitar_sql::SqlValue::Integer(number) => rusqlite::types::Value::Integer(*number),
            scimitar_sql::SqlValue::Real(number) => rusqlite::types::Value::Real(*number),
            scimitar_sql::SqlValue::Bool(flag) => rusqlite::types::Value::Integer(i64::from(*flag)),
        });
        let mut statement = connection.prepare(&sql).unwrap();
        let rows = statement
            .query_map(rusqlite::params_from_iter(values), |row| {
                row.get::<_, String>(3)
            })
            .unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    /// Each resource's own rows answer its tests: looking up every resource with a value
    /// for each resource scanned made equality tests a thousand times slower.
    #[test]
    fn filters_read_each_resource_s_own_rows() {
        let path =
            std::env::temp_dir().join(format!("scimitar-sqlite-plans-{}.db", std::process::id()));
        let _ = std::fs::remove_file(&path);
        let mut connection = Connection::open(&path).unwrap();
        migrate(&mut connection, None).unwrap();
        let reopened = Connection::open(&path).unwrap();
        for connection in [&connection, &reopened] {
            for filter in [
                r#"userName eq "bjensen""#,
                r#"department eq "Tour""#,
                r#"emails[type eq "work" and value eq "b@example.com"]"#,
                r#"name.familyName co "son""#,
            ] {
                let plan = plan(connection, filter);
                assert!(
                    plan.contains(
                        "USING PRIMARY KEY (tenant=? AND resource_type=? AND id=? AND path=?"
                    ),
                    "{filter}:\n{plan}"
                );
                assert!(!plan.contains("attr_values_by_value"), "{filter}:\n{plan}");
            }
        }
        drop((connection, reopened));
        let _ = std::fs::remove_file(&path);
    }

    fn plan_of(connection: &Connection, sql: &str, parameters: impl rusqlite::Params) -> String {
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = statement
            .query_map(parameters, |row| row.get::<_, String>(3))
            .unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    /// The users awaiting a manager are found through the index of the rows that have a
    /// pending manager, which a write without one never touches.
    #[test]
    fn users_awaiting_a_manager_are_found_by_the_partial_index() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, None).unwrap();
        let plan = plan_of(
            &connection,
            crate::store::AWAITING_MANAGER,
            rusqlite::params!["t1", r#"["boss", "b1"]"#],
        );
        assert!(
            plan.contains(
                "USING INDEX resources_awaiting_manager (tenant=? AND pending_manager=?)"
            ),
            "{plan}"
        );
    }

    /// An unmanaged account is found by its unique key through the key's primary key and
    /// the account's.
    #[test]
    fn unmanaged_accounts_are_found_by_their_keys() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, None).unwrap();
        let plan = plan_of(
            &connection,
            crate::unmanaged::FIND,
            rusqlite::params!["t1", "User", "userName", "bjensen"],
        );
        assert!(
            plan.contains("SEARCH k USING PRIMARY KEY (tenant=? AND resource_type=? AND attribute=? AND value=?)"),
            "{plan}"
        );
        assert!(
            plan.contains("SEARCH u USING INDEX sqlite_autoindex_unmanaged_1 (tenant=? AND id=?)"),
            "{plan}"
        );
    }

    #[test]
    fn migrations_stop_where_asked_and_resume() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, Some(1)).unwrap();
        let names: Vec<String> = schema(&connection)
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        assert!(names.contains(&"resources".to_owned()));
        assert!(!names.contains(&"attr_values".to_owned()));
        migrate(&mut connection, None).unwrap();
        let version: i64 = connection
            .query_row("SELECT MAX(version) FROM scimitar_migrations", [], |row| {
                row.get(0)
            })
            .unwrap();
        assert_eq!(usize::try_from(version).unwrap(), latest());
    }
}
