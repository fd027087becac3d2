//! The smallest SCIM 2.0 host: hyper 1 on a current-thread tokio runtime, one service
//! function, and [`scimitar_engine`]'s in-memory store (everything is lost on exit).
//!
//! `cargo run -p scimitar-example-hyper-memory -- [ADDR]`, or set `SCIM_LISTEN`; the
//! default is `127.0.0.1:8080`.

use std::convert::Infallible;
use std::sync::Arc;

use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use scimitar_engine::{Engine, IdSource, MemoryStore};
use scimitar_patch::Compat;

type Scim = Arc<Engine<MemoryStore>>;

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("SCIM_LISTEN").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".into());

    // The engine does no I/O of its own: it gets the store, a clock and an id source.
    let engine = Arc::new(Engine::new(MemoryStore::new(), chrono::Utc::now, RandomIds));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    let local = listener.local_addr()?; // the real port, when ADDR asks for port 0

    // The store starts empty every time: make a tenant and its API key.
    let tenant = engine.create_tenant("default", Compat::LENIENT).await?;
    let key = engine.issue_key(&tenant.id, None).await?;
    println!("Created the tenant \"default\" and an API key; the key is shown only once.");
    println!("  Tenant URL:   http://{local}{}", engine.config().base());
    println!("  Secret Token: {}", key.secret);
    eprintln!("listening on http://{local}");

    // One task per connection, until the process is stopped (Ctrl-C ends it at once:
    // see the axum example for a graceful shutdown).
    loop {
        let (stream, _) = listener.accept().await?;
        let engine = Arc::clone(&engine);
        let service = service_fn(move |request| scim(Arc::clone(&engine), request));
        tokio::spawn(http1::Builder::new().serve_connection(TokioIo::new(stream), service));
    }
}

/// The one service: collect the body, hand the request to the engine.
async fn scim(
    engine: Scim,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    // At most 1 MiB, the engine's own limit; a larger body (or a broken one) gets a 413.
    let Ok(body) = Limited::new(body, 1024 * 1024).collect().await else {
        let mut response = Response::new(Full::default());
        *response.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
        return Ok(response);
    };
    let response = engine
        .handle(Request::from_parts(parts, body.to_bytes()))
        .await;
    Ok(response.map(Full::new))
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
