//! Okta's provisioning sequences: every user update is a full `PUT`, groups are patched
//! with path-less replaces that echo the id.

use serde_json::{Value, json};

use scimitar_engine::EngineConfig;
use scimitar_patch::Compat;

use crate::support::{
    Harness, assert_error, assert_list, header, id_of, member_ids, patch_op, sorted, urn,
};

/// Runs `test` under the engine's default profile and Okta's own.
fn for_each_profile(test: impl Fn(&Harness)) {
    for compat in [Compat::LENIENT, Compat::OKTA] {
        test(&Harness::with(EngineConfig::default(), compat));
    }
}

fn okta_user(user_name: &str) -> Value {
    json!({
        "schemas": [urn::USER],
        "userName": user_name,
        "name": {"givenName": "Isaac", "familyName": "Brock"},
        "emails": [{"primary": true, "value": user_name, "type": "work"}],
        "displayName": "Isaac Brock",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true
    })
}

#[test]
fn user_lifecycle_by_put() {
    for_each_profile(|h| {
        let reply = h.get(
            "/Users?filter=userName%20eq%20%22isaac.brock%40example.com%22&startIndex=1&count=100",
        );
        assert_list(&reply, 0, 0);

        let (status, headers, created) = h.post("/Users", okta_user("isaac.brock@example.com"));
        assert_eq!(status, 201, "{created}");
        let id = id_of(&created);
        assert_eq!(header(&headers, "etag"), "W/\"1\"");
        assert!(created.get("password").is_none());
        assert_list(
            &h.get(
                "/Users?filter=userName%20eq%20%22isaac.brock%40example.com%22&startIndex=1&count=100",
            ),
            1,
            1,
        );

        // Okta echoes the whole user, id and meta included, with its change.
        let mut update = created.clone();
        update["name"]["givenName"] = json!("Isaac J.");
        update["password"] = json!("n3wPassw0rd");
        h.advance(10);
        let (status, headers, body) = h.put(&format!("/Users/{id}"), update);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["id"], json!(id));
        assert_eq!(body["name"]["givenName"], "Isaac J.");
        assert_eq!(body["name"]["familyName"], "Brock");
        assert!(body.get("password").is_none());
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
        assert_eq!(body["meta"]["version"], "W/\"2\"");
        assert_eq!(body["meta"]["created"], created["meta"]["created"]);
        assert_eq!(body["meta"]["lastModified"], "2026-01-01T00:00:10.000Z");

        // Deactivation is a PUT too.
        let mut deactivate = body.clone();
        deactivate["active"] = json!(false);
        let (status, headers, body) = h.put(&format!("/Users/{id}"), deactivate);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["active"], json!(false));
        assert_eq!(header(&headers, "etag"), "W/\"3\"");
        let (status, _, fetched) = h.get(&format!("/Users/{id}"));
        assert_eq!(status, 200);
        assert_eq!(fetched, body);
        assert_list(
            &h.get("/Users?filter=userName%20eq%20%22isaac.brock%40example.com%22"),
            1,
            1,
        );
    });
}

#[test]
fn put_with_another_id_is_refused() {
    for_each_profile(|h| {
        let id = h.create_user("isaac.brock@example.com");
        let other = h.create_user("someone.else@example.com");
        let (_, _, mut body) = h.get(&format!("/Users/{id}"));
        body["id"] = json!(other);
        body["displayName"] = json!("Changed");
        let reply = h.put(&format!("/Users/{id}"), body);
        assert_error(&reply, 400, None);
        let (_, headers, body) = h.get(&format!("/Users/{id}"));
        assert_eq!(header(&headers, "etag"), "W/\"1\"");
        assert!(body.get("displayName").is_none());
    });
}

