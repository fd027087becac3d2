//! Users and groups as Microsoft Entra ID and Okta send them.

use scimitar_schema::Resource;
use serde_json::{Value, json};

pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

pub(crate) fn resource(value: Value) -> Resource {
    Resource::from_value(value).expect("a JSON object")
}

/// An Entra ID create, as its provisioning service sends it (with the stored `id` and
/// `meta` a server adds).
pub(crate) fn entra_user() -> Resource {
    resource(json!({
        "schemas": [USER, ENTERPRISE],
        "id": "5c8b1d4e-0d2f-4a49-9a3e-58b2a1b0c7d1",
        "meta": {"resourceType": "User", "created": "2024-05-01T08:00:00Z", "version": "W/\"1\""},
        "externalId": "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        "userName": "AdeleV@contoso.onmicrosoft.com",
        "active": true,
        "displayName": "Adele Vance",
        "title": "Retail Manager",
        "preferredLanguage": "en-US",
        "name": {"formatted": "Adele Vance", "familyName": "Vance", "givenName": "Adele"},
        "emails": [
            {"type": "other", "value": "adele@example.org"},
            {"primary": true, "type": "work", "value": "AdeleV@contoso.com"},
        ],
        "phoneNumbers": [
            {"type": "work", "value": "+1 425 555 0109"},
            {"type": "mobile", "value": "+1 425 555 0110"},
            {"type": "fax", "value": "+1 425 555 0111"},
        ],
        "addresses": [{
            "type": "work", "streetAddress": "18/2111", "locality": "Bellevue",
            "region": "WA", "postalCode": "98004", "country": "US",
        }],
        ENTERPRISE: {
            "employeeNumber": "701984",
            "department": "Retail",
            "manager": {"value": "8a2c6f3b-6f1e-4f51-9d8e-2bfb1d3e1c44"},
        },
    }))
}

/// An Okta create, with its password and a manager with a display name.
pub(crate) fn okta_user() -> Resource {
    resource(json!({
        "schemas": [USER, ENTERPRISE],
        "userName": "isaiah.langer@example.com",
        "name": {"givenName": "Isaiah", "familyName": "Langer"},
        "emails": [{"primary": true, "value": "isaiah.langer@example.com", "type": "work"}],
        "displayName": "Isaiah Langer",
        "locale": "en-US",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "groups": [],
        "password": "1mz050nq",
        "active": true,
        "title": "Sales Rep",
        "phoneNumbers": [{"value": "555-0123", "type": "mobile"}],
        ENTERPRISE: {
            "organization": "Contoso",
            "manager": {"value": "00u1ab2cd3EF4gh5ij6k", "displayName": "Megan Bowen"},
        },
    }))
}

/// A group with `count` members.
pub(crate) fn group(count: usize) -> Resource {
    let members: Vec<Value> = (0..count)
        .map(|n| json!({"value": format!("user-{n}"), "display": format!("User {n}")}))
        .collect();
    resource(json!({
        "schemas": [GROUP],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Sales Reps",
        "members": members,
    }))
}

/// `resource` with `changes` applied at the top level (`null` removes).
pub(crate) fn with(resource: &Resource, changes: Value) -> Resource {
    let mut changed = resource.clone();
    if let Value::Object(changes) = changes {
        for (key, value) in changes {
            if value.is_null() {
                changed.as_map_mut().remove(&key);
            } else {
                changed.as_map_mut().insert(key, value);
            }
        }
    }
    changed
}
