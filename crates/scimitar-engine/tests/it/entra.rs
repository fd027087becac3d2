//! Microsoft Entra ID's provisioning sequences, replayed in both of its modes: without
//! and with the `aadOptscim062020` feature flag on the tenant URL.

use serde_json::{Value, json};

use scimitar_engine::EngineConfig;
use scimitar_patch::Compat;

use crate::support::{
    ENTERPRISE, Harness, Reply, START_TEXT, assert_error, assert_list, header, id_of, ids,
    member_ids, patch_op, sorted, urn,
};

const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Entra's client: every request carries the flag in flag mode.
struct Entra {
    h: Harness,
    flag: bool,
}

impl Entra {
    fn new(flag: bool, compat: Compat) -> Self {
        Self {
            h: Harness::with(EngineConfig::default(), compat),
            flag,
        }
    }

    fn url(&self, path: &str) -> String {
        match (self.flag, path.contains('?')) {
            (false, _) => path.to_owned(),
            (true, false) => format!("{path}?aadOptscim062020"),
            (true, true) => format!("{path}&aadOptscim062020"),
        }
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.h.send(method, &self.url(path), body, &[])
    }

    fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body))
    }

    fn patch(&self, path: &str, operations: Value) -> Reply {
        self.send("PATCH", path, Some(patch_op(operations)))
    }

    fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None)
    }

    fn lookup_user(&self, user_name: &str) -> Reply {
        self.get(&format!(
            "/Users?filter=userName+eq+%22{}%22",
            user_name.replace('@', "%40")
        ))
    }

    fn create_user(&self, user_name: &str) -> String {
        let (status, _, body) = self.post("/Users", entra_user(user_name));
        assert_eq!(status, 201, "{body}");
        id_of(&body)
    }

    fn create_group(&self, display_name: &str) -> String {
        let (status, _, body) = self.post("/Groups", entra_group(display_name));
        assert_eq!(status, 201, "{body}");
        id_of(&body)
    }

    fn add_members(&self, group: &str, members: &[&str]) -> Reply {
        let value: Vec<Value> = members
            .iter()
            .map(|id| json!({"$ref": null, "value": id}))
            .collect();
        self.patch(
            &format!("/Groups/{group}"),
            json!([{"op": "Add", "path": "members", "value": value}]),
        )
    }

    /// Removes one member the way this mode does.
    fn remove_member(&self, group: &str, member: &str) -> Reply {
        let operation = if self.flag {
            json!({"op": "remove", "path": format!("members[value eq \"{member}\"]")})
        } else {
            json!({"op": "Remove", "path": "members", "value": [{"value": member}]})
        };
        self.patch(&format!("/Groups/{group}"), json!([operation]))
    }
}

/// A user as Entra creates it: string boolean, enterprise extension, and read-only
/// attributes it should not send but does.
fn entra_user(user_name: &str) -> Value {
    json!({
        "schemas": [urn::USER, ENTERPRISE],
        "id": "client-chosen-id",
        "meta": {"resourceType": "User", "created": "2001-01-01T00:00:00Z", "version": "W/\"99\""},
        "groups": [{"value": "some-group"}],
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": user_name,
        "active": "True",
        "displayName": "Test User",
        "password": "P@ssw0rd!",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
        "roles": [],
        ENTERPRISE: {"employeeNumber": "1", "department": "Sales"}
    })
}

fn entra_group(display_name: &str) -> Value {
    json!({
        "schemas": [urn::GROUP, ADSCIM_GROUP],
        "externalId": format!("ext-{display_name}"),
        "displayName": display_name,
        "meta": {"resourceType": "Group"}
    })
}

/// Runs `test` in these modes, under the engine's default profile and Entra's own.
fn run(flags: &[bool], test: impl Fn(&Entra)) {
    for compat in [Compat::LENIENT, Compat::ENTRA] {
        for flag in flags {
            test(&Entra::new(*flag, compat));
        }
    }
}

fn both_modes(test: impl Fn(&Entra)) {
    run(&[false, true], test);
}

