//! Lists and searches: filter, sort and page, pushed down to the store where it can.

use std::cmp::Ordering;

use serde_json::Value;

use scimitar_filter::{Filter, ParseOptions, SortBy};
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{AttributeDef, AttributeType, CompiledFilter, ResourceType, ScimError};

use super::Operations;
use crate::engine::{Engine, stored};
use crate::store::{ListPage, ListQuery, ResourceStore, StoredResource};

/// What a list or search asks (RFC 7644 §3.4.2): which resources, in which order, which
/// page of them.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct ListRequest {
    /// Only the resources that match, if given.
    pub filter: Option<Filter>,
    /// The order, if given; else the store's order (by creation).
    pub sort_by: Option<SortBy>,
    /// Whether `sort_by` runs from high to low.
    pub descending: bool,
    /// How many matches to skip: 0 for the first page (`startIndex` 1).
    pub offset: usize,
    /// How many to return at most; `None` for the engine's default page size. Either is
    /// capped at the maximum page size.
    pub count: Option<usize>,
}

impl ListRequest {
    /// Every resource, first page.
    pub fn new() -> Self {
        Self::default()
    }

    /// Filters by `text`, parsed as a filter (with the identity providers' shapes when
    /// `lenient`); a syntax error is `400 invalidFilter`.
    pub fn filter_text(mut self, text: &str, lenient: bool) -> Result<Self, ScimError> {
        let options = ParseOptions::default().lenient(lenient);
        let filter = Filter::parse_with(text, &options)
            .map_err(|err| ScimError::invalid_filter(format!("invalid filter: {err}")))?;
        self.filter = Some(filter);
        Ok(self)
    }
}

/// One page of a list's matches.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ListResult {
    /// The resources of the page, in order.
    pub resources: Vec<StoredResource>,
    /// How many resources match, on every page.
    pub total: usize,
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

impl<S> Engine<S> {
    /// The page size of a list that asks for `count` (`None`: the default), capped.
    pub(crate) fn page_size(&self, count: Option<usize>) -> usize {
        count
            .unwrap_or(self.config.default_page_size)
            .min(self.config.max_page_size)
    }
}

impl<S: ResourceStore> Operations<'_, S> {
    /// `GET /Users`: the page of the resources of `resource_type` that `request` asks.
    pub async fn list(
        &self,
        resource_type: &str,
        request: &ListRequest,
    ) -> Result<ListResult, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        self.run_list(&[resource_type], request).await
    }

    /// `POST /.search`: as [`list`](Self::list), over the resource types named (every
    /// type when `resource_types` is empty), in the order named.
    pub async fn search(
        &self,
        resource_types: &[&str],
        request: &ListRequest,
    ) -> Result<ListResult, ScimError> {
        let types: Vec<&ResourceType> = if resource_types.is_empty() {
            self.engine.registry.resource_types().iter().collect()
        } else {
            resource_types
                .iter()
                .map(|name| self.resource_type(name))
                .collect::<Result<_, _>>()?
        };
        self.run_list(&types, request).await
    }

    /// A user with its computed `groups` (values and names), for filters that test
    /// them.
    async fn with_groups(&self, user: &mut StoredResource) -> Result<(), ScimError> {
        if let Some(groups) = self.groups_attribute(&user.id, None).await? {
            user.resource.as_map_mut().insert("groups".into(), groups);
        }
        Ok(())
    }

    async fn run_list(
        &self,
        resource_types: &[&ResourceType],
        request: &ListRequest,
    ) -> Result<ListResult, ScimError> {
        let count = self.engine.page_size(request.count);
        let tenant = &self.principal.tenant.id;
        // The store pages for us only when the order is its own and one type is listed.
        let store_pages = request.sort_by.is_none() && resource_types.len() == 1;
        let page = store_pages.then_some((request.offset, count));
        let mut matches: Vec<StoredResource> = Vec::new();
        let mut total = 0;
        let mut paged = false;
        for resource_type in resource_types {
            let compiled = request
                .filter
                .as_ref()
                .map(|filter| {
                    CompiledFilter::compile(filter, &self.engine.registry, Some(resource_type))
                })
                .transpose()?;
            let matching = |candidate: &StoredResource| {
                compiled
                    .as_ref()
                    .is_none_or(|compiled| compiled.matches(&candidate.resource))
            };
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
                    self.engine
                        .store
                        .list(tenant, &resource_type.name, everything)
                        .await,
                )?;
                for mut candidate in listed.into_resources() {
                    self.with_groups(&mut candidate).await?;
                    if matching(&candidate) {
                        matches.push(candidate);
                    }
                }
                continue;
            }
            let query = ListQuery::new(request.filter.as_ref(), page);
            let listed = stored(
                self.engine
                    .store
                    .list(tenant, &resource_type.name, query)
                    .await,
            )?;
            match listed {
                ListPage::Page {
                    resources,
                    total: all,
                } => {
                    paged = true;
                    total += all;
                    matches.extend(resources);
                }
                ListPage::Matches(resources) => matches.extend(resources),
                ListPage::Candidates(resources) => {
                    matches.extend(
                        resources
                            .into_iter()
                            .filter(|candidate| matching(candidate)),
                    );
                }
            }
        }
        if let Some(sort_by) = &request.sort_by {
            self.sort(resource_types, sort_by, request.descending, &mut matches);
        }
        let resources = if paged {
            matches
        } else {
            total = matches.len();
            matches
                .into_iter()
                .skip(request.offset)
                .take(count)
                .collect()
        };
        Ok(ListResult { resources, total })
    }

    /// Sorts `matches` by `sort_by`, stably: equal keys keep the store's order, and
    /// resources without a value come last.
    fn sort(
        &self,
        resource_types: &[&ResourceType],
        sort_by: &SortBy,
        descending: bool,
        matches: &mut Vec<StoredResource>,
    ) {
        let def = resource_types
            .first()
            .and_then(|resource_type| self.engine.registry.resolve(resource_type, &sort_by.0))
            .map(|resolved| resolved.target());
        let mut keyed: Vec<(Option<SortKey>, StoredResource)> = matches
            .drain(..)
            .map(|resource| (sort_key(&resource, sort_by, def), resource))
            .collect();
        keyed.sort_by(|(left, _), (right, _)| {
            let ordering = match (left, right) {
                (Some(left), Some(right)) => left.partial_cmp(right).unwrap_or(Ordering::Equal),
                (Some(_), None) => return Ordering::Less,
                (None, Some(_)) => return Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if descending {
                ordering.reverse()
            } else {
                ordering
            }
        });
        matches.extend(keyed.into_iter().map(|(_, resource)| resource));
    }
}
