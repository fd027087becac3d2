//! Lists: the equality index for the identity providers' lookups, the rest of a filter
//! pushed down to SQL with scimitar-sql.

use std::future::Future;
use std::sync::Arc;

use rusqlite::{Connection, params, params_from_iter};
use scimitar_engine::__private::store::{Indexed, Plan, plan};
use scimitar_engine::{ListPage, ListQuery, StoreError, StoredResource, TenantId};
use scimitar_filter::Filter;
use scimitar_schema::SchemaRegistry;
use scimitar_sql::{Dialect, SqlValue, Translation, try_translate};

use crate::rows::{R_RESOURCE_COLUMNS, RESOURCE_COLUMNS, bound, read_resources, resources};
use crate::store::SqliteStore;
use crate::unavailable;

impl SqliteStore {
    pub(crate) fn list_now(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send + use<> {
        // What the reader thread needs, its own.
        let registry = Arc::clone(&self.registry);
        let (tenant_id, resource_type) = (tenant.clone(), resource_type.to_owned());
        let (filter, page) = (query.filter.cloned(), query.page);
        self.read(Some(tenant), move |connection| {
            let (tenant, resource_type) = (&tenant_id, resource_type.as_str());
            let query = ListQuery::new(filter.as_ref(), page);
            let everything = format!(
                "SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND resource_type = ?2 ORDER BY seq"
            );
            let by_value = &format!("SELECT {R_RESOURCE_COLUMNS} FROM eq_index e \
                 JOIN resources r ON r.tenant = e.tenant AND r.id = e.id \
                 WHERE e.tenant = ?1 AND e.resource_type = ?2 AND e.attribute = ?3 AND e.value = ?4 ORDER BY r.seq");
            let page = |mut all: Vec<StoredResource>| -> ListPage {
                let total = all.len();
                match query.page {
                    Some((start, count)) => ListPage::page(all.drain(..).skip(start).take(count).collect(), total),
                    None => ListPage::Matches(all),
                }
            };
            Ok(match plan(resource_type, query.filter) {
                Plan::Everything => match query.page {
                    Some((start, count)) => {
                        let total: i64 = connection
                            .query_row(
                                "SELECT COUNT(*) FROM resources WHERE tenant = ?1 AND resource_type = ?2",
                                params![tenant.0, resource_type],
                                |row| row.get(0),
                            )
                            .map_err(unavailable)?;
                        let sql = format!(
                            "SELECT {RESOURCE_COLUMNS} FROM resources WHERE tenant = ?1 AND resource_type = ?2 ORDER BY seq LIMIT ?3 OFFSET ?4"
                        );
                        let limit = i64::try_from(count).unwrap_or(i64::MAX);
                        let offset = i64::try_from(start).unwrap_or(i64::MAX);
                        let resources = resources(connection, &sql, &[&tenant.0, &resource_type, &limit, &offset])?;
                        ListPage::page(resources, usize::try_from(total).unwrap_or(0))
                    }
                    None => page(resources(connection, &everything, &[&tenant.0, &resource_type])?),
                },
                Plan::Exact((attribute, value)) => {
                    page(resources(connection, by_value, &[&tenant.0, &resource_type, &attribute.name(), &value])?)
                }
                Plan::Narrow(lookups) => Self::pushed_down(&registry, connection, tenant, resource_type, query, &lookups)?,
                Plan::Scan => Self::pushed_down(&registry, connection, tenant, resource_type, query, &[])?,
            })
        })
    }

    /// A filtered list in SQL: the whole filter when scimitar-sql translates it
    /// completely (with the page, if any), else a superset of the matches for the engine
    /// to filter (every resource of the type when it cannot be translated at all).
    /// `lookups`, equality lookups that are terms of the filter's top-level `and`,
    /// narrow the scan through `eq_index`.
    fn pushed_down(
        registry: &SchemaRegistry,
        connection: &Connection,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
        lookups: &[(Indexed, String)],
    ) -> Result<ListPage, StoreError> {
        let dialect = Dialect::Sqlite;
        let translation = query
            .filter
            .and_then(|filter| Self::translate(registry, filter, resource_type));
        let (mut params, mut conditions, complete) = match translation {
            Some(translation) => (
                translation.params,
                translation.sql.into_iter().collect::<Vec<_>>(),
                translation.complete,
            ),
            None => (Vec::new(), Vec::new(), false),
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
        let mut selection = format!(
            "FROM resources r WHERE r.tenant = {tenant_param} AND r.resource_type = {type_param}"
        );
        for condition in &conditions {
            selection.push_str(" AND (");
            selection.push_str(condition);
            selection.push(')');
        }
        let columns = R_RESOURCE_COLUMNS;
        let matching = |params: &[SqlValue], tail: &str| {
            let mut statement = connection
                .prepare(&format!("SELECT {columns} {selection} {tail}"))
                .map_err(unavailable)?;
            read_resources(&mut statement, params_from_iter(params.iter().map(bound)))
        };
        if !lookups.is_empty() {
            // The few resources the lookups find, by primary key, sorted (the `+` keeps
            // SQLite from walking every resource in order instead), and paged here.
            let found = matching(&params, "ORDER BY +r.seq")?;
            return Ok(match (complete, query.page) {
                (false, _) => ListPage::Candidates(found),
                (true, None) => ListPage::Matches(found),
                (true, Some((start, count))) => {
                    let total = found.len();
                    ListPage::page(found.into_iter().skip(start).take(count).collect(), total)
                }
            });
        }
        Ok(match (complete, query.page) {
            (false, _) => ListPage::Candidates(matching(&params, "ORDER BY r.seq")?),
            (true, None) => ListPage::Matches(matching(&params, "ORDER BY r.seq")?),
            (true, Some((start, count))) => {
                let total: i64 = connection
                    .prepare(&format!("SELECT COUNT(*) {selection}"))
                    .and_then(|mut statement| {
                        statement
                            .query_row(params_from_iter(params.iter().map(bound)), |row| row.get(0))
                    })
                    .map_err(unavailable)?;
                let limit = scimitar_sql::page(start, count, dialect, &mut params);
                let found = matching(&params, &format!("ORDER BY r.seq {limit}"))?;
                ListPage::page(found, usize::try_from(total).map_err(unavailable)?)
            }
        })
    }

    /// `filter` as SQL, if the registry knows `resource_type` and accepts the filter.
    fn translate(
        registry: &SchemaRegistry,
        filter: &Filter,
        resource_type: &str,
    ) -> Option<Translation> {
        let kind = registry.resource_type(resource_type)?;
        try_translate(filter, kind, registry, Dialect::Sqlite).ok()
    }
}
