//! The properties the request handler of `scimitar-engine` keeps, whatever request a
//! client sends.
//!
//! Shared by the cargo-fuzz target `engine_request` and by the stable-toolchain test that
//! replays its committed corpus (`crates/scimitar-engine/tests/it/fuzz_corpus.rs`
//! includes this file with `#[path]`), so it uses only `scimitar_engine`,
//! `scimitar_patch`, `http`, `bytes`, `chrono`, `serde_json` and `std`.
//!
//! An input is decoded into one request ([`decode`]):
//!
//! ```text
//! byte 0   method: METHODS[byte % 12]
//! byte 1   path:   PATHS[byte % 20], under /scim/v2 (except the last, which adds nothing)
//! byte 2   bits 0-2: Authorization, AUTHS[bits]
//!          bits 3-4: Content-Type: application/scim+json, application/json;
//!                    charset=utf-8, none, text/plain
//!          bit 5: If-Match: <etag>      bit 6: If-None-Match: <etag>
//!          bit 7: an absolute URI (https://scim.example.com/…) instead of a path
//! then     <path suffix> NUL <query> NUL <etag> NUL <body>
//! ```
//!
//! The path suffix is appended to the path as raw bytes; the query's bytes that a URI
//! cannot hold (space, `"`, controls, non-ASCII, …) are percent-encoded, as a client
//! would; the body is the rest of the input and may hold NULs. Missing fields are empty.
//! Inputs shorter than three bytes, and requests `http::Request::builder` refuses, are
//! skipped.
//!
//! Every request goes to one [`Engine`] per process, over a [`MemoryStore`] seeded with
//! two tenants (the lenient default profile and the strict one), their keys, a revoked
//! key, two users and a group. Requests change that state as they go (a fuzzer's run is
//! then not replayable input by input, which the properties do not need).
//!
//! For each request:
//! - `Engine::handle` never panics;
//! - the status is between 200 and 599, and never 500 nor 503 (nothing in the engine or
//!   the memory store fails on its own);
//! - every response but 2xx and 304 is an RFC 7644 §3.12 error: `Content-Type:
//!   application/scim+json` and a JSON body whose `schemas` is exactly the Error URN
//!   and whose `status` is the HTTP status as a string; a 401 has `WWW-Authenticate`,
//!   a 405 has `Allow`;
//! - a 2xx body, when there is one, is a JSON object sent as `application/scim+json`;
//!   a 201 has `Location`; 204 and 304 have no body;
//! - a request without a valid key (none, an unknown or revoked key, another scheme, an
//!   empty token) reads and writes no tenant data: it succeeds only as a `GET` (or
//!   `HEAD`) of a discovery endpoint, whose body holds no seeded resource id;
//! - a `HEAD` is answered as the same request as a `GET` would be, without the body
//!   (RFC 9110 §9.3.2): the target sends that `GET` too, checks it as above, and
//!   requires the same status and headers and an empty body for the `HEAD` (so a
//!   keyless `HEAD` of a discovery endpoint succeeds exactly when its `GET` does).

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, Request, Response, StatusCode, header};
use pollster::block_on;
use scimitar_engine::{Engine, EngineConfig, IdSource, MemoryStore};
use scimitar_patch::Compat;
use serde_json::{Value, json};

const ERROR_URN: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const SCIM_JSON: &str = "application/scim+json";

/// The methods byte 0 picks from: the five SCIM uses, others HTTP defines, and extension
/// methods (a lower-case `get` is not `GET`).
pub const METHODS: [&str; 12] = [
    "GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE", "CONNECT", "get",
    "PROPFIND", "M-SEARCH",
];

/// The paths byte 1 picks from, under the base path; `{user}`, `{user2}`, `{group}` and
/// `{strict_user}` stand for the seeded resources' ids. The last one adds nothing, not
/// even the base path: the suffix is then the whole path.
pub const PATHS: [&str; 20] = [
    "/scim/v2",
    "/scim/v2/Users",
    "/scim/v2/Users/{user}",
    "/scim/v2/Users/{user2}",
    "/scim/v2/Groups",
    "/scim/v2/Groups/{group}",
    "/scim/v2/Users/.search",
    "/scim/v2/.search",
    "/scim/v2/Bulk",
    "/scim/v2/ServiceProviderConfig",
    "/scim/v2/ResourceTypes",
    "/scim/v2/ResourceTypes/User",
    "/scim/v2/Schemas",
    "/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User",
    "/scim/v2/Me",
    "/scim/v2/Groups/{user}",
    "/scim/v2/Users/{strict_user}",
    "/scim/v2/Groups/.search",
    "/SCIM/v2/users/",
    "",
];

