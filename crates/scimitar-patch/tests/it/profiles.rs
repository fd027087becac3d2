//! Every `Compat` switch: the identity providers' request bodies (fixtures, verbatim)
//! under the profile that accepts them and under [`Compat::STRICT`], which rejects them
//! or reads them by the RFC. Where a body also uses another deviation (Entra's
//! capitalised `op`), [`strict_any_case`] shows the difference the switch itself makes.

use scimitar_patch::{Compat, PatchRequest, UnknownProfile};
use scimitar_schema::{Resource, ScimType};
use serde_json::{Value, json};

use crate::{
    BJENSEN_ID, ENTERPRISE, MANAGER_ID, USER, assert_changed, assert_error, bjensen,
    bjensen_enterprise, changed, core, fixture, group, patch, patch_fixture, patch_in, strict_with,
};

const STRICT: Compat = Compat::STRICT;
const ENTRA: Compat = Compat::ENTRA;
const OKTA: Compat = Compat::OKTA;
const LENIENT: Compat = Compat::LENIENT;

/// Entra's member ids in the fixtures.
const MEMBER_A: &str = "6764549bef60420686bc";
const MEMBER_B: &str = "f648f8d5ea4e4cd38e9c";
const MEMBER_C: &str = "9a1b2c3d4e5f60718293";

/// [`Compat::STRICT`] plus `op` in any case: strict about everything else.
fn strict_any_case() -> Compat {
    strict_with(|compat| compat.op_any_case = true)
}

/// Applies fixture `name` under `compat` and asserts that it fails with `scim_type` and
/// leaves `resource` unchanged.
#[track_caller]
fn assert_fixture_rejected(
    resource: &mut Resource,
    name: &str,
    compat: &Compat,
    scim_type: ScimType,
    detail: &str,
) {
    let before = resource.clone();
    assert_error(patch_fixture(resource, name, compat), scim_type, detail);
    assert_eq!(*resource, before, "a rejected PATCH changes nothing");
}

/// Capitalised `op` is rejected by STRICT while parsing.
const BAD_OP: &str = "operation 1 needs \"op\": \"add\", \"remove\" or \"replace\"";

// ---------------------------------------------------------------------------------------
// The profiles themselves.

#[test]
fn profiles_parse_and_print_by_name() {
    for (name, profile) in [
        ("strict", STRICT),
        ("entra", ENTRA),
        ("okta", OKTA),
        ("lenient", LENIENT),
    ] {
        assert_eq!(name.parse::<Compat>(), Ok(profile));
        assert_eq!(name.to_uppercase().parse::<Compat>(), Ok(profile));
        assert_eq!(profile.to_string(), name);
        assert_eq!(profile.profile_name(), Some(name));
    }
    assert_eq!(
        "azure".parse::<Compat>(),
        Err(UnknownProfile("azure".into()))
    );
    assert_eq!(
        UnknownProfile("azure".into()).to_string(),
        "unknown compatibility profile \"azure\": expected strict, entra, okta or lenient"
    );
    let custom = strict_any_case();
    assert_eq!(custom.profile_name(), None);
    assert_eq!(custom.to_string(), "custom");
    assert_eq!(Compat::default(), LENIENT);
}

#[test]
fn lenient_accepts_what_entra_or_okta_accept() {
    let switches = |compat: &Compat| {
        [
            compat.op_any_case,
            compat.coerce_values,
            compat.path_keys,
            compat.remove_listed_values,
            compat.create_missing_element,
            compat.ignore_unchanged_read_only,
            compat.manager_shapes,
            compat.bare_member_ids,
            compat.lenient_paths,
            compat.ignore_unknown_attributes,
        ]
    };
    let (entra, okta) = (switches(&ENTRA), switches(&OKTA));
    let union: Vec<bool> = entra.iter().zip(okta).map(|(e, o)| *e || o).collect();
    assert_eq!(switches(&LENIENT).to_vec(), union);
    assert!(switches(&LENIENT).iter().all(|on| *on));
    assert!(switches(&STRICT).iter().all(|on| !on));
}

// ---------------------------------------------------------------------------------------
// `op_any_case` and `coerce_values`: `{"op":"Replace","path":"active","value":"False"}`.

#[test]
fn entra_replace_active_false() {
    for profile in [ENTRA, LENIENT] {
        let mut user = bjensen();
        let before = user.clone();
        assert_changed(
            patch_fixture(&mut user, "entra-replace-active.json", &profile),
            &["active"],
        );
        assert_eq!(
            user.into_value(),
            changed(&before, json!({"active": false}))
        );
    }
}

