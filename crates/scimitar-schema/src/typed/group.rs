//! The core Group resource.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{Meta, nullable_vec};
use crate::error::ScimError;
use crate::resource::Resource;
use crate::urn;

/// A group of users or groups, the core Group resource
/// ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).
///
/// Attributes and extension objects this struct does not know are kept in
/// [`extra`](Self::extra) and written back unchanged.
///
/// ```
/// use scimitar_schema::{Group, Member};
/// use serde_json::json;
///
/// let mut group = Group::new("Tour Guides");
/// group.members.push(Member::new("2819c223-7f76-453a-919d-413861904646"));
/// assert_eq!(
///     serde_json::to_value(&group).unwrap(),
///     json!({
///         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///         "displayName": "Tour Guides",
///         "members": [{"value": "2819c223-7f76-453a-919d-413861904646"}],
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Group {
    /// The URNs of the schemas the resource uses: the core Group schema and the
    /// extensions present. A document without `schemas` reads as the core Group schema.
    #[serde(default = "group_schemas")]
    pub schemas: Vec<String>,
    /// The service provider's unique, stable identifier of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's identifier of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The human-readable name of the group. Required.
    pub display_name: String,
    /// The members of the group.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub members: Vec<Member>,
    /// Every other attribute and extension object, kept as read. Must not repeat a name
    /// the fields above write.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn group_schemas() -> Vec<String> {
    vec![urn::GROUP.to_owned()]
}

impl Group {
    /// A group with `displayName` and the core Group schema, and nothing else.
    pub fn new(display_name: impl Into<String>) -> Self {
        Self {
            schemas: group_schemas(),
            id: None,
            external_id: None,
            meta: None,
            display_name: display_name.into(),
            members: Vec::new(),
            extra: Map::new(),
        }
    }

    /// The group as a dynamic [`Resource`].
    pub fn to_resource(&self) -> Resource {
        super::to_resource(self)
    }

    /// Reads a group from a [`Resource`]; a missing `displayName` or a value of the
    /// wrong type is `400 invalidValue`.
    pub fn from_resource(resource: &Resource) -> Result<Self, ScimError> {
        super::from_resource(resource.clone(), "Group")
    }
}

super::resource_conversions!(Group);

/// A member of a group, a value of the `members` attribute
/// ([RFC 7643 §4.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.2)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Member {
    /// The `id` of the member resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the member resource (`$ref` on the wire).
    #[serde(default, rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The member's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// The kind of member (`type` on the wire): `User` or `Group`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl Member {
    /// A member with `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            value: Some(id.into()),
            ..Self::default()
        }
    }
}
