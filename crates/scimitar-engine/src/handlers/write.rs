//! `POST`, `PUT`, `PATCH` and `DELETE` of resources: the request read, the operation
//! called, the result rendered.

use bytes::Bytes;
use http::{Response, StatusCode};

use scimitar_patch::PatchRequest;
use scimitar_schema::ScimError;

use crate::engine::{Call, Engine};
use crate::handlers::resources::Lists;
use crate::ops::Preconditions;
use crate::response;
use crate::store::ResourceStore;

impl<S: ResourceStore> Engine<S> {
    /// Whether a PATCH of `resource_type` answers `204` without the resource.
    pub(crate) fn patch_answers_no_content(&self, resource_type: &str) -> bool {
        self.config.patch_groups_no_content && resource_type == "Group"
    }

    /// `POST /Users`.
    pub(crate) async fn create(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let ops = self.ops(call);
        let input = ops
            .recorded(resource_type, None, self.body_resource(call, body))
            .await?;
        let created = ops.create(resource_type, input).await?;
        self.resource_response(call, StatusCode::CREATED, &created, &lists)
            .await
    }

    /// `PUT /Users/{id}`.
    pub(crate) async fn replace(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let preconditions = Preconditions::from_headers(&call.parts.headers);
        let ops = self.ops(call);
        let input = ops
            .recorded(resource_type, Some(id), self.body_resource(call, body))
            .await?;
        let replaced = ops
            .replace(resource_type, id, input, &preconditions)
            .await?;
        self.resource_response(call, StatusCode::OK, &replaced, &lists)
            .await
    }

    /// `PATCH /Users/{id}`.
    pub(crate) async fn patch(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let preconditions = Preconditions::from_headers(&call.parts.headers);
        let ops = self.ops(call);
        let request = self
            .body_json(call, body, self.config.max_body_size)
            .and_then(|body| PatchRequest::from_value(&body, &call.principal.tenant.compat));
        let request = ops.recorded(resource_type, Some(id), request).await?;
        let patched = ops
            .patch(resource_type, id, &request, &preconditions)
            .await?;
        if self.patch_answers_no_content(resource_type) {
            let mut response = response::empty(StatusCode::NO_CONTENT);
            response::set_header(
                &mut response,
                http::header::ETAG,
                &response::etag(patched.version),
            );
            return Ok(response);
        }
        self.resource_response(call, StatusCode::OK, &patched, &lists)
            .await
    }

    /// `DELETE /Users/{id}`.
    pub(crate) async fn delete(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let preconditions = Preconditions::from_headers(&call.parts.headers);
        self.ops(call)
            .delete(resource_type, id, &preconditions)
            .await?;
        Ok(response::empty(StatusCode::NO_CONTENT))
    }
}
