//! Helpers for SCIM's case-insensitive JSON objects, shared by every layer that edits
//! resources.

use serde_json::{Map, Value};

/// The entry of `map` whose key is `name`, ignoring ASCII case; an exact match wins.
pub fn entry_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<(&'m String, &'m Value)> {
    map.get_key_value(name)
        .or_else(|| map.iter().find(|(key, _)| key.eq_ignore_ascii_case(name)))
}

/// The key under which `map` stores `name`, ignoring ASCII case, as an owned string.
pub fn key_ci(map: &Map<String, Value>, name: &str) -> Option<String> {
    entry_ci(map, name).map(|(key, _)| key.clone())
}

/// The value of `name` in `map`, ignoring ASCII case.
pub fn get_ci<'m>(map: &'m Map<String, Value>, name: &str) -> Option<&'m Value> {
    entry_ci(map, name).map(|(_, value)| value)
}

/// Inserts under the existing spelling of `name`, or under `name` itself.
pub fn insert_ci(map: &mut Map<String, Value>, name: &str, value: Value) {
    let key = key_ci(map, name).unwrap_or_else(|| name.to_owned());
    map.insert(key, value);
}

/// The kind of a JSON value, for error details.
pub fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}
