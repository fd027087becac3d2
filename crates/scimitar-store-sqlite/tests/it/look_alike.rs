//! The engine over SQLite with look-alike names: a `userName` in NFD or in fullwidth
//! letters is taken by its NFC or ASCII form (`409 uniqueness`), and filters answered
//! in SQL find a name in any of its forms.

use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use pollster::block_on;
use scimitar_engine::{Engine, IdSource, ListRequest, Principal};
use scimitar_schema::{Resource, ScimError, ScimType};
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

/// `José Müller` in NFC and in NFD.
const NFC: &str = "jos\u{E9}.m\u{FC}ller@example.com";
const NFD: &str = "Jose\u{301}.Mu\u{308}ller@example.com";

/// Ids `id-1`, `id-2`, …
#[derive(Default)]
struct Counter(AtomicU64);

impl IdSource for Counter {
    fn new_id(&self) -> String {
        format!("id-{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn new_secret(&self) -> String {
        self.new_id()
    }
}

/// An engine on `store`, with a fixed clock.
pub(crate) fn engine(store: SqliteStore) -> Engine<SqliteStore> {
    let clock = || DateTime::<Utc>::from_timestamp(1_767_225_600, 0).unwrap_or_default();
    Engine::new(store, clock, Counter::default())
}

pub(crate) fn user(user_name: &str) -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
    }))
    .expect("a JSON object")
}

/// Whether `result` is the `409 uniqueness` of a taken name.
#[track_caller]
pub(crate) fn assert_taken<T: std::fmt::Debug>(result: Result<T, ScimError>) {
    match result {
        Err(error) => {
            assert_eq!(error.status.as_u16(), 409, "{error:?}");
            assert_eq!(error.scim_type, Some(ScimType::Uniqueness), "{error:?}");
        }
        Ok(created) => panic!("created {created:?}, expected 409 uniqueness"),
    }
}

/// The ids of the users `filter` finds.
pub(crate) fn found(
    engine: &Engine<SqliteStore>,
    principal: &Principal,
    filter: &str,
) -> Vec<String> {
    let request = ListRequest::new()
        .filter_text(filter, true)
        .expect("a filter");
    let listed = block_on(engine.operations(principal).list("User", &request)).expect("a list");
    listed.resources.into_iter().map(|user| user.id).collect()
}

#[test]
fn the_engine_on_sqlite_takes_and_finds_look_alike_names_as_one() {
    let engine = engine(SqliteStore::open_in_memory().expect("a store"));
    let tenant = block_on(engine.create_tenant("acme", scimitar_patch::Compat::LENIENT)).unwrap();
    let principal = Principal::new(tenant, None);
    let scim = engine.operations(&principal);
    let jose = block_on(scim.create("User", user(NFC)))
        .expect("created")
        .id
        .clone();
    let alice = block_on(scim.create("User", user("alice")))
        .expect("created")
        .id
        .clone();
    assert_taken(block_on(scim.create("User", user(NFD))));
    assert_taken(block_on(
        scim.create("User", user("\u{FF21}\u{FF2C}\u{FF29}\u{FF23}\u{FF25}")),
    ));
    for filter in [
        format!("userName eq \"{NFD}\""),
        "userName sw \"JOSE\u{301}\"".to_owned(),
        "userName co \"\u{FF2D}\u{DC}LLER\"".to_owned(),
    ] {
        assert_eq!(
            found(&engine, &principal, &filter),
            std::slice::from_ref(&jose),
            "{filter}"
        );
    }
    assert_eq!(
        found(&engine, &principal, "userName eq \"\u{FF41}lice\""),
        [alice]
    );
}
