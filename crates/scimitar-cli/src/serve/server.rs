//! The HTTP side of `scimitar serve`: axum on tokio, the engine's `ScimService` as the
//! fallback (it reads bodies up to the limit), `/healthz`, the request log and the
//! graceful shutdown.

use std::future::{Future, pending};
use std::io;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::middleware;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use scimitar_engine::{Engine, ScimService};

use super::{health, log};
use crate::store::AnyStore;

/// How long the server waits, once told to stop, for the requests in flight.
pub(crate) const DRAIN: Duration = Duration::from_secs(10);

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

/// Serves `listener` until `shutdown` completes, then lets the requests in flight finish
/// for at most [`DRAIN`]; returns whether all of them did.
pub(crate) async fn serve(
    listener: TcpListener,
    app: Arc<App>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<bool> {
    let (stopping, stopped) = oneshot::channel();
    let server = axum::serve(listener, router(app)).with_graceful_shutdown(async move {
        shutdown.await;
        let _ = stopping.send(());
    });
    let deadline = async move {
        match stopped.await {
            Ok(()) => tokio::time::sleep(DRAIN).await,
            // The server ended on its own.
            Err(_) => pending().await,
        }
    };
    tokio::select! {
        result = server => result.map(|()| true),
        () = deadline => Ok(false),
    }
}
