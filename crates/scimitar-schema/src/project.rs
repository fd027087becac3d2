//! Projection by `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9).

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
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

    /// Whether the extension `urn` is kept whole or dropped whole by the list.
    fn extension_named(&self, urn: &str) -> bool {
        self.entries.iter().any(|entry| names_schema(entry, urn))
    }
}

/// A value as a projection keeps it: whole, or with the sub-attributes of its complex
/// value (or of each element of a multi-valued one) filtered as `keep` says, honouring
/// each sub-attribute's `returned`. Serialised from the stored value, never copied.
struct Kept<'v, 'a> {
    value: &'v Value,
    def: Option<&'a AttributeDef>,
    keep: Keep<'a>,
}

impl<'v, 'a> Kept<'v, 'a> {
    /// What is kept of `value`, or `None` when nothing is left of a complex value.
    fn new(value: &'v Value, def: Option<&'a AttributeDef>, keep: Keep<'a>) -> Option<Self> {
        let kept = Self { value, def, keep };
        let any = match value {
            _ if kept.whole() => true,
            Value::Object(object) => kept.any_sub(object),
            Value::Array(items) => items.iter().any(|item| match item {
                Value::Object(object) => kept.any_sub(object),
                _ => true,
            }),
            _ => true,
        };
        any.then_some(kept)
    }

    /// Whether the value goes out as it is: kept whole, and no sub-attribute hidden.
    fn whole(&self) -> bool {
        let hidden_subs = self.def.is_some_and(|def| {
            def.sub_attributes
                .iter()
                .any(|sub| matches!(sub.returned, Returned::Never | Returned::Request))
        });
        matches!(self.keep, Keep::Whole) && !hidden_subs
    }

    fn sub_kept(&self, name: &str) -> bool {
        let returned = self
            .def
            .and_then(|def| def.sub_attribute(name))
            .map_or(Returned::Default, |sub| sub.returned);
        let listed = |subs: &[&str]| subs.iter().any(|sub| sub.eq_ignore_ascii_case(name));
        match (returned, &self.keep) {
            (Returned::Never, _) | (_, Keep::Nothing) => false,
            (Returned::Always, _) => true,
            (_, Keep::Only(subs)) => listed(subs),
            (Returned::Request, _) => false,
            (_, Keep::Whole) => true,
            (_, Keep::AllBut(subs)) => !listed(subs),
        }
    }

    fn any_sub(&self, object: &Map<String, Value>) -> bool {
        object.keys().any(|name| self.sub_kept(name))
    }
}

/// The kept sub-attributes of one complex value.
struct KeptObject<'v, 'k, 'a>(&'v Map<String, Value>, &'k Kept<'v, 'a>);

