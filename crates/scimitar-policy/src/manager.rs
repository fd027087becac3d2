//! A user's manager, when the manager may not be provisioned yet.

use serde_json::{Map, Value};

use scimitar_schema::__private::json::{get_ci, insert_ci, key_ci};
use scimitar_schema::Resource;

/// The enterprise User extension's schema URN (RFC 7643 §4.3), where `manager` lives.
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The enterprise extension object of `user`, found whatever the case of its key.
fn enterprise(user: &Resource) -> Option<&Map<String, Value>> {
    get_ci(user.as_map(), ENTERPRISE_USER)?.as_object()
}

/// The manager reference a user carries: the enterprise extension's `manager.value`
/// (a bare string is read too). `None` when there is none or it is empty.
///
/// ```
/// use scimitar_policy::manager_reference;
/// use scimitar_schema::Resource;
/// use serde_json::json;
///
/// let user = Resource::from_value(json!({
///     "userName": "bjensen",
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
///         "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d"},
///     },
/// }))?;
/// assert_eq!(manager_reference(&user), Some("26118915-6090-4610-87e4-49d8ca9f808d"));
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
pub fn manager_reference(user: &Resource) -> Option<&str> {
    let reference = match get_ci(enterprise(user)?, "manager")? {
        Value::String(reference) => reference.as_str(),
        Value::Object(manager) => get_ci(manager, "value")?.as_str()?,
        _ => return None,
    };
    (!reference.is_empty()).then_some(reference)
}

/// Sets the user's manager to the user `id`: `manager: {"value": id}` in the
/// enterprise extension, which is declared in `schemas` if it was not. Whatever the
/// manager held before (`displayName`, `$ref`) goes; an extension key that held
/// something other than an object is replaced by one.
pub fn set_manager(user: &mut Resource, id: &str) {
    user.add_schema(ENTERPRISE_USER);
    let map = user.as_map_mut();
    let key = key_ci(map, ENTERPRISE_USER).unwrap_or_else(|| ENTERPRISE_USER.to_owned());
    let extension = map.entry(key).or_insert_with(|| Value::Object(Map::new()));
    if !extension.is_object() {
        *extension = Value::Object(Map::new());
    }
    if let Value::Object(extension) = extension {
        let mut manager = Map::new();
        manager.insert("value".to_owned(), Value::String(id.to_owned()));
        insert_ci(extension, "manager", Value::Object(manager));
    }
}

/// Removes the user's manager; returns whether there was one (a reference that
/// [`manager_reference`] reads). A `manager` without a reference is removed too. An
/// extension left empty goes, with its `schemas` entry.
pub fn clear_manager(user: &mut Resource) -> bool {
    let had_reference = manager_reference(user).is_some();
    let map = user.as_map_mut();
    let Some(key) = key_ci(map, ENTERPRISE_USER) else {
        return false;
    };
    let Some(Value::Object(extension)) = map.get_mut(&key) else {
        return false;
    };
    let Some(manager_key) = key_ci(extension, "manager") else {
        return false;
    };
    extension.remove(&manager_key);
    if extension.is_empty() {
        map.remove(&key);
        remove_schema(map, ENTERPRISE_USER);
    }
    had_reference
}

/// Removes every `schemas` entry equal to `urn`, ignoring case.
fn remove_schema(map: &mut Map<String, Value>, urn: &str) {
    let Some(key) = key_ci(map, "schemas") else {
        return;
    };
    if let Some(Value::Array(schemas)) = map.get_mut(&key) {
        schemas.retain(|listed| {
            !listed
                .as_str()
                .is_some_and(|listed| listed.eq_ignore_ascii_case(urn))
        });
    }
}

/// How a pending manager reference is kept and compared: case folded, so that a
/// reference by `userName` matches whatever case the user arrives in.
pub fn pending_key(reference: &str) -> String {
    reference.to_lowercase()
}

/// The pending keys that name `user` (whose id is `id`): its id, `userName` and
/// `externalId`, folded by [`pending_key`], without repeats.
pub fn manager_keys(id: &str, user: &Resource) -> Vec<String> {
    let mut keys: Vec<String> = Vec::with_capacity(3);
    let names = [
        Some(id),
        user.get_str("userName"),
        user.get_str("externalId"),
    ];
    for name in names.into_iter().flatten().filter(|name| !name.is_empty()) {
        let key = pending_key(name);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}
