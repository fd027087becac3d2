//! The app, served: its pages and the SCIM endpoints on one axum router.
//!
//! `cargo run -p scimitar-example-host-app -- [DIR] [ADDR]`, or set `HOST_APP_DIR` and
//! `HOST_APP_LISTEN`; the defaults are `host-app-data` and `127.0.0.1:8080`.

use std::sync::Arc;

use axum::Router;
use scimitar::{Engine, SqliteStore, SystemClock, TenantStore, UuidIds};
use scimitar_example_host_app::{AppDb, AppHost, AppState, connect_workspace, routes};

/// The app's one workspace in this demo; Scimitar's tenant has the same name.
const WORKSPACE: &str = "acme";

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let mut args = std::env::args().skip(1);
    let mut setting = |var: &str, default: &str| {
        args.next()
            .or_else(|| std::env::var(var).ok())
            .unwrap_or_else(|| default.into())
    };
    let dir = std::path::PathBuf::from(setting("HOST_APP_DIR", "host-app-data"));
    let addr = setting("HOST_APP_LISTEN", "127.0.0.1:8080");
    std::fs::create_dir_all(&dir)?;

    // The app's own database, with the accounts it had before provisioning.
    let db = Arc::new(AppDb::open(dir.join("app.db"))?);
    db.seed_demo(WORKSPACE)?;

    // Scimitar's store, in a file of its own: the SCIM copy of every provisioned user
    // and group, the tenant, its keys and policy, and the change history.
    let store = SqliteStore::open(dir.join("scim.db"))?;
    let engine =
        Engine::new(store, SystemClock, UuidIds::new()?).with_host(AppHost::new(Arc::clone(&db)));
    let engine = Arc::new(engine);
    let tenant = connect_workspace(&engine, WORKSPACE).await?;

    // A fresh key on each start (the earlier ones revoked): the secret is never stored,
    // so this is the only time it can be shown.
    for key in engine.store().keys(&tenant.id).await? {
        if key.revoked.is_none() {
            engine.revoke_key(&key.id).await?;
        }
    }
    let key = engine.issue_key(&tenant.id, None).await?;
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?;
    println!("Workspace \"{WORKSPACE}\" is provisioned by SCIM at:");
    println!("  Tenant URL:   http://{local}{}", engine.config().base());
    println!("  Secret Token: {}", key.secret);
    println!("The app's own table:   http://{local}/app/users");
    println!("Provisioning history:  http://{local}/app/history");

    let pages = routes(AppState {
        db,
        engine: Arc::clone(&engine),
        workspace: WORKSPACE.to_owned(),
        tenant: tenant.id,
    });
    let app: Router = Router::new()
        .merge(pages)
        .merge(scimitar::axum::router(engine));
    eprintln!("listening on http://{local}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
