//! The app and its engine in process: requests go to `Engine::handle`, answers come back
//! at once (no network, no runtime, no clock but a fixed one).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use pollster::block_on;
use scimitar::http::Request;
use scimitar::serde_json::{Value, json};
use scimitar::time::{DateTime, Utc};
use scimitar::{
    Bytes, Engine, EngineConfig, HistoryEntry, HistoryQuery, HistoryStore, IdSource, MemoryStore,
    Policy, ResourceStore, SqliteStore, Tenant, TenantStore,
};
use scimitar_example_host_app::{AppDb, AppHost, UserRow, app_policy, connect_workspace};

pub(crate) const WORKSPACE: &str = "acme";
pub(crate) const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
pub(crate) const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
pub(crate) const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
pub(crate) const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// The private schema Entra ID lists on its groups, with no data.
pub(crate) const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/// Ids `scim-1`, `scim-2`… in the order asked for.
#[derive(Default)]
struct Counter(AtomicU64);

impl IdSource for Counter {
    fn new_id(&self) -> String {
        format!("scim-{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }

    fn new_secret(&self) -> String {
        format!("secret-{}", self.0.fetch_add(1, Ordering::Relaxed) + 1)
    }
}

fn clock() -> DateTime<Utc> {
    DateTime::from_timestamp(1_767_225_600, 0).unwrap_or_default()
}

/// A status and a JSON body (`Null` when there is none).
pub(crate) type Reply = (u16, Value);

/// What the tests run the engine over: the SQLite store, as the app does, or the
/// in-memory one.
pub(crate) trait Store: ResourceStore + TenantStore + HistoryStore + 'static {}

impl<S: ResourceStore + TenantStore + HistoryStore + 'static> Store for S {}

/// The app with its seeded accounts, its engine (over the SQLite store in memory, as
/// the app serves it, unless a test asks for the in-memory store), and the workspace
/// `acme` connected with an API key.
pub(crate) struct App<S = SqliteStore> {
    pub(crate) engine: Arc<Engine<S>>,
    pub(crate) db: Arc<AppDb>,
    pub(crate) tenant: Tenant,
    pub(crate) key: String,
}

impl App {
    pub(crate) fn new() -> Self {
        Self::with_config(EngineConfig::default())
    }

    pub(crate) fn with_config(config: EngineConfig) -> Self {
        let store = SqliteStore::open_in_memory().expect("the SCIM store");
        App::over(store, config)
    }
}

impl App<MemoryStore> {
    pub(crate) fn in_memory() -> Self {
        App::over(MemoryStore::new(), EngineConfig::default())
    }
}

impl<S: Store> App<S> {
    pub(crate) fn over(store: S, config: EngineConfig) -> Self {
        let db = Arc::new(AppDb::open_in_memory().expect("the app's database"));
        db.seed_demo(WORKSPACE).expect("seed");
        let engine = Engine::new(store, clock, Counter::default())
            .with_config(config)
            .with_host(AppHost::new(Arc::clone(&db)));
        let engine = Arc::new(engine);
        let (tenant, key) = connect(&engine, WORKSPACE);
        Self {
            engine,
            db,
            tenant,
            key,
        }
    }

    /// Connects another workspace to the same engine; returns its key.
    pub(crate) fn add_workspace(&self, workspace: &str) -> String {
        connect(&self.engine, workspace).1
    }

    /// Replaces the workspace's policy (the next request is served with it).
    pub(crate) fn set_policy(&self, policy: Policy) {
        block_on(self.engine.set_policy(&self.tenant.id, policy)).expect("policy");
    }

    /// The app's own policy (with its custom mapping), to change a switch of.
    pub(crate) fn app_policy(&self) -> Policy {
        app_policy(self.engine.registry()).expect("the app's policy")
    }

    pub(crate) fn send_as(
        &self,
        key: &str,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> Reply {
        let body = body.map_or_else(Bytes::new, |body| Bytes::from(body.to_string()));
        let request = Request::builder()
            .method(method)
            .uri(format!("https://app.example.com/scim/v2{path}"))
            .header("Authorization", format!("Bearer {key}"))
            .header("Content-Type", "application/scim+json; charset=utf-8")
            .body(body)
            .expect("a request");
        let response = block_on(self.engine.handle(request));
        let status = response.status().as_u16();
        let body = response.into_body();
        let body = if body.is_empty() {
            Value::Null
        } else {
            scimitar::serde_json::from_slice(&body).expect("a JSON body")
        };
        (status, body)
    }

    pub(crate) fn send(&self, method: &str, path: &str, body: Option<Value>) -> Reply {
        self.send_as(&self.key, method, path, body)
    }

    pub(crate) fn get(&self, path: &str) -> Reply {
        self.send("GET", path, None)
    }

    pub(crate) fn post(&self, path: &str, body: Value) -> Reply {
        self.send("POST", path, Some(body))
    }

    pub(crate) fn patch(&self, path: &str, operations: Value) -> Reply {
        self.send("PATCH", path, Some(patch_op(operations)))
    }

    pub(crate) fn delete(&self, path: &str) -> Reply {
        self.send("DELETE", path, None)
    }

    /// The workspace's history, oldest first.
    pub(crate) fn history(&self) -> Vec<HistoryEntry> {
        block_on(
            self.engine
                .store()
                .history(&self.tenant.id, &HistoryQuery::new()),
        )
        .expect("history")
    }

    pub(crate) fn last_entry(&self) -> HistoryEntry {
        self.history().pop().expect("an entry")
    }

    /// The app's row of the user called `user_name` (any case).
    pub(crate) fn row(&self, user_name: &str) -> UserRow {
        self.find_row(user_name)
            .unwrap_or_else(|| panic!("no row {user_name}"))
    }

    pub(crate) fn find_row(&self, user_name: &str) -> Option<UserRow> {
        self.db.user_named(WORKSPACE, user_name).expect("read")
    }

    pub(crate) fn rows(&self) -> Vec<UserRow> {
        self.db.users(WORKSPACE).expect("read")
    }

    /// The app's tables with what depends on the order of arrival (row ids of new
    /// rows, SCIM ids) replaced by whether provisioning manages the row.
    pub(crate) fn app_state(&self) -> Value {
        let users: Vec<Value> = self
            .rows()
            .iter()
            .map(|row| without_order(row.to_json(), row.sync_id.is_some()))
            .collect();
        let teams: Vec<Value> = self
            .db
            .teams(WORKSPACE)
            .expect("read")
            .iter()
            .map(|team| without_order(team.to_json(), team.sync_id.is_some()))
            .collect();
        let mut users = users;
        users.sort_by_key(|user| user["user_name"].as_str().map(str::to_lowercase));
        json!({"users": users, "teams": teams, "invitations": self.db.invitations(WORKSPACE).expect("read").len()})
    }

    /// Every user and group as SCIM lists them, ids replaced by names and `meta`
    /// dropped, so that two runs that created them in another order compare equal.
    pub(crate) fn store_state(&self) -> Value {
        let users = resources(&self.get("/Users?count=1000"));
        let groups = resources(&self.get("/Groups?count=1000"));
        let mut names: BTreeMap<String, String> = BTreeMap::new();
        for user in &users {
            names.insert(text(&user["id"]), text(&user["userName"]));
        }
        for group in &groups {
            names.insert(text(&group["id"]), text(&group["displayName"]));
        }
        let name = |id: &Value| names.get(&text(id)).cloned().unwrap_or_else(|| text(id));
        // A list of references (a user's groups, a group's members) as the sorted names
        // they point at.
        let by_name = |list: &mut Value| {
            if let Value::Array(references) = list {
                let mut listed: Vec<String> =
                    references.iter().map(|r| name(&r["value"])).collect();
                listed.sort();
                *list = json!(listed);
            }
        };
        let mut users: Vec<Value> = users
            .into_iter()
            .map(|mut user| {
                normalise(&mut user);
                if let Some(manager) = user.get_mut(ENTERPRISE).and_then(|e| e.get_mut("manager")) {
                    *manager = json!(name(&manager["value"]));
                }
                if let Some(groups) = user.get_mut("groups") {
                    by_name(groups);
                }
                user
            })
            .collect();
        users.sort_by_key(|user| text(&user["userName"]).to_lowercase());
        let mut groups: Vec<Value> = groups
            .into_iter()
            .map(|mut group| {
                normalise(&mut group);
                if let Some(members) = group.get_mut("members") {
                    by_name(members);
                }
                group
            })
            .collect();
        groups.sort_by_key(|group| text(&group["displayName"]));
        json!({"users": users, "groups": groups})
    }
}

fn connect<S: Store>(engine: &Engine<S>, workspace: &str) -> (Tenant, String) {
    let tenant = block_on(connect_workspace(engine, workspace)).expect("tenant");
    let key = block_on(engine.issue_key(&tenant.id, None)).expect("key");
    (tenant, key.secret)
}

/// A row of the app's page with what depends on the order of arrival (its row id, its
/// SCIM id) replaced by whether provisioning manages it.
fn without_order(mut row: Value, managed: bool) -> Value {
    row["id"] = Value::Null;
    row["sync_id"] = json!(managed);
    row
}

/// Drops what differs between runs that made the same resources in another order.
fn normalise(resource: &mut Value) {
    if let Some(object) = resource.as_object_mut() {
        object.remove("id");
        object.remove("meta");
        if let Some(Value::Array(schemas)) = object.get_mut("schemas") {
            schemas.sort_by_key(text);
        }
    }
}

pub(crate) fn text(value: &Value) -> String {
    value
        .as_str()
        .map_or_else(|| value.to_string(), str::to_owned)
}

/// A list response's resources.
pub(crate) fn resources(reply: &Reply) -> Vec<Value> {
    assert_eq!(reply.0, 200, "{}", reply.1);
    reply.1["Resources"].as_array().cloned().unwrap_or_default()
}

pub(crate) fn patch_op(operations: Value) -> Value {
    json!({"schemas": [PATCH_OP], "Operations": operations})
}

/// The `id` of a created resource.
pub(crate) fn id_of(reply: &Reply) -> String {
    assert_eq!(reply.0, 201, "{}", reply.1);
    text(&reply.1["id"])
}
