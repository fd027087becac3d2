//! The app's own pages beside SCIM: its user table and the provisioning history, as
//! JSON, to watch what the identity provider's requests did.

use std::sync::Arc;

use axum::Router;
use axum::extract::{RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use scimitar::serde_json::{Value, json, to_string_pretty};
use scimitar::{Engine, HistoryQuery, HistoryStore, ResourceStore, TenantId};

use crate::db::AppDb;

/// What the pages read: the app's database, and the engine whose history they show.
pub struct AppState<S> {
    /// The app's tables.
    pub db: Arc<AppDb>,
    /// The engine, for its store's history.
    pub engine: Arc<Engine<S>>,
    /// The workspace the pages show (the tenant of the same name).
    pub workspace: String,
    /// That tenant's id.
    pub tenant: TenantId,
}

/// `GET /app/users`: the workspace's users, teams and queued invitations, from the app's
/// own tables. `GET /app/history?after=SEQ`: the tenant's provisioning history after
/// `SEQ` (the last 50 entries without it), newest last.
pub fn routes<S, St>(state: AppState<S>) -> Router<St>
where
    S: ResourceStore + HistoryStore + 'static,
    St: Clone + Send + Sync + 'static,
{
    Router::new()
        .route("/app/users", get(users::<S>))
        .route("/app/history", get(history::<S>))
        .with_state(Arc::new(state))
}

fn json_response(status: StatusCode, value: &Value) -> Response {
    let body = to_string_pretty(value).unwrap_or_default();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn error(detail: impl std::fmt::Display) -> Response {
    json_response(
        StatusCode::INTERNAL_SERVER_ERROR,
        &json!({"error": detail.to_string()}),
    )
}

async fn users<S>(State(state): State<Arc<AppState<S>>>) -> Response {
    let workspace = state.workspace.as_str();
    let read = || -> Result<Value, crate::DbError> {
        let users: Vec<Value> = state
            .db
            .users(workspace)?
            .iter()
            .map(|u| u.to_json())
            .collect();
        let teams: Vec<Value> = state
            .db
            .teams(workspace)?
            .iter()
            .map(|t| t.to_json())
            .collect();
        let invitations: Vec<Value> = state
            .db
            .invitations(workspace)?
            .into_iter()
            .map(|(user_name, email)| json!({"user_name": user_name, "email": email}))
            .collect();
        Ok(json!({
            "workspace": workspace,
            "users": users,
            "teams": teams,
            "invitations": invitations,
        }))
    };
    match read() {
        Ok(page) => json_response(StatusCode::OK, &page),
        Err(failure) => error(failure),
    }
}

/// `after=SEQ` in a query string.
fn after(query: Option<&str>) -> Option<u64> {
    query?
        .split('&')
        .find_map(|pair| pair.strip_prefix("after="))
        .and_then(|seq| seq.parse().ok())
}

async fn history<S: ResourceStore + HistoryStore>(
    State(state): State<Arc<AppState<S>>>,
    RawQuery(query): RawQuery,
) -> Response {
    let query = match after(query.as_deref()) {
        Some(seq) => HistoryQuery::new().after(seq),
        None => HistoryQuery::new().newest_first().limit(50),
    };
    match state.engine.store().history(&state.tenant, &query).await {
        Ok(mut entries) => {
            entries.sort_by_key(|entry| entry.seq);
            let entries: Vec<Value> = entries
                .iter()
                .filter_map(|entry| scimitar::serde_json::to_value(entry).ok())
                .collect();
            json_response(StatusCode::OK, &Value::Array(entries))
        }
        Err(failure) => error(failure),
    }
}
