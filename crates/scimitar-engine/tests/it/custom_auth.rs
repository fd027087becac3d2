//! A host's own authentication scheme in place of API keys, over a store that keeps
//! resources only.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, TimeZone, Utc};
use http::request::Parts;
use http::{Request, StatusCode};
use serde_json::{Value, json};

use pollster::block_on;
use scimitar_engine::{
    ApiKeys, AuthFailure, Authenticator, BoxFuture, Disposal, Engine, ListPage, ListQuery,
    MemoryStore, Origin, Principal, ResourceStore, StoreError, StoredResource, Tenant, TenantId,
    UniqueKey,
};
use scimitar_patch::Compat;
use scimitar_policy::HistoryEntry;

use crate::support::SequentialIds;

/// A store of resources only: no tenant or key tables, as a host with its own accounts
/// would write it.
#[derive(Default)]
struct ResourcesOnly(MemoryStore);

impl ResourceStore for ResourcesOnly {
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<std::sync::Arc<StoredResource>>, StoreError>> + Send
    {
        self.0.get(tenant, resource_type, id)
    }
    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
        self.0.list(tenant, resource_type, query)
    }
    fn create(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.0.create(tenant, resource, origin, entry)
    }
    fn replace(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.0.replace(tenant, resource, expected_version, entry)
    }
    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        self.0.delete(
            tenant,
            resource_type,
            id,
            expected_version,
            at,
            disposal,
            entry,
        )
    }
    fn record(
        &self,
        tenant: &TenantId,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.0.record(tenant, entry)
    }
    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<std::sync::Arc<StoredResource>>, StoreError>> + Send {
        self.0.awaiting_manager(tenant, keys)
    }
    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.0.add_unmanaged(tenant, account)
    }
    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        self.0.find_unmanaged(tenant, resource_type, key)
    }
    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
        self.0.unmanaged(tenant)
    }
    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        self.0.groups_with_member(tenant, member_id)
    }
    fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
        self.0.resource_types(tenant, ids)
    }
}

/// Trusts a gateway's `X-Tenant` header (as a host behind mTLS might), looking the
/// tenant up in the host's own table; `X-Tenant: down` stands for its database failing.
struct GatewayHeader {
    tenants: HashMap<String, Tenant>,
}

impl Authenticator for GatewayHeader {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Principal, AuthFailure>> {
        let name = request
            .headers
            .get("x-tenant")
            .and_then(|value| value.to_str().ok());
        Box::pin(async move {
            let name = name.ok_or(AuthFailure::Missing)?;
            if name == "down" {
                return Err(AuthFailure::Unavailable);
            }
            let tenant = self.tenants.get(name).ok_or(AuthFailure::Unknown)?;
            Ok(Principal::new(tenant.clone(), None))
        })
    }
}

fn engine() -> Engine<ResourcesOnly> {
    let tenants = [("acme", Compat::LENIENT), ("globex", Compat::STRICT)]
        .into_iter()
        .map(|(name, compat)| {
            let tenant = Tenant::new(TenantId(format!("t-{name}")), name, compat);
            (name.to_owned(), tenant)
        })
        .collect();
    let clock = || Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    Engine::authenticated_by(
        ResourcesOnly::default(),
        GatewayHeader { tenants },
        clock,
        SequentialIds::default(),
    )
}

fn send(
    engine: &Engine<ResourcesOnly>,
    tenant: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, http::HeaderMap, Value) {
    let mut request = Request::builder()
        .method(method)
        .uri(format!("https://app.example.com/scim/v2{path}"))
        .header("content-type", "application/scim+json");
    if let Some(tenant) = tenant {
        request = request.header("x-tenant", tenant);
    }
    let body = body.map_or_else(Bytes::new, |body| Bytes::from(body.to_string()));
    let response = block_on(engine.handle(request.body(body).unwrap()));
    let status = response.status();
    let headers = response.headers().clone();
    let body = serde_json::from_slice(response.body()).unwrap_or(Value::Null);
    (status, headers, body)
}