/// The `Authorization` values the low three bits of byte 2 pick from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Auth {
    /// `Bearer <key>` of the lenient tenant.
    Valid,
    /// `Bearer <key>` of the strict tenant.
    Strict,
    /// `bearer  <key>  `: the lenient tenant's key, scheme in lower case, extra spaces.
    ValidLowerCase,
    /// `Bearer <a key no tenant holds>`.
    Wrong,
    /// No header.
    Missing,
    /// `Bearer <a revoked key>`.
    Revoked,
    /// `Basic <user:password>`.
    Basic,
    /// `Bearer` and nothing else.
    EmptyBearer,
}

/// Indexed by the low three bits of byte 2.
pub const AUTHS: [Auth; 8] = [
    Auth::Valid,
    Auth::Strict,
    Auth::ValidLowerCase,
    Auth::Wrong,
    Auth::Missing,
    Auth::Revoked,
    Auth::Basic,
    Auth::EmptyBearer,
];

impl Auth {
    /// Whether the engine must accept the credential.
    pub fn is_valid(self) -> bool {
        matches!(self, Self::Valid | Self::Strict | Self::ValidLowerCase)
    }
}

/// `Content-Type` by bits 3-4 of byte 2; `None` sends no header.
pub const CONTENT_TYPES: [Option<&str>; 4] = [
    Some(SCIM_JSON),
    Some("application/json; charset=utf-8"),
    None,
    Some("text/plain"),
];

/// A decoded input, before the seeded ids are filled in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Input<'a> {
    /// The method.
    pub method: &'static str,
    /// One of [`PATHS`].
    pub path: &'static str,
    /// Appended to the path.
    pub suffix: &'a [u8],
    /// The query string, before percent-encoding (no `?` when empty).
    pub query: &'a [u8],
    /// The credential.
    pub auth: Auth,
    /// `Content-Type`.
    pub content_type: Option<&'static str>,
    /// Sent as `If-Match`.
    pub if_match: bool,
    /// Sent as `If-None-Match`.
    pub if_none_match: bool,
    /// The value of `If-Match` and `If-None-Match`.
    pub etag: &'a [u8],
    /// Whether the URI is absolute.
    pub absolute: bool,
    /// The body.
    pub body: &'a [u8],
}

/// Reads an input in the format of the module documentation; `None` if it is shorter
/// than three bytes.
pub fn decode(data: &[u8]) -> Option<Input<'_>> {
    let [method, path, flags, rest @ ..] = data else {
        return None;
    };
    let mut fields = rest.splitn(4, |&byte| byte == 0);
    let mut next = || fields.next().unwrap_or_default();
    let (suffix, query, etag, body) = (next(), next(), next(), next());
    Some(Input {
        method: METHODS[usize::from(*method) % METHODS.len()],
        path: PATHS[usize::from(*path) % PATHS.len()],
        suffix,
        query,
        auth: AUTHS[usize::from(flags & 0b111)],
        content_type: CONTENT_TYPES[usize::from((flags >> 3) & 0b11)],
        if_match: flags & 0b10_0000 != 0,
        if_none_match: flags & 0b100_0000 != 0,
        etag,
        absolute: flags & 0b1000_0000 != 0,
        body,
    })
}

/// The engine the requests go to, and what its tenants hold.
pub struct World {
    /// The engine.
    pub engine: Engine<MemoryStore>,
    /// The lenient tenant's key.
    pub key: String,
    /// The strict tenant's key.
    pub strict_key: String,
    /// A revoked key of the lenient tenant.
    pub revoked_key: String,
    /// The lenient tenant's users.
    pub users: [String; 2],
    /// The lenient tenant's group, holding both users.
    pub group: String,
    /// The strict tenant's user.
    pub strict_user: String,
}

/// Ids `00000000-0000-4000-8000-000000000001`, `…002`, …, secrets `secret…`.
#[derive(Default)]
struct SequentialIds(AtomicU64);

impl IdSource for SequentialIds {
    fn new_id(&self) -> String {
        let next = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        format!("00000000-0000-4000-8000-{next:012}")
    }

    fn new_secret(&self) -> String {
        let next = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        format!("secret{next:026}")
    }
}

/// 2026-01-01T00:00:00Z, always.
fn clock() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).expect("a valid timestamp")
}

