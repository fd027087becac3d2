//! The request log: one event per request, under the target [`TARGET`], written on
//! standard error by `tracing-subscriber` as a line of text,
//!
//! ```text
//! 2026-11-23T13:45:01.123Z GET /scim/v2/Users?filter=…&count=… 200 0.4ms tenant=default key=key_0b6f…
//! 2026-11-23T13:45:02.456Z POST /scim/v2/Users 503 5001.2ms tenant=default key=key_0b6f… error="store unavailable: database is locked"
//! ```
//!
//! or, with `--log-format json`, as one JSON object a line (`timestamp`, `level`,
//! `method`, `path`, `status`, `duration_ms`, `tenant`, `key_id`, `error`): the time the
//! response was ready, the method, the path with the names of the query parameters but
//! not their values (a filter names people), the status, the time the request took, the
//! tenant and the id of the API key when the bearer token is a known key (`-` in text,
//! left out in JSON, otherwise), and, when the request met a store failure, its cause
//! (the engine's [`StoreFailure`]; left out otherwise). The token itself is never
//! written, nor the body: the layer looks up the token's hash, as the engine does, and
//! stores are given hashes only. `RUST_LOG` filters the events (default:
//! `info`, which lets them all through).

use std::fmt::{self, Write as _};
use std::io;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{SecondsFormat, Utc};
use http::{HeaderMap, Uri, header};
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::fmt::format::Writer;
use tracing_subscriber::fmt::time::FormatTime;
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields, MakeWriter};
use tracing_subscriber::registry::LookupSpan;

use scimitar_engine::{KeyHash, ResourceStore, StoreFailure, TenantStore};

use super::server::App;
use crate::failure::Failure;

/// The target of the request events, as `RUST_LOG` names it:
/// `RUST_LOG=scimitar::request=off` turns the request log off.
pub(crate) const TARGET: &str = "scimitar::request";

/// The longest path and query written; longer ones are cut and end with `…`.
const MAX_TARGET: usize = 1024;

/// How the request log is written: `--log-format`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum LogFormat {
    /// One line of text a request (the default).
    #[default]
    Text,
    /// One JSON object a line.
    Json,
}

impl LogFormat {
    /// `--log-format FORMAT`: `text` or `json`.
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        match text {
            "text" => Ok(Self::Text),
            "json" => Ok(Self::Json),
            _ => Err(format!(
                "invalid --log-format {text:?}: expected text or json"
            )),
        }
    }
}

/// Sends the events of this process to standard error, in `format`, filtered by
/// `RUST_LOG` (default: `info`).
pub(crate) fn install(format: LogFormat) -> Result<(), Failure> {
    let filter = EnvFilter::builder()
        .with_default_directive(LevelFilter::INFO.into())
        .from_env_lossy();
    tracing::subscriber::set_global_default(subscriber(format, filter, io::stderr))
        .map_err(|error| Failure::unavailable(format!("cannot start the request log: {error}")))
}

/// The subscriber that writes the events `filter` lets through to `writer`, in `format`.
/// The writer gets each event whole, in one write, so that lines from concurrent
/// requests do not mix.
fn subscriber<W>(
    format: LogFormat,
    filter: EnvFilter,
    writer: W,
) -> Box<dyn Subscriber + Send + Sync>
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.event_format(TextLine).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(false)
                .with_span_list(false)
                .with_target(false)
                .with_timer(UtcMillis)
                .finish(),
        ),
    }
}

