//! The integration tests of `scimitar-patch`: RFC 7644 §3.5.2 rules, every `Compat`
//! switch with the identity providers' request bodies, PatchOp parsing errors,
//! the caps on a request, atomicity and behaviour at scale.
//!
//! The RFC's and the identity providers' request bodies live verbatim in
//! `tests/fixtures/*.json` and are read with [`fixture`]. This file holds the helpers the
//! modules share.

mod atomicity;
mod fuzz_corpus;
mod limits;
mod message;
mod profiles;
mod rfc;
mod scale;

use std::path::Path;

use scimitar_patch::{Compat, PatchOutcome, PatchRequest, apply};
use scimitar_schema::{
    AttributeDef, AttributeType, Mutability, Resource, Schema, SchemaRegistry, ScimError, ScimType,
};
use serde_json::{Value, json};

/// The PatchOp message URN.
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The core User schema URN.
const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// The core Group schema URN.
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The Enterprise User extension URN.
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// A host's own User extension, registered by [`acme_registry`].
const ACME: &str = "urn:example:params:scim:schemas:extension:acme:2.0:User";

/// Barbara Jensen's id, as in RFC 7643 §8.
const BJENSEN_ID: &str = "2819c223-7f76-453a-919d-413861904646";
/// Her manager's id, as in RFC 7643 §8.3.
const MANAGER_ID: &str = "26118915-6090-4610-87e4-49d8ca9f808d";

// ---------------------------------------------------------------------------------------
// Resources.

/// A resource from a JSON object.
fn resource(value: Value) -> Resource {
    Resource::from_value(value).expect("a JSON object")
}

/// A user with a work e-mail (primary) and no extension.
fn bjensen() -> Resource {
    resource(json!({
        "schemas": [USER],
        "id": BJENSEN_ID,
        "externalId": "bjensen",
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34Z",
            "version": "W/\"3694e05e9dff590\"",
            "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
        },
        "userName": "bjensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        "displayName": "Babs Jensen",
        "active": true,
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
    }))
}

/// [`bjensen`] with the Enterprise User extension: an employee number and a manager.
fn bjensen_enterprise() -> Resource {
    let mut user = bjensen();
    let map = user.as_map_mut();
    map.insert("schemas".into(), json!([USER, ENTERPRISE]));
    map.insert(
        ENTERPRISE.into(),
        json!({
            "employeeNumber": "701984",
            "manager": {"value": MANAGER_ID},
        }),
    );
    user
}