/// Creates a resource through the engine; returns its id.
fn seed(engine: &Engine<MemoryStore>, key: &str, endpoint: &str, body: &Value) -> String {
    let request = Request::post(format!("https://scim.example.com/scim/v2/{endpoint}"))
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, SCIM_JSON)
        .body(Bytes::from(body.to_string()))
        .expect("a valid seeding request");
    let response = block_on(engine.handle(request));
    let created: Value = serde_json::from_slice(response.body()).expect("a JSON body");
    assert_eq!(response.status(), StatusCode::CREATED, "seeding: {created}");
    created["id"].as_str().expect("an id").to_owned()
}

impl World {
    /// A new engine with the seeded tenants, keys and resources.
    pub fn seeded() -> Self {
        // Small pages, so that lists stay fast as the fuzzer adds resources; PATCH caps
        // small enough for the fuzzer's inputs to cross them.
        let config = EngineConfig::default()
            .default_page_size(10)
            .max_page_size(50)
            .patch_max_operations(16)
            .patch_max_value_length(1024);
        let engine =
            Engine::new(MemoryStore::new(), clock, SequentialIds::default()).with_config(config);
        let tenant = block_on(engine.create_tenant("lenient", Compat::LENIENT)).expect("a tenant");
        let strict = block_on(engine.create_tenant("strict", Compat::STRICT)).expect("a tenant");
        let key = block_on(engine.issue_key(&tenant.id, None)).expect("a key");
        let strict_key = block_on(engine.issue_key(&strict.id, None)).expect("a key");
        let revoked = block_on(engine.issue_key(&tenant.id, None)).expect("a key");
        block_on(engine.revoke_key(&revoked.key.id)).expect("revoked");

        let bjensen = json!({
            "schemas": [USER_URN, ENTERPRISE_URN],
            "externalId": "bjensen",
            "userName": "bjensen@example.com",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "displayName": "Babs Jensen",
            "active": true,
            "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
            ENTERPRISE_URN: {"employeeNumber": "701984", "department": "Tour Operations"},
        });
        let jsmith = json!({
            "schemas": [USER_URN],
            "userName": "jsmith",
            "name": {"givenName": "John", "familyName": "Smith"},
            "active": false,
        });
        let users = [
            seed(&engine, &key.secret, "Users", &bjensen),
            seed(&engine, &key.secret, "Users", &jsmith),
        ];
        let members: Vec<Value> = users.iter().map(|id| json!({"value": id})).collect();
        let group =
            json!({"schemas": [GROUP_URN], "displayName": "Tour Guides", "members": members});
        let group = seed(&engine, &key.secret, "Groups", &group);
        let strict_user = seed(
            &engine,
            &strict_key.secret,
            "Users",
            &json!({"schemas": [USER_URN], "userName": "bjensen@example.com"}),
        );
        Self {
            engine,
            key: key.secret,
            strict_key: strict_key.secret,
            revoked_key: revoked.secret,
            users,
            group,
            strict_user,
        }
    }
}

/// The engine of this process, made on first use.
pub fn shared_world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(World::seeded)
}

