//! The PatchOp message (RFC 7644 §3.5.2).

use serde_json::{Map, Value};

use scimitar_filter::{ParseOptions, PatchPath};
use scimitar_schema::__private::json::{get_ci, json_kind};
use scimitar_schema::{ScimError, urn};

use crate::compat::Compat;

/// The kind of one operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OpKind {
    /// `add`: sets an attribute, merges a complex value, appends to a multi-valued one.
    Add,
    /// `remove`: unassigns an attribute or removes selected values.
    Remove,
    /// `replace`: replaces values.
    Replace,
}

impl OpKind {
    /// The RFC spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Add => "add",
            Self::Remove => "remove",
            Self::Replace => "replace",
        }
    }
}

/// One operation of a PATCH request.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PatchOperation {
    /// What to do.
    pub op: OpKind,
    /// Where; `None` targets the resource itself.
    pub path: Option<PatchPath>,
    /// The value, for `add` and `replace` (and for the listed-values `remove` of
    /// [`Compat::remove_listed_values`]).
    pub value: Option<Value>,
}

impl PatchOperation {
    /// An operation.
    pub fn new(op: OpKind, path: Option<PatchPath>, value: Option<Value>) -> Self {
        Self { op, path, value }
    }
}

/// A PATCH request: its operations, in order.
///
/// ```
/// use scimitar_patch::{Compat, OpKind, PatchRequest};
///
/// let body = br#"{
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "Replace", "path": "active", "value": "False"}]
/// }"#;
/// let request = PatchRequest::from_json(body, &Compat::ENTRA)?;
/// assert_eq!(request.operations[0].op, OpKind::Replace);
/// assert!(PatchRequest::from_json(body, &Compat::STRICT).is_err());
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct PatchRequest {
    /// The operations, applied in order, all or none.
    pub operations: Vec<PatchOperation>,
}

impl PatchRequest {
    /// A request of these operations.
    pub fn new(operations: Vec<PatchOperation>) -> Self {
        Self { operations }
    }

    /// Parses a request body. Malformed JSON, a body that is not a PatchOp message or an
    /// operation without a valid `op` is `400 invalidSyntax`; an unparsable `path` is
    /// `400 invalidPath`.
    pub fn from_json(body: &[u8], compat: &Compat) -> Result<Self, ScimError> {
        let value = serde_json::from_slice(body)
            .map_err(|err| ScimError::invalid_syntax(format!("malformed JSON: {err}")))?;
        Self::from_value(&value, compat)
    }

    /// Reads a request from its JSON value; see [`PatchRequest::from_json`].
    pub fn from_value(body: &Value, compat: &Compat) -> Result<Self, ScimError> {
        let Value::Object(body) = body else {
            return Err(not_a_patch_op(format!("the body is {}", json_kind(body))));
        };
        let lists_patch_op = get_ci(body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|schemas| {
                schemas.iter().any(|schema| {
                    schema
                        .as_str()
                        .is_some_and(|schema| schema.eq_ignore_ascii_case(urn::PATCH_OP))
                })
            });
        if !lists_patch_op {
            return Err(not_a_patch_op(format!(
                "'schemas' must list '{}'",
                urn::PATCH_OP
            )));
        }
        let operations = match get_ci(body, "Operations") {
            Some(Value::Array(operations)) if !operations.is_empty() => operations,
            Some(Value::Array(_)) => {
                return Err(not_a_patch_op("'Operations' is empty".to_owned()));
            }
            Some(other) => {
                return Err(not_a_patch_op(format!(
                    "'Operations' is {}, not an array",
                    json_kind(other)
                )));
            }
            None => return Err(not_a_patch_op("'Operations' is missing".to_owned())),
        };
        let path_options = ParseOptions::default().lenient(compat.lenient_paths);
        let operations = operations
            .iter()
            .enumerate()
            .map(|(index, operation)| operation_from(index, operation, compat, &path_options))
            .collect::<Result<_, _>>()?;
        Ok(Self { operations })
    }
}

fn not_a_patch_op(why: String) -> ScimError {
    ScimError::invalid_syntax(format!("not a PatchOp message: {why}"))
}

fn operation_from(
    index: usize,
    operation: &Value,
    compat: &Compat,
    path_options: &ParseOptions,
) -> Result<PatchOperation, ScimError> {
    let number = index + 1;
    let Value::Object(operation) = operation else {
        return Err(ScimError::invalid_syntax(format!(
            "operation {number} is {}, not an object",
            json_kind(operation)
        )));
    };
    let op = op_kind(operation, compat).ok_or_else(|| {
        ScimError::invalid_syntax(format!(
            "operation {number} needs \"op\": \"add\", \"remove\" or \"replace\""
        ))
    })?;
    let path = match get_ci(operation, "path") {
        None | Some(Value::Null) => None,
        Some(Value::String(path)) if path.trim().is_empty() => None,
        Some(Value::String(path)) => {
            Some(PatchPath::parse_with(path, path_options).map_err(|err| {
                ScimError::invalid_path(format!("operation {number}: invalid path {path:?}: {err}"))
            })?)
        }
        Some(other) => {
            return Err(ScimError::invalid_path(format!(
                "operation {number}: 'path' is {}, not a string",
                json_kind(other)
            )));
        }
    };
    let value = get_ci(operation, "value").cloned();
    if op != OpKind::Remove && value.is_none() {
        return Err(ScimError::invalid_syntax(format!(
            "operation {number} ({}) needs a 'value'",
            op.as_str()
        )));
    }
    Ok(PatchOperation { op, path, value })
}

fn op_kind(operation: &Map<String, Value>, compat: &Compat) -> Option<OpKind> {
    let op = get_ci(operation, "op")?.as_str()?;
    [OpKind::Add, OpKind::Remove, OpKind::Replace]
        .into_iter()
        .find(|kind| {
            if compat.op_any_case {
                kind.as_str().eq_ignore_ascii_case(op)
            } else {
                kind.as_str() == op
            }
        })
}
