//! `sortBy`, `sortOrder` and paging, run on SQLite (and PostgreSQL's SQL on SQLite).

use scimitar_filter::SortBy;
use scimitar_sql::{Dialect, SortOrder, SqlValue, order_by, page, sort_key};
use serde_json::json;

use crate::{Db, ENTERPRISE, USER, registry, resource, users};

/// Users stored in this order (`seq` 1…6) as `u0`…`u5`.
fn db() -> Db {
    let mut db = Db::new();
    let people = [
        json!({"userName": "bob", "meta": {"lastModified": "2024-01-01T12:00:00+02:00"},
               "emails": [{"value": "z@x.org"}, {"value": "b@x.org", "primary": true}],
               ENTERPRISE: {"department": "Sales"}}),
        json!({"userName": "Alice", "meta": {"lastModified": "2024-01-01T09:00:00Z"},
               "emails": [{"value": "a@x.org"}, {"value": "y@x.org"}]}),
        json!({"meta": {"lastModified": "2024-01-01T11:00:00+00:00"}}),
        json!({"userName": "carol", "meta": {"lastModified": "2024-01-01T10:30:00Z"},
               "emails": [{"value": "C@x.org", "primary": false}],
               ENTERPRISE: {"department": "accounts"}}),
        json!({"userName": "ALICE", "emails": [{"type": "work"}, {"value": "0@x.org"}]}),
        json!({"userName": "dave", "meta": {"lastModified": "2024-01-01T05:59:00-05:00"}}),
    ];
    for (index, mut person) in people.into_iter().enumerate() {
        person["schemas"] = json!([USER, ENTERPRISE]);
        db.insert("t1", "User", &format!("u{index}"), &resource(person));
    }
    db
}

fn sorted(db: &Db, sort_by: Option<&str>, order: SortOrder, dialect: Dialect) -> Vec<String> {
    sorted_page(db, sort_by, order, dialect, None)
}

fn sorted_page(
    db: &Db,
    sort_by: Option<&str>,
    order: SortOrder,
    dialect: Dialect,
    window: Option<(usize, usize)>,
) -> Vec<String> {
    let sort_by: Option<SortBy> = sort_by.map(|text| text.parse().expect("a sortBy"));
    let registry = registry();
    let users_type = registry.resource_type("User").expect("User");
    let everyone = users("userName pr or not (userName pr)", dialect);
    db.select(&everyone, dialect, "t1", |params| {
        let mut tail = order_by(
            sort_by.as_ref(),
            order,
            users_type,
            &registry,
            dialect,
            params,
        );
        if let Some((start, count)) = window {
            tail.push(' ');
            tail.push_str(&page(start, count, dialect, params));
        }
        tail
    })
}

#[test]
fn strings_sort_ignoring_case_with_missing_values_last_and_ties_in_creation_order() {
    let db = db();
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        assert_eq!(
            sorted(&db, Some("userName"), SortOrder::Ascending, dialect),
            ["u1", "u4", "u0", "u3", "u5", "u2"],
            "{dialect}"
        );
        assert_eq!(
            sorted(&db, Some("USERNAME"), SortOrder::Descending, dialect),
            ["u5", "u3", "u0", "u1", "u4", "u2"],
            "{dialect}"
        );
        assert_eq!(
            sorted(&db, None, SortOrder::Descending, dialect),
            ["u0", "u1", "u2", "u3", "u4", "u5"],
            "{dialect}"
        );
    }
}

#[test]
fn date_times_sort_by_instant_whatever_their_offset() {
    let db = db();
    // 10:00Z, 09:00Z, 11:00Z, 10:30Z, none, 10:59Z.
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        assert_eq!(
            sorted(
                &db,
                Some("meta.lastModified"),
                SortOrder::Ascending,
                dialect
            ),
            ["u1", "u0", "u3", "u5", "u2", "u4"],
            "{dialect}"
        );
    }
}

#[test]
fn multi_valued_attributes_sort_by_the_primary_value_else_the_first() {
    let db = db();
    // u0: b (primary), u1: a, u3: c, u4: none (its first element has no value; the
    // next one's does not count, as in evaluation).
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        assert_eq!(
            sorted(&db, Some("emails"), SortOrder::Ascending, dialect),
            ["u1", "u0", "u3", "u2", "u4", "u5"],
            "{dialect}"
        );
        assert_eq!(
            sorted(&db, Some("emails.value"), SortOrder::Descending, dialect),
            ["u3", "u0", "u1", "u2", "u4", "u5"],
            "{dialect}"
        );
    }
}

#[test]
fn extension_attributes_sort_with_or_without_their_urn() {
    let db = db();
    for sort_by in [
        "department",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    ] {
        assert_eq!(
            sorted(&db, Some(sort_by), SortOrder::Ascending, Dialect::Sqlite),
            ["u3", "u0", "u1", "u2", "u4", "u5"],
            "{sort_by}"
        );
    }
    // A URN the resource type does not know: every key is missing, creation order.
    assert_eq!(
        sorted(
            &db,
            Some("urn:example:x:2.0:User:department"),
            SortOrder::Ascending,
            Dialect::Sqlite
        ),
        ["u0", "u1", "u2", "u3", "u4", "u5"],
    );
}

