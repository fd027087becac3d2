//! Tenants are walled off from each other, and keys come and go.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::{Value, json};

use pollster::block_on;
use scimitar_engine::AdminError;
use scimitar_patch::Compat;

use crate::support::{
    Harness, Reply, assert_error, assert_list, group, header, id_of, ids, member_ids, patch_op,
    urn, user,
};

/// Tenant A (the harness's own) and tenant B with its key's secret.
fn two_tenants() -> (Harness, String) {
    let h = Harness::new();
    let (_, key) = h.add_tenant("globex", Compat::LENIENT);
    (h, key.secret)
}

fn as_b(h: &Harness, b: &str, method: &str, path: &str, body: Option<Value>) -> Reply {
    h.send_as(b, method, path, body, &[])
}

#[test]
fn a_key_cannot_reach_another_tenants_resources() {
    let (h, b) = two_tenants();
    let a_user = h.create_user("alice");
    let (status, _, body) = as_b(&h, &b, "POST", "/Users", Some(user("bob")));
    assert_eq!(status, 201, "{body}");
    let b_user = id_of(&body);
    let (status, _, body) = as_b(
        &h,
        &b,
        "POST",
        "/Groups",
        Some(group("b-group", &[&b_user])),
    );
    assert_eq!(status, 201, "{body}");
    let b_group = id_of(&body);
    let (_, b_headers, b_before) = as_b(&h, &b, "GET", &format!("/Users/{b_user}"), None);

    for path in [format!("/Users/{b_user}"), format!("/Groups/{b_group}")] {
        assert_error(&h.get(&path), 404, None);
        assert_error(&h.put(&path, user("stolen")), 404, None);
        assert_error(
            &h.patch(
                &path,
                patch_op(json!([{"op": "replace", "path": "displayName", "value": "pwned"}])),
            ),
            404,
            None,
        );
        assert_error(&h.delete(&path), 404, None);
    }
    // Nor through the wrong resource type, nor by naming B's user as a member: it is
    // no member of A's, so it is skipped (the lenient profile) and never linked.
    assert_error(&h.get(&format!("/Groups/{b_user}")), 404, None);
    let (status, _, created) = h.post("/Groups", group("a-group", &[&b_user]));
    assert_eq!(status, 201, "{created}");
    assert!(member_ids(&created).is_empty(), "{created}");
    let a_group = h.create_group("a-group-2", &[&a_user]);
    let (status, _, patched) = h.patch(
        &format!("/Groups/{a_group}"),
        patch_op(json!([{"op": "add", "path": "members", "value": [{"value": b_user}]}])),
    );
    assert_eq!(status, 200, "{patched}");
    assert_eq!(member_ids(&patched), vec![a_user.clone()]);

    // B's data is untouched, and B cannot see A's either.
    let (status, headers, after) = as_b(&h, &b, "GET", &format!("/Users/{b_user}"), None);
    assert_eq!(status, 200);
    assert_eq!(after, b_before);
    assert_eq!(header(&headers, "etag"), header(&b_headers, "etag"));
    assert!(
        after
            .get("groups")
            .is_some_and(|groups| groups.as_array().is_some_and(|groups| groups.len() == 1)),
        "{after}"
    );
    assert_error(
        &as_b(&h, &b, "GET", &format!("/Users/{a_user}"), None),
        404,
        None,
    );
    assert_error(
        &as_b(&h, &b, "DELETE", &format!("/Users/{a_user}"), None),
        404,
        None,
    );
    let (_, _, b_group_now) = as_b(&h, &b, "GET", &format!("/Groups/{b_group}"), None);
    assert_eq!(member_ids(&b_group_now), [b_user.as_str()]);
}

