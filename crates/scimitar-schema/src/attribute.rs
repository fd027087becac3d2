//! Attribute definitions: the characteristics of RFC 7643 §2.2 and §7.

use serde::{Deserialize, Serialize};

/// An attribute's data type (RFC 7643 §2.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AttributeType {
    /// A Unicode string (§2.3.1); the default.
    #[default]
    String,
    /// `true` or `false` (§2.3.2).
    Boolean,
    /// A real number (§2.3.3).
    Decimal,
    /// A whole number (§2.3.4).
    Integer,
    /// An `xsd:dateTime` instant such as `2008-01-23T04:56:22Z` (§2.3.5).
    DateTime,
    /// Base64-encoded bytes (§2.3.6).
    Binary,
    /// A URI to a resource (§2.3.7).
    Reference,
    /// A set of sub-attributes (§2.3.8).
    Complex,
}

/// Whether and how an attribute may be written (RFC 7643 §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Mutability {
    /// Set by the service provider only.
    ReadOnly,
    /// Written freely; the default.
    #[default]
    ReadWrite,
    /// Written once, when unassigned, then never changed.
    Immutable,
    /// Written but never returned, like `password`.
    WriteOnly,
}

/// When an attribute is returned in a response (RFC 7643 §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Returned {
    /// Always, even when excluded: `id`, `schemas`.
    Always,
    /// Never: `password`.
    Never,
    /// Unless excluded, or not asked for when `attributes` is given; the default.
    #[default]
    Default,
    /// Only when asked for in `attributes`.
    Request,
}

/// The scope in which an attribute's values are unique (RFC 7643 §7).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Uniqueness {
    /// No uniqueness; the default.
    #[default]
    None,
    /// Unique within the service provider (for Scimitar: within a tenant).
    Server,
    /// Unique across all service providers.
    Global,
}

/// The definition of one attribute or sub-attribute, with every characteristic of
/// RFC 7643 §7 under its RFC name.
///
/// Omitted characteristics take the defaults of RFC 7643 §2.2.
///
/// ```
/// use scimitar_schema::{AttributeDef, AttributeType, Mutability};
/// let employee_number = AttributeDef::new("employeeNumber", AttributeType::String)
///     .case_exact(true)
///     .mutability(Mutability::ReadWrite);
/// assert!(employee_number.case_exact);
/// assert!(!employee_number.multi_valued);
/// ```
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AttributeDef {
    /// The attribute's name, in its canonical spelling.
    pub name: String,
    /// The data type.
    #[serde(rename = "type", default)]
    pub kind: AttributeType,
    /// Whether the attribute holds an array of values.
    #[serde(default)]
    pub multi_valued: bool,
    /// What the attribute means.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether a resource must have a value.
    #[serde(default)]
    pub required: bool,
    /// Suggested values, such as `work` and `home`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub canonical_values: Vec<String>,
    /// Whether string comparison is case-sensitive.
    #[serde(default)]
    pub case_exact: bool,
    /// Whether and how the attribute may be written.
    #[serde(default)]
    pub mutability: Mutability,
    /// When the attribute is returned.
    #[serde(default)]
    pub returned: Returned,
    /// Where values must be unique.
    #[serde(default)]
    pub uniqueness: Uniqueness,
    /// For references: the resource types, `external` or `uri`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reference_types: Vec<String>,
    /// For complex attributes: their sub-attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sub_attributes: Vec<AttributeDef>,
}

impl AttributeDef {
    /// A single-valued, optional, read-write attribute with the RFC's defaults.
    pub fn new(name: impl Into<String>, kind: AttributeType) -> Self {
        Self {
            name: name.into(),
            kind,
            multi_valued: false,
            description: None,
            required: false,
            canonical_values: Vec::new(),
            case_exact: false,
            mutability: Mutability::ReadWrite,
            returned: Returned::Default,
            uniqueness: Uniqueness::None,
            reference_types: Vec::new(),
            sub_attributes: Vec::new(),
        }
    }

    /// Sets `multiValued`.
    pub fn multi_valued(mut self, multi_valued: bool) -> Self {
        self.multi_valued = multi_valued;
        self
    }

    /// Sets `description`.
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets `required`.
    pub fn required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }

    /// Sets `caseExact`.
    pub fn case_exact(mut self, case_exact: bool) -> Self {
        self.case_exact = case_exact;
        self
    }

    /// Sets `mutability`.
    pub fn mutability(mut self, mutability: Mutability) -> Self {
        self.mutability = mutability;
        self
    }

    /// Sets `returned`.
    pub fn returned(mut self, returned: Returned) -> Self {
        self.returned = returned;
        self
    }

    /// Sets `uniqueness`.
    pub fn uniqueness(mut self, uniqueness: Uniqueness) -> Self {
        self.uniqueness = uniqueness;
        self
    }

    /// Sets `canonicalValues`.
    pub fn canonical_values<S: Into<String>>(
        mut self,
        values: impl IntoIterator<Item = S>,
    ) -> Self {
        self.canonical_values = values.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `referenceTypes`.
    pub fn reference_types<S: Into<String>>(mut self, types: impl IntoIterator<Item = S>) -> Self {
        self.reference_types = types.into_iter().map(Into::into).collect();
        self
    }

    /// Sets `subAttributes` (and makes sense only for complex attributes).
    pub fn sub_attributes(mut self, sub_attributes: Vec<AttributeDef>) -> Self {
        self.sub_attributes = sub_attributes;
        self
    }

    /// The sub-attribute called `name`, compared case-insensitively.
    pub fn sub_attribute(&self, name: &str) -> Option<&AttributeDef> {
        self.sub_attributes
            .iter()
            .find(|sub| sub.name.eq_ignore_ascii_case(name))
    }

    /// Whether this is a complex attribute.
    pub fn is_complex(&self) -> bool {
        self.kind == AttributeType::Complex
    }
}
