//! RFC 7644 §3.5.2: `add`, `replace` and `remove`, with and without a path, on simple,
//! complex, multi-valued and extension attributes, with the schemas' characteristics
//! (RFC 7643 §2.2, §7), under [`Compat::STRICT`].

use scimitar_patch::Compat;
use scimitar_schema::{Resource, ScimType};
use serde_json::json;

use crate::{
    ACME, BJENSEN_ID, ENTERPRISE, GROUP, MANAGER_ID, USER, acme_registry, assert_changed,
    assert_error, assert_rejected, bjensen, bjensen_enterprise, body, changed, group, patch,
    patch_fixture, patch_in,
};

const STRICT: Compat = Compat::STRICT;

/// [`bjensen`] with a work and a home e-mail, the work one primary.
fn bjensen_two_emails() -> Resource {
    let mut user = bjensen();
    user.as_map_mut().insert(
        "emails".into(),
        json!([
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"},
        ]),
    );
    user
}

/// [`bjensen`] with a work and a home address, the home one primary.
fn bjensen_addresses() -> Resource {
    let mut user = bjensen();
    user.as_map_mut().insert(
        "addresses".into(),
        json!([
            {"type": "work", "streetAddress": "100 Universal City Plaza", "locality": "Hollywood"},
            {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "primary": true},
        ]),
    );
    user
}

// ---------------------------------------------------------------------------------------
// Without a path: the value is a partial resource.

#[test]
fn add_without_path_merges_the_partial_resource() {
    // RFC 7644 §3.5.2.1; `nickname` is spelled as in the RFC and stored as the schema's
    // `nickName`.
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "rfc7644-add-no-path.json", &STRICT),
        &["emails", "nickName"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"},
                ],
                "nickName": "Babs",
            })
        )
    );
}

#[test]
fn replace_without_path_replaces_each_attribute_given() {
    // RFC 7644 §3.5.2.3: the given attributes are replaced, the others left alone.
    let mut user = bjensen_two_emails();
    user.as_map_mut()
        .insert("emails".into(), json!([{"value": "old@example.com"}]));
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "rfc7644-replace-no-path.json", &STRICT),
        &["emails", "nickName"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "emails": [
                    {"value": "bjensen@example.com", "type": "work", "primary": true},
                    {"value": "babs@jensen.org", "type": "home"},
                ],
                "nickName": "Babs",
            })
        )
    );
}

#[test]
fn replace_without_path_merges_complex_values() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "value": {"name": {"givenName": "Babs"}, "title": "Tour Guide"}}]),
            &STRICT,
        ),
        &["name", "title"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "name": {"familyName": "Jensen", "givenName": "Babs"},
                "title": "Tour Guide",
            })
        )
    );
}

#[test]
fn remove_without_path_is_no_target() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "remove"}]),
        &STRICT,
        ScimType::NoTarget,
        "operation 1: 'remove' needs a path",
    );
}

#[test]
fn add_without_path_needs_an_object() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "add", "value": "Babs"}]),
        &STRICT,
        ScimType::InvalidSyntax,
        "'add' without a path needs an object value, not a string",
    );
}

// ---------------------------------------------------------------------------------------
// Attribute paths.

#[test]
fn add_sets_an_unassigned_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "nickName", "value": "Babs"}]),
            &STRICT,
        ),
        &["nickName"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"nickName": "Babs"}))
    );
}

#[test]
fn add_replaces_a_single_valued_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "displayName", "value": "Barbara Jensen"}]),
            &STRICT,
        ),
        &["displayName"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"displayName": "Barbara Jensen"}))
    );
}

#[test]
fn replace_sets_an_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": "active", "value": false}]),
            &STRICT,
        ),
        &["active"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"active": false}))
    );
}

#[test]
fn remove_unassigns_an_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": "displayName"}]),
            &STRICT,
        ),
        &["displayName"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"displayName": null}))
    );
}

#[test]
fn attribute_names_are_case_insensitive() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([
                {"op": "replace", "path": "UserName", "value": "babs@example.com"},
                {"op": "replace", "path": "NAME.FamilyName", "value": "Jensen-Smith"},
            ]),
            &STRICT,
        ),
        &["userName", "name"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "userName": "babs@example.com",
                "name": {"familyName": "Jensen-Smith", "givenName": "Barbara"},
            })
        )
    );
}

#[test]
fn add_of_a_complex_attribute_merges_sub_attributes() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "name", "value": {"middleName": "Jane", "givenName": "Babs"}}]),
            &STRICT,
        ),
        &["name"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"name": {"familyName": "Jensen", "givenName": "Babs", "middleName": "Jane"}})
        )
    );
}

