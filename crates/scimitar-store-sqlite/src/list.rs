//! Lists: the equality index for the identity providers' lookups, the rest of a filter,
//! the order and the page pushed down to SQL with scimitar-sql.
//!
//! The SQL is built before the read runs (the read owns what it needs), and a page
//! holds at most `count` resources whatever the query: SQLite sorts, counts and skips;
//! a filter SQL cannot decide alone is evaluated here on the rows as they stream, in
//! the order asked, keeping only the page.

use std::future::Future;
use std::sync::Arc;

use rusqlite::{Connection, params_from_iter};
use scimitar_engine::__private::store::{Indexed, Plan, plan};
use scimitar_engine::{ListPage, ListQuery, StoreError, StoredResource, TenantId};
use scimitar_filter::Filter;
use scimitar_schema::{CompiledFilter, SchemaRegistry};
use scimitar_sql::{Dialect, SortOrder, SqlValue, is_sortable, order_by, try_translate};

use crate::rows::{R_RESOURCE_COLUMNS, RESOURCE_COLUMNS, bound, read_resources, resources};
use crate::store::SqliteStore;
use crate::unavailable;

/// A list as SQL, ready to run on a read connection.
struct Selection {
    /// `FROM resources r WHERE …`: the tenant, the type, the filter's SQL and the
    /// lookups.
    from: String,
    /// The parameters of `from`, then those of `order`.
    params: Vec<SqlValue>,
    /// How many of `params` `from` takes.
    from_params: usize,
    /// `ORDER BY …`: the order asked for when `sorted`, else creation order.
    order: String,
    /// `ORDER BY …` in creation order, which takes no parameters.
    creation: &'static str,
    /// Whether `order` is the order the query asked for.
    sorted: bool,
    /// Whether `from` selects exactly the matches; if not, a superset, and `filter`
    /// decides.
    complete: bool,
    /// The filter, for the rows of an incomplete selection.
    filter: Option<Filter>,
    tenant: String,
    resource_type: String,
    registry: Arc<SchemaRegistry>,
    page: Option<(usize, usize)>,
}