#[test]
fn lists_searches_and_bulk_stay_in_the_tenant() {
    let (h, b) = two_tenants();
    let a_user = h.create_user("alice");
    let (_, _, body) = as_b(&h, &b, "POST", "/Users", Some(user("bob")));
    let b_user = id_of(&body);
    as_b(
        &h,
        &b,
        "POST",
        "/Groups",
        Some(group("b-group", &[&b_user])),
    );

    let reply = h.get("/Users");
    assert_list(&reply, 1, 1);
    assert_eq!(ids(&reply.2), [a_user.as_str()]);
    assert_list(&h.get("/Groups"), 0, 0);
    assert_list(&h.get("/Users?filter=userName+eq+%22bob%22"), 0, 0);
    assert_list(&h.get(&format!("/Users?filter=id+eq+%22{b_user}%22")), 0, 0);
    assert_list(&h.get("/Groups?filter=displayName+eq+%22b-group%22"), 0, 0);
    assert_list(&h.get("/Users?filter=userName+pr&sortBy=userName"), 1, 1);
    assert_list(&h.get("/Users?cursor=&count=10"), 1, 1);
    let search = h.send(
        "POST",
        "/.search",
        Some(json!({"schemas": [urn::SEARCH_REQUEST]})),
        &[],
    );
    assert_list(&search, 1, 1);
    assert_eq!(ids(&search.2), [a_user.as_str()]);
    assert_list(
        &h.send(
            "POST",
            "/Users/.search",
            Some(json!({"schemas": [urn::SEARCH_REQUEST], "filter": "userName eq \"bob\""})),
            &[],
        ),
        0,
        0,
    );

    // Bulk operations act in the caller's tenant only.
    let (status, _, body) = h.post(
        "/Bulk",
        json!({"schemas": [urn::BULK_REQUEST], "Operations": [
            {"method": "DELETE", "path": format!("/Users/{b_user}")},
            {"method": "PATCH", "path": format!("/Users/{b_user}"), "data": patch_op(json!([{"op": "replace", "path": "displayName", "value": "x"}]))},
            {"method": "POST", "path": "/Groups", "bulkId": "g", "data": group("sneaky", &[&b_user])}
        ]}),
    );
    assert_eq!(status, 200, "{body}");
    let statuses: Vec<&str> = body["Operations"]
        .as_array()
        .expect("Operations")
        .iter()
        .filter_map(|operation| operation["status"].as_str())
        .collect();
    assert_eq!(statuses, ["404", "404", "201"], "{body}");
    let group = body["Operations"][2]["location"]
        .as_str()
        .expect("a location");
    let (_, _, group) = h.get(group);
    assert!(
        member_ids(&group).is_empty(),
        "B's user was linked: {group}"
    );
    let (status, _, body) = as_b(&h, &b, "GET", &format!("/Users/{b_user}"), None);
    assert_eq!(status, 200);
    assert!(body.get("displayName").is_none());
}

#[test]
fn the_same_user_name_in_two_tenants() {
    let (h, b) = two_tenants();
    let a_user = h.create_user("alice@example.com");
    let (status, _, body) = as_b(&h, &b, "POST", "/Users", Some(user("alice@example.com")));
    assert_eq!(status, 201, "{body}");
    let b_user = id_of(&body);
    assert_ne!(a_user, b_user);
    let reply = h.get("/Users?filter=userName+eq+%22alice%40example.com%22");
    assert_eq!(ids(&reply.2), [a_user]);
    let reply = as_b(
        &h,
        &b,
        "GET",
        "/Users?filter=userName+eq+%22alice%40example.com%22",
        None,
    );
    assert_eq!(ids(&reply.2), [b_user]);
    // And group names likewise.
    h.create_group("Admins", &[]);
    assert_eq!(
        as_b(&h, &b, "POST", "/Groups", Some(group("Admins", &[]))).0,
        201
    );
}

#[test]
fn key_rotation() {
    let h = Harness::new();
    let id = h.create_user("alice");
    let path = format!("/Users/{id}");
    let second = block_on(h.engine.issue_key(&h.tenant.id, None)).expect("second key");
    assert_ne!(second.secret, h.key.secret);
    assert_eq!(h.get(&path).0, 200);
    assert_eq!(h.send_as(&second.secret, "GET", &path, None, &[]).0, 200);

    block_on(h.engine.revoke_key(&h.key.key.id)).expect("revoked");
    let reply = h.get(&path);
    assert_error(&reply, 401, None);
    assert!(header(&reply.1, "www-authenticate").starts_with("Bearer"));
    assert_eq!(h.send_as(&second.secret, "GET", &path, None, &[]).0, 200);
    assert_eq!(
        h.send_as(&second.secret, "POST", "/Users", Some(user("bob")), &[])
            .0,
        201
    );

    let missing = block_on(h.engine.revoke_key("key_nonexistent")).expect_err("no such key");
    assert_eq!(
        missing,
        AdminError::NoSuchKey {
            id: "key_nonexistent".into()
        }
    );
    assert_eq!(missing.to_string(), "no key key_nonexistent");
}

