//! The rows of `attr_values`: what a store writes for each resource.

use chrono::{DateTime, Datelike, FixedOffset, Timelike};
use serde_json::{Map, Value};

use scimitar_filter::AttrName;
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{Resource, ResourceType, SchemaRegistry, fold_for_comparison};

/// One row of the `attr_values` table, without the `tenant`, `resource_type` and `id`
/// columns, which the store fills in from the resource it writes.
///
/// A row is one value that a filter can test: see the crate documentation for the full
/// layout. Exactly one of `text`, `num` and `bool` is set for a scalar value (`folded`
/// and, for strings that are RFC 3339 instants, `ts` go with `text`); none is set for an
/// *opaque* row, which stands for something a filter sees as a value but never compares
/// equal to anything (a `null` `value` sub-attribute, a nested array), and for the marker
/// rows described in the crate documentation.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AttrRow {
    /// The canonical, lower-case path: `username`, `name.familyname`, `emails.value`,
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:department`; a path
    /// ending in `.` marks one element of a complex attribute.
    pub path: String,
    /// The element: the 1-based position in a multi-valued attribute, 0 for a value that
    /// is not in an array.
    pub elem: i64,
    /// A string value, as stored.
    pub text: Option<String>,
    /// A string value folded ([`scimitar_schema::fold_for_comparison`]: width, case and
    /// Unicode normalisation), for comparisons that ignore case.
    pub folded: Option<String>,
    /// A number, as a double.
    pub num: Option<f64>,
    /// A string value that is an RFC 3339 date-time, as its UTC instant written
    /// `YYYY-MM-DDTHH:MM:SS.fffffffffZ` (nine fraction digits), so that text order is
    /// instant order.
    pub ts: Option<String>,
    /// A boolean value.
    pub bool: Option<bool>,
}

impl AttrRow {
    /// A row with no value: an opaque value or a marker.
    fn opaque(path: &str, elem: i64) -> Self {
        Self {
            path: path.to_owned(),
            elem,
            text: None,
            folded: None,
            num: None,
            ts: None,
            bool: None,
        }
    }

    /// The row of one scalar (or opaque) value.
    fn scalar(path: &str, elem: i64, value: &Value) -> Self {
        let mut row = Self::opaque(path, elem);
        match value {
            Value::String(text) => {
                row.folded = Some(fold_for_comparison(text).into_owned());
                row.ts = instant_key(text);
                row.text = Some(text.clone());
            }
            Value::Number(number) => row.num = number.as_f64(),
            Value::Bool(flag) => row.bool = Some(*flag),
            Value::Null | Value::Array(_) | Value::Object(_) => {}
        }
        row
    }
}

/// The `attr_values` rows of `resource`, a resource of `resource_type`: every attribute
/// of the top level and of each extension object of `resource_type`'s registered
/// extensions, down to sub-attributes. The store writes them in the same transaction as
/// the resource, after deleting the resource's previous rows.
///
/// Names are matched ignoring ASCII case, as filters do; keys that are not attribute
/// names (or that a resource gives twice in different case, which validation refuses)
/// are not indexed.
///
/// ```
/// use scimitar_schema::{Resource, SchemaRegistry};
/// use scimitar_sql::index_rows;
/// use serde_json::json;
///
/// let registry = SchemaRegistry::core();
/// let users = registry.resource_type("User").unwrap();
/// let user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "BJensen",
///     "emails": [{"value": "b@example.com", "type": "work"}],
/// }))?;
/// let rows = index_rows(&user, users, &registry);
/// let user_name = rows.iter().find(|row| row.path == "username").unwrap();
/// assert_eq!(user_name.folded.as_deref(), Some("bjensen"));
/// // A complex value's `value` is indexed under the attribute itself as well.
/// assert!(rows.iter().any(|row| row.path == "emails" && row.elem == 1));
/// assert!(rows.iter().any(|row| row.path == "emails.type" && row.elem == 1));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn index_rows(
    resource: &Resource,
    resource_type: &ResourceType,
    registry: &SchemaRegistry,
) -> Vec<AttrRow> {
    let mut rows = Vec::new();
    index_container(resource.as_map(), "", resource_type, &mut rows);
    for (schema, _) in registry.extensions(resource_type) {
        if let Some(Value::Object(extension)) = get_ci(resource.as_map(), &schema.id) {
            index_container(extension, &urn_prefix(&schema.id), resource_type, &mut rows);
        }
    }
    rows
}

/// Core attributes that get no rows, by resource type: a group's `members`, which may
/// number in the hundreds of thousands and change a few at a time, would make every
/// membership change rewrite rows by the thousand. Stores keep members in a table of
/// their own; a filter that tests them is not translated (its translation is not
/// complete), so the caller evaluates it.
pub const UNINDEXED: &[(&str, &str)] = &[("Group", "members")];