#[test]
fn test_connection_finds_no_random_user() {
    both_modes(|entra| {
        let reply =
            entra.get("/Users?filter=userName+eq+%22d4f0ab1c-5bd7-4b95-9d33-3a2ab8f5c8e4%22");
        assert_list(&reply, 0, 0);
        assert_eq!(reply.2["startIndex"], json!(1));
        assert_eq!(reply.2["Resources"], json!([]));
        // Also with `%20` for spaces and the paging parameters Entra adds.
        let reply = entra.get("/Users?filter=userName%20eq%20%22nobody%22&startIndex=1&count=100");
        assert_list(&reply, 0, 0);
        let reply = entra.get("/Users?filter=externalId+eq+%22nobody%22");
        assert_list(&reply, 0, 0);
    });
}

#[test]
fn create_user_ignores_read_only_attributes_and_coerces_active() {
    both_modes(|entra| {
        let user_name = "Test_User_ab6490ee@contoso.com";
        assert_list(&entra.lookup_user(user_name), 0, 0);

        let (status, headers, body) = entra.post("/Users", entra_user(user_name));
        assert_eq!(status, 201, "{body}");
        assert_eq!(header(&headers, "content-type"), "application/scim+json");
        let id = id_of(&body);
        assert_ne!(id, "client-chosen-id");
        assert!(id.starts_with("00000000-0000-4000-8000-"), "{id}");
        assert_eq!(
            header(&headers, "location"),
            format!("https://scim.example.com/scim/v2/Users/{id}")
        );
        assert_eq!(
            body["meta"]["location"],
            json!(header(&headers, "location"))
        );
        assert_eq!(body["meta"]["version"], json!(header(&headers, "etag")));
        assert_eq!(header(&headers, "etag"), "W/\"1\"");
        assert_eq!(body["meta"]["resourceType"], "User");
        assert_eq!(body["meta"]["created"], START_TEXT);
        assert_eq!(body["meta"]["lastModified"], START_TEXT);
        assert_eq!(body["active"], json!(true));
        assert!(body.get("password").is_none(), "password returned: {body}");
        assert!(
            body.get("groups").is_none(),
            "groups from the body kept: {body}"
        );
        assert_eq!(body["userName"], user_name);
        assert_eq!(body["name"]["familyName"], "familyName");
        assert_eq!(body[ENTERPRISE]["employeeNumber"], "1");
        assert_eq!(body[ENTERPRISE]["department"], "Sales");

        let reply = entra.lookup_user(user_name);
        assert_list(&reply, 1, 1);
        assert_eq!(ids(&reply.2), [id.as_str()]);
        assert!(reply.2["Resources"][0].get("password").is_none());

        // Entra's lookup by work email: not ABNF, read leniently.
        let reply = entra.get(&format!(
            "/Users?filter=emails%5Btype+eq+%22work%22%5D.value+eq+%22{}%22",
            user_name.replace('@', "%40")
        ));
        assert_list(&reply, 1, 1);
        assert_eq!(ids(&reply.2), [id.as_str()]);
        let reply =
            entra.get("/Users?filter=emails[type eq \"work\"].value eq \"other@contoso.com\"");
        assert_list(&reply, 0, 0);

        let reply =
            entra.get("/Users?filter=externalId+eq+%220a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef%22");
        assert_list(&reply, 1, 1);
    });
}

#[test]
fn user_names_with_reserved_characters_are_found() {
    both_modes(|entra| {
        let id = entra.create_user("john+test@example.com");
        let reply = entra.get("/Users?filter=userName+eq+%22john%2Btest%40example.com%22");
        assert_list(&reply, 1, 1);
        assert_eq!(ids(&reply.2), [id.as_str()]);
        let id = entra.create_user("zoë&co@example.com");
        let reply = entra.get("/Users?filter=userName+eq+%22zo%C3%AB%26co%40example.com%22");
        assert_list(&reply, 1, 1);
        assert_eq!(ids(&reply.2), [id]);
    });
}

