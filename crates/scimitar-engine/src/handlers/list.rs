//! `GET /Users` and `POST /.search`: the query or body read, the list operation
//! called, the page rendered with index or cursor pagination and the projection.

use bytes::Bytes;
use http::{Response, StatusCode};
use serde::Serialize;
use serde_json::Value;

use scimitar_filter::{Filter, ParseOptions, SortBy};
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{ScimError, urn};

use crate::engine::{Call, Engine};
use crate::handlers::resources::{Lists, Rendered};
use crate::ops::{ListRequest, ListResult};
use crate::response;
use crate::store::ResourceStore;

/// A list request as HTTP carries it, from query parameters or a `/.search` body.
struct HttpList {
    request: ListRequest,
    /// Cursor pagination (RFC 9865) was asked for.
    cursor: bool,
    lists: Lists,
}

/// Reads a count or index; values beyond 64 bits saturate, and the caller clamps.
fn integer(name: &str, text: &str) -> Result<i64, ScimError> {
    let text = text.trim();
    let digits = text.strip_prefix('-').unwrap_or(text);
    match text.parse() {
        Ok(value) => Ok(value),
        Err(_) if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) => {
            Ok(if text.starts_with('-') {
                i64::MIN
            } else {
                i64::MAX
            })
        }
        Err(_) => Err(ScimError::invalid_value(format!(
            "{name} must be an integer, not {text:?}"
        ))),
    }
}

/// A cursor is the offset of the page it starts, written `p<offset>`.
fn cursor_offset(cursor: &str) -> Result<usize, ScimError> {
    if cursor.is_empty() {
        return Ok(0);
    }
    cursor
        .strip_prefix('p')
        .and_then(|offset| offset.parse().ok())
        .ok_or_else(|| {
            ScimError::bad_request(
                scimitar_schema::ScimType::Other("invalidCursor".into()),
                format!("unknown cursor {cursor:?}"),
            )
        })
}

impl HttpList {
    #[allow(clippy::too_many_arguments)]
    fn new(
        filter: Option<&str>,
        sort_by: Option<&str>,
        sort_order: Option<&str>,
        start_index: Option<&str>,
        count: Option<&str>,
        cursor: Option<&str>,
        lists: Lists,
        lenient: bool,
    ) -> Result<Self, ScimError> {
        let options = ParseOptions::default().lenient(lenient);
        let filter = filter
            .filter(|text| !text.trim().is_empty())
            .map(|text| {
                Filter::parse_with(text, &options)
                    .map_err(|err| ScimError::invalid_filter(format!("invalid filter: {err}")))
            })
            .transpose()?;
        let sort_by = sort_by
            .filter(|text| !text.trim().is_empty())
            .map(|text| {
                SortBy::parse_with(text, &options)
                    .map_err(|err| ScimError::invalid_value(format!("invalid sortBy: {err}")))
            })
            .transpose()?;
        let descending = match sort_order.map(str::trim) {
            None | Some("") => false,
            Some(order) if order.eq_ignore_ascii_case("ascending") => false,
            Some(order) if order.eq_ignore_ascii_case("descending") => true,
            Some(order) => {
                return Err(ScimError::invalid_value(format!(
                    "sortOrder must be ascending or descending, not {order:?}"
                )));
            }
        };
        let count = count
            .map(|text| integer("count", text))
            .transpose()?
            .map(|count| usize::try_from(count.max(0)).unwrap_or(usize::MAX));
        let offset = match (cursor, start_index) {
            (Some(cursor), _) => cursor_offset(cursor.trim())?,
            (None, Some(text)) => {
                usize::try_from(integer("startIndex", text)?.max(1) - 1).unwrap_or(0)
            }
            (None, None) => 0,
        };
        let mut request = ListRequest::new();
        request.filter = filter;
        request.sort_by = sort_by;
        request.descending = descending;
        request.offset = offset;
        request.count = count;
        Ok(Self {
            request,
            cursor: cursor.is_some(),
            lists,
        })
    }

