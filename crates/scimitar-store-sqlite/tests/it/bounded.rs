//! Memory per list request: a sorted page over many users reads the page, not the
//! tenant (issue 12). The users are loaded in one SQL transaction (copies of one user
//! written through the store, with their `attr_values` rows), so that 200,000 of them
//! take seconds even in a debug build.
//!
//! The store must answer a sorted page (`ListPage::Page`) of exactly the ten users
//! asked for, and the process's resident set (Linux) must grow by less than 100 MiB
//! over sorted lists: in SQL and through the engine over `SCIMITAR_BOUNDED_USERS`
//! users (default 200,000); with a filter SQL cannot decide alone, and with a filter on
//! users' computed `groups` (both of which parse every user) over
//! `SCIMITAR_BOUNDED_SCAN_USERS` (default 20,000, to keep a debug run short).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, Utc};
use pollster::block_on;
use rusqlite::{Connection, params};
use scimitar_engine::{
    Engine, IdSource, ListPage, ListQuery, ListRequest, Origin, Principal, ResourceStore,
};
use scimitar_filter::SortBy;
use scimitar_patch::Compat;
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::{TempDir, entry, stored};

/// A multiplier coprime with every count used, so that names are a permutation of the
/// numbers and their order is not the order of creation.
const SHUFFLE: u64 = 7_919;

struct Ids(AtomicU64);

impl IdSource for Ids {
    fn new_id(&self) -> String {
        format!("id-{}", self.0.fetch_add(1, Ordering::Relaxed))
    }

    fn new_secret(&self) -> String {
        self.new_id()
    }
}

/// The number of users the environment variable `name` asks for, else `default`.
fn user_count(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|text| text.parse().ok())
        .unwrap_or(default)
}

/// The name of user number `n` of `count`: `user` and a 7-digit number.
fn name(n: u64, count: u64) -> String {
    format!("user{:07}", (n * SHUFFLE) % count)
}

/// Writes `count` users in `tenant` of the database at `path`: user 0 through the store
/// (so that its rows are the store's own), the others as copies of its rows in one
/// transaction, each with its own id, `seq` and `userName`.
fn load_users(store: &SqliteStore, path: &std::path::Path, tenant: &str, count: u64) {
    assert_eq!(
        (count * SHUFFLE) % count,
        0,
        "a multiple of the count maps to 0"
    );
    let template = stored(
        "User",
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "id": "u0",
            "userName": name(0, count),
            "displayName": "A user with a display name long enough to weigh something",
            "emails": [{"value": "someone@example.com", "type": "work", "primary": true}],
            "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z"},
        }),
    );
    let tenant_id = scimitar_engine::TenantId(tenant.to_owned());
    block_on(store.create(&tenant_id, Arc::new(template), Origin::New, entry()))
        .expect("create the first user");
    let mut connection = Connection::open(path).expect("open the database");
    let batch = connection.transaction().expect("a transaction");
    batch
        .execute_batch(&format!(
            "CREATE TEMP TABLE numbers AS WITH RECURSIVE n(i) AS \
             (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {count} - 1) \
             SELECT i, 'u' || i AS id, printf('user%07d', (i * {SHUFFLE}) % {count}) AS name \
             FROM n;"
        ))
        .expect("numbers");
    batch
        .execute(
            "INSERT INTO resources (tenant, id, resource_type, seq, version, display_name, \
             unique_keys, data, eq_keys, pending_manager) \
             SELECT r.tenant, n.id, r.resource_type, r.seq + n.i, r.version, r.display_name, '[]', \
             json_set(r.data, '$.id', n.id, '$.userName', n.name), '[]', NULL \
             FROM resources r, numbers n WHERE r.tenant = ?1 AND r.id = 'u0'",
            params![tenant],
        )
        .expect("copy the user");
    batch
        .execute(
            "INSERT INTO attr_values (tenant, resource_type, id, path, elem, n, text, folded, \
             num, ts, bool) \
             SELECT v.tenant, v.resource_type, n.id, v.path, v.elem, v.n, \
             CASE v.path WHEN 'username' THEN n.name ELSE v.text END, \
             CASE v.path WHEN 'username' THEN n.name ELSE v.folded END, v.num, v.ts, v.bool \
             FROM attr_values v, numbers n WHERE v.tenant = ?1 AND v.id = 'u0'",
            params![tenant],
        )
        .expect("copy the user's rows");
    batch.commit().expect("commit");
}

/// The process's resident set, in KiB (Linux), for the figures a run prints.
fn resident_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

type Clock = fn() -> DateTime<Utc>;

/// An engine on a database of `count` users, in its directory.
fn engine_with_users(name: &str, count: u64) -> (TempDir, Engine<SqliteStore>, Principal) {
    let dir = TempDir::new(name);
    let path = dir.0.join("scim.db");
    let store = SqliteStore::open(&path).expect("open");
    let clock: Clock = || DateTime::<Utc>::from_timestamp(1_700_000_000, 0).expect("time");
    let engine = Engine::new(store, clock, Ids(AtomicU64::new(0)));
    let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).expect("tenant");
    load_users(engine.store(), &path, &tenant.id.0, count);
    (dir, engine, Principal::new(tenant, None))
}