#[test]
fn replace_of_a_complex_attribute_leaves_unspecified_sub_attributes() {
    // RFC 7644 §3.5.2.3: "Sub-attributes that are not specified in the 'value'
    // parameter are left unchanged."
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": "name", "value": {"familyName": "Jensen-Smith"}}]),
            &STRICT,
        ),
        &["name"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"name": {"familyName": "Jensen-Smith", "givenName": "Barbara"}})
        )
    );
}

// ---------------------------------------------------------------------------------------
// Sub-attribute paths.

#[test]
fn replace_of_a_sub_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": "name.givenName", "value": "Babs"}]),
            &STRICT,
        ),
        &["name"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"name": {"familyName": "Jensen", "givenName": "Babs"}})
        )
    );
}

#[test]
fn add_of_a_sub_attribute_creates_the_complex_value() {
    let mut user = bjensen();
    user.as_map_mut().remove("name");
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "name.honorificPrefix", "value": "Ms."}]),
            &STRICT,
        ),
        &["name"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"name": {"honorificPrefix": "Ms."}}))
    );
}

#[test]
fn remove_of_a_sub_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": "name.givenName"}]),
            &STRICT,
        ),
        &["name"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"name": {"familyName": "Jensen"}}))
    );
}

#[test]
fn removing_every_sub_attribute_unassigns_the_complex_attribute() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([
                {"op": "remove", "path": "name.givenName"},
                {"op": "remove", "path": "name.familyName"},
            ]),
            &STRICT,
        ),
        &["name"],
    );
    assert_eq!(user.into_value(), changed(&before, json!({"name": null})));
}

#[test]
fn a_sub_attribute_of_a_multi_valued_attribute_needs_a_filter() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "path": "emails.value", "value": "babs@example.com"}]),
        &STRICT,
        ScimType::InvalidPath,
        "'emails.value' is a sub-attribute of multi-valued 'emails'",
    );
}

// ---------------------------------------------------------------------------------------
// Extension attributes.

#[test]
fn add_of_an_extension_attribute_creates_the_extension() {
    let mut user = bjensen();
    let before = user.clone();
    let employee_number = format!("{ENTERPRISE}:employeeNumber");
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": employee_number, "value": "701984"}]),
            &STRICT,
        ),
        &[&employee_number],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "schemas": [USER, ENTERPRISE],
                ENTERPRISE: {"employeeNumber": "701984"},
            })
        )
    );
}

#[test]
fn replace_of_an_extension_attribute() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    let employee_number = format!("{ENTERPRISE}:employeeNumber");
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": employee_number, "value": "701985"}]),
            &STRICT,
        ),
        &[&employee_number],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({ENTERPRISE: {"employeeNumber": "701985", "manager": {"value": MANAGER_ID}}})
        )
    );
}

#[test]
fn replace_of_an_extension_sub_attribute() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager.value"), "value": "boss"}]),
            &STRICT,
        ),
        &[&format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "boss"}}})
        )
    );
}

#[test]
fn remove_of_an_extension_attribute() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    let employee_number = format!("{ENTERPRISE}:employeeNumber");
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": employee_number}]),
            &STRICT,
        ),
        &[&employee_number],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({ENTERPRISE: {"manager": {"value": MANAGER_ID}}})
        )
    );
}

#[test]
fn removing_the_last_extension_attribute_removes_the_extension() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([
                {"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")},
                {"op": "remove", "path": format!("{ENTERPRISE}:manager")},
            ]),
            &STRICT,
        ),
        &[
            &format!("{ENTERPRISE}:employeeNumber"),
            &format!("{ENTERPRISE}:manager"),
        ],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"schemas": [USER], ENTERPRISE: null}))
    );
}

#[test]
fn add_of_the_whole_extension_object() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{
                "op": "add",
                "path": ENTERPRISE,
                "value": {"employeeNumber": "701984", "department": "Tour Operations"},
            }]),
            &STRICT,
        ),
        &[
            &format!("{ENTERPRISE}:department"),
            &format!("{ENTERPRISE}:employeeNumber"),
        ],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "schemas": [USER, ENTERPRISE],
                ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations"},
            })
        )
    );
}

