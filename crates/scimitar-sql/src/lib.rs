//! SCIM 2.0 filters (RFC 7644 §3.4.2.2), `sortBy` and paging as parameterised SQL for
//! SQLite and PostgreSQL, with exactly the semantics of in-memory evaluation
//! ([`scimitar_schema::matches`]): case sensitivity from the schemas, types, `dateTime`
//! ordering by instant, multi-valued "any" semantics, value paths tied to one element.
//!
//! It builds strings and nothing else: no driver, no connection, no I/O. A store runs the
//! SQL; every literal of a filter is a bound parameter ([`SqlValue`]), never part of the
//! SQL text.
//!
//! # The storage model
//!
//! Resources live in a table the store owns, aliased `r` in the SQL, keyed by tenant
//! first:
//!
//! ```sql
//! resources(tenant TEXT, resource_type TEXT, id TEXT, seq INTEGER /* creation order */,
//!           version INTEGER, data TEXT /* the JSON */, ...)
//! ```
//!
//! Beside it, `attr_values` holds one row per value a filter can test
//! ([`Dialect::attr_values_ddl`] creates it with its indexes):
//!
//! ```sql
//! attr_values(tenant TEXT, resource_type TEXT, id TEXT,
//!             path TEXT,     -- 'username', 'name.familyname', 'emails.value',
//!                            -- 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department'
//!             elem INTEGER,  -- 1-based position in a multi-valued attribute, 0 otherwise
//!             n INTEGER,     -- tells apart a resource's rows of one path and element
//!             text TEXT,     -- a string, as stored
//!             folded TEXT,   -- fold_for_comparison(text), for case-insensitive comparison
//!             num REAL,      -- a number (DOUBLE PRECISION in PostgreSQL)
//!             ts TEXT,       -- an RFC 3339 string as UTC 'YYYY-MM-DDTHH:MM:SS.fffffffffZ'
//!             bool INTEGER)  -- a boolean (BOOLEAN in PostgreSQL)
//! ```
//!
//! The primary key, which starts with the resource, is how the SQL finds a resource's
//! rows; `n` is not computed here (a resource may have several rows of one path and
//! element, such as the values of an array in a sub-attribute): the store numbers them
//! (their order among those rows will do).
//!
//! [`index_rows`] computes a resource's rows; the store writes them in the transaction
//! that writes the resource (after deleting its previous rows). Paths are lower case;
//! an extension's attributes are prefixed by the extension's URN and `:`. The rows are:
//!
//! - for a top-level attribute, its values at its own path: the value, each element of a
//!   multi-valued attribute, and for complex values their `value` sub-attribute — so
//!   `emails co "@x"` and `manager eq "26118915"` test `emails.value` and
//!   `manager.value`, as evaluation does;
//! - for each sub-attribute of a complex value or element, its values at `attr.sub`,
//!   with the element's `elem`, so that a value path ties its tests to one element;
//! - markers, with no value column set: `attr.` once per complex value or element (so a
//!   value filter with `not`, `or`, `ne` or `eq null` can enumerate elements), `attr.sub`
//!   for a sub-attribute that is there but holds nothing (`null`, `[]`), and `attr` at
//!   `elem` 1 for an array none of whose elements has a value of its own.
//!
//! # What is translated exactly
//!
//! [`translate`] returns a [`Translation`]. When it is `complete`, the rows the SQL
//! selects are exactly the matches; this is checked against evaluation by a differential
//! property test on SQLite. Complete translations cover:
//!
//! - every operator on attributes and sub-attributes of the core schema, of the
//!   resource type's registered extensions (with or without their URN), and on
//!   attributes no schema defines (compared as case-insensitive strings, as evaluation
//!   does);
//! - `eq`, `ne` (true when some value differs or there is none), `co`, `sw`, `ew` (as
//!   `LIKE` with `%`, `_` and `\` escaped, on `folded`; case-exact text in SQLite uses
//!   `instr`/`substr`, as SQLite's `LIKE` ignores ASCII case), `gt`, `ge`, `lt`, `le`
//!   (byte order, as evaluation compares), `pr`, `eq null`, `ne null`;
//! - strings case-insensitively unless `caseExact`; `dateTime` values as instants
//!   whatever their offset; numbers as numbers; booleans with `eq` and `ne` only (and
//!   lenient `"true"`/`"false"` literals);
//! - `and`, `or`, `not`, and value paths `emails[type eq "work" and value co "@x"]`
//!   (one join on the element for a conjunction of positive tests, else a test per
//!   element);
//! - filters the schemas reject (`active gt true`): nothing matches, as in evaluation.
//!
//! Otherwise the translation is incomplete: the untranslatable test is replaced by
//! `TRUE` (dropped from an `and`; an `or` or `not` around it becomes `TRUE` or keeps only
//! what is still a superset), so the SQL selects a superset of the matches and the
//! caller evaluates the filter on what it returns. That happens for:
//!
//! - attributes behind a schema URN the resource type does not know, which evaluation
//!   resolves against each resource's own data;
//! - a sub-attribute path inside a value path (`emails[value.x eq 1]`);
//! - attributes that get no rows ([`UNINDEXED`]: a group's `members`, kept by stores in
//!   a table of their own);
//! - integer literals of magnitude 2^53 or more, which the `num` column's doubles cannot
//!   hold exactly.
//!
//! # Assumptions
//!
//! Rows and SQL agree with evaluation for resources as validation leaves them and for
//! any JSON of the same shapes (names in any case, nulls, empty strings and arrays,
//! values of unexpected types). They do not describe values nested deeper than SCIM
//! allows (an object or array inside a sub-attribute's value, arrays inside arrays):
//! those count as values for `ne` but never as present or equal. A resource must not
//! give one name twice in different case (validation refuses it), and must list its
//! resource type's core schema in `schemas`, as stored resources do. Text must not hold
//! NUL characters (PostgreSQL refuses them). Sorting uses the attribute's schema type
//! (see [`sort_key`]).
//!
//! The rows follow the registry the store passes to [`index_rows`] (which extensions are
//! indexed); re-index stored resources after changing the resource type's extensions.
//! Attributes a store does not keep, such as a user's `groups` (computed by the engine
//! from the groups), cannot be filtered in SQL: the engine evaluates such filters itself.
//!
//! # Quick start
//!
//! ```
//! use scimitar_schema::SchemaRegistry;
//! use scimitar_sql::{order_by, page, translate, Dialect, SortOrder, SqlValue};
//!
//! let registry = SchemaRegistry::core();
//! let users = registry.resource_type("User").unwrap();
//! let filter = r#"emails[type eq "work" and value ew "@example.com"] and active eq true"#.parse()?;
//! let dialect = Dialect::Sqlite;
//!
//! let mut query = translate(&filter, users, &registry, dialect);
//! assert!(query.complete);
//! // The store's own conditions and the page, numbered after the filter's parameters.
//! let tenant = dialect.bind(&mut query.params, SqlValue::from("acme"));
//! let kind = dialect.bind(&mut query.params, SqlValue::from("User"));
//! let sort_by = "userName".parse()?;
//! let order = order_by(Some(&sort_by), SortOrder::Ascending, users, &registry, dialect, &mut query.params);
//! let limit = page(0, 10, dialect, &mut query.params);
//! let sql = format!(
//!     "SELECT r.id, r.data FROM resources r WHERE r.tenant = {tenant} AND r.resource_type = {kind} \
//!      AND {} {order} {limit}",
//!     query.condition(),
//! );
//! assert!(sql.contains("JOIN attr_values v2 ON v2.tenant = v1.tenant"));
//! assert_eq!(
//!     query.params[..7],
//!     [
//!         SqlValue::from("emails.type"),
//!         SqlValue::from("work"),
//!         SqlValue::from("emails.value"),
//!         SqlValue::from("%@example.com"),
//!         SqlValue::from("active"),
//!         SqlValue::Bool(true),
//!         SqlValue::from("acme"),
//!     ],
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cond;
mod dialect;
mod error;
mod index;
mod sort;
mod translate;

pub use cond::escape_like;
pub use dialect::{Dialect, SqlValue};
pub use error::SqlError;
pub use index::{AttrRow, UNINDEXED, index_rows, is_indexed};
pub use sort::{SortOrder, is_sortable, order_by, page, sort_key};
pub use translate::{Translation, translate, try_translate};
