//! RFC 7644 through `Engine::handle`: discovery, lists, preconditions, errors,
//! authentication and `/Bulk`.

use std::collections::BTreeSet;

use bytes::Bytes;
use serde_json::{Value, json};

use scimitar_engine::EngineConfig;

use crate::support::{
    ENTERPRISE, Harness, assert_error, assert_list, group, header, id_of, ids, member_ids,
    patch_op, urn, user,
};

fn keys(value: &Value) -> BTreeSet<&str> {
    value
        .as_object()
        .map(|object| object.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

fn has_null(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(items) => items.iter().any(has_null),
        Value::Object(object) => object.values().any(has_null),
        _ => false,
    }
}

/// Creates users with these names, in this order; returns their ids.
fn users(h: &Harness, names: &[&str]) -> Vec<String> {
    names.iter().map(|name| h.create_user(name)).collect()
}

// ---------------------------------------------------------------- discovery

#[test]
fn service_provider_config() {
    let h = Harness::new();
    let (status, headers, body) = h.get("/ServiceProviderConfig");
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "content-type"), "application/scim+json");
    assert_eq!(body["schemas"], json!([urn::SERVICE_PROVIDER_CONFIG]));
    for feature in ["patch", "bulk", "filter", "etag", "sort"] {
        assert_eq!(body[feature]["supported"], json!(true), "{feature}: {body}");
    }
    assert_eq!(body["changePassword"]["supported"], json!(false));
    assert_eq!(body["bulk"]["maxOperations"], json!(1000));
    assert_eq!(body["bulk"]["maxPayloadSize"], json!(1_048_576));
    assert_eq!(body["filter"]["maxResults"], json!(1000));
    assert_eq!(body["authenticationSchemes"][0]["type"], "oauthbearertoken");
    assert_eq!(
        body["meta"]["location"],
        "https://scim.example.com/scim/v2/ServiceProviderConfig"
    );

    let h = Harness::with_config(
        EngineConfig::default()
            .bulk_max_operations(7)
            .bulk_max_payload_size(4096),
    );
    let (_, _, body) = h.get("/ServiceProviderConfig");
    assert_eq!(body["bulk"]["maxOperations"], json!(7));
    assert_eq!(body["bulk"]["maxPayloadSize"], json!(4096));
}

#[test]
fn resource_types() {
    let h = Harness::new();
    let reply = h.get("/ResourceTypes");
    assert_list(&reply, 2, 2);
    let names: BTreeSet<&str> = reply.2["Resources"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|item| item["name"].as_str())
        .collect();
    assert_eq!(names, BTreeSet::from(["Group", "User"]));

    let (status, _, body) = h.get("/ResourceTypes/User");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["schemas"], json!([urn::RESOURCE_TYPE]));
    assert_eq!(body["name"], "User");
    assert_eq!(body["endpoint"], "/Users");
    assert_eq!(body["schema"], urn::USER);
    assert_eq!(body["schemaExtensions"][0]["schema"], ENTERPRISE);
    assert_eq!(
        body["meta"]["location"],
        "https://scim.example.com/scim/v2/ResourceTypes/User"
    );
    assert!(!has_null(&body), "{body}");

    assert_error(&h.get("/ResourceTypes/Device"), 404, None);
}

#[test]
fn schemas() {
    let h = Harness::new();
    let reply = h.get("/Schemas");
    assert_list(&reply, 3, 3);
    assert!(!has_null(&reply.2), "null values in /Schemas");
    let schemas: BTreeSet<&str> = reply.2["Resources"]
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|item| item["id"].as_str())
        .collect();
    assert_eq!(schemas, BTreeSet::from([urn::USER, urn::GROUP, ENTERPRISE]));
    for schema in reply.2["Resources"].as_array().expect("list") {
        assert_eq!(schema["schemas"], json!([urn::SCHEMA]), "{schema}");
        assert!(
            schema["attributes"]
                .as_array()
                .is_some_and(|attributes| !attributes.is_empty()),
            "{schema}"
        );
    }

    let (status, _, body) = h.get(&format!("/Schemas/{}", urn::USER));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], urn::USER);
    assert_eq!(body["name"], "User");
    assert_eq!(
        body["meta"]["location"],
        format!("https://scim.example.com/scim/v2/Schemas/{}", urn::USER)
    );
    assert!(
        body["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .any(|attribute| attribute["name"] == "userName")
    );
    let (status, _, body) = h.get(&format!("/Schemas/{ENTERPRISE}"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], ENTERPRISE);

    assert_error(&h.get("/Schemas/urn:example:nothing"), 404, None);
}

#[test]
fn discovery_needs_no_key() {
    let h = Harness::new();
    for path in [
        "/ServiceProviderConfig",
        "/ResourceTypes",
        "/ResourceTypes/Group",
        "/Schemas",
        "/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group",
    ] {
        let (status, _, body) = h.send_raw("GET", path, Bytes::new(), &[]);
        assert_eq!(status, 200, "{path}: {body}");
    }
    assert_error(
        &h.send_raw("POST", "/Schemas", Bytes::new(), &[]),
        405,
        None,
    );
}

// ---------------------------------------------------------------- routing and query