#[test]
fn replace_of_the_whole_extension_object_merges_its_attributes() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    let mut outcome = patch(
        &mut user,
        json!([{
            "op": "replace",
            "path": ENTERPRISE,
            "value": {"employeeNumber": "701985", "department": "Tour Operations"},
        }]),
        &STRICT,
    )
    .unwrap();
    // Both are listed; within one extension object the order is not specified here.
    outcome.changed_attributes.sort();
    assert_eq!(
        outcome.changed_attributes,
        [
            format!("{ENTERPRISE}:department"),
            format!("{ENTERPRISE}:employeeNumber"),
        ]
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({ENTERPRISE: {
                "employeeNumber": "701985",
                "department": "Tour Operations",
                "manager": {"value": MANAGER_ID},
            }})
        )
    );
}

#[test]
fn add_without_path_of_an_extension_object() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "value": {
                "schemas": [USER, ENTERPRISE],
                ENTERPRISE: {"costCenter": "4130"},
                "title": "Tour Guide",
            }}]),
            &STRICT,
        ),
        &["title", &format!("{ENTERPRISE}:costCenter")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "schemas": [USER, ENTERPRISE],
                ENTERPRISE: {"costCenter": "4130"},
                "title": "Tour Guide",
            })
        )
    );
}

#[test]
fn remove_of_the_whole_extension_object() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": ENTERPRISE}]),
            &STRICT,
        ),
        &[
            &format!("{ENTERPRISE}:employeeNumber"),
            &format!("{ENTERPRISE}:manager"),
        ],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"schemas": [USER], ENTERPRISE: null}))
    );
}

#[test]
fn remove_of_an_absent_extension_is_a_no_op() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": ENTERPRISE}]),
            &STRICT,
        ),
        &[],
    );
    assert_eq!(user, before);
}

#[test]
fn the_extension_object_must_be_an_object() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "add", "path": ENTERPRISE, "value": "701984"}]),
        &STRICT,
        ScimType::InvalidValue,
        "must be an object, not a string",
    );
}

#[test]
fn an_unknown_extension_attribute_is_invalid_path() {
    let mut user = bjensen_enterprise();
    assert_rejected(
        &mut user,
        json!([{"op": "add", "path": format!("{ENTERPRISE}:badgeColor"), "value": "red"}]),
        &STRICT,
        ScimType::InvalidPath,
        "unknown attribute",
    );
}

// ---------------------------------------------------------------------------------------
// Value filters.

#[test]
fn filtered_replace_of_a_sub_attribute_changes_only_matching_values() {
    let mut user = bjensen_two_emails();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"}]),
            &STRICT,
        ),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "babs@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
            ]})
        )
    );
}

#[test]
fn filtered_add_of_a_sub_attribute_sets_it_on_matching_values() {
    let mut user = bjensen_two_emails();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "emails[type eq \"home\"].display", "value": "Babs at home"}]),
            &STRICT,
        ),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home", "display": "Babs at home"},
            ]})
        )
    );
}

#[test]
fn filtered_replace_of_whole_values() {
    // RFC 7644 §3.5.2.3: the work address is replaced; the new one is primary, so the
    // home address stops being primary.
    let mut user = bjensen_addresses();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "rfc7644-replace-work-address.json", &STRICT),
        &["addresses"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"addresses": [
                {
                    "type": "work",
                    "streetAddress": "911 Universal City Plaza",
                    "locality": "Hollywood",
                    "region": "CA",
                    "postalCode": "91608",
                    "country": "US",
                    "formatted": "911 Universal City Plaza\nHollywood, CA 91608 US",
                    "primary": true,
                },
                {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "primary": false},
            ]})
        )
    );
}

#[test]
fn filtered_replace_of_one_sub_attribute_of_matching_values() {
    // RFC 7644 §3.5.2.3.
    let mut user = bjensen_addresses();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "rfc7644-replace-work-street.json", &STRICT),
        &["addresses"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"addresses": [
                {"type": "work", "streetAddress": "1010 Broadway Ave", "locality": "Hollywood"},
                {"type": "home", "streetAddress": "456 Hollywood Blvd", "locality": "Hollywood", "primary": true},
            ]})
        )
    );
}

#[test]
fn filtered_remove_removes_matching_values() {
    // RFC 7644 §3.5.2.2.
    let mut group = group(&[BJENSEN_ID, "08e1d05d-121c-4561-8b96-473d93df9210"]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "rfc7644-remove-member.json", &STRICT),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(
            &before,
            json!({"members": [{"value": "08e1d05d-121c-4561-8b96-473d93df9210"}]})
        )
    );
}

