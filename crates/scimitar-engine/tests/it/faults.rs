//! A store that fails on demand (a wrapper around `MemoryStore`): at authentication,
//! in reads and in writes. Each failure answers `503` with `Retry-After` and a SCIM
//! error that names no internals, hands the cause to the host in the response's
//! [`StoreFailure`], loses no write that was acknowledged, and service resumes when the
//! fault clears.

use std::future::Future;
use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Waker};

use bytes::Bytes;
use chrono::DateTime;
use http::{Response, header};
use pollster::block_on;
use serde_json::{Value, json};

use scimitar_engine::{Engine, IssuedKey, StoreError, StoreFailure};
use scimitar_patch::Compat;

use crate::hooked::{Call, Hook, Hooked};
use crate::support::{SequentialIds, request, urn};

/// What fails: each flag makes its kind of store call fail while it is set.
#[derive(Default)]
struct Faults {
    /// Key lookups.
    keys: AtomicBool,
    /// Tenant lookups.
    tenants: AtomicBool,
    /// Reads of users (not of groups).
    reads: AtomicBool,
    /// Writes of resources (their history entries included).
    writes: AtomicBool,
    /// Every call waits once (returns `Pending` and wakes) before it answers, so that
    /// other requests run in between.
    yielding: AtomicBool,
}

/// The cause a failing call gives, as a database would.
const CAUSE: &str = "disk I/O error";

impl Hook for Arc<Faults> {
    fn before(&self, call: Call<'_>) -> Result<(), StoreError> {
        let flag = match call.method {
            "key_by_hash" | "keys" => &self.keys,
            "tenant" | "tenant_by_name" | "tenants" => &self.tenants,
            "get" | "list" if call.resource_type == Some("User") => &self.reads,
            "get" | "list" => return Ok(()),
            "awaiting_manager" | "find_unmanaged" | "unmanaged" | "groups_with_member"
            | "resource_types" => &self.reads,
            _ if call.writes() => &self.writes,
            // Tenants and keys are written by the test only.
            _ => return Ok(()),
        };
        if flag.load(Ordering::SeqCst) {
            return Err(StoreError::Unavailable(CAUSE.to_owned()));
        }
        Ok(())
    }

    fn yields(&self) -> bool {
        self.yielding.load(Ordering::SeqCst)
    }
}

/// `MemoryStore`, but for the calls whose [`Faults`] flag is set.
type Flaky = Hooked<Arc<Faults>>;

/// An engine over a [`Flaky`] store with one tenant and its key.
struct Setup {
    engine: Engine<Flaky>,
    faults: Arc<Faults>,
    key: IssuedKey,
}

impl Setup {
    fn new() -> Self {
        let faults = Arc::new(Faults::default());
        let store = Flaky::new(Arc::clone(&faults));
        let clock = || DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default();
        let engine = Engine::new(store, clock, SequentialIds::default());
        let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).expect("a tenant");
        let key = block_on(engine.issue_key(&tenant.id, None)).expect("a key");
        Self {
            engine,
            faults,
            key,
        }
    }

    fn send(&self, method: &str, path: &str, body: Option<Value>) -> Response<Bytes> {
        let authorization = format!("Bearer {}", self.key.secret);
        let body = body.map_or_else(Bytes::new, |body| Bytes::from(body.to_string()));
        let headers = [
            ("Authorization", authorization.as_str()),
            ("Content-Type", "application/scim+json"),
        ];
        block_on(self.engine.handle(request(method, path, body, &headers)))
    }

    fn create_user(&self, user_name: &str) -> Response<Bytes> {
        let user = json!({"schemas": [urn::USER], "userName": user_name});
        self.send("POST", "/Users", Some(user))
    }
}

fn body(response: &Response<Bytes>) -> Value {
    serde_json::from_slice(response.body()).expect("a JSON body")
}

/// `503` with `Retry-After` and a SCIM error that does not name the cause, which the
/// response's extensions carry for the host.
#[track_caller]
fn assert_unavailable(response: &Response<Bytes>) {
    assert_eq!(response.status(), 503, "{:?}", response.body());
    assert_eq!(response.headers()[header::RETRY_AFTER], "1");
    assert_eq!(
        response.headers()[header::CONTENT_TYPE],
        "application/scim+json"
    );
    assert!(response.headers().get(header::WWW_AUTHENTICATE).is_none());
    let error = body(response);
    assert_eq!(error["schemas"], json!([urn::ERROR]));
    assert_eq!(error["status"], "503");
    let text = String::from_utf8_lossy(response.body());
    assert!(
        !text.contains(CAUSE),
        "the client is not told the cause: {text}"
    );
    let failure = response
        .extensions()
        .get::<StoreFailure>()
        .expect("the host is told the cause");
    assert_eq!(
        failure.error,
        StoreError::Unavailable(CAUSE.to_owned()),
        "{failure}"
    );
    assert_eq!(failure.to_string(), format!("store unavailable: {CAUSE}"));
}