/// Percent-encodes the bytes a URI's query cannot hold; `%` is kept, so escapes (valid
/// or not) reach the engine as written.
fn encode_query(query: &[u8]) -> String {
    let mut encoded = String::with_capacity(query.len());
    for &byte in query {
        if byte.is_ascii_alphanumeric() || b"-._~!$&'()*+,;=:@/?%".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// Builds the request `input` describes against `world`; `None` if the builder refuses
/// it (a method or header value that HTTP cannot carry, an invalid URI).
pub fn build(input: &Input<'_>, world: &World) -> Option<Request<Bytes>> {
    let path = input
        .path
        .replace("{user}", &world.users[0])
        .replace("{user2}", &world.users[1])
        .replace("{group}", &world.group)
        .replace("{strict_user}", &world.strict_user);
    let mut uri: Vec<u8> = Vec::new();
    if input.absolute {
        uri.extend_from_slice(b"https://scim.example.com");
    }
    uri.extend_from_slice(path.as_bytes());
    uri.extend_from_slice(input.suffix);
    if !input.query.is_empty() {
        uri.push(b'?');
        uri.extend_from_slice(encode_query(input.query).as_bytes());
    }
    let uri = http::Uri::try_from(uri).ok()?;
    let mut builder = Request::builder()
        .method(Method::from_bytes(input.method.as_bytes()).ok()?)
        .uri(uri);
    let authorization = match input.auth {
        Auth::Valid => Some(format!("Bearer {}", world.key)),
        Auth::Strict => Some(format!("Bearer {}", world.strict_key)),
        Auth::ValidLowerCase => Some(format!("bearer  {}  ", world.key)),
        Auth::Wrong => Some(format!("Bearer {}x", world.key)),
        Auth::Missing => None,
        Auth::Revoked => Some(format!("Bearer {}", world.revoked_key)),
        Auth::Basic => Some("Basic YmplbnNlbjpzZWNyZXQ=".to_owned()),
        Auth::EmptyBearer => Some("Bearer".to_owned()),
    };
    if let Some(authorization) = authorization {
        builder = builder.header(header::AUTHORIZATION, authorization);
    }
    if let Some(content_type) = input.content_type {
        builder = builder.header(header::CONTENT_TYPE, content_type);
    }
    if input.if_match {
        builder = builder.header(header::IF_MATCH, input.etag);
    }
    if input.if_none_match {
        builder = builder.header(header::IF_NONE_MATCH, input.etag);
    }
    builder.body(Bytes::copy_from_slice(input.body)).ok()
}

/// Runs `data` as a request against the shared engine and checks the response.
pub fn engine_request(data: &[u8]) {
    let Some(input) = decode(data) else {
        return;
    };
    let world = shared_world();
    let Some(request) = build(&input, world) else {
        return;
    };
    let method = request.method().clone();
    let uri = request.uri().clone();
    let response = block_on(world.engine.handle(request));
    let checked = if method == Method::HEAD {
        check_head(&input, world, &response)
    } else {
        check(&input, &method, world, &response)
    };
    checked.unwrap_or_else(|problem| panic!("{method} {uri}: {problem}\n{}", show(&response)));
}

/// Checks the answer to a `HEAD` against the answer to the same request as a `GET`,
/// which must itself pass [`check`]: the same status and headers (RFC 9110 §9.3.2), and
/// no body. A `GET` changes nothing, so sending it after the `HEAD` sees the same state.
fn check_head(input: &Input<'_>, world: &World, head: &Response<Bytes>) -> Result<(), String> {
    let as_get = Input {
        method: "GET",
        ..input.clone()
    };
    let get = build(&as_get, world).ok_or("the same request as a GET cannot be built")?;
    let get = block_on(world.engine.handle(get));
    check(&as_get, &Method::GET, world, &get)
        .map_err(|problem| format!("as a GET: {problem}\n{}", show(&get)))?;
    same_as_get_without_body(head, &get)
}

/// Whether `head` is `get` without its body.
fn same_as_get_without_body(head: &Response<Bytes>, get: &Response<Bytes>) -> Result<(), String> {
    if !head.body().is_empty() {
        return Err("a HEAD answer has a body".into());
    }
    if head.status() != get.status() {
        return Err(format!("HEAD {} but GET {}", head.status(), get.status()));
    }
    if head.headers() != get.headers() {
        return Err(format!(
            "HEAD headers {:?} but GET headers {:?}",
            head.headers(),
            get.headers()
        ));
    }
    Ok(())
}

/// The response, for a failure message.
fn show(response: &Response<Bytes>) -> String {
    format!(
        "{} {:?}\n{}",
        response.status(),
        response.headers(),
        String::from_utf8_lossy(response.body())
    )
}

fn text(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// Checks the properties of the module documentation.
fn check(
    input: &Input<'_>,
    method: &Method,
    world: &World,
    response: &Response<Bytes>,
) -> Result<(), String> {
    let status = response.status();
    let headers = response.headers();
    let body = response.body();
    let code = status.as_u16();
    if !(200..=599).contains(&code) {
        return Err(format!("status {code} is not 2xx to 5xx"));
    }
    if status == StatusCode::INTERNAL_SERVER_ERROR || status == StatusCode::SERVICE_UNAVAILABLE {
        return Err(format!("status {code}: an internal failure"));
    }
    let json = || -> Result<Value, String> {
        serde_json::from_slice(body).map_err(|error| format!("the body is not JSON: {error}"))
    };
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        if status == StatusCode::NO_CONTENT || status == StatusCode::NOT_MODIFIED {
            if !body.is_empty() {
                return Err(format!("a {code} has a body"));
            }
        } else if !body.is_empty() {
            if !json()?.is_object() {
                return Err("a 2xx body is not a JSON object".into());
            }
            if text(headers, header::CONTENT_TYPE) != Some(SCIM_JSON) {
                return Err("a 2xx body is not sent as application/scim+json".into());
            }
        }
        if status == StatusCode::CREATED && !headers.contains_key(header::LOCATION) {
            return Err("a 201 without Location".into());
        }
        if !input.auth.is_valid() {
            if *method != Method::GET || !status.is_success() {
                return Err(format!("{code} to {method} without a valid key"));
            }
            let body = String::from_utf8_lossy(body);
            let seeded = world.users.iter().chain([&world.group, &world.strict_user]);
            if let Some(id) = seeded.into_iter().find(|id| body.contains(id.as_str())) {
                return Err(format!("resource {id} shown without a valid key"));
            }
        }
        return Ok(());
    }
    if text(headers, header::CONTENT_TYPE) != Some(SCIM_JSON) {
        return Err("an error is not sent as application/scim+json".into());
    }
    let error = json()?;
    if error["schemas"] != json!([ERROR_URN]) {
        return Err("an error's schemas is not exactly the Error URN".into());
    }
    if error["status"] != json!(code.to_string()) {
        return Err(format!("an error's status is not \"{code}\""));
    }
    if status == StatusCode::UNAUTHORIZED && !headers.contains_key(header::WWW_AUTHENTICATE) {
        return Err("a 401 without WWW-Authenticate".into());
    }
    if status == StatusCode::METHOD_NOT_ALLOWED && !headers.contains_key(header::ALLOW) {
        return Err("a 405 without Allow".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    //! The checker itself: what it must let through and what it must catch. Run by the
    //! engine crate's replay test, which includes this file.

    use super::*;

    /// The input of a body-less request: method, path and flags by index.
    fn input(
        method: &'static str,
        path: usize,
        auth: Auth,
        suffix: &'static [u8],
    ) -> Input<'static> {
        Input {
            method,
            path: PATHS[path],
            suffix,
            query: b"",
            auth,
            content_type: None,
            if_match: false,
            if_none_match: false,
            etag: b"",
            absolute: false,
            body: b"",
        }
    }

    fn respond(input: &Input<'_>, world: &World) -> Response<Bytes> {
        let request = build(input, world).expect("a valid request");
        block_on(world.engine.handle(request))
    }

    /// `/scim/v2/ServiceProviderConfig`, `/scim/v2/Users` and `/scim/v2/Users/{user}`.
    const DISCOVERY: usize = 9;
    const USERS: usize = 1;
    const USER: usize = 2;

    #[test]
    fn a_head_error_without_a_body_passes() {
        let world = World::seeded();
        let missing = input(
            "HEAD",
            USERS,
            Auth::Valid,
            b"/00000000-0000-4000-8000-999999999999",
        );
        let response = respond(&missing, &world);
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert!(response.body().is_empty());
        check_head(&missing, &world, &response).expect("a correct HEAD 404");
        // The GET rule alone, which the checker used to apply, refuses it.
        assert!(check(&missing, &Method::HEAD, &world, &response).is_err());
    }

    #[test]
    fn a_keyless_head_passes_exactly_where_the_get_does() {
        let world = World::seeded();
        let discovery = input("HEAD", DISCOVERY, Auth::Missing, b"");
        let response = respond(&discovery, &world);
        assert_eq!(response.status(), StatusCode::OK);
        check_head(&discovery, &world, &response).expect("a keyless HEAD of discovery");

        let users = input("HEAD", USERS, Auth::Missing, b"");
        let refused = respond(&users, &world);
        assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
        check_head(&users, &world, &refused).expect("a keyless HEAD refused");
        // Had the engine served the keyless HEAD of a collection, the checker says so.
        let served = Response::builder()
            .status(StatusCode::OK)
            .header(header::CONTENT_TYPE, SCIM_JSON)
            .body(Bytes::new())
            .expect("a response");
        assert!(check_head(&users, &world, &served).is_err());
    }

    #[test]
    fn a_head_must_be_the_get_without_its_body() {
        let world = World::seeded();
        let user = input("HEAD", USER, Auth::Valid, b"");
        let head = respond(&user, &world);
        check_head(&user, &world, &head).expect("a correct HEAD 200");
        let get = respond(&input("GET", USER, Auth::Valid, b""), &world);
        assert!(same_as_get_without_body(&head, &get).is_ok());
        assert!(same_as_get_without_body(&get, &get).is_err(), "a body");

        let mut other_status = head.clone();
        *other_status.status_mut() = StatusCode::NO_CONTENT;
        assert!(same_as_get_without_body(&other_status, &get).is_err());

        let mut without_etag = head.clone();
        without_etag.headers_mut().remove(header::ETAG);
        assert!(same_as_get_without_body(&without_etag, &get).is_err());
    }

    #[test]
    fn head_inputs_reach_the_checker_without_failing() {
        for data in [
            &b"\x05\x09\x04"[..],
            b"\x05\x0c\x03",
            b"\x05\x01\x00/nobody",
            b"\x05\x08\x00",
            b"\x05\x0e\x04",
        ] {
            engine_request(data);
        }
    }
}