#[test]
fn entra_replace_active_true() {
    let mut user = bjensen();
    user.as_map_mut().insert("active".into(), json!(false));
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-replace-active-true.json", &ENTRA),
        &["active"],
    );
    assert_eq!(user.into_value(), changed(&before, json!({"active": true})));
}

#[test]
fn entra_replace_active_under_strict() {
    // The capitalised op fails first; with it allowed, the string "False" does.
    let mut user = bjensen();
    assert_fixture_rejected(
        &mut user,
        "entra-replace-active.json",
        &STRICT,
        ScimType::InvalidSyntax,
        BAD_OP,
    );
    assert_fixture_rejected(
        &mut user,
        "entra-replace-active.json",
        &strict_any_case(),
        ScimType::InvalidValue,
        "operation 1: attribute 'active' must be a boolean, not a string",
    );
    // Okta capitalises nothing and sends booleans: its profile does not coerce.
    assert_fixture_rejected(
        &mut user,
        "entra-replace-active.json",
        &OKTA,
        ScimType::InvalidValue,
        "attribute 'active' must be a boolean, not a string",
    );
}

#[test]
fn op_any_case_alone_accepts_capitalised_ops() {
    let compat = strict_any_case();
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([
                {"op": "ADD", "path": "nickName", "value": "Babs"},
                {"op": "Replace", "path": "active", "value": false},
                {"op": "rEmOvE", "path": "displayName"},
            ]),
            &compat,
        ),
        &["nickName", "active", "displayName"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"nickName": "Babs", "active": false, "displayName": null})
        )
    );
}

#[test]
fn coerce_values_alone_accepts_boolean_strings() {
    let compat = strict_with(|compat| {
        compat.op_any_case = true;
        compat.coerce_values = true;
    });
    for (text, flag) in [("False", false), ("TRUE", true), ("false", false)] {
        let mut user = bjensen();
        patch(
            &mut user,
            json!([{"op": "Replace", "path": "active", "value": text}]),
            &compat,
        )
        .unwrap();
        assert_eq!(user.get_attr("active"), Some(&json!(flag)));
    }
    let mut user = bjensen();
    assert_error(
        patch(
            &mut user,
            json!([{"op": "Replace", "path": "active", "value": "yes"}]),
            &compat,
        ),
        ScimType::InvalidValue,
        "attribute 'active' must be a boolean",
    );
}

#[test]
fn coerce_values_turns_numbers_into_strings() {
    let operations = json!([{"op": "replace", "path": "externalId", "value": 701984}]);
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(&mut user, operations.clone(), &ENTRA),
        &["externalId"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"externalId": "701984"}))
    );
    let mut user = bjensen();
    assert_error(
        patch(&mut user, operations, &STRICT),
        ScimType::InvalidValue,
        "attribute 'externalId' must be a string, not a number",
    );
}

#[test]
fn coerce_values_accepts_one_value_for_a_multi_valued_attribute() {
    let operations = json!([{"op": "add", "path": "emails", "value": {"value": "babs@jensen.org", "type": "home"}}]);
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(patch(&mut user, operations.clone(), &ENTRA), &["emails"]);
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"},
            ]})
        )
    );
    // Under STRICT: see rfc::a_single_value_for_a_multi_valued_attribute_is_invalid_in_strict_mode.
}

// ---------------------------------------------------------------------------------------
// One operation per attribute (Entra without `aadOptscim062020`).

#[test]
fn entra_replace_one_attribute_per_operation() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-replace-attributes.json", &ENTRA),
        &["emails", "name", &format!("{ENTERPRISE}:employeeNumber")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "emails": [{"value": "updatedEmail@microsoft.com", "type": "work", "primary": true}],
                "name": {"familyName": "updatedFamilyName", "givenName": "Barbara"},
                ENTERPRISE: {"employeeNumber": "701985", "manager": {"value": MANAGER_ID}},
            })
        )
    );
    // The same operations are RFC 7644 but for the capitalised op.
    let mut user = bjensen_enterprise();
    assert_fixture_rejected(
        &mut user,
        "entra-replace-attributes.json",
        &STRICT,
        ScimType::InvalidSyntax,
        BAD_OP,
    );
    assert_changed(
        patch_fixture(
            &mut user,
            "entra-replace-attributes.json",
            &strict_any_case(),
        ),
        &["emails", "name", &format!("{ENTERPRISE}:employeeNumber")],
    );
}

// ---------------------------------------------------------------------------------------
// `path_keys`: a path-less replace whose value keys are paths (Entra with the flag).

/// What `entra-path-keys.json` makes of [`bjensen`].
fn bjensen_after_path_keys(before: &Resource) -> Value {
    changed(
        before,
        json!({
            "schemas": [USER, ENTERPRISE],
            "displayName": "Barbara J. Jensen",
            "name": {"familyName": "Jensen-Smith", "givenName": "Barbara J."},
            ENTERPRISE: {"employeeNumber": "701985", "department": "Tour Operations"},
        }),
    )
}

