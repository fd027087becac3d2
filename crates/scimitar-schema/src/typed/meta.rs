//! The `meta` attribute common to all resources.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

/// Resource metadata, the `meta` attribute of every resource
/// ([RFC 7643 §3.1](https://www.rfc-editor.org/rfc/rfc7643#section-3.1)).
///
/// `created` and `lastModified` are kept as the text that was read, so they round-trip
/// byte for byte (an offset such as `+02:00` or a fraction of a second is not rewritten);
/// [`created_at`](Self::created_at) and [`last_modified_at`](Self::last_modified_at)
/// parse them.
///
/// ```
/// use scimitar_schema::Meta;
///
/// let mut meta = Meta::new("User");
/// meta.created = Some("2010-01-23T04:56:22Z".into());
/// meta.version = Some(r#"W/"3694e05e9dff590""#.into());
/// assert_eq!(meta.created_at().unwrap().timestamp(), 1_264_222_582);
/// assert_eq!(
///     serde_json::to_value(&meta).unwrap(),
///     serde_json::json!({
///         "resourceType": "User",
///         "created": "2010-01-23T04:56:22Z",
///         "version": "W/\"3694e05e9dff590\"",
///     }),
/// );
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Meta {
    /// The name of the resource type of the resource, e.g. `User`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resource_type: Option<String>,
    /// When the resource was added to the service provider, an `xsd:dateTime`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created: Option<String>,
    /// When the resource was last changed, an `xsd:dateTime`; equal to `created` for a
    /// resource never changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
    /// The URI of the resource, the same as the `Location` HTTP header.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    /// The version (entity tag) of the resource, the same as the `ETag` HTTP header,
    /// e.g. `W/"3694e05e9dff590"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

impl Meta {
    /// Metadata with `resourceType` set and nothing else.
    pub fn new(resource_type: impl Into<String>) -> Self {
        Self {
            resource_type: Some(resource_type.into()),
            ..Self::default()
        }
    }

    /// `created` as a date and time; `None` when absent or not an RFC 3339 date-time.
    pub fn created_at(&self) -> Option<DateTime<FixedOffset>> {
        parse_time(self.created.as_deref())
    }

    /// `lastModified` as a date and time; `None` when absent or not an RFC 3339
    /// date-time.
    pub fn last_modified_at(&self) -> Option<DateTime<FixedOffset>> {
        parse_time(self.last_modified.as_deref())
    }
}

fn parse_time(text: Option<&str>) -> Option<DateTime<FixedOffset>> {
    DateTime::parse_from_rfc3339(text?).ok()
}
