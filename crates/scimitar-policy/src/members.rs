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
