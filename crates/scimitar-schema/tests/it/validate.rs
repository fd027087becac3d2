//! Validation failures with their scimType, and lenient normalisation.

use scimitar_schema::{
    Resource, SchemaRegistry, ScimError, ScimType, ValidateMode, ValidateOptions, Validated,
    validate,
};
use serde_json::{Value, json};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn run(
    resource_type: &str,
    body: Value,
    options: &ValidateOptions<'_>,
) -> Result<Validated, ScimError> {
    let registry = SchemaRegistry::core();
    let resource_type = registry.resource_type(resource_type).unwrap();
    validate(
        &registry,
        resource_type,
        Resource::from_value(body).unwrap(),
        options,
    )
}

fn strict_user(body: Value) -> Result<Validated, ScimError> {
    run("User", body, &ValidateOptions::strict())
}

fn lenient_user(body: Value) -> Result<Validated, ScimError> {
    run("User", body, &ValidateOptions::lenient())
}

#[track_caller]
fn assert_error(result: Result<Validated, ScimError>, scim_type: ScimType, detail: &str) {
    let error = result.expect_err("validation should fail");
    assert_eq!(error.status, 400, "{error}");
    assert_eq!(error.scim_type, Some(scim_type), "{error}");
    assert_eq!(error.detail.as_deref(), Some(detail));
}

#[test]
fn a_valid_user_is_normalised() {
    let validated = strict_user(json!({
        "schemas": [USER, ENTERPRISE],
        "USERNAME": "bjensen",
        "Name": {"FamilyName": "Jensen", "givenName": null},
        "nickName": null,
        "roles": [],
        "emails": [{"value": "b@example.com", "Primary": true}, {"value": "c@example.com", "primary": false}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Department": "Tour"},
    }))
    .unwrap();
    assert!(validated.warnings.is_empty());
    assert_eq!(
        validated.resource.into_value(),
        json!({
            "schemas": [USER, ENTERPRISE],
            "userName": "bjensen",
            "name": {"familyName": "Jensen"},
            "emails": [{"value": "b@example.com", "primary": true}, {"value": "c@example.com", "primary": false}],
            ENTERPRISE: {"department": "Tour"},
        })
    );
}

#[test]
fn read_only_input_is_ignored() {
    let validated = strict_user(json!({
        "schemas": [USER],
        "id": "client-chosen",
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z"},
        "groups": [{"value": "e9e30dba"}],
        "userName": "bjensen",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": null,
    }))
    .unwrap();
    assert_eq!(
        validated.resource.into_value(),
        json!({"schemas": [USER], "userName": "bjensen"})
    );
}

#[test]
fn required_attributes() {
    assert_error(
        strict_user(json!({"schemas": [USER]})),
        ScimType::InvalidValue,
        "attribute 'userName' is required",
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": null})),
        ScimType::InvalidValue,
        "attribute 'userName' is required",
    );
    assert_error(
        run(
            "Group",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"]}),
            &ValidateOptions::strict(),
        ),
        ScimType::InvalidValue,
        "attribute 'displayName' is required",
    );
}

#[test]
fn types_are_checked() {
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": 7})),
        ScimType::InvalidValue,
        "attribute 'userName' must be a string, not a number",
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "b", "active": "True"})),
        ScimType::InvalidValue,
        "attribute 'active' must be a boolean, not a string",
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "b", "name": "Barbara"})),
        ScimType::InvalidValue,
        "attribute 'name' must be an object, not a string",
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "b", "name": {"familyName": true}})),
        ScimType::InvalidValue,
        "attribute 'name.familyName' must be a string, not a boolean",
    );
    assert_error(
        strict_user(
            json!({"schemas": [USER, ENTERPRISE], "userName": "b", ENTERPRISE: {"manager": {"value": 12}}}),
        ),
        ScimType::InvalidValue,
        &format!("attribute '{ENTERPRISE}:manager.value' must be a string, not a number"),
    );
}

#[test]
fn single_and_multi_valued() {
    assert_error(
        strict_user(
            json!({"schemas": [USER], "userName": "b", "emails": {"value": "b@example.com"}}),
        ),
        ScimType::InvalidValue,
        "attribute 'emails' is multi-valued: expected an array, not an object",
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": ["b"]})),
        ScimType::InvalidValue,
        "attribute 'userName' is single-valued, not an array",
    );
    let lenient = lenient_user(
        json!({"schemas": [USER], "userName": ["b"], "emails": {"value": "b@example.com"}}),
    )
    .unwrap();
    assert_eq!(
        lenient.resource.into_value(),
        json!({"schemas": [USER], "userName": "b", "emails": [{"value": "b@example.com"}]})
    );
}

