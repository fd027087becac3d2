//! `scimitar serve`: a SCIM 2.0 server over HTTP for identity providers.

pub(crate) mod env;
mod health;
mod log;
mod server;

use std::future::Future;
use std::io::{self, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use chrono::TimeDelta;
use tokio::net::TcpListener;

use scimitar_engine::{Clock, Engine, EngineConfig, HistoryStore, StoreError, TenantStore};
use scimitar_patch::Compat;

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::store::{self, AnyStore, engine_failure, store_failure};
use crate::tenant::DbArg;

use self::env::{SystemClock, UuidIds};
use self::log::LogFormat;
use self::server::App;

pub(crate) const USAGE: &str =
    "usage: scimitar serve [--listen ADDR] [--db DB] [--log-format text|json]
                      [--public-url URL] [--trust-forwarded-headers]
                      [--global-usernames] [--history-days N]";

const HELP: &str = r#"Serve SCIM 2.0 (RFC 7644) over HTTP, for identity providers such as Microsoft Entra ID
and Okta to provision users and groups.

Usage: scimitar serve [--listen ADDR] [--db DB] [--log-format FORMAT]
                      [--public-url URL] [--trust-forwarded-headers]
                      [--global-usernames] [--history-days N]

The SCIM endpoints are under http://ADDR/scim/v2: Users, Groups, .search, Bulk and the
discovery endpoints. Each request needs an API key as a bearer token
('Authorization: Bearer KEY'); the key names the tenant whose data the request sees.
GET /healthz answers 200 'ok', for load balancers and probes, or 503 'unhealthy: REASON'
when the store cannot serve (its database writer stopped, a read fails). Request bodies
over 1 MiB are refused with 413.

On the first start, when the store has no tenant, it creates the tenant 'default'
(profile lenient), issues an API key for it and prints the tenant URL and the key on
standard output: this is the only time the key is shown. More tenants and keys come
from 'scimitar tenant create' and 'scimitar token issue'.

It writes 'listening on http://ADDR' on standard error once it accepts connections, then
one line per request: the time, the method, the path with the names of the query
parameters but not their values, the status, the time taken in milliseconds, and the
tenant and key id of the caller ('-' when unknown), and error="CAUSE" when the store
failed (such as "store unavailable: database is locked"); never the key itself, nor a
query value or a body. With --log-format json, each of these lines is a JSON object
instead:

  {"timestamp":"2026-11-23T13:45:01.123Z","level":"INFO","method":"GET",
   "path":"/scim/v2/Users?filter=…","status":200,"duration_ms":0.412,
   "tenant":"default","key_id":"key_0b6f…"}

(one line each; "tenant", "key_id" and "error" are left out when unknown). RUST_LOG
filters the request log as tracing's EnvFilter reads it: it is at level info, under the
target scimitar::request; RUST_LOG=warn or RUST_LOG=scimitar::request=off turns it off. The
'listening on', 'store:', 'history:', 'warning:' and 'stopped' lines are always
written, as plain lines.

SIGINT (Ctrl-C) or SIGTERM stops it: it accepts no more connections, lets the requests
in flight finish (for at most 10 seconds) and exits with status 0.

Options:
  --listen ADDR  The IP address and port to listen on (default: 127.0.0.1:8080); port 0
                 picks a free port, which the 'listening on' line shows. To serve other
                 machines, listen on 0.0.0.0 behind an HTTPS reverse proxy: identity
                 providers in the cloud require HTTPS
  --db DB        Where tenants, keys, users and groups are kept: a SQLite file, as a
                 path or sqlite:PATH (created if missing; default: scimitar.db in the
                 working directory), or ':memory:', which keeps them in the server
                 process only: they are lost when it stops, and every start is a first
                 start
  --log-format FORMAT
                 The request log's format: text (the default), or json for one JSON
                 object a line
  --public-url URL
                 The URL of the SCIM endpoints as identity providers reach them, such as
                 https://scim.example.com/scim/v2: every Location, meta.location and
                 $ref starts with it, and the first start prints it as the tenant URL.
                 Set it behind a reverse proxy that terminates TLS. Default: built from
                 each request's Host header, with http
  --trust-forwarded-headers
                 Without --public-url, take the scheme and host of those links from
                 X-Forwarded-Proto and X-Forwarded-Host. Only behind a proxy that sets
                 both and drops what clients send: otherwise any client picks the links
                 others see. Default: the headers are ignored
  --global-usernames
                 A user's userName must be unique among the users of every tenant,
                 managed or unmanaged, not only within its own: a create or rename to
                 a name another tenant uses is refused with 409 uniqueness (which does
                 not say which tenant has it). Import unmanaged accounts with
                 'scimitar import --global-usernames' too. Default: unique per tenant
  --history-days N
                 Keep N days (1 to 36500) of change history: on start, and then every
                 hour, the entries older than N days are removed from every tenant's
                 history (the others keep their numbers). Each removal that takes
                 entries writes 'history: pruned COUNT entries older than N days' (the
                 one on start always does); a removal that fails writes a 'warning:'
                 line and is tried again an hour later. Default: keep everything
  -h, --help     Print this help

Exit status: 0 after SIGINT or SIGTERM; 64 when the command line is wrong; 69 when it
cannot listen on ADDR, or open the store (or, with --history-days, prune it on start).

Example:
  $ scimitar serve --listen 127.0.0.1:8080
"#;

/// The default of `--listen`.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The largest request body, for the engine and for reading it off the connection.
const MAX_BODY: usize = 1024 * 1024;

/// The name of the tenant made on the first start.
const FIRST_TENANT: &str = "default";

/// The longest `--history-days`: a hundred years.
const MAX_HISTORY_DAYS: u32 = 36_500;

/// How often `--history-days` prunes the history, after the start.
const PRUNE_EVERY: Duration = Duration::from_secs(60 * 60);

/// The arguments of `scimitar serve`.
#[derive(Debug, clap::Args)]
#[command(override_help = HELP, args_override_self = true)]
pub(crate) struct Args {
    #[command(flatten)]
    help: HelpFlag,
    /// The IP address and port to listen on.
    #[arg(
        long,
        value_name = "ADDR",
        default_value = DEFAULT_LISTEN,
        allow_hyphen_values = true,
        value_parser = parse_listen
    )]
    listen: SocketAddr,
    #[command(flatten)]
    db: DbArg,
    /// The format of the request log: text or json.
    #[arg(
        long = "log-format",
        value_name = "FORMAT",
        default_value = "text",
        allow_hyphen_values = true,
        value_parser = LogFormat::parse
    )]
    log_format: LogFormat,
    /// The URL of the SCIM endpoints as clients reach them.
    #[arg(
        long = "public-url",
        value_name = "URL",
        allow_hyphen_values = true,
        value_parser = parse_public_url
    )]
    public_url: Option<String>,
    /// Take the links' scheme and host from X-Forwarded-Proto and X-Forwarded-Host.
    #[arg(long = "trust-forwarded-headers")]
    trust_forwarded_headers: bool,
    /// Make userNames unique among every tenant's.
    #[arg(long = "global-usernames")]
    global_usernames: bool,
    /// Keep this many days of history.
    #[arg(
        long = "history-days",
        value_name = "N",
        allow_hyphen_values = true,
        value_parser = parse_history_days
    )]
    history_days: Option<u32>,
}

