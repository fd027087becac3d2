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

/// How a pending manager reference is kept and compared: folded
/// ([`scimitar_schema::fold_for_comparison`]), so that a reference by `userName`
/// matches whatever case, width or normalisation form the user arrives in.
pub fn pending_key(reference: &str) -> String {
    scimitar_schema::fold_for_comparison(reference).into_owned()
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(value: Value) -> Resource {
        Resource::from_value(value).expect("a JSON object")
    }

    #[test]
    fn reads_the_manager_as_an_object() {
        let user =
            user(json!({ ENTERPRISE_USER: {"manager": {"value": "m-1", "displayName": "Boss"}} }));
        assert_eq!(manager_reference(&user), Some("m-1"));
    }

    #[test]
    fn reads_the_manager_as_a_bare_string() {
        let user = user(json!({ ENTERPRISE_USER: {"manager": "m-2"} }));
        assert_eq!(manager_reference(&user), Some("m-2"));
    }

    #[test]
    fn finds_the_extension_and_its_names_in_any_case() {
        let user = user(json!({
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER": {"Manager": {"VALUE": "m-3"}},
        }));
        assert_eq!(manager_reference(&user), Some("m-3"));
    }

    #[test]
    fn no_reference_when_absent_empty_or_malformed() {
        for value in [
            json!({"userName": "bjensen"}),
            json!({ ENTERPRISE_USER: {} }),
            json!({ ENTERPRISE_USER: {"department": "Tour"} }),
            json!({ ENTERPRISE_USER: {"manager": ""} }),
            json!({ ENTERPRISE_USER: {"manager": {"value": ""}} }),
            json!({ ENTERPRISE_USER: {"manager": {"displayName": "Boss"}} }),
            json!({ ENTERPRISE_USER: {"manager": {"value": 7}} }),
            json!({ ENTERPRISE_USER: {"manager": null} }),
            json!({ ENTERPRISE_USER: {"manager": ["m-1"]} }),
            json!({ ENTERPRISE_USER: "m-1" }),
            json!({"manager": {"value": "m-1"}}),
        ] {
            assert_eq!(manager_reference(&user(value.clone())), None, "{value}");
        }
    }

    #[test]
    fn set_manager_creates_the_extension_and_declares_it() {
        let mut user =
            user(json!({"schemas": [scimitar_schema::urn::USER], "userName": "bjensen"}));
        set_manager(&mut user, "m-1");
        assert_eq!(
            user.into_value(),
            json!({
                "schemas": [scimitar_schema::urn::USER, ENTERPRISE_USER],
                "userName": "bjensen",
                ENTERPRISE_USER: {"manager": {"value": "m-1"}},
            })
        );
    }

    #[test]
    fn set_manager_creates_schemas_when_missing() {
        let mut user = user(json!({"userName": "bjensen"}));
        set_manager(&mut user, "m-1");
        assert!(user.has_schema(ENTERPRISE_USER));
        assert_eq!(manager_reference(&user), Some("m-1"));
    }

    #[test]
    fn set_manager_replaces_the_whole_manager_and_keeps_the_rest() {
        let spelled = "urn:ietf:params:scim:schemas:extension:Enterprise:2.0:User";
        let mut user = user(json!({
            "schemas": [scimitar_schema::urn::USER, spelled],
            spelled: {
                "department": "Tour",
                "Manager": {"value": "old", "displayName": "Old Boss", "$ref": "../Users/old"},
            },
        }));
        set_manager(&mut user, "new");
        assert_eq!(
            user.into_value(),
            json!({
                "schemas": [scimitar_schema::urn::USER, spelled],
                spelled: {"department": "Tour", "Manager": {"value": "new"}},
            })
        );
    }

    #[test]
    fn set_manager_replaces_an_extension_that_is_not_an_object() {
        let mut user = user(json!({"schemas": [ENTERPRISE_USER], ENTERPRISE_USER: null}));
        set_manager(&mut user, "m-1");
        assert_eq!(
            user.into_value(),
            json!({"schemas": [ENTERPRISE_USER], ENTERPRISE_USER: {"manager": {"value": "m-1"}}})
        );
    }

    #[test]
    fn clear_manager_removes_an_emptied_extension_and_its_schema() {
        let mut user = user(json!({
            "schemas": [scimitar_schema::urn::USER, ENTERPRISE_USER.to_uppercase()],
            "userName": "bjensen",
            ENTERPRISE_USER: {"manager": {"value": "m-1"}},
        }));
        assert!(clear_manager(&mut user));
        assert_eq!(
            user.into_value(),
            json!({"schemas": [scimitar_schema::urn::USER], "userName": "bjensen"})
        );
    }

    #[test]
    fn clear_manager_keeps_the_other_extension_attributes() {
        let mut user = user(json!({
            "schemas": [ENTERPRISE_USER],
            ENTERPRISE_USER: {"manager": "m-1", "costCenter": "4130"},
        }));
        assert!(clear_manager(&mut user));
        assert_eq!(
            user.into_value(),
            json!({"schemas": [ENTERPRISE_USER], ENTERPRISE_USER: {"costCenter": "4130"}})
        );
    }

    #[test]
    fn clear_manager_without_a_manager() {
        let untouched =
            json!({"schemas": [ENTERPRISE_USER], ENTERPRISE_USER: {"division": "East"}});
        let mut with_extension = user(untouched.clone());
        assert!(!clear_manager(&mut with_extension));
        assert_eq!(with_extension.into_value(), untouched);

        let mut plain = user(json!({"userName": "bjensen"}));
        assert!(!clear_manager(&mut plain));
        assert_eq!(plain.into_value(), json!({"userName": "bjensen"}));

        let mut odd = user(json!({ ENTERPRISE_USER: "m-1" }));
        assert!(!clear_manager(&mut odd));
        assert_eq!(odd.into_value(), json!({ ENTERPRISE_USER: "m-1" }));
    }

    #[test]
    fn clear_manager_removes_a_manager_without_a_reference() {
        let mut user = user(json!({
            "schemas": [ENTERPRISE_USER],
            ENTERPRISE_USER: {"manager": {"value": ""}},
        }));
        assert!(!clear_manager(&mut user));
        assert_eq!(user.into_value(), json!({"schemas": []}));
    }

    #[test]
    fn set_then_clear_round_trips() {
        let original = json!({"schemas": [scimitar_schema::urn::USER], "userName": "bjensen"});
        let mut user = user(original.clone());
        set_manager(&mut user, "m-1");
        assert!(clear_manager(&mut user));
        assert_eq!(user.into_value(), original);
    }

    #[test]
    fn manager_keys_are_folded_and_unique() {
        let user =
            user(json!({"userName": "BJensen@Example.com", "externalId": "bjensen@example.com"}));
        assert_eq!(manager_keys("ID-1", &user), ["id-1", "bjensen@example.com"]);
        let sparse =
            Resource::from_value(json!({"userName": "", "externalId": 5})).expect("object");
        assert_eq!(manager_keys("", &sparse), Vec::<String>::new());
        assert_eq!(pending_key("ÅSA"), "åsa");
    }
}
