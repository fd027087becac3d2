//! A SCIM 2.0 server in one screen of code: axum, the [`scimitar`] router beside the
//! app's own routes, and one SQLite file.
//!
//! `cargo run -p scimitar-example-axum-sqlite -- [DB] [ADDR]`, or set `SCIM_DB` and
//! `SCIM_LISTEN`; the defaults are `scim.db` and `127.0.0.1:8080`.

use axum::{Router, routing::get};
use scimitar::{Compat, Engine, SqliteStore, SystemClock, TenantStore, UuidIds};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Where to keep the data and where to listen: arguments first, then variables.
    let mut args = std::env::args().skip(1);
    let mut setting = |var: &str, default: &str| {
        args.next()
            .or_else(|| std::env::var(var).ok())
            .unwrap_or_else(|| default.into())
    };
    let db = setting("SCIM_DB", "scim.db");
    let addr = setting("SCIM_LISTEN", "127.0.0.1:8080");

    // The engine does no I/O of its own: it gets the store, a clock and an id source.
    let engine = Engine::new(SqliteStore::open(&db)?, SystemClock, UuidIds::new()?);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?; // the real port, when ADDR asks for port 0

    // On the first start, make a tenant and its API key; the file keeps them after that.
    if engine.store().tenants().await?.is_empty() {
        let tenant = engine.create_tenant("default", Compat::LENIENT).await?;
        let key = engine.issue_key(&tenant.id, None).await?;
        println!("Created the tenant \"default\" and an API key; the key is shown only once.");
        println!("  Tenant URL:   http://{local}{}", engine.config().base());
        println!("  Secret Token: {}", key.secret);
    }

    // SCIM under the engine's base path (/scim/v2), beside the app's own routes; the
    // router reads bodies up to 1 MiB and answers 413 beyond.
    let app = Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .merge(scimitar::axum::router(engine));
    eprintln!("listening on http://{local}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await; // then lets requests in flight finish
        })
        .await?;
    eprintln!("stopped");
    Ok(())
}
