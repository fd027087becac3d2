//! Upgrading a database whose folded values release 5 wrote, lower-cased only: after
//! migration 6 a name stored in NFD (or in fullwidth letters) is found, and taken, by
//! its NFC (or ASCII) form, in lookups, in SQL filters and across tenants.

use std::sync::Arc;

use pollster::block_on;
use rusqlite::{Connection, params};
use scimitar_engine::{
    Origin, Principal, ResourceStore, StoreError, StoredResource, TenantId, TenantStore, UniqueKey,
};

use crate::look_alike::assert_taken;
use scimitar_schema::fold_for_comparison;
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::{TempDir, entry, filter, ids, list, stored, tenant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// `José Müller` in NFC and in NFD.
const NFC: &str = "Jos\u{E9}.M\u{FC}ller";
const NFD: &str = "Jose\u{301}.Mu\u{308}ller";
/// `Åsa` in NFC and in NFD.
const ASA_NFC: &str = "\u{C5}sa";
const ASA_NFD: &str = "A\u{30A}sa";

/// The fold of release 5.
fn old_fold(text: &str) -> String {
    text.to_lowercase()
}

fn key(value: &str, global: bool) -> UniqueKey {
    UniqueKey {
        attribute: "userName".to_owned(),
        value: value.to_owned(),
        global,
    }
}

/// A user named `user_name` with the unique key release 5's engine gave it.
fn old_user(id: &str, user_name: &str, extra: serde_json::Value) -> StoredResource {
    let mut value = json!({"schemas": [USER], "id": id, "userName": user_name});
    if let (Some(value), Some(extra)) = (value.as_object_mut(), extra.as_object()) {
        value.extend(extra.clone());
    }
    let mut user = stored("User", value);
    user.unique_keys = vec![key(&old_fold(user_name), false)];
    user
}

/// Folds the values this store computes itself (the equality index entries and the
/// `attr_values` rows) back the way release 5 did, and forgets migration 6: the file as
/// release 5 left it.
fn as_release_5_left_it(file: &std::path::Path) {
    let connection = Connection::open(file).unwrap();
    let rows: Vec<(String, String, String)> = {
        let mut select = connection
            .prepare("SELECT tenant, id, data FROM resources")
            .unwrap();
        let rows = select
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?, row.get(2)?)))
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    for (tenant, id, data) in rows {
        let data: serde_json::Value = serde_json::from_str(&data).unwrap();
        let user_name = data["userName"].as_str().unwrap();
        let mut entries = vec![json!(["userName", old_fold(user_name)])];
        if let Some(external_id) = data["externalId"].as_str() {
            entries.push(json!(["externalId", external_id]));
        }
        connection
            .execute(
                "UPDATE eq_index SET value = ?3 WHERE tenant = ?1 AND id = ?2 \
                 AND attribute = 'userName'",
                params![tenant, id, old_fold(user_name)],
            )
            .unwrap();
        connection
            .execute(
                "UPDATE resources SET eq_keys = ?3 WHERE tenant = ?1 AND id = ?2",
                params![tenant, id, json!(entries).to_string()],
            )
            .unwrap();
    }
    let texts: Vec<(String, String, String, i64, i64, String)> = {
        let mut select = connection
            .prepare(
                "SELECT tenant, id, path, elem, n, text FROM attr_values WHERE text IS NOT NULL",
            )
            .unwrap();
        let rows = select
            .query_map([], |row| {
                Ok((
                    row.get(0)?,
                    row.get(1)?,
                    row.get(2)?,
                    row.get(3)?,
                    row.get(4)?,
                    row.get(5)?,
                ))
            })
            .unwrap();
        rows.collect::<Result<_, _>>().unwrap()
    };
    for (tenant, id, path, elem, n, text) in texts {
        connection
            .execute(
                "UPDATE attr_values SET folded = ?6 WHERE tenant = ?1 AND id = ?2 AND path = ?3 \
                 AND elem = ?4 AND n = ?5",
                params![tenant, id, path, elem, n, old_fold(&text)],
            )
            .unwrap();
    }
    connection
        .execute("DELETE FROM scimitar_migrations WHERE version = 6", [])
        .unwrap();
}

fn create(store: &SqliteStore, tenant: &TenantId, user: StoredResource) -> Result<u64, StoreError> {
    block_on(store.create(tenant, Arc::new(user), Origin::New, entry()))
}

fn found(store: &SqliteStore, tenant: &TenantId, text: &str) -> Vec<String> {
    let page = list(store, tenant, "User", Some(&filter(text)), None);
    assert!(page.is_filtered(), "{text} is answered by the store");
    ids(&page).into_iter().map(str::to_owned).collect()
}

fn conflict(value: &str) -> Result<u64, StoreError> {
    Err(StoreError::Conflict {
        attribute: "userName".to_owned(),
        value: value.to_owned(),
    })
}