#[test]
fn trailing_slash() {
    let h = Harness::new();
    let (status, _, body) = h.post("/Users/", user("bjensen"));
    assert_eq!(status, 201, "{body}");
    let id = id_of(&body);
    assert_list(&h.get("/Users/"), 1, 1);
    let (status, _, body) = h.get(&format!("/Users/{id}/"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["id"], json!(id));
}

#[test]
fn attribute_names_ignore_case() {
    let h = Harness::new();
    let (status, _, body) = h.post(
        "/Users",
        json!({"schemas": [urn::USER], "userName": "bjensen", "name": {"familyName": "Jensen"}}),
    );
    assert_eq!(status, 201, "{body}");
    let id = id_of(&body);
    h.create_user("other");
    for filter in [
        "UserName+eq+%22bjensen%22",
        "USERNAME+eq+%22BJensen%22",
        "name.FamilyName+eq+%22Jensen%22",
        "Name.familyname+EQ+%22jensen%22",
    ] {
        let reply = h.get(&format!("/Users?filter={filter}"));
        assert_list(&reply, 1, 1);
        assert_eq!(ids(&reply.2), [id.as_str()], "{filter}");
    }
    let reply = h.get("/Users?filter=userName+eq+%22bjensen%22&attributes=UserName");
    assert_list(&reply, 1, 1);
    assert_eq!(
        reply.2["Resources"][0],
        json!({"id": id, "schemas": [urn::USER], "userName": "bjensen"})
    );
}

#[test]
fn unknown_query_parameters_are_ignored() {
    let h = Harness::new();
    let id = h.create_user("bjensen");
    assert_list(
        &h.get("/Users?aadOptscim062020&foo=bar&filter=userName+eq+%22bjensen%22&x"),
        1,
        1,
    );
    let (status, _, body) = h.get(&format!("/Users/{id}?aadOptscim062020&foo=bar"));
    assert_eq!(status, 200, "{body}");
    let (status, _, body) = h.post("/Users?aadOptscim062020", user("other"));
    assert_eq!(status, 201, "{body}");
    let (status, _, body) = h.patch(
        &format!("/Users/{id}?aadOptscim062020&unknown=1"),
        patch_op(json!([{"op": "replace", "path": "displayName", "value": "B"}])),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(h.get("/ServiceProviderConfig?foo").0, 200);
}

#[test]
fn count_zero_gives_only_the_total() {
    let h = Harness::new();
    users(&h, &["a", "b", "c"]);
    let reply = h.get("/Users?count=0");
    assert_list(&reply, 3, 0);
    assert_eq!(reply.2["Resources"], json!([]));
    let reply = h.get("/Users?count=0&filter=userName+eq+%22b%22");
    assert_list(&reply, 1, 0);
}

#[test]
fn index_paging_has_a_stable_order() {
    let h = Harness::new();
    let created = users(&h, &["e", "c", "a", "d", "b"]);
    let mut seen = Vec::new();
    for start in [1, 3, 5] {
        let reply = h.get(&format!("/Users?startIndex={start}&count=2"));
        let expected = if start == 5 { 1 } else { 2 };
        assert_list(&reply, 5, expected);
        assert_eq!(reply.2["startIndex"], json!(start));
        seen.extend(ids(&reply.2));
    }
    assert_eq!(
        seen, created,
        "pages in creation order, none repeated or lost"
    );
    // The same pages again: the order is stable.
    let again: Vec<String> = [1, 3, 5]
        .iter()
        .flat_map(|start| ids(&h.get(&format!("/Users?startIndex={start}&count=2")).2))
        .collect();
    assert_eq!(again, created);
    // Past the end, and out-of-range values clamped.
    assert_list(&h.get("/Users?startIndex=9&count=2"), 5, 0);
    let reply = h.get("/Users?startIndex=0&count=2");
    assert_eq!(reply.2["startIndex"], json!(1));
    assert_eq!(ids(&reply.2), created[..2]);
    let reply = h.get("/Users?startIndex=-4&count=-1");
    assert_list(&reply, 5, 0);
    // With a filter the store does not index.
    let reply = h.get("/Users?filter=userName+pr&startIndex=2&count=2");
    assert_list(&reply, 5, 2);
    assert_eq!(ids(&reply.2), created[1..3]);
}

#[test]
fn count_above_the_maximum_is_clamped() {
    let h = Harness::with_config(
        EngineConfig::default()
            .max_page_size(3)
            .default_page_size(2),
    );
    users(&h, &["a", "b", "c", "d", "e"]);
    assert_list(&h.get("/Users?count=1000"), 5, 3);
    assert_list(&h.get("/Users"), 5, 2);
}

#[test]
fn cursor_pagination() {
    let h = Harness::new();
    let created = users(&h, &["a", "b", "c", "d", "e"]);
    let reply = h.get("/Users?cursor=&count=2");
    assert_list(&reply, 5, 2);
    assert_eq!(ids(&reply.2), created[0..2]);
    assert!(reply.2.get("startIndex").is_none(), "{}", reply.2);
    let mut seen = ids(&reply.2);
    let mut next = reply.2["nextCursor"]
        .as_str()
        .expect("a nextCursor")
        .to_owned();
    let mut pages = 1;
    loop {
        let reply = h.get(&format!("/Users?cursor={next}&count=2"));
        assert_eq!(reply.0, 200, "{}", reply.2);
        assert!(reply.2["previousCursor"].is_string(), "{}", reply.2);
        seen.extend(ids(&reply.2));
        pages += 1;
        match reply.2["nextCursor"].as_str() {
            Some(cursor) => next = cursor.to_owned(),
            None => break,
        }
    }
    assert_eq!(pages, 3);
    assert_eq!(seen, created);

    assert_error(
        &h.get("/Users?cursor=garbage&count=2"),
        400,
        Some("invalidCursor"),
    );
}

#[test]
fn sort_by_user_name() {
    let h = Harness::new();
    let created = users(&h, &["carol", "Alice", "eve", "bob", "Dave"]);
    let by_name = |order: &[usize]| {
        order
            .iter()
            .map(|index| created[*index].clone())
            .collect::<Vec<_>>()
    };
    let reply = h.get("/Users?sortBy=userName");
    assert_list(&reply, 5, 5);
    assert_eq!(ids(&reply.2), by_name(&[1, 3, 0, 4, 2]));
    let reply = h.get("/Users?sortBy=userName&sortOrder=ascending");
    assert_eq!(ids(&reply.2), by_name(&[1, 3, 0, 4, 2]));
    let reply = h.get("/Users?sortBy=UserName&sortOrder=descending");
    assert_eq!(ids(&reply.2), by_name(&[2, 4, 0, 3, 1]));
    let reply = h.get("/Users?sortBy=userName&sortOrder=descending&startIndex=2&count=2");
    assert_list(&reply, 5, 2);
    assert_eq!(ids(&reply.2), by_name(&[4, 0]));
    assert_error(
        &h.get("/Users?sortBy=userName&sortOrder=sideways"),
        400,
        None,
    );
}

#[test]
fn attributes_projects_the_list() {
    let h = Harness::new();
    let (status, _, _) = h.post(
        "/Users",
        json!({"schemas": [urn::USER], "userName": "bjensen", "displayName": "Babs", "emails": [{"value": "b@example.com"}]}),
    );
    assert_eq!(status, 201);
    h.create_user("jsmith");
    let reply = h.get("/Users?attributes=userName");
    assert_list(&reply, 2, 2);
    for resource in reply.2["Resources"].as_array().expect("list") {
        assert_eq!(
            keys(resource),
            BTreeSet::from(["id", "schemas", "userName"]),
            "{resource}"
        );
    }
    let reply = h.get("/Users?excludedAttributes=emails,meta&filter=userName+eq+%22bjensen%22");
    let resource = &reply.2["Resources"][0];
    assert_eq!(resource["displayName"], "Babs");
    assert!(
        resource.get("emails").is_none() && resource.get("meta").is_none(),
        "{resource}"
    );
    assert_error(
        &h.get("/Users?attributes=userName&excludedAttributes=emails"),
        400,
        None,
    );
}

#[test]
fn search_at_the_root_and_per_type() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    let bob = h.create_user("bob");
    let group = h.create_group("admins", &[&alice]);
    let search = |path: &str, body: Value| h.send("POST", path, Some(body), &[]);

    let reply = search(
        "/Users/.search",
        json!({"schemas": [urn::SEARCH_REQUEST], "filter": "userName eq \"bob\"", "attributes": ["userName"], "startIndex": 1, "count": 10}),
    );
    assert_list(&reply, 1, 1);
    assert_eq!(
        reply.2["Resources"][0],
        json!({"id": bob, "schemas": [urn::USER], "userName": "bob"})
    );

    let reply = search("/.search", json!({"schemas": [urn::SEARCH_REQUEST]}));
    assert_list(&reply, 3, 3);
    let found: BTreeSet<String> = ids(&reply.2).into_iter().collect();
    assert_eq!(
        found,
        BTreeSet::from([alice.clone(), bob.clone(), group.clone()])
    );

    let reply = search(
        "/.search",
        json!({"schemas": [urn::SEARCH_REQUEST], "filter": "userName sw \"a\""}),
    );
    assert_list(&reply, 1, 1);
    assert_eq!(ids(&reply.2), [alice.as_str()]);
    let reply = search(
        "/.search",
        json!({"schemas": [urn::SEARCH_REQUEST], "filter": "displayName eq \"admins\""}),
    );
    assert_list(&reply, 1, 1);
    assert_eq!(ids(&reply.2), [group.as_str()]);

    let reply = search(
        "/Groups/.search",
        json!({"schemas": [urn::SEARCH_REQUEST], "excludedAttributes": "members"}),
    );
    assert_list(&reply, 1, 1);
    assert!(reply.2["Resources"][0].get("members").is_none());

    assert_error(&h.get("/.search"), 405, None);
    assert_error(
        &search(
            "/.search",
            json!({"schemas": [urn::SEARCH_REQUEST], "filter": "userName eq"}),
        ),
        400,
        Some("invalidFilter"),
    );
}

// ---------------------------------------------------------------- preconditions

#[test]
fn if_match_guards_writes() {
    let h = Harness::new();
    let id = h.create_user("bjensen");
    let path = format!("/Users/{id}");
    let stale = [("If-Match", "W/\"7\"")];
    let current = [("If-Match", "W/\"1\"")];

    let patch = || {
        Some(patch_op(
            json!([{"op": "replace", "path": "displayName", "value": "B"}]),
        ))
    };
    assert_error(&h.send("PATCH", &path, patch(), &stale), 412, None);
    assert_error(
        &h.send("PUT", &path, Some(user("bjensen")), &stale),
        412,
        None,
    );
    assert_error(&h.send("DELETE", &path, None, &stale), 412, None);
    let (_, headers, _) = h.get(&path);
    assert_eq!(
        header(&headers, "etag"),
        "W/\"1\"",
        "a failed precondition changes nothing"
    );

    let (status, headers, body) = h.send("PATCH", &path, patch(), &current);
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "etag"), "W/\"2\"");
    let (status, headers, body) = h.send(
        "PUT",
        &path,
        Some(json!({"schemas": [urn::USER], "userName": "bjensen", "nickName": "Babs"})),
        &[("If-Match", "W/\"2\"")],
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "etag"), "W/\"3\"");
    // The strong form and a list compare alike.
    assert_error(
        &h.send("DELETE", &path, None, &[("If-Match", "\"2\"")]),
        412,
        None,
    );
    let (status, _, _) = h.send("DELETE", &path, None, &[("If-Match", "W/\"1\", \"3\"")]);
    assert_eq!(status, 204);
}

