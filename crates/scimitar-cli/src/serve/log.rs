//! The request log: one line per request on standard error, as
//!
//! ```text
//! 2026-11-23T13:45:01.123Z GET /scim/v2/Users?filter=…&count=… 200 0.4ms tenant=default key=key_0b6f…
//! ```
//!
//! the time the response was ready, the method, the path with the names of the query
//! parameters but not their values (a filter names people), the status, the time the
//! request took, and the tenant and the id of the API key when the bearer token is a
//! known key (`-` otherwise). The token itself is never written: the layer looks up its
//! hash, as the engine does.

use std::fmt::Write as _;
use std::io::{self, Write as _};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use chrono::{SecondsFormat, Utc};
use http::{HeaderMap, Method, StatusCode, Uri, header};

use scimitar_engine::{KeyHash, ResourceStore, TenantStore};

use super::server::App;

/// The longest path and query written; longer ones are cut and end with `…`.
const MAX_TARGET: usize = 1024;

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
    let line = line(&method, &target, response.status(), elapsed, &caller);
    // One write per line, so that lines from concurrent requests do not mix; a log that
    // cannot be written does not fail the request.
    let _ = io::stderr().write_all(line.as_bytes());
    response
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

/// The log line, with its newline.
fn line(
    method: &Method,
    target: &str,
    status: StatusCode,
    elapsed: Duration,
    caller: &Caller,
) -> String {
    let now = Utc::now().to_rfc3339_opts(SecondsFormat::Millis, true);
    let millis = elapsed.as_secs_f64() * 1000.0;
    let mut line = format!("{now} {method} {target} {} {millis:.1}ms", status.as_u16());
    let _ = write!(line, " tenant={}", field(caller.tenant.as_deref()));
    let _ = writeln!(line, " key={}", field(caller.key.as_deref()));
    line
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
/// `/scim/v2/Users?filter=…&count=…`. Cut at [`MAX_TARGET`] characters.
fn redacted_target(uri: &Uri) -> String {
    let mut target = uri.path().to_owned();
    if let Some(query) = uri.query() {
        target.push('?');
        let names = query
            .split('&')
            .filter(|parameter| !parameter.is_empty())
            .map(|parameter| match parameter.split_once('=') {
                Some((name, _)) => format!("{name}=…"),
                None => parameter.to_owned(),
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
    use chrono::TimeZone;
    use http::HeaderValue;
    use scimitar_engine::{ApiKey, MemoryStore, Tenant, TenantId, block_on};
    use scimitar_patch::Compat;

    use super::*;

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

    #[test]
    fn lines_name_the_caller() {
        let caller = Caller {
            tenant: Some("default".to_owned()),
            key: Some("key_1".to_owned()),
        };
        let line = line(
            &Method::GET,
            "/scim/v2/Users?filter=…",
            StatusCode::OK,
            Duration::from_micros(1500),
            &caller,
        );
        let (_time, rest) = line.split_once(' ').unwrap();
        assert_eq!(
            rest,
            "GET /scim/v2/Users?filter=… 200 1.5ms tenant=default key=key_1\n"
        );
        let anonymous = super::line(
            &Method::POST,
            "/",
            StatusCode::UNAUTHORIZED,
            Duration::ZERO,
            &Caller::default(),
        );
        assert!(anonymous.ends_with(" POST / 401 0.0ms tenant=- key=-\n"));
    }

    #[test]
    fn odd_tenant_names_are_quoted() {
        assert_eq!(field(Some("acme")), "acme");
        assert_eq!(field(Some("acme corp")), r#""acme corp""#);
        assert_eq!(field(Some("")), r#""""#);
        assert_eq!(field(Some("a\nb")), r#""a\nb""#);
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
