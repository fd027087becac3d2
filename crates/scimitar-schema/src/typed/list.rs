//! The list response message.

use serde::{Deserialize, Serialize};

use crate::urn;

/// The result of a query, the `ListResponse` message
/// ([RFC 7644 §3.4.2](https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2)), with the
/// cursors of [RFC 9865](https://www.rfc-editor.org/rfc/rfc9865).
///
/// `Resources` is always written, as `[]` when there are no results; on input a missing
/// `Resources` (as the RFC allows for zero results) reads as empty, and a lower-case
/// `resources` is accepted too.
///
/// ```
/// use scimitar_schema::{ListResponse, User};
/// use serde_json::json;
///
/// let empty = ListResponse::<User>::new(Vec::new(), 0);
/// assert_eq!(
///     serde_json::to_value(&empty).unwrap(),
///     json!({
///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
///         "totalResults": 0,
///         "Resources": [],
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(
    rename_all = "camelCase",
    bound(serialize = "T: Serialize", deserialize = "T: Deserialize<'de>")
)]
#[non_exhaustive]
pub struct ListResponse<T> {
    /// Always `urn:ietf:params:scim:api:messages:2.0:ListResponse`.
    #[serde(default = "list_schemas")]
    pub schemas: Vec<String>,
    /// The number of results the query matched, which may exceed the number returned.
    pub total_results: u64,
    /// The 1-based index of the first result of this page; required when results are
    /// paginated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_index: Option<u64>,
    /// The number of results on this page; required when results are paginated.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub items_per_page: Option<u64>,
    /// The cursor of the next page, when cursor pagination is used and there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
    /// The cursor of the previous page, when cursor pagination is used and there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_cursor: Option<String>,
    /// The results of this page.
    #[serde(rename = "Resources", alias = "resources", default)]
    pub resources: Vec<T>,
}

fn list_schemas() -> Vec<String> {
    vec![urn::LIST_RESPONSE.to_owned()]
}

impl<T> ListResponse<T> {
    /// A list of `resources` out of `total_results`, without pagination fields.
    pub fn new(resources: Vec<T>, total_results: u64) -> Self {
        Self {
            schemas: list_schemas(),
            total_results,
            start_index: None,
            items_per_page: None,
            next_cursor: None,
            previous_cursor: None,
            resources,
        }
    }

    /// Marks the list as the page starting at the 1-based `start_index`, with
    /// `itemsPerPage` set to the number of resources on it.
    pub fn with_page(mut self, start_index: u64) -> Self {
        self.start_index = Some(start_index);
        self.items_per_page = Some(self.resources.len() as u64);
        self
    }
}