#[test]
fn entra_path_keys_set_sub_attributes_and_extension_attributes() {
    for profile in [ENTRA, LENIENT, strict_with(|c| c.path_keys = true)] {
        let mut user = bjensen();
        let before = user.clone();
        assert_changed(
            patch_fixture(&mut user, "entra-path-keys.json", &profile),
            &[
                "displayName",
                "name",
                &format!("{ENTERPRISE}:department"),
                &format!("{ENTERPRISE}:employeeNumber"),
            ],
        );
        let after = user.into_value();
        for key in after.as_object().unwrap().keys() {
            assert!(
                !key.starts_with("name.") && !key.starts_with(&format!("{ENTERPRISE}:")),
                "{key:?} must not become a top-level key"
            );
        }
        assert_eq!(after, bjensen_after_path_keys(&before));
    }
}

#[test]
fn entra_path_keys_under_strict() {
    let mut user = bjensen();
    assert_fixture_rejected(
        &mut user,
        "entra-path-keys.json",
        &STRICT,
        ScimType::InvalidPath,
        "operation 1: unknown attribute 'name.",
    );
    // Ignoring unknown attributes without `path_keys` skips the dotted keys: they never
    // become top-level attributes.
    let compat = strict_with(|c| c.ignore_unknown_attributes = true);
    let mut user = bjensen();
    let before = user.clone();
    let outcome = assert_changed(
        patch_fixture(&mut user, "entra-path-keys.json", &compat),
        &["displayName"],
    );
    assert_eq!(outcome.warnings.len(), 4, "{:?}", outcome.warnings);
    assert!(
        outcome
            .warnings
            .iter()
            .any(|warning| warning.contains("'name.givenName'")),
        "{:?}",
        outcome.warnings
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"displayName": "Barbara J. Jensen"}))
    );
}

#[test]
fn path_keys_in_a_path_less_add() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "Add", "value": {
                "name.middleName": "Jane",
                format!("{ENTERPRISE}:manager"): MANAGER_ID,
            }}]),
            &ENTRA,
        ),
        &["name", &format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({
                "schemas": [USER, ENTERPRISE],
                "name": {"familyName": "Jensen", "givenName": "Barbara", "middleName": "Jane"},
                ENTERPRISE: {"manager": {"value": MANAGER_ID}},
            })
        )
    );
}

// ---------------------------------------------------------------------------------------
// `remove_listed_values`: `{"op":"Remove","path":"members","value":[{"value":"id"}]}`.

#[test]
fn entra_remove_members_by_value_removes_only_those() {
    for profile in [ENTRA, LENIENT] {
        let mut group = group(&[MEMBER_A, MEMBER_B, MEMBER_C]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "entra-remove-members-by-value.json", &profile),
            &["members"],
        );
        assert_eq!(
            group.into_value(),
            changed(
                &before,
                json!({"members": [{"value": MEMBER_A}, {"value": MEMBER_C}]})
            )
        );
    }
}

#[test]
fn entra_remove_of_the_last_member_unassigns_members() {
    let mut group = group(&[MEMBER_B]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "entra-remove-members-by-value.json", &ENTRA),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(&before, json!({"members": null}))
    );
}

#[test]
fn entra_remove_of_an_absent_member_is_a_no_op() {
    let mut group = group(&[MEMBER_A, MEMBER_C]);
    let before = group.clone();
    assert_changed(
        patch_fixture(&mut group, "entra-remove-members-by-value.json", &ENTRA),
        &[],
    );
    assert_eq!(group, before);
}

#[test]
fn entra_remove_members_by_value_under_strict_never_removes_all_members() {
    for (profile, scim_type, detail) in [
        (STRICT, ScimType::InvalidSyntax, BAD_OP),
        (
            strict_any_case(),
            ScimType::InvalidSyntax,
            "operation 1: 'remove' takes no value; to remove some values of 'members' select them with a filter, such as members[value eq \"…\"]",
        ),
        (OKTA, ScimType::InvalidSyntax, "'remove' takes no value"),
    ] {
        let mut group = group(&[MEMBER_A, MEMBER_B, MEMBER_C]);
        assert_fixture_rejected(
            &mut group,
            "entra-remove-members-by-value.json",
            &profile,
            scim_type,
            detail,
        );
        assert_eq!(
            group
                .get_attr("members")
                .and_then(Value::as_array)
                .map(Vec::len),
            Some(3)
        );
    }
}

