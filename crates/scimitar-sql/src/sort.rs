//! `sortBy`, `sortOrder` and paging (RFC 7644 §3.4.2.3, §3.4.2.4).

use scimitar_filter::SortBy;
use scimitar_schema::{AttributeDef, AttributeType, ResourceType, SchemaRegistry};

use crate::dialect::{Dialect, SqlValue};
use crate::translate::{compared, locate};

/// `sortOrder` (RFC 7644 §3.4.2.3).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum SortOrder {
    /// `ascending`, the default.
    #[default]
    Ascending,
    /// `descending`.
    Descending,
}

/// The SQL expression of the key that sorts a resource `r` by `sort_by`: the value at
/// that path of the `primary` element of a multi-valued attribute, else of its first
/// element; `NULL` when that element has none (even if a later one has), or when
/// [`is_sortable`] says SQL cannot sort by the path.
///
/// The column follows the attribute's type: `folded` for strings (`text` when
/// `caseExact`), `ts` for `dateTime` (so instants sort in time order whatever their
/// offset), `num` for numbers, `bool` for booleans. A value of another JSON type than
/// the schema's (or a `dateTime` that is not RFC 3339) sorts as missing, and so does an
/// attribute behind a URN the resource type does not know. Parameters are appended to
/// `params`.
///
/// ```
/// use scimitar_schema::SchemaRegistry;
/// use scimitar_sql::{sort_key, Dialect};
///
/// let registry = SchemaRegistry::core();
/// let users = registry.resource_type("User").unwrap();
/// let mut params = Vec::new();
/// let key = sort_key(&"name.familyName".parse()?, users, &registry, Dialect::Sqlite, &mut params);
/// assert_eq!(
///     key,
///     "(SELECT v.folded FROM attr_values v WHERE v.tenant = r.tenant \
///      AND v.resource_type = r.resource_type AND v.id = r.id AND v.path = ?1 \
///      ORDER BY v.elem, v.n LIMIT 1)",
/// );
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn sort_key(
    sort_by: &SortBy,
    resource_type: &ResourceType,
    registry: &SchemaRegistry,
    dialect: Dialect,
    params: &mut Vec<SqlValue>,
) -> String {
    let path = &sort_by.0;
    // An unknown URN, or an attribute without rows, sorts as if absent: the caller
    // sorts by it itself.
    let Some((attr_path, def)) = locate(registry, resource_type, path.urn.as_ref(), &path.name)
    else {
        return "NULL".to_owned();
    };
    let compared = compared(def, path.sub_attr.as_ref());
    let column = sort_column(compared);
    let key_path = match &path.sub_attr {
        Some(sub_attr) => format!("{attr_path}.{}", sub_attr.as_str().to_ascii_lowercase()),
        None => attr_path.clone(),
    };
    // A single-valued attribute has one element; a multi-valued one (or one the schemas
    // do not know) is sorted by its primary element first.
    let multi_valued = def.is_none_or(|def| def.multi_valued);
    let path_param = dialect.bind(params, SqlValue::Text(key_path));
    let mut sql = format!(
        "(SELECT v.{column} FROM attr_values v WHERE v.tenant = r.tenant \
         AND v.resource_type = r.resource_type AND v.id = r.id AND v.path = {path_param} "
    );
    if multi_valued {
        // The element first (its rows at `attr`, or its marker at `attr.`), then its
        // value: an element without one sorts as missing, as in evaluation.
        let attr_param = dialect.bind(params, SqlValue::Text(attr_path.clone()));
        let marker_param = dialect.bind(params, SqlValue::Text(format!("{attr_path}.")));
        let primary_param = dialect.bind(params, SqlValue::Text(format!("{attr_path}.primary")));
        sql.push_str(&format!(
            "AND v.elem = (SELECT e.elem FROM attr_values e WHERE e.tenant = r.tenant \
             AND e.resource_type = r.resource_type AND e.id = r.id \
             AND e.path IN ({attr_param}, {marker_param}) ORDER BY \
             EXISTS (SELECT 1 FROM attr_values p WHERE p.tenant = e.tenant \
             AND p.resource_type = e.resource_type AND p.id = e.id AND p.elem = e.elem \
             AND p.path = {primary_param} AND p.bool = TRUE) DESC, e.elem LIMIT 1) "
        ));
    }
    sql.push_str("ORDER BY ");
    sql.push_str("v.elem, v.n LIMIT 1)");
    if dialect == Dialect::Postgres && matches!(column, "text" | "folded" | "ts") {
        sql.push_str(" COLLATE \"C\"");
    }
    sql
}

