//! When a translation is complete, and what an incomplete one keeps: always a superset.

use scimitar_schema::{ScimError, ScimType};
use scimitar_sql::{Dialect, SqlError, Translation, index_rows, translate, try_translate};
use serde_json::json;

use crate::{Db, USER, filter, registry, resource, users};

#[test]
fn schema_aware_filters_are_complete() {
    for text in [
        r#"userName eq "bjensen""#,
        r#"USERNAME Ne "bjensen""#,
        r#"name.familyName co "jen""#,
        r#"emails[type eq "work" and value co "@example.com"]"#,
        r#"emails[not (type eq "work") or primary eq true]"#,
        r#"emails.value ne "x" and emails.type pr"#,
        r#"meta.lastModified ge "2011-05-13T04:42:34+02:00""#,
        r#"manager eq "26118915""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "T""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "b""#,
        "level gt 3 and ratio le 0.5",
        r#"since lt "2020-01-01T00:00:00Z""#,
        "flags eq true",
        r#"tags co "A""#,
        r#"nosuch eq "x" and nosuch.sub pr"#,
        "title eq null or not (title ne null)",
        "x-score gt 9007199254740991",
        "x-score lt 1e300",
    ] {
        for dialect in [Dialect::Sqlite, Dialect::Postgres] {
            let translation = users(text, dialect);
            assert!(translation.complete, "{text} in {dialect}");
            assert!(translation.sql.is_some(), "{text} in {dialect}");
        }
    }
}

/// Checks that `text` translates, in each dialect, to an incomplete condition that keeps
/// `kept` `EXISTS` tests (`None`: no condition at all).
#[track_caller]
fn assert_superset(text: &str, kept: Option<usize>, translate: impl Fn(Dialect) -> Translation) {
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let translation = translate(dialect);
        assert!(!translation.complete, "{text} in {dialect}");
        let exists = translation
            .sql
            .as_deref()
            .map(|sql| sql.matches("EXISTS").count());
        assert_eq!(exists, kept, "{text} in {dialect}: {:?}", translation.sql);
    }
}

#[test]
fn untranslatable_tests_leave_a_superset() {
    // (filter, how many EXISTS tests remain: None when the condition is gone)
    let unknown_urn = "urn:example:unknown:2.0:User:title";
    for (text, kept) in [
        (format!(r#"{unknown_urn} eq "x""#), None),
        (format!(r#"not ({unknown_urn} eq "x")"#), None),
        (format!(r#"userName eq "a" and {unknown_urn} pr"#), Some(1)),
        (format!(r#"userName eq "a" or {unknown_urn} pr"#), None),
        (
            format!(r#"not (userName eq "a" and {unknown_urn} pr)"#),
            None,
        ),
        (
            format!(r#"(userName eq "a" and {unknown_urn} pr) or title pr"#),
            Some(2),
        ),
        (
            r#"emails[type eq "work" and value.x eq 1]"#.to_owned(),
            Some(1),
        ),
        // Some element, whatever it holds.
        (r#"emails[not (value.x eq 1)]"#.to_owned(), Some(1)),
        ("x-score eq 9007199254740993".to_owned(), None),
        ("x-score lt -9007199254740992".to_owned(), None),
        ("x-score gt 18446744073709551615".to_owned(), None),
    ] {
        assert_superset(&text, kept, |dialect| users(&text, dialect));
    }
}

#[test]
fn an_incomplete_translation_selects_every_match_and_more() {
    let mut db = Db::new();
    let unknown = "urn:example:unknown:2.0:User";
    let people = [
        json!({"schemas": [USER, unknown], "userName": "a", unknown: {"title": "x"}}),
        json!({"schemas": [USER], "userName": "a"}),
        json!({"schemas": [USER], "userName": "b", "title": "x"}),
    ];
    for (index, person) in people.into_iter().enumerate() {
        db.insert("t1", "User", &format!("u{index}"), &resource(person));
    }
    let text = format!(r#"userName eq "a" and {unknown}:title eq "x""#);
    let translation = users(&text, Dialect::Sqlite);
    assert!(!translation.complete);
    let selected = db.ids(&translation, Dialect::Sqlite, "t1");
    assert_eq!(selected.into_iter().collect::<Vec<_>>(), ["u0", "u1"]);
}

#[test]
fn filters_the_schemas_reject_match_nothing_or_fail_on_request() {
    let registry = registry();
    let users_type = registry.resource_type("User").expect("User");
    for text in [
        "active gt true",
        r#"active co "t""#,
        r#"name eq "x""#,
        "userName gt null",
        r#"userName eq "a" or flags lt false"#,
    ] {
        let translation = users(text, Dialect::Sqlite);
        assert_eq!(translation.sql.as_deref(), Some("1 = 0"), "{text}");
        assert!(translation.complete, "{text}");
        let error =
            try_translate(&filter(text), users_type, &registry, Dialect::Postgres).expect_err(text);
        assert!(matches!(error, SqlError::InvalidFilter { .. }), "{text}");
        let scim: ScimError = error.into();
        assert_eq!(scim.status, 400);
        assert_eq!(scim.scim_type, Some(ScimType::InvalidFilter));
    }
    let ok = try_translate(
        &filter("level gt 1"),
        users_type,
        &registry,
        Dialect::Sqlite,
    )
    .expect("a valid filter");
    assert!(ok.complete);
}

/// A group's members get no rows ([`scimitar_sql::UNINDEXED`]): filters on them are left
/// to the caller, as a superset (every group, or those the rest of an `and` selects),
/// and never wrongly decided by SQL.
#[test]
fn filters_on_unindexed_members_leave_a_superset() {
    let registry = registry();
    let groups = registry.resource_type("Group").expect("groups");
    let group = resource(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "Tour Guides",
        "members": [{"value": "u1", "display": "Babs", "type": "User"}],
    }));
    let rows = index_rows(&group, groups, &registry);
    assert!(rows.iter().any(|row| row.path == "displayname"));
    assert!(
        rows.iter().all(|row| !row.path.starts_with("members")),
        "{rows:?}"
    );
    assert!(!scimitar_sql::is_indexed(groups, "Members"));
    let users = registry.resource_type("User").expect("users");
    assert!(scimitar_sql::is_indexed(users, "emails"));

    for (text, kept) in [
        (r#"members[value eq "u1"]"#, None),
        (r#"members.value eq "u1""#, None),
        ("members pr", None),
        (r#"not (members[value eq "u1"])"#, None),
        (
            r#"displayName eq "tour guides" and members[value eq "u1"]"#,
            Some(1),
        ),
    ] {
        assert_superset(text, kept, |dialect| {
            translate(&filter(text), groups, &registry, dialect)
        });
    }
}
