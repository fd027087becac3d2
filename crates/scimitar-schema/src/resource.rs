//! The dynamic resource: a JSON object with SCIM's attribute addressing.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use scimitar_filter::{AttrPath, SchemaUrn};

use crate::error::ScimError;
use crate::json::{get_ci, insert_ci, json_kind, key_ci};
use crate::urn;

/// A SCIM resource of any type as a JSON object, addressed the SCIM way: attribute names
/// compare case-insensitively, and a URN-qualified path reaches into the extension object
/// of that URN (or the top level, for the resource's core schema).
///
/// This is what the engine, the PATCH applier and filter evaluation work on; hosts that
/// prefer structs convert with [`User`](crate::User) and [`Group`](crate::Group).
///
/// ```
/// use scimitar_schema::Resource;
/// use serde_json::json;
///
/// let user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
///                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
///     "userName": "bjensen",
///     "name": {"familyName": "Jensen"},
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour"},
/// }))?;
/// assert_eq!(user.get(&"UserName".parse()?), Some(&json!("bjensen")));
/// assert_eq!(user.get(&"name.FAMILYNAME".parse()?), Some(&json!("Jensen")));
/// let department = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department";
/// assert_eq!(user.get(&department.parse()?), Some(&json!("Tour")));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Resource(Map<String, Value>);

impl Resource {
    /// An empty resource.
    pub fn new() -> Self {
        Self::default()
    }

    /// Wraps a JSON object; anything else is `400 invalidSyntax`.
    pub fn from_value(value: Value) -> Result<Self, ScimError> {
        match value {
            Value::Object(map) => Ok(Self(map)),
            other => Err(ScimError::invalid_syntax(format!(
                "a resource must be a JSON object, not {}",
                json_kind(&other)
            ))),
        }
    }

    /// Parses a JSON document; malformed JSON or a non-object is `400 invalidSyntax`.
    pub fn from_json(bytes: &[u8]) -> Result<Self, ScimError> {
        let value = serde_json::from_slice(bytes)
            .map_err(|err| ScimError::invalid_syntax(format!("malformed JSON: {err}")))?;
        Self::from_value(value)
    }

    /// The JSON object.
    pub fn as_map(&self) -> &Map<String, Value> {
        &self.0
    }

    /// The JSON object, to change freely.
    pub fn as_map_mut(&mut self) -> &mut Map<String, Value> {
        &mut self.0
    }

    /// The JSON object, unwrapped.
    pub fn into_map(self) -> Map<String, Value> {
        self.0
    }

    /// The resource as a JSON value.
    pub fn into_value(self) -> Value {
        Value::Object(self.0)
    }

    /// The URNs in `schemas`, in order; non-string entries are skipped.
    pub fn schemas(&self) -> impl Iterator<Item = &str> {
        get_ci(&self.0, "schemas")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
    }

    /// Whether `schemas` lists `urn` (compared case-insensitively).
    pub fn has_schema(&self, urn: &str) -> bool {
        self.schemas()
            .any(|listed| listed.eq_ignore_ascii_case(urn))
    }

    /// The `id`, if it is a string.
    pub fn id(&self) -> Option<&str> {
        self.get_str("id")
    }

    /// The top-level attribute `name` as a string, ignoring the case of the name.
    pub fn get_str(&self, name: &str) -> Option<&str> {
        get_ci(&self.0, name).and_then(Value::as_str)
    }

    /// The top-level attribute `name`, ignoring the case of the name.
    pub fn get_attr(&self, name: &str) -> Option<&Value> {
        get_ci(&self.0, name)
    }

    /// Whether `urn` is this resource's core schema rather than an extension: one of the
    /// standard core schemas, or the first entry of `schemas` when it holds no object.
    pub fn is_core_urn(&self, urn: &str) -> bool {
        urn.eq_ignore_ascii_case(urn::USER)
            || urn.eq_ignore_ascii_case(urn::GROUP)
            || self
                .schemas()
                .next()
                .is_some_and(|first| first.eq_ignore_ascii_case(urn))
    }

    /// The object that holds the attributes of `urn`: the top level for no URN or the
    /// core schema, else that extension's object (if present).
    pub fn container(&self, urn: Option<&SchemaUrn>) -> Option<&Map<String, Value>> {
        let Some(urn) = urn else {
            return Some(&self.0);
        };
        match get_ci(&self.0, urn.as_str()) {
            Some(Value::Object(extension)) => Some(extension),
            Some(_) => None,
            None if self.is_core_urn(urn.as_str()) => Some(&self.0),
            None => None,
        }
    }