    fn from_params(call: &Call<'_>) -> Result<Self, ScimError> {
        let params = &call.params;
        Self::new(
            params.get("filter"),
            params.get("sortBy"),
            params.get("sortOrder"),
            params.get("startIndex"),
            params.get("count"),
            params.get("cursor"),
            Lists::from_call(call)?,
            call.lenient(),
        )
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3).
    fn from_search(call: &Call<'_>, body: &Value) -> Result<Self, ScimError> {
        let Value::Object(body) = body else {
            return Err(ScimError::invalid_syntax(
                "a search request must be a JSON object",
            ));
        };
        let lists_search = get_ci(body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|schemas| {
                schemas.iter().any(|schema| {
                    schema
                        .as_str()
                        .is_some_and(|schema| schema.eq_ignore_ascii_case(urn::SEARCH_REQUEST))
                })
            });
        if !lists_search && !call.lenient() {
            return Err(ScimError::invalid_syntax(format!(
                "a search request's 'schemas' must list '{}'",
                urn::SEARCH_REQUEST
            )));
        }
        let text = |name: &str| -> Result<Option<String>, ScimError> {
            match get_ci(body, name) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(text)) => Ok(Some(text.clone())),
                Some(Value::Number(number)) => Ok(Some(number.to_string())),
                Some(Value::Array(items)) => {
                    let names: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
                    names.map(|names| Some(names.join(","))).ok_or_else(|| {
                        ScimError::invalid_value(format!("'{name}' must list strings"))
                    })
                }
                Some(_) => Err(ScimError::invalid_value(format!(
                    "'{name}' has the wrong type"
                ))),
            }
        };
        let attributes = text("attributes")?;
        let excluded = text("excludedAttributes")?;
        let lists = Lists::parse(attributes.as_deref(), excluded.as_deref(), call.lenient())?;
        Self::new(
            text("filter")?.as_deref(),
            text("sortBy")?.as_deref(),
            text("sortOrder")?.as_deref(),
            text("startIndex")?.as_deref(),
            text("count")?.as_deref(),
            text("cursor")?.as_deref(),
            lists,
            call.lenient(),
        )
    }
}

impl<S: ResourceStore> Engine<S> {
    /// `GET /Users`.
    pub(crate) async fn list(
        &self,
        call: &Call<'_>,
        resource_type: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let list = HttpList::from_params(call)?;
        let result = self.ops(call).list(resource_type, &list.request).await?;
        self.list_response(call, &list, result).await
    }

    /// `POST /.search`, `POST /Users/.search`.
    pub(crate) async fn search(
        &self,
        call: &Call<'_>,
        resource_type: Option<&str>,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let body = self.body_json(call, body, self.config.max_body_size)?;
        let list = HttpList::from_search(call, &body)?;
        let types: Vec<&str> = resource_type.into_iter().collect();
        let result = self.ops(call).search(&types, &list.request).await?;
        self.list_response(call, &list, result).await
    }

    /// The ListResponse of a page, with its pagination attributes.
    async fn list_response(
        &self,
        call: &Call<'_>,
        list: &HttpList,
        result: ListResult,
    ) -> Result<Response<Bytes>, ScimError> {
        let ListResult { resources, total } = result;
        let offset = list.request.offset;
        let mut rendered = Vec::with_capacity(resources.len());
        for resource in &resources {
            rendered.push(self.render(call, resource, &list.lists).await?);
        }
        let next = offset + rendered.len();
        let (start_index, next_cursor, previous_cursor) = if list.cursor {
            let next_cursor = (next < total && !rendered.is_empty()).then(|| format!("p{next}"));
            let count = self.page_size(list.request.count);
            let previous_cursor =
                (offset > 0).then(|| format!("p{}", offset.saturating_sub(count)));
            (None, next_cursor, previous_cursor)
        } else {
            (Some(offset + 1), None, None)
        };
        let body = ListBody {
            schemas: [urn::LIST_RESPONSE],
            total_results: total,
            items_per_page: rendered.len(),
            start_index,
            next_cursor,
            previous_cursor,
            resources: rendered,
        };
        Ok(response::json(StatusCode::OK, &body))
    }
}

/// A ListResponse (RFC 7644 §3.4.2), its resources serialised from the store's.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListBody<'r> {
    schemas: [&'static str; 1],
    total_results: usize,
    items_per_page: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_index: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    previous_cursor: Option<String>,
    #[serde(rename = "Resources")]
    resources: Vec<Rendered<'r>>,
}
