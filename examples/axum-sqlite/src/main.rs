//! A SCIM 2.0 server in one screen of code: axum, [`scimitar_engine`] behind one
//! catch-all route, and one SQLite file.
//!
//! `cargo run -p scimitar-example-axum-sqlite -- [DB] [ADDR]`, or set `SCIM_DB` and
//! `SCIM_LISTEN`; the defaults are `scim.db` and `127.0.0.1:8080`.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{Request, Response, request::Parts};
use scimitar_engine::{Engine, IdSource, TenantStore};
use scimitar_patch::Compat;
use scimitar_store_sqlite::SqliteStore;

type Scim = Arc<Engine<SqliteStore>>;

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
    let engine = Engine::new(SqliteStore::open(&db)?, chrono::Utc::now, RandomIds);
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

    // Every path goes to the engine: it routes /scim/v2/... itself and answers 404 else.
    let app = Router::new().fallback(scim).with_state(Arc::new(engine));
    eprintln!("listening on http://{local}");
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await; // then lets requests in flight finish
        })
        .await?;
    eprintln!("stopped");
    Ok(())
}

/// The one handler: axum reads the body (up to 2 MB by default), the engine answers.
async fn scim(State(engine): State<Scim>, parts: Parts, body: Bytes) -> Response<Body> {
    let response = engine.handle(Request::from_parts(parts, body)).await;
    response.map(Body::from)
}

/// Ids and secrets from the operating system's secure random source, in hex.
struct RandomIds;

impl IdSource for RandomIds {
    fn new_id(&self) -> String {
        random_hex(16) // 128 bits: a unique resource id
    }

    fn new_secret(&self) -> String {
        random_hex(32) // 256 bits: an API key nobody can guess
    }
}

fn random_hex(len: usize) -> String {
    let mut bytes = vec![0; len];
    getrandom::fill(&mut bytes).expect("the operating system gives random bytes");
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
