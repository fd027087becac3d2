//! The isolation proof of issue 12 through `scimitar serve`: one tenant's four clients
//! send the most expensive filters and sorts the limits allow over 8,000 users with
//! 2 KB display names, while another tenant's lookups by id keep answering within a
//! second, and every expensive request ends within 30 s with a 200 or a 4xx.
//!
//! The users are written straight into the SQLite file before the server starts, queued
//! at once so that they share few transactions: loading them over HTTP would take
//! longer than the proof. Every wait is bounded by a socket timeout.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use pollster::block_on;
use scimitar_engine::{Origin, ResourceStore, StoredResource, TenantId, TenantStore};
use scimitar_filter::ParseOptions;
use scimitar_policy::{Action, HistoryEntry};
use scimitar_schema::Resource;
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::serve::{Server, TempDb, admin, auth};

/// The heavy tenant's users.
const USERS: usize = 8_000;

/// Far past what any request of this test may take: only a hung server reaches it.
const SOCKET_TIMEOUT: Duration = Duration::from_secs(120);

/// Writes `count` users with 2 KB display names into `tenant` of the database `db`.
fn load_users(db: &TempDb, tenant: &str, count: usize) -> Vec<String> {
    let store = SqliteStore::open(&db.0).expect("the database opens");
    let tenant: TenantId = block_on(store.tenant_by_name(tenant))
        .expect("the store answers")
        .expect("the tenant exists")
        .id;
    let filler = "lorem ipsum dolor sit amet ".repeat(76);
    let at = chrono::DateTime::from_timestamp_millis(0).unwrap_or_default();
    let ids: Vec<String> = (0..count).map(|n| format!("user-{n:05}")).collect();
    let writes: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(n, id)| {
            let resource = Resource::from_value(json!({
                "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                "id": id, "userName": format!("user{n}@example.com"),
                "displayName": format!("{filler}{n}"), "title": format!("title {}", n % 7),
                "meta": {"resourceType": "User", "created": "2024-01-01T00:00:00Z",
                         "lastModified": "2024-01-01T00:00:00Z"},
            }))
            .expect("a user");
            let user = StoredResource::new(id.clone(), "User", resource);
            let entry = HistoryEntry::new(at, Action::Created, "User", Some(id.clone()), 201);
            store.create(&tenant, Arc::new(user), Origin::New, entry)
        })
        .collect();
    for write in writes {
        block_on(write).expect("a user is written");
    }
    ids
}

/// What a request got: its status, the `scimType` of an error, and how long it took.
type Answer = (u16, Option<String>, Duration);

/// Sends one request on a new connection, and reads the answer.
fn send(addr: &str, key: &str, method: &str, target: &str, body: &str) -> Answer {
    let started = Instant::now();
    let mut stream = TcpStream::connect(addr).expect("the server accepts");
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(SOCKET_TIMEOUT)).unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n{}\
         Content-Length: {}\r\n\r\n{body}",
        auth(key),
        body.len()
    );
    stream
        .write_all(request.as_bytes())
        .expect("the request is sent");
    let mut response = Vec::new();
    stream
        .read_to_end(&mut response)
        .expect("the response is read");
    let took = started.elapsed();
    let text = String::from_utf8_lossy(&response);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|rest| rest.get(..3))
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line: {:?}", text.get(..200)));
    let scim_type = text
        .split_once("\r\n\r\n")
        .and_then(|(_, body)| serde_json::from_str::<serde_json::Value>(body).ok())
        .and_then(|body| Some(body.get("scimType")?.as_str()?.to_owned()));
    (status, scim_type, took)
}

/// `term(n)` for n = 0, 1, … joined by `or`, as long as the parser's default limits
/// (8 KiB, 1,024 terms) allow.
fn longest_or(term: impl Fn(usize) -> String) -> String {
    let mut text = term(0);
    for n in 1..ParseOptions::DEFAULT_MAX_TERMS {
        let next = format!(" or {}", term(n));
        if text.len() + next.len() > ParseOptions::DEFAULT_MAX_LEN {
            break;
        }
        text.push_str(&next);
    }
    text
}

/// A `/.search` body with `filter`, sorted by `sort_by` (descending), a page of 1,000.
fn search(filter: &str, sort_by: &str) -> String {
    json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
           "filter": filter, "sortBy": sort_by, "sortOrder": "descending", "count": 1000})
    .to_string()
}

