//! Caps on the size of one PATCH request, checked before any operation applies.

use serde_json::Value;

use scimitar_schema::{ScimError, ScimType};

use crate::message::PatchRequest;

/// The most operations, and the longest string, one PATCH request may hold. RFC 7644's
/// `ServiceProviderConfig` has no field for them (its `patch` lists only `supported`),
/// so a server documents them instead.
///
/// The defaults are far above what Microsoft Entra ID and Okta send: Entra writes a user
/// in one operation per changed attribute (a few dozen at most) and a group's
/// membership changes in batches of members inside a handful of operations; Okta sends
/// one path-less `replace`, or `replace` of `members` with the whole list as one value.
/// Their longest strings are directory attributes of at most a few hundred characters
/// (Entra's extension attributes hold up to 1,024) and X.509 certificates of a few KiB.
///
/// ```
/// use scimitar_patch::{Compat, PatchLimits, PatchRequest};
/// use scimitar_schema::ScimType;
/// use serde_json::json;
///
/// let request = PatchRequest::from_value(&json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [
///         {"op": "replace", "path": "displayName", "value": "Babs"},
///         {"op": "replace", "path": "nickName", "value": "Babs"},
///     ],
/// }), &Compat::STRICT)?;
/// assert!(PatchLimits::default().check(&request).is_ok());
/// let error = PatchLimits::default().max_operations(1).check(&request).unwrap_err();
/// assert_eq!(error.scim_type, Some(ScimType::TooMany));
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchLimits {
    /// The most operations in one request. Default: 1,000.
    pub max_operations: usize,
    /// The longest string, in bytes of UTF-8, anywhere in an operation's value (an
    /// attribute's value or a name in a path-less value). Default: 65,536 (64 KiB).
    pub max_value_length: usize,
}

impl Default for PatchLimits {
    fn default() -> Self {
        Self {
            max_operations: 1000,
            max_value_length: 64 * 1024,
        }
    }
}

impl PatchLimits {
    /// Sets [`max_operations`](Self::max_operations).
    pub fn max_operations(mut self, operations: usize) -> Self {
        self.max_operations = operations;
        self
    }

    /// Sets [`max_value_length`](Self::max_value_length).
    pub fn max_value_length(mut self, bytes: usize) -> Self {
        self.max_value_length = bytes;
        self
    }

    /// Checks `request` against the caps: more operations than `max_operations` is
    /// `400 tooMany`, a longer string than `max_value_length` is `400 invalidValue`;
    /// each detail names the cap. Call it before [`apply`](crate::apply), which then
    /// never sees an oversized request.
    pub fn check(&self, request: &PatchRequest) -> Result<(), ScimError> {
        let count = request.operations.len();
        if count > self.max_operations {
            return Err(ScimError::bad_request(
                ScimType::TooMany,
                format!(
                    "{count} operations; a PATCH request may hold at most {} (max_operations)",
                    self.max_operations
                ),
            ));
        }
        for (index, operation) in request.operations.iter().enumerate() {
            let Some(value) = &operation.value else {
                continue;
            };
            if let Some(length) = longest_string_over(value, self.max_value_length) {
                return Err(ScimError::invalid_value(format!(
                    "operation {}: a value of {length} bytes; a value may hold at most {} \
                     (max_value_length)",
                    index + 1,
                    self.max_value_length
                )));
            }
        }
        Ok(())
    }
}

/// The length of the first string (object keys included) in `value` longer than `max`.
/// Walks with its own stack: a value built in code may nest deeper than the call stack.
fn longest_string_over(value: &Value, max: usize) -> Option<usize> {
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        match value {
            Value::String(text) if text.len() > max => return Some(text.len()),
            Value::Array(values) => pending.extend(values),
            Value::Object(map) => {
                if let Some(key) = map.keys().find(|key| key.len() > max) {
                    return Some(key.len());
                }
                pending.extend(map.values());
            }
            _ => {}
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_strings_at_any_depth_and_in_keys() {
        let long = "x".repeat(11);
        assert_eq!(longest_string_over(&json!(long), 10), Some(11));
        assert_eq!(longest_string_over(&json!([[{"a": [long]}]]), 10), Some(11));
        assert_eq!(
            longest_string_over(&json!({ long.clone(): 1 }), 10),
            Some(11)
        );
        assert_eq!(longest_string_over(&json!({"a": "x".repeat(10)}), 10), None);
        assert_eq!(longest_string_over(&json!([1, true, null]), 0), None);
    }

    #[test]
    fn a_deeply_nested_value_is_walked_without_recursion() {
        let mut value = json!("x".repeat(11));
        for _ in 0..100_000 {
            value = Value::Array(vec![value]);
        }
        assert_eq!(longest_string_over(&value, 10), Some(11));
        // Dropping a deep `Value` recurses in serde_json itself: unnest it first.
        while let Value::Array(mut inner) = value {
            value = inner.pop().unwrap_or_default();
        }
    }
}
