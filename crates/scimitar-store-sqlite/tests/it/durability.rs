//! What is written stays written: reopening a file finds everything, migrations run once.

use chrono::{TimeZone, Utc};
use pollster::block_on;
use scimitar_engine::{
    ApiKey, Disposal, HistoryQuery, HistoryStore, KeyHash, Origin, ResourceStore, StoredResource,
    Tenant, TenantId, TenantStore,
};
use scimitar_patch::Compat;
use scimitar_schema::Resource;
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::{TempDir, entry};

#[test]
fn a_reopened_database_holds_what_was_written() {
    let dir = TempDir::new("reopen");
    let file = dir.0.join("scim.db");
    let tenant = Tenant::new(TenantId("t1".into()), "acme", Compat::OKTA);
    let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let key = ApiKey::new("key_1", tenant.id.clone(), KeyHash::of("secret"), created);
    let user = StoredResource::new(
        "u1",
        "User",
        Resource::from_value(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "bjensen"})).unwrap(),
    );
    {
        let store = SqliteStore::open(&file).unwrap();
        assert_eq!(store.schema_version().unwrap(), 6);
        block_on(store.create_tenant(tenant.clone())).unwrap();
        block_on(store.add_key(key.clone())).unwrap();
        block_on(store.create(
            &tenant.id,
            std::sync::Arc::new(user.clone()),
            Origin::New,
            entry(),
        ))
        .unwrap();
    }
    let store = SqliteStore::open(&file).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6, "migrations run once");
    assert_eq!(
        block_on(store.tenant_by_name("acme")).unwrap(),
        Some(tenant.clone())
    );
    assert_eq!(
        block_on(store.key_by_hash(&KeyHash::of("secret"))).unwrap(),
        Some(key)
    );
    let found = block_on(store.get(&tenant.id, "User", "u1"))
        .unwrap()
        .unwrap();
    assert_eq!(found.resource, user.resource);
    assert_eq!(found.version, 1);
}

#[test]
fn a_version_1_database_is_indexed_when_upgraded() {
    upgrade_from(1);
}

/// Migration 3 replaced the layout of `attr_values`: the old rows go, new ones are built.
#[test]
fn a_version_2_database_is_reindexed_when_upgraded() {
    upgrade_from(2);
}

/// Migration 4 copied the equality index entries into each resource's row.
#[test]
fn a_version_3_database_is_upgraded() {
    upgrade_from(3);
}

/// Migration 5 added the history, unmanaged accounts, global keys, pending managers and
/// policies: the rows of release 4 (unique keys as pairs, no policy, no pending manager)
/// read as before, and every new feature works on them.
#[test]
fn a_version_4_database_is_upgraded() {
    upgrade_from(4);
}

