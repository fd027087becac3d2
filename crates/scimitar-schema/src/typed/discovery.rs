//! The discovery resources: `/ServiceProviderConfig` and `/ResourceTypes`.

use serde::{Deserialize, Serialize};

use super::{Meta, nullable_vec};
use crate::urn;

/// What a service provider supports, the `/ServiceProviderConfig` resource
/// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
///
/// Every feature is written, supported or not, as the RFC requires; on input a missing
/// feature reads as unsupported.
///
/// ```
/// use scimitar_schema::{AuthenticationScheme, ServiceProviderConfig};
///
/// let mut config = ServiceProviderConfig::new();
/// config.patch.supported = true;
/// config.filter.supported = true;
/// config.filter.max_results = 200;
/// config.authentication_schemes.push(AuthenticationScheme::oauth_bearer_token());
/// let json = serde_json::to_value(&config).unwrap();
/// assert_eq!(json["filter"], serde_json::json!({"supported": true, "maxResults": 200}));
/// assert_eq!(json["bulk"]["supported"], false);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ServiceProviderConfig {
    /// Always `urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig`.
    #[serde(default = "service_provider_config_schemas")]
    pub schemas: Vec<String>,
    /// The URI of the service provider's help documentation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// PATCH support.
    #[serde(default)]
    pub patch: Supported,
    /// Bulk support and its limits.
    #[serde(default)]
    pub bulk: BulkConfig,
    /// Filter support and its limit.
    #[serde(default)]
    pub filter: FilterConfig,
    /// Support for changing a password.
    #[serde(default)]
    pub change_password: Supported,
    /// Sort support.
    #[serde(default)]
    pub sort: Supported,
    /// ETag support.
    #[serde(default)]
    pub etag: Supported,
    /// The authentication schemes the service provider accepts.
    #[serde(default, deserialize_with = "nullable_vec")]
    pub authentication_schemes: Vec<AuthenticationScheme>,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

fn service_provider_config_schemas() -> Vec<String> {
    vec![urn::SERVICE_PROVIDER_CONFIG.to_owned()]
}

impl ServiceProviderConfig {
    /// A configuration that supports nothing and lists no authentication scheme.
    pub fn new() -> Self {
        Self {
            schemas: service_provider_config_schemas(),
            documentation_uri: None,
            patch: Supported::default(),
            bulk: BulkConfig::default(),
            filter: FilterConfig::default(),
            change_password: Supported::default(),
            sort: Supported::default(),
            etag: Supported::default(),
            authentication_schemes: Vec::new(),
            meta: None,
        }
    }
}

impl Default for ServiceProviderConfig {
    fn default() -> Self {
        Self::new()
    }
}

/// Whether an optional feature is supported: `patch`, `changePassword`, `sort` and
/// `etag` of [`ServiceProviderConfig`]
/// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Supported {
    /// Whether the feature is supported.
    #[serde(default)]
    pub supported: bool,
}

impl Supported {
    /// A feature that is supported or not.
    pub fn new(supported: bool) -> Self {
        Self { supported }
    }
}

/// Bulk support and its limits, `bulk` of [`ServiceProviderConfig`]
/// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BulkConfig {
    /// Whether bulk requests are supported.
    #[serde(default)]
    pub supported: bool,
    /// The maximum number of operations in one request.
    #[serde(default)]
    pub max_operations: u64,
    /// The maximum size of a request body, in bytes.
    #[serde(default)]
    pub max_payload_size: u64,
}

impl BulkConfig {
    /// Supported bulk requests with these limits.
    pub fn new(max_operations: u64, max_payload_size: u64) -> Self {
        Self {
            supported: true,
            max_operations,
            max_payload_size,
        }
    }
}

/// Filter support and its limit, `filter` of [`ServiceProviderConfig`]
/// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct FilterConfig {
    /// Whether filtering is supported.
    #[serde(default)]
    pub supported: bool,
    /// The maximum number of resources returned in a response.
    #[serde(default)]
    pub max_results: u64,
}

impl FilterConfig {
    /// Supported filtering returning at most `max_results` resources.
    pub fn new(max_results: u64) -> Self {
        Self {
            supported: true,
            max_results,
        }
    }
}

