//! `scimitar serve`: a SCIM 2.0 server over HTTP for identity providers.

mod connections;
pub(crate) mod env;
mod first_start;
mod health;
mod log;
mod send_timeout;
mod server;
mod timed_body;

use std::future::Future;
use std::io::{self, IsTerminal, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use std::time::Duration;

use chrono::TimeDelta;
use tokio::net::TcpListener;

use scimitar_engine::{Clock, Engine, EngineConfig, HistoryStore, StoreError, TenantStore};

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::store::{self, AnyStore, store_failure};
use crate::tenant::DbArg;

use self::connections::Limits;
use self::env::{SystemClock, UuidIds};
use self::first_start::{KeyOutput, first_start};
use self::log::LogFormat;
use self::server::App;

pub(crate) const USAGE: &str =
    "usage: scimitar serve [--listen ADDR] [--db DB] [--log-format text|json]
                      [--public-url URL] [--trust-forwarded-headers]
                      [--global-usernames] [--history-days N]
                      [--header-timeout SECS] [--body-timeout SECS]
                      [--max-connections N] [--read-budget SECS]
                      [--print-first-key]";

const HELP: &str = r#"Serve SCIM 2.0 (RFC 7644) over HTTP, for identity providers such as Microsoft Entra ID
and Okta to provision users and groups.

Usage: scimitar serve [--listen ADDR] [--db DB] [--log-format FORMAT]
                      [--public-url URL] [--trust-forwarded-headers]
                      [--global-usernames] [--history-days N]
                      [--header-timeout SECS] [--body-timeout SECS]
                      [--max-connections N] [--read-budget SECS]
                      [--print-first-key]

The SCIM endpoints are under http://ADDR/scim/v2: Users, Groups, .search, Bulk and the
discovery endpoints. Each request needs an API key as a bearer token
('Authorization: Bearer KEY'); the key names the tenant whose data the request sees.
GET /healthz answers 200 'ok', for load balancers and probes, or 503 'unhealthy: REASON'
when the store cannot serve (its database writer stopped, a read fails). Request bodies
over 1 MiB are refused with 413.

On the first start, when the store has no tenant, it creates the tenant 'default'
(profile lenient), issues an API key for it and prints the tenant URL on standard
output, and the key too when standard output is a terminal or with --print-first-key.
Otherwise, since service managers keep standard output in their logs, it writes the key
to a new file only its owner can read (0600), DB.first-key beside the SQLite file DB
(for ':memory:', scimitar-first-key-PID in the temporary directory, removed when the
server stops), and prints the file's name instead. This is the only time the key is
shown. More tenants and keys come from 'scimitar tenant create' and
'scimitar token issue'.

A request whose key is missing or wrong gets its 401 before its body is read, and its
connection is closed. Slow or stalled clients are closed too: see --header-timeout,
--body-timeout and --max-connections.

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
  --header-timeout SECS
                 Close a connection whose next request's headers are not complete SECS
                 seconds (1 to 3600) after it opened or after its previous response:
                 this is also how long an idle kept-alive connection stays open.
                 Default: 10
  --body-timeout SECS
                 Answer 408 and close the connection when a request's body is not
                 complete SECS seconds (1 to 3600) after its headers; close it, too,
                 when its client takes nothing of an answer for SECS seconds.
                 Default: 20
  --max-connections N
                 Keep at most N connections (1 to 100000) open at once; one more is
                 closed as soon as it is accepted (rather than left waiting unaccepted,
                 where it would hold back the clients behind it). Each connection needs
                 a file descriptor. Default: 512
  --read-budget SECS
                 Stop a read of a SQLite file that has run for SECS seconds (1 to 3600):
                 its request gets 400 tooMany ('too expensive'), which tells a client
                 not to send it again as it is. Searches and lists run on threads of
                 the store's own, shared fairly between tenants, so one tenant's costly
                 searches never hold every thread. No effect on ':memory:'. Default: 5
  --print-first-key
                 On the first start, print the new key on standard output even when it
                 is not a terminal
  -h, --help     Print this help

Exit status: 0 after SIGINT or SIGTERM; 64 when the command line is wrong; 69 when it
cannot listen on ADDR, or open the store (or, with --history-days, prune it on start),
or write the first start's key file.

Example:
  $ scimitar serve --listen 127.0.0.1:8080
"#;

/// The default of `--listen`.
const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// The largest request body, for the engine and for reading it off the connection.
const MAX_BODY: usize = 1024 * 1024;

/// The stack of each runtime thread. A filter at the parser's limits is a tree a
/// thousand levels deep (a chain of 1,024 tests), which compiling, evaluating and
/// translating it walk recursively: more than tokio's default 2 MiB in a debug build.
/// Only the pages a thread touches are memory.
const WORKER_STACK: usize = 16 * 1024 * 1024;

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
    /// The longest wait for a request's headers, and for an idle connection's next.
    #[arg(
        long = "header-timeout",
        value_name = "SECS",
        allow_hyphen_values = true,
        value_parser = parse_header_timeout
    )]
    header_timeout: Option<Duration>,
    /// The longest wait for a request's body.
    #[arg(
        long = "body-timeout",
        value_name = "SECS",
        allow_hyphen_values = true,
        value_parser = parse_body_timeout
    )]
    body_timeout: Option<Duration>,
    /// The most connections open at once.
    #[arg(
        long = "max-connections",
        value_name = "N",
        allow_hyphen_values = true,
        value_parser = parse_max_connections
    )]
    max_connections: Option<u32>,
    /// The longest a read of the database may run.
    #[arg(
        long = "read-budget",
        value_name = "SECS",
        allow_hyphen_values = true,
        value_parser = parse_read_budget
    )]
    read_budget: Option<Duration>,
    /// Print the first start's key even when standard output is no terminal.
    #[arg(long = "print-first-key")]
    print_first_key: bool,
}

