//! Large groups: membership changes give the right members, without duplicates. These
//! check behaviour, not time, but stay fast in debug builds because the applier's cost
//! is linear in the members involved.

use std::collections::HashSet;

use scimitar_patch::Compat;
use scimitar_schema::Resource;
use serde_json::{Value, json};

use crate::{GROUP, assert_changed, patch};

/// A group of `count` members `user-0` … `user-{count - 1}`.
fn large_group(count: usize) -> Resource {
    let members: Vec<Value> = (0..count)
        .map(|n| json!({"value": format!("user-{n}")}))
        .collect();
    let mut group = Resource::new();
    let map = group.as_map_mut();
    map.insert("schemas".into(), json!([GROUP]));
    map.insert("id".into(), json!("all-staff"));
    map.insert("displayName".into(), json!("All Staff"));
    map.insert("members".into(), Value::Array(members));
    group
}

/// The member ids of `group`, in order.
fn member_ids(group: &Resource) -> Vec<&str> {
    group
        .get_attr("members")
        .and_then(Value::as_array)
        .map(|members| {
            members
                .iter()
                .map(|member| member["value"].as_str().expect("a member id"))
                .collect()
        })
        .unwrap_or_default()
}

/// Asserts that no id appears twice.
#[track_caller]
fn assert_no_duplicates(ids: &[&str]) {
    let unique: HashSet<&str> = ids.iter().copied().collect();
    assert_eq!(unique.len(), ids.len(), "duplicate members");
}

#[test]
fn adding_1000_new_members_to_100000() {
    let mut group = large_group(100_000);
    let added: Vec<Value> = (0..1_000)
        .map(|n| json!({"value": format!("new-{n}")}))
        .collect();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "add", "path": "members", "value": added}]),
            &Compat::STRICT,
        ),
        &["members"],
    );
    let ids = member_ids(&group);
    assert_eq!(ids.len(), 101_000);
    assert_no_duplicates(&ids);
    assert_eq!(ids[99_999], "user-99999");
    assert_eq!(ids[100_000], "new-0");
    assert_eq!(ids[100_999], "new-999");
}

#[test]
fn adding_1000_members_of_which_500_exist() {
    let mut group = large_group(100_000);
    // 500 present ones, spread over the group and in another case, then 500 new ones.
    let added: Vec<Value> = (0..500)
        .map(|n| json!({"value": format!("USER-{}", n * 199)}))
        .chain((0..500).map(|n| json!({"value": format!("new-{n}")})))
        .collect();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "Add", "path": "members", "value": added}]),
            &Compat::ENTRA,
        ),
        &["members"],
    );
    let ids = member_ids(&group);
    assert_eq!(ids.len(), 100_500);
    assert_no_duplicates(&ids);
    assert!(ids[..100_000].iter().all(|id| id.starts_with("user-")));
    assert!(ids[100_000..].iter().all(|id| id.starts_with("new-")));
}

#[test]
fn adding_1000_present_members_is_a_no_op() {
    let mut group = large_group(100_000);
    let before = group.clone();
    let added: Vec<Value> = (0..1_000)
        .map(|n| json!({"value": format!("user-{}", n * 97)}))
        .collect();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "add", "path": "members", "value": added}]),
            &Compat::STRICT,
        ),
        &[],
    );
    assert_eq!(group, before);
}

#[test]
fn removing_one_member_by_filter_from_100000() {
    let mut group = large_group(100_000);
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "remove", "path": "members[value eq \"user-50000\"]"}]),
            &Compat::STRICT,
        ),
        &["members"],
    );
    let ids = member_ids(&group);
    assert_eq!(ids.len(), 99_999);
    assert!(!ids.contains(&"user-50000"));
    assert_eq!(ids[49_999], "user-49999");
    assert_eq!(ids[50_000], "user-50001");
}

#[test]
fn removing_1000_listed_members_from_100000() {
    let mut group = large_group(100_000);
    let listed: Vec<Value> = (0..1_000)
        .map(|n| json!({"value": format!("user-{}", n * 100)}))
        .collect();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "Remove", "path": "members", "value": listed}]),
            &Compat::ENTRA,
        ),
        &["members"],
    );
    let ids = member_ids(&group);
    assert_eq!(ids.len(), 99_000);
    assert!(ids.iter().all(|id| {
        let n: usize = id["user-".len()..].parse().unwrap();
        !n.is_multiple_of(100)
    }));
}

#[test]
fn a_failing_request_on_a_large_group_restores_it() {
    let mut group = large_group(100_000);
    let before = group.clone();
    let added: Vec<Value> = (0..1_000)
        .map(|n| json!({"value": format!("new-{n}")}))
        .collect();
    assert!(
        patch(
            &mut group,
            json!([
                {"op": "add", "path": "members", "value": added},
                {"op": "remove", "path": "members[value eq \"user-1\"]"},
                {"op": "remove", "path": "displayName"},
            ]),
            &Compat::STRICT,
        )
        .is_err()
    );
    assert_eq!(group, before);
}

/// Large arrays are changed in place with a fine-grained undo log; every mix of in-place
/// and whole-value changes must still roll back exactly.
#[test]
fn in_place_changes_mixed_with_whole_changes_roll_back() {
    let mut group = large_group(2_000);
    let before = group.clone();
    let listed: Vec<Value> = (0..300)
        .map(|n| json!({"value": format!("user-{}", n * 3)}))
        .collect();
    let added: Vec<Value> = (0..50)
        .map(|n| json!({"value": format!("new-{n}")}))
        .collect();
    for compat in [Compat::STRICT, Compat::ENTRA] {
        let operations = json!([
            {"op": "add", "path": "members", "value": added.clone()},
            {"op": "remove", "path": "members[value eq \"user-1\"]"},
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "remove", "path": "members", "value": listed.clone()},
            {"op": "add", "path": "members", "value": [{"value": "late"}]},
            {"op": "remove", "path": "displayName"},
        ]);
        assert!(patch(&mut group, operations, &compat).is_err());
        assert_eq!(group, before, "{compat}");
    }
    let removed_all: Vec<Value> = (0..2_000)
        .map(|n| json!({"value": format!("user-{n}")}))
        .collect();
    assert!(
        patch(
            &mut group,
            json!([
                {"op": "remove", "path": "members", "value": removed_all},
                {"op": "remove", "path": "displayName"},
            ]),
            &Compat::ENTRA,
        )
        .is_err()
    );
    assert_eq!(group, before, "a large array emptied, then restored");
}

#[test]
fn in_place_changes_are_reported() {
    let mut group = large_group(2_000);
    let outcome = patch(
        &mut group,
        json!([{"op": "add", "path": "members", "value": [{"value": "new-1"}]}]),
        &Compat::STRICT,
    );
    assert_changed(outcome, &["members"]);
    let outcome = patch(
        &mut group,
        json!([{"op": "remove", "path": "members[value eq \"new-1\"]"}]),
        &Compat::STRICT,
    );
    assert_changed(outcome, &["members"]);
    let outcome = patch(
        &mut group,
        json!([{"op": "remove", "path": "members[value eq \"absent\"]"}]),
        &Compat::STRICT,
    );
    assert_changed(outcome, &[]);
    assert_eq!(member_ids(&group).len(), 2_000);
}