/// The middleware that logs each request once its response is ready.
pub(crate) async fn requests(
    State(app): State<Arc<App>>,
    request: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let target = redacted_target(request.uri());
    let hash = bearer_token(request.headers()).map(KeyHash::of);
    let response = next.run(request).await;
    let elapsed = started.elapsed();
    // The engine names the caller of an authenticated request; only refused keys are
    // looked up, so that the log says whose request failed.
    let caller = match (response.extensions().get::<scimitar_engine::Caller>(), hash) {
        (Some(known), _) => Caller {
            tenant: Some(known.tenant.clone()),
            key: known.key_id.clone(),
        },
        (None, Some(hash)) => Caller::of(app.engine.store(), &hash).await,
        (None, None) => Caller::default(),
    };
    let failure = response
        .extensions()
        .get::<StoreFailure>()
        .map(ToString::to_string);
    tracing::info!(
        target: TARGET,
        method = method.as_str(),
        path = target.as_str(),
        status = response.status().as_u16(),
        duration_ms = millis(elapsed),
        tenant = caller.tenant.as_deref(),
        key_id = caller.key.as_deref(),
        error = failure.as_deref(),
    );
    response
}

/// `elapsed` in milliseconds, to the microsecond.
fn millis(elapsed: Duration) -> f64 {
    (elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0
}

/// The time of an event: now, in UTC to the millisecond, as `2026-11-23T13:45:01.123Z`.
fn now() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// The JSON format's `timestamp`, the time the text format writes.
struct UtcMillis;

impl FormatTime for UtcMillis {
    fn format_time(&self, writer: &mut Writer<'_>) -> fmt::Result {
        writer.write_str(&now())
    }
}

/// The text format: a request event as `TIME METHOD PATH STATUS LATENCYms tenant=NAME
/// key=ID`, and ` error=CAUSE` when there is one; any other event as `TIME LEVEL
/// TARGET: FIELDS`.
struct TextLine;

impl<S, N> FormatEvent<S, N> for TextLine
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(
        &self,
        _context: &FmtContext<'_, S, N>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let mut fields = Fields::default();
        event.record(&mut fields);
        let metadata = event.metadata();
        let line = if metadata.target() == TARGET {
            fields.request_line()
        } else {
            fields.other_line(*metadata.level(), metadata.target())
        };
        writeln!(writer, "{} {line}", now())
    }
}

/// The fields of an event, as the text format reads them.
#[derive(Debug, Default)]
struct Fields {
    method: Option<String>,
    path: Option<String>,
    status: Option<u64>,
    duration_ms: Option<f64>,
    tenant: Option<String>,
    key_id: Option<String>,
    /// The store failure the request met.
    error: Option<String>,
    /// Any other field, as `name=value`, and the message.
    other: Vec<String>,
}

impl Fields {
    /// The line of a request event, without its time.
    fn request_line(&self) -> String {
        let mut line = format!(
            "{} {} {} {:.1}ms",
            self.method.as_deref().unwrap_or("-"),
            self.path.as_deref().unwrap_or("-"),
            self.status.unwrap_or_default(),
            self.duration_ms.unwrap_or_default(),
        );
        let _ = write!(line, " tenant={}", field(self.tenant.as_deref()));
        let _ = write!(line, " key={}", field(self.key_id.as_deref()));
        if let Some(error) = &self.error {
            let _ = write!(line, " error={}", field(Some(error)));
        }
        line
    }

    /// The line of another event, without its time.
    fn other_line(&self, level: Level, target: &str) -> String {
        let mut line = format!("{level} {target}:");
        for field in &self.other {
            line.push(' ');
            line.push_str(field);
        }
        line
    }
}