    /// The mutable object for `urn`, creating an extension object (and listing it in
    /// `schemas`) when it is missing. `None` when a non-object occupies the URN's key.
    pub fn container_mut(&mut self, urn: Option<&SchemaUrn>) -> Option<&mut Map<String, Value>> {
        let Some(urn) = urn else {
            return Some(&mut self.0);
        };
        let key = match key_ci(&self.0, urn.as_str()) {
            Some(key) => key,
            None if self.is_core_urn(urn.as_str()) => return Some(&mut self.0),
            None => {
                self.add_schema(urn.as_str());
                self.0
                    .insert(urn.as_str().to_owned(), Value::Object(Map::new()));
                urn.as_str().to_owned()
            }
        };
        self.0.get_mut(&key).and_then(Value::as_object_mut)
    }

    /// Lists `urn` in `schemas` unless it is there already.
    pub fn add_schema(&mut self, urn: &str) {
        if self.has_schema(urn) {
            return;
        }
        let key = key_ci(&self.0, "schemas").unwrap_or_else(|| "schemas".to_owned());
        let schemas = self
            .0
            .entry(key)
            .or_insert_with(|| Value::Array(Vec::new()));
        match schemas {
            Value::Array(list) => list.push(Value::String(urn.to_owned())),
            other => *other = Value::Array(vec![Value::String(urn.to_owned())]),
        }
    }

    /// The value at `path`. A sub-attribute of a multi-valued attribute has no single
    /// value and gives `None`; filter evaluation handles that case.
    pub fn get(&self, path: &AttrPath) -> Option<&Value> {
        let value = get_ci(self.container(path.urn.as_ref())?, path.name.as_str())?;
        match &path.sub_attr {
            None => Some(value),
            Some(sub_attr) => get_ci(value.as_object()?, sub_attr.as_str()),
        }
    }

    /// Sets the value at `path`, keeping the existing spelling of the attribute's name
    /// (or using the path's spelling for a new one). A sub-attribute path creates its
    /// parent object. Fails only when the path runs through a value that is not an
    /// object (such as a sub-attribute of a multi-valued attribute).
    pub fn set(&mut self, path: &AttrPath, value: Value) -> Result<(), ScimError> {
        let not_an_object = || {
            ScimError::invalid_path(format!(
                "cannot set '{path}': its parent is not a single complex value"
            ))
        };
        let container = self
            .container_mut(path.urn.as_ref())
            .ok_or_else(not_an_object)?;
        let name = path.name.as_str();
        let Some(sub_attr) = &path.sub_attr else {
            insert_ci(container, name, value);
            return Ok(());
        };
        let key = key_ci(container, name).unwrap_or_else(|| name.to_owned());
        let parent = container
            .entry(key)
            .or_insert_with(|| Value::Object(Map::new()));
        if parent.is_null() {
            *parent = Value::Object(Map::new());
        }
        let parent = parent.as_object_mut().ok_or_else(not_an_object)?;
        insert_ci(parent, sub_attr.as_str(), value);
        Ok(())
    }

    /// Removes the value at `path` and returns it. An extension object left empty is
    /// removed as well, and so is a complex attribute left without sub-attributes.
    pub fn remove(&mut self, path: &AttrPath) -> Option<Value> {
        let extension_key = path
            .urn
            .as_ref()
            .and_then(|urn| key_ci(&self.0, urn.as_str()));
        let container = match &extension_key {
            Some(key) => self.0.get_mut(key)?.as_object_mut()?,
            None if path
                .urn
                .as_ref()
                .is_none_or(|urn| self.is_core_urn(urn.as_str())) =>
            {
                &mut self.0
            }
            None => return None,
        };
        let key = key_ci(container, path.name.as_str())?;
        let removed = match &path.sub_attr {
            None => container.remove(&key),
            Some(sub_attr) => {
                let parent = container.get_mut(&key)?.as_object_mut()?;
                let sub_key = key_ci(parent, sub_attr.as_str())?;
                let removed = parent.remove(&sub_key);
                if parent.is_empty() {
                    container.remove(&key);
                }
                removed
            }
        };
        if let Some(key) = extension_key
            && self
                .0
                .get(&key)
                .and_then(Value::as_object)
                .is_some_and(Map::is_empty)
        {
            self.0.remove(&key);
        }
        removed
    }
}

impl From<Map<String, Value>> for Resource {
    fn from(map: Map<String, Value>) -> Self {
        Self(map)
    }
}

impl From<Resource> for Value {
    fn from(resource: Resource) -> Self {
        resource.into_value()
    }
}
