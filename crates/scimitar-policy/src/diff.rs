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
    diff(before, after, None)
}

/// [`changes`], comparing only the attributes `touched` names: top-level attributes by
/// name, extension attributes URN-qualified (as a PATCH reports them in
/// `PatchOutcome::changed_attributes`), in any case. The others are taken as unchanged
/// without comparing them, which spares comparing a large resource whole on every
/// PATCH.
pub fn changes_within(
    before: Option<&Resource>,
    after: Option<&Resource>,
    touched: &[String],
) -> Vec<AttributeChange> {
    diff(before, after, Some(touched))
}

fn diff(
    before: Option<&Resource>,
    after: Option<&Resource>,
    touched: Option<&[String]>,
) -> Vec<AttributeChange> {
    let empty = Map::new();
    let before = before.map_or(&empty, Resource::as_map);
    let after = after.map_or(&empty, Resource::as_map);
    let mut diff = Diff {
        changes: Vec::new(),
        touched,
    };

    // Each key is looked up on the other side only if it may have changed.
    let (after_keys, before_keys) = (diff.candidates(after), diff.candidates(before));
    for &(key, new) in &after_keys {
        let old = get_ci(before, key);
        if extension_pair(key, old, Some(new)).is_none() {
            diff.attribute(None, key, old, Some(new));
        }
    }
    for &(key, old) in &before_keys {
        if get_ci(after, key).is_none() && extension_pair(key, Some(old), None).is_none() {
            diff.attribute(None, key, Some(old), None);
        }
    }

    for &(key, new) in &after_keys {
        if let Some((old, new)) = extension_pair(key, get_ci(before, key), Some(new)) {
            diff.extension(key, old, new);
        }
    }
    for &(key, old) in &before_keys {
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
struct Diff<'t> {
    changes: Vec<AttributeChange>,
    /// The only attributes to compare, when known.
    touched: Option<&'t [String]>,
}

impl Diff<'_> {
    /// The entries of `map` that may hold a change.
    fn candidates<'m>(&self, map: &'m Map<String, Value>) -> Vec<(&'m String, &'m Value)> {
        map.iter()
            .filter(|(key, _)| !is_bookkeeping(key) && self.may_touch(key))
            .collect()
    }

    /// Whether the top-level key `key` (an attribute, or an extension's URN) may hold a
    /// change.
    fn may_touch(&self, key: &str) -> bool {
        let Some(touched) = self.touched else {
            return true;
        };
        if is_urn(key) {
            crate::touched::names_in(touched, key)
        } else {
            crate::touched::names(touched, None, key)
        }
    }

    /// Whether the attribute `name` (of the extension `urn`) may have changed.
    fn may_differ(&self, urn: Option<&str>, name: &str) -> bool {
        let Some(touched) = self.touched else {
            return true;
        };
        crate::touched::names(touched, urn, name)
    }

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
        if !self.may_differ(urn, name) {
            return;
        }
        // Members first: comparing their ids is cheaper than comparing them whole.
        if urn.is_none() && name.eq_ignore_ascii_case("members") && self.members(old, new) {
            return;
        }
        if old == new {
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
        let (removed, added) = member_delta(old, new);
        if !removed.is_empty() || !added.is_empty() {
            let ids = |ids: Vec<&str>| {
                Some(Value::Array(
                    ids.into_iter()
                        .map(|id| Value::String(id.to_owned()))
                        .collect(),
                ))
            };
            self.changes
                .push(AttributeChange::new("members", ids(removed), ids(added)));
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

/// The member ids `old` has and `new` lacks, and those `new` has and `old` lacks, each
/// once, in the order of their arrays.
///
/// A write usually adds or removes a few members and keeps the others in order, so the
/// elements both arrays start and end with are set aside first, comparing ids in
/// place; only the rest goes into hash sets. An id of that rest may still be among the
/// ids set aside (a member moved), which a last pass over them checks.
fn member_delta<'v>(old: &'v [Value], new: &'v [Value]) -> (Vec<&'v str>, Vec<&'v str>) {
    let same = |(old, new): (&Value, &Value)| member_value(old) == member_value(new);
    let prefix = old.iter().zip(new).take_while(|pair| same(*pair)).count();
    let (old_head, old_rest) = old.split_at_checked(prefix).unwrap_or((old, &[]));
    let new_rest = new.get(prefix..).unwrap_or_default();
    let suffix = old_rest
        .iter()
        .rev()
        .zip(new_rest.iter().rev())
        .take_while(|pair| same(*pair))
        .count();
    let (old_middle, old_tail) = old_rest
        .split_at_checked(old_rest.len().saturating_sub(suffix))
        .unwrap_or((old_rest, &[]));
    let new_middle = new_rest
        .get(..new_rest.len().saturating_sub(suffix))
        .unwrap_or_default();
    if old_middle.is_empty() && new_middle.is_empty() {
        return (Vec::new(), Vec::new());
    }
    let ids = |members: &'v [Value]| {
        let mut ids = HashSet::with_capacity(members.len());
        ids.extend(members.iter().filter_map(member_value));
        ids
    };
    let (old_ids, new_ids) = (ids(old_middle), ids(new_middle));
    let mut removed = ids_not_in(old_middle, &new_ids);
    let mut added = ids_not_in(new_middle, &old_ids);
    let kept = || old_head.iter().chain(old_tail).filter_map(member_value);
    drop_kept(&mut removed, kept());
    drop_kept(&mut added, kept());
    (removed, added)
}

