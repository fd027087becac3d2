//! Multi-valued attributes: duplicate detection, listed removal and `primary`, each in
//! time linear in the values involved.

use std::collections::HashSet;
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use scimitar_schema::AttributeDef;
use scimitar_schema::json::get_ci;

/// What makes two values of a multi-valued attribute the same value: the `value`
/// sub-attribute of complex values (`members`, `emails`), otherwise the whole value.
/// Text compares ignoring ASCII case unless the attribute is `caseExact`.
enum Identity<'a> {
    Text { text: &'a str, case_exact: bool },
    Json(String),
}

impl<'a> Identity<'a> {
    fn of(value: &'a Value, case_exact: bool) -> Self {
        let key = match value {
            Value::Object(object) => get_ci(object, "value"),
            other => Some(other),
        };
        match key {
            Some(Value::String(text)) => Self::Text { text, case_exact },
            Some(other) => Self::Json(other.to_string()),
            None => Self::Json(value.to_string()),
        }
    }
}

impl Hash for Identity<'_> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            Self::Text {
                text,
                case_exact: true,
            } => text.hash(state),
            Self::Text {
                text,
                case_exact: false,
            } => {
                for byte in text.bytes() {
                    state.write_u8(byte.to_ascii_lowercase());
                }
                state.write_u8(0xff);
            }
            Self::Json(text) => text.hash(state),
        }
    }
}

impl PartialEq for Identity<'_> {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (
                Self::Text {
                    text: left,
                    case_exact: true,
                },
                Self::Text { text: right, .. },
            ) => left == right,
            (Self::Text { text: left, .. }, Self::Text { text: right, .. }) => {
                left.eq_ignore_ascii_case(right)
            }
            (Self::Json(left), Self::Json(right)) => left == right,
            _ => false,
        }
    }
}

impl Eq for Identity<'_> {}

/// Whether identities of `def`'s values compare case-sensitively.
pub(crate) fn identity_case_exact(def: &AttributeDef) -> bool {
    match def.sub_attribute("value") {
        Some(value) if def.is_complex() => value.case_exact,
        _ => def.case_exact,
    }
}

pub(crate) fn is_primary(value: &Value) -> bool {
    value
        .as_object()
        .and_then(|object| get_ci(object, "primary"))
        == Some(&Value::Bool(true))
}

/// Makes `values[keep]` the only primary value: others lose `primary: true`.
pub(crate) fn keep_one_primary(values: &mut [Value], keep: usize) {
    for (index, value) in values.iter_mut().enumerate() {
        if index != keep
            && is_primary(value)
            && let Some(object) = value.as_object_mut()
        {
            set_primary_false(object);
        }
    }
}

fn set_primary_false(object: &mut Map<String, Value>) {
    scimitar_schema::json::insert_ci(object, "primary", Value::Bool(false));
}

/// Appends the `added` values that `values` does not hold yet (nor `added` itself
/// earlier). A new primary value takes `primary` from the others. Returns how many
/// values were appended.
pub(crate) fn append_new(values: &mut Vec<Value>, added: Vec<Value>, case_exact: bool) -> usize {
    let fresh: Vec<bool> = {
        let mut seen: HashSet<Identity<'_>> = values
            .iter()
            .map(|value| Identity::of(value, case_exact))
            .collect();
        added
            .iter()
            .map(|value| seen.insert(Identity::of(value, case_exact)))
            .collect()
    };
    let before = values.len();
    values.extend(
        added
            .into_iter()
            .zip(fresh)
            .filter_map(|(value, fresh)| fresh.then_some(value)),
    );
    if let Some(primary) = (before..values.len())
        .rev()
        .find(|&index| is_primary(&values[index]))
    {
        keep_one_primary(values, primary);
    }
    values.len() - before
}

/// Removes every value whose identity is one of `listed`'s. Returns how many were
/// removed.
pub(crate) fn remove_listed(values: &mut Vec<Value>, listed: &[Value], case_exact: bool) -> usize {
    let listed: HashSet<Identity<'_>> = listed
        .iter()
        .map(|value| Identity::of(value, case_exact))
        .collect();
    let before = values.len();
    values.retain(|value| !listed.contains(&Identity::of(value, case_exact)));
    before - values.len()
}