#[test]
fn remove_listed_values_alone() {
    let compat = strict_with(|c| c.remove_listed_values = true);
    let mut group = group(&[MEMBER_A, MEMBER_B, MEMBER_C]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([{"op": "remove", "path": "members", "value": [{"value": MEMBER_A}, {"value": "absent"}, {"value": MEMBER_C}]}]),
            &compat,
        ),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(&before, json!({"members": [{"value": MEMBER_B}]}))
    );
}

#[test]
fn entra_remove_member_by_filter() {
    // With the flag Entra sends an RFC value filter: the same under every profile but for
    // the capitalised op.
    for profile in [ENTRA, strict_any_case()] {
        let mut group = group(&[MEMBER_A, MEMBER_B, MEMBER_C]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "entra-remove-member-by-filter.json", &profile),
            &["members"],
        );
        assert_eq!(
            group.into_value(),
            changed(
                &before,
                json!({"members": [{"value": MEMBER_A}, {"value": MEMBER_C}]})
            )
        );
    }
}

// ---------------------------------------------------------------------------------------
// `create_missing_element`: a filtered path that matches nothing.

#[test]
fn entra_add_work_email_creates_the_element() {
    let mut user = bjensen();
    user.as_map_mut().remove("emails");
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-add-work-email.json", &ENTRA),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [{"type": "work", "value": "bjensen@contoso.com"}]})
        )
    );
}

#[test]
fn entra_replace_work_email_appends_the_element() {
    let mut user = bjensen();
    user.as_map_mut().insert(
        "emails".into(),
        json!([{"value": "babs@jensen.org", "type": "home", "primary": true}]),
    );
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-replace-work-email.json", &ENTRA),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "babs@jensen.org", "type": "home", "primary": true},
                {"type": "work", "value": "bjensen@contoso.com"},
            ]})
        )
    );
}

#[test]
fn entra_add_work_address_formatted_creates_the_address() {
    // From a question to Microsoft: Entra adds to `addresses[type eq "work"]` on a user
    // without addresses, and expects the address to be created.
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-add-work-address-formatted.json", &ENTRA),
        &["addresses"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"addresses": [{"type": "work", "formatted": "Columbus"}]})
        )
    );
    let mut user = bjensen();
    assert_fixture_rejected(
        &mut user,
        "entra-add-work-address-formatted.json",
        &strict_any_case(),
        ScimType::NoTarget,
        "no value of 'addresses' matches [type eq \"work\"]",
    );
}

#[test]
fn entra_add_work_email_sets_the_existing_one() {
    // Entra also sends `Add` to change the work e-mail: the matching value changes, no
    // second work e-mail appears.
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-add-work-email.json", &ENTRA),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [{"value": "bjensen@contoso.com", "type": "work", "primary": true}]})
        )
    );
}

#[test]
fn entra_replace_work_email_changes_an_existing_one() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-replace-work-email.json", &ENTRA),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [{"value": "bjensen@contoso.com", "type": "work", "primary": true}]})
        )
    );
}

#[test]
fn entra_work_email_without_a_match_under_strict_is_no_target() {
    for name in ["entra-add-work-email.json", "entra-replace-work-email.json"] {
        let mut user = bjensen();
        user.as_map_mut().remove("emails");
        assert_fixture_rejected(&mut user, name, &STRICT, ScimType::InvalidSyntax, BAD_OP);
        assert_fixture_rejected(
            &mut user,
            name,
            &strict_any_case(),
            ScimType::NoTarget,
            "operation 1: no value of 'emails' matches [type eq \"work\"]",
        );
        // Okta does not need it.
        assert_fixture_rejected(&mut user, name, &OKTA, ScimType::NoTarget, "no value");
    }
}

#[test]
fn create_missing_element_alone() {
    let compat = strict_with(|c| c.create_missing_element = true);
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": "+1 555 0100"}]),
            &compat,
        ),
        &["phoneNumbers"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"phoneNumbers": [{"type": "mobile", "value": "+1 555 0100"}]})
        )
    );
}

#[test]
fn create_missing_element_with_several_eq_conditions() {
    // `type eq "work" and primary eq true`: the new element is the primary one.
    let mut user = bjensen();
    user.as_map_mut().insert(
        "emails".into(),
        json!([{"value": "babs@jensen.org", "type": "home", "primary": true}]),
    );
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "Replace", "path": "emails[type eq \"work\" and primary eq true].value", "value": "bjensen@contoso.com"}]),
            &ENTRA,
        ),
        &["emails"],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({"emails": [
                {"value": "babs@jensen.org", "type": "home", "primary": false},
                {"type": "work", "primary": true, "value": "bjensen@contoso.com"},
            ]})
        )
    );
}