#[test]
fn if_none_match_on_get() {
    let h = Harness::new();
    let id = h.create_user("bjensen");
    let path = format!("/Users/{id}");
    let (status, headers, body) = h.send("GET", &path, None, &[("If-None-Match", "W/\"1\"")]);
    assert_eq!(status, 304);
    assert_eq!(body, Value::Null);
    assert_eq!(header(&headers, "etag"), "W/\"1\"");
    let (status, _, body) = h.send("GET", &path, None, &[("If-None-Match", "W/\"0\"")]);
    assert_eq!(status, 200);
    assert_eq!(body["id"], json!(id));
}

// ---------------------------------------------------------------- errors

#[test]
fn malformed_json_is_invalid_syntax() {
    let h = Harness::new();
    let auth = format!("Bearer {}", h.key.secret);
    let headers = [
        ("Authorization", auth.as_str()),
        ("Content-Type", "application/scim+json"),
    ];
    assert_error(
        &h.send_raw(
            "POST",
            "/Users",
            Bytes::from_static(b"{\"userName\": "),
            &headers,
        ),
        400,
        Some("invalidSyntax"),
    );
    let id = h.create_user("bjensen");
    assert_error(
        &h.send_raw(
            "PATCH",
            &format!("/Users/{id}"),
            Bytes::from_static(b"{Operations: []"),
            &headers,
        ),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &h.send_raw("POST", "/Users", Bytes::new(), &headers),
        400,
        Some("invalidSyntax"),
    );
}

#[test]
fn unsupported_media_type() {
    let h = Harness::new();
    assert_error(
        &h.send(
            "POST",
            "/Users",
            Some(user("bjensen")),
            &[("Content-Type", "text/plain")],
        ),
        415,
        None,
    );
    // Both JSON media types, with parameters, are fine.
    let (status, _, body) = h.send(
        "POST",
        "/Users",
        Some(user("a")),
        &[("Content-Type", "application/json")],
    );
    assert_eq!(status, 201, "{body}");
    let (status, _, body) = h.send(
        "POST",
        "/Users",
        Some(user("b")),
        &[("Content-Type", "application/scim+json; charset=utf-8")],
    );
    assert_eq!(status, 201, "{body}");
}