#[test]
fn a_host_authenticator_serves_a_store_of_resources_only() {
    let engine = engine();
    let user =
        json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"});
    let (status, _, created) = send(&engine, Some("acme"), "POST", "/Users", Some(user));
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_str().unwrap();
    let (status, _, listed) = send(&engine, Some("acme"), "GET", "/Users", None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["totalResults"], 1);
    assert_eq!(listed["Resources"][0]["id"], id);
    // The principal's tenant scopes everything: the other tenant sees nothing.
    let (status, _, listed) = send(&engine, Some("globex"), "GET", "/Users", None);
    assert_eq!(status, StatusCode::OK);
    assert_eq!(listed["totalResults"], 0);
    let (status, _, _) = send(
        &engine,
        Some("globex"),
        "GET",
        &format!("/Users/{id}"),
        None,
    );
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[test]
fn the_principal_carries_the_tenant_profile() {
    let engine = engine();
    // Entra's unquoted value: accepted under acme's lenient profile only.
    let path = "/Users?filter=userName+eq+bjensen";
    assert_eq!(
        send(&engine, Some("acme"), "GET", path, None).0,
        StatusCode::OK
    );
    let (status, _, error) = send(&engine, Some("globex"), "GET", path, None);
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(error["scimType"], "invalidFilter");
}

#[test]
fn the_host_decides_who_is_refused() {
    let engine = engine();
    for tenant in [None, Some("nobody")] {
        let (status, headers, error) = send(&engine, tenant, "GET", "/Users", None);
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{tenant:?}");
        assert!(headers.contains_key("www-authenticate"));
        assert_eq!(error["status"], "401");
    }
    // A failing check is not a refused credential: the client is told to come back.
    let (status, headers, error) = send(&engine, Some("down"), "GET", "/Users", None);
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(headers.contains_key("retry-after"));
    assert_eq!(error["status"], "503");
    // Discovery needs no credential.
    let (status, _, _) = send(&engine, None, "GET", "/ServiceProviderConfig", None);
    assert_eq!(status, StatusCode::OK);
}

#[test]
fn a_host_authenticator_replaces_api_keys() {
    let clock = || Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let store = MemoryStore::new();
    let engine = Engine::new(store, clock, SequentialIds::default());
    let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).unwrap();
    let key = block_on(engine.issue_key(&tenant.id, None)).unwrap();
    let tenants = HashMap::from([("acme".to_owned(), tenant)]);
    let engine = engine.with_authenticator(GatewayHeader { tenants });
    let list = |header: (&str, String)| {
        let request =
            Request::get("https://app.example.com/scim/v2/Users").header(header.0, header.1);
        block_on(engine.handle(request.body(Bytes::new()).unwrap())).status()
    };
    assert_eq!(list(("x-tenant", "acme".into())), StatusCode::OK);
    // The engine's own keys no longer count.
    assert_eq!(
        list(("authorization", format!("Bearer {}", key.secret))),
        StatusCode::UNAUTHORIZED
    );
}

/// A host's gateway header, falling back to the engine's API keys for requests that
/// carry a bearer token.
struct GatewayOrKeys {
    gateway: GatewayHeader,
    keys: ApiKeys<MemoryStore>,
}

impl Authenticator for GatewayOrKeys {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Principal, AuthFailure>> {
        if request.headers.contains_key("authorization") {
            self.keys.authenticate(request)
        } else {
            self.gateway.authenticate(request)
        }
    }
}

#[test]
fn a_host_scheme_can_fall_back_to_the_engines_keys() {
    let clock = || Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let store = Arc::new(MemoryStore::new());
    let engine = Engine::new(Arc::clone(&store), clock, SequentialIds::default());
    let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).unwrap();
    let key = block_on(engine.issue_key(&tenant.id, None)).unwrap();
    let revoked = block_on(engine.issue_key(&tenant.id, None)).unwrap();
    block_on(engine.revoke_key(&revoked.key.id)).unwrap();
    let tenants = HashMap::from([("acme".to_owned(), tenant)]);
    let both = GatewayOrKeys {
        gateway: GatewayHeader { tenants },
        keys: ApiKeys::new(store, Arc::new(clock)),
    };
    let engine = engine.with_authenticator(both);
    let list = |header: (&str, String)| {
        let request =
            Request::get("https://app.example.com/scim/v2/Users").header(header.0, header.1);
        block_on(engine.handle(request.body(Bytes::new()).unwrap())).status()
    };
    assert_eq!(list(("x-tenant", "acme".into())), StatusCode::OK);
    assert_eq!(
        list(("authorization", format!("Bearer {}", key.secret))),
        StatusCode::OK
    );
    // The keys keep their rules: a revoked one, or an unknown one, is refused.
    for secret in [revoked.secret.as_str(), "scim_not-a-key"] {
        assert_eq!(
            list(("authorization", format!("Bearer {secret}"))),
            StatusCode::UNAUTHORIZED
        );
    }
}
