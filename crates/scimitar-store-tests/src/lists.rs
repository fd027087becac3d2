//! Lists: their order, their filters and their pages.

use std::collections::HashSet;

use serde_json::json;

use scimitar_engine::{ListPage, ListQuery, ResourceStore, StoredResource, TenantId};
use scimitar_schema::{SchemaRegistry, matches, urn};

use crate::fixtures::{
    at, create, delete, filter, group, ids, list_all, next, object, ok, replace, user,
};

/// Lists without a filter return the type's resources in creation order, which
/// replacing keeps and deleting closes up.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn list_order<S: ResourceStore>(store: &S, tenant: &TenantId) {
    for (id, name) in [("u3", "carol"), ("u1", "alice"), ("u2", "bob")] {
        ok(create(store, tenant, user(id, name)).await, "create a user");
    }
    ok(
        create(store, tenant, group("g1", "Staff", &[])).await,
        "create a group",
    );
    assert_eq!(
        ids(&list_all(store, tenant, "User").await),
        ["u3", "u1", "u2"],
        "creation order"
    );
    assert_eq!(
        ids(&list_all(store, tenant, "Group").await),
        ["g1"],
        "only the type asked for"
    );
    assert!(
        list_all(store, tenant, "Widget")
            .await
            .into_resources()
            .is_empty(),
        "a type with no resources"
    );

    ok(
        replace(store, tenant, next(user("u3", "caroline"), 1), 1).await,
        "replace a user",
    );
    let page = list_all(store, tenant, "User").await;
    assert_eq!(
        ids(&page),
        ["u3", "u1", "u2"],
        "replacing keeps the creation order"
    );
    assert_eq!(
        page.resources()[0].resource.get_str("userName"),
        Some("caroline")
    );

    ok(
        delete(store, tenant, "User", "u1", None, at(0)).await,
        "delete a user",
    );
    ok(
        create(store, tenant, user("u0", "dave")).await,
        "create a user",
    );
    assert_eq!(
        ids(&list_all(store, tenant, "User").await),
        ["u3", "u2", "u0"]
    );
}

/// Lists with a filter: a result marked `filtered` is exactly the matches in creation
/// order (the page of them, with their total, when also `paged`); any other result holds
/// every match, in creation order. Matches are what [`scimitar_schema::matches`] says
/// against [`SchemaRegistry::core`].
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn index_lookups_agree_with_scan<S: ResourceStore>(store: &S, tenant: &TenantId) {
    // No unique keys here: lookups must find values a uniqueness rule would forbid.
    let users = [
        json!({"id": "u1", "userName": "alice", "externalId": "A1", "active": true}),
        json!({"id": "u2", "userName": "ALICE", "externalId": "a1", "active": false}),
        json!({"id": "u3", "userName": "Åsa", "externalId": "x", "displayName": "Åsa S"}),
        json!({"id": "u4", "userName": "åsa", "active": true}),
        json!({"id": "u5", "USERNAME": "Carol", "EXTERNALID": "A1",
               "name": {"familyName": "Smith"}}),
        json!({"id": "u6", "externalId": "team", "emails": [{"value": "alice", "type": "work"}]}),
        json!({"id": "u7", "userName": "dave", "externalId": "team", "title": "alice"}),
        json!({"id": "u8", "userName": "alice ", "externalId": "team",
               (urn::ENTERPRISE_USER): {"employeeNumber": "alice"}}),
    ];
    create_all(store, tenant, "User", urn::USER, users).await;
    let groups = [
        json!({"id": "g1", "displayName": "Admins", "externalId": "G1",
               "members": [{"value": "u1"}]}),
        json!({"id": "g2", "displayName": "admins", "externalId": "g1"}),
        json!({"id": "g3", "DisplayName": "Ops", "externalId": "G3", "members": [{"value": "u2"}]}),
        json!({"id": "g4", "displayName": "ÅRHUS"}),
    ];
    create_all(store, tenant, "Group", urn::GROUP, groups).await;

    let user_filters = [
        r#"userName eq "alice""#,
        r#"USERNAME eq "ALICE""#,
        r#"userName eq "alice ""#,
        r#"userName eq "åsa""#,
        r#"userName eq "ÅSA""#,
        r#"userName eq "carol""#,
        r#"userName eq "nobody""#,
        r#"userName eq """#,
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "Alice""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "alice""#,
        r#"externalId eq "A1""#,
        r#"externalId eq "a1""#,
        r#"EXTERNALID eq "x""#,
        r#"externalId eq "team""#,
        r#"displayName eq "åsa s""#,
        r#"userName eq "alice" and active eq true"#,
        r#"active eq true and userName eq "alice""#,
        r#"userName eq "alice" and externalId eq "a1""#,
        r#"externalId eq "team" and (userName pr and title eq "alice")"#,
        r#"userName eq "alice" or userName eq "åsa""#,
        r#"not (userName eq "alice")"#,
        r#"userName ne "alice""#,
        r#"userName sw "a""#,
        r#"userName eq 7"#,
        r#"name.familyName eq "smith""#,
        r#"emails[value eq "alice"]"#,
        r#"emails.value eq "alice""#,
    ];
    let group_filters = [
        r#"displayName eq "admins""#,
        r#"displayName eq "ADMINS""#,
        r#"displayName eq "ops""#,
        r#"displayName eq "århus""#,
        r#"externalId eq "G1""#,
        r#"externalId eq "g1""#,
        r#"urn:ietf:params:scim:schemas:core:2.0:Group:displayName eq "Ops""#,
        r#"displayName eq "Admins" and externalId eq "g1""#,
        r#"members[value eq "u1"]"#,
        r#"userName eq "alice""#,
    ];
    let registry = SchemaRegistry::core();
    for (resource_type, filters) in [("User", &user_filters[..]), ("Group", &group_filters[..])] {
        let everything = list_all(store, tenant, resource_type)
            .await
            .into_resources();
        for text in filters {
            let filter = filter(text);
            let expected: Vec<&str> = everything
                .iter()
                .filter(|stored| matches(&filter, &stored.resource, &registry))
                .map(|stored| stored.id.as_str())
                .collect();
            for page in [None, Some((0, 1)), Some((1, 5))] {
                let query = ListQuery::new(Some(&filter), page);
                let found = ok(store.list(tenant, resource_type, query).await, "list");
                let context = format!("{resource_type}s with filter {text} and page {page:?}");
                check_listed(&found, &everything, &expected, page, &context);
            }
        }
    }
}