/// The ids of `members` that `others` lacks, each once, in order.
fn ids_not_in<'v>(members: &'v [Value], others: &HashSet<&str>) -> Vec<&'v str> {
    let mut seen: HashSet<&str> = HashSet::new();
    members
        .iter()
        .filter_map(member_value)
        .filter(|id| !others.contains(id) && seen.insert(id))
        .collect()
}

/// Removes from `candidates` (distinct ids) those among `kept`.
fn drop_kept<'v>(candidates: &mut Vec<&'v str>, kept: impl Iterator<Item = &'v str>) {
    const FEW: usize = 8;
    if candidates.is_empty() {
        return;
    }
    if candidates.len() <= FEW {
        for id in kept {
            if let Some(position) = candidates.iter().position(|candidate| *candidate == id) {
                candidates.remove(position);
                if candidates.is_empty() {
                    return;
                }
            }
        }
        return;
    }
    let kept: HashSet<&str> = kept.collect();
    candidates.retain(|candidate| !kept.contains(candidate));
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
    if !holds_password(value) {
        return value.clone();
    }
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

/// Whether an object inside `value` has a `password`.
fn holds_password(value: &Value) -> bool {
    match value {
        Value::Object(object) => object
            .iter()
            .any(|(key, value)| is_password(key) || holds_password(value)),
        Value::Array(items) => items.iter().any(holds_password),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

    fn resource(value: Value) -> Resource {
        Resource::from_value(value).expect("a JSON object")
    }

    fn diff(before: Value, after: Value) -> Vec<AttributeChange> {
        changes(Some(&resource(before)), Some(&resource(after)))
    }

    fn change(path: &str, before: Option<Value>, after: Option<Value>) -> AttributeChange {
        AttributeChange::new(path, before, after)
    }

    fn redacted_value() -> Option<Value> {
        Some(json!(REDACTED))
    }

    #[test]
    fn equal_resources_have_no_changes() {
        let user = json!({"userName": "bjensen", "name": {"givenName": "B"}, "emails": [{"value": "b@x"}]});
        assert!(diff(user.clone(), user).is_empty());
        assert!(changes(None, None).is_empty());
    }

    #[test]
    fn bookkeeping_is_left_out() {
        assert!(
            diff(
                json!({"id": "1", "schemas": ["a"], "meta": {"version": "W/1"}}),
                json!({"ID": "2", "Schemas": ["b"], "META": {"version": "W/2"}}),
            )
            .is_empty()
        );
        assert!(changes(None, Some(&resource(json!({"id": "1", "schemas": []})))).is_empty());
    }

    #[test]
    fn names_match_whatever_their_case() {
        assert!(diff(json!({"USERNAME": "a"}), json!({"userName": "a"})).is_empty());
        assert_eq!(
            diff(json!({"USERNAME": "a"}), json!({"userName": "b"})),
            [change("userName", Some(json!("a")), Some(json!("b")))]
        );
        assert!(
            diff(
                json!({ ENTERPRISE.to_uppercase(): {"Department": "x"} }),
                json!({ ENTERPRISE: {"department": "x"} }),
            )
            .is_empty()
        );
    }

    #[test]
    fn a_create_lists_every_attribute_and_a_delete_too() {
        let user = resource(json!({
            "id": "1",
            "userName": "bjensen",
            "active": true,
            "name": {"familyName": "Jensen", "givenName": "Barbara"},
            "emails": [{"value": "b@x", "type": "work"}],
            ENTERPRISE: {"employeeNumber": "701984", "manager": {"value": "m-1"}},
        }));
        let created = vec![
            change("active", None, Some(json!(true))),
            change(
                "emails",
                None,
                Some(json!([{"value": "b@x", "type": "work"}])),
            ),
            change("name.familyName", None, Some(json!("Jensen"))),
            change("name.givenName", None, Some(json!("Barbara"))),
            change("userName", None, Some(json!("bjensen"))),
            change(
                &format!("{ENTERPRISE}:employeeNumber"),
                None,
                Some(json!("701984")),
            ),
            change(
                &format!("{ENTERPRISE}:manager.value"),
                None,
                Some(json!("m-1")),
            ),
        ];
        assert_eq!(changes(None, Some(&user)), created);
        let deleted: Vec<_> = created
            .into_iter()
            .map(|change| AttributeChange::new(change.path, change.after, change.before))
            .collect();
        assert_eq!(changes(Some(&user), None), deleted);
    }

    #[test]
    fn core_comes_before_extensions_and_after_before_before_only() {
        let before = json!({
            "zzz": 1,
            "title": "a",
            "urn:a:b": {"x": 1, "gone": true},
            "urn:c:d": {"y": 1},
        });
        let after = json!({
            "title": "b",
            "aaa": 2,
            "urn:a:b": {"x": 2},
        });
        assert_eq!(
            diff(before, after),
            [
                change("aaa", None, Some(json!(2))),
                change("title", Some(json!("a")), Some(json!("b"))),
                change("zzz", Some(json!(1)), None),
                change("urn:a:b:x", Some(json!(1)), Some(json!(2))),
                change("urn:a:b:gone", Some(json!(true)), None),
                change("urn:c:d:y", Some(json!(1)), None),
            ]
        );
    }

    #[test]
    fn singular_complex_attributes_descend_one_level() {
        assert_eq!(
            diff(
                json!({"name": {"givenName": "Barbara", "middleName": "J", "formatted": "x"}}),
                json!({"Name": {"givenName": "Babs", "FORMATTED": "x", "familyName": "Jensen"}}),
            ),
            [
                change("Name.familyName", None, Some(json!("Jensen"))),
                change(
                    "Name.givenName",
                    Some(json!("Barbara")),
                    Some(json!("Babs"))
                ),
                change("Name.middleName", Some(json!("J")), None),
            ]
        );
        // Deeper objects are compared whole.
        assert_eq!(
            diff(
                json!({"a": {"b": {"c": 1, "d": 1}}}),
                json!({"a": {"b": {"c": 2, "d": 1}}})
            ),
            [change(
                "a.b",
                Some(json!({"c": 1, "d": 1})),
                Some(json!({"c": 2, "d": 1}))
            )]
        );
    }

    #[test]
    fn a_change_of_shape_is_recorded_whole() {
        assert_eq!(
            diff(json!({"name": {"givenName": "B"}}), json!({"name": "B"})),
            [change(
                "name",
                Some(json!({"givenName": "B"})),
                Some(json!("B"))
            )]
        );
        assert_eq!(
            diff(json!({"title": null}), json!({"title": "Guide"})),
            [change("title", Some(json!(null)), Some(json!("Guide")))]
        );
    }

    #[test]
    fn arrays_are_compared_whole() {
        let before = json!({"emails": [{"value": "a@x", "type": "work"}, {"value": "b@x"}]});
        let after = json!({"emails": [{"value": "a@x", "type": "work"}, {"value": "c@x"}]});
        assert_eq!(
            diff(before.clone(), after.clone()),
            [change(
                "emails",
                before.get("emails").cloned(),
                after.get("emails").cloned()
            )]
        );
    }

    #[test]
    fn extension_attributes_have_urn_paths() {
        assert_eq!(
            diff(
                json!({ ENTERPRISE: {"employeeNumber": "1", "manager": {"value": "m-1", "displayName": "A"}} }),
                json!({ ENTERPRISE: {"employeeNumber": "2", "manager": {"value": "m-2"}} }),
            ),
            [
                change(
                    &format!("{ENTERPRISE}:employeeNumber"),
                    Some(json!("1")),
                    Some(json!("2"))
                ),
                change(
                    &format!("{ENTERPRISE}:manager.value"),
                    Some(json!("m-1")),
                    Some(json!("m-2"))
                ),
                change(
                    &format!("{ENTERPRISE}:manager.displayName"),
                    Some(json!("A")),
                    None
                ),
            ]
        );
    }

    #[test]
    fn a_urn_key_that_is_not_an_object_is_a_core_attribute() {
        assert_eq!(
            diff(json!({"urn:a:b": "x"}), json!({"urn:a:b": {"c": 1}})),
            [change("urn:a:b", Some(json!("x")), Some(json!({"c": 1})))]
        );
    }

    #[test]
    fn passwords_are_redacted() {
        let redacted = redacted_value;
        assert!(diff(json!({"password": "same"}), json!({"PASSWORD": "same"})).is_empty());
        assert_eq!(
            diff(json!({"password": "old"}), json!({"password": "new"})),
            [change("password", redacted(), redacted())]
        );
        assert_eq!(
            diff(json!({}), json!({"Password": {"weird": "shape"}})),
            [change("Password", None, redacted())]
        );
        assert_eq!(
            diff(json!({"password": "old"}), json!({})),
            [change("password", redacted(), None)]
        );
        assert_eq!(
            changes(None, Some(&resource(json!({"password": "t1meMa$heen"})))),
            [change("password", None, redacted())]
        );
    }

    #[test]
    fn passwords_are_redacted_anywhere() {
        let redacted = redacted_value;
        assert_eq!(
            diff(
                json!({"x": {"password": "a"}}),
                json!({"x": {"password": "b"}})
            ),
            [change("x.password", redacted(), redacted())]
        );
        assert_eq!(
            diff(
                json!({"urn:a:b": {"password": "a"}}),
                json!({"urn:a:b": {}})
            ),
            [change("urn:a:b:password", redacted(), None)]
        );
        assert_eq!(
            diff(
                json!({"credentials": [{"type": "pin", "password": "1234"}]}),
                json!({"credentials": [{"type": "pin", "PassWord": "4321"}, {"password": 9}]}),
            ),
            [change(
                "credentials",
                Some(json!([{"type": "pin", "password": REDACTED}])),
                Some(json!([{"type": "pin", "PassWord": REDACTED}, {"password": REDACTED}])),
            )]
        );
        assert_eq!(
            diff(
                json!({"x": {"deep": {"password": "a"}}}),
                json!({"x": {"deep": {"password": "b"}}})
            ),
            [change(
                "x.deep",
                Some(json!({"password": REDACTED})),
                Some(json!({"password": REDACTED}))
            )]
        );
    }

    fn members(ids: &[&str]) -> Value {
        Value::Array(
            ids.iter()
                .map(|id| json!({"value": id, "display": id.to_uppercase()}))
                .collect(),
        )
    }

    #[test]
    fn members_are_recorded_as_ids_removed_and_added() {
        assert_eq!(
            diff(
                json!({"members": members(&["a", "b", "c"])}),
                json!({"members": members(&["c", "d", "a", "e"])}),
            ),
            [change(
                "members",
                Some(json!(["b"])),
                Some(json!(["d", "e"]))
            )]
        );
        assert_eq!(
            diff(
                json!({"members": members(&["a"])}),
                json!({"members": members(&["a", "b"])})
            ),
            [change("members", Some(json!([])), Some(json!(["b"])))]
        );
        assert_eq!(
            diff(
                json!({"members": members(&["a", "b"])}),
                json!({"members": []})
            ),
            [change("members", Some(json!(["a", "b"])), Some(json!([])))]
        );
    }

    #[test]
    fn members_present_on_one_side_only() {
        let group = resource(json!({"displayName": "G", "Members": members(&["a", "b", "a"])}));
        assert_eq!(
            changes(None, Some(&group)),
            // "Members" sorts before "displayName"; the path is spelled `members`.
            [
                change("members", Some(json!([])), Some(json!(["a", "b"]))),
                change("displayName", None, Some(json!("G"))),
            ]
        );
        assert_eq!(
            changes(Some(&group), None),
            [
                change("members", Some(json!(["a", "b"])), Some(json!([]))),
                change("displayName", Some(json!("G")), None),
            ]
        );
    }

    #[test]
    fn members_that_keep_their_ids_are_no_change() {
        assert!(
            diff(
                json!({"members": [{"value": "a", "display": "A"}, {"value": "b"}]}),
                json!({"members": [{"value": "b", "display": "B"}, "a"]}),
            )
            .is_empty()
        );
        assert!(diff(json!({"members": []}), json!({})).is_empty());
    }

    #[test]
    fn members_that_are_not_arrays_are_compared_whole() {
        assert_eq!(
            diff(
                json!({"members": null}),
                json!({"members": members(&["a"])})
            ),
            [change("members", Some(json!(null)), Some(members(&["a"])))]
        );
        // Only the core attribute is special.
        assert_eq!(
            diff(
                json!({"urn:a:b": {"members": ["a"]}}),
                json!({"urn:a:b": {"members": ["b"]}})
            ),
            [change(
                "urn:a:b:members",
                Some(json!(["a"])),
                Some(json!(["b"]))
            )]
        );
    }

    #[test]
    fn large_member_lists() {
        let ids: Vec<String> = (0..10_000).map(|n| format!("user-{n:05}")).collect();
        let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
        let before = resource(json!({"members": members(&refs)}));
        let mut changed = refs.clone();
        changed.retain(|id| *id != "user-04321");
        changed.push("user-10000");
        let after = resource(json!({"members": members(&changed)}));
        assert_eq!(
            changes(Some(&before), Some(&after)),
            [change(
                "members",
                Some(json!(["user-04321"])),
                Some(json!(["user-10000"]))
            )]
        );
        assert!(changes(Some(&before), Some(&before.clone())).is_empty());
    }

    /// What [`member_delta`] computes, the plain way.
    fn naive_delta<'v>(old: &'v [Value], new: &'v [Value]) -> (Vec<&'v str>, Vec<&'v str>) {
        let ids =
            |members: &'v [Value]| members.iter().filter_map(member_value).collect::<Vec<_>>();
        let (old, new) = (ids(old), ids(new));
        let missing = |from: &[&'v str], other: &[&'v str]| {
            let mut missing: Vec<&'v str> = Vec::new();
            for id in from {
                if !other.contains(id) && !missing.contains(id) {
                    missing.push(id);
                }
            }
            missing
        };
        (missing(&old, &new), missing(&new, &old))
    }

    fn member_list() -> impl proptest::strategy::Strategy<Value = Vec<Value>> {
        use proptest::prelude::*;
        let member = prop_oneof![
            4 => "[a-l]".prop_map(|id| json!({"value": id})),
            1 => "[a-l]".prop_map(Value::String),
            1 => Just(json!({"display": "no id"})),
        ];
        prop::collection::vec(member, 0..24)
    }

    proptest::proptest! {
        #[test]
        fn the_member_delta_is_the_set_difference(old in member_list(), new in member_list()) {
            proptest::prop_assert_eq!(member_delta(&old, &new), naive_delta(&old, &new));
        }

        #[test]
        fn the_member_delta_of_an_edit(
            old in member_list(),
            at in 0usize..24,
            insert in member_list(),
            remove in 0usize..4,
        ) {
            let mut new = old.clone();
            let at = at.min(new.len());
            let end = (at + remove).min(new.len());
            new.splice(at..end, insert);
            proptest::prop_assert_eq!(member_delta(&old, &new), naive_delta(&old, &new));
        }
    }

    #[test]
    fn moved_members_are_kept() {
        let old = members(&["a", "b", "c", "d"]);
        let new = members(&["a", "d", "b", "c", "x", "d"]);
        let (Value::Array(old), Value::Array(new)) = (old, new) else {
            unreachable!()
        };
        assert_eq!(member_delta(&old, &new), (vec![], vec!["x"]));
        assert_eq!(member_delta(&new, &old), (vec!["x"], vec![]));
        let many: Vec<String> = (0..20).map(|n| n.to_string()).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut shuffled = refs.clone();
        shuffled.rotate_left(7);
        let (Value::Array(old), Value::Array(new)) = (members(&refs), members(&shuffled)) else {
            unreachable!()
        };
        assert_eq!(member_delta(&old, &new), (vec![], vec![]));

        // More candidates than a linear check takes, all but one kept.
        let mut grown = refs[..10].to_vec();
        grown.extend(&refs[..9]);
        grown.push("y");
        let mut with_z = refs[..10].to_vec();
        with_z.push("z");
        let (Value::Array(old), Value::Array(new)) = (members(&with_z), members(&grown)) else {
            unreachable!()
        };
        assert_eq!(member_delta(&old, &new), (vec!["z"], vec!["y"]));
    }

    #[test]
    fn paths() {
        assert_eq!(path(None, "userName", None), "userName");
        assert_eq!(path(None, "name", Some("givenName")), "name.givenName");
        assert_eq!(
            path(Some("urn:a:b"), "manager", Some("value")),
            "urn:a:b:manager.value"
        );
    }
}