#[test]
fn filtered_remove_with_a_complex_filter() {
    // RFC 7644 §3.5.2.2: `emails[type eq "work" and value ew "example.com"]`.
    let mut user = bjensen_two_emails();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "rfc7644-remove-work-email-ew.json", &STRICT),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [{"value": "babs@jensen.org", "type": "home"}]})
        )
    );
}

#[test]
fn filtered_remove_that_empties_the_attribute_unassigns_it() {
    let mut group = group(&[BJENSEN_ID]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "rfc7644-remove-member.json", &STRICT),
        &["members"],
    );
    assert!(group.get_attr("members").is_none());
    assert_eq!(
        group.into_value(),
        changed(&before, json!({"members": null}))
    );
}

#[test]
fn filtered_remove_of_a_sub_attribute() {
    let mut user = bjensen_two_emails();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": "emails[type eq \"work\"].primary"}]),
            &STRICT,
        ),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work"},
                {"value": "babs@jensen.org", "type": "home"},
            ]})
        )
    );
}

#[test]
fn filtered_remove_matching_nothing_is_a_no_op() {
    let mut group = group(&["u1", "u2"]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "remove", "path": "members[value eq \"u3\"]"}]),
            &STRICT,
        ),
        &[],
    );
    assert_eq!(group, before);
}

#[test]
fn filtered_add_matching_nothing_is_no_target() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "add", "path": "emails[type eq \"home\"].value", "value": "babs@jensen.org"}]),
        &STRICT,
        ScimType::NoTarget,
        "operation 1: no value of 'emails' matches [type eq \"home\"]",
    );
}

#[test]
fn filtered_replace_matching_nothing_is_no_target() {
    let mut user = bjensen();
    user.as_map_mut().remove("emails");
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "path": "emails[type eq \"work\"].value", "value": "babs@example.com"}]),
        &STRICT,
        ScimType::NoTarget,
        "no value of 'emails' matches",
    );
    let mut group = group(&["u1"]);
    assert_rejected(
        &mut group,
        json!([{"op": "replace", "path": "members[value eq \"u2\"]", "value": {"value": "u3"}}]),
        &STRICT,
        ScimType::NoTarget,
        "no value of 'members' matches",
    );
}

#[test]
fn a_value_filter_on_a_simple_attribute_is_invalid_path() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "remove", "path": "userName[value eq \"x\"]"}]),
        &STRICT,
        ScimType::InvalidPath,
        "'userName' is not complex",
    );
}

#[test]
fn a_value_filter_on_an_unknown_sub_attribute_is_invalid_path() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "path": "emails[type eq \"work\"].label", "value": "x"}]),
        &STRICT,
        ScimType::InvalidPath,
        "unknown attribute 'emails.label'",
    );
}

// ---------------------------------------------------------------------------------------
// Multi-valued attributes.

#[test]
fn add_appends_values() {
    // RFC 7644 §3.5.2.1.
    let mut group = group(&["08e1d05d-121c-4561-8b96-473d93df9210"]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "rfc7644-add-member.json", &STRICT),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(
            &before,
            json!({"members": [
                {"value": "08e1d05d-121c-4561-8b96-473d93df9210"},
                {
                    "display": "Babs Jensen",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "value": BJENSEN_ID,
                },
            ]})
        )
    );
}

#[test]
fn add_to_an_unassigned_multi_valued_attribute() {
    let mut group = group(&[]);
    group.as_map_mut().remove("members");
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "add", "path": "members", "value": [{"value": "u1"}]}]),
            &STRICT,
        ),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(&before, json!({"members": [{"value": "u1"}]}))
    );
}

#[test]
fn add_of_a_present_member_is_a_no_op() {
    let mut group = group(&["u1", "u2"]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "add", "path": "members", "value": [{"value": "u2", "display": "Second"}]}]),
            &STRICT,
        ),
        &[],
    );
    assert_eq!(group, before);
}

#[test]
fn add_compares_member_values_ignoring_case() {
    // `members.value` is not caseExact in RFC 7643 §8.7.1.
    let mut group = group(&["u1"]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "add", "path": "members", "value": [{"value": "U1"}]}]),
            &STRICT,
        ),
        &[],
    );
    assert_eq!(group, before);
}

#[test]
fn add_does_not_duplicate_values_within_one_request() {
    let mut group = group(&["u1"]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([
                {"op": "add", "path": "members", "value": [{"value": "u2"}, {"value": "u2"}, {"value": "u1"}]},
                {"op": "add", "path": "members", "value": [{"value": "u2"}]},
            ]),
            &STRICT,
        ),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(
            &before,
            json!({"members": [{"value": "u1"}, {"value": "u2"}]})
        )
    );
}

