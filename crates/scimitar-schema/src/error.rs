//! The SCIM error response (RFC 7644 §3.12).

use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::urn;

/// A `scimType` error code (RFC 7644 §3.12, Table 9). Unknown codes round-trip as
/// [`ScimType::Other`].
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ScimType {
    /// The filter syntax is invalid or the filter names an unknown attribute.
    InvalidFilter,
    /// The filter yields more results than the server will process.
    TooMany,
    /// A value is not unique (`userName`, a group's `displayName`).
    Uniqueness,
    /// A write to a read-only or immutable attribute.
    Mutability,
    /// The request body is not a valid SCIM message.
    InvalidSyntax,
    /// A PATCH path is malformed or names no attribute.
    InvalidPath,
    /// A PATCH path's filter matched nothing.
    NoTarget,
    /// A value is missing, of the wrong type or otherwise invalid.
    InvalidValue,
    /// The SCIM protocol version is not supported.
    InvalidVers,
    /// Sensitive information was sent in the URL.
    Sensitive,
    /// A code this crate does not know.
    Other(String),
}

impl ScimType {
    /// The code as written on the wire.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidFilter => "invalidFilter",
            Self::TooMany => "tooMany",
            Self::Uniqueness => "uniqueness",
            Self::Mutability => "mutability",
            Self::InvalidSyntax => "invalidSyntax",
            Self::InvalidPath => "invalidPath",
            Self::NoTarget => "noTarget",
            Self::InvalidValue => "invalidValue",
            Self::InvalidVers => "invalidVers",
            Self::Sensitive => "sensitive",
            Self::Other(code) => code,
        }
    }

    /// Reads a code; unknown codes become [`ScimType::Other`].
    pub fn from_code(code: &str) -> Self {
        [
            Self::InvalidFilter,
            Self::TooMany,
            Self::Uniqueness,
            Self::Mutability,
            Self::InvalidSyntax,
            Self::InvalidPath,
            Self::NoTarget,
            Self::InvalidValue,
            Self::InvalidVers,
            Self::Sensitive,
        ]
        .into_iter()
        .find(|known| known.as_str() == code)
        .unwrap_or_else(|| Self::Other(code.to_owned()))
    }
}

impl fmt::Display for ScimType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ScimType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ScimType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let code = String::deserialize(deserializer)?;
        Ok(Self::from_code(&code))
    }
}

/// An error response (RFC 7644 §3.12): an HTTP status, an optional `scimType` and a
/// human-readable detail. `status` is written as a JSON string, as the RFC requires, and
/// read from a string or a number.
///
/// ```
/// use scimitar_schema::{ScimError, ScimType};
/// let error = ScimError::invalid_value("attribute 'userName' is required");
/// assert_eq!(error.status, 400);
/// assert_eq!(
///     serde_json::to_value(&error).unwrap(),
///     serde_json::json!({
///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
///         "status": "400",
///         "scimType": "invalidValue",
///         "detail": "attribute 'userName' is required",
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ScimError {
    /// Always `urn:ietf:params:scim:api:messages:2.0:Error`.
    #[serde(default = "error_schemas")]
    pub schemas: Vec<String>,
    /// The HTTP status code.
    #[serde(with = "status_as_string")]
    pub status: StatusCode,
    /// The SCIM error code, for 400, 409 and 413 responses.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scim_type: Option<ScimType>,
    /// What went wrong, for a person to read.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

fn error_schemas() -> Vec<String> {
    vec![urn::ERROR.to_owned()]
}

impl fmt::Display for ScimError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.status.as_u16())?;
        if let Some(scim_type) = &self.scim_type {
            write!(f, " {scim_type}")?;
        }
        if let Some(detail) = &self.detail {
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScimError {}

impl ScimError {
    /// An error with `status` and `detail` and no `scimType`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            schemas: error_schemas(),
            status,
            scim_type: None,
            detail: Some(detail.into()),
        }
    }

    /// A `400 Bad Request` with `scim_type`.
    pub fn bad_request(scim_type: ScimType, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail).with_scim_type(scim_type)
    }

    /// Sets `scimType`.
    pub fn with_scim_type(mut self, scim_type: ScimType) -> Self {
        self.scim_type = Some(scim_type);
        self
    }

    /// `400 invalidFilter`.
    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidFilter, detail)
    }

    /// `400 invalidSyntax`.
    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidSyntax, detail)
    }

    /// `400 invalidPath`.
    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidPath, detail)
    }

    /// `400 invalidValue`.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::InvalidValue, detail)
    }

    /// `400 noTarget`.
    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::NoTarget, detail)
    }

    /// `400 mutability`.
    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad_request(ScimType::Mutability, detail)
    }

    /// `409 Conflict` with `uniqueness`.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail).with_scim_type(ScimType::Uniqueness)
    }

    /// `404 Not Found`.
    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    /// The error as a JSON document.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or_default()
    }
}

mod status_as_string {
    use http::StatusCode;
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};
    use std::fmt;

    pub(super) fn serialize<S: Serializer>(
        status: &StatusCode,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(status.as_str())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<StatusCode, D::Error> {
        struct Status;

        fn status<E: de::Error>(number: u64) -> Result<StatusCode, E> {
            u16::try_from(number)
                .ok()
                .and_then(|number| StatusCode::from_u16(number).ok())
                .ok_or_else(|| E::custom(format!("invalid status {number}")))
        }

        impl Visitor<'_> for Status {
            type Value = StatusCode;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an HTTP status as a string or a number")
            }

            fn visit_str<E: de::Error>(self, text: &str) -> Result<StatusCode, E> {
                let number = text
                    .trim()
                    .parse()
                    .map_err(|_| E::custom(format!("invalid status {text:?}")))?;
                status(number)
            }

            fn visit_u64<E: de::Error>(self, number: u64) -> Result<StatusCode, E> {
                status(number)
            }

            fn visit_i64<E: de::Error>(self, number: i64) -> Result<StatusCode, E> {
                let number = u64::try_from(number)
                    .map_err(|_| E::custom(format!("invalid status {number}")))?;
                status(number)
            }
        }

        deserializer.deserialize_any(Status)
    }
}