#[test]
fn body_over_the_limit() {
    let h = Harness::with_config(EngineConfig::default().max_body_size(256));
    let big =
        json!({"schemas": [urn::USER], "userName": "bjensen", "displayName": "x".repeat(300)});
    assert_error(&h.post("/Users", big), 413, None);
    let id = h.create_user("small");
    let big_patch =
        patch_op(json!([{"op": "replace", "path": "displayName", "value": "x".repeat(300)}]));
    assert_error(&h.patch(&format!("/Users/{id}"), big_patch), 413, None);
}

#[test]
fn not_found_and_not_allowed() {
    let h = Harness::new();
    assert_error(&h.get("/Users/no-such-id"), 404, None);
    assert_error(&h.get("/Groups/no-such-id"), 404, None);
    assert_error(&h.put("/Users/no-such-id", user("x")), 404, None);
    assert_error(
        &h.patch(
            "/Users/no-such-id",
            patch_op(json!([{"op": "replace", "path": "displayName", "value": "x"}])),
        ),
        404,
        None,
    );
    assert_error(&h.delete("/Users/no-such-id"), 404, None);
    assert_error(&h.delete("/Users"), 405, None);
    assert_error(&h.send("PUT", "/Users", Some(user("x")), &[]), 405, None);
    assert_error(
        &h.send(
            "POST",
            &format!("/Users/{}", h.create_user("y")),
            Some(user("x")),
            &[],
        ),
        405,
        None,
    );
    assert_error(&h.get("/Me"), 501, None);
    assert_error(&h.get("/Devices"), 404, None);
    assert_error(&h.get("/Users/a/b"), 404, None);
    assert_error(&h.get("https://scim.example.com/other/Users"), 404, None);
}

#[test]
fn request_errors_name_their_scim_type() {
    let h = Harness::new();
    assert_error(
        &h.get("/Users?filter=userName+eq"),
        400,
        Some("invalidFilter"),
    );
    assert_error(&h.get("/Users?count=abc"), 400, Some("invalidValue"));
    let id = h.create_user("bjensen");
    assert_error(
        &h.patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "name[", "value": "x"}])),
        ),
        400,
        Some("invalidPath"),
    );
    assert_error(
        &h.patch(&format!("/Users/{id}"), patch_op(json!([{"op": "remove"}]))),
        400,
        Some("noTarget"),
    );
    assert_error(
        &h.post("/Users", json!({"schemas": [urn::USER]})),
        400,
        None,
    );
}

#[test]
fn authentication_failures() {
    let h = Harness::new();
    let id = h.create_user("bjensen");
    let path = format!("/Users/{id}");
    let check = |reply: &crate::support::Reply| {
        assert_error(reply, 401, None);
        assert!(
            header(&reply.1, "www-authenticate").starts_with("Bearer"),
            "{:?}",
            reply.1
        );
    };
    check(&h.send_raw("GET", &path, Bytes::new(), &[]));
    check(&h.send_raw(
        "GET",
        &path,
        Bytes::new(),
        &[("Authorization", "Basic dXNlcjpwYXNz")],
    ));
    check(&h.send_raw("GET", &path, Bytes::new(), &[("Authorization", "Bearer ")]));
    check(&h.send_as("not-a-key", "GET", &path, None, &[]));
    check(&h.send_as("not-a-key", "POST", "/Users", Some(user("intruder")), &[]));
    check(&h.send_as("not-a-key", "POST", "/Bulk", Some(json!({})), &[]));
    assert_eq!(
        h.send(
            "GET",
            &path,
            None,
            &[("Authorization", &format!("bearer {}", h.key.secret))]
        )
        .0,
        200
    );

    let expires = h.now() + chrono::Duration::seconds(60);
    let expiring =
        pollster::block_on(h.engine.issue_key(&h.tenant.id, Some(expires))).expect("key");
    assert_eq!(h.send_as(&expiring.secret, "GET", &path, None, &[]).0, 200);
    h.advance(60);
    check(&h.send_as(&expiring.secret, "GET", &path, None, &[]));

    pollster::block_on(h.engine.revoke_key(&h.key.key.id)).expect("revoked");
    check(&h.get(&path));
    // Nothing was created by the refused requests.
    let other = pollster::block_on(h.engine.issue_key(&h.tenant.id, None)).expect("key");
    let reply = h.send_as(&other.secret, "GET", "/Users", None, &[]);
    assert_list(&reply, 1, 1);
}

// ---------------------------------------------------------------- bulk

fn bulk(operations: Value) -> Value {
    json!({"schemas": [urn::BULK_REQUEST], "Operations": operations})
}

#[test]
fn bulk_resolves_bulk_ids() {
    let h = Harness::new();
    let (status, headers, body) = h.post(
        "/Bulk",
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "qwerty", "data": user("alice")},
            {"method": "POST", "path": "/Groups", "bulkId": "ytrewq", "data": {
                "schemas": [urn::GROUP], "displayName": "Tour Guides", "members": [{"type": "User", "value": "bulkId:qwerty"}]
            }}
        ])),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(header(&headers, "content-type"), "application/scim+json");
    assert_eq!(body["schemas"], json!([urn::BULK_RESPONSE]));
    let operations = body["Operations"].as_array().expect("Operations");
    assert_eq!(operations.len(), 2, "{body}");
    for operation in operations {
        assert_eq!(operation["status"], "201", "{body}");
        assert_eq!(operation["method"], "POST");
        assert!(
            operation["location"]
                .as_str()
                .is_some_and(|location| location.starts_with("https://scim.example.com/scim/v2/")),
            "{operation}"
        );
        assert!(operation["version"].is_string(), "{operation}");
    }
    let user_location = operations
        .iter()
        .find(|operation| operation["bulkId"] == "qwerty")
        .expect("qwerty")["location"]
        .as_str()
        .expect("location");
    let user_id = user_location.rsplit('/').next().expect("id").to_owned();
    let group_location = operations
        .iter()
        .find(|operation| operation["bulkId"] == "ytrewq")
        .expect("ytrewq")["location"]
        .as_str()
        .expect("location");
    let group_id = group_location.rsplit('/').next().expect("id").to_owned();

    let (status, _, group) = h.get(&format!("/Groups/{group_id}"));
    assert_eq!(status, 200);
    assert_eq!(member_ids(&group), [user_id.as_str()]);
    let (_, _, alice) = h.get(&format!("/Users/{user_id}"));
    assert_eq!(alice["userName"], "alice");
    assert_eq!(alice["groups"][0]["value"], json!(group_id));
}

