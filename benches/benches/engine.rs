//! The engine's request handling: `Engine::handle` in process, in requests per second,
//! over a `MemoryStore` (group `engine`) and over a `SqliteStore` on a temporary file
//! (group `engine_sqlite`: its writes go through the store's writer thread, one at a
//! time, so each pays a whole commit).
//!
//! - `get_user_by_id_of_100000`: `GET /Users/{id}` of one of the 100,000 generated
//!   enterprise users ([`enterprise_users`]).
//! - `list_username_eq_of_100000`: `GET /Users?filter=userName eq
//!   "user73021@example.com"`, the lookup Entra ID and Okta make before each write, which
//!   the store answers from its `userName` index.
//! - `post_user`: `POST /Users` of an Entra ID-shaped user with a new `userName` each
//!   time, into a tenant of its own (which grows as the benchmark runs).
//! - `patch_user_entra_six_replaces`: Entra ID's six `Replace` operations on one of the
//!   100,000 users; two bodies alternate, so every request changes the user and writes.
//! - `get_group_excluding_10000_members`: `GET /Groups/{id}?excludedAttributes=members`,
//!   as Entra ID checks that a group exists, of a group of 10,000 of the users.
//!
//! - `engine_bulk/bulk_1000_creates`: one `POST /Bulk` of 1,000 Entra ID user creates,
//!   into a tenant of its own (which grows as the benchmark runs); throughput in
//!   operations.
//!
//! Each request is built by `iter_batched`'s setup and its response dropped after it, so
//! only `Engine::handle` is timed: authentication (a SHA-256 of the key), routing, the
//! store, rendering and serialising. Before timing, each request is sent once and checked
//! for its status and result, so a broken engine cannot give a fast, wrong figure.
//!
//! The 100,000 users go straight into the store as the engine would store them (about
//! two seconds in memory, fifteen in SQLite); `POST`ing them would take longer and
//! measure nothing more. They are generated only when this binary runs, never by
//! `cargo bench --no-run`.

mod common;

use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http::{Request, Response, StatusCode, header};
use pollster::block_on;
use scimitar_benches::{NEEDLE, enterprise_users};
use scimitar_engine::{
    Engine, IdSource, MemoryStore, Origin, ResourceStore, StoredResource, TenantStore, UniqueKey,
};
use scimitar_patch::Compat;
use scimitar_policy::{Action, HistoryEntry};
use scimitar_schema::Resource;
use scimitar_store_sqlite::SqliteStore;
use serde_json::{Value, json};

const USERS: usize = 100_000;
const GROUP_MEMBERS: usize = 10_000;
const BASE: &str = "https://scim.example.com/scim/v2";
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/// Ids `00000000-0000-4000-8000-000000000001`, … (no generated user's GUID has this
/// shape), secrets `secret…`.
#[derive(Default)]
struct SequentialIds(AtomicU64);

impl IdSource for SequentialIds {
    fn new_id(&self) -> String {
        let next = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        format!("00000000-0000-4000-8000-{next:012}")
    }

    fn new_secret(&self) -> String {
        let next = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        format!("secret{next:026}")
    }
}

/// 2026-01-01T00:00:00Z, always.
fn clock() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).expect("a valid timestamp")
}

/// The engine, its tenants' keys, and the ids the requests name.
struct Setup<S> {
    engine: Engine<S>,
    /// The key of the tenant with the 100,000 users and the group.
    key: String,
    /// The key of the tenant `post_user` fills.
    post_key: String,
    /// The user the GET and the PATCH address: the [`NEEDLE`]th.
    user_id: String,
    group_id: String,
}

