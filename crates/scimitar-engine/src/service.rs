//! The engine as a `tower::Service` over any HTTP body: what a host mounts in axum,
//! hyper or any tower stack.

use std::convert::Infallible;
use std::error::Error;
use std::fmt;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::{Buf, Bytes};
use http::uri::PathAndQuery;
use http::{HeaderValue, Request, Response, StatusCode, Uri, header};
use http_body::Body;
use http_body_util::{BodyExt, Full};

use scimitar_schema::ScimError;

use crate::SCIM_JSON;
use crate::engine::Engine;
use crate::store::ResourceStore;

/// How much of a body over the limit is still read, and dropped, before the `413`: a
/// client that sends the whole body before it reads the response then gets the `413`
/// rather than a connection reset (a server that closes a connection with unread data
/// resets it).
const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

/// The largest body of a request refused on its head (no valid key) that is still read,
/// and dropped, before the refusal; a larger one is not read at all.
const REFUSED_BODY_LIMIT: usize = 64 * 1024;

/// The [`Engine`] as a [`tower_service::Service`]: it reads the request body (up to
/// [`body_limit`](Self::body_limit)) and answers with [`Engine::handle`].
///
/// - The key is checked on the request head, before the body is read: a request
///   without a valid key gets its `401` (or `503`) with `Connection: close`, its body
///   unread, or read and dropped when it is at most 64 KiB (so that a client that sends
///   it whole before reading the answer reads it). Discovery endpoints need no key.
/// - A body over the limit gets `413` as a SCIM error, without the engine. A declared
///   `Content-Length` over the limit is refused before the body is read when the client
///   waits for `100 Continue` or when the body is larger than the service would read
///   anyway; otherwise the rest of the body, up to 8 MiB past the limit, is read and
///   dropped first, so that a client that sends the whole body before reading the
///   response sees the `413`.
/// - A body that cannot be read (the connection broke, say) gets `400 invalidSyntax`;
///   one that did not arrive in time (the body's error is an [`io::Error`] of kind
///   [`TimedOut`](io::ErrorKind::TimedOut), as a host's read timeout gives) gets `408`.
///   Each of these errors says `Connection: close`, since the body may be left unread.
/// - [`ScimService::new`] serves requests with their full path (`/scim/v2/Users`): mount
///   it at the root or as a fallback. [`nested`](Self::nested) is for routers that strip
///   the mount path, such as axum's `Router::nest_service("/scim/v2", …)`.
///
/// Clones share the engine. The service is always ready and never fails: every error is
/// an RFC 7644 §3.12 response.
///
/// ```
/// # use scimitar_engine::{Engine, IdSource, MemoryStore, ScimService};
/// # struct Ids;
/// # impl IdSource for Ids {
/// #     fn new_id(&self) -> String { "1".into() }
/// #     fn new_secret(&self) -> String { "s".into() }
/// # }
/// # let clock = || chrono::DateTime::<chrono::Utc>::UNIX_EPOCH;
/// let engine = Engine::new(MemoryStore::new(), clock, Ids);
/// // For `Router::new().nest_service("/scim/v2", service)` in axum:
/// let service = ScimService::new(engine).body_limit(4 * 1024 * 1024).nested();
/// # let _ = service;
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "tower")))]
pub struct ScimService<S> {
    engine: Arc<Engine<S>>,
    body_limit: usize,
    nested: bool,
}

impl<S> Clone for ScimService<S> {
    fn clone(&self) -> Self {
        Self {
            engine: Arc::clone(&self.engine),
            body_limit: self.body_limit,
            nested: self.nested,
        }
    }
}

impl<S> fmt::Debug for ScimService<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScimService")
            .field("body_limit", &self.body_limit)
            .field("nested", &self.nested)
            .finish_non_exhaustive()
    }
}

impl<S> From<Engine<S>> for ScimService<S> {
    fn from(engine: Engine<S>) -> Self {
        Self::new(engine)
    }
}

impl<S> From<Arc<Engine<S>>> for ScimService<S> {
    fn from(engine: Arc<Engine<S>>) -> Self {
        Self::new(engine)
    }
}

