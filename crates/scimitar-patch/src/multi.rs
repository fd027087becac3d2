//! Multi-valued attributes: duplicate detection, listed removal and `primary`, each in
//! time linear in the values involved.

use std::collections::{HashMap, HashSet};
use std::hash::{Hash, Hasher};

use serde_json::{Map, Value};

use scimitar_schema::__private::json::get_ci;
use scimitar_schema::AttributeDef;

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
    scimitar_schema::__private::json::insert_ci(object, "primary", Value::Bool(false));
}

/// Appends the `added` values that `values` does not hold yet (nor `added` itself
/// earlier). A new primary value takes `primary` from the others. Returns how many
/// values were appended. The set is built over the added values and the existing ones
/// are only looked up, so a large attribute costs one pass.
pub(crate) fn append_new(values: &mut Vec<Value>, added: Vec<Value>, case_exact: bool) -> usize {
    let fresh: Vec<bool> = {
        let mut first_of: HashMap<Identity<'_>, usize> = HashMap::with_capacity(added.len());
        let mut fresh: Vec<bool> = added
            .iter()
            .enumerate()
            .map(|(index, value)| {
                *first_of
                    .entry(Identity::of(value, case_exact))
                    .or_insert(index)
                    == index
            })
            .collect();
        for value in values.iter() {
            if let Some(&index) = first_of.get(&Identity::of(value, case_exact)) {
                fresh[index] = false;
            }
        }
        fresh
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

/// The positions of the values whose identity is one of `listed`'s, ascending.
pub(crate) fn positions_of_listed(
    values: &[Value],
    listed: &[Value],
    case_exact: bool,
) -> Vec<usize> {
    let listed: HashSet<Identity<'_>> = listed
        .iter()
        .map(|value| Identity::of(value, case_exact))
        .collect();
    values
        .iter()
        .enumerate()
        .filter(|(_, value)| listed.contains(&Identity::of(value, case_exact)))
        .map(|(index, _)| index)
        .collect()
}

/// Removes the values at `positions` (ascending) in one pass, and returns them with
/// their positions, for the undo log.
pub(crate) fn remove_positions(
    values: &mut Vec<Value>,
    positions: &[usize],
) -> Vec<(usize, Value)> {
    if positions.is_empty() {
        return Vec::new();
    }
    let mut removed = Vec::with_capacity(positions.len());
    let mut kept = Vec::with_capacity(values.len() - positions.len().min(values.len()));
    let mut next = positions.iter().peekable();
    for (index, value) in std::mem::take(values).into_iter().enumerate() {
        if next.peek() == Some(&&index) {
            next.next();
            removed.push((index, value));
        } else {
            kept.push(value);
        }
    }
    *values = kept;
    removed
}

/// Puts back values taken by [`remove_positions`], in one pass.
pub(crate) fn restore_positions(values: &mut Vec<Value>, removed: Vec<(usize, Value)>) {
    let mut merged = Vec::with_capacity(values.len() + removed.len());
    let mut kept = std::mem::take(values).into_iter();
    for (index, value) in removed {
        while merged.len() < index {
            match kept.next() {
                Some(kept_value) => merged.push(kept_value),
                None => break,
            }
        }
        merged.push(value);
    }
    merged.extend(kept);
    *values = merged;
}