#[test]
fn at_most_one_primary() {
    let body = json!({
        "schemas": [USER],
        "userName": "b",
        "emails": [{"value": "a@example.com", "primary": true}, {"value": "b@example.com", "primary": true}],
    });
    assert_error(
        strict_user(body.clone()),
        ScimType::InvalidValue,
        "at most one value of 'emails' may be primary",
    );
    assert_error(
        lenient_user(body),
        ScimType::InvalidValue,
        "at most one value of 'emails' may be primary",
    );
}

#[test]
fn schemas_must_match_the_extensions_present() {
    assert_error(
        strict_user(json!({"userName": "b"})),
        ScimType::InvalidValue,
        "attribute 'schemas' is required",
    );
    assert_error(
        strict_user(json!({"schemas": [ENTERPRISE], "userName": "b"})),
        ScimType::InvalidValue,
        &format!("'schemas' must list '{USER}'"),
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "b", ENTERPRISE: {"department": "x"}})),
        ScimType::InvalidValue,
        &format!("extension '{ENTERPRISE}' is present but not listed in 'schemas'"),
    );
    assert_error(
        strict_user(json!({"schemas": [USER, "urn:example:unknown"], "userName": "b"})),
        ScimType::InvalidSyntax,
        "unknown schema 'urn:example:unknown'",
    );
    // A listed extension without data is dropped from schemas.
    let validated = strict_user(json!({"schemas": [USER, ENTERPRISE], "userName": "b"})).unwrap();
    assert_eq!(
        validated.resource.into_value(),
        json!({"schemas": [USER], "userName": "b"})
    );
}

#[test]
fn unknown_attributes() {
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "b", "adreses": []})),
        ScimType::InvalidSyntax,
        "unknown attribute 'adreses'",
    );
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "b", "name": {"nick": "B"}})),
        ScimType::InvalidSyntax,
        "unknown sub-attribute 'name.nick'",
    );
    let validated =
        lenient_user(json!({"schemas": [USER], "userName": "b", "adreses": [{"x": 1}]})).unwrap();
    assert_eq!(
        validated.resource.into_value(),
        json!({"schemas": [USER], "userName": "b"})
    );
    assert_eq!(
        validated.warnings,
        vec!["ignored unknown attribute 'adreses'".to_owned()]
    );
}

#[test]
fn lenient_idp_shapes() {
    let validated = lenient_user(json!({
        "schemas": [USER, ENTERPRISE, "urn:ietf:params:scim:schemas:extension:enterprise:2.0", "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/User"],
        "userName": "b",
        "active": "False",
        ENTERPRISE: {"manager": "26118915", "employeeNumber": 701984},
    }))
    .unwrap();
    assert_eq!(
        validated.resource.into_value(),
        json!({
            "schemas": [USER, ENTERPRISE],
            "userName": "b",
            "active": false,
            ENTERPRISE: {"manager": {"value": "26118915"}, "employeeNumber": "701984"},
        })
    );
    // No schemas at all: the endpoint's type is assumed.
    let validated = lenient_user(json!({"userName": "b"})).unwrap();
    assert_eq!(
        validated.resource.into_value(),
        json!({"schemas": [USER], "userName": "b"})
    );
    assert_error(
        lenient_user(json!({"schemas": [USER], "userName": "b", "active": "maybe"})),
        ScimType::InvalidValue,
        "attribute 'active' must be a boolean, not a string",
    );
}

#[test]
fn date_times_are_checked() {
    let registry = SchemaRegistry::core();
    let groups = registry.resource_type("Group").unwrap();
    // meta is read-only and ignored, so use a custom extension with a dateTime.
    let mut registry = registry.clone();
    let schema = scimitar_schema::Schema::new("urn:example:ext:2.0:Group").attribute(
        scimitar_schema::AttributeDef::new("expires", scimitar_schema::AttributeType::DateTime),
    );
    registry.add_extension(&groups.name, schema, false).unwrap();
    let groups = registry.resource_type("Group").unwrap();
    let body = |expires: &str| {
        Resource::from_value(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group", "urn:example:ext:2.0:Group"],
            "displayName": "g",
            "urn:example:ext:2.0:Group": {"expires": expires},
        }))
        .unwrap()
    };
    for good in [
        "2008-01-23T04:56:22Z",
        "2015-10-10T14:38:21.8617979-07:00",
        "2008-01-23T04:56:22",
    ] {
        assert!(
            validate(&registry, groups, body(good), &ValidateOptions::strict()).is_ok(),
            "{good}"
        );
    }
    let error = validate(
        &registry,
        groups,
        body("yesterday"),
        &ValidateOptions::strict(),
    )
    .unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
    assert!(
        error
            .detail
            .unwrap()
            .contains("urn:example:ext:2.0:Group:expires")
    );
}