impl Visit for Fields {
    fn record_str(&mut self, field: &Field, value: &str) {
        match field.name() {
            "method" => self.method = Some(value.to_owned()),
            "path" => self.path = Some(value.to_owned()),
            "tenant" => self.tenant = Some(value.to_owned()),
            "key_id" => self.key_id = Some(value.to_owned()),
            "error" => self.error = Some(value.to_owned()),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        match field.name() {
            "status" => self.status = Some(value),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        match field.name() {
            "duration_ms" => self.duration_ms = Some(value),
            _ => self.record_debug(field, &value),
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        if field.name() == "message" {
            self.other.push(format!("{value:?}"));
        } else {
            self.other.push(format!("{}={value:?}", field.name()));
        }
    }
}

/// Who made a request: the tenant's name and the key's id, when known.
#[derive(Debug, Default, PartialEq, Eq)]
struct Caller {
    tenant: Option<String>,
    key: Option<String>,
}

impl Caller {
    /// The key whose secret hashes to `hash` and its tenant, revoked or expired keys
    /// included (their requests fail, and the log says whose they were).
    async fn of(store: &(impl ResourceStore + TenantStore), hash: &KeyHash) -> Self {
        let Ok(Some(key)) = store.key_by_hash(hash).await else {
            return Self::default();
        };
        let tenant = store.tenant(&key.tenant).await.ok().flatten();
        Self {
            tenant: tenant.map(|tenant| tenant.name),
            key: Some(key.id),
        }
    }
}

/// A value as one word of the line: `-` for none, quoted when it has spaces, quotes or
/// control characters.
fn field(value: Option<&str>) -> String {
    match value {
        None => "-".to_owned(),
        Some(value)
            if !value.is_empty()
                && !value
                    .chars()
                    .any(|c| c.is_whitespace() || c.is_control() || c == '"') =>
        {
            value.to_owned()
        }
        Some(value) => format!("{value:?}"),
    }
}

/// The path and query of `uri` with each query parameter's value replaced by `…`:
/// `/scim/v2/Users?filter=…&count=…`. A parameter without a value is kept when it is a
/// flag such as Entra ID's `aadOptscim062020`, and is `…` otherwise: it could be a key
/// pasted into the URL. Cut at [`MAX_TARGET`] characters.
fn redacted_target(uri: &Uri) -> String {
    let mut target = uri.path().to_owned();
    if let Some(query) = uri.query() {
        target.push('?');
        let names = query
            .split('&')
            .filter(|parameter| !parameter.is_empty())
            .map(|parameter| match parameter.split_once('=') {
                Some((name, _)) => format!("{name}=…"),
                None if is_flag(parameter) => parameter.to_owned(),
                None => "…".to_owned(),
            });
        for (index, name) in names.enumerate() {
            if index > 0 {
                target.push('&');
            }
            target.push_str(&name);
        }
    }
    if let Some((cut, _)) = target.char_indices().nth(MAX_TARGET) {
        target.truncate(cut);
        target.push('…');
    }
    target
}

/// Whether a query parameter without a value reads as a flag: at most 32 letters,
/// digits, `_`, `-` or `.`, and not the start of one of this server's keys (`scim_…`).
fn is_flag(parameter: &str) -> bool {
    parameter.len() <= 32
        && !parameter.starts_with("scim_")
        && parameter
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
}

/// The bearer token of a request, as the engine reads it: `Authorization: Bearer TOKEN`,
/// the scheme in any case.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?.trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use std::net::SocketAddr;
    use std::sync::Mutex;

    use crate::serve::connections::Limits;
    use scimitar_engine::Engine;
    use scimitar_store_sqlite::SqliteStore;

    use chrono::TimeZone;
    use http::HeaderValue;
    use pollster::block_on;
    use scimitar_engine::{ApiKey, MemoryStore, Tenant, TenantId};
    use scimitar_patch::Compat;

    use super::*;
    use crate::serve::env::{SystemClock, UuidIds};
    use crate::serve::server;
    use crate::store::AnyStore;

    fn target(uri: &str) -> String {
        redacted_target(&uri.parse().unwrap())
    }

    #[test]
    fn query_values_are_left_out() {
        assert_eq!(target("/scim/v2/Users"), "/scim/v2/Users");
        assert_eq!(
            target("/scim/v2/Users?filter=userName+eq+%22bjensen%22&count=10"),
            "/scim/v2/Users?filter=…&count=…"
        );
        assert_eq!(
            target("/scim/v2/Groups?excludedAttributes=members&&flag&x="),
            "/scim/v2/Groups?excludedAttributes=…&flag&x=…"
        );
        assert_eq!(target("/scim/v2/Users?"), "/scim/v2/Users?");
    }

    #[test]
    fn only_flags_are_kept_whole() {
        assert_eq!(
            target("/scim/v2/Users?aadOptscim062020"),
            "/scim/v2/Users?aadOptscim062020"
        );
        let key = format!("scim_{}", "A1b2".repeat(11));
        assert_eq!(target(&format!("/scim/v2/Users?{key}")), "/scim/v2/Users?…");
        let long = "x".repeat(33);
        assert_eq!(
            target(&format!("/scim/v2/Users?{long}&count=1")),
            "/scim/v2/Users?…&count=…"
        );
        assert_eq!(target("/scim/v2/Users?a%20b"), "/scim/v2/Users?…");
    }

    #[test]
    fn long_targets_are_cut() {
        let long = format!("/{}", "a".repeat(5000));
        let cut = target(&long);
        assert_eq!(cut.chars().count(), MAX_TARGET + 1);
        assert!(cut.ends_with("a…"));
    }

    #[test]
    fn bearer_tokens_are_read_as_the_engine_reads_them() {
        let token = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(header::AUTHORIZATION, HeaderValue::from_str(value).unwrap());
            bearer_token(&headers).map(str::to_owned)
        };
        assert_eq!(token("Bearer abc").as_deref(), Some("abc"));
        assert_eq!(token("bearer  abc ").as_deref(), Some("abc"));
        assert_eq!(token("Basic abc"), None);
        assert_eq!(token("Bearer "), None);
        assert_eq!(bearer_token(&HeaderMap::new()), None);
    }

    /// A writer that keeps what is written.
    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl io::Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl<'w> MakeWriter<'w> for Captured {
        type Writer = Self;

        fn make_writer(&'w self) -> Self {
            self.clone()
        }
    }

    /// What the request log writes, in `format` and filtered by `directives` as
    /// `RUST_LOG` would be, for a request of the tenant `default`, one of no one and one
    /// that met a store failure.
    fn logged(format: LogFormat, directives: &str) -> String {
        let captured = Captured::default();
        let filter = EnvFilter::builder()
            .with_default_directive(LevelFilter::INFO.into())
            .parse_lossy(directives);
        let subscriber = subscriber(format, filter, captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!(
                target: TARGET,
                method = "GET",
                path = "/scim/v2/Users?filter=…",
                status = 200_u16,
                duration_ms = millis(Duration::from_micros(1500)),
                tenant = Some("default"),
                key_id = Some("key_1"),
            );
            tracing::info!(
                target: TARGET,
                method = "POST",
                path = "/",
                status = 401_u16,
                duration_ms = millis(Duration::ZERO),
                tenant = None::<&str>,
                key_id = None::<&str>,
            );
            tracing::info!(
                target: TARGET,
                method = "POST",
                path = "/scim/v2/Users",
                status = 503_u16,
                duration_ms = millis(Duration::from_millis(2)),
                tenant = Some("default"),
                key_id = Some("key_1"),
                error = Some("store unavailable: database is locked"),
            );
        });
        let bytes = captured.0.lock().unwrap().clone();
        String::from_utf8(bytes).unwrap()
    }

