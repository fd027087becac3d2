//! Lists and searches: filter, sort, paginate (by index or cursor), project.

use std::cmp::Ordering;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use scimitar_filter::{Filter, ParseOptions, SortBy};
use scimitar_schema::json::get_ci;
use scimitar_schema::{AttributeDef, AttributeType, CompiledFilter, ResourceType, ScimError, urn};

use crate::engine::{Call, Engine, stored};
use crate::handlers::resources::Lists;
use crate::response;
use crate::store::{ListQuery, Store, StoredResource};

/// A list request, from query parameters or a `/.search` body.
pub(crate) struct ListRequest {
    filter: Option<Filter>,
    sort_by: Option<SortBy>,
    descending: bool,
    /// 0-based offset of the first result.
    offset: usize,
    count: usize,
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

/// Whether `filter` tests the top-level attribute `name`.
fn mentions(filter: &Filter, name: &str) -> bool {
    use scimitar_filter::{Expr, FilterLeaf};
    match filter {
        Expr::Leaf(FilterLeaf::Attr(test)) => test.path().name.matches(name),
        Expr::Leaf(FilterLeaf::ValuePath(path)) => path.name.matches(name),
        Expr::Not(inner) => mentions(inner, name),
        Expr::And(left, right) | Expr::Or(left, right) => {
            mentions(left, name) || mentions(right, name)
        }
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

impl ListRequest {
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
        (default_count, max_count): (usize, usize),
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
        let count = match count {
            Some(text) => usize::try_from(integer("count", text)?.max(0))
                .unwrap_or(usize::MAX)
                .min(max_count),
            None => default_count.min(max_count),
        };
        let offset = match (cursor, start_index) {
            (Some(cursor), _) => cursor_offset(cursor.trim())?,
            (None, Some(text)) => {
                usize::try_from(integer("startIndex", text)?.max(1) - 1).unwrap_or(0)
            }
            (None, None) => 0,
        };
        Ok(Self {
            filter,
            sort_by,
            descending,
            offset,
            count,
            cursor: cursor.is_some(),
            lists,
        })
    }

    fn from_params(call: &Call<'_>, limits: (usize, usize)) -> Result<Self, ScimError> {
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
            limits,
        )
    }

    /// From a SearchRequest body (RFC 7644 §3.4.3).
    fn from_search(
        call: &Call<'_>,
        body: &Value,
        limits: (usize, usize),
    ) -> Result<Self, ScimError> {
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
            limits,
        )
    }
}

/// What a sort compares: text (folded unless case-exact), numbers, booleans.
#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Bool(bool),
    Number(f64),
    Text(String),
}

fn sort_key(
    stored_resource: &StoredResource,
    sort_by: &SortBy,
    def: Option<&AttributeDef>,
) -> Option<SortKey> {
    let path = &sort_by.0;
    let container = stored_resource.resource.container(path.urn.as_ref())?;
    let mut value = get_ci(container, path.name.as_str())?;
    // A multi-valued attribute sorts by its primary value, else its first.
    if let Value::Array(items) = value {
        value = items
            .iter()
            .find(|item| item.get("primary") == Some(&Value::Bool(true)))
            .or_else(|| items.first())?;
    }
    let value = match (&path.sub_attr, value) {
        (Some(sub), Value::Object(object)) => get_ci(object, sub.as_str())?,
        (None, Value::Object(object)) => get_ci(object, "value")?,
        (_, value) => value,
    };
    let case_exact = def.is_some_and(|def| def.case_exact);
    match value {
        Value::String(text)
            if case_exact || def.is_some_and(|def| def.kind == AttributeType::DateTime) =>
        {
            Some(SortKey::Text(text.clone()))
        }
        Value::String(text) => Some(SortKey::Text(text.to_lowercase())),
        Value::Number(number) => number.as_f64().map(SortKey::Number),
        Value::Bool(flag) => Some(SortKey::Bool(*flag)),
        _ => None,
    }
}

impl<S: Store> Engine<S> {
    fn page_limits(&self) -> (usize, usize) {
        (self.config.default_page_size, self.config.max_page_size)
    }

    /// `GET /Users`.
    pub(crate) async fn list(
        &self,
        call: &Call<'_>,
        resource_type: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let request = ListRequest::from_params(call, self.page_limits())?;
        let resource_type = self.resource_type(resource_type)?;
        self.run_list(call, &[resource_type], &request).await
    }