/// Whether the core attribute `name` of `resource_type` gets rows (see [`UNINDEXED`]).
pub fn is_indexed(resource_type: &ResourceType, name: &str) -> bool {
    !UNINDEXED.iter().any(|(kind, attribute)| {
        kind.eq_ignore_ascii_case(&resource_type.name) && attribute.eq_ignore_ascii_case(name)
    })
}

/// `urn:…:user:` — the lower-case prefix of an extension's paths.
pub(crate) fn urn_prefix(urn: &str) -> String {
    let mut prefix = urn.to_ascii_lowercase();
    prefix.push(':');
    prefix
}

fn is_attr_name(key: &str) -> bool {
    AttrName::new(key).is_ok()
}

/// The attributes of the core level (`prefix` empty) or of an extension object.
fn index_container(
    container: &Map<String, Value>,
    prefix: &str,
    resource_type: &ResourceType,
    rows: &mut Vec<AttrRow>,
) {
    for (key, value) in container {
        if is_attr_name(key) && (!prefix.is_empty() || is_indexed(resource_type, key)) {
            let path = format!("{prefix}{}", key.to_ascii_lowercase());
            index_attribute(&path, value, rows);
        }
    }
}

/// One top-level attribute `path` whose value is `value`.
fn index_attribute(path: &str, value: &Value, rows: &mut Vec<AttrRow>) {
    match value {
        Value::Null => {}
        Value::Array(items) => {
            let mut on_path = false;
            for (index, item) in items.iter().enumerate() {
                let elem = position(index);
                match item {
                    Value::Null => {}
                    Value::Object(element) => {
                        if let Some(inner) = get_ci(element, "value") {
                            rows.push(AttrRow::scalar(path, elem, inner));
                            on_path = true;
                        }
                        index_element(path, elem, element, rows);
                    }
                    scalar => {
                        rows.push(AttrRow::scalar(path, elem, scalar));
                        on_path = true;
                    }
                }
            }
            if !on_path {
                // Marks the attribute as an array that has no value of its own.
                rows.push(AttrRow::opaque(path, 1));
            }
        }
        Value::Object(element) => {
            if let Some(inner) = get_ci(element, "value") {
                rows.push(AttrRow::scalar(path, 0, inner));
            }
            index_element(path, 0, element, rows);
        }
        scalar => rows.push(AttrRow::scalar(path, 0, scalar)),
    }
}

/// One complex value (`elem` 0) or element of a multi-valued complex attribute.
fn index_element(path: &str, elem: i64, element: &Map<String, Value>, rows: &mut Vec<AttrRow>) {
    rows.push(AttrRow::opaque(&format!("{path}."), elem));
    for (key, value) in element {
        if !is_attr_name(key) {
            continue;
        }
        let sub_path = format!("{path}.{}", key.to_ascii_lowercase());
        let before = rows.len();
        for scalar in scalars(value) {
            rows.push(AttrRow::scalar(&sub_path, elem, scalar));
        }
        if rows.len() == before {
            // The sub-attribute is there but holds no value (`null`, `[]`).
            rows.push(AttrRow::opaque(&sub_path, elem));
        }
    }
}

/// The values a comparison looks at, as filter evaluation defines them: each element of
/// an array (nulls skipped), and the `value` of a complex value.
fn scalars(value: &Value) -> impl Iterator<Item = &Value> {
    let items = match value {
        Value::Array(items) => items.as_slice(),
        value => std::slice::from_ref(value),
    };
    items.iter().filter_map(|item| match item {
        Value::Object(object) => get_ci(object, "value"),
        Value::Null => None,
        scalar => Some(scalar),
    })
}

fn position(index: usize) -> i64 {
    i64::try_from(index).map_or(i64::MAX, |index| index.saturating_add(1))
}

/// The `ts` key of `text` if it is an RFC 3339 date-time.
pub(crate) fn instant_key(text: &str) -> Option<String> {
    DateTime::parse_from_rfc3339(text)
        .ok()
        .map(|at| ts_key(&at))
}