/// A user as the engine stores it after a `POST`: `meta` without `location` and
/// `version` (rendering adds them), its `userName` as a unique key, lower-cased.
fn stored_user(mut resource: Resource) -> StoredResource {
    let map = resource.as_map_mut();
    let id = map["id"].as_str().expect("a generated id").to_owned();
    let user_name = map["userName"]
        .as_str()
        .expect("a generated userName")
        .to_lowercase();
    let meta = &map["meta"];
    let meta = json!({
        "resourceType": "User",
        "created": meta["created"],
        "lastModified": meta["lastModified"],
    });
    map.insert("meta".into(), meta);
    let mut stored = StoredResource::new(id, "User", resource);
    stored.unique_keys = vec![UniqueKey {
        attribute: "userName".into(),
        value: user_name,
        global: false,
    }];
    stored
}

/// A group of `members` (ids), as the engine stores it.
fn stored_group(id: &str, members: &[String]) -> StoredResource {
    let values: Vec<Value> = members
        .iter()
        .map(|member| json!({"value": member, "type": "User"}))
        .collect();
    let resource = Resource::from_value(json!({
        "schemas": [GROUP_URN],
        "id": id,
        "displayName": "All Employees",
        "members": values,
        "meta": {
            "resourceType": "Group",
            "created": "2025-01-01T00:00:00.000Z",
            "lastModified": "2025-06-30T12:00:00.000Z",
        },
    }))
    .expect("a JSON object");
    let mut stored = StoredResource::new(id, "Group", resource);
    stored.unique_keys = vec![UniqueKey {
        attribute: "displayName".into(),
        value: "all employees".into(),
        global: false,
    }];
    stored.members = members.to_vec();
    stored
}

fn setup<S: ResourceStore + TenantStore + 'static>(store: S) -> Setup<S> {
    let engine = Engine::new(store, clock, SequentialIds::default());
    let tenant = block_on(engine.create_tenant("directory", Compat::LENIENT)).expect("a tenant");
    let key = block_on(engine.issue_key(&tenant.id, None)).expect("a key");
    let posts = block_on(engine.create_tenant("posts", Compat::LENIENT)).expect("a tenant");
    let post_key = block_on(engine.issue_key(&posts.id, None)).expect("a key");

    let users = enterprise_users(USERS);
    let user_id = users[NEEDLE].id.clone();
    let members: Vec<String> = users
        .iter()
        .take(GROUP_MEMBERS)
        .map(|user| user.id.clone())
        .collect();
    let store = engine.store();
    let loaded = |resource: &StoredResource| {
        let time = DateTime::from_timestamp(0, 0).expect("the epoch");
        HistoryEntry::new(
            time,
            Action::Created,
            &resource.resource_type,
            Some(resource.id.clone()),
            201,
        )
    };
    for user in users {
        let user = stored_user(user.resource);
        let entry = loaded(&user);
        block_on(store.create(&tenant.id, std::sync::Arc::new(user), Origin::New, entry))
            .expect("a new user");
    }
    let group_id = "e9e30dba-f08f-4109-8486-d5c6a331660a".to_owned();
    let group = stored_group(&group_id, &members);
    let entry = loaded(&group);
    block_on(store.create(&tenant.id, std::sync::Arc::new(group), Origin::New, entry))
        .expect("a new group");
    Setup {
        engine,
        key: key.secret,
        post_key: post_key.secret,
        user_id,
        group_id,
    }
}

/// A request under the base path with the key `key`.
fn request(method: &str, path: &str, key: &str, body: &Bytes) -> Request<Bytes> {
    Request::builder()
        .method(method)
        .uri(format!("{BASE}{path}"))
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, "application/scim+json")
        .body(body.clone())
        .expect("a valid request")
}

/// Sends a request once and checks its status; returns its body as JSON.
fn send_checked<S: ResourceStore + TenantStore + 'static>(
    engine: &Engine<S>,
    name: &str,
    request: Request<Bytes>,
    status: StatusCode,
) -> Value {
    let response: Response<Bytes> = block_on(engine.handle(request));
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    assert_eq!(response.status(), status, "{name}: {body}");
    body
}