#[test]
fn put_that_changes_nothing_keeps_the_etag() {
    for_each_profile(|h| {
        let (_, _, created) = h.post("/Users", okta_user("isaac.brock@example.com"));
        let id = id_of(&created);
        h.advance(60);
        let (status, headers, body) = h.put(&format!("/Users/{id}"), created.clone());
        assert_eq!(status, 200, "{body}");
        assert_eq!(header(&headers, "etag"), "W/\"1\"");
        assert_eq!(body, created);
        // Without the read-only echo as well.
        let mut bare = okta_user("isaac.brock@example.com");
        bare.as_object_mut().expect("object").remove("password");
        let (status, headers, body) = h.put(&format!("/Users/{id}"), bare);
        assert_eq!(status, 200, "{body}");
        assert_eq!(header(&headers, "etag"), "W/\"1\"");
        assert_eq!(body, created);
    });
}

#[test]
fn group_replace_echoing_the_same_id_is_accepted() {
    for_each_profile(|h| {
        let (status, _, body) = h.post(
            "/Groups",
            json!({"schemas": [urn::GROUP], "displayName": "Test Group", "members": []}),
        );
        assert_eq!(status, 201, "{body}");
        let group = id_of(&body);
        let (status, headers, body) = h.patch(
            &format!("/Groups/{group}"),
            patch_op(
                json!([{"op": "replace", "value": {"id": group, "displayName": "Test Group"}}]),
            ),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["displayName"], "Test Group");
        assert_eq!(header(&headers, "etag"), "W/\"1\"");

        let (status, headers, body) = h.patch(
            &format!("/Groups/{group}"),
            patch_op(
                json!([{"op": "replace", "value": {"id": group, "displayName": "Renamed Group"}}]),
            ),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["displayName"], "Renamed Group");
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
    });
}

#[test]
fn group_replace_with_another_id_is_a_mutability_error() {
    for_each_profile(|h| {
        let group = h.create_group("Test Group", &[]);
        let reply = h.patch(
            &format!("/Groups/{group}"),
            patch_op(
                json!([{"op": "replace", "value": {"id": "another-id", "displayName": "Hijacked"}}]),
            ),
        );
        assert_error(&reply, 400, Some("mutability"));
        let (_, _, body) = h.get(&format!("/Groups/{group}"));
        assert_eq!(body["displayName"], "Test Group");
        assert_eq!(body["id"], json!(group));
    });
}

#[test]
fn members_are_replaced_with_the_full_list() {
    for_each_profile(|h| {
        let a = h.create_user("a@example.com");
        let b = h.create_user("b@example.com");
        let c = h.create_user("c@example.com");
        let group = h.create_group("Test Group", &[&a]);

        let replace = |members: &[&str]| {
            let value: Vec<Value> = members
                .iter()
                .map(|id| json!({"value": id, "display": format!("user {id}")}))
                .collect();
            h.patch(
                &format!("/Groups/{group}"),
                patch_op(json!([
                    {"op": "replace", "value": {"id": group, "displayName": "Test Group"}},
                    {"op": "replace", "path": "members", "value": value}
                ])),
            )
        };
        let (status, _, body) = replace(&[&b, &c]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), sorted(&[&b, &c]));
        let (status, _, body) = replace(&[&c]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), [c.as_str()]);
        let (_, _, body) = h.get(&format!("/Users/{b}"));
        assert!(body.get("groups").is_none(), "{body}");
        let (_, _, body) = h.get(&format!("/Users/{c}"));
        assert_eq!(body["groups"][0]["value"], json!(group));
        let (status, _, body) = replace(&[]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), Vec::<String>::new());
    });
}

#[test]
fn user_deactivated_by_path_less_replace() {
    for_each_profile(|h| {
        let (_, _, created) = h.post("/Users", okta_user("isaac.brock@example.com"));
        let id = id_of(&created);
        let (status, headers, body) = h.patch(
            &format!("/Users/{id}"),
            patch_op(json!([{"op": "replace", "value": {"active": false}}])),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["active"], json!(false));
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
        assert_eq!(body["userName"], "isaac.brock@example.com");
        assert_eq!(body["name"], created["name"]);
    });
}
