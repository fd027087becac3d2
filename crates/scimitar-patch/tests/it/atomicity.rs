//! The operations of one PATCH apply all or none (RFC 7644 §3.5.2): when one fails, the
//! resource is exactly as it was, whatever the operations before it did.

use scimitar_patch::{Compat, OpKind, PatchOperation, apply};
use scimitar_schema::{Resource, ScimType};
use serde_json::{Value, json};

use crate::{
    ACME, ENTERPRISE, MANAGER_ID, USER, acme_registry, assert_changed, assert_error, bjensen,
    bjensen_enterprise, body, core, group, patch, patch_in,
};

/// Applies `operations` under `compat`, asserts that operation `failing` fails with
/// `scim_type`, and that the resource equals a clone taken before.
#[track_caller]
fn assert_all_or_nothing(
    mut resource: Resource,
    operations: Value,
    compat: &Compat,
    failing: usize,
    scim_type: ScimType,
) {
    let before = resource.clone();
    assert_error(
        patch(&mut resource, operations, compat),
        scim_type,
        &format!("operation {failing}: "),
    );
    assert_eq!(resource, before);
    assert_eq!(
        serde_json::to_string(&resource).unwrap(),
        serde_json::to_string(&before).unwrap(),
        "the same keys in the same order"
    );
}

/// A last operation that fails with `mutability`.
fn failing_last() -> Value {
    json!({"op": "replace", "path": "id", "value": "another-id"})
}

#[test]
fn simple_changes_are_undone() {
    assert_all_or_nothing(
        bjensen(),
        json!([
            {"op": "replace", "path": "displayName", "value": "Barbara"},
            {"op": "add", "path": "nickName", "value": "Babs"},
            {"op": "remove", "path": "name.givenName"},
            {"op": "remove", "path": "externalId"},
            {"op": "replace", "path": "active", "value": false},
            failing_last(),
        ]),
        &Compat::STRICT,
        6,
        ScimType::Mutability,
    );
}

#[test]
fn a_created_extension_object_and_schemas_entry_are_undone() {
    assert_all_or_nothing(
        bjensen(),
        json!([
            {"op": "add", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "701984"},
            {"op": "add", "path": "manager", "value": {"value": MANAGER_ID}},
            failing_last(),
        ]),
        &Compat::STRICT,
        3,
        ScimType::Mutability,
    );
    assert_all_or_nothing(
        bjensen(),
        json!([
            {"op": "add", "path": ENTERPRISE, "value": {"department": "Tour Operations"}},
            {"op": "add", "value": {"nickName": "Babs"}},
            {"op": "remove", "path": "userName"},
        ]),
        &Compat::STRICT,
        3,
        ScimType::InvalidValue,
    );
}

#[test]
fn a_removed_extension_is_restored() {
    assert_all_or_nothing(
        bjensen_enterprise(),
        json!([
            {"op": "remove", "path": ENTERPRISE},
            failing_last(),
        ]),
        &Compat::STRICT,
        2,
        ScimType::Mutability,
    );
    assert_all_or_nothing(
        bjensen_enterprise(),
        json!([
            {"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")},
            {"op": "remove", "path": format!("manager[value eq \"{MANAGER_ID}\"]")},
            failing_last(),
        ]),
        &Compat::STRICT,
        3,
        ScimType::Mutability,
    );
}

#[test]
fn changes_to_schemas_are_undone() {
    // `schemas` changes when an extension appears; a resource without the key at all
    // gets it back removed.
    let mut user = bjensen();
    user.as_map_mut()
        .insert("schemas".into(), json!([USER, "urn:example:unknown"]));
    assert_all_or_nothing(
        user,
        json!([
            {"op": "add", "path": format!("{ENTERPRISE}:costCenter"), "value": "4130"},
            {"op": "add", "path": "emails", "value": [{"value": "x"}]},
            failing_last(),
        ]),
        &Compat::STRICT,
        3,
        ScimType::Mutability,
    );
}

#[test]
fn a_resource_without_schemas_is_restored_without_schemas() {
    let registry = core();
    let users = registry.resource_type("User").unwrap();
    let mut user = bjensen();
    user.as_map_mut().remove("schemas");
    let before = user.clone();
    let error = apply(
        &mut user,
        [
            PatchOperation::new(
                OpKind::Add,
                Some(format!("{ENTERPRISE}:department").parse().unwrap()),
                Some(json!("Tour Operations")),
            ),
            PatchOperation::new(OpKind::Remove, Some("userName".parse().unwrap()), None),
        ],
        &registry,
        users,
        &Compat::STRICT,
    )
    .unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert_eq!(user, before);
    assert!(user.get_attr("schemas").is_none());
}