    #[test]
    fn text_lines_name_the_caller() {
        let log = logged(LogFormat::Text, "");
        let lines: Vec<&str> = log.lines().collect();
        assert_eq!(lines.len(), 3, "{log}");
        let (time, rest) = lines[0].split_once(' ').unwrap();
        assert!(time.ends_with('Z') && time.len() == 24, "{time}");
        assert_eq!(
            rest,
            "GET /scim/v2/Users?filter=… 200 1.5ms tenant=default key=key_1"
        );
        assert!(
            lines[1].ends_with(" POST / 401 0.0ms tenant=- key=-"),
            "{log}"
        );
        assert!(
            lines[2].ends_with(
                " POST /scim/v2/Users 503 2.0ms tenant=default key=key_1 \
                 error=\"store unavailable: database is locked\""
            ),
            "{log}"
        );
    }

    #[test]
    fn json_lines_are_objects() {
        let log = logged(LogFormat::Json, "");
        let lines: Vec<serde_json::Value> = log
            .lines()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect();
        assert_eq!(lines.len(), 3, "{log}");
        let time = lines[0]["timestamp"].as_str().unwrap();
        assert!(time.ends_with('Z') && time.len() == 24, "{time}");
        assert_eq!(lines[0]["level"], "INFO");
        assert_eq!(lines[0]["method"], "GET");
        assert_eq!(lines[0]["path"], "/scim/v2/Users?filter=…");
        assert_eq!(lines[0]["status"], 200);
        assert_eq!(lines[0]["duration_ms"], 1.5);
        assert_eq!(lines[0]["tenant"], "default");
        assert_eq!(lines[0]["key_id"], "key_1");
        assert_eq!(lines[1]["status"], 401);
        assert!(lines[1].get("tenant").is_none(), "{log}");
        assert!(lines[1].get("key_id").is_none(), "{log}");
        assert!(lines[0].get("error").is_none(), "{log}");
        assert_eq!(lines[2]["error"], "store unavailable: database is locked");
    }