/// An Entra ID user with this `userName`.
fn new_user(user_name: &str) -> Bytes {
    Bytes::from(
        json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "externalId": "0a21f0f2-8d2a-4f8e-bf98-7d2c4b6a1a2e",
            "userName": user_name,
            "active": "True",
            "displayName": "Adele Vance",
            "emails": [{"primary": true, "type": "work", "value": user_name}],
            "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
            ENTERPRISE_URN: {"department": "Retail", "employeeNumber": "701984"},
        })
        .to_string(),
    )
}

/// Entra ID's six `Replace` operations, with values ending in `suffix`.
fn six_replaces(suffix: &str) -> Bytes {
    let active = if suffix == "a" { "False" } else { "True" };
    Bytes::from(
        json!({
            "schemas": [PATCH_OP],
            "Operations": [
                {"op": "Replace", "path": "displayName", "value": format!("Barbara Jensen {suffix}")},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": format!("barbara.{suffix}@example.com")},
                {"op": "Replace", "path": "name.givenName", "value": format!("Barbara {suffix}")},
                {"op": "Replace", "path": "name.familyName", "value": format!("Jensen {suffix}")},
                {"op": "Replace", "path": "active", "value": active},
                {"op": "Replace", "path": format!("{ENTERPRISE_URN}:employeeNumber"), "value": format!("70198{suffix}")},
            ],
        })
        .to_string(),
    )
}

fn engine(c: &mut Criterion) {
    run(c, "engine", MemoryStore::new());
}

fn engine_sqlite(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("scimitar-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    let store = SqliteStore::open(dir.join("bench.db")).expect("a database file");
    run(c, "engine_sqlite", store);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Checks each request once, then measures them in the benchmark group `name`.
fn run<S: ResourceStore + TenantStore + 'static>(c: &mut Criterion, name: &str, store: S) {
    let Setup {
        engine,
        key,
        post_key,
        user_id,
        group_id,
    } = setup(store);
    let empty = Bytes::new();

    // What is measured must be right.
    let user_path = format!("/Users/{user_id}");
    let user = send_checked(
        &engine,
        "get_user_by_id",
        request("GET", &user_path, &key, &empty),
        StatusCode::OK,
    );
    assert_eq!(user["id"], json!(user_id));
    assert_eq!(user["userName"], json!(format!("user{NEEDLE}@example.com")));

    let needle = format!("user{NEEDLE}@example.com");
    let list_path = format!("/Users?filter=userName%20eq%20%22{needle}%22");
    let list = send_checked(
        &engine,
        "list_username_eq",
        request("GET", &list_path, &key, &empty),
        StatusCode::OK,
    );
    assert_eq!(list["schemas"], json!([LIST_RESPONSE]));
    assert_eq!(list["totalResults"], json!(1), "{list}");
    assert_eq!(list["Resources"][0]["id"], json!(user_id));

    let posted = AtomicU64::new(0);
    let next_user = || {
        new_user(&format!(
            "new{}@example.com",
            posted.fetch_add(1, Ordering::Relaxed)
        ))
    };
    let created = send_checked(
        &engine,
        "post_user",
        request("POST", "/Users", &post_key, &next_user()),
        StatusCode::CREATED,
    );
    assert_eq!(created["userName"], json!("new0@example.com"));
    assert_eq!(created["active"], json!(true));

    let patches = [six_replaces("a"), six_replaces("b")];
    for (index, body) in patches.iter().enumerate() {
        let patched = send_checked(
            &engine,
            "patch_user_entra_six_replaces",
            request("PATCH", &user_path, &key, body),
            StatusCode::OK,
        );
        let suffix = ["a", "b"][index];
        assert_eq!(
            patched["displayName"],
            json!(format!("Barbara Jensen {suffix}"))
        );
        assert_eq!(patched["active"], json!(suffix == "b"));
        assert_eq!(
            patched[ENTERPRISE_URN]["employeeNumber"],
            json!(format!("70198{suffix}"))
        );
        assert_eq!(
            patched["meta"]["version"],
            json!(format!("W/\"{}\"", index + 2))
        );
    }

    let group_path = format!("/Groups/{group_id}?excludedAttributes=members");
    let group = send_checked(
        &engine,
        "get_group_excluding_members",
        request("GET", &group_path, &key, &empty),
        StatusCode::OK,
    );
    assert_eq!(group["displayName"], json!("All Employees"));
    assert!(group.get("members").is_none(), "members shown: {group}");
    let full = send_checked(
        &engine,
        "get_group",
        request("GET", &format!("/Groups/{group_id}"), &key, &empty),
        StatusCode::OK,
    );
    assert_eq!(
        full["members"].as_array().map(Vec::len),
        Some(GROUP_MEMBERS)
    );

    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Elements(1));
    let handle = |request: Request<Bytes>| block_on(engine.handle(black_box(request)));
    let mut bench = |name: &str, make: &dyn Fn() -> Request<Bytes>| {
        group.bench_function(name, |b| {
            b.iter_batched(make, &handle, BatchSize::SmallInput);
        });
    };
    bench("get_user_by_id_of_100000", &|| {
        request("GET", &user_path, &key, &empty)
    });
    bench("list_username_eq_of_100000", &|| {
        request("GET", &list_path, &key, &empty)
    });
    bench("post_user", &|| {
        request("POST", "/Users", &post_key, &next_user())
    });
    let patched = AtomicU64::new(0);
    bench("patch_user_entra_six_replaces", &|| {
        let body = &patches[usize::from(patched.fetch_add(1, Ordering::Relaxed) % 2 == 1)];
        request("PATCH", &user_path, &key, body)
    });
    bench("get_group_excluding_10000_members", &|| {
        request("GET", &group_path, &key, &empty)
    });
    group.finish();
}