#[test]
fn add_compares_emails_ignoring_case() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "emails", "value": [{"value": "BJensen@Example.com", "type": "work"}]}]),
            &STRICT,
        ),
        &[],
    );
    assert_eq!(user, before);
}

#[test]
fn add_compares_case_exact_values_exactly() {
    let registry = acme_registry();
    let mut user = bjensen();
    user.as_map_mut()
        .insert("schemas".into(), json!([USER, ACME]));
    user.as_map_mut().insert(
        ACME.into(),
        json!({
            "tags": ["blue"],
            "aliases": ["blue"],
            "clearances": [{"value": "ts", "level": 3}],
        }),
    );
    let before = user.clone();
    let outcome = patch_in(
        &registry,
        &mut user,
        &body(json!([
            {"op": "add", "path": format!("{ACME}:tags"), "value": ["Blue", "blue"]},
            {"op": "add", "path": format!("{ACME}:aliases"), "value": ["BLUE"]},
            {"op": "add", "path": format!("{ACME}:clearances"), "value": [{"value": "TS", "level": 4}, {"value": "ts", "level": 5}]},
        ])),
        &STRICT,
    );
    assert_changed(
        outcome,
        &[&format!("{ACME}:clearances"), &format!("{ACME}:tags")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({ACME: {
                "tags": ["blue", "Blue"],
                "aliases": ["blue"],
                "clearances": [{"value": "ts", "level": 3}, {"value": "TS", "level": 4}],
            }})
        )
    );
}

#[test]
fn replace_of_a_multi_valued_attribute_replaces_every_value() {
    // RFC 7644 §3.5.2.3.
    let mut group = group(&["u1", "u2", "u3"]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "rfc7644-replace-members.json", &STRICT),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(
            &before,
            json!({"members": [
                {
                    "display": "Babs Jensen",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "value": BJENSEN_ID,
                },
                {
                    "display": "James Smith",
                    "$ref": "https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210",
                    "value": "08e1d05d-121c-4561-8b96-473d93df9210",
                },
            ]})
        )
    );
}

#[test]
fn replace_with_an_empty_array_unassigns_the_attribute() {
    let mut group = group(&["u1", "u2"]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "replace", "path": "members", "value": []}]),
            &STRICT,
        ),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(&before, json!({"members": null}))
    );
}

#[test]
fn remove_of_a_multi_valued_attribute_removes_every_value() {
    // RFC 7644 §3.5.2.2.
    let mut group = group(&["u1", "u2"]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "rfc7644-remove-all-members.json", &STRICT),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(&before, json!({"members": null}))
    );
}

#[test]
fn remove_then_add_replaces_the_members() {
    // RFC 7644 §3.5.2.2, the last example.
    let mut group = group(&["u1", BJENSEN_ID]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "rfc7644-remove-and-add-members.json", &STRICT),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(
            &before,
            json!({"members": [
                {
                    "display": "Babs Jensen",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "value": BJENSEN_ID,
                },
                {
                    "display": "James Smith",
                    "$ref": "https://example.com/v2/Users/08e1d05d-121c-4561-8b96-473d93df9210",
                    "value": "08e1d05d-121c-4561-8b96-473d93df9210",
                },
            ]})
        )
    );
}

#[test]
fn remove_with_a_value_is_rejected_in_strict_mode() {
    // Never read as "remove every member".
    let mut group = group(&["u1", "u2"]);
    assert_rejected(
        &mut group,
        json!([{"op": "remove", "path": "members", "value": [{"value": "u1"}]}]),
        &STRICT,
        ScimType::InvalidSyntax,
        "'remove' takes no value",
    );
    assert_eq!(
        group.get_attr("members").unwrap().as_array().unwrap().len(),
        2
    );
}

// ---------------------------------------------------------------------------------------
// `primary`.

#[test]
fn adding_a_primary_value_clears_the_others() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "emails", "value": [{"value": "babs@jensen.org", "type": "home", "primary": true}]}]),
            &STRICT,
        ),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": false},
                {"value": "babs@jensen.org", "type": "home", "primary": true},
            ]})
        )
    );
}

#[test]
fn setting_primary_through_a_filter_clears_the_others() {
    let mut user = bjensen_two_emails();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "path": "emails[type eq \"home\"].primary", "value": true}]),
            &STRICT,
        ),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": false},
                {"value": "babs@jensen.org", "type": "home", "primary": true},
            ]})
        )
    );
}

