//! Group members: the cascade of a delete, and the groups of a member.

use scimitar_engine::{Disposal, Origin, ResourceStore, StoreError, StoredResource, TenantId};

use crate::fixtures::{
    at, display_name, entry, get, group, last_modified, list_all, member_values, next, ok, user,
};

/// Deleting a resource (compare-and-swap when a version is given) removes it from every
/// group of the tenant that lists it, each getting the next version and
/// `meta.lastModified`, and returns those groups' ids; a group with an unknown member
/// is refused with `UnknownMember`.
///
/// Writes in `tenant`, which holds no resources yet.
pub async fn delete_cascades_membership<S: ResourceStore>(store: &S, tenant: &TenantId) {
    for (id, name) in [("u1", "alice"), ("u2", "bob")] {
        ok(
            store
                .create(tenant, user(id, name), Origin::New, &entry())
                .await,
            "create a user",
        );
    }
    assert_eq!(
        store
            .create(
                tenant,
                group("gx", "Unknown", &["u1", "nobody"]),
                Origin::New,
                &entry()
            )
            .await,
        Err(StoreError::UnknownMember {
            id: "nobody".to_owned()
        }),
        "a group with a member that does not exist"
    );
    assert_eq!(
        get(store, tenant, "Group", "gx").await,
        None,
        "a refused create stores nothing"
    );
    for group in [
        group("gb", "Beta", &["u1"]),
        group("gd", "Delta", &["u1", "gb"]),
        group("ga", "Alpha", &["u1", "u2"]),
        group("gc", "Gamma", &["u2"]),
    ] {
        ok(
            store.create(tenant, group, Origin::New, &entry()).await,
            "create a group",
        );
    }
    let before: Vec<StoredResource> = list_all(store, tenant, "Group").await.into_resources();

    assert_eq!(
        store
            .delete(
                tenant,
                "User",
                "u1",
                Some(2),
                at(99),
                Disposal::Delete,
                &entry()
            )
            .await,
        Err(StoreError::VersionMismatch { current: 1 }),
        "delete at a stale version"
    );
    assert_eq!(
        store
            .delete(
                tenant,
                "Group",
                "u1",
                None,
                at(99),
                Disposal::Delete,
                &entry()
            )
            .await,
        Err(StoreError::NotFound),
        "delete with another resource type"
    );
    assert_eq!(
        store
            .delete(
                tenant,
                "User",
                "u9",
                None,
                at(99),
                Disposal::Delete,
                &entry()
            )
            .await,
        Err(StoreError::NotFound),
        "delete an unknown id"
    );
    assert!(
        get(store, tenant, "User", "u1").await.is_some(),
        "a failed delete deletes nothing"
    );
    assert_eq!(
        list_all(store, tenant, "Group").await.resources(),
        before,
        "a failed delete changes no group"
    );

    let when = at(1_714_979_289_123);
    let changed = ok(
        store
            .delete(
                tenant,
                "User",
                "u1",
                Some(1),
                when,
                Disposal::Delete,
                &entry(),
            )
            .await,
        "delete a user",
    );
    assert_eq!(
        changed,
        ["ga", "gb", "gd"],
        "the ids of the groups that listed it, sorted"
    );
    assert_eq!(
        get(store, tenant, "User", "u1").await,
        None,
        "a deleted resource is gone"
    );
    assert_eq!(
        store
            .delete(tenant, "User", "u1", None, when, Disposal::Delete, &entry())
            .await,
        Err(StoreError::NotFound),
        "delete a deleted resource"
    );

    let stamp = "2024-05-06T07:08:09.123Z";
    for (id, members) in [("ga", &["u2"][..]), ("gb", &[][..]), ("gd", &["gb"][..])] {
        let group = get(store, tenant, "Group", id)
            .await
            .unwrap_or_else(|| panic!("group {id} is gone"));
        assert_eq!(group.members, members, "group {id}'s member ids");
        assert_eq!(
            member_values(&group),
            members,
            "group {id}'s members in JSON"
        );
        assert_eq!(group.version, 2, "group {id} gets the next version");
        assert_eq!(
            last_modified(&group),
            Some(stamp),
            "group {id}'s meta.lastModified"
        );
        assert_eq!(
            group.resource.get_str("displayName"),
            display_name(&before, id),
            "group {id} keeps the rest"
        );
    }
    let gamma = get(store, tenant, "Group", "gc").await;
    assert_eq!(
        gamma.as_ref(),
        before.iter().find(|group| group.id == "gc"),
        "a group without it is unchanged"
    );
    assert!(
        ok(
            store.groups_with_member(tenant, "u1").await,
            "groups of a member"
        )
        .is_empty()
    );
    assert_eq!(
        store
            .replace(tenant, next(group("ga", "Alpha", &["u2"]), 1), 1, &entry())
            .await,
        Err(StoreError::VersionMismatch { current: 2 }),
        "a write prepared before the cascade loses"
    );

    let changed = ok(
        store
            .delete(
                tenant,
                "Group",
                "gb",
                Some(2),
                when,
                Disposal::Delete,
                &entry(),
            )
            .await,
        "delete a group",
    );
    assert_eq!(
        changed,
        ["gd"],
        "a deleted group leaves the groups that listed it"
    );
    let delta = get(store, tenant, "Group", "gd").await.expect("group gd");
    assert!(delta.members.is_empty() && member_values(&delta).is_empty());
    assert_eq!(delta.version, 3);
    ok(
        store
            .create(tenant, user("u3", "alice"), Origin::New, &entry())
            .await,
        "a deleted user's unique key is free",
    );
}