#[test]
fn bulk_runs_an_operation_after_the_one_it_refers_to() {
    let h = Harness::new();
    let (status, _, body) = h.post(
        "/Bulk",
        bulk(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [urn::GROUP], "displayName": "G", "members": [{"value": "bulkId:u"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": user("alice")},
            {"method": "PATCH", "path": "/Users/bulkId:u", "data": patch_op(json!([{"op": "replace", "path": "displayName", "value": "Alice"}]))}
        ])),
    );
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> = body["Operations"]
        .as_array()
        .expect("Operations")
        .iter()
        .filter_map(|operation| operation["status"].as_str())
        .collect();
    assert_eq!(statuses.len(), 3, "{body}");
    assert!(
        statuses.iter().filter(|status| **status == "201").count() == 2
            && statuses.contains(&"200"),
        "{body}"
    );
    let reply = h.get("/Users?filter=userName+eq+%22alice%22");
    assert_eq!(reply.2["Resources"][0]["displayName"], "Alice");
    assert_eq!(reply.2["Resources"][0]["groups"][0]["display"], "G");
}

#[test]
fn bulk_over_max_operations() {
    let h = Harness::with_config(EngineConfig::default().bulk_max_operations(2));
    let operations: Vec<Value> =
        (0..3).map(|index| json!({"method": "POST", "path": "/Users", "bulkId": format!("b{index}"), "data": user(&format!("u{index}"))})).collect();
    assert_error(&h.post("/Bulk", bulk(Value::Array(operations))), 413, None);
    assert_list(&h.get("/Users"), 0, 0);
}

#[test]
fn bulk_over_max_payload_size() {
    let h = Harness::with_config(EngineConfig::default().bulk_max_payload_size(200));
    let operations = json!([{"method": "POST", "path": "/Users", "bulkId": "b", "data": {"schemas": [urn::USER], "userName": "x".repeat(300)}}]);
    assert_error(&h.post("/Bulk", bulk(operations)), 413, None);
}

#[test]
fn bulk_circular_references_fail() {
    let h = Harness::new();
    let (status, _, body) = h.post(
        "/Bulk",
        bulk(json!([
            {"method": "POST", "path": "/Groups", "bulkId": "a", "data": {"schemas": [urn::GROUP], "displayName": "A", "members": [{"value": "bulkId:b"}]}},
            {"method": "POST", "path": "/Groups", "bulkId": "b", "data": {"schemas": [urn::GROUP], "displayName": "B", "members": [{"value": "bulkId:a"}]}}
        ])),
    );
    assert_eq!(status, 200, "{body}");
    let operations = body["Operations"].as_array().expect("Operations");
    assert_eq!(operations.len(), 2, "{body}");
    for operation in operations {
        assert_eq!(operation["status"], "409", "{body}");
        assert_eq!(operation["response"]["schemas"], json!([urn::ERROR]));
        assert_eq!(operation["response"]["status"], "409");
    }
    assert_list(&h.get("/Groups"), 0, 0);
}

#[test]
fn bulk_fail_on_errors_stops() {
    let h = Harness::new();
    h.create_user("taken");
    let (status, _, body) = h.post(
        "/Bulk",
        json!({"schemas": [urn::BULK_REQUEST], "failOnErrors": 1, "Operations": [
            {"method": "POST", "path": "/Users", "bulkId": "one", "data": user("taken")},
            {"method": "POST", "path": "/Users", "bulkId": "two", "data": user("fresh")}
        ]}),
    );
    assert_eq!(status, 200, "{body}");
    let operations = body["Operations"].as_array().expect("Operations");
    assert_eq!(operations.len(), 1, "{body}");
    assert_eq!(operations[0]["bulkId"], "one");
    assert_eq!(operations[0]["status"], "409");
    assert_eq!(operations[0]["response"]["scimType"], "uniqueness");
    assert_list(&h.get("/Users?filter=userName+eq+%22fresh%22"), 0, 0);

    // Without failOnErrors every operation runs.
    let (_, _, body) = h.post(
        "/Bulk",
        bulk(json!([
            {"method": "POST", "path": "/Users", "bulkId": "one", "data": user("taken")},
            {"method": "POST", "path": "/Users", "bulkId": "two", "data": user("fresh")},
            {"method": "DELETE", "path": "/Users/no-such-id"}
        ])),
    );
    let statuses: Vec<&str> = body["Operations"]
        .as_array()
        .expect("Operations")
        .iter()
        .filter_map(|operation| operation["status"].as_str())
        .collect();
    assert_eq!(statuses, ["409", "201", "404"], "{body}");
}

// ---------------------------------------------------------------- patch responses

#[test]
fn patch_with_attributes_returns_the_projection() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    let group = h.create_group("admins", &[&alice]);
    let (status, headers, body) = h.patch(
        &format!("/Groups/{group}?attributes=displayName"),
        patch_op(json!([{"op": "replace", "path": "displayName", "value": "Admins"}])),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body,
        json!({"id": group, "schemas": [urn::GROUP], "displayName": "Admins"})
    );
    assert_eq!(header(&headers, "etag"), "W/\"2\"");
    let (status, _, body) = h.patch(
        &format!("/Groups/{group}?excludedAttributes=members"),
        patch_op(json!([{"op": "replace", "path": "displayName", "value": "Admins 2"}])),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.get("members").is_none(), "{body}");
    assert_eq!(body["displayName"], "Admins 2");
}

#[test]
fn patch_groups_without_content() {
    let h = Harness::with_config(EngineConfig::default().patch_groups_no_content(true));
    let alice = h.create_user("alice");
    let group = h.create_group("admins", &[]);
    let (status, headers, body) = h.patch(
        &format!("/Groups/{group}"),
        patch_op(json!([{"op": "add", "path": "members", "value": [{"value": alice}]}])),
    );
    assert_eq!(status, 204);
    assert_eq!(body, Value::Null);
    assert_eq!(header(&headers, "etag"), "W/\"2\"");
    let (_, _, body) = h.get(&format!("/Groups/{group}"));
    assert_eq!(member_ids(&body), [alice.as_str()]);
    // Users still answer 200 with the resource.
    let (status, _, body) = h.patch(
        &format!("/Users/{alice}"),
        patch_op(json!([{"op": "replace", "path": "displayName", "value": "A"}])),
    );
    assert_eq!(status, 200);
    assert_eq!(body["displayName"], "A");
}