/// Opens a database that a release with migrations up to `version` wrote (a tenant and
/// two users), and checks that filters answered in SQL find them, that writes go on
/// (with their history) and that the old rows hold their keys.
fn upgrade_from(version: usize) {
    let dir = TempDir::new(&format!("upgrade-{version}"));
    let file = dir.0.join("scim.db");
    scimitar_store_sqlite::migrate_file_to(&file, version).unwrap();
    {
        let connection = rusqlite::Connection::open(&file).unwrap();
        connection
            .execute(
                "INSERT INTO tenants (id, name, compat) VALUES ('t1', 'acme', ?1)",
                [Compat::LENIENT.to_string()],
            )
            .unwrap();
        for (seq, id, user_name, family_name) in [
            (1, "u1", "bjensen", "Jensen"),
            (2, "u2", "alice", "Johnson"),
        ] {
            let data = json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": id,
                "userName": user_name,
                "name": {"familyName": family_name},
            });
            connection
                .execute(
                    "INSERT INTO resources (tenant, id, resource_type, seq, version, display_name, unique_keys, data) \
                     VALUES ('t1', ?1, 'User', ?2, 1, NULL, ?3, ?4)",
                    rusqlite::params![id, seq, json!([["userName", user_name]]).to_string(), data.to_string()],
                )
                .unwrap();
            if version >= 4 {
                // Release 4 kept the equality index entries in the row too.
                connection
                    .execute(
                        "UPDATE resources SET eq_keys = ?2 WHERE id = ?1",
                        rusqlite::params![id, json!([["userName", user_name]]).to_string()],
                    )
                    .unwrap();
            }
            for (table, attribute) in [("unique_keys", "userName"), ("eq_index", "userName")] {
                connection
                    .execute(
                        &format!(
                            "INSERT INTO {table} (tenant, resource_type, attribute, value, id) \
                             VALUES ('t1', 'User', ?1, ?2, ?3)"
                        ),
                        [attribute, user_name, id],
                    )
                    .unwrap();
            }
            if version == 2 {
                // A row of the old layout, which would make `userName eq "stale"` find u1.
                connection
                    .execute(
                        "INSERT INTO attr_values (tenant, resource_type, id, path, elem, text, folded) \
                         VALUES ('t1', 'User', ?1, 'username', 0, 'stale', 'stale')",
                        [id],
                    )
                    .unwrap();
            }
        }
    }
    let store = SqliteStore::open(&file).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    let tenant = TenantId("t1".into());
    let son = crate::filter(r#"name.familyName co "SON""#);
    let found = crate::list(&store, &tenant, "User", Some(&son), Some((0, 10)));
    assert!(found.is_filtered() && found.is_paged(), "answered in SQL");
    assert_eq!(
        (crate::ids(&found), found.total().unwrap_or_default()),
        (vec!["u2"], 1)
    );
    let found = crate::list(
        &store,
        &tenant,
        "User",
        Some(&crate::filter(r#"userName eq "BJensen""#)),
        None,
    );
    assert_eq!(crate::ids(&found), ["u1"]);
    let stale = crate::filter(r#"userName eq "stale""#);
    assert!(crate::ids(&crate::list(&store, &tenant, "User", Some(&stale), None)).is_empty());

    // Deleting finds the old release's entries (migration 4 copied the equality index
    // entries into the row): the lookup forgets u1, and its userName is free again.
    let at = chrono::Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    block_on(store.delete(&tenant, "User", "u1", None, at, Disposal::Delete, entry())).unwrap();
    let bjensen = crate::filter(r#"userName eq "bjensen""#);
    assert!(crate::ids(&crate::list(&store, &tenant, "User", Some(&bjensen), None)).is_empty());
    let left: i64 = rusqlite::Connection::open(&file)
        .unwrap()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM eq_index WHERE id = 'u1') \
             + (SELECT COUNT(*) FROM unique_keys WHERE id = 'u1')",
            [],
            |row| row.get(0),
        )
        .unwrap();
    assert_eq!(left, 0, "u1's entries are gone");
    let mut again = crate::stored(
        "User",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u3", "userName": "bjensen"}),
    );
    again.unique_keys = vec![scimitar_engine::UniqueKey {
        attribute: "userName".into(),
        value: "bjensen".into(),
        global: false,
    }];
    assert_eq!(
        block_on(store.create(&tenant, std::sync::Arc::new(again), Origin::New, entry())),
        Ok(2),
        "the history starts with the upgrade: the delete was its first entry"
    );
    assert_eq!(
        crate::ids(&crate::list(&store, &tenant, "User", Some(&bjensen), None)),
        ["u3"]
    );

    // The old rows: keys that are not global, no pending manager, the default policy.
    let u2 = block_on(store.get(&tenant, "User", "u2")).unwrap().unwrap();
    assert_eq!(
        (u2.unique_keys.clone(), u2.pending_manager.clone()),
        (vec![unique("userName", "alice", false)], None)
    );
    let acme = block_on(store.tenant(&tenant)).unwrap().unwrap();
    assert!(acme.policy.is_default());
    let mut account = crate::stored(
        "User",
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "a1", "userName": "alice"}),
    );
    account.unique_keys = vec![unique("userName", "alice", false)];
    assert_eq!(
        block_on(store.add_unmanaged(&tenant, account.clone())),
        Err(scimitar_engine::StoreError::Conflict {
            attribute: "userName".into(),
            value: "alice".into()
        }),
        "an old row holds its key against accounts"
    );
    // A replace of an old row rewrites its keys (here as global ones) and its history.
    let mut renamed = (*u2).clone();
    renamed.version = 2;
    renamed.unique_keys = vec![unique("userName", "alice", true)];
    renamed.pending_manager = Some("boss".into());
    assert_eq!(
        block_on(store.replace(&tenant, std::sync::Arc::new(renamed.clone()), 1, entry())),
        Ok(3)
    );
    assert_eq!(
        block_on(store.get(&tenant, "User", "u2"))
            .unwrap()
            .as_deref(),
        Some(&renamed)
    );
    let other = TenantId("t2".into());
    account.id = "u1".into();
    account.unique_keys = vec![unique("userName", "alice", true)];
    assert_eq!(
        block_on(store.create(&other, std::sync::Arc::new(account), Origin::New, entry())),
        Err(scimitar_engine::StoreError::Conflict {
            attribute: "userName".into(),
            value: "alice".into()
        }),
    );
    let awaiting = block_on(store.awaiting_manager(&tenant, &["boss".to_owned()])).unwrap();
    assert_eq!(awaiting.len(), 1);
    let seqs: Vec<u64> = block_on(store.history(&tenant, &HistoryQuery::new()))
        .unwrap()
        .iter()
        .map(|entry| entry.seq)
        .collect();
    assert_eq!(seqs, [1, 2, 3]);
}

