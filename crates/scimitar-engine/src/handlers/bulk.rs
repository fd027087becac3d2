//! `/Bulk` (RFC 7644 §3.7): many writes in one request, with `bulkId` references.

use std::collections::HashMap;

use bytes::Bytes;
use http::{Method, Response, StatusCode};
use serde_json::{Map, Value, json};

use scimitar_patch::PatchRequest;
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{Resource, ScimError, urn};

use crate::engine::{Call, Engine};
use crate::ops::Preconditions;
use crate::response;
use crate::route::Route;
use crate::store::ResourceStore;

/// One operation of a bulk request, as read.
struct BulkOperation {
    method: Method,
    bulk_id: Option<String>,
    version: Option<String>,
    path: String,
    data: Option<Value>,
}

/// The `bulkId`s a value refers to (`"bulkId:qwerty"` anywhere in it).
fn references(value: &Value, found: &mut Vec<String>) {
    match value {
        Value::String(text) => {
            if let Some(id) = text.strip_prefix("bulkId:") {
                found.push(id.to_owned());
            }
        }
        Value::Array(items) => items.iter().for_each(|item| references(item, found)),
        Value::Object(object) => object.values().for_each(|item| references(item, found)),
        _ => {}
    }
}

/// Replaces every `"bulkId:x"` string by the id created for `x`.
fn resolve(value: &mut Value, created: &HashMap<String, String>) {
    match value {
        Value::String(text) => {
            if let Some(id) = text
                .strip_prefix("bulkId:")
                .and_then(|bulk_id| created.get(bulk_id))
            {
                *text = id.clone();
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| resolve(item, created)),
        Value::Object(object) => object.values_mut().for_each(|item| resolve(item, created)),
        _ => {}
    }
}

fn read_operation(number: usize, operation: &Value) -> Result<BulkOperation, ScimError> {
    let Value::Object(operation) = operation else {
        return Err(ScimError::invalid_syntax(format!(
            "bulk operation {number} is not an object"
        )));
    };
    let text = |name: &str| {
        get_ci(operation, name)
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let method = text("method")
        .and_then(|method| match method.to_ascii_uppercase().as_str() {
            "POST" => Some(Method::POST),
            "PUT" => Some(Method::PUT),
            "PATCH" => Some(Method::PATCH),
            "DELETE" => Some(Method::DELETE),
            _ => None,
        })
        .ok_or_else(|| {
            ScimError::invalid_syntax(format!(
                "bulk operation {number} needs a method: POST, PUT, PATCH or DELETE"
            ))
        })?;
    let path = text("path").ok_or_else(|| {
        ScimError::invalid_syntax(format!("bulk operation {number} needs a path"))
    })?;
    let bulk_id = text("bulkId");
    if method == Method::POST && bulk_id.is_none() {
        return Err(ScimError::invalid_syntax(format!(
            "bulk operation {number} (POST) needs a bulkId"
        )));
    }
    Ok(BulkOperation {
        method,
        bulk_id,
        version: text("version"),
        path,
        data: get_ci(operation, "data").cloned(),
    })
}

impl<S: ResourceStore> Engine<S> {
    /// `POST /Bulk`.
    pub(crate) async fn bulk(
        &self,
        call: &Call<'_>,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        if body.len() > self.config.bulk_max_payload_size {
            return Err(ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the bulk request of {} bytes is over maxPayloadSize ({})",
                    body.len(),
                    self.config.bulk_max_payload_size
                ),
            ));
        }
        let body = self.body_json(call, body, self.config.bulk_max_payload_size)?;
        let Value::Object(body) = body else {
            return Err(ScimError::invalid_syntax(
                "a bulk request must be a JSON object",
            ));
        };
        let lists_bulk = get_ci(&body, "schemas")
            .and_then(Value::as_array)
            .is_some_and(|schemas| {
                schemas.iter().any(|schema| {
                    schema
                        .as_str()
                        .is_some_and(|schema| schema.eq_ignore_ascii_case(urn::BULK_REQUEST))
                })
            });
        if !lists_bulk {
            return Err(ScimError::invalid_syntax(format!(
                "a bulk request's 'schemas' must list '{}'",
                urn::BULK_REQUEST
            )));
        }
        let Some(Value::Array(operations)) = get_ci(&body, "Operations") else {
            return Err(ScimError::invalid_syntax(
                "a bulk request needs an 'Operations' array",
            ));
        };
        if operations.len() > self.config.bulk_max_operations {
            return Err(ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "the bulk request has {} operations, over maxOperations ({})",
                    operations.len(),
                    self.config.bulk_max_operations
                ),
            ));
        }
        let fail_on_errors = get_ci(&body, "failOnErrors")
            .and_then(Value::as_u64)
            .map(|limit| limit.max(1));
        let operations = operations
            .iter()
            .enumerate()
            .map(|(index, operation)| read_operation(index + 1, operation))
            .collect::<Result<Vec<_>, _>>()?;
        let declared: HashMap<&str, usize> = operations
            .iter()
            .enumerate()
            .filter_map(|(index, operation)| Some((operation.bulk_id.as_deref()?, index)))
            .collect();

        let mut results: Vec<Option<Value>> = vec![None; operations.len()];
        let mut created: HashMap<String, String> = HashMap::new();
        let mut errors = 0u64;
        let mut pending: Vec<usize> = (0..operations.len()).collect();
        // Each pass runs the operations whose references are resolved; a pass that runs
        // nothing leaves only circular (or failed) references.
        while !pending.is_empty() {
            let mut progressed = false;
            let mut still_pending = Vec::new();
            for index in pending {
                if fail_on_errors.is_some_and(|limit| errors >= limit) {
                    break;
                }
                let operation = &operations[index];
                let mut referenced = Vec::new();
                if let Some(data) = &operation.data {
                    references(data, &mut referenced);
                }
                references(
                    &Value::String(operation.path.rsplit('/').next().unwrap_or("").to_owned()),
                    &mut referenced,
                );
                let unknown = referenced
                    .iter()
                    .find(|bulk_id| !declared.contains_key(bulk_id.as_str()));
                if let Some(unknown) = unknown {
                    results[index] = Some(self.failed(
                        operation,
                        &ScimError::invalid_value(format!("unknown bulkId {unknown:?}")),
                    ));
                    errors += 1;
                    progressed = true;
                    continue;
                }
                if referenced
                    .iter()
                    .any(|bulk_id| !created.contains_key(bulk_id))
                {
                    still_pending.push(index);
                    continue;
                }
                progressed = true;
                let result = self.run_bulk_operation(call, operation, &created).await;
                results[index] = Some(match result {
                    Ok((value, id)) => {
                        if let (Some(bulk_id), Some(id)) = (&operation.bulk_id, id) {
                            created.insert(bulk_id.clone(), id);
                        }
                        value
                    }
                    Err(error) => {
                        errors += 1;
                        self.failed(operation, &error)
                    }
                });
            }
            if !progressed {
                for index in &still_pending {
                    let error = ScimError::new(
                        StatusCode::CONFLICT,
                        "circular bulkId references, or a reference to an operation that failed",
                    );
                    results[*index] = Some(self.failed(&operations[*index], &error));
                }
                break;
            }
            pending = still_pending;
        }
        let body = json!({
            "schemas": [urn::BULK_RESPONSE],
            "Operations": results.into_iter().flatten().collect::<Vec<_>>(),
        });
        Ok(response::json(StatusCode::OK, &body))
    }

    fn failed(&self, operation: &BulkOperation, error: &ScimError) -> Value {
        let mut result = Map::new();
        result.insert("method".into(), Value::String(operation.method.to_string()));
        if let Some(bulk_id) = &operation.bulk_id {
            result.insert("bulkId".into(), Value::String(bulk_id.clone()));
        }
        result.insert(
            "status".into(),
            Value::String(error.status.as_str().to_owned()),
        );
        result.insert("response".into(), error.to_json());
        Value::Object(result)
    }

    /// Runs one operation through the typed operations, as the request it stands for
    /// would; returns its result entry and, for a create, the new id.
    async fn run_bulk_operation(
        &self,
        call: &Call<'_>,
        operation: &BulkOperation,
        created: &HashMap<String, String>,
    ) -> Result<(Value, Option<String>), ScimError> {
        let mut path = operation.path.clone();
        if let Some((head, bulk_id)) = path.rsplit_once("/bulkId:") {
            let id = created
                .get(bulk_id)
                .ok_or_else(|| ScimError::invalid_value(format!("unknown bulkId {bulk_id:?}")))?;
            path = format!("{head}/{id}");
        }
        let data = || -> Result<Value, ScimError> {
            let mut data = operation.data.clone().ok_or_else(|| {
                ScimError::invalid_syntax(format!(
                    "bulk operation {} {} needs 'data'",
                    operation.method, operation.path
                ))
            })?;
            resolve(&mut data, created);
            Ok(data)
        };
        let preconditions = operation
            .version
            .as_deref()
            .map_or_else(Preconditions::none, Preconditions::if_match);
        let full_path = format!("{}/{}", self.config.base_path, path.trim_start_matches('/'));
        // Only the path: a query in it is not part of a bulk operation.
        let full_path = full_path.split('?').next().unwrap_or_default();
        let ops = self.ops(call);
        let not_bulk = || {
            ScimError::invalid_path(format!(
                "{} {} is not a bulk operation",
                operation.method, operation.path
            ))
        };
        let (status, written) = match (self.route(full_path), &operation.method) {
            (Route::Collection(resource_type), &Method::POST) => {
                let resource = data().and_then(Resource::from_value);
                let resource = ops.recorded(resource_type, None, resource).await?;
                (
                    StatusCode::CREATED,
                    Some(ops.create(resource_type, resource).await?),
                )
            }
            (Route::Resource(resource_type, id), &Method::PUT) => {
                let resource = data().and_then(Resource::from_value);
                let resource = ops.recorded(resource_type, Some(id), resource).await?;
                let replaced = ops.replace(resource_type, id, resource, &preconditions);
                (StatusCode::OK, Some(replaced.await?))
            }
            (Route::Resource(resource_type, id), &Method::PATCH) => {
                let request = data().and_then(|data| {
                    PatchRequest::from_value(&data, &call.principal.tenant.compat)
                });
                let request = ops.recorded(resource_type, Some(id), request).await?;
                let patched = ops
                    .patch(resource_type, id, &request, &preconditions)
                    .await?;
                let status = if self.patch_answers_no_content(resource_type) {
                    StatusCode::NO_CONTENT
                } else {
                    StatusCode::OK
                };
                (status, Some(patched))
            }
            (Route::Resource(resource_type, id), &Method::DELETE) => {
                ops.delete(resource_type, id, &preconditions).await?;
                (StatusCode::NO_CONTENT, None)
            }
            _ => return Err(not_bulk()),
        };
        let mut result = Map::new();
        result.insert("method".into(), Value::String(operation.method.to_string()));
        if let Some(bulk_id) = &operation.bulk_id {
            result.insert("bulkId".into(), Value::String(bulk_id.clone()));
        }
        let location = match &written {
            Some(written) => {
                result.insert(
                    "version".into(),
                    Value::String(response::etag(written.version)),
                );
                self.location(call, &written.resource_type, &written.id)
            }
            None => format!("{}/{}", call.base_url, path.trim_start_matches('/')),
        };
        result.insert("location".into(), Value::String(location));
        result.insert("status".into(), Value::String(status.as_u16().to_string()));
        let id = written
            .filter(|_| operation.method == Method::POST)
            .map(|written| written.id.clone());
        Ok((Value::Object(result), id))
    }
}
