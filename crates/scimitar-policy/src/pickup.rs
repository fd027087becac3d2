//! Linking an account that existed before provisioning.

use serde_json::{Map, Value};

use scimitar_schema::__private::json::get_ci;
use scimitar_schema::Resource;

use crate::keys::{is_bookkeeping, is_urn};

/// The value an unmanaged account is matched by: the folded `userName` of a user, the
/// folded `displayName` of a group; `None` for other types or when it is missing.
pub fn match_key(resource_type: &str, resource: &Resource) -> Option<String> {
    let attribute = match resource_type {
        "User" => "userName",
        "Group" => "displayName",
        _ => return None,
    };
    resource.get_str(attribute).map(str::to_lowercase)
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