impl Serialize for KeptObject<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let KeptObject(object, kept) = self;
        let mut map = serializer.serialize_map(None)?;
        for (name, value) in object.iter().filter(|(name, _)| kept.sub_kept(name)) {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl Serialize for Kept<'_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self.value {
            value if self.whole() => value.serialize(serializer),
            Value::Object(object) => KeptObject(object, self).serialize(serializer),
            Value::Array(items) => {
                let mut seq = serializer.serialize_seq(None)?;
                for item in items {
                    match item {
                        Value::Object(object) if !self.any_sub(object) => {}
                        Value::Object(object) => {
                            seq.serialize_element(&KeptObject(object, self))?
                        }
                        other => seq.serialize_element(other)?,
                    }
                }
                seq.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// A resource as a response shows it, serialised straight from the stored resource (see
/// [`projected`]).
pub struct Projected<'a> {
    resource: &'a Resource,
    extra: &'a Map<String, Value>,
    registry: &'a SchemaRegistry,
    projection: Projection<'a>,
}

/// Whether `key: value` is an extension's object (`urn:…` other than the core schema).
fn is_extension(resource: &Resource, key: &str, value: &Value) -> bool {
    value.is_object()
        && key.len() > 4
        && key.as_bytes()[..4].eq_ignore_ascii_case(b"urn:")
        && !resource.is_core_urn(key)
}

impl Serialize for Projected<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let Self {
            resource,
            extra,
            registry,
            projection,
        } = *self;
        let resource_type = registry.resource_type_of(resource);
        let core_urn: Option<&str> = resource_type
            .map(|resource_type| resource_type.schema.as_str())
            .or_else(|| resource.schemas().next());
        let projector = Projector {
            projection,
            entries: match projection {
                Projection::Default => Vec::new(),
                Projection::Only(list) | Projection::Except(list) => entries(list),
            },
            core_urn,
        };
        // The schemas are looked up once, not once an attribute.
        let core_schema =
            resource_type.and_then(|resource_type| registry.core_schema(resource_type));
        let core_def = |name: &str| {
            SchemaRegistry::common_attributes()
                .iter()
                .find(|def| def.name.eq_ignore_ascii_case(name))
                .or_else(|| core_schema?.attribute_def(name))
                // An extension's attribute written without its URN.
                .or_else(|| Some(registry.top_level(resource_type?, None, name)?.1))
        };
        let extension_schema = |urn: &str| {
            registry
                .extensions(resource_type?)
                .map(|(schema, _)| schema)
                .find(|schema| schema.is(urn))
        };
        // The stored attributes and the extra ones, in one sorted walk; an extra one
        // replaces the stored one of its name.
        let mut stored = resource
            .as_map()
            .iter()
            .filter(|(key, _)| !extra.contains_key(*key))
            .peekable();
        let mut added = extra.iter().peekable();
        let attributes = std::iter::from_fn(|| match (stored.peek(), added.peek()) {
            (Some((left, _)), Some((right, _))) if left < right => stored.next(),
            (Some(_), None) => stored.next(),
            _ => added.next(),
        });
        let mut map = serializer.serialize_map(None)?;
        for (key, value) in attributes {
            if let (true, Value::Object(object)) = (is_extension(resource, key, value), value) {
                match (projection, projector.extension_named(key)) {
                    (Projection::Only(_), true) => map.serialize_entry(key, value)?,
                    (Projection::Except(_), true) => {}
                    _ => {
                        let schema = extension_schema(key);
                        let kept: Vec<(&String, Kept<'_, '_>)> = object
                            .iter()
                            .filter_map(|(name, value)| {
                                let def = schema.and_then(|schema| schema.attribute_def(name));
                                let keep = projector.keep(Some(key), name, def);
                                if matches!(keep, Keep::Nothing) {
                                    return None;
                                }
                                Some((name, Kept::new(value, def, keep)?))
                            })
                            .collect();
                        if !kept.is_empty() {
                            map.serialize_entry(key, &KeptEntries(&kept))?;
                        }
                    }
                }
                continue;
            }
            let def = core_def(key);
            let keep = projector.keep(None, key, def);
            if matches!(keep, Keep::Nothing) {
                continue;
            }
            if let Some(kept) = Kept::new(value, def, keep) {
                map.serialize_entry(key, &kept)?;
            }
        }
        map.end()
    }
}

/// An extension's kept attributes.
struct KeptEntries<'e, 'v, 'a>(&'e [(&'v String, Kept<'v, 'a>)]);

impl Serialize for KeptEntries<'_, '_, '_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, kept) in self.0 {
            map.serialize_entry(name, kept)?;
        }
        map.end()
    }
}

/// `resource`, with the top-level attributes `extra` added (or in place of its own of
/// the same name: computed ones such as a user's `groups`, or a `meta` with its
/// `location`), as a response shows it with `projection`: what [`project`] returns, but
/// serialised straight from the resource, so that nothing is copied — not even a large
/// group's `members`, whether shown or dropped.
///
/// ```
/// use scimitar_schema::{projected, Projection, Resource, SchemaRegistry};
/// use serde_json::{json, Map};
///
/// let registry = SchemaRegistry::core();
/// let user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "userName": "bjensen",
///     "password": "t1meMa$heen",
/// }))?;
/// let mut extra = Map::new();
/// extra.insert("meta".into(), json!({"resourceType": "User"}));
/// let body = serde_json::to_value(projected(&user, &extra, &registry, Projection::Default))?;
/// assert_eq!(body, json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "id": "2819c223",
///     "userName": "bjensen",
///     "meta": {"resourceType": "User"},
/// }));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn projected<'a>(
    resource: &'a Resource,
    extra: &'a Map<String, Value>,
    registry: &'a SchemaRegistry,
    projection: Projection<'a>,
) -> Projected<'a> {
    Projected {
        resource,
        extra,
        registry,
        projection,
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
    let empty = Map::new();
    let shown = serde_json::to_value(projected(resource, &empty, registry, projection))
        .ok()
        .and_then(|value| match value {
            Value::Object(map) => Some(map),
            _ => None,
        })
        .unwrap_or_default();
    Resource::from(shown)
}
