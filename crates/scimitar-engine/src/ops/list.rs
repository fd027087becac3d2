//! Lists and searches: filter, sort and page, pushed down to the store where it can.

use std::cmp::Ordering;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime};
use serde_json::Value;

use scimitar_filter::{Filter, ParseOptions, SchemaUrn, SortBy};
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{
    AttrLocation, AttributeDef, AttributeType, CompiledFilter, ResourceType, SchemaRegistry,
    ScimError, fold_for_comparison,
};

use super::{Operations, groups_value};
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

/// What a sort compares, as scimitar-sql's `sort_key` column does: text (folded unless
/// case-exact), instants, numbers, booleans. One sort compares keys of one kind only.
#[derive(PartialEq, PartialOrd)]
enum SortKey {
    Bool(bool),
    Number(f64),
    Instant(NaiveDateTime),
    Text(String),
}

/// How a list sorts: by which attribute, as which type, in which direction.
struct Sorter<'a> {
    sort_by: &'a SortBy,
    /// Where the attribute lives, when the schemas know it.
    location: Option<AttrLocation<'a>>,
    /// The definition whose type the values sort by (the `value` sub-attribute's for a
    /// complex attribute without a sub-attribute).
    def: Option<&'a AttributeDef>,
    descending: bool,
}

impl<'a> Sorter<'a> {
    fn new(
        registry: &'a SchemaRegistry,
        resource_type: &'a ResourceType,
        sort_by: &'a SortBy,
        descending: bool,
    ) -> Self {
        let path = &sort_by.0;
        let urn = path.urn.as_ref().map(SchemaUrn::as_str);
        let found = registry.top_level(resource_type, urn, path.name.as_str());
        let def = found.and_then(|(_, attr)| match &path.sub_attr {
            Some(sub) => attr.sub_attribute(sub.as_str()),
            None if attr.is_complex() => attr.sub_attribute("value").or(Some(attr)),
            None => Some(attr),
        });
        Self {
            sort_by,
            location: found.map(|(location, _)| location),
            def,
            descending,
        }
    }

    /// The key of `stored`: the value at the path of the `primary` element of a
    /// multi-valued attribute, else of its first; `None` for a value of another type
    /// than the schema's.
    fn key(&self, stored: &StoredResource) -> Option<SortKey> {
        let path = &self.sort_by.0;
        let container = match self.location {
            Some(AttrLocation::Core) => Some(stored.resource.as_map()),
            Some(AttrLocation::Extension(urn)) => match get_ci(stored.resource.as_map(), urn) {
                Some(Value::Object(extension)) => Some(extension),
                _ => None,
            },
            None => stored.resource.container(path.urn.as_ref()),
        }?;
        let mut value = get_ci(container, path.name.as_str())?;
        if let Value::Array(items) = value {
            let primary = |item: &&Value| {
                item.as_object().and_then(|item| get_ci(item, "primary"))
                    == Some(&Value::Bool(true))
            };
            value = items.iter().find(primary).or_else(|| items.first())?;
        }
        let value = match (&path.sub_attr, value) {
            (Some(sub), Value::Object(object)) => get_ci(object, sub.as_str())?,
            (Some(_), _) => return None,
            (None, Value::Object(object)) => get_ci(object, "value")?,
            (None, value) => value,
        };
        let Some(def) = self.def else {
            return value
                .as_str()
                .map(|text| SortKey::Text(fold_for_comparison(text).into_owned()));
        };
        match def.kind {
            AttributeType::Boolean => value.as_bool().map(SortKey::Bool),
            AttributeType::Integer | AttributeType::Decimal => value.as_f64().map(SortKey::Number),
            AttributeType::DateTime => value
                .as_str()
                .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
                .map(|at| SortKey::Instant(at.naive_utc())),
            _ if def.case_exact => value.as_str().map(|text| SortKey::Text(text.to_owned())),
            _ => value
                .as_str()
                .map(|text| SortKey::Text(fold_for_comparison(text).into_owned())),
        }
    }

