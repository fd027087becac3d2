//! What every store computes the same way: the equality indexes the identity
//! providers' lookups need, how a filter uses them, and the JSON edit of a group that
//! loses a member when the member is deleted.

use serde_json::{Map, Value};

use scimitar_filter::{AttrExpr, CompValue, CompareOp, Expr, Filter, FilterLeaf};
use scimitar_schema::__private::json::{get_ci, insert_ci, key_ci};
use scimitar_schema::Resource;
use scimitar_schema::urn;

use super::StoredResource;

/// Takes `member` out of `group` (JSON and member list) as a write at `at` would.
pub fn drop_member(group: &mut StoredResource, member: &str, at: &str) {
    group.members.retain(|listed| listed != member);
    group.version = group.version.saturating_add(1);
    let version = group.version;
    let map = group.resource.as_map_mut();
    if let Some(key) = key_ci(map, "members")
        && let Some(Value::Array(members)) = map.get_mut(&key)
    {
        members.retain(|element| {
            element
                .as_object()
                .and_then(|element| get_ci(element, "value"))
                .and_then(Value::as_str)
                != Some(member)
        });
        // As a PATCH that removes the last member leaves the attribute unassigned.
        if members.is_empty() {
            map.remove(&key);
        }
    }
    if let Some(key) = key_ci(map, "meta")
        && let Some(Value::Object(meta)) = map.get_mut(&key)
    {
        insert_ci(meta, "lastModified", Value::String(at.to_owned()));
        if key_ci(meta, "version").is_some() {
            insert_ci(meta, "version", Value::String(format!("W/\"{version}\"")));
        }
    }
}

/// An attribute with an equality index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Indexed {
    /// `userName` of users, ignoring case.
    UserName,
    /// `externalId` of users and groups, case-exact.
    ExternalId,
    /// `displayName` of groups, ignoring case.
    DisplayName,
}

impl Indexed {
    /// Every indexed attribute.
    pub const ALL: [Self; 3] = [Self::UserName, Self::ExternalId, Self::DisplayName];

    /// The attribute's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::UserName => "userName",
            Self::ExternalId => "externalId",
            Self::DisplayName => "displayName",
        }
    }

    /// Whether resources of `resource_type` have this index.
    pub fn applies_to(self, resource_type: &str) -> bool {
        match self {
            Self::UserName => resource_type == "User",
            Self::ExternalId => resource_type == "User" || resource_type == "Group",
            Self::DisplayName => resource_type == "Group",
        }
    }

    /// The value as the index keeps it, folded ([`scimitar_schema::fold_for_comparison`])
    /// as filter evaluation folds attributes that are not `caseExact`.
    pub fn normalise(self, text: &str) -> String {
        match self {
            Self::ExternalId => text.to_owned(),
            Self::UserName | Self::DisplayName => {
                scimitar_schema::fold_for_comparison(text).into_owned()
            }
        }
    }
}

/// The core schema of the resource types with indexes.
fn core_urn(resource_type: &str) -> Option<&'static str> {
    match resource_type {
        "User" => Some(urn::USER),
        "Group" => Some(urn::GROUP),
        _ => None,
    }
}

/// The index entries of a resource: for each indexed attribute of its type, each string
/// value an `eq` comparison would look at (the value, each element of an array, the
/// `value` of an object), as [`scimitar_schema::matches`] does.
pub fn indexed_values(resource_type: &str, resource: &Resource) -> Vec<(Indexed, String)> {
    let mut entries = Vec::new();
    for attribute in Indexed::ALL {
        if !attribute.applies_to(resource_type) {
            continue;
        }
        let Some(value) = get_ci(resource.as_map(), attribute.name()) else {
            continue;
        };
        let items = match value {
            Value::Array(items) => items.as_slice(),
            value => std::slice::from_ref(value),
        };
        for item in items {
            let text = match item {
                Value::String(text) => Some(text.as_str()),
                Value::Object(object) => value_of(object),
                _ => None,
            };
            if let Some(text) = text {
                entries.push((attribute, attribute.normalise(text)));
            }
        }
    }
    entries
}

fn value_of(object: &Map<String, Value>) -> Option<&str> {
    get_ci(object, "value").and_then(Value::as_str)
}

/// How a list uses the indexes.
#[derive(Debug, PartialEq)]
pub enum Plan {
    /// No filter: every resource.
    Everything,
    /// The filter is exactly this lookup.
    Exact((Indexed, String)),
    /// The filter is an `and` with these lookups among its terms: the smallest gives
    /// candidates, which the engine filters.
    Narrow(Vec<(Indexed, String)>),
    /// No index applies: every resource, for the engine to filter.
    Scan,
}

/// How a list of `resource_type` filtered by `filter` can use the equality indexes.
pub fn plan(resource_type: &str, filter: Option<&Filter>) -> Plan {
    let Some(filter) = filter else {
        return Plan::Everything;
    };
    if let Some(lookup) = lookup(resource_type, filter) {
        return Plan::Exact(lookup);
    }
    // The terms of a conjunction, without recursion: `and` chains can be long.
    let mut lookups = Vec::new();
    let mut pending = vec![filter];
    while let Some(node) = pending.pop() {
        match node {
            Expr::And(left, right) => {
                pending.push(right);
                pending.push(left);
            }
            term => lookups.extend(lookup(resource_type, term)),
        }
    }
    if lookups.is_empty() {
        Plan::Scan
    } else {
        Plan::Narrow(lookups)
    }
}

/// The index entry that answers `filter`, if it is `attr eq "string"` on an indexed
/// attribute of the type (without sub-attribute; with no URN or the type's core one).
pub fn lookup(resource_type: &str, filter: &Filter) -> Option<(Indexed, String)> {
    let Expr::Leaf(FilterLeaf::Attr(AttrExpr::Compare(
        path,
        CompareOp::Eq,
        CompValue::String(value),
    ))) = filter
    else {
        return None;
    };
    if path.sub_attr.is_some() {
        return None;
    }
    if let Some(urn) = &path.urn
        && !core_urn(resource_type).is_some_and(|core| urn.matches(core))
    {
        return None;
    }
    let attribute = Indexed::ALL.into_iter().find(|attribute| {
        attribute.applies_to(resource_type) && path.name.matches(attribute.name())
    })?;
    Some((attribute, attribute.normalise(value)))
}

/// The ids a group's `members` lists, as the engine records them in
/// [`StoredResource::members`].
pub fn member_ids(resource: &Resource) -> Vec<String> {
    resource
        .get_attr("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|member| {
            member
                .as_object()
                .and_then(|member| get_ci(member, "value"))
                .and_then(Value::as_str)
        })
        .map(str::to_owned)
        .collect()
}