impl SqliteStore {
    pub(crate) fn list_now(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send + use<> {
        let listing = match plan(resource_type, query.filter) {
            // An equality lookup alone, in creation order: the identity providers' lookup
            // before each write, straight from the index, on the calling thread (its cost
            // is the few resources that share the value).
            Plan::Exact(lookup) if query.sort_by.is_none() => {
                Listing::Found(self.look_up(|connection| {
                    looked_up(connection, &tenant.0, resource_type, query.page, lookup)
                }))
            }
            Plan::Exact(lookup) => {
                Listing::Queued(self.queue(tenant, resource_type, query, vec![lookup]))
            }
            Plan::Narrow(lookups) => {
                Listing::Queued(self.queue(tenant, resource_type, query, lookups))
            }
            Plan::Everything | Plan::Scan => {
                Listing::Queued(self.queue(tenant, resource_type, query, Vec::new()))
            }
        };
        listing.answer()
    }

    /// A list queued for a reader thread, which translates it to SQL (its stack is what
    /// a filter at the parser's limits, a tree a thousand levels deep, needs) and runs
    /// it.
    fn queue(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
        lookups: Vec<(Indexed, String)>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send + use<> {
        let registry = Arc::clone(&self.registry);
        let (tenant_id, resource_type) = (tenant.clone(), resource_type.to_owned());
        let (filter, page) = (query.filter.cloned(), query.page);
        let (sort_by, descending) = (query.sort_by.cloned(), query.descending);
        self.read(Some(tenant), move |connection| {
            let mut query = ListQuery::new(filter.as_ref(), page);
            if let Some(sort_by) = &sort_by {
                query = query.sorted(sort_by, descending);
            }
            Self::select(&registry, &tenant_id, &resource_type, query, &lookups).run(connection)
        })
    }

    /// The SQL of a list: the filter translated by scimitar-sql (a superset of the
    /// matches when the translation is incomplete, every resource when there is none),
    /// narrowed through `eq_index` by `lookups` (equality lookups that are terms of the
    /// filter's top-level `and`), and ordered as asked when SQL can sort by the path.
    fn select(
        registry: &Arc<SchemaRegistry>,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
        lookups: &[(Indexed, String)],
    ) -> Selection {
        let dialect = Dialect::Sqlite;
        let kind = registry.resource_type(resource_type);
        let translation = query
            .filter
            .zip(kind)
            .and_then(|(filter, kind)| try_translate(filter, kind, registry, dialect).ok());
        let (mut params, mut conditions, complete) = match translation {
            Some(translation) => (
                translation.params,
                translation.sql.into_iter().collect::<Vec<_>>(),
                translation.complete,
            ),
            None => (Vec::new(), Vec::new(), query.filter.is_none()),
        };
        let tenant_param = dialect.bind(&mut params, SqlValue::from(tenant.0.as_str()));
        let type_param = dialect.bind(&mut params, SqlValue::from(resource_type));
        for (attribute, value) in lookups {
            let attribute = dialect.bind(&mut params, SqlValue::from(attribute.name()));
            let value = dialect.bind(&mut params, SqlValue::from(value.as_str()));
            conditions.push(format!(
                "r.id IN (SELECT e.id FROM eq_index e WHERE e.tenant = {tenant_param} \
                 AND e.resource_type = {type_param} AND e.attribute = {attribute} AND e.value = {value})"
            ));
        }
        let mut from = format!(
            "FROM resources r WHERE r.tenant = {tenant_param} AND r.resource_type = {type_param}"
        );
        for condition in &conditions {
            from.push_str(" AND (");
            from.push_str(condition);
            from.push(')');
        }
        let from_params = params.len();
        let sort = query
            .sort_by
            .zip(kind)
            .filter(|(sort_by, kind)| is_sortable(sort_by, kind, registry));
        // The few resources lookups find, by primary key (the `+` keeps SQLite from
        // walking every resource in order instead).
        let creation = if lookups.is_empty() {
            "ORDER BY r.seq"
        } else {
            "ORDER BY +r.seq"
        };
        let order = match sort {
            Some((sort_by, kind)) => {
                let direction = if query.descending {
                    SortOrder::Descending
                } else {
                    SortOrder::Ascending
                };
                order_by(
                    Some(sort_by),
                    direction,
                    kind,
                    registry,
                    dialect,
                    &mut params,
                )
            }
            None => creation.to_owned(),
        };
        Selection {
            from,
            params,
            from_params,
            order,
            creation,
            sorted: sort.is_some() || query.sort_by.is_none(),
            complete,
            filter: query.filter.cloned(),
            tenant: tenant.0.clone(),
            resource_type: resource_type.to_owned(),
            registry: Arc::clone(registry),
            page: query.page,
        }
    }
}

impl Selection {
    fn run(&self, connection: &Connection) -> Result<ListPage, StoreError> {
        let page = self.page.filter(|_| self.sorted);
        match (page, self.complete) {
            // Every match, or every candidate, in creation order: the engine wants them
            // all, or sorts them itself.
            (None, true) => Ok(ListPage::Matches(self.all(connection)?)),
            (None, false) => Ok(ListPage::Candidates(self.all(connection)?)),
            (Some(page), true) => self.paged(connection, page),
            (Some(page), false) => self.evaluated(connection, page),
        }
    }

    /// Every resource `from` selects, in creation order.
    fn all(&self, connection: &Connection) -> Result<Vec<StoredResource>, StoreError> {
        let mut statement = connection
            .prepare(&format!(
                "SELECT {R_RESOURCE_COLUMNS} {} {}",
                self.from, self.creation
            ))
            .map_err(unavailable)?;
        let params = &self.params[..self.from_params];
        read_resources(&mut statement, params_from_iter(params.iter().map(bound)))
    }

    /// The page of a complete selection: counted, sorted and paged by SQLite.
    fn paged(
        &self,
        connection: &Connection,
        (start, count): (usize, usize),
    ) -> Result<ListPage, StoreError> {
        let from_params = &self.params[..self.from_params];
        let total: i64 = connection
            .prepare(&format!("SELECT COUNT(*) {}", self.from))
            .and_then(|mut statement| {
                statement.query_row(params_from_iter(from_params.iter().map(bound)), |row| {
                    row.get(0)
                })
            })
            .map_err(unavailable)?;
        let mut params = self.params.clone();
        let limit = scimitar_sql::page(start, count, Dialect::Sqlite, &mut params);
        let mut statement = connection
            .prepare(&format!(
                "SELECT {R_RESOURCE_COLUMNS} {} {} {limit}",
                self.from, self.order
            ))
            .map_err(unavailable)?;
        let found = read_resources(&mut statement, params_from_iter(params.iter().map(bound)))?;
        Ok(ListPage::page(
            found,
            usize::try_from(total).map_err(unavailable)?,
        ))
    }

    /// The page of an incomplete selection: the candidates stream in the order asked,
    /// each tested by the filter as it comes; only the page's matches are kept, so
    /// memory holds the page, one candidate, and SQLite's sort of the candidates' ids.
    fn evaluated(
        &self,
        connection: &Connection,
        (start, count): (usize, usize),
    ) -> Result<ListPage, StoreError> {
        let kind = self.registry.resource_type(&self.resource_type);
        let compiled = match &self.filter {
            Some(filter) => match CompiledFilter::compile(filter, &self.registry, kind) {
                Ok(compiled) => Some(compiled),
                // The engine refuses the filter itself; give it what it would test.
                Err(_) => return Ok(ListPage::Candidates(self.all(connection)?)),
            },
            None => None,
        };
        // Only the ids go through SQLite's sorter (which holds what it sorts in memory);
        // each resource is read by its key as its turn comes.
        let mut sorted = connection
            .prepare(&format!("SELECT r.id {} {}", self.from, self.order))
            .map_err(unavailable)?;
        let mut ids = sorted
            .query(params_from_iter(self.params.iter().map(bound)))
            .map_err(unavailable)?;
        let by_id =
            format!("SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND id = ?2");
        let mut found = Vec::new();
        let mut total = 0;
        while let Some(row) = ids.next().map_err(unavailable)? {
            let id: String = row.get(0).map_err(unavailable)?;
            let Some(candidate) = resources(connection, &by_id, &[&self.tenant, &id])?.pop() else {
                continue;
            };
            if compiled
                .as_ref()
                .is_none_or(|compiled| compiled.matches(&candidate.resource))
            {
                if total >= start && found.len() < count {
                    found.push(candidate);
                }
                total += 1;
            }
        }
        Ok(ListPage::page(found, total))
    }
}

/// A list answered on the calling thread, or queued for a reader thread.
enum Listing<F> {
    Found(Result<ListPage, StoreError>),
    Queued(F),
}

impl<F: Future<Output = Result<ListPage, StoreError>>> Listing<F> {
    async fn answer(self) -> Result<ListPage, StoreError> {
        match self {
            Self::Found(found) => found,
            Self::Queued(read) => read.await,
        }
    }
}

/// The resources of `tenant` whose indexed `attribute` is `value`, all or the page of
/// them: one query, the identity providers' lookup before each write, which finds one
/// user or a few (so this holds every resource that shares the value, paged here).
fn looked_up(
    connection: &Connection,
    tenant: &str,
    resource_type: &str,
    page: Option<(usize, usize)>,
    (attribute, value): (Indexed, String),
) -> Result<ListPage, StoreError> {
    let sql = format!(
        "SELECT {R_RESOURCE_COLUMNS} FROM eq_index e \
         JOIN resources r ON r.tenant = e.tenant AND r.id = e.id \
         WHERE e.tenant = ?1 AND e.resource_type = ?2 AND e.attribute = ?3 \
         AND e.value = ?4 ORDER BY r.seq"
    );
    let found = resources(
        connection,
        &sql,
        &[&tenant, &resource_type, &attribute.name(), &value],
    )?;
    Ok(match page {
        Some((start, count)) => {
            let total = found.len();
            ListPage::page(found.into_iter().skip(start).take(count).collect(), total)
        }
        None => ListPage::Matches(found),
    })
}