/// Whether [`sort_key`] sorts by `sort_by` as evaluation would: false for an attribute
/// behind a schema URN the resource type does not know, or one that gets no rows
/// ([`UNINDEXED`](crate::UNINDEXED)), which the caller sorts itself.
///
/// ```
/// use scimitar_schema::SchemaRegistry;
/// use scimitar_sql::is_sortable;
///
/// let registry = SchemaRegistry::core();
/// let groups = registry.resource_type("Group").unwrap();
/// assert!(is_sortable(&"displayName".parse()?, groups, &registry));
/// assert!(!is_sortable(&"members.value".parse()?, groups, &registry));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn is_sortable(
    sort_by: &SortBy,
    resource_type: &ResourceType,
    registry: &SchemaRegistry,
) -> bool {
    let path = &sort_by.0;
    locate(registry, resource_type, path.urn.as_ref(), &path.name).is_some()
}

fn sort_column(def: Option<&AttributeDef>) -> &'static str {
    match def {
        Some(def) => match def.kind {
            AttributeType::Boolean => "bool",
            AttributeType::Integer | AttributeType::Decimal => "num",
            AttributeType::DateTime => "ts",
            _ if def.case_exact => "text",
            _ => "folded",
        },
        None => "folded",
    }
}

/// The `ORDER BY` clause for `sortBy` and `sortOrder`: by [`sort_key`], resources
/// without a value last in either order, then in the store's order of creation
/// (`r.seq`), which is also the whole order when there is no `sortBy`.
///
/// ```
/// use scimitar_schema::SchemaRegistry;
/// use scimitar_sql::{order_by, Dialect, SortOrder};
///
/// let registry = SchemaRegistry::core();
/// let users = registry.resource_type("User").unwrap();
/// let mut params = Vec::new();
/// let none = order_by(None, SortOrder::Ascending, users, &registry, Dialect::Sqlite, &mut params);
/// assert_eq!(none, "ORDER BY r.seq");
/// let sort_by = "userName".parse()?;
/// let clause = order_by(Some(&sort_by), SortOrder::Descending, users, &registry, Dialect::Postgres, &mut params);
/// assert!(clause.ends_with(r#"LIMIT 1) COLLATE "C" DESC NULLS LAST, r.seq"#));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn order_by(
    sort_by: Option<&SortBy>,
    order: SortOrder,
    resource_type: &ResourceType,
    registry: &SchemaRegistry,
    dialect: Dialect,
    params: &mut Vec<SqlValue>,
) -> String {
    let Some(sort_by) = sort_by else {
        return "ORDER BY r.seq".to_owned();
    };
    let key = sort_key(sort_by, resource_type, registry, dialect, params);
    let direction = match order {
        SortOrder::Ascending => "ASC",
        SortOrder::Descending => "DESC",
    };
    format!("ORDER BY {key} {direction} NULLS LAST, r.seq")
}

/// `LIMIT ?n OFFSET ?m` for the page of `count` resources from the 0-based `start`
/// (a SCIM `startIndex` of 1 is `start` 0). Parameters are appended to `params`.
///
/// ```
/// use scimitar_sql::{page, Dialect, SqlValue};
/// let mut params = vec![SqlValue::from("username")];
/// assert_eq!(page(20, 10, Dialect::Sqlite, &mut params), "LIMIT ?2 OFFSET ?3");
/// assert_eq!(params[1..], [SqlValue::Integer(10), SqlValue::Integer(20)]);
/// ```
pub fn page(start: usize, count: usize, dialect: Dialect, params: &mut Vec<SqlValue>) -> String {
    let as_sql = |n: usize| SqlValue::Integer(i64::try_from(n).unwrap_or(i64::MAX));
    let limit = dialect.bind(params, as_sql(count));
    let offset = dialect.bind(params, as_sql(start));
    format!("LIMIT {limit} OFFSET {offset}")
}
