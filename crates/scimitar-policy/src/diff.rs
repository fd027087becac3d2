//! What changed between two versions of a resource, path by path.

use std::collections::HashSet;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use scimitar_schema::__private::json::get_ci;
use scimitar_schema::Resource;

use crate::keys::{is_bookkeeping, is_password, is_urn};
use crate::members::member_value;

/// What replaces a write-only value (`password`) in the history.
pub const REDACTED: &str = "[redacted]";

/// One attribute's change.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct AttributeChange {
    /// The SCIM path: `userName`, `name.givenName`, `emails`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
    pub path: String,
    /// The value before (`None`: unassigned).
    pub before: Option<Value>,
    /// The value after (`None`: unassigned).
    pub after: Option<Value>,
}

impl AttributeChange {
    /// A change of `path` from `before` to `after`.
    pub fn new(path: impl Into<String>, before: Option<Value>, after: Option<Value>) -> Self {
        Self {
            path: path.into(),
            before,
            after,
        }
    }
}

/// The changes from `before` to `after` (`None`: the resource does not exist on that
/// side), in a stable order: core attributes, then each extension's, sub-attributes of
/// singular complex attributes as `name.givenName`, multi-valued attributes whole. `id`,
/// `schemas` and `meta` are left out; `password` is [`REDACTED`] on both sides.
///
/// In detail:
///
/// - **Names** compare case-insensitively between the two sides; a path is spelled as
///   `after` spells it (as `before` does for a removed attribute).
/// - **Order**: the core attributes in the order of `after`'s keys, then those only
///   `before` has, in its order; then the extensions (keys that start with `urn:` and
///   hold objects) the same way, each with its attributes in that order. serde_json
///   keeps keys sorted unless its `preserve_order` feature is on, in which case the
///   order is the documents'. Either way, the same two resources give the same list.
/// - **Paths**: an extension's attribute is `urn:…:User:employeeNumber`. A singular
///   complex attribute (an object, such as `name` or the enterprise `manager`) is
///   compared one level down: `name.givenName`, `urn:…:User:manager.value`. Anything
///   else, arrays included, is compared and recorded whole.
/// - **Passwords**: a `password` attribute or sub-attribute is recorded as
///   [`REDACTED`] on each side it is present on, and only when it changed. A
///   `password` nested inside a value recorded whole is redacted too.
/// - **Group members** (`members`, which may hold thousands of elements) are not
///   recorded whole: the change of `members` has as `before` the array of the member
///   ids (`value`s) removed and as `after` the array of those added, each id once, in
///   the order of the arrays. Members compare by `value` only; a change of `members`
///   that neither adds nor removes an id (order, `display`) is not recorded. When a
///   side's `members` is not an array, the attribute is compared whole instead.
///
/// ```
/// use scimitar_policy::{AttributeChange, REDACTED, changes};
/// use scimitar_schema::Resource;
/// use serde_json::json;
///
/// let before = Resource::from_value(json!({
///     "id": "2819c223", "userName": "bjensen", "name": {"givenName": "Barbara"},
///     "password": "t1meMa$heen",
/// }))?;
/// let after = Resource::from_value(json!({
///     "id": "2819c223", "userName": "bjensen", "name": {"givenName": "Babs"},
///     "password": "n3wPa$$",
/// }))?;
/// assert_eq!(changes(Some(&before), Some(&after)), [
///     AttributeChange::new("name.givenName", Some(json!("Barbara")), Some(json!("Babs"))),
///     AttributeChange::new("password", Some(json!(REDACTED)), Some(json!(REDACTED))),
/// ]);
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
pub fn changes(before: Option<&Resource>, after: Option<&Resource>) -> Vec<AttributeChange> {
    let empty = Map::new();
    let before = before.map_or(&empty, Resource::as_map);
    let after = after.map_or(&empty, Resource::as_map);
    let mut diff = Diff::default();

    for (key, new) in after {
        let old = get_ci(before, key);
        if !is_bookkeeping(key) && extension_pair(key, old, Some(new)).is_none() {
            diff.attribute(None, key, old, Some(new));
        }
    }
    for (key, old) in before {
        if !is_bookkeeping(key)
            && get_ci(after, key).is_none()
            && extension_pair(key, Some(old), None).is_none()
        {
            diff.attribute(None, key, Some(old), None);
        }
    }

    for (key, new) in after {
        if let Some((old, new)) = extension_pair(key, get_ci(before, key), Some(new)) {
            diff.extension(key, old, new);
        }
    }
    for (key, old) in before {
        if get_ci(after, key).is_none()
            && let Some((old, new)) = extension_pair(key, Some(old), None)
        {
            diff.extension(key, old, new);
        }
    }
    diff.changes
}

/// The objects of one extension before and after (`None`: absent on that side).
type Sides<'v> = (
    Option<&'v Map<String, Value>>,
    Option<&'v Map<String, Value>>,
);

