//! The harness: an `Engine<MemoryStore>` with a clock the test moves, sequential ids, a
//! tenant with a key, and requests as the identity providers send them.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};

use bytes::Bytes;
use chrono::{DateTime, Utc};
use http::{HeaderMap, Method, Request, Response};
use serde_json::{Value, json};

use pollster::block_on;
use scimitar_engine::{
    Engine, EngineConfig, HistoryQuery, HistoryStore, IdSource, IssuedKey, MemoryStore, Principal,
    Tenant,
};
use scimitar_patch::Compat;
use scimitar_policy::{HistoryEntry, Policy};
use scimitar_schema::Resource;

pub(crate) use scimitar_schema::urn;

/// The absolute URL of the base path the harness sends to.
pub(crate) const BASE: &str = "https://scim.example.com/scim/v2";

/// The harness clock starts at 2026-01-01T00:00:00Z.
pub(crate) const START: i64 = 1_767_225_600;

/// `START` as the engine writes it in `meta`.
pub(crate) const START_TEXT: &str = "2026-01-01T00:00:00.000Z";

/// The enterprise extension's URN, for building bodies.
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Ids `00000000-0000-4000-8000-000000000001`, `…002`, …, shared by tenants, keys and
/// resources.
#[derive(Default)]
pub(crate) struct SequentialIds(AtomicU64);

impl IdSource for SequentialIds {
    fn new_id(&self) -> String {
        format!(
            "00000000-0000-4000-8000-{:012}",
            self.0.fetch_add(1, Ordering::Relaxed) + 1
        )
    }