/// How many operations `engine_bulk` sends in one `/Bulk`: the most the engine takes.
const BULK_OPERATIONS: usize = 1000;

/// A `/Bulk` of [`BULK_OPERATIONS`] creates of Entra ID users, numbered from `first`.
fn bulk_of_creates(first: u64) -> Bytes {
    let operations: Vec<Value> = (first..first + BULK_OPERATIONS as u64)
        .map(|n| {
            let user: Value =
                serde_json::from_slice(&new_user(&format!("bulk{n}@example.com"))).expect("JSON");
            json!({"method": "POST", "path": "/Users", "bulkId": format!("u{n}"), "data": user})
        })
        .collect();
    let body = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": operations,
    });
    Bytes::from(body.to_string())
}

/// `POST /Bulk` of 1,000 user creates (group `engine_bulk`, in operations per second):
/// every operation runs as its own request would, without an HTTP round trip.
fn engine_bulk(c: &mut Criterion) {
    let engine = Engine::new(MemoryStore::new(), clock, SequentialIds::default());
    let tenant = block_on(engine.create_tenant("bulk", Compat::LENIENT)).expect("a tenant");
    let key = block_on(engine.issue_key(&tenant.id, None)).expect("a key");
    let next = AtomicU64::new(0);
    let next_bulk = || {
        let first = next.fetch_add(BULK_OPERATIONS as u64, Ordering::Relaxed);
        request("POST", "/Bulk", &key.secret, &bulk_of_creates(first))
    };
    let answer = send_checked(&engine, "bulk", next_bulk(), StatusCode::OK);
    let results = answer["Operations"].as_array().expect("results");
    assert_eq!(results.len(), BULK_OPERATIONS);
    assert!(
        results.iter().all(|result| result["status"] == "201"),
        "{answer}"
    );

    let mut group = c.benchmark_group("engine_bulk");
    group.throughput(Throughput::Elements(BULK_OPERATIONS as u64));
    group.sample_size(20);
    group.bench_function("bulk_1000_creates", |b| {
        b.iter_batched(
            next_bulk,
            |request| block_on(engine.handle(black_box(request))),
            BatchSize::LargeInput,
        );
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = common::config();
    targets = engine, engine_sqlite, engine_bulk
}
criterion_main!(benches);
