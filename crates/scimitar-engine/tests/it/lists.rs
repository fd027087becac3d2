//! Lists that bound their reads (issue 12): a filter on users' computed `groups` reads
//! the groups once, not once per user, and pages as any other list; `maxResults` is the
//! cap the server enforces on `count`.

use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::DateTime;
use http::request::Parts;
use pollster::block_on;
use scimitar_engine::{
    AuthFailure, Authenticator, BoxFuture, Engine, EngineConfig, ListRequest, Principal,
    StoreError, TenantId,
};
use scimitar_patch::Compat;
use scimitar_schema::Resource;
use serde_json::json;

use crate::hooked::{Call, Hook, Hooked};
use crate::support::{Harness, START, SequentialIds, group, user};

/// Counts the reads a list makes.
#[derive(Default)]
struct Counting {
    lists: AtomicUsize,
    group_reads: AtomicUsize,
}

impl Hook for Counting {
    fn before(&self, call: Call<'_>) -> Result<(), StoreError> {
        let counter = match call.method {
            "list" => &self.lists,
            "groups_with_member" => &self.group_reads,
            _ => return Ok(()),
        };
        counter.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }
}

/// No request is authenticated: the test calls the operations directly.
struct NoOne;

impl Authenticator for NoOne {
    fn authenticate<'a>(&'a self, _: &'a Parts) -> BoxFuture<'a, Result<Principal, AuthFailure>> {
        Box::pin(async { Err(AuthFailure::Missing) })
    }
}

/// More users than the engine reads in one chunk (1,000), every third one in `Ops`.
const USERS: usize = 2_500;

#[test]
fn a_groups_filter_reads_the_groups_once_and_pages_in_order() {
    let clock = || DateTime::from_timestamp(START, 0).expect("time");
    let engine = Engine::authenticated_by(
        Hooked::new(Counting::default()),
        NoOne,
        clock,
        SequentialIds::default(),
    );
    let tenant = scimitar_engine::Tenant::new(TenantId("t1".into()), "t1", Compat::LENIENT);
    let principal = Principal::new(tenant, None);
    let scim = engine.operations(&principal);
    let mut ops = Vec::new();
    let mut names = Vec::new();
    for number in 0..USERS {
        // Names out of creation order, so that the sort has work to do.
        let name = format!("user{:05}", (number * 7_919) % USERS);
        let body = Resource::from_value(user(&name)).expect("a user");
        let created = block_on(scim.create("User", body)).expect("create a user");
        if number % 3 == 0 {
            ops.push(created.id.clone());
            names.push(name);
        }
    }
    let members: Vec<&str> = ops.iter().map(String::as_str).collect();
    let body = Resource::from_value(group("Ops", &members)).expect("a group");
    block_on(scim.create("Group", body)).expect("create a group");
    let body = Resource::from_value(group("Sales", &members[..3])).expect("a group");
    block_on(scim.create("Group", body)).expect("create a group");

    let store = &engine.store().hook;
    store.lists.store(0, Ordering::Relaxed);
    let mut request = ListRequest::new()
        .filter_text(r#"groups[display eq "ops"]"#, true)
        .expect("a filter");
    request.sort_by = Some("userName".parse().expect("a sortBy"));
    request.descending = true;
    request.offset = 7;
    request.count = Some(5);
    let listed = block_on(scim.list("User", &request)).expect("list");
    names.sort();
    names.reverse();
    let expected: Vec<&str> = names.iter().skip(7).take(5).map(String::as_str).collect();
    let found: Vec<&str> = listed
        .resources
        .iter()
        .filter_map(|user| user.resource.get_str("userName"))
        .collect();
    assert_eq!(found, expected);
    assert_eq!(listed.total, names.len());
    assert_eq!(
        store.group_reads.load(Ordering::Relaxed),
        0,
        "no read per user"
    );
    // The groups once, and the users in three chunks (one more to see the end).
    assert!(store.lists.load(Ordering::Relaxed) <= 1 + USERS.div_ceil(1_000) + 1);

    // In creation order, unsorted: the page of the matches as they come.
    let mut request = ListRequest::new()
        .filter_text(r#"groups.display eq "Sales""#, true)
        .expect("a filter");
    request.offset = 1;
    request.count = Some(1);
    let listed = block_on(scim.list("User", &request)).expect("list");
    let ids: Vec<&str> = listed
        .resources
        .iter()
        .map(|user| user.id.as_str())
        .collect();
    assert_eq!((ids, listed.total), (vec![members[1]], 3));
}

#[test]
fn max_results_is_the_cap_on_count() {
    let harness = Harness::with_config(EngineConfig::default().max_page_size(3));
    for number in 0..5 {
        harness.create_user(&format!("user{number}"));
    }
    let (_, _, config) = harness.get("/ServiceProviderConfig");
    let cap = config["filter"]["maxResults"].as_u64().expect("maxResults");
    assert_eq!(cap, 3);
    for count in ["4", "1000", "99999999999999999999"] {
        let uri = format!("/Users?count={count}&sortBy=userName");
        let (status, _, body) = harness.get(&uri);
        assert_eq!(status, 200);
        assert_eq!(body["itemsPerPage"], json!(cap), "count={count}");
        assert_eq!(body["totalResults"], json!(5));
    }
}

/// A root `/.search` over users and groups: each page is the slice of the whole list,
/// sorted or in the types' order, however it crosses from one type to the next.
#[test]
fn root_search_pages_are_slices_of_the_whole_list() {
    let harness = Harness::new();
    for name in ["delta", "Alpha", "echo", "charlie"] {
        let (status, _, _) = harness.post("/Users", json!({"userName": name, "displayName": name}));
        assert_eq!(status, 201);
    }
    for name in ["bravo", "Foxtrot", "alpha"] {
        harness.create_group(name, &[]);
    }
    let search = |body: serde_json::Value| {
        let (status, _, reply) = harness.send("POST", "/.search", Some(body), &[]);
        assert_eq!(status, 200, "{reply}");
        let names: Vec<String> = reply["Resources"]
            .as_array()
            .expect("resources")
            .iter()
            .filter_map(|resource| resource["displayName"].as_str().map(str::to_owned))
            .collect();
        (names, reply["totalResults"].clone())
    };
    let schemas = [scimitar_schema::urn::SEARCH_REQUEST];
    for order in [None, Some("ascending"), Some("descending")] {
        let mut whole = json!({"schemas": schemas, "count": 100});
        if let Some(order) = order {
            whole["sortBy"] = json!("displayName");
            whole["sortOrder"] = json!(order);
        }
        let (all, total) = search(whole.clone());
        assert_eq!((all.len(), total), (7, json!(7)));
        let folded: Vec<String> = all.iter().map(|name| name.to_lowercase()).collect();
        match order {
            None => assert_eq!(folded[..4], ["delta", "alpha", "echo", "charlie"]),
            Some(order) => {
                let mut sorted = folded.clone();
                sorted.sort();
                if order == "descending" {
                    sorted.reverse();
                }
                assert_eq!(folded, sorted, "{order}");
            }
        }
        for start in 1..=8 {
            for count in 0..=3 {
                let mut body = whole.clone();
                body["startIndex"] = json!(start);
                body["count"] = json!(count);
                let (page, total) = search(body);
                let slice: Vec<String> = all.iter().skip(start - 1).take(count).cloned().collect();
                assert_eq!(page, slice, "{order:?} from {start}, {count}");
                assert_eq!(total, json!(7));
            }
        }
    }
}
