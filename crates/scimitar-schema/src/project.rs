//! Projection by `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9).

use serde_json::{Map, Value};

use scimitar_filter::{AttrName, AttributeList, PatchPath, SchemaUrn};

use crate::attribute::{AttributeDef, Returned};
use crate::registry::SchemaRegistry;
use crate::resource::Resource;

/// Which attributes a response carries.
#[derive(Clone, Copy, Debug, Default)]
pub enum Projection<'a> {
    /// Attributes returned by default (and always).
    #[default]
    Default,
    /// `attributes=`: the listed attributes, and those returned always.
    Only(&'a AttributeList),
    /// `excludedAttributes=`: the default set less the listed attributes (never those
    /// returned always).
    Except(&'a AttributeList),
}

/// One list entry: the URN, attribute and sub-attribute it names.
struct Entry<'a> {
    urn: Option<&'a SchemaUrn>,
    name: &'a AttrName,
    sub_attr: Option<&'a AttrName>,
}

fn entries(list: &AttributeList) -> Vec<Entry<'_>> {
    list.paths
        .iter()
        .map(|path| match path {
            PatchPath::Attr(path) => Entry {
                urn: path.urn.as_ref(),
                name: &path.name,
                sub_attr: path.sub_attr.as_ref(),
            },
            // A value path in a list (lenient input) selects its attribute.
            PatchPath::Value(path, sub_attr) => Entry {
                urn: path.urn.as_ref(),
                name: &path.name,
                sub_attr: sub_attr.as_ref(),
            },
        })
        .collect()
}

/// Whether `urn:…:Name` written as a path (URN `urn:…`, name `Name`) is `schema`.
fn names_schema(entry: &Entry<'_>, schema: &str) -> bool {
    let Some(urn) = entry.urn else {
        return false;
    };
    let urn = urn.as_str();
    let (schema, name) = (schema.as_bytes(), entry.name.as_str().as_bytes());
    entry.sub_attr.is_none()
        && schema.len() == urn.len() + 1 + name.len()
        && schema[..urn.len()].eq_ignore_ascii_case(urn.as_bytes())
        && schema[urn.len()] == b':'
        && schema[urn.len() + 1..].eq_ignore_ascii_case(name)
}

/// What to keep of one attribute.
enum Keep<'a> {
    Nothing,
    Whole,
    /// Only these sub-attributes (from `attributes=name.sub`).
    Only(Vec<&'a str>),
    /// All but these sub-attributes (from `excludedAttributes=name.sub`).
    AllBut(Vec<&'a str>),
}

struct Projector<'a> {
    projection: Projection<'a>,
    entries: Vec<Entry<'a>>,
    core_urn: Option<&'a str>,
}

impl<'a> Projector<'a> {
    /// Whether `entry` names an attribute of the schema `urn` (`None`: the core schema).
    fn entry_in(&self, entry: &Entry<'_>, urn: Option<&str>) -> bool {
        match (entry.urn, urn) {
            (None, None) => true,
            (Some(written), None) => self.core_urn.is_some_and(|core| written.matches(core)),
            (Some(written), Some(urn)) => written.matches(urn),
            (None, Some(_)) => false,
        }
    }

    fn keep(&self, urn: Option<&str>, name: &str, def: Option<&AttributeDef>) -> Keep<'a> {
        let returned = def.map_or(Returned::Default, |def| def.returned);
        match returned {
            Returned::Never => return Keep::Nothing,
            Returned::Always => return Keep::Whole,
            Returned::Default | Returned::Request => {}
        }
        let named = self
            .entries
            .iter()
            .filter(|entry| self.entry_in(entry, urn) && entry.name.matches(name));
        match self.projection {
            Projection::Default if returned == Returned::Request => Keep::Nothing,
            Projection::Default => Keep::Whole,
            Projection::Only(_) => {
                let mut subs = Vec::new();
                for entry in named {
                    match entry.sub_attr {
                        None => return Keep::Whole,
                        Some(sub_attr) => subs.push(sub_attr.as_str()),
                    }
                }
                if subs.is_empty() {
                    Keep::Nothing
                } else {
                    Keep::Only(subs)
                }
            }
            Projection::Except(_) => {
                if returned == Returned::Request {
                    return Keep::Nothing;
                }
                let mut subs = Vec::new();
                for entry in named {
                    match entry.sub_attr {
                        None => return Keep::Nothing,
                        Some(sub_attr) => subs.push(sub_attr.as_str()),
                    }
                }
                Keep::AllBut(subs)
            }
        }
    }

    /// Projects the attributes of one schema's object, moving what it keeps.
    fn object(
        &self,
        source: Map<String, Value>,
        urn: Option<&str>,
        defs: &dyn Fn(&str) -> Option<&'a AttributeDef>,
    ) -> Map<String, Value> {
        let mut kept = Map::new();
        for (name, value) in source {
            let def = defs(&name);
            let keep = self.keep(urn, &name, def);
            if matches!(keep, Keep::Nothing) {
                continue;
            }
            if let Some(value) = sub_attrs(value, def, &keep) {
                kept.insert(name, value);
            }
        }
        kept
    }

    /// Whether the extension `urn` is kept whole or dropped whole by the list.
    fn extension_named(&self, urn: &str) -> bool {
        self.entries.iter().any(|entry| names_schema(entry, urn))
    }
}

