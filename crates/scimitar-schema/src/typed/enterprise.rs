//! The Enterprise User extension.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Attributes commonly used for employees, the Enterprise User extension
/// ([RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)), written in a
/// user under the key `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`
/// (see [`User::enterprise`](crate::User::enterprise)).
///
/// Attributes this struct does not know are kept in [`extra`](Self::extra) and written
/// back unchanged.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct EnterpriseUser {
    /// The identifier assigned to the person, typically by order of hire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employee_number: Option<String>,
    /// The name of a cost center.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost_center: Option<String>,
    /// The name of an organisation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub organization: Option<String>,
    /// The name of a division.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub division: Option<String>,
    /// The name of a department.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub department: Option<String>,
    /// The user's manager.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manager: Option<Manager>,
    /// Every other attribute of the extension object, kept as read. Must not repeat a
    /// name the fields above write.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl EnterpriseUser {
    /// An extension object with no attributes.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A user's manager, the `manager` attribute of the Enterprise User extension
/// ([RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Manager {
    /// The `id` of the manager's User resource.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the manager's User resource (`$ref` on the wire).
    #[serde(default, rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The manager's display name. Read-only: the service provider fills it in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
}

impl Manager {
    /// A reference to the manager whose User resource has `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            value: Some(id.into()),
            ..Self::default()
        }
    }
}
