//! The HTTP side of `scimitar serve`: the engine's `ScimService` as the router's
//! fallback (it reads bodies up to the limit), `/healthz`, the request log, served on
//! the connections of [`connections`](super::connections).

use std::future::Future;
use std::sync::Arc;

use axum::Router;
use axum::middleware;
use tokio::net::TcpListener;

use scimitar_engine::{Engine, ScimService};

use super::connections::{self, Limits};
use super::{health, log};
use crate::store::AnyStore;

pub(crate) use super::connections::DRAIN;

/// What every request is served with.
pub(crate) struct App {
    /// The SCIM engine.
    pub(crate) engine: Arc<Engine<AnyStore>>,
    /// The largest request body read, in bytes; larger ones get `413`.
    pub(crate) body_limit: usize,
}

/// The routes: `/healthz`, and everything else to the engine; each request logged.
pub(crate) fn router(app: Arc<App>) -> Router {
    let scim = ScimService::new(Arc::clone(&app.engine)).body_limit(app.body_limit);
    Router::new()
        .route("/healthz", health::route(Arc::clone(&app)))
        .fallback_service(scim)
        .layer(middleware::from_fn_with_state(app, log::requests))
}

/// Serves `listener` within `limits` until `shutdown` completes, then lets the requests
/// in flight finish for at most [`DRAIN`]; returns whether all of them did.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> bool {
    connections::serve(listener, router(app), limits, shutdown).await
}
