//! The smallest SCIM 2.0 host: hyper 1 on a current-thread tokio runtime serving the
//! [`scimitar`] engine's `ScimService` on each connection, over the in-memory store
//! (everything is lost on exit).
//!
//! `cargo run -p scimitar-example-hyper-memory -- [ADDR]`, or set `SCIM_LISTEN`; the
//! default is `127.0.0.1:8080`.

use hyper::server::conn::http1;
use hyper_util::rt::TokioIo;
use hyper_util::service::TowerToHyperService;
use scimitar::{Compat, Engine, MemoryStore, ScimService, SystemClock, UuidIds};

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("SCIM_LISTEN").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".into());

    // The engine does no I/O of its own: it gets the store, a clock and an id source.
    let engine = Engine::new(MemoryStore::new(), SystemClock, UuidIds::new()?);
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?; // the real port, when ADDR asks for port 0

    // The store starts empty every time: make a tenant and its API key.
    let tenant = engine.create_tenant("default", Compat::LENIENT).await?;
    let key = engine.issue_key(&tenant.id, None).await?;
    println!("Created the tenant \"default\" and an API key; the key is shown only once.");
    println!("  Tenant URL:   http://{local}{}", engine.config().base());
    println!("  Secret Token: {}", key.secret);
    eprintln!("listening on http://{local}");

    // The service reads each body (up to 1 MiB; 413 beyond) and hands the request, with
    // its full path, to the engine, which routes /scim/v2/... and answers 404 elsewhere.
    let scim = ScimService::new(engine);
    // One task per connection, until the process is stopped (Ctrl-C ends it at once:
    // see the axum example for a graceful shutdown).
    loop {
        let (stream, _) = listener.accept().await?;
        let service = TowerToHyperService::new(scim.clone());
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}
