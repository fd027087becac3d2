//! The HTTP side of `scimitar serve`: axum on tokio, one catch-all route into the engine,
//! `/healthz`, the request log, the body limit and the graceful shutdown.

use std::future::{Future, pending, poll_fn};
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Request, State};
use axum::middleware;
use axum::response::Response;
use axum::routing::get;
use http::{HeaderValue, StatusCode, header};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use scimitar_engine::{Engine, SCIM_JSON};
use scimitar_schema::ScimError;

use super::log;
use crate::store::AnyStore;

/// How long the server waits, once told to stop, for the requests in flight.
pub(crate) const DRAIN: Duration = Duration::from_secs(10);

/// How much of a body over the limit is still read (and dropped) before the `413`, so
/// that the client, still sending, gets the response rather than a reset connection.
const DRAIN_BODY: usize = 8 * 1024 * 1024;

/// What every request is served with.
pub(crate) struct App {
    /// The SCIM engine.
    pub(crate) engine: Engine<AnyStore>,
    /// The largest request body read, in bytes; larger ones get `413`.
    pub(crate) body_limit: usize,
}

/// The routes: `/healthz`, and everything else to the engine; each request logged.
pub(crate) fn router(app: Arc<App>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .fallback(scim)
        .layer(middleware::from_fn_with_state(
            Arc::clone(&app),
            log::requests,
        ))
        .with_state(app)
}

/// Serves `listener` until `shutdown` completes, then lets the requests in flight finish
/// for at most [`DRAIN`]; returns whether all of them did.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<bool> {
    let (stopping, stopped) = oneshot::channel();
    let server = axum::serve(listener, router(app)).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stopping.send(());
    });
    let deadline = async move {
        match stopped.await {
            Ok(()) => tokio::time::sleep(DRAIN).await,
            // The server ended on its own.
            Err(_) => pending().await,
        }
    };
    tokio::select! {
        result = server => result.map(|()| true),
        () = deadline => Ok(false),
    }
}

/// `GET /healthz`: `200 ok` while the server runs.
async fn healthz() -> &'static str {
    "ok"
}

/// Every other request: to the engine, once its body is read.
async fn scim(State(app): State<Arc<App>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let expects_continue = parts
        .headers
        .get(header::EXPECT)
        .is_some_and(|expect| expect.as_bytes().eq_ignore_ascii_case(b"100-continue"));
    let body = match read_body(body, app.body_limit, expects_continue).await {
        Ok(body) => body,
        Err(error) => return scim_error(&error),
    };
    let response = app
        .engine
        .handle(http::Request::from_parts(parts, body))
        .await;
    response.map(Body::from)
}

/// The body, if it has at most `limit` bytes. One over the limit is a `413`; it is still
/// read, up to [`DRAIN_BODY`], unless the client waits for `100 Continue` before sending it
/// (`expects_continue`), so that clients that send it whole get the `413`.
async fn read_body(
    mut body: Body,
    limit: usize,
    expects_continue: bool,
) -> Result<Bytes, ScimError> {
    let declared = body.size_hint().lower();
    let too_large = |size: u64| {
        ScimError::new(
            413,
            format!("the request body of {size} bytes is over the limit of {limit} bytes"),
        )
    };
    if declared > limit as u64 && (expects_continue || declared > DRAIN_BODY as u64) {
        return Err(too_large(declared));
    }
    let mut collected = Vec::new();
    let mut size: u64 = 0;
    while let Some(frame) = poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|error| {
            ScimError::invalid_syntax(format!("the request body could not be read: {error}"))
        })?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        size += data.len() as u64;
        if size <= limit as u64 {
            collected.extend_from_slice(&data);
        } else if size > DRAIN_BODY as u64 {
            break;
        }
    }
    if size > limit as u64 {
        return Err(too_large(size.max(declared)));
    }
    Ok(Bytes::from(collected))
}

/// The RFC 7644 §3.12 response for `error`.
fn scim_error(error: &ScimError) -> Response {
    let status = StatusCode::from_u16(error.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = serde_json::to_vec(error).unwrap_or_default();
    let mut response = Response::new(Body::from(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

#[cfg(test)]
mod tests {
    use scimitar_engine::block_on;

    use super::*;

    fn read(body: &'static [u8], limit: usize) -> Result<Bytes, ScimError> {
        block_on(read_body(Body::from(body), limit, false))
    }

    #[test]
    fn bodies_up_to_the_limit_are_read() {
        assert_eq!(read(b"{}", 2).unwrap(), Bytes::from_static(b"{}"));
        assert_eq!(read(b"", 0).unwrap(), Bytes::new());
    }

    #[test]
    fn bodies_over_the_limit_are_refused() {
        let error = read(b"{ }", 2).unwrap_err();
        assert_eq!(error.status, 413);
        assert_eq!(
            error.detail.as_deref(),
            Some("the request body of 3 bytes is over the limit of 2 bytes")
        );
    }

    #[test]
    fn errors_are_scim_json() {
        let response = scim_error(&ScimError::new(413, "too large"));
        assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
    }
}
