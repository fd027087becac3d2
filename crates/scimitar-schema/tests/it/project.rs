//! Projection by attributes / excludedAttributes.

use proptest::prelude::*;
use scimitar_filter::{AttributeList, ParseOptions};
use scimitar_schema::{Projection, Resource, SchemaRegistry, project};
use serde_json::{Value, json};

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn user() -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "id": "2819c223",
        "externalId": "ext-1",
        "userName": "bjensen",
        "password": "t1meMa$heen",
        "name": {"givenName": "Barbara", "familyName": "Jensen"},
        "emails": [{"value": "b@example.com", "type": "work"}, {"value": "babs@home.org", "type": "home"}],
        "groups": [{"value": "g1", "display": "Tour Guides"}],
        "meta": {"resourceType": "User", "version": "W/\"1\""},
        ENTERPRISE: {"department": "Tour", "manager": {"value": "m1", "displayName": "John"}},
    }))
    .unwrap()
}

fn shown(projection: Projection<'_>) -> Value {
    project(&user(), &SchemaRegistry::core(), projection).into_value()
}

fn list(text: &str) -> AttributeList {
    AttributeList::parse_with(text, &ParseOptions::default().lenient(true)).unwrap()
}

#[test]
fn by_default_password_is_never_returned() {
    let mut expected = user().into_value();
    expected.as_object_mut().unwrap().remove("password");
    assert_eq!(shown(Projection::Default), expected);
}

#[test]
fn attributes_keeps_the_listed_and_the_always_returned() {
    let wanted = list("userName,name.familyName,emails.value,password");
    assert_eq!(
        shown(Projection::Only(&wanted)),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": "2819c223",
            "userName": "bjensen",
            "name": {"familyName": "Jensen"},
            "emails": [{"value": "b@example.com"}, {"value": "babs@home.org"}],
        })
    );
    let wanted = list("id");
    assert_eq!(
        shown(Projection::Only(&wanted)),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE], "id": "2819c223"})
    );
}

#[test]
fn attributes_with_urn_paths_and_whole_extensions() {
    let wanted = list(&format!(
        "{ENTERPRISE}:manager.value,urn:ietf:params:scim:schemas:core:2.0:User:UserName"
    ));
    assert_eq!(
        shown(Projection::Only(&wanted)),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": "2819c223",
            "userName": "bjensen",
            ENTERPRISE: {"manager": {"value": "m1"}},
        })
    );
    let wanted = list(ENTERPRISE);
    assert_eq!(
        shown(Projection::Only(&wanted)),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": "2819c223",
            ENTERPRISE: {"department": "Tour", "manager": {"value": "m1", "displayName": "John"}},
        })
    );
}

#[test]
fn excluded_attributes_drops_the_listed_but_never_the_always_returned() {
    let excluded = list(&format!(
        "emails,name.givenName,id,schemas,meta,{ENTERPRISE}"
    ));
    assert_eq!(
        shown(Projection::Except(&excluded)),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "id": "2819c223",
            "externalId": "ext-1",
            "userName": "bjensen",
            "name": {"familyName": "Jensen"},
            "groups": [{"value": "g1", "display": "Tour Guides"}],
        })
    );
}

#[test]
fn excluded_members_of_a_group() {
    let group = Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "g1",
        "displayName": "Tour Guides",
        "members": [{"value": "u1"}],
    }))
    .unwrap();
    let excluded = list("members");
    assert_eq!(
        project(
            &group,
            &SchemaRegistry::core(),
            Projection::Except(&excluded)
        )
        .into_value(),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g1", "displayName": "Tour Guides"})
    );
}

#[test]
fn a_lenient_value_path_selects_its_attribute() {
    let wanted = list(r#"emails[type eq "work"]"#);
    let projected = shown(Projection::Only(&wanted));
    assert_eq!(projected["emails"], user().into_value()["emails"]);
}

fn attribute_names() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        "id",
        "userName",
        "password",
        "name",
        "name.familyName",
        "name.givenName",
        "emails",
        "emails.value",
        "emails.type",
        "groups",
        "meta",
        "schemas",
        "externalId",
        "PASSWORD",
        "Password",
        "urn:ietf:params:scim:schemas:core:2.0:User:password",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    ])
    .prop_map(str::to_owned)
}

proptest! {
    /// Whatever the lists, an attribute returned never is never emitted and one
    /// returned always is always emitted.
    #[test]
    fn never_and_always_hold_for_any_list(names in prop::collection::vec(attribute_names(), 0..6), exclude in any::<bool>()) {
        let list = list(&names.join(","));
        let projection = if exclude { Projection::Except(&list) } else { Projection::Only(&list) };
        let projected = shown(projection);
        let object = projected.as_object().unwrap();
        prop_assert!(!object.keys().any(|key| key.eq_ignore_ascii_case("password")));
        prop_assert_eq!(&object["id"], &json!("2819c223"));
        prop_assert!(object.contains_key("schemas"));
    }
}

#[test]
fn non_ascii_keys_and_urns_do_not_upset_projection() {
    let resource = Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "1",
        "userName": "a",
        "abcƘ": {},
        "urn:a:é:User": {"k": "v"},
    }))
    .unwrap();
    let registry = SchemaRegistry::core();
    let wanted = list("urn:a:b:Userx");
    let projected = project(&resource, &registry, Projection::Only(&wanted)).into_value();
    assert_eq!(
        projected,
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "1"})
    );
    let all = project(&resource, &registry, Projection::Default).into_value();
    assert_eq!(all["urn:a:é:User"], json!({"k": "v"}));
}