/// Runs `scimitar serve`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let db = args.db.get();
    let store = store::open_store(db)?;
    let mut config = EngineConfig::default()
        .max_body_size(MAX_BODY)
        .bulk_max_payload_size(MAX_BODY)
        .trust_forwarded_headers(args.trust_forwarded_headers)
        .global_usernames(args.global_usernames);
    if let Some(url) = &args.public_url {
        config = config.public_url(url);
    }
    let engine = Engine::new(store, SystemClock, UuidIds::new()?).with_config(config);
    log::install(args.log_format)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|error| Failure::unavailable(format!("cannot start the runtime: {error}")))?;
    runtime.block_on(serve(engine, args.listen, db, args.history_days, out, err))
}

/// `--history-days N`: a whole number of days from 1 to [`MAX_HISTORY_DAYS`].
fn parse_history_days(text: &str) -> Result<u32, String> {
    text.parse()
        .ok()
        .filter(|days| (1..=MAX_HISTORY_DAYS).contains(days))
        .ok_or_else(|| {
            format!(
                "invalid --history-days {text:?}: expected a number of days from 1 to {MAX_HISTORY_DAYS}"
            )
        })
}

/// `--listen ADDR`: an IP address and a port.
fn parse_listen(text: &str) -> Result<SocketAddr, String> {
    text.parse().map_err(|_| {
        format!("invalid --listen address {text:?}: expected IP:PORT, such as {DEFAULT_LISTEN}")
    })
}

/// `--public-url URL`: an absolute `http` or `https` URL without query or fragment.
fn parse_public_url(text: &str) -> Result<String, String> {
    let invalid = || {
        format!(
            "invalid --public-url {text:?}: expected an absolute http or https URL, such as https://scim.example.com/scim/v2"
        )
    };
    let uri: http::Uri = text.parse().map_err(|_| invalid())?;
    let scheme_ok = matches!(uri.scheme_str(), Some("http" | "https"));
    let host_ok = uri
        .authority()
        .is_some_and(|authority| !authority.host().is_empty() && !authority.as_str().contains('@'));
    if !scheme_ok || !host_ok || uri.query().is_some() || text.contains('#') {
        return Err(invalid());
    }
    Ok(text.trim_end_matches('/').to_owned())
}