impl<S> ScimService<S> {
    /// The service over `engine` (an [`Engine`] or an `Arc` of one, to keep a handle for
    /// creating tenants and keys), for requests with their full path.
    pub fn new(engine: impl Into<Arc<Engine<S>>>) -> Self {
        let engine = engine.into();
        // What the engine itself accepts: larger bodies would be refused anyway.
        let body_limit = engine
            .config
            .max_body_size
            .max(engine.config.bulk_max_payload_size);
        Self {
            engine,
            body_limit,
            nested: false,
        }
    }

    /// The largest request body read, in bytes; a larger one gets `413`. Default: the
    /// larger of the engine's
    /// [`max_body_size`](crate::EngineConfig::max_body_size) and
    /// [`bulk_max_payload_size`](crate::EngineConfig::bulk_max_payload_size), which
    /// still apply to the body this service reads.
    pub fn body_limit(mut self, bytes: usize) -> Self {
        self.body_limit = bytes;
        self
    }

    /// For a router that strips the mount path before calling the service (axum's
    /// `Router::nest_service`): the engine's base path
    /// ([`EngineConfig::base`](crate::EngineConfig::base)) is put back in front of each
    /// request's path, so that the engine routes it and writes `Location` and
    /// `meta.location` with the path the client used. Mount it at the base path.
    pub fn nested(mut self) -> Self {
        self.nested = true;
        self
    }

    /// The engine, for the host's own calls (tenants, keys).
    pub fn engine(&self) -> &Arc<Engine<S>> {
        &self.engine
    }
}

impl<S: ResourceStore + 'static> ScimService<S> {
    /// Answers one request: reads its body and hands it to the engine.
    async fn respond<B>(self, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn Error + Send + Sync>>,
    {
        let (mut parts, body) = request.into_parts();
        if self.nested {
            match with_base(&parts.uri, self.engine.config().base()) {
                Some(uri) => parts.uri = uri,
                None => {
                    return error(&ScimError::invalid_syntax(
                        "the request path cannot be served under the base path",
                    ));
                }
            }
        }
        let expects_continue = parts
            .headers
            .get(header::EXPECT)
            .is_some_and(|expect| expect.as_bytes().eq_ignore_ascii_case(b"100-continue"));
        // The key is checked on the head: a caller without one never gets a body read.
        let admitted = match self.engine.admit(&parts).await {
            Ok(admitted) => admitted,
            Err(refused) => {
                discard_small_body(body, expects_continue).await;
                return closing(refused.map(Full::new));
            }
        };
        let body = match read_body(body, self.body_limit, expects_continue).await {
            Ok(body) => body,
            Err(scim_error) => return closing(error(&scim_error)),
        };
        self.engine
            .handle_admitted(admitted, parts, body)
            .await
            .map(Full::new)
    }
}

impl<S, B> tower_service::Service<Request<B>> for ScimService<S>
where
    S: ResourceStore + 'static,
    B: Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn Error + Send + Sync>>,
{
    type Response = Response<Full<Bytes>>;
    type Error = Infallible;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, Infallible>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request<B>) -> Self::Future {
        let service = self.clone();
        Box::pin(async move { Ok(service.respond(request).await) })
    }
}

/// `uri` with `base` in front of its path, the query kept; `None` if that is no URI.
fn with_base(uri: &Uri, base: &str) -> Option<Uri> {
    let path = uri.path();
    let slash = if path.starts_with('/') { "" } else { "/" };
    let path_and_query = match uri.query() {
        Some(query) => format!("{base}{slash}{path}?{query}"),
        None => format!("{base}{slash}{path}"),
    };
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

/// The body, if it has at most `limit` bytes. One over the limit is a `413`: refused at
/// once when its declared length is over the limit and the client waits for
/// `100 Continue` (`expects_continue`: the body is not polled, so no `100 Continue` is
/// sent) or the body is longer than [`DRAIN_LIMIT`] past the limit; otherwise read to
/// its end, or to [`DRAIN_LIMIT`] past the limit, first.
async fn read_body<B>(body: B, limit: usize, expects_continue: bool) -> Result<Bytes, ScimError>
where
    B: Body,
    B::Error: Into<Box<dyn Error + Send + Sync>>,
{
    let limit = limit as u64;
    let drain_until = limit.saturating_add(DRAIN_LIMIT as u64);
    let declared = body.size_hint().lower();
    if declared > limit && (expects_continue || declared > drain_until) {
        return Err(too_large(Some(declared), limit));
    }
    let mut body = pin!(body);
    // One frame (the usual case for small bodies) is kept without a copy.
    let mut first: Option<Bytes> = None;
    let mut rest: Vec<u8> = Vec::new();
    let mut size: u64 = 0;
    let mut ended = true;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|read_error| {
            let read_error: Box<dyn Error + Send + Sync> = read_error.into();
            if timed_out(&*read_error) {
                ScimError::new(
                    StatusCode::REQUEST_TIMEOUT,
                    format!("the request body did not arrive in time: {read_error}"),
                )
            } else {
                ScimError::invalid_syntax(format!(
                    "the request body could not be read: {read_error}"
                ))
            }
        })?;
        let Ok(mut data) = frame.into_data() else {
            continue; // trailers
        };
        size = size.saturating_add(data.remaining() as u64);
        if size > limit {
            // Over the limit: dropped, and no longer kept.
            first = None;
            rest = Vec::new();
            if size > drain_until {
                ended = false;
                break;
            }
            continue;
        }
        let chunk = data.copy_to_bytes(data.remaining());
        if first.is_none() && rest.is_empty() {
            first = Some(chunk);
        } else {
            if let Some(first) = first.take() {
                rest.extend_from_slice(&first);
            }
            rest.extend_from_slice(&chunk);
        }
    }
    if size > limit {
        return Err(too_large(ended.then_some(size.max(declared)), limit));
    }
    Ok(match first {
        Some(first) if rest.is_empty() => first,
        _ => Bytes::from(rest),
    })
}