#[test]
fn a_store_failure_while_checking_a_key_is_503_not_401() {
    let setup = Setup::new();
    for flag in [&setup.faults.keys, &setup.faults.tenants] {
        flag.store(true, Ordering::SeqCst);
        let response = setup.send("GET", "/Users", None);
        assert_unavailable(&response);
        assert_eq!(
            body(&response)["detail"],
            "the credentials cannot be checked now; try again later"
        );
        flag.store(false, Ordering::SeqCst);
        assert_eq!(setup.send("GET", "/Users", None).status(), 200);
    }
}

#[test]
fn a_wrong_key_is_still_401_without_a_store_failure() {
    let setup = Setup::new();
    let headers = [("Authorization", "Bearer not-a-key")];
    let response = block_on(
        setup
            .engine
            .handle(request("GET", "/Users", Bytes::new(), &headers)),
    );
    assert_eq!(response.status(), 401);
    assert!(response.extensions().get::<StoreFailure>().is_none());
}

#[test]
fn a_failed_read_is_503_and_reads_resume() {
    let setup = Setup::new();
    let created = setup.create_user("bjensen");
    assert_eq!(created.status(), 201);
    assert!(created.extensions().get::<StoreFailure>().is_none());
    let location = format!("/Users/{}", body(&created)["id"].as_str().expect("an id"));
    setup.faults.reads.store(true, Ordering::SeqCst);
    assert_unavailable(&setup.send("GET", &location, None));
    assert_unavailable(&setup.send("GET", "/Users?filter=userName%20eq%20%22bjensen%22", None));
    setup.faults.reads.store(false, Ordering::SeqCst);
    let read = setup.send("GET", &location, None);
    assert_eq!(read.status(), 200);
    assert!(read.extensions().get::<StoreFailure>().is_none());
}

/// Writes fail while the fault lasts: none of them is acknowledged or kept, every one
/// acknowledged before and after is there.
#[test]
fn failed_writes_are_503_and_lose_nothing_acknowledged() {
    let setup = Setup::new();
    let mut acknowledged = Vec::new();
    for n in 0..12 {
        let failing = n % 3 == 1;
        setup.faults.writes.store(failing, Ordering::SeqCst);
        let user_name = format!("user{n}");
        let response = setup.create_user(&user_name);
        if failing {
            assert_unavailable(&response);
        } else {
            assert_eq!(response.status(), 201, "{:?}", response.body());
            acknowledged.push(user_name);
        }
    }
    setup.faults.writes.store(false, Ordering::SeqCst);
    let listed = body(&setup.send("GET", "/Users?count=100", None));
    let mut names: Vec<&str> = listed["Resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|user| user["userName"].as_str())
        .collect();
    names.sort_unstable();
    let mut expected: Vec<&str> = acknowledged.iter().map(String::as_str).collect();
    expected.sort_unstable();
    assert_eq!(names, expected);
}

/// A `/Bulk` operation that fails on the store is `503` inside a `200`, and the
/// response still names the cause for the host.
#[test]
fn a_bulk_operation_that_fails_on_the_store_names_the_cause() {
    let setup = Setup::new();
    setup.faults.writes.store(true, Ordering::SeqCst);
    let bulk = json!({
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "POST", "path": "/Users", "bulkId": "a",
                        "data": {"schemas": [urn::USER], "userName": "bulk"}}],
    });
    let response = setup.send("POST", "/Bulk", Some(bulk));
    assert_eq!(response.status(), 200, "{:?}", response.body());
    assert_eq!(body(&response)["Operations"][0]["status"], "503");
    let failure = response
        .extensions()
        .get::<StoreFailure>()
        .expect("a cause");
    assert_eq!(failure.error, StoreError::Unavailable(CAUSE.to_owned()));
}

/// Requests polled in turn on one thread keep their failures apart: a request polled
/// between the polls of a failing one is not given its cause, nor it the other's.
#[test]
fn interleaved_requests_keep_their_failures_apart() {
    let setup = Setup::new();
    setup.faults.yielding.store(true, Ordering::SeqCst);
    setup.faults.reads.store(true, Ordering::SeqCst);
    let request = |path: &str| {
        let authorization = format!("Bearer {}", setup.key.secret);
        request(
            "GET",
            path,
            Bytes::new(),
            &[("Authorization", &authorization)],
        )
    };
    let mut failing = pin!(setup.engine.handle(request("/Users")));
    let mut fine = pin!(setup.engine.handle(request("/Groups")));
    let mut context = Context::from_waker(Waker::noop());
    let (mut failed, mut served) = (None, None);
    let mut polls = 0;
    while failed.is_none() || served.is_none() {
        polls += 1;
        assert!(polls < 1000, "the requests end");
        if failed.is_none()
            && let Poll::Ready(response) = failing.as_mut().poll(&mut context)
        {
            failed = Some(response);
        }
        if served.is_none()
            && let Poll::Ready(response) = fine.as_mut().poll(&mut context)
        {
            served = Some(response);
        }
    }
    assert!(polls > 2, "the requests were polled in turn");
    assert_unavailable(&failed.expect("an answer"));
    let served = served.expect("an answer");
    assert_eq!(served.status(), 200);
    assert!(served.extensions().get::<StoreFailure>().is_none());
}
