//! The app's pages beside the SCIM endpoints, on the router `main` serves, called in
//! process.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, to_bytes};
use pollster::block_on;
use scimitar::http::{Request, StatusCode};
use scimitar::serde_json::{Value, from_slice, json};
use scimitar_example_host_app::{AppState, routes};
use tower::ServiceExt;

use crate::entra::{PEOPLE, entra_user};
use crate::support::{App, WORKSPACE};

fn call(app: &Router, request: Request<Body>) -> (StatusCode, Value) {
    let response = block_on(app.clone().oneshot(request)).expect("infallible");
    let status = response.status();
    let body = block_on(to_bytes(response.into_body(), 1 << 20)).expect("a body");
    (status, from_slice(&body).unwrap_or(Value::Null))
}

#[test]
fn the_pages_show_the_apps_table_and_the_history() {
    let app = App::new();
    let router: Router = Router::new()
        .merge(routes(AppState {
            db: Arc::clone(&app.db),
            engine: Arc::clone(&app.engine),
            workspace: WORKSPACE.to_owned(),
            tenant: app.tenant.id.clone(),
        }))
        .merge(scimitar::axum::router(Arc::clone(&app.engine)));

    let create = Request::post("/scim/v2/Users")
        .header("Authorization", format!("Bearer {}", app.key))
        .header("Content-Type", "application/scim+json")
        .body(Body::from(entra_user(&PEOPLE[0]).to_string()))
        .expect("a request");
    let (status, created) = call(&router, create);
    assert_eq!(status, StatusCode::CREATED, "{created}");

    let (status, page) = call(
        &router,
        Request::get("/app/users").body(Body::empty()).expect("get"),
    );
    assert_eq!(status, StatusCode::OK);
    let users = page["users"].as_array().expect("users");
    assert_eq!(users.len(), 4);
    assert_eq!(users[0]["sync_id"], "user-1");
    assert_eq!(users[0]["user_name"], "BJensen@contoso.com");
    assert_eq!(page["teams"][0]["name"], "Design");
    assert_eq!(page["invitations"], json!([]));

    let (status, history) = call(
        &router,
        Request::get("/app/history")
            .body(Body::empty())
            .expect("get"),
    );
    assert_eq!(status, StatusCode::OK);
    assert_eq!(history[0]["action"], "picked_up");
    assert_eq!(history[0]["resource_id"], "user-1");
    let after = format!("/app/history?after={}", history[0]["seq"]);
    let (_, later) = call(
        &router,
        Request::get(after).body(Body::empty()).expect("get"),
    );
    assert_eq!(later, json!([]));
}