#[test]
fn two_primary_values_are_invalid() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "path": "emails", "value": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": true},
        ]}]),
        &STRICT,
        ScimType::InvalidValue,
        "at most one value of 'emails' may be primary",
    );
    assert_rejected(
        &mut user,
        json!([{"op": "add", "path": "emails", "value": [
            {"value": "a@example.com", "primary": true},
            {"value": "b@example.com", "primary": true},
        ]}]),
        &STRICT,
        ScimType::InvalidValue,
        "at most one value of 'emails' may be primary",
    );
}

// ---------------------------------------------------------------------------------------
// Mutability.

#[test]
fn read_only_attributes_cannot_be_written() {
    for (operation, name) in [
        (
            json!({"op": "replace", "path": "id", "value": "other"}),
            "id",
        ),
        (
            json!({"op": "add", "path": "id", "value": BJENSEN_ID}),
            "id",
        ),
        (
            json!({"op": "replace", "path": "meta", "value": {"version": "W/\"1\""}}),
            "meta",
        ),
        (
            json!({"op": "replace", "path": "meta.lastModified", "value": "2020-01-01T00:00:00Z"}),
            "meta.lastModified",
        ),
        (
            json!({"op": "add", "path": "groups", "value": [{"value": "g1"}]}),
            "groups",
        ),
        (
            json!({"op": "replace", "value": {"groups": [{"value": "g1"}]}}),
            "groups",
        ),
        (json!({"op": "replace", "value": {"id": BJENSEN_ID}}), "id"),
    ] {
        let mut user = bjensen();
        assert_rejected(
            &mut user,
            json!([operation]),
            &STRICT,
            ScimType::Mutability,
            &format!("attribute '{name}' is read-only"),
        );
    }
}

#[test]
fn read_only_attributes_cannot_be_removed() {
    for name in ["id", "meta", "groups"] {
        let mut user = bjensen();
        user.as_map_mut().insert(
            "groups".into(),
            json!([{"value": "g1", "display": "Tour Guides"}]),
        );
        assert_rejected(
            &mut user,
            json!([{"op": "remove", "path": name}]),
            &STRICT,
            ScimType::Mutability,
            &format!("attribute '{name}' cannot be removed: it is read-only"),
        );
    }
}

#[test]
fn a_read_only_sub_attribute_cannot_be_written() {
    let mut user = bjensen_enterprise();
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "path": format!("{ENTERPRISE}:manager.displayName"), "value": "John Smith"}]),
        &STRICT,
        ScimType::Mutability,
        "manager.displayName' is read-only",
    );
}

#[test]
fn read_only_sub_attributes_in_a_complex_value_are_dropped() {
    // As on create: the client echoes what it read.
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "manager", "value": {"value": MANAGER_ID, "displayName": "John Smith"}}]),
            &STRICT,
        ),
        &[&format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"schemas": [USER, ENTERPRISE], ENTERPRISE: {"manager": {"value": MANAGER_ID}}})
        )
    );
}

/// [`bjensen`] with the [`ACME`] extension holding `badgeId`.
fn bjensen_badge() -> Resource {
    let mut user = bjensen();
    user.as_map_mut()
        .insert("schemas".into(), json!([USER, ACME]));
    user.as_map_mut()
        .insert(ACME.into(), json!({"badgeId": "B-1"}));
    user
}

#[test]
fn an_immutable_attribute_can_be_set_while_unassigned() {
    let registry = acme_registry();
    let mut user = bjensen();
    let before = user.clone();
    let badge = format!("{ACME}:badgeId");
    assert_changed(
        patch_in(
            &registry,
            &mut user,
            &body(json!([{"op": "add", "path": badge, "value": "B-1"}])),
            &STRICT,
        ),
        &[&badge],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"schemas": [USER, ACME], ACME: {"badgeId": "B-1"}})
        )
    );
}

#[test]
fn an_immutable_attribute_cannot_be_changed_once_set() {
    let registry = acme_registry();
    let badge = format!("{ACME}:badgeId");
    for operation in [
        json!({"op": "replace", "path": badge, "value": "B-2"}),
        json!({"op": "add", "path": badge, "value": "B-2"}),
        json!({"op": "replace", "value": {ACME: {"badgeId": "B-2"}}}),
    ] {
        let mut user = bjensen_badge();
        let before = user.clone();
        assert_error(
            patch_in(&registry, &mut user, &body(json!([operation])), &STRICT),
            ScimType::Mutability,
            "attribute 'urn:example:params:scim:schemas:extension:acme:2.0:User:badgeId' is immutable and already set",
        );
        assert_eq!(user, before);
    }
}