#[test]
fn another_tenants_lookups_stay_fast_while_one_tenant_sends_its_worst_requests() {
    let db = TempDb::new();
    admin(&["tenant", "create", "heavy"], &db);
    admin(&["tenant", "create", "light"], &db);
    let issue = |tenant: &str| {
        let issued = admin(&["token", "issue", "--tenant", tenant], &db);
        issued.stdout.trim_end().to_owned()
    };
    let (heavy_key, light_key) = (issue("heavy"), issue("light"));
    load_users(&db, "heavy", USERS);
    let light_ids = load_users(&db, "light", 10);
    let server = Server::start_with(&["--db", &db.0], false);
    let addr = server.addr.clone();

    // Each client's two searches: long `or`s of substring tests through every 2 KB name,
    // a match of every user sorted by its name, and `groups` filters.
    let co = || longest_or(|n| format!("displayName co \"q{n}\""));
    let worst = [
        [
            search(&co(), "displayName"),
            search(r#"groups.display co "x""#, "displayName"),
        ],
        [
            search(
                &longest_or(|n| format!("title pr and displayName ew \"z{n}\"")),
                "userName",
            ),
            search("groups pr or title pr", "title"),
        ],
        [
            search(
                &longest_or(|n| format!("displayName sw \"x{n}\"")),
                "displayName",
            ),
            search(&co(), "userName"),
        ],
        [
            search(r#"displayName co "lorem""#, "displayName"),
            search(r#"displayName co "lorem""#, "userName"),
        ],
    ];
    let clients: Vec<_> = worst
        .into_iter()
        .map(|bodies| {
            let (addr, key) = (addr.clone(), heavy_key.clone());
            thread::spawn(move || {
                bodies
                    .iter()
                    .map(|body| send(&addr, &key, "POST", "/scim/v2/Users/.search", body))
                    .collect::<Vec<_>>()
            })
        })
        .collect();
    let mut slowest_lookup = Duration::ZERO;
    let mut lookups = 0;
    while lookups == 0 || clients.iter().any(|client| !client.is_finished()) {
        let id = &light_ids[lookups % light_ids.len()];
        let target = format!("/scim/v2/Users/{id}");
        let (status, _, took) = send(&addr, &light_key, "GET", &target, "");
        assert_eq!(status, 200, "a lookup of another tenant");
        slowest_lookup = slowest_lookup.max(took);
        lookups += 1;
    }
    let answers: Vec<Answer> = clients
        .into_iter()
        .flat_map(|client| client.join().expect("a client"))
        .collect();
    let slowest_search = answers.iter().map(|&(_, _, took)| took).max();
    eprintln!(
        "{lookups} lookups of another tenant, the slowest in {slowest_lookup:?}; \
         the expensive searches answered {answers:?}"
    );
    assert!(
        slowest_lookup < Duration::from_secs(1),
        "the slowest lookup took {slowest_lookup:?}"
    );
    for (status, _, took) in answers {
        assert!(
            status == 200 || (400..500).contains(&status),
            "an expensive search answers 200 or 4xx, not {status}"
        );
        assert!(took < Duration::from_secs(30), "a search took {took:?}");
    }
    assert!(slowest_search.is_some());
}

/// The deepest filters the parser's limits allow, as one chain of 1,024 tests or 64
/// nested parentheses, are answered (a 200, or a 400 where SQLite refuses the query's
/// size), on the memory store and on SQLite, and the server goes on serving: the tree of
/// such a filter is a thousand levels deep, which every step from parsing to SQL walks.
#[test]
fn the_deepest_filters_the_limits_allow_are_answered() {
    let chain = |joiner: &str| {
        let terms = vec!["a pr"; ParseOptions::DEFAULT_MAX_TERMS];
        let text = terms.join(joiner);
        // Shortened to the length limit, on a whole term.
        let mut text = text.as_str();
        while text.len() > ParseOptions::DEFAULT_MAX_LEN {
            text = &text[..text.rfind(joiner).expect("more than one term")];
        }
        text.to_owned()
    };
    let depth = ParseOptions::DEFAULT_MAX_DEPTH;
    let nested = format!("{}a pr{}", "(".repeat(depth), ")".repeat(depth));
    let filters = [chain(" or "), chain(" and "), nested];
    let db = TempDb::new();
    for store in ["--db", &db.0]
        .chunks(2)
        .map(<[&str]>::to_vec)
        .chain([vec!["--db", ":memory:"]])
    {
        let server = Server::start_with(&store, true);
        for filter in &filters {
            let body = json!({"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                              "filter": filter});
            let (status, scim_type, _) = send(
                &server.addr,
                server.key(),
                "POST",
                "/scim/v2/Users/.search",
                &body.to_string(),
            );
            assert!(
                status == 200 || (status == 400 && scim_type.as_deref() == Some("tooMany")),
                "{store:?}, a filter of {} bytes: {status} {scim_type:?}",
                filter.len()
            );
        }
        let (status, _, _) = send(&server.addr, server.key(), "GET", "/scim/v2/Users", "");
        assert_eq!(status, 200, "{store:?}: the server still serves");
    }
}