#[test]
fn create_missing_element_needs_eq_conditions_only() {
    for path in [
        "emails[type co \"work\"].value",
        "emails[type eq \"work\" or type eq \"other\"].value",
        "emails[type ne \"home\"].value",
        "emails[not (type eq \"home\")].value",
        "emails[type pr].value",
    ] {
        for op in ["Add", "Replace"] {
            let mut user = bjensen();
            user.as_map_mut().remove("emails");
            let before = user.clone();
            assert_error(
                patch(
                    &mut user,
                    json!([{"op": op, "path": path, "value": "bjensen@contoso.com"}]),
                    &ENTRA,
                ),
                ScimType::NoTarget,
                "no value of 'emails' matches",
            );
            assert_eq!(user, before, "{op} {path}");
        }
    }
}

/// Applies `op` on `emails[type eq "work"]` with a whole value, twice, to a user without
/// e-mails under ENTRA: the created element must match the filter, so the second
/// request finds it and changes nothing.
fn create_whole_work_email(op: &str) {
    let mut user = bjensen();
    user.as_map_mut().remove("emails");
    let before = user.clone();
    let operations = json!([{
        "op": op,
        "path": "emails[type eq \"work\"]",
        "value": {"value": "bjensen@contoso.com"},
    }]);
    assert_changed(patch(&mut user, operations.clone(), &ENTRA), &["emails"]);
    let expected = changed(
        &before,
        json!({"emails": [{"type": "work", "value": "bjensen@contoso.com"}]}),
    );
    assert_eq!(user.clone().into_value(), expected, "{op}");
    assert_changed(patch(&mut user, operations, &ENTRA), &[]);
    assert_eq!(user.into_value(), expected, "{op} again");
}

#[test]
fn create_missing_element_for_a_whole_value_by_add() {
    create_whole_work_email("Add");
}

#[test]
fn create_missing_element_for_a_whole_value_by_replace() {
    // Without a trailing sub-attribute the value is the element; the filter's `eq`
    // conditions still describe it (as they do for `add`), or the next identical
    // request adds a second copy.
    create_whole_work_email("Replace");
}

#[test]
fn create_missing_element_does_not_apply_to_remove() {
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "Remove", "path": "emails[type eq \"home\"].value"}]),
            &ENTRA,
        ),
        &[],
    );
    assert_eq!(user, before);
}

// ---------------------------------------------------------------------------------------
// `ignore_unchanged_read_only`: Okta's `{"op":"replace","value":{"id":…,"displayName":…}}`.

/// The group whose id `okta-replace-id-displayname.json` echoes.
fn okta_group() -> Resource {
    group(&[MEMBER_A])
}

#[test]
fn okta_replace_with_the_same_id() {
    for profile in [
        OKTA,
        LENIENT,
        strict_with(|c| c.ignore_unchanged_read_only = true),
    ] {
        let mut group = okta_group();
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "okta-replace-id-displayname.json", &profile),
            &["displayName"],
        );
        assert_eq!(
            group.into_value(),
            changed(&before, json!({"displayName": "Tour Guides (EMEA)"}))
        );
    }
}

#[test]
fn okta_replace_with_the_same_id_under_strict() {
    for profile in [STRICT, ENTRA] {
        let mut group = okta_group();
        assert_fixture_rejected(
            &mut group,
            "okta-replace-id-displayname.json",
            &profile,
            ScimType::Mutability,
            "operation 1: attribute 'id' is read-only",
        );
    }
}

#[test]
fn okta_replace_with_another_id_is_rejected() {
    let mut body = fixture("okta-replace-id-displayname.json");
    body["Operations"][0]["value"]["id"] = json!("another-id");
    for profile in [OKTA, LENIENT] {
        let mut group = okta_group();
        let before = group.clone();
        assert_error(
            patch_in(&core(), &mut group, &body, &profile),
            ScimType::Mutability,
            "attribute 'id' is read-only",
        );
        assert_eq!(group, before);
    }
}

#[test]
fn ignore_unchanged_read_only_is_for_path_less_values_only() {
    let mut group = okta_group();
    let id = group.id().unwrap().to_owned();
    let before = group.clone();
    assert_error(
        patch(
            &mut group,
            json!([{"op": "replace", "path": "id", "value": id}]),
            &OKTA,
        ),
        ScimType::Mutability,
        "attribute 'id' is read-only",
    );
    assert_eq!(group, before);
}

#[test]
fn okta_echo_of_id_and_meta() {
    let mut user = bjensen();
    let meta = user.get_attr("meta").unwrap().clone();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "replace", "value": {"id": BJENSEN_ID, "meta": meta, "active": false}}]),
            &OKTA,
        ),
        &["active"],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"active": false}))
    );
}

// ---------------------------------------------------------------------------------------
// Okta's other shapes, all RFC 7644: the same under STRICT.