#[test]
fn an_immutable_attribute_set_to_its_value_is_a_no_op() {
    let registry = acme_registry();
    let mut user = bjensen_badge();
    let before = user.clone();
    assert_changed(
        patch_in(
            &registry,
            &mut user,
            &body(json!([{"op": "replace", "path": format!("{ACME}:badgeId"), "value": "B-1"}])),
            &STRICT,
        ),
        &[],
    );
    assert_eq!(user, before);
}

#[test]
fn an_immutable_attribute_cannot_be_removed() {
    let registry = acme_registry();
    let mut user = bjensen_badge();
    let before = user.clone();
    assert_error(
        patch_in(
            &registry,
            &mut user,
            &body(json!([{"op": "remove", "path": format!("{ACME}:badgeId")}])),
            &STRICT,
        ),
        ScimType::Mutability,
        "cannot be removed: it is immutable",
    );
    assert_eq!(user, before);
}

#[test]
fn the_immutable_value_of_a_member_cannot_be_changed() {
    // `members.value` is immutable (RFC 7643 §8.7.1).
    let mut group = group(&["u1", "u2"]);
    assert_rejected(
        &mut group,
        json!([{"op": "replace", "path": "members[value eq \"u1\"].value", "value": "u3"}]),
        &STRICT,
        ScimType::Mutability,
        "attribute 'members.value' is immutable",
    );
}

// ---------------------------------------------------------------------------------------
// Required attributes and types.

#[test]
fn a_required_attribute_cannot_be_removed() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "remove", "path": "userName"}]),
        &STRICT,
        ScimType::InvalidValue,
        "attribute 'userName' is required and cannot be removed",
    );
    let mut group = group(&["u1"]);
    assert_rejected(
        &mut group,
        json!([{"op": "remove", "path": "displayName"}]),
        &STRICT,
        ScimType::InvalidValue,
        "attribute 'displayName' is required and cannot be removed",
    );
}

#[test]
fn a_required_attribute_cannot_be_replaced_by_null() {
    // RFC 7644 §3.5.2.3 has no "replace with null"; if it is read as unassigning, the
    // `required` check applies as it does for `remove`.
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "path": "userName", "value": null}]),
        &STRICT,
        ScimType::InvalidValue,
        "userName",
    );
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "replace", "value": {"userName": null}}]),
        &STRICT,
        ScimType::InvalidValue,
        "userName",
    );
}

#[test]
fn values_of_the_wrong_type_are_invalid_value() {
    for (operation, detail) in [
        (
            json!({"op": "replace", "path": "active", "value": "yes"}),
            "attribute 'active' must be a boolean, not a string",
        ),
        (
            json!({"op": "replace", "path": "active", "value": "False"}),
            "attribute 'active' must be a boolean, not a string",
        ),
        (
            json!({"op": "replace", "path": "userName", "value": 42}),
            "attribute 'userName' must be a string, not a number",
        ),
        (
            json!({"op": "replace", "path": "name", "value": "Barbara Jensen"}),
            "attribute 'name' must be an object, not a string",
        ),
        (
            json!({"op": "add", "path": "emails", "value": ["babs@jensen.org"]}),
            "attribute 'emails' must be an object, not a string",
        ),
        (
            json!({"op": "replace", "path": "nickName", "value": ["Babs", "B"]}),
            "attribute 'nickName' is single-valued, not an array",
        ),
        (
            json!({"op": "replace", "path": "emails[type eq \"work\"].primary", "value": "true"}),
            "attribute 'emails.primary' must be a boolean, not a string",
        ),
        (
            json!({"op": "replace", "value": {"active": "False"}}),
            "attribute 'active' must be a boolean, not a string",
        ),
    ] {
        let mut user = bjensen();
        assert_rejected(
            &mut user,
            json!([operation]),
            &STRICT,
            ScimType::InvalidValue,
            detail,
        );
    }
}

#[test]
fn a_single_value_for_a_multi_valued_attribute_is_invalid_in_strict_mode() {
    // RFC 7644 §3.5.2.1 sends multi-valued values as arrays; the single-value shape is
    // `Compat::coerce_values`.
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "add", "path": "emails", "value": {"value": "babs@jensen.org", "type": "home"}}]),
        &STRICT,
        ScimType::InvalidValue,
        "emails",
    );
}

