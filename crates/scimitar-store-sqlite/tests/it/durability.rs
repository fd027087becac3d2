//! What is written stays written: reopening a file finds everything, migrations run once.

use chrono::{TimeZone, Utc};
use scimitar_engine::{ApiKey, KeyHash, Store, StoredResource, Tenant, TenantId, block_on};
use scimitar_patch::Compat;
use scimitar_schema::Resource;
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path =
            std::env::temp_dir().join(format!("scimitar-sqlite-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("a temporary directory");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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
        assert_eq!(store.schema_version().unwrap(), 1);
        block_on(store.create_tenant(tenant.clone())).unwrap();
        block_on(store.add_key(key.clone())).unwrap();
        block_on(store.create(&tenant.id, user.clone())).unwrap();
    }
    let store = SqliteStore::open(&file).unwrap();
    assert_eq!(store.schema_version().unwrap(), 1, "migrations run once");
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