#[test]
fn okta_deactivate() {
    for profile in [OKTA, STRICT, ENTRA] {
        let mut user = bjensen();
        let before = user.clone();
        assert_changed(
            patch_fixture(&mut user, "okta-deactivate.json", &profile),
            &["active"],
        );
        assert_eq!(
            user.into_value(),
            changed(&before, json!({"active": false}))
        );
    }
}

#[test]
fn okta_replace_members_with_the_full_list() {
    for profile in [OKTA, STRICT] {
        let mut group = group(&[MEMBER_A, MEMBER_C]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "okta-replace-members.json", &profile),
            &["members"],
        );
        assert_eq!(
            group.into_value(),
            changed(
                &before,
                json!({"members": [
                    {"value": MEMBER_A, "display": "bjensen@example.com"},
                    {"value": MEMBER_B, "display": "jsmith@example.com"},
                ]})
            )
        );
    }
}

#[test]
fn okta_add_and_remove_members() {
    for profile in [OKTA, STRICT] {
        let mut group = group(&[MEMBER_A]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "okta-add-members.json", &profile),
            &["members"],
        );
        assert_changed(
            patch_fixture(&mut group, "okta-add-members.json", &profile),
            &[],
        );
        assert_changed(
            patch_fixture(&mut group, "okta-remove-member.json", &profile),
            &["members"],
        );
        assert_eq!(
            group.into_value(),
            changed(
                &before,
                json!({"members": [{"value": MEMBER_B, "display": "jsmith@example.com"}]})
            )
        );
    }
}

// ---------------------------------------------------------------------------------------
// `manager_shapes`: a string id, `{"value": id}` or `[{"value": id, …}]`.

/// The manager shapes as `(fixture, value)`.
fn manager_shapes() -> [(&'static str, Value); 3] {
    [
        ("entra-manager-string.json", json!(MANAGER_ID)),
        ("entra-manager-object.json", json!({"value": MANAGER_ID})),
        (
            "entra-manager-array.json",
            json!([{"$ref": null, "value": MANAGER_ID}]),
        ),
    ]
}

/// [`bjensen`] with `manager: {"value": MANAGER_ID}`.
fn bjensen_with_manager(before: &Resource) -> Value {
    changed(
        before,
        json!({"schemas": [USER, ENTERPRISE], ENTERPRISE: {"manager": {"value": MANAGER_ID}}}),
    )
}

#[test]
fn entra_manager_fixtures() {
    for (name, _) in manager_shapes() {
        for profile in [ENTRA, LENIENT] {
            let mut user = bjensen();
            let before = user.clone();
            assert_changed(
                patch_fixture(&mut user, name, &profile),
                &[&format!("{ENTERPRISE}:manager")],
            );
            assert_eq!(user.into_value(), bjensen_with_manager(&before), "{name}");
        }
    }
}

#[test]
fn manager_shapes_under_either_path() {
    let compat = strict_with(|c| c.manager_shapes = true);
    let full_path = format!("{ENTERPRISE}:manager");
    for (_, value) in manager_shapes() {
        for path in ["manager", "MANAGER", full_path.as_str()] {
            for op in ["add", "replace"] {
                let mut user = bjensen();
                let before = user.clone();
                assert_changed(
                    patch(
                        &mut user,
                        json!([{"op": op, "path": path, "value": value}]),
                        &compat,
                    ),
                    &[&full_path],
                );
                assert_eq!(
                    user.into_value(),
                    bjensen_with_manager(&before),
                    "{op} {path} {value}"
                );
            }
        }
    }
}

#[test]
fn manager_as_a_string_replaces_the_current_one() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "Replace", "path": "manager", "value": "new-manager"}]),
            &ENTRA,
        ),
        &[&format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(
        user.into_value(),
        changed(
            &before,
            json!({ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "new-manager"}}})
        )
    );
}