#[test]
fn patch_user_one_operation_per_attribute_without_flag() {
    run(&[false], |entra| {
        let id = entra.create_user("ryan@contoso.com");
        let (status, headers, body) = entra.patch(
            &format!("/Users/{id}"),
            json!([
                {"op": "Replace", "path": "active", "value": "False"},
                {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": "updated@contoso.com"},
                {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"},
                {"op": "Replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "2"}
            ]),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["id"], json!(id));
        assert_eq!(body["active"], json!(false));
        assert_eq!(
            body["emails"],
            json!([{"primary": true, "type": "work", "value": "updated@contoso.com"}])
        );
        assert_eq!(body["name"]["familyName"], "updatedFamilyName");
        assert_eq!(body["name"]["givenName"], "givenName");
        assert_eq!(body[ENTERPRISE]["employeeNumber"], "2");
        assert_eq!(body[ENTERPRISE]["department"], "Sales");
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
        assert_eq!(body["meta"]["version"], "W/\"2\"");

        // The GET agrees with the PATCH's answer.
        let (status, headers, fetched) = entra.get(&format!("/Users/{id}"));
        assert_eq!(status, 200);
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
        assert_eq!(fetched, body);
    });
}

#[test]
fn patch_adds_a_missing_work_email_without_flag() {
    run(&[false], |entra| {
        let id = entra.h.create_user("nomail@contoso.com");
        let (status, _, body) = entra.patch(
            &format!("/Users/{id}"),
            json!([{"op": "Add", "path": "emails[type eq \"work\"].value", "value": "nomail@contoso.com"}]),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(
            body["emails"],
            json!([{"type": "work", "value": "nomail@contoso.com"}])
        );
    });
}

#[test]
fn patch_user_with_path_keys_with_flag() {
    run(&[true], |entra| {
        let id = entra.create_user("ryan@contoso.com");
        let (status, _, body) = entra.patch(
            &format!("/Users/{id}"),
            json!([{"op": "replace", "value": {
                "displayName": "Ryan Updated",
                "name.givenName": "Ryan",
                "name.familyName": "Updated",
                "active": false,
                format!("{ENTERPRISE}:employeeNumber"): "42",
                "emails[type eq \"work\"].value": "ryan.updated@contoso.com"
            }}]),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["displayName"], "Ryan Updated");
        assert_eq!(body["name"]["givenName"], "Ryan");
        assert_eq!(body["name"]["familyName"], "Updated");
        assert_eq!(body["active"], json!(false));
        assert_eq!(body[ENTERPRISE]["employeeNumber"], "42");
        assert_eq!(body[ENTERPRISE]["department"], "Sales");
        assert_eq!(body["emails"][0]["value"], "ryan.updated@contoso.com");
        let keys: Vec<&str> = body
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            keys,
            [
                "active",
                "displayName",
                "emails",
                "externalId",
                "id",
                "meta",
                "name",
                "schemas",
                ENTERPRISE,
                "userName"
            ],
            "a path became a top-level key"
        );
        let (_, _, fetched) = entra.get(&format!("/Users/{id}"));
        assert_eq!(fetched, body);
    });
}

#[test]
fn manager_is_set_found_and_removed() {
    both_modes(|entra| {
        let manager = entra.create_user("boss@contoso.com");
        let report = entra.create_user("report@contoso.com");
        let (status, _, body) = entra.patch(
            &format!("/Users/{report}"),
            json!([{"op": "Add", "path": format!("{ENTERPRISE}:manager"), "value": manager}]),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body[ENTERPRISE]["manager"], json!({"value": manager}));
        let (status, _, body) = entra.get(&format!("/Users/{report}"));
        assert_eq!(status, 200);
        assert_eq!(body[ENTERPRISE]["manager"], json!({"value": manager}));
        assert_eq!(body[ENTERPRISE]["employeeNumber"], "1");

        // Entra's lookup of a reporting line.
        let reply = entra.get(&format!(
            "/Users?filter=id+eq+%22{report}%22+and+manager+eq+%22{manager}%22&attributes=id"
        ));
        assert_list(&reply, 1, 1);
        assert_eq!(
            reply.2["Resources"][0],
            json!({"id": report, "schemas": [urn::USER, ENTERPRISE]})
        );
        let reply = entra.get(&format!(
            "/Users?filter=id+eq+%22{report}%22+and+manager+eq+%22{report}%22&attributes=id"
        ));
        assert_list(&reply, 0, 0);

        // A value filter that does not match removes nothing and keeps the version.
        let (status, headers, body) = entra.patch(
            &format!("/Users/{report}"),
            json!([{"op": "remove", "path": format!("manager[value eq \"{report}\"]")}]),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body[ENTERPRISE]["manager"], json!({"value": manager}));
        assert_eq!(header(&headers, "etag"), "W/\"2\"");

        let (status, headers, body) = entra.patch(
            &format!("/Users/{report}"),
            json!([{"op": "remove", "path": format!("manager[value eq \"{manager}\"]")}]),
        );
        assert_eq!(status, 200, "{body}");
        assert!(body[ENTERPRISE].get("manager").is_none(), "{body}");
        assert_eq!(body[ENTERPRISE]["employeeNumber"], "1");
        assert_eq!(header(&headers, "etag"), "W/\"3\"");
    });
}

#[test]
fn manager_arrives_in_every_shape() {
    run(&[false], |entra| {
        let manager = entra.create_user("boss@contoso.com");
        let report = entra.create_user("report@contoso.com");
        for value in [
            json!(manager),
            json!({"value": manager}),
            json!([{"value": manager, "$ref": format!("../Users/{manager}")}]),
        ] {
            for path in ["manager".to_owned(), format!("{ENTERPRISE}:manager")] {
                let (status, _, body) = entra.patch(
                    &format!("/Users/{report}"),
                    json!([{"op": "Replace", "path": path, "value": value}]),
                );
                assert_eq!(status, 200, "{path} = {value}: {body}");
                assert_eq!(
                    body[ENTERPRISE]["manager"]["value"],
                    json!(manager),
                    "{path} = {value}: {body}"
                );
                assert!(body.get("manager").is_none(), "{body}");
            }
        }
    });
}

#[test]
fn deactivate_then_delete() {
    both_modes(|entra| {
        let id = entra.create_user("leaver@contoso.com");
        let operation = if entra.flag {
            json!([{"op": "replace", "value": {"active": false}}])
        } else {
            json!([{"op": "Replace", "path": "active", "value": "False"}])
        };
        let (status, _, body) = entra.patch(&format!("/Users/{id}"), operation);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["active"], json!(false));

        // Deactivated users are still there for GET and filters.
        let (status, _, body) = entra.get(&format!("/Users/{id}"));
        assert_eq!(status, 200);
        assert_eq!(body["active"], json!(false));
        assert_list(&entra.lookup_user("leaver@contoso.com"), 1, 1);
        assert_list(&entra.get("/Users?filter=active+eq+false"), 1, 1);
        assert_list(&entra.get("/Users?filter=active+eq+true"), 0, 0);

        let (status, _, body) = entra.delete(&format!("/Users/{id}"));
        assert_eq!(status, 204);
        assert_eq!(body, Value::Null);
        assert_error(&entra.delete(&format!("/Users/{id}")), 404, None);
        assert_error(&entra.get(&format!("/Users/{id}")), 404, None);
        assert_list(&entra.lookup_user("leaver@contoso.com"), 0, 0);
    });
}

#[test]
fn group_lookup_excludes_members() {
    both_modes(|entra| {
        let user = entra.create_user("member@contoso.com");
        let (status, headers, body) = entra.post("/Groups", entra_group("Group1"));
        assert_eq!(status, 201, "{body}");
        let group = id_of(&body);
        assert_eq!(
            header(&headers, "location"),
            format!("https://scim.example.com/scim/v2/Groups/{group}")
        );
        assert_eq!(
            body["meta"]["location"],
            json!(header(&headers, "location"))
        );
        assert_eq!(body["meta"]["resourceType"], "Group");
        assert_eq!(
            body["schemas"],
            json!([urn::GROUP]),
            "the private schema carries no data: {body}"
        );
        let (status, _, body) = entra.add_members(&group, &[&user]);
        assert_eq!(status, 200, "{body}");

        let reply =
            entra.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Group1%22");
        assert_list(&reply, 1, 1);
        let found = &reply.2["Resources"][0];
        assert_eq!(found["id"], json!(group));
        assert_eq!(found["displayName"], "Group1");
        assert!(found.get("members").is_none(), "{found}");

        let (status, _, body) = entra.get(&format!("/Groups/{group}?excludedAttributes=members"));
        assert_eq!(status, 200);
        assert!(body.get("members").is_none(), "{body}");
        assert_eq!(body["displayName"], "Group1");

        let reply =
            entra.get("/Groups?excludedAttributes=members&filter=displayName+eq+%22Group2%22");
        assert_list(&reply, 0, 0);
    });
}

#[test]
fn members_are_added_and_shown_on_the_user() {
    both_modes(|entra| {
        let alice = entra.create_user("alice@contoso.com");
        let bob = entra.create_user("bob@contoso.com");
        let group = entra.create_group("Engineering");
        let (status, headers, body) = entra.add_members(&group, &[&alice, &bob]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), sorted(&[&alice, &bob]));
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
        for member in body["members"].as_array().expect("members") {
            assert!(
                member
                    .get("$ref")
                    .is_none_or(|reference| !reference.is_null()),
                "a null $ref kept: {body}"
            );
        }

        let (status, _, body) = entra.get(&format!("/Users/{alice}"));
        assert_eq!(status, 200);
        assert_eq!(
            body["groups"],
            json!([{
                "value": group,
                "display": "Engineering",
                "type": "direct",
                "$ref": format!("https://scim.example.com/scim/v2/Groups/{group}")
            }])
        );

        // Adding present members changes nothing.
        let (status, headers, body) = entra.add_members(&group, &[&alice]);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), sorted(&[&alice, &bob]));
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
    });
}