async fn serve(
    engine: Engine<AnyStore>,
    listen: SocketAddr,
    db: &str,
    history_days: Option<u32>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|error| Failure::unavailable(format!("cannot listen on {listen}: {error}")))?;
    let local = listener
        .local_addr()
        .map_err(|error| Failure::unavailable(format!("cannot listen on {listen}: {error}")))?;
    // Before the first request can come: a signal from then on stops the server cleanly.
    let shutdown = shutdown_signal()
        .map_err(|error| Failure::unavailable(format!("cannot handle signals: {error}")))?;
    first_start(&engine, local, out).await?;
    if engine.store().is_durable() {
        writeln!(err, "store: {db}")?;
    } else {
        writeln!(
            err,
            "store: {db} (everything is lost when the server stops)"
        )?;
    }
    let engine = Arc::new(engine);
    if let Some(days) = history_days {
        let pruned = prune_history(&engine, days).await.map_err(store_failure)?;
        writeln!(err, "{}", pruned_line(pruned, days))?;
        tokio::spawn(keep_pruning(Arc::clone(&engine), days));
    }
    writeln!(err, "listening on http://{local}")?;
    err.flush()?;
    let app = Arc::new(App {
        engine,
        body_limit: MAX_BODY,
    });
    let drained = server::serve(listener, app, shutdown)
        .await
        .map_err(|error| Failure::unavailable(format!("the server failed: {error}")))?;
    if drained {
        writeln!(err, "stopped")?;
    } else {
        writeln!(
            err,
            "stopped; requests still in flight after {} seconds were dropped",
            server::DRAIN.as_secs()
        )?;
    }
    Ok(())
}

/// Removes the entries older than `days` days from every tenant's history; returns how
/// many went.
async fn prune_history(engine: &Engine<AnyStore>, days: u32) -> Result<usize, StoreError> {
    let before = SystemClock.now() - TimeDelta::days(i64::from(days));
    let mut pruned = 0;
    for tenant in engine.store().tenants().await? {
        pruned += engine.store().prune_history(&tenant.id, before).await?;
    }
    Ok(pruned)
}

/// The line that reports a pruning.
fn pruned_line(pruned: usize, days: u32) -> String {
    let entries = if pruned == 1 { "entry" } else { "entries" };
    format!("history: pruned {pruned} {entries} older than {days} days")
}

/// Prunes the history every [`PRUNE_EVERY`], for as long as the server runs; reports
/// on standard error what it removed and what failed.
async fn keep_pruning(engine: Arc<Engine<AnyStore>>, days: u32) {
    let start = tokio::time::Instant::now() + PRUNE_EVERY;
    let mut every = tokio::time::interval_at(start, PRUNE_EVERY);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        every.tick().await;
        // Standard error is all there is to report to; a failure to write it is not
        // the server's.
        let _ = match prune_history(&engine, days).await {
            Ok(0) => Ok(()),
            Ok(pruned) => writeln!(io::stderr(), "{}", pruned_line(pruned, days)),
            Err(error) => writeln!(
                io::stderr(),
                "warning: pruning the history failed ({error}); it is tried again in an hour"
            ),
        };
    }
}

/// On a store without tenants, creates the tenant [`FIRST_TENANT`], issues a key for it
/// and prints what an identity provider needs on `out`.
async fn first_start(
    engine: &Engine<AnyStore>,
    local: SocketAddr,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let tenants = engine.store().tenants().await.map_err(store_failure)?;
    if !tenants.is_empty() {
        return Ok(());
    }
    let tenant = engine
        .create_tenant(FIRST_TENANT, Compat::LENIENT)
        .await
        .map_err(engine_failure)?;
    let issued = engine
        .issue_key(&tenant.id, None)
        .await
        .map_err(engine_failure)?;
    let url = match engine.config().public() {
        Some(url) => url.to_owned(),
        None => format!("http://{local}{}", engine.config().base()),
    };
    writeln!(
        out,
        "Created the tenant {FIRST_TENANT:?} and an API key ({}) for it.",
        issued.key.id
    )?;
    writeln!(
        out,
        "Paste these into Microsoft Entra ID (Tenant URL, Secret Token) or Okta (Base URL, API Token):"
    )?;
    writeln!(out, "  Tenant URL:   {url}")?;
    writeln!(out, "  Secret Token: {}", issued.secret)?;
    writeln!(
        out,
        "The key is shown only this once. Behind a reverse proxy, give its public HTTPS URL instead."
    )?;
    out.flush()?;
    Ok(())
}

/// A future that completes on SIGINT or SIGTERM. The handlers are installed before it
/// returns, so that a signal that comes before the future is polled is not missed.
#[cfg(unix)]
fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    use tokio::signal::unix::{SignalKind, signal};

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// A future that completes on Ctrl-C.
#[cfg(not(unix))]
fn shutdown_signal() -> io::Result<impl Future<Output = ()> + Send + 'static> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}