/// Reads and drops the body of a refused request when it is small (at most
/// [`REFUSED_BODY_LIMIT`] bytes): the client, which may send it whole before reading,
/// then reads the refusal rather than a reset. A larger body, or one the client holds
/// back until `100 Continue` (`expects_continue`), is left unread: the connection is
/// closed after the answer instead.
async fn discard_small_body<B: Body>(body: B, expects_continue: bool) {
    let limit = REFUSED_BODY_LIMIT as u64;
    if expects_continue || body.size_hint().lower() > limit {
        return;
    }
    let mut body = pin!(body);
    let mut read: u64 = 0;
    while read <= limit {
        match body.frame().await {
            Some(Ok(frame)) => {
                let size = frame.data_ref().map_or(0, |data| data.remaining());
                read = read.saturating_add(size as u64);
            }
            // Its end, or a body that broke: nothing more to drop.
            Some(Err(_)) | None => break,
        }
    }
}

/// `response` with `Connection: close`: for a request whose body may be left unread,
/// after which the connection cannot carry another request.
fn closing(mut response: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// Whether a body's read error says that the body did not arrive in time: it, or an
/// error it wraps (as a framework's body type does), is an [`io::Error`] of kind
/// [`TimedOut`](io::ErrorKind::TimedOut), as a host's read timeout gives.
fn timed_out(read_error: &(dyn Error + 'static)) -> bool {
    let mut cause = Some(read_error);
    while let Some(error) = cause {
        if error
            .downcast_ref::<io::Error>()
            .is_some_and(|error| error.kind() == io::ErrorKind::TimedOut)
        {
            return true;
        }
        cause = error.source();
    }
    false
}

/// The `413` for a body of `size` bytes (when known) over `limit`.
fn too_large(size: Option<u64>, limit: u64) -> ScimError {
    let detail = match size {
        Some(size) => {
            format!("the request body of {size} bytes is over the limit of {limit} bytes")
        }
        None => format!("the request body is over the limit of {limit} bytes"),
    };
    ScimError::new(StatusCode::PAYLOAD_TOO_LARGE, detail)
}

/// The RFC 7644 §3.12 response for `scim_error`.
fn error(scim_error: &ScimError) -> Response<Full<Bytes>> {
    let status = scim_error.status;
    let body = serde_json::to_vec(scim_error).unwrap_or_default();
    let mut response = Response::new(Full::new(Bytes::from(body)));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(SCIM_JSON));
    response
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;
    use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

    use chrono::{DateTime, TimeZone, Utc};
    use http_body::{Frame, SizeHint};
    use scimitar_patch::Compat;
    use tower_service::Service;

    use super::*;
    use crate::{IdSource, MemoryStore};

    const USER: &[u8] =
        br#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;

    struct Counter(AtomicU64);

    impl IdSource for Counter {
        fn new_id(&self) -> String {
            format!("id-{}", self.0.fetch_add(1, Ordering::Relaxed))
        }
        fn new_secret(&self) -> String {
            format!("secret-{}", self.0.fetch_add(1, Ordering::Relaxed))
        }
    }

    fn clock() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap()
    }

    /// An engine with one tenant, and the tenant's key.
    fn engine() -> (Arc<Engine<MemoryStore>>, String) {
        let engine = Engine::new(MemoryStore::new(), clock, Counter(AtomicU64::new(1)));
        let tenant = pollster::block_on(engine.create_tenant("acme", Compat::LENIENT)).unwrap();
        let key = pollster::block_on(engine.issue_key(&tenant.id, None)).unwrap();
        (Arc::new(engine), key.secret)
    }

    /// A body of the given frames (or errors), with an optional declared length, that
    /// counts how often it is polled.
    struct TestBody {
        frames: VecDeque<Result<Bytes, Box<dyn Error + Send + Sync>>>,
        declared: Option<u64>,
        polls: Arc<AtomicUsize>,
    }

    impl TestBody {
        fn new(frames: impl IntoIterator<Item = Result<Bytes, &'static str>>) -> Self {
            Self {
                frames: frames
                    .into_iter()
                    .map(|frame| frame.map_err(Into::into))
                    .collect(),
                declared: None,
                polls: Arc::default(),
            }
        }

        /// After its frames, the body fails with `error`.
        fn then_failing(mut self, error: impl Error + Send + Sync + 'static) -> Self {
            self.frames.push_back(Err(Box::new(error)));
            self
        }

        fn declared(mut self, length: u64) -> Self {
            self.declared = Some(length);
            self
        }
    }

    impl Body for TestBody {
        type Data = Bytes;
        type Error = Box<dyn Error + Send + Sync>;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            self.polls.fetch_add(1, Ordering::Relaxed);
            Poll::Ready(self.frames.pop_front().map(|frame| frame.map(Frame::data)))
        }

        fn size_hint(&self) -> SizeHint {
            self.declared
                .map_or_else(SizeHint::new, SizeHint::with_exact)
        }
    }

    fn call<B>(service: &mut ScimService<MemoryStore>, request: Request<B>) -> Response<Full<Bytes>>
    where
        B: Body + Send + 'static,
        B::Data: Send,
        B::Error: Into<Box<dyn Error + Send + Sync>>,
    {
        let Ok(response) = pollster::block_on(service.call(request));
        response
    }

    fn post<B>(uri: &str, key: &str, body: B) -> Request<B> {
        Request::post(uri)
            .header(header::HOST, "app.example.com")
            .header(header::AUTHORIZATION, format!("Bearer {key}"))
            .header(header::CONTENT_TYPE, SCIM_JSON)
            .body(body)
            .unwrap()
    }

    fn body_of(response: Response<Full<Bytes>>) -> serde_json::Value {
        let bytes = pollster::block_on(response.into_body().collect())
            .unwrap()
            .to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    /// Checks that `response` is the SCIM error `status`, and returns its detail.
    fn scim_error(response: Response<Full<Bytes>>, status: u16) -> String {
        assert_eq!(response.status(), status);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
        let body = body_of(response);
        assert_eq!(
            body["schemas"],
            serde_json::json!(["urn:ietf:params:scim:api:messages:2.0:Error"])
        );
        assert_eq!(body["status"], status.to_string());
        body["detail"].as_str().unwrap().to_owned()
    }

    #[test]
    fn root_and_nested_requests_reach_the_same_endpoint() {
        let (engine, key) = engine();
        let mut root = ScimService::new(Arc::clone(&engine));
        let mut nested = ScimService::new(Arc::clone(&engine)).nested();

        let response = call(
            &mut root,
            post("/scim/v2/Users", &key, Full::new(Bytes::from_static(USER))),
        );
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
        let location = response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            location.starts_with("http://app.example.com/scim/v2/Users/"),
            "{location}"
        );
        let id = location.rsplit('/').next().unwrap().to_owned();
        let created = body_of(response);
        assert_eq!(created["meta"]["location"], location);

        // What a router that strips `/scim/v2` hands on.
        let get = |uri: &str| {
            Request::get(uri)
                .header(header::HOST, "app.example.com")
                .header(header::AUTHORIZATION, format!("Bearer {key}"))
                .body(Full::<Bytes>::default())
                .unwrap()
        };
        let response = call(&mut nested, get(&format!("/Users/{id}")));
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
        let fetched = body_of(response);
        assert_eq!(fetched["meta"]["location"], created["meta"]["location"]);

        // The query string is kept.
        let filter = "/Users?filter=userName%20eq%20%22bjensen%22&attributes=userName";
        let list = body_of(call(&mut nested, get(filter)));
        assert_eq!(list["totalResults"], 1, "{list}");
        assert_eq!(list["Resources"][0]["userName"], "bjensen");
        assert!(list["Resources"][0].get("name").is_none(), "{list}");

        // A nested POST gets the same Location a root one does.
        let response = call(
            &mut nested,
            post(
                "/Groups",
                &key,
                Full::new(Bytes::from_static(
                    br#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "admins"}"#,
                )),
            ),
        );
        assert_eq!(response.status(), StatusCode::CREATED);
        let location = response.headers()[header::LOCATION]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(
            location.starts_with("http://app.example.com/scim/v2/Groups/"),
            "{location}"
        );
        let response = call(
            &mut root,
            get(location.trim_start_matches("http://app.example.com")),
        );
        assert_eq!(response.status(), StatusCode::OK);

        // Unnested, a path without the base path is no endpoint.
        let detail = scim_error(call(&mut root, get(&format!("/Users/{id}"))), 404);
        assert!(detail.contains("no endpoint"), "{detail}");
    }

    #[test]
    fn nesting_keeps_the_authority_and_query() {
        let uri: Uri = "https://app.example.com/Users?count=2".parse().unwrap();
        assert_eq!(
            with_base(&uri, "/scim/v2").unwrap(),
            "https://app.example.com/scim/v2/Users?count=2"
        );
        let uri: Uri = "/".parse().unwrap();
        assert_eq!(with_base(&uri, "/scim/v2").unwrap(), "/scim/v2/");
        assert_eq!(with_base(&uri, "").unwrap(), "/");
    }

    #[test]
    fn bodies_in_several_frames_are_joined() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine);
        let (head, tail) = USER.split_at(10);
        let body = TestBody::new([
            Ok(Bytes::from_static(head)),
            Ok(Bytes::new()),
            Ok(Bytes::from_static(tail)),
        ]);
        let response = call(&mut service, post("/scim/v2/Users", &key, body));
        assert_eq!(response.status(), StatusCode::CREATED);
        assert_eq!(body_of(response)["userName"], "bjensen");
    }

    #[test]
    fn a_body_at_the_limit_is_read() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine).body_limit(USER.len());
        let body = TestBody::new([Ok(Bytes::from_static(USER))]).declared(USER.len() as u64);
        let response = call(&mut service, post("/scim/v2/Users", &key, body));
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    #[test]
    fn a_declared_oversize_body_is_refused_unread() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine).body_limit(16);

        // The client waits for `100 Continue`: the body is never polled.
        let body = TestBody::new([Ok(Bytes::from_static(USER))]).declared(USER.len() as u64);
        let polls = Arc::clone(&body.polls);
        let mut request = post("/scim/v2/Users", &key, body);
        request
            .headers_mut()
            .insert(header::EXPECT, HeaderValue::from_static("100-continue"));
        let detail = scim_error(call(&mut service, request), 413);
        assert_eq!(
            detail,
            format!(
                "the request body of {} bytes is over the limit of 16 bytes",
                USER.len()
            )
        );
        assert_eq!(polls.load(Ordering::Relaxed), 0);

        // Longer than the service would drain: not polled either.
        let huge = 16 + DRAIN_LIMIT as u64 + 1;
        let body = TestBody::new([Ok(Bytes::from_static(USER))]).declared(huge);
        let polls = Arc::clone(&body.polls);
        let detail = scim_error(call(&mut service, post("/scim/v2/Users", &key, body)), 413);
        assert!(detail.contains(&format!(" {huge} bytes ")), "{detail}");
        assert_eq!(polls.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_declared_oversize_body_is_drained_before_the_413() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine).body_limit(16);
        let body = TestBody::new([
            Ok(Bytes::from_static(&USER[..40])),
            Ok(Bytes::from_static(&USER[40..])),
        ])
        .declared(USER.len() as u64);
        let polls = Arc::clone(&body.polls);
        let detail = scim_error(call(&mut service, post("/scim/v2/Users", &key, body)), 413);
        assert!(
            detail.contains(&format!(" {} bytes ", USER.len())),
            "{detail}"
        );
        // Both frames and the end.
        assert_eq!(polls.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_streamed_oversize_body_is_refused() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine).body_limit(16);
        let body = TestBody::new((0..4).map(|_| Ok(Bytes::from_static(b"0123456789"))));
        let detail = scim_error(call(&mut service, post("/scim/v2/Users", &key, body)), 413);
        assert_eq!(
            detail,
            "the request body of 40 bytes is over the limit of 16 bytes"
        );
    }

    #[test]
    fn an_endless_oversize_body_is_read_only_so_far() {
        let chunk = Bytes::from(vec![b' '; 1024 * 1024]);
        // 8 MiB past the limit, then more than any test would send.
        let body = TestBody::new((0..64).map(|_| Ok(chunk.clone())));
        let polls = Arc::clone(&body.polls);
        let error = pollster::block_on(read_body(body, 1024, false)).unwrap_err();
        assert_eq!(error.status, 413);
        assert_eq!(
            error.detail.as_deref(),
            Some("the request body is over the limit of 1024 bytes")
        );
        assert_eq!(polls.load(Ordering::Relaxed), 9);
    }

    #[test]
    fn the_default_limit_is_what_the_engine_accepts() {
        let (engine, _) = engine();
        assert_eq!(ScimService::new(engine).body_limit, 1024 * 1024);
        let config = crate::EngineConfig::default()
            .max_body_size(3 * 1024)
            .bulk_max_payload_size(5 * 1024);
        let engine =
            Engine::new(MemoryStore::new(), clock, Counter(AtomicU64::new(1))).with_config(config);
        assert_eq!(ScimService::new(engine).body_limit, 5 * 1024);
    }

    #[test]
    fn a_body_that_fails_is_invalid_syntax() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine);
        let body = TestBody::new([Ok(Bytes::from_static(b"{")), Err("connection reset")]);
        let response = call(&mut service, post("/scim/v2/Users", &key, body));
        assert_eq!(response.status(), StatusCode::BAD_REQUEST);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
        let body = body_of(response);
        assert_eq!(body["scimType"], "invalidSyntax");
        assert_eq!(
            body["detail"],
            "the request body could not be read: connection reset"
        );
    }

    /// A 1 MiB body in frames of 16 KiB, as a client sends it.
    fn large_body() -> TestBody {
        let chunk = Bytes::from(vec![b' '; 16 * 1024]);
        TestBody::new((0..64).map(|_| Ok(chunk.clone())))
    }

    #[test]
    fn a_wrong_key_is_refused_before_a_large_body_is_read() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        let body = large_body().declared(1024 * 1024);
        let polls = Arc::clone(&body.polls);
        let response = call(&mut service, post("/scim/v2/Users", "scim_guess", body));
        assert_eq!(response.headers()[header::CONNECTION], "close");
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
        let detail = scim_error(response, 401);
        assert_eq!(detail, "the bearer token is not valid");
        assert_eq!(polls.load(Ordering::Relaxed), 0, "the body is never read");
    }

    #[test]
    fn a_refused_body_of_unknown_length_is_read_only_so_far() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        // No Content-Length (chunked): read up to the bound, then left.
        let body = large_body();
        let polls = Arc::clone(&body.polls);
        let mut request = post("/scim/v2/Users", "", body);
        request.headers_mut().remove(header::AUTHORIZATION);
        let response = call(&mut service, request);
        assert_eq!(response.headers()[header::CONNECTION], "close");
        scim_error(response, 401);
        let read = polls.load(Ordering::Relaxed) * 16 * 1024;
        assert!(
            read > REFUSED_BODY_LIMIT && read <= REFUSED_BODY_LIMIT + 16 * 1024,
            "{read} bytes read"
        );
    }

    #[test]
    fn a_small_refused_body_is_read_before_the_401() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        let body = TestBody::new([
            Ok(Bytes::from_static(&USER[..40])),
            Ok(Bytes::from_static(&USER[40..])),
        ])
        .declared(USER.len() as u64);
        let polls = Arc::clone(&body.polls);
        let response = call(&mut service, post("/scim/v2/Users", "scim_guess", body));
        assert_eq!(response.headers()[header::CONNECTION], "close");
        scim_error(response, 401);
        // Both frames and the end: the client that sent it whole reads the answer.
        assert_eq!(polls.load(Ordering::Relaxed), 3);
    }

    #[test]
    fn a_refused_client_waiting_for_100_continue_sends_nothing() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        let body = TestBody::new([Ok(Bytes::from_static(USER))]).declared(USER.len() as u64);
        let polls = Arc::clone(&body.polls);
        let mut request = post("/scim/v2/Users", "scim_guess", body);
        request
            .headers_mut()
            .insert(header::EXPECT, HeaderValue::from_static("100-continue"));
        scim_error(call(&mut service, request), 401);
        assert_eq!(polls.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_refused_head_request_has_no_body() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        let request = Request::head("/scim/v2/Users")
            .body(Full::<Bytes>::default())
            .unwrap();
        let response = call(&mut service, request);
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        let body = pollster::block_on(response.into_body().collect())
            .unwrap()
            .to_bytes();
        assert!(body.is_empty());
    }

    #[test]
    fn discovery_needs_no_key_and_keeps_the_connection() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        for path in [
            "/scim/v2/ServiceProviderConfig",
            "/scim/v2/ResourceTypes",
            "/scim/v2/Schemas",
        ] {
            let request = Request::get(path)
                .header(header::HOST, "app.example.com")
                .body(Full::<Bytes>::default())
                .unwrap();
            let response = call(&mut service, request);
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            assert!(
                !response.headers().contains_key(header::CONNECTION),
                "{path}"
            );
        }
    }

    /// An authenticator that lets every request in as one tenant, and counts its calls.
    struct CountingAuthenticator(Arc<AtomicUsize>);

    impl crate::Authenticator for CountingAuthenticator {
        fn authenticate<'a>(
            &'a self,
            _: &'a http::request::Parts,
        ) -> crate::BoxFuture<'a, Result<crate::Principal, crate::AuthFailure>> {
            self.0.fetch_add(1, Ordering::Relaxed);
            let tenant = crate::Tenant::new(crate::TenantId("t1".into()), "acme", Compat::LENIENT);
            Box::pin(async move { Ok(crate::Principal::new(tenant, None)) })
        }
    }

    #[test]
    fn a_request_is_authenticated_once() {
        let calls = Arc::new(AtomicUsize::new(0));
        let engine = Engine::authenticated_by(
            MemoryStore::new(),
            CountingAuthenticator(Arc::clone(&calls)),
            clock,
            Counter(AtomicU64::new(1)),
        );
        let mut service = ScimService::new(engine);
        let body = TestBody::new([Ok(Bytes::from_static(USER))]);
        let response = call(&mut service, post("/scim/v2/Users", "any", body));
        assert_eq!(response.status(), StatusCode::CREATED);
        assert!(!response.headers().contains_key(header::CONNECTION));
        assert_eq!(calls.load(Ordering::Relaxed), 1);
    }

    /// An error that wraps another, as a framework's body error does.
    #[derive(Debug)]
    struct Wrapped(io::Error);

    impl fmt::Display for Wrapped {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            self.0.fmt(f)
        }
    }

    impl Error for Wrapped {
        fn source(&self) -> Option<&(dyn Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn a_timeout_is_found_inside_a_wrapping_error() {
        let late = || io::Error::new(io::ErrorKind::TimedOut, "late");
        assert!(timed_out(&late()));
        assert!(timed_out(&Wrapped(late())));
        assert!(!timed_out(&Wrapped(io::Error::other("reset"))));
    }

    #[test]
    fn a_body_that_does_not_arrive_in_time_is_408() {
        let (engine, key) = engine();
        let mut service = ScimService::new(engine);
        let late = io::Error::new(io::ErrorKind::TimedOut, "no body within 30 seconds");
        let body = TestBody::new([Ok(Bytes::from_static(b"{"))]).then_failing(late);
        let response = call(&mut service, post("/scim/v2/Users", &key, body));
        assert_eq!(response.headers()[header::CONNECTION], "close");
        let detail = scim_error(response, 408);
        assert_eq!(
            detail,
            "the request body did not arrive in time: no body within 30 seconds"
        );
    }

    #[test]
    fn engine_errors_pass_through() {
        let (engine, _) = engine();
        let mut service = ScimService::new(engine);
        let request = Request::get("/scim/v2/Users")
            .body(Full::<Bytes>::default())
            .unwrap();
        let response = call(&mut service, request);
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
        assert!(response.headers().contains_key(header::WWW_AUTHENTICATE));
    }
}