#[test]
fn removing_one_member_keeps_the_others() {
    both_modes(|entra| {
        let alice = entra.create_user("alice@contoso.com");
        let bob = entra.create_user("bob@contoso.com");
        let carol = entra.create_user("carol@contoso.com");
        let group = entra.create_group("Engineering");
        assert_eq!(entra.add_members(&group, &[&alice, &bob, &carol]).0, 200);

        let (status, _, body) = entra.remove_member(&group, &bob);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), sorted(&[&alice, &carol]));
        let (_, _, body) = entra.get(&format!("/Groups/{group}"));
        assert_eq!(member_ids(&body), sorted(&[&alice, &carol]));
        let (_, _, body) = entra.get(&format!("/Users/{bob}"));
        assert!(body.get("groups").is_none(), "{body}");

        // Removing a member that is gone already is a no-op, not an error Entra retries.
        let (status, headers, body) = entra.remove_member(&group, &bob);
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), sorted(&[&alice, &carol]));
        assert_eq!(header(&headers, "etag"), "W/\"3\"");
    });
}

#[test]
fn membership_changes_and_a_rename_in_one_patch() {
    both_modes(|entra| {
        let alice = entra.create_user("alice@contoso.com");
        let bob = entra.create_user("bob@contoso.com");
        let carol = entra.create_user("carol@contoso.com");
        let group = entra.create_group("Engineering");
        assert_eq!(entra.add_members(&group, &[&alice, &bob]).0, 200);
        let operations = if entra.flag {
            json!([
                {"op": "add", "path": "members", "value": [{"value": carol}]},
                {"op": "remove", "path": format!("members[value eq \"{alice}\"]")},
                {"op": "replace", "value": {"displayName": "Platform"}}
            ])
        } else {
            json!([
                {"op": "Add", "path": "members", "value": [{"$ref": null, "value": carol}]},
                {"op": "Remove", "path": "members", "value": [{"value": alice}]},
                {"op": "Replace", "path": "displayName", "value": "Platform"}
            ])
        };
        let (status, headers, body) = entra.patch(&format!("/Groups/{group}"), operations);
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["displayName"], "Platform");
        assert_eq!(member_ids(&body), sorted(&[&bob, &carol]));
        assert_eq!(
            header(&headers, "etag"),
            "W/\"3\"",
            "one PATCH is one version"
        );
        let (_, _, body) = entra.get(&format!("/Users/{carol}"));
        assert_eq!(body["groups"][0]["display"], "Platform");
    });
}