#[test]
fn manager_shapes_under_strict() {
    let compat = strict_any_case();
    let mut user = bjensen();
    assert_fixture_rejected(
        &mut user,
        "entra-manager-string.json",
        &compat,
        ScimType::InvalidValue,
        "attribute 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager' must be an object, not a string",
    );
    assert_fixture_rejected(
        &mut user,
        "entra-manager-array.json",
        &compat,
        ScimType::InvalidValue,
        "manager' is single-valued, not an array",
    );
    // The object is the RFC's shape.
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-manager-object.json", &compat),
        &[&format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(user.into_value(), bjensen_with_manager(&before));
}

#[test]
fn manager_array_of_several_values_is_invalid() {
    let mut user = bjensen();
    let before = user.clone();
    assert_error(
        patch(
            &mut user,
            json!([{"op": "Add", "path": "manager", "value": [{"value": "a"}, {"value": "b"}]}]),
            &ENTRA,
        ),
        ScimType::InvalidValue,
        "manager",
    );
    assert_eq!(user, before);
}

#[test]
fn entra_remove_manager_by_filter() {
    for profile in [ENTRA, STRICT] {
        let mut user = bjensen_enterprise();
        let before = user.clone();
        assert_changed(
            patch_fixture(&mut user, "entra-remove-manager.json", &profile),
            &[&format!("{ENTERPRISE}:manager")],
        );
        assert_eq!(
            user.into_value(),
            changed(&before, json!({ENTERPRISE: {"employeeNumber": "701984"}}))
        );
    }
}

#[test]
fn entra_remove_of_the_only_manager_removes_the_extension() {
    let mut user = bjensen();
    user.as_map_mut()
        .insert("schemas".into(), json!([USER, ENTERPRISE]));
    user.as_map_mut()
        .insert(ENTERPRISE.into(), json!({"manager": {"value": MANAGER_ID}}));
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-remove-manager.json", &ENTRA),
        &[&format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"schemas": [USER], ENTERPRISE: null}))
    );
}

#[test]
fn entra_remove_manager_with_another_id_is_a_no_op() {
    let mut user = bjensen_enterprise();
    user.as_map_mut()[ENTERPRISE]["manager"] = json!({"value": "someone-else"});
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-remove-manager.json", &ENTRA),
        &[],
    );
    assert_eq!(user, before);
    // And without any manager.
    let mut user = bjensen();
    let before = user.clone();
    assert_changed(
        patch_fixture(&mut user, "entra-remove-manager.json", &ENTRA),
        &[],
    );
    assert_eq!(user, before);
}

#[test]
fn remove_manager_by_filter_on_the_full_path() {
    let mut user = bjensen_enterprise();
    let before = user.clone();
    assert_changed(
        patch(
            &mut user,
            json!([{"op": "remove", "path": format!("{ENTERPRISE}:manager[value eq \"{MANAGER_ID}\"]")}]),
            &STRICT,
        ),
        &[&format!("{ENTERPRISE}:manager")],
    );
    assert_eq!(
        user.into_value(),
        changed(&before, json!({ENTERPRISE: {"employeeNumber": "701984"}}))
    );
}

// ---------------------------------------------------------------------------------------
// Member adds: `[{"$ref":null,"value":"id"}]` and bare ids (`bare_member_ids`).

#[test]
fn entra_add_member() {
    for profile in [ENTRA, strict_any_case()] {
        let mut group = group(&[MEMBER_A]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "entra-add-member.json", &profile),
            &["members"],
        );
        let expected = changed(
            &before,
            json!({"members": [{"value": MEMBER_A}, {"value": MEMBER_B}]}),
        );
        assert_eq!(group.clone().into_value(), expected);
        // Adding a present member is a no-op.
        assert_changed(
            patch_fixture(&mut group, "entra-add-member.json", &profile),
            &[],
        );
        assert_eq!(group.into_value(), expected);
    }
    let mut group = group(&[MEMBER_A]);
    assert_fixture_rejected(
        &mut group,
        "entra-add-member.json",
        &STRICT,
        ScimType::InvalidSyntax,
        BAD_OP,
    );
}

#[test]
fn entra_add_member_as_a_bare_id() {
    for profile in [
        ENTRA,
        LENIENT,
        strict_with(|c| {
            c.op_any_case = true;
            c.bare_member_ids = true;
        }),
    ] {
        let mut group = group(&[MEMBER_A]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "entra-add-member-bare-id.json", &profile),
            &["members"],
        );
        assert_eq!(
            group.into_value(),
            changed(
                &before,
                json!({"members": [{"value": MEMBER_A}, {"value": MEMBER_B}]})
            )
        );
    }
}

#[test]
fn entra_add_member_as_a_bare_id_under_strict() {
    let mut group = group(&[MEMBER_A]);
    assert_fixture_rejected(
        &mut group,
        "entra-add-member-bare-id.json",
        &STRICT,
        ScimType::InvalidSyntax,
        BAD_OP,
    );
    assert_fixture_rejected(
        &mut group,
        "entra-add-member-bare-id.json",
        &strict_any_case(),
        ScimType::InvalidValue,
        "attribute 'members' is multi-valued: expected an array, not a string",
    );
}

#[test]
fn bare_member_ids_in_arrays_and_listed_removal() {
    let mut group = group(&[MEMBER_A]);
    let before = group.clone();
    assert_changed(
        patch(
            &mut group,
            json!([
                {"op": "Add", "path": "members", "value": [MEMBER_B, MEMBER_C, MEMBER_A]},
                {"op": "Remove", "path": "members", "value": [MEMBER_A]},
            ]),
            &ENTRA,
        ),
        &["members"],
    );
    assert_eq!(
        group.into_value(),
        changed(
            &before,
            json!({"members": [{"value": MEMBER_B}, {"value": MEMBER_C}]})
        )
    );
}