/// Paging: a list marked `paged` holds the requested slice of the matches and counts
/// them all in `total`; an unpaged one holds every match.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn paging<S: ResourceStore>(store: &S, tenant: &TenantId) {
    for (index, id) in ["u1", "u2", "u3", "u4", "u5"].into_iter().enumerate() {
        let mut user = user(id, &format!("user{index}"));
        if index % 2 == 0 {
            user.resource
                .as_map_mut()
                .insert("externalId".to_owned(), json!("even"));
        }
        ok(create(store, tenant, user).await, "create a user");
    }
    let everything = list_all(store, tenant, "User").await.into_resources();
    let all: Vec<&str> = everything.iter().map(|user| user.id.as_str()).collect();
    let even = ["u1", "u3", "u5"];
    for page in [(0, 2), (2, 2), (4, 2), (5, 2), (10, 2), (0, 0), (0, 100)] {
        let found = ok(
            store
                .list(tenant, "User", ListQuery::new(None, Some(page)))
                .await,
            "list",
        );
        check_listed(
            &found,
            &everything,
            &all,
            Some(page),
            &format!("users, page {page:?}"),
        );
        let filter = filter(r#"externalId eq "even""#);
        let found = ok(
            store
                .list(tenant, "User", ListQuery::new(Some(&filter), Some(page)))
                .await,
            "list",
        );
        let context = format!("users with an even externalId, page {page:?}");
        check_listed(&found, &everything, &even, Some(page), &context);
    }
    let empty = ok(
        store
            .list(tenant, "Group", ListQuery::new(None, Some((0, 10))))
            .await,
        "list",
    );
    assert!(empty.resources().is_empty(), "a type with no resources");
    assert!(
        !empty.is_paged() || empty.total().unwrap_or_default() == 0,
        "a paged empty list totals 0"
    );
}

