//! The `attr_values` rows scimitar-sql's filters read: written with each resource,
//! rebuilt when the registry they were computed with changes.

use std::cmp::Ordering;
use std::collections::HashSet;

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
    format!("rows-3;{}", types.join(";"))
}

/// The `attr_values` rows of one resource, sorted as [`replace_rows`] merges them, each
/// with the `n` a new resource's row gets (its position among the resource's rows of
/// the same path and element); computed before the write, outside the writer's
/// transaction.
pub(crate) struct Rows(Vec<(i64, AttrRow)>);

impl Rows {
    /// The rows of `resource`, a resource of `resource_type` (none when the registry does
    /// not know `resource_type`: lists of that type never read them).
    pub(crate) fn of(registry: &SchemaRegistry, resource_type: &str, resource: &Resource) -> Self {
        let mut rows = match registry.resource_type(resource_type) {
            Some(kind) => index_rows(resource, kind, registry),
            None => Vec::new(),
        };
        rows.sort_by(|a, b| value_key(a).cmp(&value_key(b)));
        let mut numbered: Vec<(i64, AttrRow)> = Vec::with_capacity(rows.len());
        for row in rows {
            let n = match numbered.last() {
                Some((n, last)) if last.path == row.path && last.elem == row.elem => n + 1,
                _ => 0,
            };
            numbered.push((n, row));
        }
        Self(numbered)
    }
}

/// Changes the stored rows of the resource `id` into `rows`: deletes the rows it no
/// longer has and inserts the new ones, leaving the rest. A row that stays keeps its
/// `n`; a new one takes the smallest `n` its path and element do not use.
pub(crate) fn replace_rows(
    transaction: &Connection,
    tenant: &str,
    resource_type: &str,
    id: &str,
    rows: &Rows,
) -> rusqlite::Result<()> {
    let mut old = stored_rows(transaction, tenant, resource_type, id)?;
    old.sort_by(|(n, a), (m, b)| value_key(a).cmp(&value_key(b)).then(n.cmp(m)));
    let (mut gone, mut kept, mut added) = (Vec::new(), Vec::new(), Vec::new());
    let (mut old, mut new) = (old.iter().peekable(), rows.0.iter().peekable());
    loop {
        let order = match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some((_, stored)), Some((_, wanted))) => value_key(stored).cmp(&value_key(wanted)),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
        };
        match order {
            Ordering::Equal => {
                kept.extend(old.next());
                new.next();
            }
            Ordering::Less => gone.extend(old.next()),
            Ordering::Greater => added.extend(new.next().map(|(_, row)| row)),
        }
    }
    let mut delete = transaction.prepare_cached(
        "DELETE FROM attr_values WHERE tenant = ?1 AND resource_type = ?2 AND id = ?3 \
         AND path = ?4 AND elem = ?5 AND n = ?6",
    )?;
    for (n, row) in gone {
        delete.execute(params![tenant, resource_type, id, row.path, row.elem, n])?;
    }
    let mut insert = transaction.prepare_cached(INSERT)?;
    let mut taken: HashSet<(&str, i64, i64)> = kept
        .iter()
        .map(|(n, row)| (row.path.as_str(), row.elem, *n))
        .collect();
    for row in added {
        let n = (0..)
            .find(|n| !taken.contains(&(row.path.as_str(), row.elem, *n)))
            .unwrap_or_default();
        taken.insert((&row.path, row.elem, n));
        insert_row(&mut insert, tenant, resource_type, id, n, row)?;
    }
    Ok(())
}

/// What a row holds, in the order rows are numbered and merged: `folded` and `ts`
/// follow from `text`.
fn value_key(row: &AttrRow) -> (&str, i64, Option<&str>, Option<u64>, Option<bool>) {
    (
        &row.path,
        row.elem,
        row.text.as_deref(),
        // `+ 0.0` makes -0.0 +0.0, as SQLite stores it.
        row.num.map(|number| (number + 0.0).to_bits()),
        row.bool,
    )
}

