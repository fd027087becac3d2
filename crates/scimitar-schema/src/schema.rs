//! Schema definitions (RFC 7643 §7).

use serde::{Deserialize, Serialize};

use crate::attribute::AttributeDef;
use crate::urn;

/// A schema: an identifier and the attributes it defines (RFC 7643 §7), as served by
/// `/Schemas`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Schema {
    /// The schema URN, such as `urn:ietf:params:scim:schemas:core:2.0:User`.
    pub id: String,
    /// A human-readable name, such as `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The top-level attributes.
    #[serde(default)]
    pub attributes: Vec<AttributeDef>,
}

impl Schema {
    /// A schema with no attributes yet.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            name: None,
            description: None,
            attributes: Vec::new(),
        }
    }

    /// Sets the human-readable name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Sets the description.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Adds an attribute.
    pub fn attribute(mut self, attribute: AttributeDef) -> Self {
        self.attributes.push(attribute);
        self
    }

    /// The top-level attribute called `name`, compared case-insensitively.
    pub fn attribute_def(&self, name: &str) -> Option<&AttributeDef> {
        self.attributes
            .iter()
            .find(|attr| attr.name.eq_ignore_ascii_case(name))
    }

    /// Whether `id` names this schema (URNs compare case-insensitively).
    pub fn is(&self, id: &str) -> bool {
        self.id.eq_ignore_ascii_case(id)
    }

    /// The schema as a `/Schemas` resource: with `schemas` and, if given, `meta`.
    pub fn to_resource_json(&self, location: Option<&str>) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or_default();
        if let Some(object) = value.as_object_mut() {
            object.insert("schemas".into(), serde_json::json!([urn::SCHEMA]));
            let mut meta = serde_json::json!({ "resourceType": "Schema" });
            if let Some(location) = location {
                meta["location"] = location.into();
            }
            object.insert("meta".into(), meta);
        }
        value
    }
}