/// Prints the figures and checks the bound on the resident set's growth.
fn check_resident(what: &str, before: Option<u64>, started: std::time::Instant) {
    let (Some(before), Some(after)) = (before, resident_kib()) else {
        return;
    };
    let elapsed = started.elapsed();
    println!("{what}: RSS {before} KiB before, {after} KiB after, in {elapsed:?}");
    // Loading every user took about 600 MiB; other tests of this binary run beside.
    assert!(
        after.saturating_sub(before) < 100 * 1024,
        "{what}: RSS grew from {before} KiB to {after} KiB"
    );
}

#[test]
fn a_sorted_page_over_many_users_reads_only_the_page() {
    let count = user_count("SCIMITAR_BOUNDED_USERS", 200_000);
    let (_dir, engine, principal) = engine_with_users("bounded-sorted", count);
    let tenant = principal.tenant.clone();

    let sort_by: SortBy = "userName".parse().expect("a sortBy");
    let before = resident_kib();
    // For the figures only: nothing is asserted on time.
    let started = std::time::Instant::now();
    let query = ListQuery::new(None, Some((0, 10))).sorted(&sort_by, false);
    let listed = block_on(engine.store().list(&tenant.id, "User", query)).expect("list");
    let ListPage::Page { resources, total } = listed else {
        panic!("the store pages a sorted list itself");
    };
    let names: Vec<String> = resources
        .iter()
        .filter_map(|user| user.resource.get_str("userName").map(str::to_owned))
        .collect();
    let expected: Vec<String> = (0..10).map(|n| format!("user{n:07}")).collect();
    assert_eq!(names, expected, "the first ten names");
    assert_eq!(total, usize::try_from(count).expect("a count"));

    let mut request = ListRequest::new();
    request.sort_by = Some(sort_by);
    request.descending = true;
    request.offset = 5;
    request.count = Some(10);
    let page = block_on(engine.operations(&principal).list("User", &request)).expect("list");
    assert_eq!(page.resources.len(), 10);
    assert_eq!(page.total, usize::try_from(count).expect("a count"));
    let first = page.resources[0].resource.get_str("userName");
    assert_eq!(first, Some(format!("user{:07}", count - 6).as_str()));
    check_resident(
        &format!("sortBy over {count} users, count=10, twice"),
        before,
        started,
    );
}

#[test]
fn filtered_sorted_pages_over_many_users_keep_only_the_page() {
    let count = user_count("SCIMITAR_BOUNDED_SCAN_USERS", 20_000);
    let (_dir, engine, principal) = engine_with_users("bounded-scan", count);
    let before = resident_kib();
    // For the figures only: nothing is asserted on time.
    let started = std::time::Instant::now();

    // A filter SQL cannot decide alone: evaluated on the rows as they stream.
    let mut request = ListRequest::new()
        .filter_text(
            r#"urn:example:unknown:2.0:User:title pr or userName sw "user000000""#,
            true,
        )
        .expect("a filter");
    request.sort_by = Some("userName".parse().expect("a sortBy"));
    request.count = Some(3);
    let page = block_on(engine.operations(&principal).list("User", &request)).expect("list");
    let names: Vec<&str> = page
        .resources
        .iter()
        .filter_map(|user| user.resource.get_str("userName"))
        .collect();
    assert_eq!(names, ["user0000000", "user0000001", "user0000002"]);
    assert_eq!(page.total, 10);

    // A filter on the computed `groups`: the users a chunk at a time.
    let members = [5, 3, 1].map(|n| format!("u{n}"));
    let member_refs: Vec<&str> = members.iter().map(String::as_str).collect();
    block_on(
        engine.operations(&principal).create(
            "Group",
            scimitar_schema::Resource::from_value(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                "displayName": "Few",
                "members": member_refs.iter().map(|id| json!({"value": id})).collect::<Vec<_>>(),
            }))
            .expect("a group"),
        ),
    )
    .expect("create a group");
    let mut request = ListRequest::new()
        .filter_text(r#"groups.display eq "few""#, true)
        .expect("a filter");
    request.sort_by = Some("userName".parse().expect("a sortBy"));
    request.count = Some(2);
    let page = block_on(engine.operations(&principal).list("User", &request)).expect("list");
    let mut expected: Vec<String> = [5, 3, 1].iter().map(|&n| name(n, count)).collect();
    expected.sort();
    let names: Vec<&str> = page
        .resources
        .iter()
        .filter_map(|user| user.resource.get_str("userName"))
        .collect();
    assert_eq!(names, expected[..2]);
    assert_eq!(page.total, 3);
    check_resident(
        &format!("an incomplete and a groups filter over {count} users, sorted"),
        before,
        started,
    );
}