/// Sorted lists: a store that answers a sorted query with a page ([`ListPage::Page`])
/// has sorted it exactly as the engine would (RFC 7644 §3.4.2.3): strings ignoring case
/// unless `caseExact`, a multi-valued attribute by its `primary` element, resources
/// without a value last in either order, ties in creation order; any other answer holds
/// the matches in creation order, for the engine to sort.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn sorted_pages<S: ResourceStore>(store: &S, tenant: &TenantId) {
    let users = [
        json!({"id": "u1", "userName": "bob", "externalId": "b",
               "emails": [{"value": "z@x.org"}, {"value": "c@x.org", "primary": true}]}),
        json!({"id": "u2", "userName": "Alice", "externalId": "B",
               "emails": [{"value": "a@x.org"}]}),
        json!({"id": "u3", "externalId": "a"}),
        json!({"id": "u4", "userName": "carol", "emails": [{"value": "b@x.org"}]}),
        json!({"id": "u5", "userName": "alice", "externalId": "C"}),
    ];
    create_all(store, tenant, "User", urn::USER, users).await;
    let everything = list_all(store, tenant, "User").await.into_resources();
    let cases: [(&str, bool, &[&str]); 6] = [
        ("userName", false, &["u2", "u5", "u1", "u4", "u3"]),
        ("USERNAME", true, &["u4", "u1", "u2", "u5", "u3"]),
        // `externalId` is case-exact: upper case first, in byte order.
        ("externalId", false, &["u2", "u5", "u3", "u1", "u4"]),
        ("emails", false, &["u2", "u4", "u1", "u3", "u5"]),
        ("emails.value", true, &["u1", "u4", "u2", "u3", "u5"]),
        ("nickName", true, &["u1", "u2", "u3", "u4", "u5"]),
    ];
    let all: Vec<&str> = everything.iter().map(|user| user.id.as_str()).collect();
    for (path, descending, expected) in cases {
        let sort_by = path.parse().unwrap_or_else(|_| panic!("{path} parses"));
        for page in [(0, 10), (1, 2), (4, 3), (6, 1)] {
            let query = ListQuery::new(None, Some(page)).sorted(&sort_by, descending);
            let found = ok(store.list(tenant, "User", query).await, "list");
            let context = format!("users by {path}, descending {descending}, page {page:?}");
            if found.is_paged() {
                let slice: Vec<&str> = expected.iter().copied().skip(page.0).take(page.1).collect();
                assert_eq!(ids(&found), slice, "{context}: the page in order");
                assert_eq!(found.total(), Some(expected.len()), "{context}: the total");
            } else {
                check_listed(&found, &everything, &all, None, &context);
            }
        }
    }
}

/// Checks a list's result against the matches (`expected`, ids in creation order) among
/// `everything` of the type.
pub(crate) fn check_listed(
    found: &ListPage,
    everything: &[StoredResource],
    expected: &[&str],
    page: Option<(usize, usize)>,
    context: &str,
) {
    for resource in found.resources() {
        let stored = everything.iter().find(|stored| stored.id == resource.id);
        assert_eq!(
            Some(resource),
            stored,
            "{context}: a listed resource is not as stored"
        );
    }
    let listed = ids(found);
    let positions: Vec<usize> = listed
        .iter()
        .filter_map(|id| everything.iter().position(|stored| stored.id == *id))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "{context}: resources out of creation order (or repeated): {listed:?}"
    );
    assert!(
        !found.is_paged() || found.is_filtered(),
        "{context}: paged but not filtered"
    );
    if found.is_paged() {
        let (start, count) = page.unwrap_or_else(|| panic!("{context}: paged without a page"));
        let slice: Vec<&str> = expected.iter().copied().skip(start).take(count).collect();
        assert_eq!(listed, slice, "{context}: the page of the matches");
        assert_eq!(
            found.total().unwrap_or_default(),
            expected.len(),
            "{context}: the total of a paged list"
        );
    } else if found.is_filtered() {
        assert_eq!(
            listed, expected,
            "{context}: the matches of a filtered list"
        );
    } else {
        let listed: HashSet<&str> = listed.into_iter().collect();
        let missing: Vec<&&str> = expected
            .iter()
            .filter(|id| !listed.contains(**id))
            .collect();
        assert!(
            missing.is_empty(),
            "{context}: unfiltered candidates miss matches {missing:?}"
        );
    }
}

/// Creates a `resource_type` under `schema` in `tenant` from each of `values`, which
/// carry their `id`.
async fn create_all<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
    schema: &str,
    values: impl IntoIterator<Item = serde_json::Value>,
) {
    for value in values {
        let mut resource = object(value);
        resource
            .as_map_mut()
            .insert("schemas".to_owned(), json!([schema]));
        let id = resource.id().unwrap_or_default().to_owned();
        ok(
            create(
                store,
                tenant,
                StoredResource::new(id, resource_type, resource),
            )
            .await,
            &format!("create a {resource_type}"),
        );
    }
}
