//! Linking an account that existed before provisioning.

use serde_json::{Map, Value};

use scimitar_schema::__private::json::get_ci;
use scimitar_schema::Resource;

use crate::keys::{is_bookkeeping, is_urn};

/// The value an unmanaged account is matched by: the folded
/// ([`scimitar_schema::fold_for_comparison`]) `userName` of a user, the folded
/// `displayName` of a group; `None` for other types or when it is missing.
pub fn match_key(resource_type: &str, resource: &Resource) -> Option<String> {
    let attribute = match resource_type {
        "User" => "userName",
        "Group" => "displayName",
        _ => return None,
    };
    resource
        .get_str(attribute)
        .map(|name| scimitar_schema::fold_for_comparison(name).into_owned())
}

/// The managed resource a pick-up makes: `request`'s attributes over `account`'s (an
/// attribute the request does not carry keeps the account's value; extension objects
/// merge attribute by attribute), with `schemas` the union of both. `id` and `meta` are
/// the caller's to set.
///
/// Names compare case-insensitively, and a name both carry keeps the request's
/// spelling. An extension is a key that starts with `urn:` and holds an object on both
/// sides; anything else the request carries replaces the account's value whole, `null`
/// included. `schemas` lists the account's URNs, then the request's new ones, each
/// once (compared case-insensitively); it is left out when neither lists any.
///
/// ```
/// use scimitar_policy::pick_up;
/// use scimitar_schema::Resource;
/// use serde_json::json;
///
/// let account = Resource::from_value(json!({
///     "id": "local-7", "username": "bjensen", "title": "Guide", "nickName": "Babs",
/// }))?;
/// let request = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen", "title": "Tour Guide",
/// }))?;
/// let managed = pick_up(&account, &request);
/// assert_eq!(managed.into_value(), json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "bjensen", "title": "Tour Guide", "nickName": "Babs",
/// }));
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
pub fn pick_up(account: &Resource, request: &Resource) -> Resource {
    let account_map = account.as_map();
    let request_map = request.as_map();
    let mut merged = Map::new();
    for (key, value) in account_map {
        if !is_bookkeeping(key) && get_ci(request_map, key).is_none() {
            merged.insert(key.clone(), value.clone());
        }
    }
    for (key, value) in request_map {
        if is_bookkeeping(key) {
            continue;
        }
        let value = match (value, get_ci(account_map, key)) {
            (Value::Object(extension), Some(Value::Object(existing))) if is_urn(key) => {
                Value::Object(overlay(existing, extension))
            }
            _ => value.clone(),
        };
        merged.insert(key.clone(), value);
    }
    let schemas = schema_union(account, request);
    if !schemas.is_empty() {
        merged.insert("schemas".to_owned(), Value::Array(schemas));
    }
    Resource::from(merged)
}

/// `over`'s attributes on top of `under`'s, names compared case-insensitively.
fn overlay(under: &Map<String, Value>, over: &Map<String, Value>) -> Map<String, Value> {
    let mut merged: Map<String, Value> = under
        .iter()
        .filter(|(key, _)| get_ci(over, key).is_none())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect();
    merged.extend(over.iter().map(|(key, value)| (key.clone(), value.clone())));
    merged
}