#[test]
fn bare_string_member_id_is_accepted() {
    run(&[false], |entra| {
        let alice = entra.create_user("alice@contoso.com");
        let group = entra.create_group("Engineering");
        let (status, _, body) = entra.patch(
            &format!("/Groups/{group}"),
            json!([{"op": "Add", "path": "members", "value": alice}]),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(member_ids(&body), [alice]);
    });
}

#[test]
fn unknown_member_is_skipped_with_a_warning() {
    both_modes(|entra| {
        let alice = entra.create_user("alice@contoso.com");
        let group = entra.create_group("Engineering");
        let (status, _, body) = entra.add_members(&group, &[&alice, "not-a-user-id"]);
        assert_eq!(status, 200, "{body}");
        // The members in scope are added; the one out of scope is named in the history.
        let (_, headers, body) = entra.get(&format!("/Groups/{group}"));
        assert_eq!(member_ids(&body), vec![alice.clone()]);
        assert_eq!(header(&headers, "etag"), "W/\"2\"");
        let warnings = entra.h.last_entry().warnings;
        assert!(
            warnings
                .iter()
                .any(|warning| warning.contains("not-a-user-id")),
            "{warnings:?}"
        );
    });
}

#[test]
fn deleting_a_user_removes_its_memberships() {
    both_modes(|entra| {
        let alice = entra.create_user("alice@contoso.com");
        let bob = entra.create_user("bob@contoso.com");
        let group = entra.create_group("Engineering");
        let (_, headers, _) = entra.add_members(&group, &[&alice, &bob]);
        let before = header(&headers, "etag").to_owned();
        entra.h.advance(60);

        assert_eq!(entra.delete(&format!("/Users/{alice}")).0, 204);
        let (status, headers, body) = entra.get(&format!("/Groups/{group}"));
        assert_eq!(status, 200);
        assert_eq!(member_ids(&body), [bob.as_str()]);
        assert_ne!(header(&headers, "etag"), before);
        assert_eq!(header(&headers, "etag"), "W/\"3\"");
        assert_eq!(body["meta"]["version"], "W/\"3\"");
        assert_eq!(body["meta"]["lastModified"], "2026-01-01T00:01:00.000Z");
    });
}

#[test]
fn duplicate_user_name_is_a_conflict() {
    both_modes(|entra| {
        entra.create_user("Alice@contoso.com");
        let reply = entra.post("/Users", entra_user("alice@CONTOSO.com"));
        assert_error(&reply, 409, Some("uniqueness"));
        assert_list(&entra.get("/Users"), 1, 1);
    });
}

#[test]
fn duplicate_group_name_is_a_conflict() {
    both_modes(|entra| {
        entra.create_group("Engineering");
        assert_error(
            &entra.post("/Groups", entra_group("Engineering")),
            409,
            Some("uniqueness"),
        );
        assert_error(
            &entra.post("/Groups", entra_group("engineering")),
            409,
            Some("uniqueness"),
        );
    });
}

#[test]
fn patch_that_changes_nothing_keeps_the_etag() {
    both_modes(|entra| {
        let id = entra.create_user("same@contoso.com");
        let (_, headers, before) = entra.get(&format!("/Users/{id}"));
        let etag = header(&headers, "etag").to_owned();
        entra.h.advance(3600);
        let operations = if entra.flag {
            json!([{"op": "replace", "value": {"displayName": "Test User", "active": true}}])
        } else {
            json!([{"op": "Replace", "path": "displayName", "value": "Test User"},
                   {"op": "Replace", "path": "active", "value": "True"}])
        };
        let (status, headers, body) = entra.patch(&format!("/Users/{id}"), operations);
        assert_eq!(status, 200, "{body}");
        assert_eq!(header(&headers, "etag"), etag);
        assert_eq!(body, before, "nothing changed, not even lastModified");
    });
}
