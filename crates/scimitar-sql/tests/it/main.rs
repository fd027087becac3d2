//! The integration tests of `scimitar-sql`: the exact SQL of representative filters in
//! both dialects, escaping, complete and incomplete translations, sorting and paging run
//! on SQLite, and a differential property test that runs random filters over random
//! users on an in-memory SQLite database and compares the rows selected with
//! [`scimitar_schema::matches`].
//!
//! PostgreSQL's SQL is run on SQLite too, after writing `$n` as `?n`, dropping
//! `COLLATE "C"` (SQLite's default collation is already byte order) and turning on
//! `case_sensitive_like` (PostgreSQL's `LIKE` is case-sensitive): that checks the logic
//! of the PostgreSQL rendering, not PostgreSQL itself.

mod differential;
mod flags;
mod sorting;
mod sql_text;

use std::collections::BTreeSet;

use rusqlite::{Connection, params_from_iter};
use scimitar_filter::Filter;
use scimitar_schema::{AttributeDef, AttributeType, Resource, Schema, SchemaRegistry};
use scimitar_sql::{Dialect, SqlValue, Translation, index_rows, translate};

/// The core User schema URN.
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The Enterprise User extension URN.
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// A host extension registered by [`registry`].
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

/// The core schemas and the [`ACME`] User extension: `level` (integer), `ratio`
/// (decimal), `since` (dateTime), `tags` (multi-valued, caseExact strings), `badge`
/// (caseExact string) and `flags` (multi-valued booleans).
fn registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::core();
    let acme = Schema::new(ACME)
        .attribute(AttributeDef::new("level", AttributeType::Integer))
        .attribute(AttributeDef::new("ratio", AttributeType::Decimal))
        .attribute(AttributeDef::new("since", AttributeType::DateTime))
        .attribute(
            AttributeDef::new("tags", AttributeType::String)
                .multi_valued(true)
                .case_exact(true),
        )
        .attribute(AttributeDef::new("badge", AttributeType::String).case_exact(true))
        .attribute(AttributeDef::new("flags", AttributeType::Boolean).multi_valued(true));
    registry
        .add_extension("User", acme, false)
        .expect("User is registered");
    registry
}

/// A parsed filter.
#[track_caller]
fn filter(text: &str) -> Filter {
    text.parse()
        .unwrap_or_else(|err| panic!("{text:?} parses: {err}"))
}

/// The translation of `text` for users.
#[track_caller]
fn users(text: &str, dialect: Dialect) -> Translation {
    let registry = registry();
    let users = registry.resource_type("User").expect("User");
    translate(&filter(text), users, &registry, dialect)
}

/// Text parameters as `&str`, for short assertions.
fn texts(params: &[SqlValue]) -> Vec<&str> {
    params
        .iter()
        .map(|param| param.as_text().expect("a text parameter"))
        .collect()
}

/// An in-memory SQLite database with the `resources` and `attr_values` tables.
struct Db {
    conn: Connection,
    registry: SchemaRegistry,
    next_seq: i64,
}

impl Db {
    fn new() -> Self {
        let conn = Connection::open_in_memory().expect("in-memory SQLite");
        conn.execute_batch(
            "CREATE TABLE resources (
                 tenant TEXT NOT NULL,
                 resource_type TEXT NOT NULL,
                 id TEXT NOT NULL,
                 seq INTEGER NOT NULL,
                 version INTEGER NOT NULL,
                 data TEXT NOT NULL,
                 PRIMARY KEY (tenant, resource_type, id)
             );",
        )
        .expect("resources table");
        conn.execute_batch(Dialect::Sqlite.attr_values_ddl())
            .expect("attr_values table");
        Self {
            conn,
            registry: registry(),
            next_seq: 0,
        }
    }

    /// Stores `resource` and its rows as a store would.
    fn insert(&mut self, tenant: &str, resource_type: &str, id: &str, resource: &Resource) {
        self.next_seq += 1;
        let data = serde_json::to_string(resource.as_map()).expect("JSON");
        self.conn
            .execute(
                "INSERT INTO resources (tenant, resource_type, id, seq, version, data) \
                 VALUES (?1, ?2, ?3, ?4, 1, ?5)",
                rusqlite::params![tenant, resource_type, id, self.next_seq, data],
            )
            .expect("insert resource");
        let kind = self
            .registry
            .resource_type(resource_type)
            .expect("a known resource type");
        let mut insert = self
            .conn
            .prepare_cached(
                "INSERT INTO attr_values \
                 (tenant, resource_type, id, path, elem, n, text, folded, num, ts, bool) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            )
            .expect("prepare");
        // Each row's position tells it apart, as `n` must.
        for (n, row) in index_rows(resource, kind, &self.registry)
            .iter()
            .enumerate()
        {
            insert
                .execute(rusqlite::params![
                    tenant,
                    resource_type,
                    id,
                    row.path,
                    row.elem,
                    i64::try_from(n).expect("a row number"),
                    row.text,
                    row.folded,
                    row.num,
                    row.ts,
                    row.bool,
                ])
                .expect("insert row");
        }
    }

    /// The ids of `tenant`'s users that `translation` selects, with `tail` (such as an
    /// `ORDER BY`) after the condition, in the order returned.
    fn select(
        &self,
        translation: &Translation,
        dialect: Dialect,
        tenant: &str,
        tail: impl FnOnce(&mut Vec<SqlValue>) -> String,
    ) -> Vec<String> {
        let mut params = translation.params.clone();
        let tenant = dialect.bind(&mut params, SqlValue::from(tenant));
        let kind = dialect.bind(&mut params, SqlValue::from("User"));
        let tail = tail(&mut params);
        let sql = format!(
            "SELECT r.id FROM resources r WHERE r.tenant = {tenant} AND r.resource_type = {kind} \
             AND {} {tail}",
            translation.condition()
        );
        let sql = match dialect {
            Dialect::Postgres => postgres_on_sqlite(&sql),
            _ => sql,
        };
        let case_sensitive = if dialect == Dialect::Postgres {
            "ON"
        } else {
            "OFF"
        };
        self.conn
            .execute_batch(&format!("PRAGMA case_sensitive_like = {case_sensitive};"))
            .expect("pragma");
        let mut statement = self
            .conn
            .prepare(&sql)
            .unwrap_or_else(|err| panic!("{sql}\nprepares: {err}"));
        let values = params.iter().map(|param| match param {
            SqlValue::Text(text) => rusqlite::types::Value::Text(text.clone()),
            SqlValue::Integer(number) => rusqlite::types::Value::Integer(*number),
            SqlValue::Real(number) => rusqlite::types::Value::Real(*number),
            SqlValue::Bool(flag) => rusqlite::types::Value::Integer(i64::from(*flag)),
        });
        let ids = statement
            .query_map(params_from_iter(values), |row| row.get::<_, String>(0))
            .unwrap_or_else(|err| panic!("{sql}\nruns: {err}"));
        ids.map(|id| id.expect("an id")).collect()
    }

    /// [`Db::select`] as a set, without a tail.
    fn ids(&self, translation: &Translation, dialect: Dialect, tenant: &str) -> BTreeSet<String> {
        self.select(translation, dialect, tenant, |_| String::new())
            .into_iter()
            .collect()
    }
}

/// PostgreSQL's SQL in a form SQLite runs with the same meaning.
fn postgres_on_sqlite(sql: &str) -> String {
    let sql = sql.replace(" COLLATE \"C\"", "");
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// A resource from JSON.
fn resource(value: serde_json::Value) -> Resource {
    Resource::from_value(value).expect("a JSON object")
}
