//! A user's manager, when the manager may not be provisioned yet.

use serde_json::Value;

use scimitar_schema::Resource;

/// The enterprise User extension's schema URN (RFC 7643 §4.3), where `manager` lives.
pub const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The manager reference a user carries: the enterprise extension's `manager.value`
/// (a bare string is read too). `None` when there is none or it is empty.
pub fn manager_reference(user: &Resource) -> Option<&str> {
    todo!("{user:?}")
}

/// Sets the user's manager to the user `id`: `manager: {"value": id}` in the
/// enterprise extension, which is declared in `schemas` if it was not.
pub fn set_manager(user: &mut Resource, id: &str) {
    todo!("{user:?} {id}")
}

/// Removes the user's manager; returns whether there was one. An extension left empty
/// goes, with its `schemas` entry.
pub fn clear_manager(user: &mut Resource) -> bool {
    todo!("{user:?}")
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
    let names = [Some(id), user.get_str("userName"), user.get_str("externalId")];
    for name in names.into_iter().flatten().filter(|name| !name.is_empty()) {
        let key = pending_key(name);
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
    keys
}

#[allow(dead_code)]
fn _value(_: &Value) {}