    fn new_secret(&self) -> String {
        format!("secret{:026}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

/// A response, taken apart.
pub(crate) type Reply = (u16, HeaderMap, Value);

/// An engine over a fresh `MemoryStore`, one tenant with one key, and a clock to move.
pub(crate) struct Harness {
    pub(crate) engine: Arc<Engine<MemoryStore>>,
    /// Seconds since the Unix epoch that the engine's clock reads.
    pub(crate) seconds: Arc<AtomicI64>,
    pub(crate) tenant: Tenant,
    pub(crate) key: IssuedKey,
}

impl Harness {
    /// The default configuration and the lenient profile.
    pub(crate) fn new() -> Self {
        Self::with(EngineConfig::default(), Compat::LENIENT)
    }

    /// A configuration of the test's and the lenient profile.
    pub(crate) fn with_config(config: EngineConfig) -> Self {
        Self::with(config, Compat::LENIENT)
    }

    pub(crate) fn with(config: EngineConfig, compat: Compat) -> Self {
        let seconds = Arc::new(AtomicI64::new(START));
        let clock = {
            let seconds = Arc::clone(&seconds);
            move || -> DateTime<Utc> {
                DateTime::from_timestamp(seconds.load(Ordering::SeqCst), 0)
                    .expect("a valid timestamp")
            }
        };
        let engine =
            Engine::new(MemoryStore::new(), clock, SequentialIds::default()).with_config(config);
        let tenant = block_on(engine.create_tenant("acme", compat)).expect("tenant created");
        let key = block_on(engine.issue_key(&tenant.id, None)).expect("key issued");
        Self {
            engine: Arc::new(engine),
            seconds,
            tenant,
            key,
        }
    }

    /// Moves the clock forward.
    pub(crate) fn advance(&self, seconds: i64) {
        self.seconds.fetch_add(seconds, Ordering::SeqCst);
    }

    /// What the clock reads now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.seconds.load(Ordering::SeqCst), 0).expect("a valid timestamp")
    }

    /// Another tenant, with a key.
    pub(crate) fn add_tenant(&self, name: &str, compat: Compat) -> (Tenant, IssuedKey) {
        let tenant = block_on(self.engine.create_tenant(name, compat)).expect("tenant created");
        let key = block_on(self.engine.issue_key(&tenant.id, None)).expect("key issued");
        (tenant, key)
    }

    /// Sends a request with this tenant's key. `path` is under the base path (`/Users?…`)
    /// or an absolute URL. `Authorization: Bearer …` and
    /// `Content-Type: application/scim+json` are added unless `headers` names them.
    pub(crate) fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        self.send_as(&self.key.secret, method, path, body, headers)
    }

    /// [`Harness::send`] with the key `secret`.
    pub(crate) fn send_as(
        &self,
        secret: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let authorization = format!("Bearer {secret}");
        let mut all: Vec<(&str, &str)> = headers.to_vec();
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
        {
            all.push(("Authorization", &authorization));
        }
        if !headers
            .iter()
            .any(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        {
            all.push(("Content-Type", "application/scim+json"));
        }
        let bytes = body
            .map(|body| Bytes::from(serde_json::to_vec(&body).expect("JSON")))
            .unwrap_or_default();
        self.send_raw(method, path, bytes, &all)
    }

    /// Sends exactly these headers and body bytes (see [`request`]).
    pub(crate) fn send_raw(
        &self,
        method: &str,
        path: &str,
        body: Bytes,
        headers: &[(&str, &str)],
    ) -> Reply {
        reply(block_on(
            self.engine.handle(request(method, path, body, headers)),
        ))
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None, &[])
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body), &[])
    }

    pub(crate) fn put(&self, path: &str, body: Value) -> Reply {
        self.send("PUT", path, Some(body), &[])
    }

    pub(crate) fn patch(&self, path: &str, body: Value) -> Reply {
        self.send("PATCH", path, Some(body), &[])
    }

    pub(crate) fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None, &[])
    }

    /// The tenant's change history, oldest first.
    pub(crate) fn history(&self) -> Vec<HistoryEntry> {
        block_on(
            self.engine
                .store()
                .history(&self.tenant.id, &HistoryQuery::new()),
        )
        .expect("history read")
    }

    /// The last history entry.
    pub(crate) fn last_entry(&self) -> HistoryEntry {
        self.history().pop().expect("an entry")
    }

    /// Adds an unmanaged account (as `scimitar import` would); returns its id.
    pub(crate) fn import(&self, resource_type: &str, body: Value) -> String {
        let principal = Principal::new(self.tenant.clone(), None);
        let resource = Resource::from_value(body).expect("a resource");
        block_on(
            self.engine
                .operations(&principal)
                .add_unmanaged(resource_type, resource),
        )
        .expect("account imported")
        .id
    }

    /// Replaces the tenant's provisioning policy.
    pub(crate) fn set_policy(&mut self, policy: Policy) {
        block_on(self.engine.set_policy(&self.tenant.id, policy.clone())).expect("policy set");
        self.tenant.policy = policy;
    }

    /// Creates a user called `user_name`; returns its id.
    pub(crate) fn create_user(&self, user_name: &str) -> String {
        let (status, _, body) = self.post("/Users", user(user_name));
        assert_eq!(status, 201, "creating user {user_name}: {body}");
        id_of(&body)
    }

    /// Creates a group called `display_name` with these members; returns its id.
    pub(crate) fn create_group(&self, display_name: &str, members: &[&str]) -> String {
        let (status, _, body) = self.post("/Groups", group(display_name, members));
        assert_eq!(status, 201, "creating group {display_name}: {body}");
        id_of(&body)
    }
}

/// A request with exactly these headers and body bytes. `path` is under [`BASE`] or an
/// absolute URL; spaces and quotes in the query are percent-encoded, as `http::Uri`
/// accepts neither.
pub(crate) fn request(
    method: &str,
    path: &str,
    body: Bytes,
    headers: &[(&str, &str)],
) -> Request<Bytes> {
    let uri = if path.starts_with("http") {
        path.to_owned()
    } else {
        format!("{BASE}{path}")
    };
    let uri = match uri.split_once('?') {
        Some((head, query)) => format!("{head}?{}", query.replace(' ', "%20").replace('"', "%22")),
        None => uri,
    };
    let mut builder = Request::builder()
        .method(Method::from_bytes(method.as_bytes()).expect("a method"))
        .uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(body).expect("a valid request")
}