    /// Sorts `resources` stably (equal keys keep their order), resources without a
    /// value last in either direction.
    fn sort(&self, resources: &mut Vec<StoredResource>) {
        let mut keyed: Vec<(Option<SortKey>, StoredResource)> = resources
            .drain(..)
            .map(|resource| (self.key(&resource), resource))
            .collect();
        keyed.sort_by(|(left, _), (right, _)| self.compare(left.as_ref(), right.as_ref()));
        resources.extend(keyed.into_iter().map(|(_, resource)| resource));
    }

    fn compare(&self, left: Option<&SortKey>, right: Option<&SortKey>) -> Ordering {
        let ordering = match (left, right) {
            (Some(left), Some(right)) => left.partial_cmp(right).unwrap_or(Ordering::Equal),
            (Some(_), None) => return Ordering::Less,
            (None, Some(_)) => return Ordering::Greater,
            (None, None) => Ordering::Equal,
        };
        if self.descending {
            ordering.reverse()
        } else {
            ordering
        }
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

    async fn run_list(
        &self,
        resource_types: &[&ResourceType],
        request: &ListRequest,
    ) -> Result<ListResult, ScimError> {
        let count = self.engine.page_size(request.count);
        let offset = request.offset;
        if let [resource_type] = resource_types {
            let (resources, total) = self.ranked(resource_type, request, offset, count).await?;
            return Ok(ListResult { resources, total });
        }
        let mut resources = Vec::new();
        let mut total = 0;
        if request.sort_by.is_none() {
            // One type after the other: each gives the part of the page it holds.
            let mut skip = offset;
            for resource_type in resource_types {
                let wanted = count - resources.len();
                let (part, matches) = self.ranked(resource_type, request, skip, wanted).await?;
                skip = skip.saturating_sub(matches);
                total += matches;
                resources.extend(part);
            }
            return Ok(ListResult { resources, total });
        }
        // Each type's first `offset + count` in order, merged: a stable sort keeps the
        // types' order among equal keys, as one sort of every match would.
        let first = offset.saturating_add(count);
        let mut keyed = Vec::new();
        for resource_type in resource_types {
            let (part, matches) = self.ranked(resource_type, request, 0, first).await?;
            total += matches;
            let sorter = self.sorter(resource_type, request);
            keyed.extend(part.into_iter().map(|resource| {
                let key = sorter.as_ref().and_then(|sorter| sorter.key(&resource));
                (key, resource)
            }));
        }
        if let Some(sorter) = resource_types
            .first()
            .and_then(|resource_type| self.sorter(resource_type, request))
        {
            keyed.sort_by(|(left, _), (right, _)| sorter.compare(left.as_ref(), right.as_ref()));
        }
        resources.extend(
            keyed
                .into_iter()
                .skip(offset)
                .take(count)
                .map(|(_, resource)| resource),
        );
        Ok(ListResult { resources, total })
    }

    fn sorter<'a>(
        &'a self,
        resource_type: &'a ResourceType,
        request: &'a ListRequest,
    ) -> Option<Sorter<'a>> {
        let sort_by = request.sort_by.as_ref()?;
        Some(Sorter::new(
            &self.engine.registry,
            resource_type,
            sort_by,
            request.descending,
        ))
    }

    /// The page `(start, count)` of the matches of `resource_type`, in the order asked
    /// for, and how many match: from the store when it pages, else filtered, sorted
    /// and paged here.
    async fn ranked(
        &self,
        resource_type: &ResourceType,
        request: &ListRequest,
        start: usize,
        count: usize,
    ) -> Result<(Vec<StoredResource>, usize), ScimError> {
        let compiled = request
            .filter
            .as_ref()
            .map(|filter| {
                CompiledFilter::compile(filter, &self.engine.registry, Some(resource_type))
            })
            .transpose()?;
        let sorter = self.sorter(resource_type, request);
        // A user's `groups` is computed, not stored: a filter on it is evaluated here.
        if resource_type.name == "User"
            && let Some(compiled) = &compiled
            && request
                .filter
                .as_ref()
                .is_some_and(|filter| mentions(filter, "groups"))
        {
            return self
                .ranked_with_groups(compiled, sorter.as_ref(), start, count)
                .await;
        }
        let mut query = ListQuery::new(request.filter.as_ref(), Some((start, count)));
        if let Some(sort_by) = &request.sort_by {
            query = query.sorted(sort_by, request.descending);
        }
        let listed = stored(
            self.engine
                .store
                .list(&self.principal.tenant.id, &resource_type.name, query)
                .await,
        )?;
        let mut matches = match listed {
            ListPage::Page { resources, total } => return Ok((resources, total)),
            ListPage::Matches(resources) => resources,
            ListPage::Candidates(mut resources) => {
                resources.retain(|candidate| {
                    compiled
                        .as_ref()
                        .is_none_or(|compiled| compiled.matches(&candidate.resource))
                });
                resources
            }
        };
        if let Some(sorter) = &sorter {
            sorter.sort(&mut matches);
        }
        let total = matches.len();
        let page = matches.into_iter().skip(start).take(count).collect();
        Ok((page, total))
    }

    /// [`ranked`](Self::ranked) for a filter on users' `groups`: the groups read once
    /// (not once per user), the users read a chunk at a time in creation order and
    /// tested with their groups filled in. Memory holds one chunk, the groups' names,
    /// and the page (the first `start + count` matches when sorted).
    async fn ranked_with_groups(
        &self,
        compiled: &CompiledFilter<'_>,
        sorter: Option<&Sorter<'_>>,
        start: usize,
        count: usize,
    ) -> Result<(Vec<StoredResource>, usize), ScimError> {
        const CHUNK: usize = 1_000;
        let tenant = &self.principal.tenant.id;
        let groups_of = self.memberships().await?;
        let kept = if sorter.is_some() {
            start.saturating_add(count)
        } else {
            count
        };
        let mut page: Vec<(Option<SortKey>, StoredResource)> = Vec::new();
        let mut total = 0;
        let mut next = 0;
        loop {
            let query = ListQuery::new(None, Some((next, CHUNK)));
            let listed = stored(self.engine.store.list(tenant, "User", query).await)?;
            let last = !listed.is_paged() || listed.resources().len() < CHUNK;
            next += CHUNK;
            for mut user in listed.into_resources() {
                if let Some(groups) = groups_of.get(&user.id) {
                    let groups = groups_value(groups.iter().cloned(), None);
                    user.resource.as_map_mut().insert("groups".into(), groups);
                }
                if !compiled.matches(&user.resource) {
                    continue;
                }
                total += 1;
                match sorter {
                    Some(sorter) => page.push((sorter.key(&user), user)),
                    None if total > start && page.len() < kept => page.push((None, user)),
                    None => {}
                }
            }
            if let Some(sorter) = sorter
                && page.len() > kept.saturating_mul(2).max(CHUNK)
            {
                page.sort_by(|(left, _), (right, _)| sorter.compare(left.as_ref(), right.as_ref()));
                page.truncate(kept);
            }
            if last {
                break;
            }
        }
        let skip = match sorter {
            Some(sorter) => {
                page.sort_by(|(left, _), (right, _)| sorter.compare(left.as_ref(), right.as_ref()));
                start
            }
            None => 0,
        };
        let page = page
            .into_iter()
            .skip(skip)
            .take(count)
            .map(|(_, user)| user)
            .collect();
        Ok((page, total))
    }

    /// Every group of the tenant by member: member id → `(group id, displayName)`, by
    /// group id, as [`groups_of`](Self::groups_of) gives them for one member.
    async fn memberships(&self) -> Result<HashMap<String, Vec<(String, String)>>, ScimError> {
        let everything = ListQuery::new(None, None);
        let groups = stored(
            self.engine
                .store
                .list(&self.principal.tenant.id, "Group", everything)
                .await,
        )?;
        let mut by_member: HashMap<String, Vec<(String, String)>> = HashMap::new();
        for group in groups.into_resources() {
            let name = group.resource.get_str("displayName").unwrap_or_default();
            for member in &group.members {
                by_member
                    .entry(member.clone())
                    .or_default()
                    .push((group.id.clone(), name.to_owned()));
            }
        }
        for groups in by_member.values_mut() {
            groups.sort();
            groups.dedup_by(|later, earlier| later.0 == earlier.0);
        }
        Ok(by_member)
    }
}