#[test]
fn added_and_removed_members_are_undone() {
    let members: Vec<String> = (0..50).map(|n| format!("user-{n}")).collect();
    let ids: Vec<&str> = members.iter().map(String::as_str).collect();
    assert_all_or_nothing(
        group(&ids),
        json!([
            {"op": "add", "path": "members", "value": [{"value": "new-1"}, {"value": "new-2"}]},
            {"op": "remove", "path": "members[value eq \"user-7\"]"},
            {"op": "Remove", "path": "members", "value": [{"value": "user-8"}, {"value": "user-9"}]},
            {"op": "replace", "path": "displayName", "value": "Renamed"},
            {"op": "remove", "path": "displayName"},
        ]),
        &Compat::ENTRA,
        5,
        ScimType::InvalidValue,
    );
    assert_all_or_nothing(
        group(&ids),
        json!([
            {"op": "replace", "path": "members", "value": [{"value": "only"}]},
            {"op": "remove", "path": "members"},
            {"op": "add", "path": "members", "value": [{"value": "again"}]},
            {"op": "replace", "path": "members[value eq \"nobody\"]", "value": {"value": "x"}},
        ]),
        &Compat::STRICT,
        4,
        ScimType::NoTarget,
    );
}

#[test]
fn primary_changes_are_undone() {
    let mut user = bjensen();
    user.as_map_mut().insert(
        "emails".into(),
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"},
        ]),
    );
    assert_all_or_nothing(
        user,
        json!([
            {"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true},
            {"op": "add", "path": "emails", "value": [{"value": "new@example.com", "primary": true}]},
            {"op": "replace", "path": "active", "value": "yes"},
        ]),
        &Compat::STRICT,
        3,
        ScimType::InvalidValue,
    );
}

#[test]
fn a_failure_inside_a_path_less_value_undoes_its_earlier_keys() {
    // The keys of one value are applied one by one; the unknown `zoneinfo` fails after
    // the others changed the resource.
    assert_all_or_nothing(
        bjensen(),
        json!([
            {"op": "replace", "value": {
                "active": false,
                "displayName": "Barbara",
                "emails": [{"value": "a@example.com"}],
                ENTERPRISE: {"department": "Tour"},
                "zoneinfo": "Europe/Paris",
            }},
        ]),
        &Compat::STRICT,
        1,
        ScimType::InvalidPath,
    );
}

#[test]
fn entra_shapes_are_undone_too() {
    assert_all_or_nothing(
        bjensen(),
        json!([
            {"op": "Replace", "value": {
                "name.givenName": "Babs",
                format!("{ENTERPRISE}:employeeNumber"): "701984",
                format!("{ENTERPRISE}:manager"): MANAGER_ID,
            }},
            {"op": "Add", "path": "emails[type eq \"home\"].value", "value": "babs@jensen.org"},
            {"op": "Replace", "path": "active", "value": "False"},
            {"op": "Replace", "path": "active", "value": "maybe"},
        ]),
        &Compat::ENTRA,
        4,
        ScimType::InvalidValue,
    );
}

#[test]
fn okta_shapes_are_undone_too() {
    let group = group(&["u1"]);
    let id = group.id().unwrap().to_owned();
    assert_all_or_nothing(
        group,
        json!([
            {"op": "replace", "value": {"id": id, "displayName": "Renamed"}},
            {"op": "replace", "path": "members", "value": [{"value": "u2"}, {"value": "u3"}]},
            {"op": "replace", "value": {"id": "another-id", "displayName": "Again"}},
        ]),
        &Compat::OKTA,
        3,
        ScimType::Mutability,
    );
}

#[test]
fn an_immutable_attribute_set_earlier_in_the_request_is_undone() {
    let registry = acme_registry();
    let mut user = bjensen();
    let before = user.clone();
    let badge = format!("{ACME}:badgeId");
    assert_error(
        patch_in(
            &registry,
            &mut user,
            &body(json!([
                {"op": "add", "path": badge, "value": "B-1"},
                {"op": "add", "path": format!("{ACME}:tags"), "value": ["a"]},
                {"op": "replace", "path": badge, "value": "B-2"},
            ])),
            &Compat::STRICT,
        ),
        ScimType::Mutability,
        "operation 3: ",
    );
    assert_eq!(user, before);
}

#[test]
fn a_request_that_does_not_parse_applies_nothing() {
    let mut user = bjensen();
    let before = user.clone();
    assert_error(
        patch(
            &mut user,
            json!([
                {"op": "replace", "path": "displayName", "value": "Barbara"},
                {"op": "replace", "path": "emails[type eq"},
            ]),
            &Compat::STRICT,
        ),
        ScimType::InvalidPath,
        "operation 2: invalid path",
    );
    assert_eq!(user, before);
}

#[test]
fn the_resource_is_usable_after_a_failure() {
    let mut user = bjensen();
    let before = user.clone();
    assert!(
        patch(
            &mut user,
            json!([{"op": "add", "path": "nickName", "value": "Babs"}, failing_last()]),
            &Compat::STRICT,
        )
        .is_err()
    );
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "nickName", "value": "Babs"}]),
            &Compat::STRICT,
        ),
        &["nickName"],
    );
    let mut expected = before.into_value();
    expected["nickName"] = json!("Babs");
    assert_eq!(user.into_value(), expected);
}
