//! `GET /healthz`, for load balancers and probes: `200 ok` while the store can serve,
//! `503 unhealthy: REASON` when it cannot (its database writer stopped, a read fails).

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodRouter, get};

use scimitar_engine::{StoreError, StoreFailure};

use super::server::App;

/// The `/healthz` route of `app`'s store.
pub(crate) fn route(app: Arc<App>) -> MethodRouter {
    get(move || {
        let app = Arc::clone(&app);
        // The store's reads run on its own threads, off the async workers.
        async move { answer(app.engine.store().health().await) }
    })
}

/// The answer for a store's health: `200 ok`, or `503` with the reason (and the
/// failure in the response's extensions, for the request log).
fn answer(health: Result<(), StoreError>) -> Response {
    match health {
        Ok(()) => "ok".into_response(),
        Err(error) => {
            let reason = match &error {
                StoreError::Unavailable(why) => why.clone(),
                other => other.to_string(),
            };
            let mut response = (
                StatusCode::SERVICE_UNAVAILABLE,
                format!("unhealthy: {reason}"),
            )
                .into_response();
            response.extensions_mut().insert(StoreFailure::new(error));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use axum::body::to_bytes;
    use scimitar_store_sqlite::SqliteStore;

    use super::*;
    use crate::store::{AnyStore, MEMORY};

    /// The health of `store`, answered.
    fn check(store: &AnyStore) -> Response {
        answer(pollster::block_on(store.health()))
    }

    fn text(response: Response) -> (StatusCode, String) {
        let status = response.status();
        let body = pollster::block_on(to_bytes(response.into_body(), 1024)).unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap())
    }

    #[test]
    fn a_store_that_serves_is_ok() {
        let memory = crate::store::open_store(MEMORY).unwrap();
        assert_eq!(text(check(&memory)), (StatusCode::OK, "ok".to_owned()));
        let sqlite = AnyStore::Sqlite(SqliteStore::open_in_memory().unwrap());
        assert_eq!(text(check(&sqlite)), (StatusCode::OK, "ok".to_owned()));
    }

    #[test]
    fn a_dead_writer_is_unhealthy() {
        let store = SqliteStore::open_in_memory().unwrap();
        store.kill_writer();
        let response = check(&AnyStore::Sqlite(store));
        assert!(response.extensions().get::<StoreFailure>().is_some());
        assert_eq!(
            text(response),
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "unhealthy: the database writer stopped".to_owned()
            )
        );
    }
}
