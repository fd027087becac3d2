//! The facade as a host uses it: SCIM mounted beside a host's own routes with
//! `scimitar::axum::router`, requests sent with `tower::ServiceExt::oneshot`; and the
//! default features (SQLite, system clock, UUIDs) through `Engine::handle`.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::routing::get;
use tower::ServiceExt;

use scimitar::http::{Request, Response, StatusCode, header};
use scimitar::time::{TimeDelta, Utc};
use scimitar::{
    Bytes, Compat, Engine, EngineConfig, MemoryStore, ResourceStore, SCIM_JSON, ScimService,
    SqliteStore, SystemClock, TenantStore, UuidIds,
};

const USER: &str =
    r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;

/// The host's own state, which its routes read.
#[derive(Clone)]
struct AppState {
    name: &'static str,
}

/// An engine on `store` with a tenant, and the tenant's key.
async fn engine_with_key<S: ResourceStore + TenantStore + 'static>(
    store: S,
    config: EngineConfig,
) -> (Engine<S>, String) {
    let engine = Engine::new(store, SystemClock, UuidIds::new().expect("a random source"))
        .with_config(config);
    let tenant = engine
        .create_tenant("acme", Compat::LENIENT)
        .await
        .expect("a tenant");
    let expires = Utc::now() + TimeDelta::days(90);
    let key = engine
        .issue_key(&tenant.id, Some(expires))
        .await
        .expect("a key");
    (engine, key.secret)
}

/// The host: its own routes and state, and SCIM merged in.
fn host(scim: Router<AppState>) -> Router {
    Router::new()
        .route(
            "/",
            get(|State(state): State<AppState>| async move { state.name }),
        )
        .route("/health", get(|| async { "ok" }))
        .merge(scim)
        .with_state(AppState { name: "my app" })
}

fn request(method: &str, uri: &str, key: Option<&str>, body: impl Into<Body>) -> Request<Body> {
    let mut request = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::HOST, "app.example.com")
        .header(header::CONTENT_TYPE, SCIM_JSON);
    if let Some(key) = key {
        request = request.header(header::AUTHORIZATION, format!("Bearer {key}"));
    }
    request.body(body.into()).expect("a request")
}

async fn send(app: &Router, request: Request<Body>) -> (Response<Body>, Bytes) {
    let response = app.clone().oneshot(request).await.expect("infallible");
    let (parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .expect("a body");
    (Response::from_parts(parts, Body::empty()), bytes)
}

fn json(bytes: &[u8]) -> serde_json::Value {
    serde_json::from_slice(bytes).unwrap_or_else(|error| panic!("{error}: {bytes:?}"))
}

#[tokio::test]
async fn scim_is_mounted_beside_the_hosts_routes() {
    let (engine, key) = engine_with_key(MemoryStore::new(), EngineConfig::default()).await;
    let app = host(scimitar::axum::router(engine));

    let (response, body) = send(&app, request("POST", "/scim/v2/Users", Some(&key), USER)).await;
    assert_eq!(response.status(), StatusCode::CREATED, "{body:?}");
    assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("http://app.example.com/scim/v2/Users/"),
        "{location}"
    );
    let user = json(&body);
    assert_eq!(user["meta"]["location"], location);
    let id = user["id"].as_str().expect("an id");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert_eq!(&id[14..15], "7", "a UUID of version 7: {id}");

    let path = format!("/scim/v2/Users/{id}");
    let (response, body) = send(&app, request("GET", &path, Some(&key), Body::empty())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(&body)["userName"], "bjensen");
    let filter = "/scim/v2/Users?filter=userName%20eq%20%22bjensen%22";
    let (response, body) = send(&app, request("GET", filter, Some(&key), Body::empty())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(json(&body)["totalResults"], 1);

    // Without a key: the engine's 401; discovery needs none.
    let (response, _) = send(&app, request("GET", &path, None, Body::empty())).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let discovery = "/scim/v2/ServiceProviderConfig";
    let (response, body) = send(&app, request("GET", discovery, None, Body::empty())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        json(&body)["meta"]["location"],
        "http://app.example.com/scim/v2/ServiceProviderConfig"
    );
    // An unknown SCIM endpoint is a SCIM 404.
    let (response, body) = send(&app, request("GET", "/scim/v2/Nope", Some(&key), "")).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(json(&body)["status"], "404");

    // The host's routes still answer, with the host's state; other paths are the host's.
    let (response, body) = send(&app, request("GET", "/health", None, Body::empty())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "ok");
    let (response, body) = send(&app, request("GET", "/", None, Body::empty())).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body, "my app");
    let (response, body) = send(&app, request("GET", "/Users", Some(&key), Body::empty())).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(body.is_empty(), "axum's own 404: {body:?}");
}

#[tokio::test]
async fn the_router_takes_a_service_with_its_own_limit_and_any_base_path() {
    let config = EngineConfig::default().base_path("/api/scim");
    let (engine, key) = engine_with_key(MemoryStore::new(), config).await;
    let engine = Arc::new(engine);
    let service = ScimService::new(Arc::clone(&engine)).body_limit(USER.len());
    let app = host(scimitar::axum::router(service));

    let (response, _) = send(&app, request("POST", "/api/scim/Users", Some(&key), USER)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("http://app.example.com/api/scim/Users/"),
        "{location}"
    );

    let larger = format!("{USER} ");
    let (response, body) = send(&app, request("POST", "/api/scim/Users", Some(&key), larger)).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(response.headers()[header::CONTENT_TYPE], SCIM_JSON);
    let error = json(&body);
    assert_eq!(error["status"], "413");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );

    // The host keeps its handle on the engine.
    let tenants = engine.store().tenants().await.expect("the tenants");
    assert_eq!(tenants.len(), 1);
}

#[tokio::test]
async fn an_empty_base_path_serves_every_path() {
    let config = EngineConfig::default().base_path("/");
    let (engine, key) = engine_with_key(MemoryStore::new(), config).await;
    let app = Router::new()
        .route("/health", get(|| async { "ok" }))
        .merge(scimitar::axum::router(engine));

    let (response, _) = send(&app, request("POST", "/Users", Some(&key), USER)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let location = response.headers()[header::LOCATION].to_str().unwrap();
    assert!(
        location.starts_with("http://app.example.com/Users/"),
        "{location}"
    );
    let (_, body) = send(&app, request("GET", "/health", None, Body::empty())).await;
    assert_eq!(body, "ok");
}

#[tokio::test]
async fn the_default_features_serve_scim_on_sqlite() {
    let store = SqliteStore::open_in_memory().expect("a store");
    let (engine, key) = engine_with_key(store, EngineConfig::default()).await;
    let request = Request::post("https://app.example.com/scim/v2/Users")
        .header(header::AUTHORIZATION, format!("Bearer {key}"))
        .header(header::CONTENT_TYPE, SCIM_JSON)
        .body(Bytes::from_static(USER.as_bytes()))
        .expect("a request");
    let response = engine.handle(request).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let user = json(response.body());
    assert_eq!(user["userName"], "bjensen");
    let created = user["meta"]["created"].as_str().expect("meta.created");
    assert!(created.ends_with('Z'), "{created}");
    // 256-bit secrets behind the engine's prefix.
    assert_eq!(key.len(), "scim_".len() + 43, "{key}");
}
