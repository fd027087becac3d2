//! SQL dialects, bound values and the reference schema of the `attr_values` table.

use std::fmt;

/// The SQL dialect to write for.
///
/// Both dialects get the same conditions; they differ in placeholders, in how text is
/// ordered (PostgreSQL compares with `COLLATE "C"`, byte order, as SQLite's default
/// `BINARY` collation does), and in case-sensitive substring tests (SQLite's `LIKE`
/// ignores ASCII case, so case-exact `co`/`sw`/`ew` use `instr` and `substr` there).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Dialect {
    /// SQLite 3.30 or later: placeholders `?1`, `?2`, …
    #[default]
    Sqlite,
    /// PostgreSQL 12 or later (and compatible engines): placeholders `$1`, `$2`, …;
    /// `standard_conforming_strings` on (the default), so `'\'` is one backslash.
    Postgres,
}

impl Dialect {
    /// The placeholder of the `n`-th (1-based) parameter: `?n` or `$n`.
    ///
    /// ```
    /// use scimitar_sql::Dialect;
    /// assert_eq!(Dialect::Sqlite.placeholder(3), "?3");
    /// assert_eq!(Dialect::Postgres.placeholder(3), "$3");
    /// ```
    pub fn placeholder(self, n: usize) -> String {
        match self {
            Self::Sqlite => format!("?{n}"),
            Self::Postgres => format!("${n}"),
        }
    }

    /// Appends `value` to `params` and returns its placeholder, so that a store can add
    /// its own conditions (tenant, resource type) after a [`translate`](crate::translate)d
    /// filter.
    ///
    /// ```
    /// use scimitar_sql::{Dialect, SqlValue};
    /// let mut params = vec![SqlValue::Text("username".into())];
    /// let tenant = Dialect::Postgres.bind(&mut params, SqlValue::Text("acme".into()));
    /// assert_eq!(tenant, "$2");
    /// assert_eq!(params.len(), 2);
    /// ```
    pub fn bind(self, params: &mut Vec<SqlValue>, value: SqlValue) -> String {
        params.push(value);
        self.placeholder(params.len())
    }

    /// The `CREATE TABLE` and `CREATE INDEX` statements of the `attr_values` side table
    /// this crate's SQL reads, for this dialect (see the crate documentation for what its
    /// rows hold). Statements are separated by `;` and idempotent (`IF NOT EXISTS`).
    ///
    /// The `resources` table (aliased `r` in the SQL) belongs to the store; the SQL uses
    /// its columns `tenant`, `resource_type`, `id` and, for ordering, `seq`.
    pub fn attr_values_ddl(self) -> &'static str {
        match self {
            Self::Sqlite => SQLITE_DDL,
            Self::Postgres => POSTGRES_DDL,
        }
    }
}

impl fmt::Display for Dialect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Sqlite => "SQLite",
            Self::Postgres => "PostgreSQL",
        })
    }
}

const SQLITE_DDL: &str = "\
CREATE TABLE IF NOT EXISTS attr_values (
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
CREATE INDEX IF NOT EXISTS attr_values_by_value
    ON attr_values (tenant, resource_type, path, folded);
";

const POSTGRES_DDL: &str = "\
CREATE TABLE IF NOT EXISTS attr_values (
    tenant TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    id TEXT NOT NULL,
    path TEXT COLLATE \"C\" NOT NULL,
    elem BIGINT NOT NULL,
    n BIGINT NOT NULL,
    text TEXT COLLATE \"C\",
    folded TEXT COLLATE \"C\",
    num DOUBLE PRECISION,
    ts TEXT COLLATE \"C\",
    bool BOOLEAN,
    PRIMARY KEY (tenant, resource_type, id, path, elem, n)
);
CREATE INDEX IF NOT EXISTS attr_values_by_value
    ON attr_values (tenant, resource_type, path, folded);
";

/// A value bound to a placeholder. Every literal of a filter reaches the database this
/// way: nothing a client sends is ever written into the SQL text.
///
/// Stores bind each variant as the matching SQL type: `Text` as `TEXT`, `Integer` as a
/// 64-bit integer, `Real` as a double, `Bool` as `BOOLEAN` (SQLite: `0`/`1`).
#[derive(Clone, Debug, PartialEq)]
pub enum SqlValue {
    /// A string.
    Text(String),
    /// A 64-bit integer (`LIMIT`, `OFFSET`).
    Integer(i64),
    /// A double (numeric comparisons, on the `num` column).
    Real(f64),
    /// A boolean (on the `bool` column).
    Bool(bool),
}

impl SqlValue {
    /// The string, if this is [`SqlValue::Text`].
    pub fn as_text(&self) -> Option<&str> {
        match self {
            Self::Text(text) => Some(text),
            _ => None,
        }
    }
}

impl From<&str> for SqlValue {
    fn from(text: &str) -> Self {
        Self::Text(text.to_owned())
    }
}

impl From<String> for SqlValue {
    fn from(text: String) -> Self {
        Self::Text(text)
    }
}

impl From<i64> for SqlValue {
    fn from(number: i64) -> Self {
        Self::Integer(number)
    }
}

impl From<f64> for SqlValue {
    fn from(number: f64) -> Self {
        Self::Real(number)
    }
}

impl From<bool> for SqlValue {
    fn from(flag: bool) -> Self {
        Self::Bool(flag)
    }
}
