//! Group members that are not provisioned.

use std::collections::HashSet;

use serde_json::Value;

use scimitar_schema::__private::json::{get_ci, key_ci};
use scimitar_schema::Resource;

/// The id a `members` element names: its `value`, or the element itself when a client
/// sent a bare string.
pub(crate) fn member_value(member: &Value) -> Option<&str> {
    match member {
        Value::Object(member) => get_ci(member, "value")?.as_str(),
        Value::String(value) => Some(value),
        _ => None,
    }
}

/// Removes from the group's `members` every element whose `value` is one of `unknown`
/// (ids that are not users or groups of the tenant), and returns one warning per
/// member removed, naming it, in the order of `members`. Ids compare exactly.
///
/// ```
/// use scimitar_policy::skip_unknown_members;
/// use scimitar_schema::Resource;
/// use serde_json::json;
///
/// let mut group = Resource::from_value(json!({
///     "displayName": "Tour Guides",
///     "members": [{"value": "2819c223"}, {"value": "902c246b"}],
/// }))?;
/// let warnings = skip_unknown_members(&mut group, &["902c246b"]);
/// assert_eq!(group.get_attr("members"), Some(&json!([{"value": "2819c223"}])));
/// assert_eq!(
///     warnings,
///     ["member \"902c246b\" is not a provisioned user or group of this tenant; skipped"],
/// );
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
pub fn skip_unknown_members(group: &mut Resource, unknown: &[&str]) -> Vec<String> {
    let mut warnings = Vec::new();
    if unknown.is_empty() {
        return warnings;
    }
    let map = group.as_map_mut();
    let Some(key) = key_ci(map, "members") else {
        return warnings;
    };
    let Some(Value::Array(members)) = map.get_mut(&key) else {
        return warnings;
    };
    let unknown: HashSet<&str> = unknown.iter().copied().collect();
    members.retain(|member| match member_value(member) {
        Some(value) if unknown.contains(value) => {
            warnings.push(format!(
                "member {value:?} is not a provisioned user or group of this tenant; skipped"
            ));
            false
        }
        _ => true,
    });
    warnings
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn group(value: Value) -> Resource {
        Resource::from_value(value).expect("a JSON object")
    }

    fn warning(id: &str) -> String {
        format!("member \"{id}\" is not a provisioned user or group of this tenant; skipped")
    }

    #[test]
    fn removes_unknown_members_in_order() {
        let mut group = group(json!({
            "displayName": "Sales",
            "members": [
                {"value": "u-1", "display": "One"},
                {"value": "x-1"},
                {"value": "u-2", "type": "User"},
                {"value": "x-2", "$ref": "../Users/x-2"},
            ],
        }));
        let warnings = skip_unknown_members(&mut group, &["x-2", "x-1", "never"]);
        assert_eq!(warnings, [warning("x-1"), warning("x-2")]);
        assert_eq!(
            group.get_attr("members"),
            Some(&json!([{"value": "u-1", "display": "One"}, {"value": "u-2", "type": "User"}]))
        );
    }

    #[test]
    fn warns_once_per_removed_element() {
        let mut group = group(json!({"Members": [{"VALUE": "x"}, "x", {"value": "y"}]}));
        assert_eq!(
            skip_unknown_members(&mut group, &["x"]),
            [warning("x"), warning("x")]
        );
        assert_eq!(group.get_attr("members"), Some(&json!([{"value": "y"}])));
    }

    #[test]
    fn ids_compare_exactly() {
        let mut group = group(json!({"members": [{"value": "ABC"}]}));
        assert!(skip_unknown_members(&mut group, &["abc"]).is_empty());
        assert_eq!(group.get_attr("members"), Some(&json!([{"value": "ABC"}])));
    }

    #[test]
    fn escapes_the_id_in_the_warning() {
        let mut group = group(json!({"members": [{"value": "a\"b\n"}]}));
        assert_eq!(
            skip_unknown_members(&mut group, &["a\"b\n"]),
            ["member \"a\\\"b\\n\" is not a provisioned user or group of this tenant; skipped"]
        );
    }

    #[test]
    fn leaves_everything_else_alone() {
        for value in [
            json!({"displayName": "No members"}),
            json!({"members": null}),
            json!({"members": {"value": "x"}}),
            json!({"members": [{"display": "no value"}, 7, null]}),
        ] {
            let mut resource = group(value.clone());
            assert!(skip_unknown_members(&mut resource, &["x"]).is_empty());
            assert_eq!(resource.into_value(), value);
        }
        let mut resource = group(json!({"members": [{"value": "x"}]}));
        assert!(skip_unknown_members(&mut resource, &[]).is_empty());
        assert_eq!(resource.get_attr("members"), Some(&json!([{"value": "x"}])));
    }

    #[test]
    fn may_empty_the_members() {
        let mut group = group(json!({"members": [{"value": "x"}]}));
        assert_eq!(skip_unknown_members(&mut group, &["x"]).len(), 1);
        assert_eq!(group.get_attr("members"), Some(&json!([])));
    }

    #[test]
    fn member_values() {
        assert_eq!(member_value(&json!({"value": "a"})), Some("a"));
        assert_eq!(member_value(&json!({"Value": "b"})), Some("b"));
        assert_eq!(member_value(&json!("c")), Some("c"));
        assert_eq!(member_value(&json!({"value": 1})), None);
        assert_eq!(member_value(&json!(null)), None);
    }
}