/// The URNs `account` lists, then those only `request` lists, each once.
fn schema_union(account: &Resource, request: &Resource) -> Vec<Value> {
    let mut union: Vec<&str> = Vec::new();
    for urn in account.schemas().chain(request.schemas()) {
        if !union.iter().any(|listed| listed.eq_ignore_ascii_case(urn)) {
            union.push(urn);
        }
    }
    union
        .into_iter()
        .map(|urn| Value::String(urn.to_owned()))
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn resource(value: Value) -> Resource {
        Resource::from_value(value).expect("a JSON object")
    }

    #[test]
    fn match_keys() {
        let user = resource(json!({"userName": "BJensen", "displayName": "Babs"}));
        assert_eq!(match_key("User", &user).as_deref(), Some("bjensen"));
        assert_eq!(match_key("Group", &user).as_deref(), Some("babs"));
        assert_eq!(match_key("Device", &user), None);
        assert_eq!(
            match_key("User", &resource(json!({"displayName": "x"}))),
            None
        );
    }

    #[test]
    fn request_attributes_win_and_the_account_fills_in() {
        let account = resource(json!({
            "id": "local-1",
            "meta": {"created": "2020-01-01T00:00:00Z"},
            "username": "bjensen",
            "title": "Guide",
            "locale": "da-DK",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
        }));
        let request = resource(json!({
            "schemas": [USER],
            "UserName": "bjensen@example.com",
            "title": "Tour Guide",
            "name": {"givenName": "Babs"},
            "nickName": null,
        }));
        assert_eq!(
            pick_up(&account, &request).into_value(),
            json!({
                "schemas": [USER],
                "UserName": "bjensen@example.com",
                "title": "Tour Guide",
                "locale": "da-DK",
                "name": {"givenName": "Babs"},
                "nickName": null,
            })
        );
    }

    #[test]
    fn extensions_merge_attribute_by_attribute() {
        let account = resource(json!({
            "schemas": [USER, ENTERPRISE],
            ENTERPRISE: {"department": "Tour", "costCenter": "4130", "manager": {"value": "m-0"}},
        }));
        let request = resource(json!({
            "schemas": [USER, ENTERPRISE.to_uppercase(), "urn:example:acme:2.0:User"],
            ENTERPRISE.to_uppercase(): {"Department": "Sales", "employeeNumber": "701984"},
            "urn:example:acme:2.0:User": {"badge": "17"},
        }));
        assert_eq!(
            pick_up(&account, &request).into_value(),
            json!({
                "schemas": [USER, ENTERPRISE, "urn:example:acme:2.0:User"],
                ENTERPRISE.to_uppercase(): {
                    "Department": "Sales",
                    "employeeNumber": "701984",
                    "costCenter": "4130",
                    "manager": {"value": "m-0"},
                },
                "urn:example:acme:2.0:User": {"badge": "17"},
            })
        );
    }

    #[test]
    fn a_urn_key_that_is_not_an_object_on_both_sides_is_replaced() {
        let account = resource(json!({ ENTERPRISE: {"department": "Tour"} }));
        let request = resource(json!({ ENTERPRISE: null }));
        assert_eq!(
            pick_up(&account, &request).into_value(),
            json!({ ENTERPRISE: null })
        );
        let account = resource(json!({ ENTERPRISE: "odd" }));
        let request = resource(json!({ ENTERPRISE: {"department": "Tour"} }));
        assert_eq!(
            pick_up(&account, &request).into_value(),
            json!({ ENTERPRISE: {"department": "Tour"} })
        );
    }

    #[test]
    fn a_complex_core_attribute_is_replaced_whole() {
        let account = resource(json!({"name": {"givenName": "Barbara", "middleName": "Jane"}}));
        let request = resource(json!({"name": {"givenName": "Babs"}}));
        assert_eq!(
            pick_up(&account, &request).into_value(),
            json!({"name": {"givenName": "Babs"}})
        );
    }

    #[test]
    fn schemas_are_a_case_insensitive_union() {
        let account = resource(json!({"Schemas": [USER, "urn:b:x", USER.to_lowercase(), 5]}));
        let request = resource(json!({"schemas": ["URN:B:X", ENTERPRISE, ENTERPRISE]}));
        assert_eq!(
            pick_up(&account, &request).get_attr("schemas"),
            Some(&json!([USER, "urn:b:x", ENTERPRISE]))
        );
        let bare = pick_up(
            &resource(json!({"a": 1})),
            &resource(json!({"id": "x", "b": 2})),
        );
        assert_eq!(bare.into_value(), json!({"a": 1, "b": 2}));
    }

    #[test]
    fn id_and_meta_go_in_any_case() {
        let account = resource(json!({"ID": "a", "Meta": {}, "userName": "x"}));
        let request = resource(json!({"id": "b", "META": {"version": "W/1"}}));
        assert_eq!(
            pick_up(&account, &request).into_value(),
            json!({"userName": "x"})
        );
    }
}