/// The two sides of an extension: `key` is a URN and each side present is an object.
/// `None` when `key` is to be compared as a core attribute.
fn extension_pair<'v>(
    key: &str,
    old: Option<&'v Value>,
    new: Option<&'v Value>,
) -> Option<Sides<'v>> {
    if !is_urn(key) {
        return None;
    }
    let side = |value: Option<&'v Value>| match value {
        None => Some(None),
        Some(Value::Object(object)) => Some(Some(object)),
        Some(_) => None,
    };
    Some((side(old)?, side(new)?))
}

/// The changes found so far.
#[derive(Default)]
struct Diff {
    changes: Vec<AttributeChange>,
}

impl Diff {
    /// The changes of one extension object's attributes.
    fn extension(
        &mut self,
        urn: &str,
        old: Option<&Map<String, Value>>,
        new: Option<&Map<String, Value>>,
    ) {
        let empty = Map::new();
        let old = old.unwrap_or(&empty);
        let new = new.unwrap_or(&empty);
        for (key, value) in new {
            self.attribute(Some(urn), key, get_ci(old, key), Some(value));
        }
        for (key, value) in old {
            if get_ci(new, key).is_none() {
                self.attribute(Some(urn), key, Some(value), None);
            }
        }
    }

    /// The changes of the attribute `name` (of the extension `urn`, if given).
    fn attribute(
        &mut self,
        urn: Option<&str>,
        name: &str,
        old: Option<&Value>,
        new: Option<&Value>,
    ) {
        if old == new {
            return;
        }
        if urn.is_none() && name.eq_ignore_ascii_case("members") && self.members(old, new) {
            return;
        }
        let complex = |value: Option<&Value>| matches!(value, None | Some(Value::Object(_)));
        if is_password(name) || !complex(old) || !complex(new) {
            self.push(path(urn, name, None), name, old, new);
            return;
        }
        let empty = Map::new();
        let old = old.and_then(Value::as_object).unwrap_or(&empty);
        let new = new.and_then(Value::as_object).unwrap_or(&empty);
        for (sub, value) in new {
            let before = get_ci(old, sub);
            if before != Some(value) {
                self.push(path(urn, name, Some(sub)), sub, before, Some(value));
            }
        }
        for (sub, value) in old {
            if get_ci(new, sub).is_none() {
                self.push(path(urn, name, Some(sub)), sub, Some(value), None);
            }
        }
    }

    /// The change of `members` as the ids removed and added. `false` when a side is
    /// not an array, for the caller to compare it whole.
    fn members(&mut self, old: Option<&Value>, new: Option<&Value>) -> bool {
        let (Some(old), Some(new)) = (elements(old), elements(new)) else {
            return false;
        };
        let old_ids: HashSet<&str> = old.iter().filter_map(member_value).collect();
        let new_ids: HashSet<&str> = new.iter().filter_map(member_value).collect();
        let removed = ids_not_in(old, &new_ids);
        let added = ids_not_in(new, &old_ids);
        if !removed.is_empty() || !added.is_empty() {
            self.changes.push(AttributeChange::new(
                "members",
                Some(Value::Array(removed)),
                Some(Value::Array(added)),
            ));
        }
        true
    }

    /// Records a change of the value called `name` at `path`, redacted.
    fn push(&mut self, path: String, name: &str, old: Option<&Value>, new: Option<&Value>) {
        let side = |value: Option<&Value>| {
            value.map(|value| {
                if is_password(name) {
                    Value::String(REDACTED.to_owned())
                } else {
                    redacted(value)
                }
            })
        };
        self.changes
            .push(AttributeChange::new(path, side(old), side(new)));
    }
}

/// The elements of an array (none for an absent value); `None` for another value.
fn elements(value: Option<&Value>) -> Option<&[Value]> {
    match value {
        None => Some(&[]),
        Some(Value::Array(items)) => Some(items),
        Some(_) => None,
    }
}

/// The ids of `members` that `others` lacks, each once, in order.
fn ids_not_in(members: &[Value], others: &HashSet<&str>) -> Vec<Value> {
    let mut seen: HashSet<&str> = HashSet::new();
    members
        .iter()
        .filter_map(member_value)
        .filter(|id| !others.contains(id) && seen.insert(id))
        .map(|id| Value::String(id.to_owned()))
        .collect()
}

/// `urn:…:name.sub`, with the parts given.
fn path(urn: Option<&str>, name: &str, sub: Option<&str>) -> String {
    let mut path = String::with_capacity(
        urn.map_or(0, |urn| urn.len() + 1) + name.len() + sub.map_or(0, |sub| sub.len() + 1),
    );
    if let Some(urn) = urn {
        path.push_str(urn);
        path.push(':');
    }
    path.push_str(name);
    if let Some(sub) = sub {
        path.push('.');
        path.push_str(sub);
    }
    path
}

/// A copy of `value` with every `password` inside it [`REDACTED`].
fn redacted(value: &Value) -> Value {
    match value {
        Value::Object(object) => Value::Object(
            object
                .iter()
                .map(|(key, value)| {
                    let value = if is_password(key) {
                        Value::String(REDACTED.to_owned())
                    } else {
                        redacted(value)
                    };
                    (key.clone(), value)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(redacted).collect()),
        other => other.clone(),
    }
}