#[test]
fn unknown_attributes_are_invalid_path() {
    for (operation, name) in [
        (
            json!({"op": "add", "path": "nickNames", "value": "Babs"}),
            "nickNames",
        ),
        (json!({"op": "remove", "path": "adreses"}), "adreses"),
        (
            json!({"op": "replace", "path": "name.nickName", "value": "Babs"}),
            "name.nickName",
        ),
        (
            json!({"op": "replace", "value": {"nickName": "Babs", "adreses": []}}),
            "adreses",
        ),
        (
            json!({"op": "replace", "path": "adreses[type eq \"work\"].locality", "value": "x"}),
            "adreses",
        ),
    ] {
        let mut user = bjensen();
        assert_rejected(
            &mut user,
            json!([operation]),
            &STRICT,
            ScimType::InvalidPath,
            &format!("unknown attribute '{name}'"),
        );
    }
}

#[test]
fn extension_attributes_are_not_core_attributes() {
    let mut user = bjensen();
    assert_rejected(
        &mut user,
        json!([{"op": "add", "path": format!("{USER}:employeeNumber"), "value": "701984"}]),
        &STRICT,
        ScimType::InvalidPath,
        "unknown attribute",
    );
    let mut group = group(&[]);
    assert_rejected(
        &mut group,
        json!([{"op": "add", "path": "emails", "value": [{"value": "a@example.com"}]}]),
        &STRICT,
        ScimType::InvalidPath,
        "unknown attribute 'emails'",
    );
}

#[test]
fn schemas_cannot_be_rewritten_through_a_path() {
    // `schemas` follows from the attributes present (a path-less echo of it is skipped);
    // a path must not make a User list the Group schema, an extension without data, or
    // nothing at all. Whether such an operation is skipped or rejected, the resource is
    // unchanged and the outcome says so.
    for operation in [
        json!({"op": "add", "path": "schemas", "value": [GROUP]}),
        json!({"op": "replace", "path": "schemas", "value": []}),
        json!({"op": "replace", "path": "schemas", "value": [USER, ENTERPRISE]}),
    ] {
        let mut user = bjensen();
        let before = user.clone();
        let result = patch(&mut user, json!([operation]), &STRICT);
        assert_eq!(user, before, "{operation} -> {result:?}");
        if let Ok(outcome) = result {
            assert!(!outcome.changed());
        }
    }
}

// ---------------------------------------------------------------------------------------
// The outcome.

#[test]
fn no_op_requests_change_nothing() {
    for operations in [
        json!([{"op": "replace", "path": "displayName", "value": "Babs Jensen"}]),
        json!([{"op": "replace", "path": "name.givenName", "value": "Barbara"}]),
        json!([{"op": "add", "value": {"active": true, "userName": "bjensen@example.com"}}]),
        json!([{"op": "remove", "path": "nickName"}]),
        json!([{"op": "remove", "path": "name.middleName"}]),
        json!([{"op": "remove", "path": format!("{ENTERPRISE}:employeeNumber")}]),
        json!([{"op": "remove", "path": "emails[type eq \"home\"]"}]),
        json!([{"op": "add", "path": "emails", "value": [{"value": "bjensen@example.com"}]}]),
        json!([
            {"op": "replace", "path": "displayName", "value": "Someone Else"},
            {"op": "replace", "path": "displayName", "value": "Babs Jensen"},
        ]),
        json!([
            {"op": "add", "path": format!("{ENTERPRISE}:department"), "value": "Tour"},
            {"op": "remove", "path": format!("{ENTERPRISE}:department")},
        ]),
    ] {
        let mut user = bjensen();
        let before = user.clone();
        let outcome = patch(&mut user, operations.clone(), &STRICT)
            .unwrap_or_else(|err| panic!("{operations}: {err}"));
        assert_eq!(
            outcome.changed_attributes,
            Vec::<String>::new(),
            "{operations}"
        );
        assert!(!outcome.changed());
        assert_eq!(user, before, "{operations}");
    }
}

#[test]
fn changed_attributes_are_listed_once_in_the_order_first_touched() {
    let mut user = bjensen_enterprise();
    assert_changed(
        patch(
            &mut user,
            json!([
                {"op": "replace", "path": "title", "value": "Tour Guide"},
                {"op": "replace", "path": format!("{ENTERPRISE}:employeeNumber"), "value": "1"},
                {"op": "replace", "path": "name.givenName", "value": "Babs"},
                {"op": "replace", "path": "title", "value": "Senior Tour Guide"},
                {"op": "add", "path": "name.middleName", "value": "Jane"},
                {"op": "replace", "path": "displayName", "value": "Babs Jensen"},
            ]),
            &STRICT,
        ),
        &["title", &format!("{ENTERPRISE}:employeeNumber"), "name"],
    );
}