/// The stored rows of the resource `id`, with their `n`.
fn stored_rows(
    connection: &Connection,
    tenant: &str,
    resource_type: &str,
    id: &str,
) -> rusqlite::Result<Vec<(i64, AttrRow)>> {
    let mut select = connection.prepare_cached(
        "SELECT n, path, elem, text, num, bool FROM attr_values \
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

const INSERT: &str = "INSERT INTO attr_values (tenant, resource_type, id, path, elem, n, text, folded, num, ts, bool) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)";

fn insert_row(
    insert: &mut Statement<'_>,
    tenant: &str,
    resource_type: &str,
    id: &str,
    n: i64,
    row: &AttrRow,
) -> rusqlite::Result<usize> {
    insert.execute(params![
        tenant,
        resource_type,
        id,
        row.path,
        row.elem,
        n,
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
    for (n, row) in &rows.0 {
        insert_row(&mut insert, tenant, resource_type, id, *n, row)?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use proptest::sample::{Index, select};
    use serde_json::{Map, Value, json};

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    /// The attributes a generated resource may have.
    const KEYS: [&str; 11] = [
        "userName",
        "displayName",
        "active",
        "score",
        "emails",
        "members",
        "name",
        "nickNames",
        "externalId",
        "meta",
        ENTERPRISE,
    ];

    /// A stored row, every column but the rowid (numbers by their bits, to be ordered).
    type Row = (
        String,
        i64,
        Option<String>,
        Option<String>,
        Option<u64>,
        Option<String>,
        Option<bool>,
    );

    fn text() -> impl Strategy<Value = Value> {
        select(vec![
            "bjensen",
            "BJensen",
            "alice",
            "Ünal",
            "",
            "a b",
            "2024-01-01T10:00:00Z",
            "2024-01-01T12:00:00+02:00",
        ])
        .prop_map(Value::from)
    }

    fn number() -> impl Strategy<Value = Value> {
        select(vec![
            json!(0),
            json!(1),
            json!(-3),
            json!(2.5),
            json!(1e300),
            json!(u64::MAX),
        ])
    }

    /// A value of any type, mostly strings.
    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            4 => text(),
            1 => number(),
            1 => any::<bool>().prop_map(Value::from),
            1 => Just(Value::Null),
        ]
    }

    /// A JSON object with some of `fields`, each from its strategy.
    fn object(fields: Vec<(&'static str, BoxedStrategy<Value>)>) -> BoxedStrategy<Value> {
        let fields: Vec<_> = fields
            .into_iter()
            .map(|(key, value)| {
                proptest::option::weighted(0.7, value.prop_map(move |value| (key, value)))
            })
            .collect();
        fields
            .prop_map(|fields| {
                Value::Object(
                    fields
                        .into_iter()
                        .flatten()
                        .map(|(key, value)| (key.to_owned(), value))
                        .collect(),
                )
            })
            .boxed()
    }

    /// An array of `element`s, with a null now and then.
    fn array(element: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
        let element = prop_oneof![8 => element, 1 => Just(Value::Null)];
        proptest::collection::vec(element, 0..5)
            .prop_map(Value::Array)
            .boxed()
    }

    fn email() -> BoxedStrategy<Value> {
        let value = select(vec!["b@example.com", "B@Example.com", "a@x.org"]).prop_map(Value::from);
        let kind = select(vec!["work", "home", "Work"]).prop_map(Value::from);
        object(vec![
            ("value", value.boxed()),
            ("type", kind.boxed()),
            ("primary", any::<bool>().prop_map(Value::from).boxed()),
        ])
    }

    fn member() -> BoxedStrategy<Value> {
        let id = select(vec!["u1", "u2", "u3", "g1"]);
        (id, proptest::option::of(text()))
            .prop_map(|(id, display)| match display {
                Some(display) => json!({"value": id, "display": display}),
                None => json!({"value": id}),
            })
            .boxed()
    }

    /// The value of the attribute `key`: its usual shape mostly, now and then null or a
    /// scalar of another type.
    fn attribute(key: &str) -> BoxedStrategy<Value> {
        let usual = match key {
            "active" => any::<bool>().prop_map(Value::from).boxed(),
            "score" => number().boxed(),
            "emails" => array(email()),
            "members" => array(member()),
            "name" => object(vec![
                ("givenName", scalar().boxed()),
                ("familyName", scalar().boxed()),
                ("middleName", array(text().boxed())),
            ]),
            "nickNames" => array(text().boxed()),
            "meta" => object(vec![("lastModified", text().boxed())]),
            ENTERPRISE => object(vec![
                ("department", text().boxed()),
                (
                    "manager",
                    object(vec![
                        ("value", text().boxed()),
                        ("displayName", scalar().boxed()),
                    ]),
                ),
            ]),
            _ => text().boxed(),
        };
        prop_oneof![6 => usual, 1 => scalar()].boxed()
    }

    /// A value for each attribute (`None`: absent).
    fn attributes() -> impl Strategy<Value = Vec<Option<Value>>> {
        KEYS.iter()
            .map(|key| proptest::option::of(attribute(key)))
            .collect::<Vec<_>>()
    }

    /// How an attribute of A becomes B's.
    #[derive(Clone, Debug)]
    enum Edit {
        Keep,
        Remove,
        /// Another value altogether.
        Fresh,
        /// Of an array: these two elements swap places.
        Swap(Index, Index),
        /// Of an array: this element goes.
        Drop(Index),
        /// Of an array: the other value's elements are appended.
        Append,
        Reverse,
        /// The name is written in upper case (names ignore case).
        Recase,
    }

    fn edit() -> impl Strategy<Value = Edit> {
        prop_oneof![
            3 => Just(Edit::Keep),
            1 => Just(Edit::Remove),
            1 => Just(Edit::Fresh),
            2 => (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Edit::Swap(a, b)),
            2 => any::<Index>().prop_map(Edit::Drop),
            2 => Just(Edit::Append),
            1 => Just(Edit::Reverse),
            1 => Just(Edit::Recase),
        ]
    }

    fn resource(id: &str, attributes: Vec<(String, Value)>) -> Resource {
        let mut map = Map::new();
        map.insert("schemas".into(), json!([scimitar_schema::urn::USER]));
        map.insert("id".into(), json!(id));
        map.extend(attributes);
        Resource::from_value(Value::Object(map)).expect("an object")
    }

    /// A resource type and two resources of it, B made from A by edits of its
    /// attributes and of the elements of its arrays.
    fn pair() -> impl Strategy<Value = (&'static str, Resource, Resource)> {
        (
            select(vec!["User", "Group"]),
            attributes(),
            attributes(),
            proptest::collection::vec(proptest::collection::vec(edit(), 1..3), KEYS.len()),
        )
            .prop_map(|(resource_type, a, fresh, edits)| {
                let mut before = Vec::new();
                let mut after = Vec::new();
                for (((key, a), fresh), edits) in KEYS.iter().zip(a).zip(fresh).zip(edits) {
                    if let Some(a) = &a {
                        before.push(((*key).to_owned(), a.clone()));
                    }
                    let mut key = (*key).to_owned();
                    let mut b = a;
                    for edit in edits {
                        match (edit, &mut b) {
                            (Edit::Keep, _) => {}
                            (Edit::Remove, b) => *b = None,
                            (Edit::Fresh, b) => b.clone_from(&fresh),
                            (Edit::Recase, _) => key = key.to_uppercase(),
                            (Edit::Swap(i, j), Some(Value::Array(items))) if !items.is_empty() => {
                                let (i, j) = (i.index(items.len()), j.index(items.len()));
                                items.swap(i, j);
                            }
                            (Edit::Drop(i), Some(Value::Array(items))) if !items.is_empty() => {
                                let i = i.index(items.len());
                                items.remove(i);
                            }
                            (Edit::Append, Some(Value::Array(items))) => {
                                if let Some(Value::Array(more)) = &fresh {
                                    items.extend(more.iter().cloned());
                                }
                            }
                            (Edit::Reverse, Some(Value::Array(items))) => items.reverse(),
                            _ => {}
                        }
                    }
                    if let Some(b) = b {
                        after.push((key, b));
                    }
                }
                (resource_type, resource("r1", before), resource("r1", after))
            })
    }

    fn migrated() -> Connection {
        let mut connection = Connection::open_in_memory().expect("a database");
        crate::migrations::migrate(&mut connection, None).expect("migrated");
        connection
    }

    /// The stored rows of one resource, sorted.
    fn rows(connection: &Connection, tenant: &str, resource_type: &str, id: &str) -> Vec<Row> {
        let mut select = connection
            .prepare(
                "SELECT path, elem, text, folded, num, ts, bool FROM attr_values \
                 WHERE tenant = ?1 AND resource_type = ?2 AND id = ?3",
            )
            .expect("a query");
        let mut rows: Vec<Row> = select
            .query_map(params![tenant, resource_type, id], |row| {
                let num: Option<f64> = row.get(4)?;
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    num.map(f64::to_bits),
                    row.get(5)?,
                    row.get(6)?,
                ))
            })
            .expect("rows")
            .collect::<Result<_, _>>()
            .expect("rows");
        rows.sort();
        rows
    }

    /// The rows `insert_rows` gives `resource` on a database of its own.
    fn inserted(registry: &SchemaRegistry, resource_type: &str, resource: &Resource) -> Vec<Row> {
        let connection = migrated();
        let rows_of = Rows::of(registry, resource_type, resource);
        insert_rows(&connection, "t1", resource_type, "r1", &rows_of).expect("inserted");
        rows(&connection, "t1", resource_type, "r1")
    }

    /// How many rows are in one multiset and not the other (counting repeats).
    fn difference(a: &[Row], b: &[Row]) -> u64 {
        let (mut a, mut b) = (a.iter().peekable(), b.iter().peekable());
        let mut different = 0;
        loop {
            match (a.peek(), b.peek()) {
                (None, None) => return different,
                (Some(x), Some(y)) if x == y => {
                    a.next();
                    b.next();
                    continue;
                }
                (Some(x), Some(y)) if x < y => a.next(),
                (Some(_), None) => a.next(),
                _ => b.next(),
            };
            different += 1;
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        /// `replace_rows` leaves a resource's rows as a fresh insert of the new resource
        /// would, changing only the rows that differ, and no other resource's rows.
        #[test]
        fn replace_rows_leaves_the_rows_of_a_fresh_insert((resource_type, a, b) in pair()) {
            let registry = SchemaRegistry::core();
            let connection = migrated();
            let (new_a, new_b) = (Rows::of(&registry, resource_type, &a), Rows::of(&registry, resource_type, &b));
            insert_rows(&connection, "t1", resource_type, "r1", &new_a)?;
            // The same id in another tenant, another id in the same tenant.
            insert_rows(&connection, "t2", resource_type, "r1", &new_a)?;
            insert_rows(&connection, "t1", resource_type, "r2", &new_a)?;
            let (rows_of_a, rows_of_b) = (inserted(&registry, resource_type, &a), inserted(&registry, resource_type, &b));
            prop_assert_eq!(&rows(&connection, "t1", resource_type, "r1"), &rows_of_a);

            let changes = connection.total_changes();
            replace_rows(&connection, "t1", resource_type, "r1", &new_b)?;
            prop_assert_eq!(&rows(&connection, "t1", resource_type, "r1"), &rows_of_b, "A then B");
            prop_assert_eq!(
                connection.total_changes() - changes,
                difference(&rows_of_a, &rows_of_b),
                "one delete or insert per row that differs"
            );
            let changes = connection.total_changes();
            replace_rows(&connection, "t1", resource_type, "r1", &new_b)?;
            prop_assert_eq!(connection.total_changes() - changes, 0, "B again changes nothing");
            for (tenant, id) in [("t2", "r1"), ("t1", "r2")] {
                prop_assert_eq!(&rows(&connection, tenant, resource_type, id), &rows_of_a, "{} {}", tenant, id);
            }
            replace_rows(&connection, "t1", resource_type, "r1", &new_a)?;
            prop_assert_eq!(&rows(&connection, "t1", resource_type, "r1"), &rows_of_a, "back to A");
        }
    }

    /// A replace with the resource as it is changes no row, even when the resource holds
    /// a number that SQLite stores otherwise than it was given: `-0.0`, which a REAL
    /// column keeps as `0`. (The proptest above leaves `-0.0` out so that it checks the
    /// rest.)
    #[test]
    fn a_replace_with_negative_zero_changes_nothing() {
        let registry = SchemaRegistry::core();
        let user = resource("r1", vec![("score".into(), json!(-0.0))]);
        let rows_of = Rows::of(&registry, "User", &user);
        let connection = migrated();
        insert_rows(&connection, "t1", "User", "r1", &rows_of).expect("inserted");
        let changes = connection.total_changes();
        replace_rows(&connection, "t1", "User", "r1", &rows_of).expect("replaced");
        assert_eq!(
            rows(&connection, "t1", "User", "r1"),
            inserted(&registry, "User", &user)
        );
        assert_eq!(
            connection.total_changes() - changes,
            0,
            "the same resource again changes nothing"
        );
    }

    /// A resource may have several rows of one path and element (the values of an array
    /// in a sub-attribute): `n` tells them apart, and a replace that reorders, adds or
    /// drops such values leaves the rows of a fresh insert (deleting before inserting,
    /// since a new row may take the key of one that goes).
    #[test]
    fn rows_of_one_path_and_element_are_numbered() {
        let registry = SchemaRegistry::core();
        let with_tags = |tags: Value| {
            resource(
                "r1",
                vec![(
                    "emails".into(),
                    json!([{"value": "b@example.com", "tags": tags}]),
                )],
            )
        };
        let connection = migrated();
        let first = with_tags(json!(["x", "y"]));
        insert_rows(
            &connection,
            "t1",
            "User",
            "r1",
            &Rows::of(&registry, "User", &first),
        )
        .expect("inserted");
        let tags = |connection: &Connection| -> Vec<(i64, String)> {
            let mut select = connection
                .prepare(
                    "SELECT n, text FROM attr_values WHERE id = 'r1' AND path = 'emails.tags' \
                     ORDER BY n",
                )
                .expect("a query");
            let rows = select
                .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
                .expect("rows");
            rows.collect::<Result<_, _>>().expect("rows")
        };
        assert_eq!(
            tags(&connection),
            [(0, "x".to_owned()), (1, "y".to_owned())]
        );
        for next in [
            json!(["a", "y"]),
            json!(["z", "a", "y"]),
            json!(["y"]),
            json!(["b", "a", "y", "y"]),
            json!([]),
            json!(["x"]),
        ] {
            let resource = with_tags(next.clone());
            replace_rows(
                &connection,
                "t1",
                "User",
                "r1",
                &Rows::of(&registry, "User", &resource),
            )
            .expect("replaced");
            assert_eq!(
                rows(&connection, "t1", "User", "r1"),
                inserted(&registry, "User", &resource),
                "{next}"
            );
        }
    }
}