#[test]
fn immutable_attributes_keep_their_value_on_replace() {
    let registry = SchemaRegistry::core();
    let mut registry = registry.clone();
    let schema = scimitar_schema::Schema::new("urn:example:ext:2.0:User").attribute(
        scimitar_schema::AttributeDef::new("badge", scimitar_schema::AttributeType::String)
            .mutability(scimitar_schema::Mutability::Immutable),
    );
    registry.add_extension("User", schema, false).unwrap();
    let users = registry.resource_type("User").unwrap();
    let with_badge = |badge: Value| {
        Resource::from_value(json!({"schemas": [USER, "urn:example:ext:2.0:User"], "userName": "b", "urn:example:ext:2.0:User": {"badge": badge}}))
            .unwrap()
    };
    let existing = validate(
        &registry,
        users,
        with_badge(json!("A1")),
        &ValidateOptions::strict(),
    )
    .unwrap()
    .resource;
    let replace = ValidateOptions::strict().with_mode(ValidateMode::Replace(&existing));
    assert!(validate(&registry, users, with_badge(json!("A1")), &replace).is_ok());
    let error = validate(&registry, users, with_badge(json!("B2")), &replace).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::Mutability));
    assert_eq!(
        error.detail.as_deref(),
        Some("attribute 'urn:example:ext:2.0:User:badge' is immutable and cannot be changed")
    );
}

#[test]
fn required_extension() {
    let mut registry = SchemaRegistry::core();
    let schema = scimitar_schema::Schema::new("urn:example:required:2.0:User").attribute(
        scimitar_schema::AttributeDef::new("costCode", scimitar_schema::AttributeType::String)
            .required(true),
    );
    registry.add_extension("User", schema, true).unwrap();
    let users = registry.resource_type("User").unwrap();
    let error = validate(
        &registry,
        users,
        Resource::from_value(json!({"schemas": [USER], "userName": "b"})).unwrap(),
        &ValidateOptions::strict(),
    )
    .unwrap_err();
    assert_eq!(
        error.detail.as_deref(),
        Some("extension 'urn:example:required:2.0:User' is required")
    );
}

/// The RFC 7643 §8 examples validate strictly; what changes is only the read-only
/// input the server ignores.
#[test]
fn the_rfc_examples_validate() {
    let fixtures = [
        (
            "User",
            include_str!("../fixtures/rfc7643/8.1-user-minimal.json"),
        ),
        (
            "User",
            include_str!("../fixtures/rfc7643/8.2-user-full.json"),
        ),
        (
            "User",
            include_str!("../fixtures/rfc7643/8.3-user-enterprise.json"),
        ),
        ("Group", include_str!("../fixtures/rfc7643/8.4-group.json")),
    ];
    for (resource_type, text) in fixtures {
        let fixture: Value = serde_json::from_str(text).unwrap();
        let validated = run(resource_type, fixture.clone(), &ValidateOptions::strict())
            .unwrap_or_else(|err| panic!("{text}: {err}"));
        assert!(validated.warnings.is_empty());
        let mut expected = fixture;
        let object = expected.as_object_mut().unwrap();
        for read_only in ["id", "meta", "groups"] {
            object.remove(read_only);
        }
        if let Some(manager) = object
            .get_mut(ENTERPRISE)
            .and_then(|extension| extension.get_mut("manager"))
        {
            manager.as_object_mut().unwrap().remove("displayName");
        }
        assert_eq!(validated.resource.into_value(), expected);
    }
}

#[test]
fn an_attribute_given_twice_in_different_case_is_refused() {
    assert_error(
        lenient_user(json!({"schemas": [USER], "userName": "a", "USERNAME": "b"})),
        ScimType::InvalidSyntax,
        "attribute 'userName' is given twice (attribute names ignore case)",
    );
    let body = json!({
        "schemas": [USER, ENTERPRISE],
        "userName": "a",
        ENTERPRISE: {"department": "x"},
        "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"division": "y"},
    });
    let error = strict_user(body).unwrap_err();
    assert_eq!(error.scim_type, Some(ScimType::InvalidSyntax));
    assert_error(
        strict_user(
            json!({"schemas": [USER], "userName": "a", "name": {"givenName": "B", "GivenName": "C"}}),
        ),
        ScimType::InvalidSyntax,
        "attribute 'givenName' is given twice (attribute names ignore case)",
    );
}

#[test]
fn required_strings_must_not_be_blank() {
    assert_error(
        strict_user(json!({"schemas": [USER], "userName": "  "})),
        ScimType::InvalidValue,
        "attribute 'userName' must not be empty",
    );
    assert_error(
        run(
            "Group",
            json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": ""}),
            &ValidateOptions::lenient(),
        ),
        ScimType::InvalidValue,
        "attribute 'displayName' must not be empty",
    );
}
