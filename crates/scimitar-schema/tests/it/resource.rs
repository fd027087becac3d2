//! Case-insensitive, URN-aware access to dynamic resources.

use scimitar_filter::AttrPath;
use scimitar_schema::Resource;
use serde_json::json;

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn path(text: &str) -> AttrPath {
    text.parse().unwrap()
}

#[test]
fn get_ignores_case_and_follows_urns() {
    let user = Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "bjensen",
        "name": {"familyName": "Jensen"},
        "emails": [{"value": "b@example.com"}],
        ENTERPRISE: {"department": "Tour", "manager": {"value": "m1"}},
    }))
    .unwrap();
    assert_eq!(user.get(&path("USERNAME")), Some(&json!("bjensen")));
    assert_eq!(user.get(&path("name.familyname")), Some(&json!("Jensen")));
    assert_eq!(
        user.get(&path("urn:ietf:params:scim:schemas:core:2.0:User:userName")),
        Some(&json!("bjensen"))
    );
    assert_eq!(
        user.get(&path(&format!("{ENTERPRISE}:Department"))),
        Some(&json!("Tour"))
    );
    assert_eq!(
        user.get(&path(&format!("{ENTERPRISE}:manager.value"))),
        Some(&json!("m1"))
    );
    assert_eq!(user.get(&path("emails.value")), None);
    assert_eq!(user.get(&path("nickName")), None);
    assert_eq!(user.get(&path("urn:example:other:2.0:User:userName")), None);
    assert_eq!(user.id(), None);
    assert!(user.has_schema(&ENTERPRISE.to_uppercase()));
}

#[test]
fn set_keeps_spelling_and_creates_extensions() {
    let mut user = Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "UserName": "bjensen",
    }))
    .unwrap();
    user.set(&path("userName"), json!("babs")).unwrap();
    user.set(&path("name.givenName"), json!("Barbara")).unwrap();
    user.set(&path(&format!("{ENTERPRISE}:manager.value")), json!("m1"))
        .unwrap();
    user.set(
        &path("urn:ietf:params:scim:schemas:core:2.0:User:title"),
        json!("Guide"),
    )
    .unwrap();
    assert_eq!(
        user.clone().into_value(),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
            "UserName": "babs",
            "name": {"givenName": "Barbara"},
            "title": "Guide",
            ENTERPRISE: {"manager": {"value": "m1"}},
        })
    );
    user.as_map_mut()
        .insert("emails".into(), json!([{"value": "b@example.com"}]));
    let error = user.set(&path("emails.value"), json!("x")).unwrap_err();
    assert_eq!(
        error.scim_type,
        Some(scimitar_schema::ScimType::InvalidPath)
    );
}

#[test]
fn remove_cleans_up_empty_parents() {
    let mut user = Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "name": {"givenName": "Barbara"},
        ENTERPRISE: {"manager": {"value": "m1"}},
    }))
    .unwrap();
    assert_eq!(user.remove(&path("NAME.givenname")), Some(json!("Barbara")));
    assert_eq!(
        user.remove(&path(&format!("{ENTERPRISE}:manager"))),
        Some(json!({"value": "m1"}))
    );
    assert_eq!(user.remove(&path("nickName")), None);
    assert_eq!(
        user.into_value(),
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE]})
    );
}

#[test]
fn non_objects_are_invalid_syntax() {
    let error = Resource::from_value(json!([1, 2])).unwrap_err();
    assert_eq!(
        error.scim_type,
        Some(scimitar_schema::ScimType::InvalidSyntax)
    );
    assert_eq!(
        error.detail.as_deref(),
        Some("a resource must be a JSON object, not an array")
    );
    let error = Resource::from_json(b"{\"userName\": ").unwrap_err();
    assert_eq!(
        error.scim_type,
        Some(scimitar_schema::ScimType::InvalidSyntax)
    );
}