#[test]
fn entra_memberships_and_rename_in_one_patch() {
    for profile in [ENTRA, LENIENT] {
        let mut group = group(&[MEMBER_A, "0a0b0c0d0e0f10111213"]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "entra-memberships-and-rename.json", &profile),
            &["displayName", "members"],
        );
        assert_eq!(
            group.into_value(),
            changed(
                &before,
                json!({
                    "displayName": "Tour Guides (EMEA)",
                    "members": [
                        {"value": "0a0b0c0d0e0f10111213"},
                        {"value": MEMBER_B},
                        {"value": MEMBER_C},
                    ],
                })
            )
        );
    }
}

#[test]
fn entra_memberships_and_rename_under_strict() {
    let mut group = group(&[MEMBER_A, "0a0b0c0d0e0f10111213"]);
    assert_fixture_rejected(
        &mut group,
        "entra-memberships-and-rename.json",
        &STRICT,
        ScimType::InvalidSyntax,
        BAD_OP,
    );
    // The listed removal (operation 3) fails, and the rename and the adds before it are
    // undone.
    assert_fixture_rejected(
        &mut group,
        "entra-memberships-and-rename.json",
        &strict_any_case(),
        ScimType::InvalidSyntax,
        "operation 3: 'remove' takes no value",
    );
}

// ---------------------------------------------------------------------------------------
// `lenient_paths`: unquoted filter values in a path.

#[test]
fn unquoted_value_in_a_path() {
    for profile in [
        ENTRA,
        OKTA,
        strict_with(|c| {
            c.op_any_case = true;
            c.lenient_paths = true;
        }),
    ] {
        let mut group = group(&[MEMBER_A, MEMBER_B]);
        let before = group.clone();
        assert_changed(
            patch_fixture(&mut group, "entra-unquoted-member-path.json", &profile),
            &["members"],
        );
        assert_eq!(
            group.into_value(),
            changed(&before, json!({"members": [{"value": MEMBER_A}]}))
        );
    }
}

#[test]
fn unquoted_value_in_a_path_under_strict() {
    let mut group = group(&[MEMBER_A, MEMBER_B]);
    assert_fixture_rejected(
        &mut group,
        "entra-unquoted-member-path.json",
        &strict_any_case(),
        ScimType::InvalidPath,
        "operation 1: invalid path \"members[value eq f648f8d5ea4e4cd38e9c]\"",
    );
}

// ---------------------------------------------------------------------------------------
// `ignore_unknown_attributes`.

#[test]
fn entra_unknown_attribute_is_skipped_with_a_warning() {
    for profile in [ENTRA, LENIENT] {
        let mut user = bjensen();
        let before = user.clone();
        let outcome = assert_changed(
            patch_fixture(&mut user, "entra-custom-extension-attribute.json", &profile),
            &["displayName"],
        );
        assert_eq!(
            outcome.warnings,
            [
                "ignored unknown attribute 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute'"
            ]
        );
        assert_eq!(
            user.into_value(),
            changed(&before, json!({"displayName": "Barbara J. Jensen"}))
        );
    }
}

#[test]
fn entra_unknown_attribute_under_strict() {
    for profile in [strict_any_case(), OKTA] {
        let mut user = bjensen();
        assert_fixture_rejected(
            &mut user,
            "entra-custom-extension-attribute.json",
            &profile,
            ScimType::InvalidPath,
            "operation 1: unknown attribute 'urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute'",
        );
    }
}

#[test]
fn ignored_unknown_attributes_in_every_position() {
    let mut user = bjensen();
    let before = user.clone();
    let outcome = assert_changed(
        patch(
            &mut user,
            json!([
                {"op": "add", "path": "adreses", "value": [{"locality": "Hollywood"}]},
                {"op": "replace", "path": "name.nickName", "value": "Babs"},
                {"op": "remove", "path": "emails[type eq \"work\"].label"},
                {"op": "replace", "value": {"favouriteColour": "blue", "nickName": "Babs"}},
            ]),
            &ENTRA,
        ),
        &["nickName"],
    );
    assert_eq!(outcome.warnings.len(), 4, "{:?}", outcome.warnings);
    assert_eq!(
        user.into_value(),
        changed(&before, json!({"nickName": "Babs"}))
    );
}

#[test]
fn request_parsing_follows_the_profile() {
    let body = fixture("entra-replace-active.json");
    assert!(PatchRequest::from_value(&body, &ENTRA).is_ok());
    assert!(PatchRequest::from_value(&body, &STRICT).is_err());
}
