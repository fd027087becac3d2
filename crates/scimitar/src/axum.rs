//! The SCIM endpoints as an [axum](https://docs.rs/axum/0.8) router.

use ::axum::Router;

use scimitar_engine::{ResourceStore, ScimService};

/// The SCIM endpoints of an engine, at its base path (`/scim/v2` unless
/// [`EngineConfig::base_path`](crate::EngineConfig::base_path) says otherwise), as a
/// router to [`merge`](axum::Router::merge) into the host's own:
///
/// ```no_run
/// # async fn run(engine: scimitar::Engine<scimitar::SqliteStore>) {
/// let app = axum::Router::new()
///     .route("/health", axum::routing::get(|| async { "ok" }))
///     .merge(scimitar::axum::router(engine));
/// # let _: axum::Router = app;
/// # }
/// ```
///
/// `service` is an [`Engine`](crate::Engine), an `Arc` of one, or a
/// [`ScimService`] with settings of its own (such as
/// [`body_limit`](ScimService::body_limit)); the router nests it
/// ([`ScimService::nested`]). The router has the host's state type `St`, whatever it is.
///
/// With an empty base path the engine answers every path, as the router's fallback: the
/// host's router must then have no fallback of its own (axum refuses to merge two).
pub fn router<S, St>(service: impl Into<ScimService<S>>) -> Router<St>
where
    S: ResourceStore + 'static,
    St: Clone + Send + Sync + 'static,
{
    let service = service.into().nested();
    let base = service.engine().config().base().to_owned();
    if base.is_empty() {
        Router::new().fallback_service(service)
    } else {
        Router::new().nest_service(&base, service)
    }
}