#[test]
fn an_expiring_key_stops_at_its_expiry() {
    let h = Harness::new();
    let expires = h.now() + chrono::Duration::hours(1);
    let key = block_on(h.engine.issue_key(&h.tenant.id, Some(expires))).expect("key");
    assert_eq!(h.send_as(&key.secret, "GET", "/Users", None, &[]).0, 200);
    h.advance(3599);
    assert_eq!(h.send_as(&key.secret, "GET", "/Users", None, &[]).0, 200);
    h.advance(1);
    assert_error(
        &h.send_as(&key.secret, "GET", "/Users", None, &[]),
        401,
        None,
    );
    // The key without expiry is unaffected.
    assert_eq!(h.get("/Users").0, 200);
}

#[test]
fn a_key_for_an_unknown_tenant_cannot_be_issued() {
    let h = Harness::new();
    let error = block_on(
        h.engine
            .issue_key(&scimitar_engine::TenantId("nope".into()), None),
    )
    .expect_err("no tenant");
    assert!(matches!(error, AdminError::NoSuchTenant { id } if id.0 == "nope"));
    let error =
        block_on(h.engine.create_tenant("acme", Compat::STRICT)).expect_err("duplicate name");
    assert_eq!(
        error.to_string(),
        r#"a tenant called "acme" exists already"#
    );
    let error = block_on(h.engine.create_tenant("  ", Compat::STRICT)).expect_err("no name");
    assert_eq!(error, AdminError::EmptyName);
}

/// One step of a random session.
#[derive(Clone, Debug)]
enum Step {
    /// Tenant A (`true`) or B creates a user; the name may collide with the other
    /// tenant's.
    Create(bool, u8),
    /// A or B lists its users (by a plain list, a filter, a search, or a page).
    List(bool, u8),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (any::<bool>(), 0u8..12).prop_map(|(a, name)| Step::Create(a, name)),
        (any::<bool>(), 0u8..4).prop_map(|(a, how)| Step::List(a, how)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn lists_only_show_the_callers_tenant(steps in proptest::collection::vec(step(), 1..30)) {
        let (h, b) = two_tenants();
        // Per tenant (A at 0): the ids by user name.
        let mut created: [BTreeMap<u8, String>; 2] = [BTreeMap::new(), BTreeMap::new()];
        for step in steps {
            match step {
                Step::Create(a, name) => {
                    let secret = if a { h.key.secret.clone() } else { b.clone() };
                    let (status, _, body) = h.send_as(&secret, "POST", "/Users", Some(user(&format!("user{name}"))), &[]);
                    let mine = &mut created[usize::from(!a)];
                    match mine.entry(name) {
                        Entry::Occupied(_) => prop_assert_eq!(status, 409, "{}", body),
                        Entry::Vacant(entry) => {
                            prop_assert_eq!(status, 201, "{}", body);
                            entry.insert(id_of(&body));
                        }
                    }
                }
                Step::List(a, how) => {
                    let secret = if a { h.key.secret.clone() } else { b.clone() };
                    let (status, _, body) = match how {
                        0 => h.send_as(&secret, "GET", "/Users", None, &[]),
                        1 => h.send_as(&secret, "GET", "/Users?filter=userName+sw+%22user%22&sortBy=userName", None, &[]),
                        2 => h.send_as(&secret, "POST", "/.search", Some(json!({"schemas": [urn::SEARCH_REQUEST]})), &[]),
                        _ => h.send_as(&secret, "GET", "/Users?cursor=&count=1000", None, &[]),
                    };
                    prop_assert_eq!(status, 200, "{}", body);
                    let listed: BTreeSet<String> = ids(&body).into_iter().collect();
                    let mine: BTreeSet<String> = created[usize::from(!a)].values().cloned().collect();
                    prop_assert_eq!(&listed, &mine);
                    prop_assert_eq!(body["totalResults"].as_u64(), Some(mine.len() as u64));
                }
            }
        }
    }
}