/// A response taken apart, its body read as JSON (`Null` when empty).
pub(crate) fn reply(response: Response<Bytes>) -> Reply {
    let (parts, body) = response.into_parts();
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body)
            .unwrap_or_else(|err| panic!("the body is not JSON ({err}): {body:?}"))
    };
    (parts.status.as_u16(), parts.headers, body)
}

/// A minimal user.
pub(crate) fn user(user_name: &str) -> Value {
    json!({"schemas": [urn::USER], "userName": user_name})
}

/// A group with these member ids.
pub(crate) fn group(display_name: &str, members: &[&str]) -> Value {
    let members: Vec<Value> = members.iter().map(|id| json!({"value": id})).collect();
    json!({"schemas": [urn::GROUP], "displayName": display_name, "members": members})
}

/// A PatchOp body with these operations.
pub(crate) fn patch_op(operations: Value) -> Value {
    json!({"schemas": [urn::PATCH_OP], "Operations": operations})
}

/// The `id` of a resource.
pub(crate) fn id_of(resource: &Value) -> String {
    resource["id"]
        .as_str()
        .unwrap_or_else(|| panic!("no id in {resource}"))
        .to_owned()
}

/// The text of a header, or `""`.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .unwrap_or("")
}

/// The ids of a ListResponse's resources, in order.
pub(crate) fn ids(list: &Value) -> Vec<String> {
    list["Resources"]
        .as_array()
        .unwrap_or_else(|| panic!("no Resources in {list}"))
        .iter()
        .map(id_of)
        .collect()
}

/// The member ids of a group, sorted.
pub(crate) fn member_ids(group: &Value) -> Vec<String> {
    let mut ids: Vec<String> = group["members"]
        .as_array()
        .map(|members| {
            members
                .iter()
                .map(|member| member["value"].as_str().expect("member value").to_owned())
                .collect()
        })
        .unwrap_or_default();
    ids.sort();
    ids
}

/// Sorted strings.
pub(crate) fn sorted(ids: &[&str]) -> Vec<String> {
    let mut ids: Vec<String> = ids.iter().map(|id| (*id).to_owned()).collect();
    ids.sort();
    ids
}

/// Checks a ListResponse's envelope.
pub(crate) fn assert_list(reply: &Reply, total: u64, items: u64) {
    let (status, headers, body) = reply;
    assert_eq!(*status, 200, "{body}");
    assert_eq!(header(headers, "content-type"), "application/scim+json");
    assert_eq!(body["schemas"], json!([urn::LIST_RESPONSE]), "{body}");
    assert_eq!(body["totalResults"], json!(total), "{body}");
    assert_eq!(body["itemsPerPage"], json!(items), "{body}");
    assert_eq!(
        body["Resources"].as_array().map(Vec::len),
        Some(usize::try_from(items).expect("small")),
        "{body}"
    );
}

/// Checks an RFC 7644 §3.12 error response: the status (also as a string in the body),
/// the media type and, if given, the `scimType`.
pub(crate) fn assert_error(reply: &Reply, status: u16, scim_type: Option<&str>) {
    let (actual, headers, body) = reply;
    assert_eq!(*actual, status, "{body}");
    assert_eq!(
        header(headers, "content-type"),
        "application/scim+json",
        "{body}"
    );
    assert_eq!(body["schemas"], json!([urn::ERROR]), "{body}");
    assert_eq!(
        body["status"],
        json!(status.to_string()),
        "status must be a string: {body}"
    );
    if let Some(scim_type) = scim_type {
        assert_eq!(body["scimType"], json!(scim_type), "{body}");
    }
}
