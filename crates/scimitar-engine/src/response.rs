//! Building responses: `application/scim+json` bodies, errors and headers; and the
//! cause of a store failure, kept for the host's log ([`StoreFailure`]).

use std::cell::RefCell;
use std::fmt;
use std::future::{Future, poll_fn};
use std::pin::pin;

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use serde::Serialize;

use scimitar_schema::{ScimError, ScimType};

use crate::store::StoreError;

/// The media type of every body the engine writes.
pub const SCIM_JSON: &str = "application/scim+json";

/// A response with a JSON body.
pub(crate) fn json(status: StatusCode, body: &impl Serialize) -> Response<Bytes> {
    // Most single resources fit; growing from serde_json's default costs several copies.
    let mut bytes = Vec::with_capacity(2048);
    match serde_json::to_writer(&mut bytes, body) {
        Ok(()) => with_body(status, Bytes::from(bytes)),
        Err(_) => error(&ScimError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the response could not be encoded",
        )),
    }
}

fn with_body(status: StatusCode, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

/// A response without a body (`204`, `304`).
pub(crate) fn empty(status: StatusCode) -> Response<Bytes> {
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = status;
    response
}

/// The RFC 7644 §3.12 error response.
pub(crate) fn error(error: &ScimError) -> Response<Bytes> {
    let status = error.status;
    let mut response = match serde_json::to_vec(error) {
        Ok(bytes) => with_body(status, Bytes::from(bytes)),
        Err(_) => empty(StatusCode::INTERNAL_SERVER_ERROR),
    };
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"scim\""),
        );
    }
    // A failure on the service's side: the same request may succeed in a moment.
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// Sets a header whose value the engine built; an unrepresentable value is left out.
pub(crate) fn set_header(response: &mut Response<Bytes>, name: header::HeaderName, value: &str) {
    if let Ok(value) = HeaderValue::from_str(value) {
        response.headers_mut().insert(name, value);
    }
}

/// The store failure a request met, attached to its response's extensions
/// (`response.extensions().get::<StoreFailure>()`) for the host's log: the client gets
/// `503` and a message that names no internals, the log gets the cause.
///
/// It holds the first [`StoreError::Unavailable`] of the request, whatever the status
/// (a `/Bulk` answers `200` with a failed operation inside). The engine hands stores
/// the hashes of API keys, never the keys, so a store's error cannot name one.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreFailure {
    /// The store's error, as it gave it.
    pub error: StoreError,
}

impl StoreFailure {
    /// The failure `error`, for a host that answers a request of its own (a health
    /// check) and logs it as the engine's.
    pub fn new(error: StoreError) -> Self {
        Self { error }
    }
}

impl fmt::Display for StoreFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error.fmt(f)
    }
}

thread_local! {
    /// The failure noted by the request being polled on this thread: `None` outside
    /// [`noting`], `Some(None)` while none is noted.
    static NOTED: RefCell<Option<Option<StoreFailure>>> = const { RefCell::new(None) };
}

/// Runs `future` (a request's handling), and returns with its output the first store
/// failure noted while it ran ([`note`]).
///
/// Store errors become SCIM errors deep in the operations, which carry no more than the
/// client sees; so the failure goes beside them, in a slot each poll of `future` puts
/// in place on its thread (as `tracing` spans and task-locals do), so that requests
/// polled in turn on one thread keep theirs apart. No runtime is needed.
pub(crate) async fn noting<F: Future>(future: F) -> (F::Output, Option<StoreFailure>) {
    let mut future = pin!(future);
    let mut noted = None;
    let output = poll_fn(|context| {
        let outer = NOTED.replace(Some(noted.take()));
        let poll = future.as_mut().poll(context);
        noted = NOTED.replace(outer).flatten();
        poll
    })
    .await;
    (output, noted)
}

/// Notes `error` as the request's store failure, if it is one (a store that is
/// unavailable, not a refused write) and the first.
pub(crate) fn note(error: &StoreError) {
    if !matches!(error, StoreError::Unavailable(_)) {
        return;
    }
    NOTED.with_borrow_mut(|noted| {
        if let Some(slot @ None) = noted {
            *slot = Some(StoreFailure::new(error.clone()));
        }
    });
}

/// The SCIM error for a store failure. Details of store internals are not shown to the
/// client; the failure is noted for the host's log ([`StoreFailure`]).
pub(crate) fn store_error(error: StoreError) -> ScimError {
    note(&error);
    match error {
        StoreError::NotFound => ScimError::not_found("resource not found"),
        StoreError::VersionMismatch { .. } => ScimError::new(
            StatusCode::PRECONDITION_FAILED,
            "the resource was changed by another request",
        ),
        StoreError::Conflict { attribute, value } => {
            ScimError::uniqueness(format!("{attribute} {value:?} is already taken"))
        }
        StoreError::AlreadyExists => {
            ScimError::uniqueness("a resource with this id already exists")
        }
        StoreError::UnknownMember { id } => ScimError::invalid_value(format!(
            "member {id:?} is not a user or group of this tenant"
        )),
        StoreError::Unavailable(_) => ScimError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "the store is unavailable; try again later",
        ),
        // RFC 7644 §3.12: "yields many more results than the server is willing to
        // calculate or process"; a 400, so that the identity provider does not retry it.
        StoreError::TooExpensive(_) => ScimError::bad_request(
            ScimType::TooMany,
            "the request is too expensive to answer: narrow the filter, or sort and page less",
        ),
    }
}

/// The ETag of a version.
pub(crate) fn etag(version: u64) -> String {
    format!("W/\"{version}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_too_expensive_is_a_400_too_many_that_invites_no_retry() {
        let error = store_error(StoreError::TooExpensive("over budget".into()));
        assert_eq!(error.status, StatusCode::BAD_REQUEST);
        assert_eq!(error.scim_type, Some(ScimType::TooMany));
        let detail = error.detail.clone().unwrap_or_default();
        assert!(detail.contains("too expensive"), "{detail}");
        assert!(
            !detail.contains("over budget"),
            "the store's detail is for logs only"
        );
        let response = super::error(&error);
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert!(response.headers().get(header::RETRY_AFTER).is_none());
    }
}