fn unique(attribute: &str, value: &str, global: bool) -> scimitar_engine::UniqueKey {
    scimitar_engine::UniqueKey {
        attribute: attribute.into(),
        value: value.into(),
        global,
    }
}

/// Closing the store (readers first, the writer last) copies the log into the file and
/// deletes it, so that the file alone holds everything once the store is dropped.
#[test]
fn a_closed_store_leaves_the_file_alone() {
    let dir = TempDir::new("close");
    let file = dir.0.join("scim.db");
    let log = dir.0.join("scim.db-wal");
    {
        let store = SqliteStore::open(&file).unwrap();
        let tenant = Tenant::new(TenantId("t1".into()), "acme", Compat::LENIENT);
        block_on(store.create_tenant(tenant.clone())).unwrap();
        let user = StoredResource::new(
            "u1",
            "User",
            Resource::from_value(json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "u1", "userName": "bjensen"})).unwrap(),
        );
        block_on(store.create(&tenant.id, std::sync::Arc::new(user), Origin::New, entry()))
            .unwrap();
        // A read, so that the pool holds a reader when the store closes.
        assert!(
            block_on(store.get(&tenant.id, "User", "u1"))
                .unwrap()
                .is_some()
        );
        assert!(log.exists(), "the write went to the log");
    }
    assert!(!log.exists(), "the log is folded into the file and deleted");
    let reopened = rusqlite::Connection::open(&file).unwrap();
    let users: i64 = reopened
        .query_row("SELECT COUNT(*) FROM resources", [], |row| row.get(0))
        .unwrap();
    assert_eq!(users, 1);
}

/// A new database, and the log and shared memory SQLite opens beside it, are the
/// owner's only: they hold key hashes and personal data. An existing file keeps its
/// permissions.
#[cfg(unix)]
#[test]
fn a_new_database_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;

    let dir = TempDir::new("private");
    let file = dir.0.join("scim.db");
    let mode = |path: &std::path::Path| {
        std::fs::metadata(path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()))
            .permissions()
            .mode()
            & 0o777
    };
    {
        let store = SqliteStore::open(&file).unwrap();
        let tenant = Tenant::new(TenantId("t1".into()), "acme", Compat::LENIENT);
        block_on(store.create_tenant(tenant)).unwrap();
        assert_eq!(mode(&file), 0o600);
        for suffix in ["-wal", "-shm"] {
            let beside = dir.0.join(format!("scim.db{suffix}"));
            assert_eq!(mode(&beside), 0o600, "{}", beside.display());
        }
    }
    let shared = dir.0.join("shared.db");
    std::fs::write(&shared, b"").unwrap();
    std::fs::set_permissions(&shared, std::fs::Permissions::from_mode(0o640)).unwrap();
    drop(SqliteStore::open(&shared).unwrap());
    assert_eq!(mode(&shared), 0o640, "an existing file is left as it is");
}

/// A database a newer release migrated is refused, with a message that says so, and is
/// left as it was.
#[test]
fn a_database_newer_than_the_build_is_refused() {
    let dir = TempDir::new("newer");
    let file = dir.0.join("scim.db");
    let latest = SqliteStore::open(&file).unwrap().schema_version().unwrap();
    let newer = i64::try_from(latest).unwrap() + 1;
    {
        let connection = rusqlite::Connection::open(&file).unwrap();
        connection
            .execute(
                "INSERT INTO scimitar_migrations (version) VALUES (?1)",
                [newer],
            )
            .unwrap();
    }
    let Err(scimitar_engine::StoreError::Unavailable(message)) = SqliteStore::open(&file) else {
        panic!("a newer database was opened");
    };
    assert!(
        message.contains(&format!("schema version {newer}")),
        "{message}"
    );
    assert!(message.contains("newer release"), "{message}");
    let connection = rusqlite::Connection::open(&file).unwrap();
    let versions: i64 = connection
        .query_row("SELECT MAX(version) FROM scimitar_migrations", [], |row| {
            row.get(0)
        })
        .unwrap();
    assert_eq!(versions, newer, "nothing was rolled back or reapplied");
}
