//! Filters answered in SQL: complete translations are `filtered` (and `paged`), others
//! give candidates; the rows filters read follow every write, and the registry.

use chrono::{TimeZone, Utc};
use pollster::block_on;
use scimitar_engine::{Disposal, Origin, ResourceStore, StoredResource, TenantId, TenantStore};
use scimitar_schema::{AttributeDef, AttributeType, Schema, SchemaRegistry};
use scimitar_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::{TempDir, entry, filter, found, ids, list, stored, tenant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

fn user(id: &str, user_name: &str, family_name: &str, extra: Value) -> StoredResource {
    let mut value = json!({
        "schemas": [USER, ENTERPRISE],
        "id": id,
        "userName": user_name,
        "name": {"familyName": family_name},
        "meta": {"resourceType": "User", "lastModified": "2024-01-01T00:00:00Z"},
    });
    if let (Value::Object(value), Value::Object(extra)) = (&mut value, extra) {
        value.extend(extra);
    }
    stored("User", value)
}

fn group(id: &str, display_name: &str, members: &[&str]) -> StoredResource {
    let members: Vec<Value> = members
        .iter()
        .map(|member| json!({"value": member, "type": "User"}))
        .collect();
    stored(
        "Group",
        json!({"schemas": [GROUP], "id": id, "displayName": display_name, "members": members,
               "meta": {"resourceType": "Group", "lastModified": "2024-01-01T00:00:00Z"}}),
    )
}

/// Five users and two groups.
fn populate(store: &(impl ResourceStore + TenantStore)) -> TenantId {
    let tenant = tenant(store, "t1");
    let resources = [
        user(
            "u1",
            "BJensen",
            "Jensen",
            json!({"active": true,
                   "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
                   ENTERPRISE: {"department": "Tour", "manager": {"value": "u2"}}}),
        ),
        user(
            "u2",
            "alice",
            "Johnson",
            json!({"active": false, "emails": [{"value": "alice@home.org", "type": "home"}]}),
        ),
        user("u3", "bob", "Smith", json!({"active": true})),
        user("u4", "carol", "Anderson", json!({})),
        user("u5", "dave", "Jensen", json!({"active": true})),
        group("g1", "Admins", &["u1", "u2"]),
        group("g2", "Ops", &["u2"]),
    ];
    for resource in resources {
        block_on(store.create(&tenant, std::sync::Arc::new(resource), Origin::New, entry()))
            .expect("create");
    }
    tenant
}

#[test]
fn a_complete_translation_is_filtered_and_paged_in_sql() {
    let store = SqliteStore::open_in_memory().unwrap();
    let tenant = populate(&store);
    let son = filter(r#"name.familyName co "SON""#);
    let first = list(&store, &tenant, "User", Some(&son), Some((0, 1)));
    assert!(first.is_filtered() && first.is_paged());
    assert_eq!(
        (ids(&first), first.total().unwrap_or_default()),
        (vec!["u2"], 2)
    );
    let rest = list(&store, &tenant, "User", Some(&son), Some((1, 5)));
    assert_eq!(
        (ids(&rest), rest.total().unwrap_or_default()),
        (vec!["u4"], 2)
    );
    let beyond = list(&store, &tenant, "User", Some(&son), Some((7, 5)));
    assert!(beyond.is_paged());
    assert_eq!(
        (ids(&beyond), beyond.total().unwrap_or_default()),
        (vec![], 2)
    );
    let all = list(&store, &tenant, "User", Some(&son), None);
    assert!(all.is_filtered() && !all.is_paged());
    assert_eq!(ids(&all), ["u2", "u4"]);

    for (text, expected) in [
        (
            r#"emails[type eq "work" and value ew "@EXAMPLE.com"]"#,
            &["u1"][..],
        ),
        ("not (active eq true)", &["u2", "u4"]),
        (r#"manager eq "u2" or userName sw "C""#, &["u1", "u4"]),
        (
            r#"meta.lastModified gt "2024-01-01T01:00:00+02:00""#,
            &["u1", "u2", "u3", "u4", "u5"],
        ),
        (r#"userName eq "bjensen" and active eq true"#, &["u1"]),
        (r#"userName eq "alice" and active eq true"#, &[]),
    ] {
        let found = list(&store, &tenant, "User", Some(&filter(text)), None);
        assert!(found.is_filtered(), "{text}");
        assert_eq!(ids(&found), expected, "{text}");
    }
    // A group's members have no rows (scimitar_sql::UNINDEXED): every group is a
    // candidate, which evaluation decides (the store's own, for a page).
    let text = r#"members[value eq "u2" and type eq "User"]"#;
    let members = list(&store, &tenant, "Group", Some(&filter(text)), None);
    assert!(!members.is_filtered());
    assert_eq!(found(&store, &tenant, "Group", text), ["g1", "g2"]);
    let members = list(&store, &tenant, "Group", Some(&filter(text)), Some((1, 10)));
    assert!(members.is_paged());
    assert_eq!((ids(&members), members.total()), (vec!["g2"], Some(2)));
}

#[test]
fn the_identity_providers_lookups_use_the_equality_index() {
    let store = SqliteStore::open_in_memory().unwrap();
    let tenant = populate(&store);
    let found = list(
        &store,
        &tenant,
        "User",
        Some(&filter(r#"userName eq "BJENSEN""#)),
        Some((0, 1)),
    );
    assert!(found.is_paged());
    assert_eq!(
        (ids(&found), found.total().unwrap_or_default()),
        (vec!["u1"], 1)
    );
}

#[test]
fn an_incomplete_translation_gives_candidates() {
    let store = SqliteStore::open_in_memory().unwrap();
    let tenant = populate(&store);
    let unknown = "urn:example:unknown:2.0:User:title pr";
    let found = list(&store, &tenant, "User", Some(&filter(unknown)), None);
    assert!(!found.is_filtered() && !found.is_paged());
    assert_eq!(ids(&found), ["u1", "u2", "u3", "u4", "u5"]);
    // A page of them is evaluated by the store, as the rows stream.
    let all = crate::found(&store, &tenant, "User", unknown);
    let page = list(
        &store,
        &tenant,
        "User",
        Some(&filter(unknown)),
        Some((1, 1)),
    );
    assert!(page.is_paged());
    assert_eq!(
        ids(&page),
        all.iter()
            .skip(1)
            .take(1)
            .map(String::as_str)
            .collect::<Vec<_>>()
    );
    assert_eq!(page.total(), Some(all.len()));
    // What is translated still narrows the candidates, as does an equality lookup.
    let text = format!(r#"active eq true and {unknown}"#);
    let found = list(&store, &tenant, "User", Some(&filter(&text)), None);
    assert!(!found.is_filtered());
    assert_eq!(ids(&found), ["u1", "u3", "u5"]);
    let text = format!(r#"userName eq "dave" and ({unknown} or active eq false)"#);
    let found = list(&store, &tenant, "User", Some(&filter(&text)), None);
    assert!(!found.is_filtered());
    assert_eq!(ids(&found), ["u5"]);
    // A filter the schemas reject, which the engine refuses before it lists.
    let found = list(
        &store,
        &tenant,
        "User",
        Some(&filter("active gt true")),
        None,
    );
    assert!(!found.is_filtered());
    assert_eq!(found.resources().len(), 5);
    // A type the registry does not know: everything, for the engine to filter.
    let found = list(&store, &tenant, "Device", Some(&filter("serial pr")), None);
    assert!(!found.is_filtered() && found.resources().is_empty());
}

#[test]
fn the_rows_follow_replaces_deletes_and_the_member_cascade() {
    let dir = TempDir::new("rows");
    let file = dir.0.join("scim.db");
    let store = SqliteStore::open(&file).unwrap();
    let tenant = populate(&store);
    let son = filter(r#"name.familyName co "son""#);
    let mut carol = user("u4", "carol", "Smith", json!({}));
    carol.version = 2;
    block_on(store.replace(&tenant, std::sync::Arc::new(carol), 1, entry())).unwrap();
    assert_eq!(
        ids(&list(&store, &tenant, "User", Some(&son), None)),
        ["u2"]
    );
    let smith = filter(r#"name.familyName eq "smith""#);
    assert_eq!(
        ids(&list(&store, &tenant, "User", Some(&smith), None)),
        ["u3", "u4"]
    );

    let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
    let groups =
        block_on(store.delete(&tenant, "User", "u2", None, at, Disposal::Delete, entry())).unwrap();
    assert_eq!(groups, ["g1", "g2"]);
    assert!(ids(&list(&store, &tenant, "User", Some(&son), None)).is_empty());
    let by_member = |value: &str| {
        found(
            &store,
            &tenant,
            "Group",
            &format!(r#"members[value eq "{value}"]"#),
        )
    };
    assert!(by_member("u2").is_empty());
    assert_eq!(by_member("u1"), ["g1"]);
    assert_eq!(
        found(&store, &tenant, "Group", "members pr"),
        ["g1"],
        "g2 lost its last member"
    );
    let modified = filter(r#"meta.lastModified ge "2025-01-01T00:00:00Z""#);
    let found = list(&store, &tenant, "Group", Some(&modified), None);
    assert!(found.is_filtered());
    assert_eq!(ids(&found), ["g1", "g2"], "the cascade's lastModified");

    let connection = rusqlite::Connection::open(&file).unwrap();
    let rows: i64 = connection
        .query_row(
            "SELECT COUNT(*) FROM attr_values WHERE tenant = 't1' AND id = 'u2'",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(rows, 0, "a deleted resource leaves no rows");
}

/// The core registry and the [`ACME`] User extension with `costCode`.
fn acme_registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::core();
    let acme = Schema::new(ACME).attribute(AttributeDef::new("costCode", AttributeType::String));
    registry.add_extension("User", acme, false).unwrap();
    registry
}

#[test]
fn a_store_opened_with_another_registry_reindexes() {
    let dir = TempDir::new("registry");
    let file = dir.0.join("scim.db");
    let tenant = {
        let store = SqliteStore::open(&file).unwrap();
        let tenant = tenant(&store, "t1");
        let mut value = json!({"schemas": [USER, ACME], "id": "u1", "userName": "bjensen"});
        value[ACME] = json!({"costCode": "X1"});
        block_on(store.create(
            &tenant,
            std::sync::Arc::new(stored("User", value)),
            Origin::New,
            entry(),
        ))
        .unwrap();
        tenant
    };
    let cost_code = filter(r#"costCode eq "x1""#);
    let qualified = filter(&format!(r#"{ACME}:costCode eq "x1""#));
    {
        let store = SqliteStore::open(&file)
            .unwrap()
            .with_registry(acme_registry());
        for filter in [&cost_code, &qualified] {
            let found = list(&store, &tenant, "User", Some(filter), None);
            assert!(found.is_filtered());
            assert_eq!(ids(&found), ["u1"], "{filter}");
        }
    }
    // Back to the core registry, which knows no such extension: the engine decides.
    let store = SqliteStore::open(&file).unwrap();
    let found = list(&store, &tenant, "User", Some(&qualified), None);
    assert!(!found.is_filtered());
    assert_eq!(ids(&found), ["u1"]);
}