#[test]
fn names_folded_by_release_5_are_folded_again_on_upgrade() {
    let dir = TempDir::new("refold");
    let file = dir.0.join("scim.db");
    let (t1, t2) = {
        let store = SqliteStore::open(&file).unwrap();
        let t1 = tenant(&store, "t1");
        let t2 = tenant(&store, "t2");
        let mut jose = old_user(
            "u1",
            NFD,
            json!({"externalId": NFD, "name": {"familyName": "Mu\u{308}ller"}}),
        );
        jose.unique_keys[0].global = true;
        create(&store, &t1, jose).unwrap();
        // Look-alikes the old fold let in twice: NFC first, then NFD.
        create(&store, &t1, old_user("u2", ASA_NFC, json!({}))).unwrap();
        create(&store, &t1, old_user("u3", ASA_NFD, json!({}))).unwrap();
        create(
            &store,
            &t1,
            old_user("u4", "\u{FF22}\u{FF2F}\u{FF22}", json!({})),
        )
        .unwrap();
        let mut waiting = old_user("u5", "carol", json!({}));
        waiting.pending_manager = Some(old_fold(NFD));
        create(&store, &t1, waiting).unwrap();
        let account = old_user("a1", "D\u{FF41}ve", json!({}));
        block_on(store.add_unmanaged(&t1, account)).unwrap();
        (t1, t2)
    };
    as_release_5_left_it(&file);

    let store = SqliteStore::open(&file).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    // Found by the NFC form and the NFD one: the equality index, then SQL on the rows.
    for name in [NFC, NFD, "JOS\u{C9}.M\u{DC}LLER"] {
        assert_eq!(
            found(&store, &t1, &format!("userName eq \"{name}\"")),
            ["u1"]
        );
    }
    assert_eq!(
        found(&store, &t1, "name.familyName eq \"M\u{FC}ller\""),
        ["u1"]
    );
    assert_eq!(found(&store, &t1, "userName eq \"bob\""), ["u4"]);
    assert_eq!(found(&store, &t1, "userName eq \"\u{E5}sa\""), ["u2", "u3"]);
    // `externalId` is case-exact: kept as stored.
    assert_eq!(
        found(&store, &t1, &format!("externalId eq \"{NFD}\"")),
        ["u1"]
    );
    assert!(found(&store, &t1, &format!("externalId eq \"{NFC}\"")).is_empty());

    // Taken by the new fold: in the tenant, and across tenants for a global key.
    let fold = |name: &str| fold_for_comparison(name).into_owned();
    let mut again = old_user("u9", NFC, json!({}));
    again.unique_keys = vec![key(&fold(NFC), false)];
    assert_eq!(create(&store, &t1, again.clone()), conflict(&fold(NFC)));
    again.unique_keys = vec![key(&fold(NFC), true)];
    assert_eq!(create(&store, &t2, again), conflict(&fold(NFC)));
    let mut bob = old_user("u9", "bob", json!({}));
    bob.unique_keys = vec![key("bob", false)];
    assert_eq!(create(&store, &t1, bob), conflict("bob"));

    // Of the look-alikes, the first holds the name; the other keeps its old key until it
    // is renamed, and cannot take the name in the new fold.
    let mut renamed = old_user("u3", ASA_NFD, json!({}));
    renamed.unique_keys = vec![key(&fold(ASA_NFD), false)];
    renamed.version = 2;
    assert_eq!(
        block_on(store.replace(&t1, Arc::new(renamed.clone()), 1, entry())),
        conflict(&fold(ASA_NFD))
    );
    let mut renamed = old_user("u3", "asa2", json!({}));
    renamed.version = 2;
    assert!(block_on(store.replace(&t1, Arc::new(renamed), 1, entry())).is_ok());
    let mut asa = old_user("u8", ASA_NFD, json!({}));
    asa.unique_keys = vec![key(&old_fold(ASA_NFD), false)];
    assert!(
        create(&store, &t1, asa).is_ok(),
        "u3's old key went with its rename"
    );

    // A pending manager reference and an unmanaged account's key, folded anew.
    let waiting = block_on(store.awaiting_manager(&t1, &[fold(NFC)])).unwrap();
    let waiting: Vec<&str> = waiting.iter().map(|user| user.id.as_str()).collect();
    assert_eq!(waiting, ["u5"]);
    let account = block_on(store.find_unmanaged(&t1, "User", &key("dave", false))).unwrap();
    assert_eq!(account.map(|account| account.id), Some("a1".to_owned()));

    // The engine takes the name as 409 uniqueness, and finds it in either form.
    let t1 = block_on(store.tenant(&t1)).unwrap().expect("t1");
    let principal = Principal::new(t1.clone(), None);
    let engine = crate::look_alike::engine(store);
    let scim = engine.operations(&principal);
    assert_taken(block_on(scim.create("User", crate::look_alike::user(NFC))));
    assert_eq!(
        crate::look_alike::found(&engine, &principal, &format!("userName eq \"{NFC}\"")),
        ["u1"]
    );

    // Reopening runs the migration once.
    drop(engine);
    let store = SqliteStore::open(&file).unwrap();
    assert_eq!(store.schema_version().unwrap(), 6);
    assert_eq!(
        found(&store, &t1.id, "userName eq \"\u{E5}sa\""),
        ["u2", "u8"]
    );
}