/// `groups_with_member` lists `(id, displayName)` of the groups listing a member, by
/// group id, as replaces and deletes change them.
///
/// Writes in `tenant`, which holds no resources yet.
pub async fn groups_with_member<S: ResourceStore>(store: &S, tenant: &TenantId) {
    for (id, name) in [("u1", "alice"), ("u2", "bob")] {
        ok(
            store
                .create(tenant, user(id, name), Origin::New, &entry())
                .await,
            "create a user",
        );
    }
    for group in [
        group("g2", "Zeta", &["u1"]),
        group("g1", "Alpha", &["u1", "u2"]),
        group("g3", "Mid", &["u2"]),
    ] {
        ok(
            store.create(tenant, group, Origin::New, &entry()).await,
            "create a group",
        );
    }
    let pairs = |list: &[(&str, &str)]| -> Vec<(String, String)> {
        list.iter()
            .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
            .collect()
    };
    let of = |member: &'static str| store.groups_with_member(tenant, member);
    assert_eq!(
        ok(of("u1").await, "groups of a member"),
        pairs(&[("g1", "Alpha"), ("g2", "Zeta")])
    );
    assert_eq!(
        ok(of("u2").await, "groups of a member"),
        pairs(&[("g1", "Alpha"), ("g3", "Mid")])
    );
    assert!(
        ok(of("u9").await, "groups of a member").is_empty(),
        "a member of no group"
    );

    ok(
        store
            .replace(tenant, next(group("g1", "Alpha", &["u2"]), 1), 1, &entry())
            .await,
        "replace a group",
    );
    ok(
        store
            .replace(
                tenant,
                next(group("g3", "Middle", &["u2", "u1"]), 1),
                1,
                &entry(),
            )
            .await,
        "replace a group",
    );
    assert_eq!(
        ok(of("u1").await, "groups of a member"),
        pairs(&[("g2", "Zeta"), ("g3", "Middle")])
    );
    ok(
        store
            .delete(
                tenant,
                "Group",
                "g2",
                None,
                at(0),
                Disposal::Delete,
                &entry(),
            )
            .await,
        "delete a group",
    );
    assert_eq!(
        ok(of("u1").await, "groups of a member"),
        pairs(&[("g3", "Middle")])
    );
}