#[test]
fn patch_is_atomic() {
    let h = Harness::new();
    let id = h.create_user("alice");
    let reply = h.patch(
        &format!("/Users/{id}"),
        patch_op(json!([
            {"op": "replace", "path": "displayName", "value": "Changed"},
            {"op": "replace", "path": "name[", "value": "broken"}
        ])),
    );
    assert_eq!(reply.0, 400, "{}", reply.2);
    let (_, headers, body) = h.get(&format!("/Users/{id}"));
    assert!(body.get("displayName").is_none(), "{body}");
    assert_eq!(header(&headers, "etag"), "W/\"1\"");
}

#[test]
fn created_resources_are_complete() {
    let h = Harness::new();
    let (status, headers, body) = h.post("/Groups", group("admins", &[]));
    assert_eq!(status, 201, "{body}");
    assert_eq!(
        header(&headers, "location"),
        body["meta"]["location"].as_str().expect("location")
    );
    assert_eq!(
        header(&headers, "etag"),
        body["meta"]["version"].as_str().expect("version")
    );
    assert_eq!(body["meta"]["resourceType"], "Group");
    // Explicit null means unassigned, never the string "null".
    let (status, _, body) = h.post(
        "/Users",
        json!({"schemas": [urn::USER], "userName": "n", "displayName": null, "title": null}),
    );
    assert_eq!(status, 201, "{body}");
    assert!(
        body.get("displayName").is_none() && body.get("title").is_none(),
        "{body}"
    );
}

// ---------------------------------------------------------------- more of RFC 7643/7644

#[test]
fn lenient_and_strict_profiles() {
    let h = Harness::new();
    let (strict, strict_key) = h.add_tenant("strict", scimitar_patch::Compat::STRICT);
    assert_eq!(strict.compat, scimitar_patch::Compat::STRICT);
    let as_strict = |method: &str, path: &str, body: Option<Value>| {
        h.send_as(&strict_key.secret, method, path, body, &[])
    };

    // Unquoted values and value paths in attributes: lenient only.
    let id = h.create_user("jyoung");
    let (status, _, body) = h.post(
        "/Users",
        json!({"schemas": [urn::USER], "userName": "x", "externalId": "jyoung"}),
    );
    assert_eq!(status, 201, "{body}");
    let reply = h.get("/Users?filter=externalId+eq+jyoung");
    assert_list(&reply, 1, 1);
    let reply = h.get("/Users?filter=meta.created+gt+2015-10-10T14:38:21.8617979-07:00");
    assert_list(&reply, 2, 2);
    let reply = h.get(&format!("/Users/{id}?attributes=emails[type eq \"work\"]"));
    assert_eq!(reply.0, 200, "{}", reply.2);
    assert_error(
        &as_strict("GET", "/Users?filter=externalId+eq+jyoung", None),
        400,
        Some("invalidFilter"),
    );
    assert_error(
        &as_strict(
            "GET",
            "/Users?filter=emails[type eq \"work\"].value eq \"a@example.com\"",
            None,
        ),
        400,
        Some("invalidFilter"),
    );

    // Unknown attributes: ignored leniently, named strictly.
    let body = json!({"schemas": [urn::USER], "userName": "typo", "adreses": [{"street": "x"}]});
    let (status, _, created) = h.post("/Users", body.clone());
    assert_eq!(status, 201, "{created}");
    assert!(created.get("adreses").is_none(), "{created}");
    let reply = as_strict("POST", "/Users", Some(body));
    assert_error(&reply, 400, Some("invalidSyntax"));
    assert!(
        reply.2["detail"].as_str().unwrap_or("").contains("adreses"),
        "{}",
        reply.2
    );

    // String booleans: coerced leniently only.
    let reply = as_strict(
        "POST",
        "/Users",
        Some(json!({"schemas": [urn::USER], "userName": "s", "active": "True"})),
    );
    assert_eq!(reply.0, 400, "{}", reply.2);
    // A body without schemas is the endpoint's type in lenient mode only.
    let (status, _, body) = h.post("/Users", json!({"userName": "noschemas"}));
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["schemas"], json!([urn::USER]));
    assert_eq!(
        as_strict("POST", "/Users", Some(json!({"userName": "noschemas"}))).0,
        400
    );
    // Capitalised ops: lenient only.
    let (_, _, body) = as_strict("POST", "/Users", Some(user("strictuser")));
    let strict_id = id_of(&body);
    let capitalised = patch_op(json!([{"op": "Replace", "path": "displayName", "value": "x"}]));
    assert_eq!(
        as_strict(
            "PATCH",
            &format!("/Users/{strict_id}"),
            Some(capitalised.clone())
        )
        .0,
        400
    );
    assert_eq!(h.patch(&format!("/Users/{id}"), capitalised).0, 200);
}

#[test]
fn user_name_case_change_of_the_same_user() {
    let h = Harness::new();
    let id = h.create_user("Alice");
    let other = h.create_user("bob");
    let (status, _, body) = h.put(&format!("/Users/{id}"), user("alice"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["userName"], "alice");
    assert_error(
        &h.put(&format!("/Users/{other}"), user("ALICE")),
        409,
        Some("uniqueness"),
    );
    assert_error(
        &h.patch(
            &format!("/Users/{other}"),
            patch_op(json!([{"op": "replace", "path": "userName", "value": "Alice"}])),
        ),
        409,
        Some("uniqueness"),
    );
    // The freed name can be taken again.
    assert_eq!(
        h.patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "userName", "value": "carol"}]))
        )
        .0,
        200
    );
    let (status, _, body) = h.patch(
        &format!("/Users/{other}"),
        patch_op(json!([{"op": "replace", "path": "userName", "value": "Alice"}])),
    );
    assert_eq!(status, 200, "{body}");
}

#[test]
fn read_only_attributes_cannot_be_patched() {
    let h = Harness::new();
    let id = h.create_user("alice");
    let group = h.create_group("admins", &[]);
    let reply = h.patch(
        &format!("/Users/{id}"),
        patch_op(json!([{"op": "add", "path": "groups", "value": [{"value": group}]}])),
    );
    assert_error(&reply, 400, Some("mutability"));
    let reply = h.patch(
        &format!("/Users/{id}"),
        patch_op(json!([{"op": "replace", "path": "id", "value": "other"}])),
    );
    assert_error(&reply, 400, Some("mutability"));
    let (_, _, body) = h.get(&format!("/Users/{id}"));
    assert!(body.get("groups").is_none());
}