/// An authentication scheme a service provider accepts, a value of
/// `authenticationSchemes` of [`ServiceProviderConfig`]
/// ([RFC 7643 §5](https://www.rfc-editor.org/rfc/rfc7643#section-5)).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AuthenticationScheme {
    /// The scheme (`type` on the wire): `oauth`, `oauth2`, `oauthbearertoken`,
    /// `httpbasic`, `httpdigest` or a value of the service provider's own.
    #[serde(rename = "type")]
    pub kind: String,
    /// The common name of the scheme, e.g. `HTTP Basic`.
    pub name: String,
    /// A description of the scheme.
    pub description: String,
    /// The URI of the scheme's specification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec_uri: Option<String>,
    /// The URI of the service provider's documentation of the scheme.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation_uri: Option<String>,
    /// Whether this is the preferred scheme; at most one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

impl AuthenticationScheme {
    /// A scheme with its `type`, name and description.
    pub fn new(
        kind: impl Into<String>,
        name: impl Into<String>,
        description: impl Into<String>,
    ) -> Self {
        Self {
            kind: kind.into(),
            name: name.into(),
            description: description.into(),
            spec_uri: None,
            documentation_uri: None,
            primary: None,
        }
    }

    /// OAuth 2.0 bearer tokens (RFC 6750), described as in RFC 7643 §8.5.
    pub fn oauth_bearer_token() -> Self {
        let mut scheme = Self::new(
            "oauthbearertoken",
            "OAuth Bearer Token",
            "Authentication scheme using the OAuth Bearer Token Standard",
        );
        scheme.spec_uri = Some("http://www.rfc-editor.org/info/rfc6750".into());
        scheme
    }

    /// HTTP Basic authentication (RFC 7617), described as in RFC 7643 §8.5.
    pub fn http_basic() -> Self {
        let mut scheme = Self::new(
            "httpbasic",
            "HTTP Basic",
            "Authentication scheme using the HTTP Basic Standard",
        );
        scheme.spec_uri = Some("http://www.rfc-editor.org/info/rfc2617".into());
        scheme
    }
}

/// A type of resource a service provider offers, the `/ResourceTypes` resource
/// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).
///
/// ```
/// use scimitar_schema::{ResourceType, SchemaExtension};
/// use serde_json::json;
///
/// let mut users = ResourceType::new("User", "/Users", "urn:ietf:params:scim:schemas:core:2.0:User");
/// users.schema_extensions.push(SchemaExtension::new(
///     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
///     false,
/// ));
/// assert_eq!(
///     serde_json::to_value(&users).unwrap(),
///     json!({
///         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
///         "id": "User",
///         "name": "User",
///         "endpoint": "/Users",
///         "schema": "urn:ietf:params:scim:schemas:core:2.0:User",
///         "schemaExtensions": [{
///             "schema": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
///             "required": false,
///         }],
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceType {
    /// Always `urn:ietf:params:scim:schemas:core:2.0:ResourceType`.
    #[serde(default = "resource_type_schemas")]
    pub schemas: Vec<String>,
    /// The resource type's identifier, often the same as its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The name of the resource type, e.g. `User`; the value of `meta.resourceType` of
    /// its resources.
    pub name: String,
    /// The endpoint of its resources, relative to the base URL, e.g. `/Users`.
    pub endpoint: String,
    /// A human-readable description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// The URN of the resource type's core schema.
    pub schema: String,
    /// The schema extensions its resources may or must carry.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub schema_extensions: Vec<SchemaExtension>,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
}

fn resource_type_schemas() -> Vec<String> {
    vec![urn::RESOURCE_TYPE.to_owned()]
}

impl ResourceType {
    /// A resource type called `name`, served at `endpoint`, whose core schema is
    /// `schema`. Its `id` is set to `name`.
    pub fn new(
        name: impl Into<String>,
        endpoint: impl Into<String>,
        schema: impl Into<String>,
    ) -> Self {
        let name = name.into();
        Self {
            schemas: resource_type_schemas(),
            id: Some(name.clone()),
            name,
            endpoint: endpoint.into(),
            description: None,
            schema: schema.into(),
            schema_extensions: Vec::new(),
            meta: None,
        }
    }
}

/// A schema extension of a [`ResourceType`], a value of `schemaExtensions`
/// ([RFC 7643 §6](https://www.rfc-editor.org/rfc/rfc7643#section-6)).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct SchemaExtension {
    /// The URN of the extension schema.
    pub schema: String,
    /// Whether every resource of the type must carry the extension.
    pub required: bool,
}

impl SchemaExtension {
    /// The extension `schema`, required or not.
    pub fn new(schema: impl Into<String>, required: bool) -> Self {
        Self {
            schema: schema.into(),
            required,
        }
    }
}