/// Filters the sub-attributes of a complex value (or of each element of a multi-valued
/// one) as `keep` says, honouring each sub-attribute's `returned`. `None` when nothing
/// is left of a complex value. A value kept whole whose sub-attributes are all returned
/// by default is moved as it is, without a walk over its elements.
fn sub_attrs(value: Value, def: Option<&AttributeDef>, keep: &Keep<'_>) -> Option<Value> {
    let hidden_subs = def.is_some_and(|def| {
        def.sub_attributes
            .iter()
            .any(|sub| matches!(sub.returned, Returned::Never | Returned::Request))
    });
    if matches!(keep, Keep::Whole) && !hidden_subs {
        return Some(value);
    }
    let kept = |name: &str| {
        let returned = def
            .and_then(|def| def.sub_attribute(name))
            .map_or(Returned::Default, |sub| sub.returned);
        let listed = |subs: &[&str]| subs.iter().any(|sub| sub.eq_ignore_ascii_case(name));
        match (returned, keep) {
            (Returned::Never, _) | (_, Keep::Nothing) => false,
            (Returned::Always, _) => true,
            (_, Keep::Only(subs)) => listed(subs),
            (Returned::Request, _) => false,
            (_, Keep::Whole) => true,
            (_, Keep::AllBut(subs)) => !listed(subs),
        }
    };
    let filter_object = |mut object: Map<String, Value>| -> Option<Value> {
        object.retain(|name, _| kept(name));
        (!object.is_empty()).then_some(Value::Object(object))
    };
    match value {
        Value::Object(object) => filter_object(object),
        Value::Array(items) => {
            let items: Vec<Value> = items
                .into_iter()
                .filter_map(|item| match item {
                    Value::Object(object) => filter_object(object),
                    other => Some(other),
                })
                .collect();
            (!items.is_empty()).then_some(Value::Array(items))
        }
        other => Some(other),
    }
}

/// The response form of `resource`: attributes returned `never` removed, `request`
/// attributes only when listed in `attributes`, and the projection applied, down to
/// sub-attributes (`name.familyName`) and whole extensions
/// (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`). `id` and `schemas`
/// are always kept. Attributes the schemas do not define are treated as returned by
/// default; a value path in a list (`emails[type eq "work"]`, lenient input) selects its
/// attribute.
///
/// ```
/// use scimitar_filter::AttributeList;
/// use scimitar_schema::{project, Projection, Resource, SchemaRegistry};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::core();
/// let user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "userName": "bjensen",
///     "password": "t1meMa$heen",
///     "name": {"givenName": "Barbara", "familyName": "Jensen"},
/// }))?;
/// let wanted: AttributeList = "name.familyName".parse()?;
/// let shown = project(&user, &registry, Projection::Only(&wanted));
/// assert_eq!(shown.into_value(), json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "name": {"familyName": "Jensen"},
/// }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn project(
    resource: &Resource,
    registry: &SchemaRegistry,
    projection: Projection<'_>,
) -> Resource {
    project_owned(resource.clone(), registry, projection)
}

/// [`project`] on a resource the caller gives up: kept values are moved, not copied,
/// and dropped ones (a large group's `members` under `excludedAttributes=members`) are
/// never copied at all.
pub fn project_owned(
    resource: Resource,
    registry: &SchemaRegistry,
    projection: Projection<'_>,
) -> Resource {
    let resource_type = registry.resource_type_of(&resource);
    let entries = match projection {
        Projection::Default => Vec::new(),
        Projection::Only(list) | Projection::Except(list) => entries(list),
    };
    let core_urn: Option<String> = resource_type
        .map(|resource_type| resource_type.schema.clone())
        .or_else(|| resource.schemas().next().map(str::to_owned));
    let extension_keys: Vec<String> = resource
        .as_map()
        .iter()
        .filter(|(key, value)| {
            value.is_object()
                && key.len() > 4
                && key.as_bytes()[..4].eq_ignore_ascii_case(b"urn:")
                && !resource.is_core_urn(key)
        })
        .map(|(key, _)| key.clone())
        .collect();
    let projector = Projector {
        projection,
        entries,
        core_urn: core_urn.as_deref(),
    };
    let core_defs = |name: &str| {
        resource_type
            .and_then(|resource_type| registry.top_level(resource_type, None, name))
            .map(|(_, def)| def)
    };
    let mut map = resource.into_map();
    let extensions: Vec<(String, Value)> = extension_keys
        .into_iter()
        .filter_map(|key| map.remove(&key).map(|value| (key, value)))
        .collect();
    let mut projected = projector.object(map, None, &core_defs);
    for (urn, value) in extensions {
        let Value::Object(object) = value else {
            continue;
        };
        let kept = match (projection, projector.extension_named(&urn)) {
            (Projection::Only(_), true) => object,
            (Projection::Except(_), true) => continue,
            _ => {
                let ext_defs = |name: &str| {
                    resource_type
                        .and_then(|resource_type| {
                            registry.top_level(resource_type, Some(&urn), name)
                        })
                        .map(|(_, def)| def)
                };
                projector.object(object, Some(&urn), &ext_defs)
            }
        };
        if !kept.is_empty() {
            projected.insert(urn, Value::Object(kept));
        }
    }
    Resource::from(projected)
}