    /// `POST /.search`, `POST /Users/.search`.
    pub(crate) async fn search(
        &self,
        call: &Call<'_>,
        resource_type: Option<&str>,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let body = self.body_json(call, body, self.config.max_body_size)?;
        let request = ListRequest::from_search(call, &body, self.page_limits())?;
        let resource_types: Vec<&ResourceType> = match resource_type {
            Some(name) => vec![self.resource_type(name)?],
            None => self.registry.resource_types().iter().collect(),
        };
        self.run_list(call, &resource_types, &request).await
    }

    async fn run_list(
        &self,
        call: &Call<'_>,
        resource_types: &[&ResourceType],
        request: &ListRequest,
    ) -> Result<Response<Bytes>, ScimError> {
        // The store pages for us only when the order is its own and one type is listed.
        let store_pages = request.sort_by.is_none() && resource_types.len() == 1;
        let page = store_pages.then_some((request.offset, request.count));
        let mut matches: Vec<StoredResource> = Vec::new();
        let mut total = 0;
        let mut paged = false;
        for resource_type in resource_types {
            let compiled = request
                .filter
                .as_ref()
                .map(|filter| CompiledFilter::compile(filter, &self.registry, Some(resource_type)))
                .transpose()?;
            // A user's `groups` is computed, not stored: a filter on it is evaluated here,
            // on resources with their groups filled in.
            let on_groups = resource_type.name == "User"
                && request
                    .filter
                    .as_ref()
                    .is_some_and(|filter| mentions(filter, "groups"));
            if on_groups {
                let everything = ListQuery::new(None, None);
                let listed = stored(
                    self.store
                        .list(&call.tenant.id, &resource_type.name, everything)
                        .await,
                )?;
                for mut candidate in listed.resources {
                    self.fill_groups(call, &mut candidate).await?;
                    if compiled
                        .as_ref()
                        .is_none_or(|compiled| compiled.matches(&candidate.resource))
                    {
                        matches.push(candidate);
                    }
                }
                continue;
            }
            let query = ListQuery::new(request.filter.as_ref(), page);
            let listed = stored(
                self.store
                    .list(&call.tenant.id, &resource_type.name, query)
                    .await,
            )?;
            if listed.filtered && listed.paged {
                paged = true;
                total += listed.total;
                matches.extend(listed.resources);
                continue;
            }
            let filtered = listed.filtered;
            matches.extend(listed.resources.into_iter().filter(|candidate| {
                filtered
                    || compiled
                        .as_ref()
                        .is_none_or(|compiled| compiled.matches(&candidate.resource))
            }));
        }
        if let Some(sort_by) = &request.sort_by {
            let def = resource_types
                .first()
                .and_then(|resource_type| self.registry.resolve(resource_type, &sort_by.0))
                .map(|resolved| resolved.target());
            let mut keyed: Vec<(Option<SortKey>, StoredResource)> = matches
                .into_iter()
                .map(|resource| (sort_key(&resource, sort_by, def), resource))
                .collect();
            // Stable: equal keys keep the store's order. Missing values sort last.
            keyed.sort_by(|(left, _), (right, _)| {
                let ordering = match (left, right) {
                    (Some(left), Some(right)) => left.partial_cmp(right).unwrap_or(Ordering::Equal),
                    (Some(_), None) => return Ordering::Less,
                    (None, Some(_)) => return Ordering::Greater,
                    (None, None) => Ordering::Equal,
                };
                if request.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            });
            matches = keyed.into_iter().map(|(_, resource)| resource).collect();
        }
        let page_resources: Vec<StoredResource> = if paged {
            matches
        } else {
            total = matches.len();
            matches
                .into_iter()
                .skip(request.offset)
                .take(request.count)
                .collect()
        };
        let mut rendered = Vec::with_capacity(page_resources.len());
        for resource in page_resources {
            rendered.push(self.render(call, resource, &request.lists).await?);
        }
        let mut body = json!({
            "schemas": [urn::LIST_RESPONSE],
            "totalResults": total,
            "itemsPerPage": rendered.len(),
        });
        if request.cursor {
            let next = request.offset + rendered.len();
            if next < total && !rendered.is_empty() {
                body["nextCursor"] = Value::String(format!("p{next}"));
            }
            if request.offset > 0 {
                body["previousCursor"] =
                    Value::String(format!("p{}", request.offset.saturating_sub(request.count)));
            }
        } else {
            body["startIndex"] = json!(request.offset + 1);
        }
        body["Resources"] = Value::Array(rendered);
        Ok(response::json(StatusCode::OK, &body))
    }
}