/// `at` in UTC as `YYYY-MM-DDTHH:MM:SS.fffffffffZ`. A leap second is written as second
/// 60. The only years outside 0000–9999 that an RFC 3339 time can reach by its offset,
/// -1 and 10000, are written `-0001` and `~10000`, which keep text order.
pub(crate) fn ts_key(at: &DateTime<FixedOffset>) -> String {
    let utc = at.naive_utc();
    let (mut second, mut nanos) = (utc.second(), utc.nanosecond());
    if nanos >= 1_000_000_000 {
        second += 1;
        nanos -= 1_000_000_000;
    }
    let year = utc.year();
    let year = match year {
        0..=9999 => format!("{year:04}"),
        ..0 => format!("-{:04}", -year),
        _ => format!("~{year}"),
    };
    format!(
        "{year}-{:02}-{:02}T{:02}:{:02}:{second:02}.{nanos:09}Z",
        utc.month(),
        utc.day(),
        utc.hour(),
        utc.minute(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rows_of(value: Value) -> Vec<AttrRow> {
        let registry = SchemaRegistry::core();
        let users = registry.resource_type("User").unwrap();
        index_rows(&Resource::from_value(value).unwrap(), users, &registry)
    }

    fn summary(rows: &[AttrRow]) -> Vec<String> {
        let mut lines: Vec<String> = rows
            .iter()
            .map(|row| {
                let value = match (&row.text, row.num, row.bool) {
                    (Some(text), _, _) => format!("{text:?}"),
                    (_, Some(num), _) => num.to_string(),
                    (_, _, Some(flag)) => flag.to_string(),
                    _ => "-".into(),
                };
                format!("{}#{}={value}", row.path, row.elem)
            })
            .collect();
        lines.sort();
        lines
    }

    #[test]
    fn rows_cover_scalars_complex_values_elements_and_extensions() {
        let rows = rows_of(json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "UserName": "BJensen",
            "name": {"familyName": "Jensen", "middleName": null},
            "emails": [
                {"value": "a@x.org", "type": "work", "primary": true},
                {"type": "home"},
                null,
            ],
            "active": false,
            "x-score": 4.5,
            "not a name": "skipped",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
                "department": "Tour",
                "manager": {"value": "m1"},
            },
            "urn:example:unknown": {"department": "not indexed"},
        }));
        let e = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user";
        let mut expected = vec![
            "active#0=false".to_owned(),
            "emails#1=\"a@x.org\"".into(),
            "emails.#1=-".into(),
            "emails.#2=-".into(),
            "emails.primary#1=true".into(),
            "emails.type#1=\"work\"".into(),
            "emails.type#2=\"home\"".into(),
            "emails.value#1=\"a@x.org\"".into(),
            "name.#0=-".into(),
            "name.familyname#0=\"Jensen\"".into(),
            "name.middlename#0=-".into(),
            "schemas#1=\"urn:ietf:params:scim:schemas:core:2.0:User\"".into(),
            "username#0=\"BJensen\"".into(),
            "x-score#0=4.5".into(),
            format!("{e}:department#0=\"Tour\""),
            format!("{e}:manager#0=\"m1\""),
            format!("{e}:manager.#0=-"),
            format!("{e}:manager.value#0=\"m1\""),
        ];
        expected.sort();
        assert_eq!(summary(&rows), expected);
        let user_name = rows.iter().find(|row| row.path == "username").unwrap();
        assert_eq!(user_name.folded.as_deref(), Some("bjensen"));
        assert_eq!(user_name.ts, None);
    }

    #[test]
    fn an_array_without_values_of_its_own_is_marked() {
        let rows = rows_of(json!({"emails": [], "groups": [{"display": "x"}]}));
        assert_eq!(
            summary(&rows),
            [
                "emails#1=-",
                "groups#1=-",
                "groups.#1=-",
                "groups.display#1=\"x\""
            ]
        );
    }

    #[test]
    fn instants_are_normalised_to_utc_with_nanoseconds() {
        let key = |text: &str| instant_key(text).unwrap();
        assert_eq!(
            key("2011-05-13T04:42:34Z"),
            "2011-05-13T04:42:34.000000000Z"
        );
        assert_eq!(
            key("2011-05-13T06:42:34.5+02:00"),
            "2011-05-13T04:42:34.500000000Z"
        );
        assert_eq!(
            key("2011-05-12T23:59:59.123456789-05:00"),
            "2011-05-13T04:59:59.123456789Z"
        );
        assert_eq!(instant_key("yesterday"), None);
        assert_eq!(instant_key("2011-05-13"), None);
        let low = key("0000-01-01T00:00:00+01:00");
        let high = key("9999-12-31T23:59:59-01:00");
        assert!(low.starts_with("-0001-12-31T23"), "{low}");
        assert!(high.starts_with("~10000-01-01T00"), "{high}");
        let ordered = [
            low,
            key("0000-01-01T00:00:00Z"),
            key("2016-12-31T23:59:59Z"),
            key("2016-12-31T23:59:60Z"),
            key("2017-01-01T00:00:00Z"),
            key("9999-12-31T23:59:59Z"),
            high,
        ];
        for pair in ordered.windows(2) {
            assert!(pair[0] < pair[1], "{} < {}", pair[0], pair[1]);
        }
    }
}