#[test]
fn nested_groups_and_group_deletion() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    let inner = h.create_group("inner", &[&alice]);
    let outer = h.create_group("outer", &[&inner]);
    let (_, _, body) = h.get(&format!("/Groups/{outer}"));
    assert_eq!(body["members"][0]["value"], json!(inner));
    assert_eq!(body["members"][0]["type"], "Group");
    let (_, _, body) = h.get(&format!("/Groups/{inner}"));
    assert_eq!(body["members"][0]["type"], "User");
    let (_, _, body) = h.get(&format!("/Users/{alice}"));
    assert_eq!(
        body["groups"].as_array().map(Vec::len),
        Some(1),
        "only direct groups: {body}"
    );

    assert_eq!(h.delete(&format!("/Groups/{inner}")).0, 204);
    let (_, headers, body) = h.get(&format!("/Groups/{outer}"));
    assert_eq!(member_ids(&body), Vec::<String>::new());
    assert_eq!(header(&headers, "etag"), "W/\"2\"");
    let (_, _, body) = h.get(&format!("/Users/{alice}"));
    assert!(body.get("groups").is_none(), "{body}");
}

#[test]
fn users_are_found_by_their_groups() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    h.create_user("bob");
    let group = h.create_group("admins", &[&alice]);
    let reply = h.get(&format!("/Users?filter=groups.value+eq+%22{group}%22"));
    assert_list(&reply, 1, 1);
    assert_eq!(ids(&reply.2), [alice.as_str()]);
    let reply = h.get("/Users?filter=groups[display eq \"admins\"]");
    assert_list(&reply, 1, 1);
}

#[test]
fn user_groups_can_be_projected() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    let group = h.create_group("admins", &[&alice]);
    let (_, _, body) = h.get(&format!("/Users/{alice}?attributes=groups"));
    assert_eq!(
        keys(&body),
        BTreeSet::from(["groups", "id", "schemas"]),
        "{body}"
    );
    assert_eq!(body["groups"][0]["value"], json!(group));
    let (_, _, body) = h.get(&format!("/Users/{alice}?excludedAttributes=groups"));
    assert!(body.get("groups").is_none(), "{body}");
    assert_eq!(body["userName"], "alice");
    let (_, _, body) = h.get(&format!("/Users/{alice}?attributes=groups.display"));
    assert_eq!(body["groups"], json!([{"display": "admins"}]), "{body}");
}

#[test]
fn bulk_put_patch_delete_with_versions() {
    let h = Harness::new();
    let id = h.create_user("alice");
    let (status, _, body) = h.post(
        "/Bulk",
        bulk(json!([
            {"method": "PATCH", "path": format!("/Users/{id}"), "version": "W/\"1\"", "data": patch_op(json!([{"op": "replace", "path": "displayName", "value": "A"}]))},
            {"method": "PUT", "path": format!("/Users/{id}"), "version": "W/\"1\"", "data": user("alice")},
            {"method": "PUT", "path": format!("/Users/{id}"), "version": "W/\"2\"", "data": {"schemas": [urn::USER], "userName": "alice", "nickName": "Al"}},
            {"method": "DELETE", "path": format!("/Users/{id}"), "version": "W/\"3\""}
        ])),
    );
    assert_eq!(status, 200, "{body}");
    let operations = body["Operations"].as_array().expect("Operations");
    let statuses: Vec<&str> = operations
        .iter()
        .filter_map(|operation| operation["status"].as_str())
        .collect();
    assert_eq!(statuses, ["200", "412", "200", "204"], "{body}");
    assert_eq!(operations[0]["version"], "W/\"2\"");
    assert_eq!(
        operations[0]["location"],
        format!("https://scim.example.com/scim/v2/Users/{id}")
    );
    assert_eq!(
        operations[3]["location"],
        format!("https://scim.example.com/scim/v2/Users/{id}")
    );
    assert_error(&h.get(&format!("/Users/{id}")), 404, None);
}

#[test]
fn bulk_requests_are_checked() {
    let h = Harness::new();
    assert_error(
        &h.post("/Bulk", json!({"Operations": []})),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &h.post(
            "/Bulk",
            bulk(json!([{"method": "POST", "path": "/Users", "data": user("x")}])),
        ),
        400,
        Some("invalidSyntax"),
    );
    assert_error(
        &h.post("/Bulk", bulk(json!([{"method": "GET", "path": "/Users"}]))),
        400,
        Some("invalidSyntax"),
    );
    assert_error(&h.get("/Bulk"), 405, None);
    let (status, _, body) = h.post("/Bulk", bulk(json!([{"method": "POST", "path": "/Groups", "bulkId": "g", "data": group("g", &[]).as_object().map(|group| {
        let mut group = group.clone();
        group.insert("members".into(), json!([{"value": "bulkId:missing"}]));
        Value::Object(group)
    })}])));
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["Operations"][0]["status"], "400", "{body}");
    assert_eq!(
        body["Operations"][0]["response"]["scimType"], "invalidValue",
        "{body}"
    );
}

#[test]
fn bulk_fail_on_errors_does_not_report_operations_it_did_not_run() {
    let h = Harness::new();
    h.create_user("taken");
    // The group waits for the user; the user fails; failOnErrors=1 stops there.
    let (status, _, body) = h.post(
        "/Bulk",
        json!({"schemas": [urn::BULK_REQUEST], "failOnErrors": 1, "Operations": [
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": {"schemas": [urn::GROUP], "displayName": "G", "members": [{"value": "bulkId:u"}]}},
            {"method": "POST", "path": "/Users", "bulkId": "u", "data": user("taken")}
        ]}),
    );
    assert_eq!(status, 200, "{body}");
    let operations = body["Operations"].as_array().expect("Operations");
    assert_eq!(
        operations.len(),
        1,
        "only the operation that ran and failed: {body}"
    );
    assert_eq!(operations[0]["bulkId"], "u");
    assert_eq!(operations[0]["status"], "409");
}

