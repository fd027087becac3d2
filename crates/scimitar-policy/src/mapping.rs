//! Attribute mappings: which SCIM path each of the host's fields is read from.

use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Serialize};

use scimitar_schema::{Resource, SchemaRegistry};

/// What kind of value a host field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// Text (every custom field).
    Text,
    /// The id of another provisioned user (the direct manager).
    Reference,
}

/// One host field and the SCIM path it is read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mapping {
    /// The SCIM path, such as `emails[type eq "work"].value`.
    pub path: String,
    /// The host field's name, such as `email`.
    pub field: String,
    /// Whether hosts may not remove or change it (the identity fields).
    pub read_only: bool,
    /// What the field holds.
    pub kind: FieldKind,
}

impl Mapping {
    /// A mapping of `path` to the text field `field`, changeable.
    pub fn text(path: impl Into<String>, field: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            field: field.into(),
            read_only: false,
            kind: FieldKind::Text,
        }
    }
}

/// A host field that a change touched, and its new value (`None`: cleared).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldChange {
    /// The host field's name.
    pub field: String,
    /// Its new value, as text (a reference is the other user's id).
    pub value: Option<String>,
}

impl FieldChange {
    /// `field` set to `value`.
    pub fn new(field: impl Into<String>, value: Option<String>) -> Self {
        Self {
            field: field.into(),
            value,
        }
    }
}

/// Why a mapping cannot be added or removed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The path does not parse, or names no attribute of the User schemas.
    #[error("{path:?} is not a SCIM path of a user: {reason}")]
    InvalidPath {
        /// The path given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The path's attribute is not a single text value (custom fields are strings).
    #[error("{path:?} is not a single text value; custom fields are strings")]
    NotText {
        /// The path given.
        path: String,
    },
    /// The field name is empty, too long or has characters other than letters, digits,
    /// `_`, `-` and `.`.
    #[error("{field:?} is not a field name: use letters, digits, '_', '-' or '.', at most 64")]
    InvalidField {
        /// The name given.
        field: String,
    },
    /// A mapping of that field exists.
    #[error("the field {field:?} is already mapped")]
    FieldTaken {
        /// The field.
        field: String,
    },
    /// No mapping has that field.
    #[error("no mapping of the field {field:?}")]
    UnknownField {
        /// The field.
        field: String,
    },
    /// The mapping is a read-only default.
    #[error("the field {field:?} is read-only")]
    ReadOnly {
        /// The field.
        field: String,
    },
}

/// The default table: identity fields read-only, the rest removable.
static DEFAULTS: LazyLock<Arc<[Mapping]>> = LazyLock::new(|| {
    let fixed = |path: &str, field: &str, kind| Mapping {
        path: path.to_owned(),
        field: field.to_owned(),
        read_only: true,
        kind,
    };
    let manager = Mapping {
        kind: FieldKind::Reference,
        ..Mapping::text(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "manager",
        )
    };
    Arc::from(vec![
        fixed("userName", "user_name", FieldKind::Text),
        fixed("displayName", "display_name", FieldKind::Text),
        Mapping::text(r#"emails[type eq "work"].value"#, "email"),
        Mapping::text("name.givenName", "first_name"),
        Mapping::text("name.familyName", "last_name"),
        Mapping::text(r#"phoneNumbers[type eq "work"].value"#, "office_phone"),
        Mapping::text(r#"phoneNumbers[type eq "mobile"].value"#, "mobile_phone"),
        manager,
        Mapping::text("title", "job_title_text"),
    ])
});

/// A tenant's mappings, in order. Cheap to clone.
///
/// ```
/// use scimitar_policy::Mappings;
///
/// let mappings = Mappings::defaults();
/// assert_eq!(mappings.get("email").unwrap().path, r#"emails[type eq "work"].value"#);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Mappings(Arc<[Mapping]>);

impl Default for Mappings {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Mappings {
    /// The default table: `userName` → `user_name` and `displayName` → `display_name`
    /// (read-only), `emails[type eq "work"].value` → `email`, `name.givenName` →
    /// `first_name`, `name.familyName` → `last_name`, work and mobile phones →
    /// `office_phone` and `mobile_phone`, the enterprise `manager` → `manager` (a
    /// reference), `title` → `job_title_text`.
    pub fn defaults() -> Self {
        Self(Arc::clone(&DEFAULTS))
    }

    /// Every mapping, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.0.iter()
    }

    /// The mapping of `field`.
    pub fn get(&self, field: &str) -> Option<&Mapping> {
        self.0.iter().find(|mapping| mapping.field == field)
    }

    /// Adds a mapping of `path` to the new text field `field`. The path must name a
    /// single text value of a user under `registry` (a string attribute, or a
    /// sub-attribute of a filtered multi-valued one).
    pub fn add(
        &mut self,
        registry: &SchemaRegistry,
        path: &str,
        field: &str,
    ) -> Result<(), MappingError> {
        todo!("{registry:?} {path} {field}")
    }

    /// Removes the mapping of `field`, unless it is read-only.
    pub fn remove(&mut self, field: &str) -> Result<Mapping, MappingError> {
        todo!("{field}")
    }

    /// Back to [`Mappings::defaults`]: custom mappings go, removed defaults return.
    pub fn restore(&mut self) {
        *self = Self::defaults();
    }

    /// The mapped fields whose values differ between `before` and `after` (`None`:
    /// the resource does not exist on that side), in table order, with their new
    /// values. A multi-valued path's value is the first match's, `primary` first.
    pub fn fields(&self, before: Option<&Resource>, after: Option<&Resource>) -> Vec<FieldChange> {
        todo!("{before:?} {after:?}")
    }

    /// The value of `mapping`'s field in `resource`, as text.
    pub fn value(mapping: &Mapping, resource: &Resource) -> Option<String> {
        todo!("{mapping:?} {resource:?}")
    }
}