impl Args {
    /// The connection limits the flags set, the defaults for the others.
    fn limits(&self) -> Limits {
        let defaults = Limits::default();
        Limits {
            header_timeout: self.header_timeout.unwrap_or(defaults.header_timeout),
            body_timeout: self.body_timeout.unwrap_or(defaults.body_timeout),
            max_connections: self.max_connections.unwrap_or(defaults.max_connections),
        }
    }
}

/// Runs `scimitar serve`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let db = args.db.get();
    let mut store = store::open_store(db)?;
    if let Some(budget) = args.read_budget {
        store = store.with_read_budget(budget);
    }
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
        .thread_stack_size(WORKER_STACK)
        .build()
        .map_err(|error| Failure::unavailable(format!("cannot start the runtime: {error}")))?;
    let key_output = KeyOutput::for_store(db, args.print_first_key || io::stdout().is_terminal());
    let settings = Settings {
        listen: args.listen,
        db,
        history_days: args.history_days,
        limits: args.limits(),
        key_output,
    };
    runtime.block_on(serve(engine, settings, out, err))
}

/// How `scimitar serve` serves, from its flags.
struct Settings<'a> {
    listen: SocketAddr,
    db: &'a str,
    history_days: Option<u32>,
    limits: Limits,
    key_output: KeyOutput,
}

/// The longest `--header-timeout` and `--body-timeout`: an hour.
const MAX_TIMEOUT_SECS: u64 = 60 * 60;

/// The largest `--max-connections`.
const MAX_CONNECTIONS: u32 = 100_000;

/// `--header-timeout SECS`.
fn parse_header_timeout(text: &str) -> Result<Duration, String> {
    parse_seconds("--header-timeout", text)
}

/// `--body-timeout SECS`.
fn parse_body_timeout(text: &str) -> Result<Duration, String> {
    parse_seconds("--body-timeout", text)
}

/// `--read-budget SECS`.
fn parse_read_budget(text: &str) -> Result<Duration, String> {
    parse_seconds("--read-budget", text)
}

/// A timeout `flag`: a whole number of seconds from 1 to [`MAX_TIMEOUT_SECS`].
fn parse_seconds(flag: &str, text: &str) -> Result<Duration, String> {
    text.parse()
        .ok()
        .filter(|secs| (1..=MAX_TIMEOUT_SECS).contains(secs))
        .map(Duration::from_secs)
        .ok_or_else(|| {
            format!(
                "invalid {flag} {text:?}: expected a number of seconds from 1 to {MAX_TIMEOUT_SECS}"
            )
        })
}

/// `--max-connections N`: a whole number from 1 to [`MAX_CONNECTIONS`].
fn parse_max_connections(text: &str) -> Result<u32, String> {
    text.parse()
        .ok()
        .filter(|count| (1..=MAX_CONNECTIONS).contains(count))
        .ok_or_else(|| {
            format!(
                "invalid --max-connections {text:?}: expected a number of connections from 1 to {MAX_CONNECTIONS}"
            )
        })
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
    settings: Settings<'_>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let Settings {
        listen,
        db,
        history_days,
        limits,
        key_output,
    } = settings;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|error| Failure::unavailable(format!("cannot listen on {listen}: {error}")))?;
    let local = listener
        .local_addr()
        .map_err(|error| Failure::unavailable(format!("cannot listen on {listen}: {error}")))?;
    // Before the first request can come: a signal from then on stops the server cleanly.
    let shutdown = shutdown_signal()
        .map_err(|error| Failure::unavailable(format!("cannot handle signals: {error}")))?;
    let first = first_start(&engine, local, &key_output, out).await?;
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
        engine: Arc::clone(&engine),
        body_limit: MAX_BODY,
    });
    let drained = server::serve(listener, app, limits, shutdown).await;
    if first {
        key_output.remove_if_memory(&engine);
    }
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