/// A group whose members are `ids`.
fn group(ids: &[&str]) -> Resource {
    let members: Vec<Value> = ids.iter().map(|id| json!({"value": id})).collect();
    resource(json!({
        "schemas": [GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": members,
    }))
}

/// `before` as JSON with the top-level `changes` applied: a `null` change means the
/// attribute is absent afterwards.
fn changed(before: &Resource, changes: Value) -> Value {
    let mut map = before.as_map().clone();
    let Value::Object(changes) = changes else {
        panic!("changes are an object");
    };
    for (key, value) in changes {
        if value.is_null() {
            map.remove(&key);
        } else {
            map.insert(key, value);
        }
    }
    Value::Object(map)
}

// ---------------------------------------------------------------------------------------
// Registries and profiles.

/// The RFC 7643 User and Group resource types.
fn core() -> SchemaRegistry {
    SchemaRegistry::core()
}

/// [`core`] with the optional User extension [`ACME`]: `badgeId` (immutable string),
/// `tags` (multi-valued caseExact strings), `aliases` (multi-valued strings) and
/// `clearances` (multi-valued complex, caseExact `value`).
fn acme_registry() -> SchemaRegistry {
    let mut registry = SchemaRegistry::core();
    let schema = Schema::new(ACME)
        .name("AcmeUser")
        .attribute(
            AttributeDef::new("badgeId", AttributeType::String)
                .case_exact(true)
                .mutability(Mutability::Immutable),
        )
        .attribute(
            AttributeDef::new("tags", AttributeType::String)
                .multi_valued(true)
                .case_exact(true),
        )
        .attribute(AttributeDef::new("aliases", AttributeType::String).multi_valued(true))
        .attribute(
            AttributeDef::new("clearances", AttributeType::Complex)
                .multi_valued(true)
                .sub_attributes(vec![
                    AttributeDef::new("value", AttributeType::String).case_exact(true),
                    AttributeDef::new("level", AttributeType::Integer),
                ]),
        );
    registry
        .add_extension("User", schema, false)
        .expect("the User resource type is registered");
    registry
}

/// [`Compat::STRICT`] with the switches `enable` turns on.
fn strict_with(enable: impl FnOnce(&mut Compat)) -> Compat {
    let mut compat = Compat::STRICT;
    enable(&mut compat);
    compat
}

// ---------------------------------------------------------------------------------------
// Requests.

/// A PatchOp message of `operations`.
fn body(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// The bytes of `tests/fixtures/{name}`.
fn fixture_bytes(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|err| panic!("reading {}: {err}", path.display()))
}

/// The fixture `name` as JSON.
fn fixture(name: &str) -> Value {
    serde_json::from_slice(&fixture_bytes(name))
        .unwrap_or_else(|err| panic!("fixture {name} is JSON: {err}"))
}

/// Parses `body` under `compat` and applies it to `resource` with `registry`.
fn patch_in(
    registry: &SchemaRegistry,
    resource: &mut Resource,
    body: &Value,
    compat: &Compat,
) -> Result<PatchOutcome, ScimError> {
    let request = PatchRequest::from_value(body, compat)?;
    let resource_type = registry
        .resource_type_of(resource)
        .expect("the resource lists a core schema");
    apply(
        resource,
        request.operations,
        registry,
        resource_type,
        compat,
    )
}

/// Applies a PatchOp message of `operations` under `compat` with the core schemas.
fn patch(
    resource: &mut Resource,
    operations: Value,
    compat: &Compat,
) -> Result<PatchOutcome, ScimError> {
    patch_in(&core(), resource, &body(operations), compat)
}

/// Reads fixture `name` as raw bytes (as the engine would) under `compat` and applies it
/// with the core schemas.
fn patch_fixture(
    resource: &mut Resource,
    name: &str,
    compat: &Compat,
) -> Result<PatchOutcome, ScimError> {
    let request = PatchRequest::from_json(&fixture_bytes(name), compat)?;
    let registry = core();
    let resource_type = registry
        .resource_type_of(resource)
        .expect("the resource lists a core schema");
    apply(
        resource,
        request.operations,
        &registry,
        resource_type,
        compat,
    )
}

// ---------------------------------------------------------------------------------------
// Assertions.

/// Asserts that `result` succeeded and changed exactly `attributes`.
#[track_caller]
fn assert_changed(result: Result<PatchOutcome, ScimError>, attributes: &[&str]) -> PatchOutcome {
    let outcome = result.unwrap_or_else(|err| panic!("the PATCH failed: {err}"));
    assert_eq!(outcome.changed_attributes, attributes, "changed attributes");
    assert_eq!(outcome.changed(), !attributes.is_empty());
    outcome
}

/// Asserts that `result` is a `400` error of `scim_type` whose detail contains `detail`.
#[track_caller]
fn assert_error<T: std::fmt::Debug>(
    result: Result<T, ScimError>,
    scim_type: ScimType,
    detail: &str,
) -> ScimError {
    let error = result.expect_err("the request must fail");
    assert_eq!(error.status, 400, "status of {error}");
    assert_eq!(error.scim_type, Some(scim_type), "scimType of {error}");
    let text = error.detail.as_deref().unwrap_or_default();
    assert!(
        text.contains(detail),
        "detail {text:?} should contain {detail:?}"
    );
    error
}

/// Asserts that the PATCH fails with `scim_type` and leaves `resource` unchanged.
#[track_caller]
fn assert_rejected(
    resource: &mut Resource,
    operations: Value,
    compat: &Compat,
    scim_type: ScimType,
    detail: &str,
) -> ScimError {
    let before = resource.clone();
    let error = assert_error(patch(resource, operations, compat), scim_type, detail);
    assert_eq!(
        *resource, before,
        "a failed PATCH leaves the resource unchanged"
    );
    error
}

mod model;