#[test]
fn cursor_pages_backwards() {
    let h = Harness::new();
    let created = users(&h, &["a", "b", "c", "d", "e"]);
    let reply = h.get("/Users?cursor=&count=2");
    let next = reply.2["nextCursor"].as_str().expect("next").to_owned();
    let reply = h.get(&format!("/Users?cursor={next}&count=2"));
    assert_eq!(ids(&reply.2), created[2..4]);
    let previous = reply.2["previousCursor"]
        .as_str()
        .expect("previous")
        .to_owned();
    let reply = h.get(&format!("/Users?cursor={previous}&count=2"));
    assert_eq!(ids(&reply.2), created[0..2]);
    assert!(
        reply.2.get("previousCursor").is_none(),
        "the first page has no previous page: {}",
        reply.2
    );
    // Cursor pages follow sortBy and filters too.
    let reply = h.get(
        "/Users?cursor=&count=2&sortBy=userName&sortOrder=descending&filter=userName+ne+%22e%22",
    );
    assert_list(&reply, 4, 2);
    assert_eq!(ids(&reply.2), [created[3].clone(), created[2].clone()]);
}

#[test]
fn method_not_allowed_says_what_is() {
    let h = Harness::new();
    let id = h.create_user("alice");
    for (method, path, allowed) in [
        ("DELETE", "/Users".to_owned(), "GET, POST"),
        ("POST", format!("/Users/{id}"), "GET, PUT, PATCH, DELETE"),
        ("GET", "/Bulk".to_owned(), "POST"),
        ("PUT", "/ServiceProviderConfig".to_owned(), "GET"),
    ] {
        let reply = h.send(method, &path, None, &[]);
        assert_error(&reply, 405, None);
        // RFC 9110 §15.5.6: a 405 response MUST carry Allow.
        assert_eq!(header(&reply.1, "allow"), allowed, "{method} {path}");
    }
}

#[test]
fn location_from_the_host_header_or_the_public_url() {
    use pollster::block_on;
    let h = Harness::new();
    let request = http::Request::post("/scim/v2/Users")
        .header("Host", "tenant.example.org")
        .header("Authorization", format!("Bearer {}", h.key.secret))
        .header("Content-Type", "application/scim+json")
        .body(Bytes::from(
            serde_json::to_vec(&user("alice")).expect("JSON"),
        ))
        .expect("request");
    let response = block_on(h.engine.handle(request));
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        location.starts_with("http://tenant.example.org/scim/v2/Users/"),
        "{location}"
    );

    let h = Harness::with_config(
        EngineConfig::default()
            .base_path("/api/scim/")
            .public_url("https://public.example.com/api/scim/"),
    );
    let request = http::Request::post("/api/scim/Users")
        .header("Host", "internal:8080")
        .header("Authorization", format!("Bearer {}", h.key.secret))
        .body(Bytes::from(
            serde_json::to_vec(&user("alice")).expect("JSON"),
        ))
        .expect("request");
    let response = block_on(h.engine.handle(request));
    assert_eq!(response.status(), 201);
    let location = response.headers()["location"]
        .to_str()
        .expect("text")
        .to_owned();
    assert!(
        location.starts_with("https://public.example.com/api/scim/Users/"),
        "{location}"
    );
    assert_error(&h.get("/Users"), 404, None);
}

#[test]
fn put_replaces_every_writable_attribute() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    let bob = h.create_user("bob");
    let (status, _, created) = h.post(
        "/Users",
        json!({"schemas": [urn::USER, ENTERPRISE], "userName": "carol", "displayName": "Carol", "title": "CTO",
               ENTERPRISE: {"department": "R&D"}}),
    );
    assert_eq!(status, 201);
    let carol = id_of(&created);
    let (status, _, body) = h.put(
        &format!("/Users/{carol}"),
        json!({"schemas": [urn::USER], "userName": "carol", "displayName": "C"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["displayName"], "C");
    assert!(
        body.get("title").is_none() && body.get(ENTERPRISE).is_none(),
        "{body}"
    );

    let group = h.create_group("admins", &[&alice, &bob]);
    let (status, _, body) = h.put(
        &format!("/Groups/{group}"),
        json!({"schemas": [urn::GROUP], "displayName": "admins", "members": [{"value": bob}]}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(member_ids(&body), [bob.as_str()]);
    let (status, _, body) = h.put(
        &format!("/Groups/{group}"),
        json!({"schemas": [urn::GROUP], "displayName": "admins"}),
    );
    assert_eq!(status, 200, "{body}");
    assert_eq!(member_ids(&body), Vec::<String>::new());
    let (_, _, body) = h.get(&format!("/Users/{bob}"));
    assert!(body.get("groups").is_none(), "{body}");
    // Microsoft's collection PUTs a misspelt attribute and expects 200 (lenient).
    let (status, _, body) = h.put(
        &format!("/Users/{alice}"),
        json!({"schemas": [urn::USER], "userName": "alice", "adreses": [{"street": "x"}]}),
    );
    assert_eq!(status, 200, "{body}");
    assert!(body.get("adreses").is_none());
}

#[test]
fn required_strings_must_not_be_empty() {
    let h = Harness::new();
    // RFC 7643 §4.1.1: "Each User MUST include a non-empty userName value."
    assert_error(
        &h.post("/Users", json!({"schemas": [urn::USER], "userName": ""})),
        400,
        Some("invalidValue"),
    );
    let id = h.create_user("alice");
    assert_error(
        &h.patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "path": "userName", "value": ""}])),
        ),
        400,
        Some("invalidValue"),
    );
    assert_error(
        &h.post(
            "/Groups",
            json!({"schemas": [urn::GROUP], "displayName": ""}),
        ),
        400,
        Some("invalidValue"),
    );
}

#[test]
fn head_is_get_without_a_body() {
    let h = Harness::new();
    let id = h.create_user("alice");
    let get = h.get(&format!("/Users/{id}"));
    let head = h.send("HEAD", &format!("/Users/{id}"), None, &[]);
    assert_eq!(head.0, 200);
    assert_eq!(head.2, Value::Null, "no body");
    assert_eq!(header(&head.1, "etag"), header(&get.1, "etag"));
}

#[test]
fn a_member_removed_and_added_back_keeps_its_type() {
    let h = Harness::new();
    let alice = h.create_user("alice");
    let group = h.create_group("admins", &[&alice]);
    let reply = h.patch(
        &format!("/Groups/{group}"),
        json!({
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [
                {"op": "Remove", "path": "members", "value": [{"value": alice}]},
                {"op": "Add", "path": "members", "value": [{"value": alice}]},
            ],
        }),
    );
    assert_eq!(reply.0, 200);
    let members = h.get(&format!("/Groups/{group}")).2["members"].clone();
    assert_eq!(members[0]["type"], json!("User"), "{members}");
}