#[test]
fn pages_apply_after_the_order() {
    let db = db();
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        assert_eq!(
            sorted_page(
                &db,
                Some("userName"),
                SortOrder::Ascending,
                dialect,
                Some((1, 3))
            ),
            ["u4", "u0", "u3"],
            "{dialect}"
        );
        assert_eq!(
            sorted_page(&db, None, SortOrder::Ascending, dialect, Some((4, 10))),
            ["u4", "u5"],
            "{dialect}"
        );
        assert!(
            sorted_page(&db, None, SortOrder::Ascending, dialect, Some((6, 10))).is_empty(),
            "{dialect}"
        );
    }
}

#[test]
fn sort_keys_pick_the_column_of_the_type_and_prefer_the_primary_element() {
    let registry = registry();
    let users_type = registry.resource_type("User").expect("User");
    let key = |text: &str, dialect| {
        let mut params = Vec::new();
        let sort_by = text.parse().expect("a sortBy");
        let sql = sort_key(&sort_by, users_type, &registry, dialect, &mut params);
        (sql, params)
    };
    let (sql, params) = key("emails.value", Dialect::Postgres);
    assert_eq!(
        sql,
        "(SELECT v.folded FROM attr_values v WHERE v.tenant = r.tenant \
         AND v.resource_type = r.resource_type AND v.id = r.id AND v.path = $1 \
         AND v.elem = (SELECT e.elem FROM attr_values e WHERE e.tenant = r.tenant \
         AND e.resource_type = r.resource_type AND e.id = r.id AND e.path IN ($2, $3) \
         ORDER BY EXISTS (SELECT 1 FROM attr_values p WHERE p.tenant = e.tenant \
         AND p.resource_type = e.resource_type AND p.id = e.id AND p.elem = e.elem \
         AND p.path = $4 AND p.bool = TRUE) DESC, e.elem LIMIT 1) \
         ORDER BY v.elem, v.n LIMIT 1) COLLATE \"C\""
    );
    assert_eq!(
        params,
        [
            SqlValue::from("emails.value"),
            SqlValue::from("emails"),
            SqlValue::from("emails."),
            SqlValue::from("emails.primary")
        ]
    );
    for (text, column) in [
        ("userName", "v.folded"),
        ("externalId", "v.text"),
        ("meta.lastModified", "v.ts"),
        ("active", "v.bool"),
        ("level", "v.num"),
        ("nosuch", "v.folded"),
    ] {
        let (sql, _) = key(text, Dialect::Sqlite);
        assert!(
            sql.starts_with(&format!("(SELECT {column} FROM")),
            "{text}: {sql}"
        );
        assert!(!sql.contains("COLLATE"), "{text}: {sql}");
    }
    let (sql, params) = key("urn:example:x:2.0:User:department", Dialect::Sqlite);
    assert_eq!((sql.as_str(), params.len()), ("NULL", 0));
    // A group's members have no rows to sort by (`scimitar_sql::UNINDEXED`).
    let groups_type = registry.resource_type("Group").expect("Group");
    for text in ["members.value", "members", "displayName"] {
        let mut params = Vec::new();
        let sort_by = text.parse().expect("a sortBy");
        let sql = sort_key(
            &sort_by,
            groups_type,
            &registry,
            Dialect::Sqlite,
            &mut params,
        );
        assert_eq!(sql == "NULL", text.starts_with("members"), "{text}: {sql}");
    }
}

#[test]
fn order_by_and_page_number_their_parameters_after_the_filter() {
    let registry = registry();
    let users_type = registry.resource_type("User").expect("User");
    let mut translation = users(r#"userName eq "a""#, Dialect::Postgres);
    let sort_by: SortBy = "userName".parse().expect("a sortBy");
    let order = order_by(
        Some(&sort_by),
        SortOrder::Ascending,
        users_type,
        &registry,
        Dialect::Postgres,
        &mut translation.params,
    );
    let limit = page(0, 25, Dialect::Postgres, &mut translation.params);
    assert!(order.starts_with("ORDER BY (SELECT v.folded"), "{order}");
    // A single-valued attribute has no primary element to look for.
    assert!(
        order.contains("v.path = $3 ORDER BY v.elem, v.n LIMIT 1"),
        "{order}"
    );
    assert!(
        order.ends_with(r#"LIMIT 1) COLLATE "C" ASC NULLS LAST, r.seq"#),
        "{order}"
    );
    assert_eq!(limit, "LIMIT $4 OFFSET $5");
    assert_eq!(
        translation.params[2..],
        [
            SqlValue::from("username"),
            SqlValue::Integer(25),
            SqlValue::Integer(0),
        ]
    );
}