    #[test]
    fn rust_log_filters_the_request_log() {
        assert_eq!(logged(LogFormat::Text, "warn"), "");
        assert_eq!(logged(LogFormat::Json, "scimitar::request=off"), "");
        assert_eq!(logged(LogFormat::Text, "scimitar=info").lines().count(), 3);
    }

    #[test]
    fn other_events_are_lines_too() {
        let captured = Captured::default();
        let filter = EnvFilter::new("info");
        let subscriber = subscriber(LogFormat::Text, filter, captured.clone());
        tracing::subscriber::with_default(subscriber, || {
            tracing::warn!(target: "elsewhere", answer = 42, "something happened");
        });
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let (_time, rest) = log.split_once(' ').unwrap();
        assert_eq!(rest, "WARN elsewhere: something happened answer=42\n");
    }

    #[test]
    fn log_formats_are_text_or_json() {
        assert_eq!(LogFormat::parse("text"), Ok(LogFormat::Text));
        assert_eq!(LogFormat::parse("json"), Ok(LogFormat::Json));
        assert_eq!(
            LogFormat::parse("JSON"),
            Err(r#"invalid --log-format "JSON": expected text or json"#.to_owned())
        );
    }

    #[test]
    fn odd_tenant_names_are_quoted() {
        assert_eq!(field(Some("acme")), "acme");
        assert_eq!(field(Some("acme corp")), r#""acme corp""#);
        assert_eq!(field(Some("")), r#""""#);
        assert_eq!(field(Some("a\nb")), r#""a\nb""#);
    }

    /// `METHOD PATH` with `Authorization: Bearer KEY` and `body` to `addr`, on a
    /// connection of its own: the status, the `Retry-After` header and the body.
    fn send(addr: SocketAddr, method: &str, path: &str, key: &str, body: &str) -> Sent {
        let mut stream = std::net::TcpStream::connect(addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .unwrap();
        let request = format!(
            "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\
             Authorization: Bearer {key}\r\nContent-Type: application/scim+json\r\n\
             Content-Length: {}\r\n\r\n{body}",
            body.len()
        );
        io::Write::write_all(&mut stream, request.as_bytes()).unwrap();
        let mut response = String::new();
        io::Read::read_to_string(&mut stream, &mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        let head = head.to_ascii_lowercase();
        let retry_after = head
            .split("\r\n")
            .find_map(|line| line.strip_prefix("retry-after: "))
            .map(str::to_owned);
        Sent {
            status: head[9..12].parse().unwrap(),
            retry_after,
            body: body.to_owned(),
        }
    }

    #[derive(Debug, PartialEq)]
    struct Sent {
        status: u16,
        retry_after: Option<String>,
        body: String,
    }

    /// A user to create.
    const USER: &str =
        r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;

    /// Serves a store in memory on SQLite on a loopback port, with one tenant (`acme`)
    /// and its key, and runs `client` (given the address, the key and the store) on a
    /// thread beside the server; returns what it returned and the text request log.
    fn over_http<T: Send + 'static>(
        client: impl FnOnce(SocketAddr, &str, &SqliteStore) -> T + Send + 'static,
    ) -> (T, String) {
        let store = AnyStore::Sqlite(SqliteStore::open_in_memory().unwrap());
        let engine = Engine::new(store, SystemClock, UuidIds::new().unwrap());
        let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).unwrap();
        let key = block_on(engine.issue_key(&tenant.id, None)).unwrap().secret;
        let app = Arc::new(App {
            engine: Arc::new(engine),
            body_limit: 1 << 20,
        });
        let captured = Captured::default();
        let subscriber = subscriber(LogFormat::Text, EnvFilter::new("info"), captured.clone());
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        // The server runs on this thread, where the subscriber is the default; the client
        // on a blocking thread beside it.
        let returned = tracing::subscriber::with_default(subscriber, || {
            runtime.block_on(async {
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
                let addr = listener.local_addr().unwrap();
                let served = Arc::clone(&app);
                tokio::spawn(server::serve(
                    listener,
                    served,
                    Limits::default(),
                    std::future::pending(),
                ));
                tokio::task::spawn_blocking(move || {
                    let AnyStore::Sqlite(store) = app.engine.store() else {
                        unreachable!("the store is SQLite")
                    };
                    client(addr, &key, store)
                })
                .await
                .unwrap()
            })
        });
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        (returned, log)
    }

    /// Once the database writer has died, `/healthz` says so, a write fails at once
    /// with `503` and `Retry-After`, and the request log names the cause, never the key.
    #[test]
    fn a_dead_writer_is_logged_and_unhealthy_over_http() {
        let ((sent, key), log) = over_http(|addr, key, store| {
            let mut sent = vec![
                send(addr, "GET", "/healthz", "", ""),
                send(addr, "POST", "/scim/v2/Users", key, USER),
            ];
            store.kill_writer();
            sent.push(send(addr, "GET", "/healthz", "", ""));
            sent.push(send(addr, "POST", "/scim/v2/Users", key, USER));
            sent.push(send(addr, "GET", "/scim/v2/Users", key, ""));
            (sent, key.to_owned())
        });
        let statuses: Vec<u16> = sent.iter().map(|sent| sent.status).collect();
        assert_eq!(statuses, [200, 201, 503, 503, 200], "{sent:?}");
        assert_eq!(sent[0].body, "ok");
        assert_eq!(sent[2].body, "unhealthy: the database writer stopped");
        assert_eq!(sent[3].retry_after.as_deref(), Some("1"), "{:?}", sent[3]);
        assert!(!sent[3].body.contains("writer"), "{:?}", sent[3]);

        let cause = r#"error="store unavailable: the database writer stopped""#;
        let failed: Vec<&str> = log.lines().filter(|line| line.contains(" 503 ")).collect();
        assert_eq!(failed.len(), 2, "{log}");
        assert!(failed[0].contains(" GET /healthz 503 "), "{log}");
        assert!(failed[1].contains(" POST /scim/v2/Users 503 "), "{log}");
        assert!(failed[1].contains(" tenant=acme key="), "{log}");
        assert!(failed.iter().all(|line| line.ends_with(cause)), "{log}");
        assert!(!log.contains(&key), "the key is never logged: {log}");
        let fine = log.lines().filter(|line| !line.contains(" 503 "));
        assert!(
            fine.into_iter().all(|line| !line.contains("error=")),
            "{log}"
        );
    }

    /// A database error while the key is checked is `503` with `Retry-After` (not
    /// `401`, which could make an identity provider quarantine the app), named in the
    /// log; the next request is served.
    #[test]
    fn a_store_failure_at_authentication_is_503_over_http() {
        let ((failed, served, key), log) = over_http(|addr, key, store| {
            // In memory, the key lookup is the next statement on the one connection.
            store.fail_statements(1).unwrap();
            let failed = send(addr, "GET", "/scim/v2/Users", key, "");
            let served = send(addr, "GET", "/scim/v2/Users", key, "");
            (failed, served.status, key.to_owned())
        });
        assert_eq!(failed.status, 503, "{failed:?}");
        assert_eq!(failed.retry_after.as_deref(), Some("1"), "{failed:?}");
        let error: serde_json::Value = serde_json::from_str(&failed.body).unwrap();
        assert_eq!(error["status"], "503");
        assert_eq!(
            error["detail"],
            "the credentials cannot be checked now; try again later"
        );
        assert_eq!(served, 200);
        let line = log
            .lines()
            .find(|line| line.contains(" GET /scim/v2/Users 503 "))
            .unwrap_or_else(|| panic!("the refused request is logged: {log}"));
        assert!(
            line.contains(r#" error="store unavailable: interrupted""#),
            "{line}"
        );
        assert!(!log.contains(&key), "the key is never logged: {log}");
    }

    /// A full disk (SQLite's page limit) fails writes with `503` and `Retry-After`,
    /// named in the log; every write acknowledged before is there, and writes resume
    /// once there is room.
    #[test]
    fn a_full_disk_fails_writes_over_http_until_there_is_room() {
        let (((refused, resumed, listed), key), log) = over_http(|addr, key, store| {
            store.fill_disk(true).unwrap();
            let mut acknowledged = Vec::new();
            let refused = (0..10_000)
                .find_map(|n| {
                    let user = format!(
                        r#"{{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                             "userName": "user{n}"}}"#
                    );
                    let sent = send(addr, "POST", "/scim/v2/Users", key, &user);
                    if sent.status == 201 {
                        acknowledged.push(format!("user{n}"));
                        return None;
                    }
                    Some(sent)
                })
                .expect("the disk fills up");
            store.fill_disk(false).unwrap();
            let resumed = send(addr, "POST", "/scim/v2/Users", key, USER);
            acknowledged.push("bjensen".to_owned());
            let listed = send(addr, "GET", "/scim/v2/Users?count=10000", key, "");
            let listed: serde_json::Value = serde_json::from_str(&listed.body).unwrap();
            let mut names: Vec<String> = listed["Resources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|user| user["userName"].as_str().unwrap().to_owned())
                .collect();
            names.sort();
            acknowledged.sort();
            (
                (refused, resumed.status, names == acknowledged),
                key.to_owned(),
            )
        });
        assert_eq!(refused.status, 503, "{refused:?}");
        assert_eq!(refused.retry_after.as_deref(), Some("1"), "{refused:?}");
        assert_eq!(resumed, 201);
        assert!(listed, "every acknowledged write is there, and no other");
        let line = log
            .lines()
            .find(|line| line.contains(" POST /scim/v2/Users 503 "))
            .unwrap_or_else(|| panic!("the refused write is logged: {log}"));
        assert!(
            line.ends_with(r#" error="store unavailable: database or disk is full""#),
            "{line}"
        );
        assert!(!log.contains(&key), "the key is never logged: {log}");
    }

    #[test]
    fn callers_are_found_by_the_hash_of_their_key() {
        let store = MemoryStore::new();
        let tenant = Tenant::new(TenantId("t1".to_owned()), "acme", Compat::LENIENT);
        let created = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let key = ApiKey::new("key_1", tenant.id.clone(), KeyHash::of("s3cret"), created);
        block_on(store.create_tenant(tenant)).unwrap();
        block_on(store.add_key(key)).unwrap();
        assert_eq!(
            block_on(Caller::of(&store, &KeyHash::of("s3cret"))),
            Caller {
                tenant: Some("acme".to_owned()),
                key: Some("key_1".to_owned()),
            }
        );
        assert_eq!(
            block_on(Caller::of(&store, &KeyHash::of("guess"))),
            Caller::default()
        );
    }
}
