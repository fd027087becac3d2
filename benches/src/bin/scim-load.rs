//! `scim-load`: replays a Microsoft Entra ID initial sync against a running SCIM server
//! and reports throughput and latency.
//!
//! ```text
//! scim-load --url http://127.0.0.1:8080/scim/v2 --token KEY \
//!     [--users 10000] [--groups 100] [--connections 8] [--batch 100] [--prefix TEXT]
//!     [--acknowledged FILE]
//! ```
//!
//! What Entra ID sends on a first sync, in two phases:
//!
//! 1. Users: for each user, the lookup `GET /Users?filter=userName eq "…"` (an empty
//!    list), then `POST /Users` with the enterprise user as Entra sends it
//!    (`"active": "True"`, the enterprise extension, `meta`, `roles: []`).
//! 2. Groups: for each group, the lookup
//!    `GET /Groups?excludedAttributes=members&filter=displayName eq "…"`, `POST /Groups`,
//!    then its members in `PATCH` requests of `--batch` members each
//!    (`{"op":"Add","path":"members","value":[{"$ref":null,"value":"ID"}, …]}`). Each
//!    user is in two to four groups.
//!
//! `--connections` keep-alive HTTP/1.1 connections, one thread each, take users (then
//! groups) from a shared counter; a user's lookup and create, and a group's lookup,
//! create and patches, stay in order on one connection. The run stops by itself once
//! every user and group is done. Names start with `--prefix` (by default one made from
//! the time), so a run against a store that already holds an earlier run's users still
//! finds nothing on its lookups.
//!
//! It prints the requests sent, the requests per second, the p50, p90, p99 and max
//! latency overall and per kind of request (from HDR histograms: microseconds, three
//! significant digits), and the responses that were not 2xx (the lookups' empty `200`
//! lists are the expected answers). It exits with status 1 if any response was not 2xx
//! or a lookup found something, 2 on a broken connection and 64 when the command line is
//! wrong; `--help` prints the options.
//!
//! With `--acknowledged FILE`, every write the server acknowledged (a `2xx`) is appended
//! to FILE as it is answered, one line each: `user ID`, `group ID`, or
//! `members GROUP_ID MEMBER_ID…`. A soak run that kills the server compares the store
//! with that file afterwards (see `benches/soak.sh`).
//!
//! Only `http://` URLs: the client is a minimal one, with no TLS, no proxies and no
//! redirects.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use std::{env, thread};

use clap::Parser;
use clap::builder::RangedU64ValueParser;
use hdrhistogram::Histogram;
use scimitar_benches::Rng;
use serde_json::{Value, json};

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
/// The private schema Entra ID lists on groups, with no data under it.
const ADSCIM_GROUP: &str =
    "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";
const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

/// The longest wait for one response.
const TIMEOUT: Duration = Duration::from_secs(60);

/// How many of the unexpected responses are printed.
const SHOWN_FAILURES: usize = 5;

/// Replays a Microsoft Entra ID initial sync against a running SCIM server and reports
/// throughput and latency.
#[derive(Debug, Parser)]
#[command(name = "scim-load")]
struct Cli {
    /// The SCIM base URL, such as http://127.0.0.1:8080/scim/v2 (http:// only)
    #[arg(long, value_name = "URL", value_parser = parse_url)]
    url: (String, String),
    /// The API key, sent as a bearer token
    #[arg(long, value_name = "KEY", allow_hyphen_values = true)]
    token: String,
    /// The users to create
    #[arg(long, value_name = "N", default_value_t = 10_000)]
    users: usize,
    /// The groups to create
    #[arg(long, value_name = "N", default_value_t = 100)]
    groups: usize,
    /// The keep-alive connections, one thread each
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = at_least_one())]
    connections: usize,
    /// The members added by each PATCH
    #[arg(long, value_name = "N", default_value_t = 100, value_parser = at_least_one())]
    batch: usize,
    /// What every userName and group name starts with [default: one made from the time]
    #[arg(long, value_name = "TEXT", allow_hyphen_values = true)]
    prefix: Option<String>,
    /// Append each acknowledged write to FILE, one line each
    #[arg(long, value_name = "FILE")]
    acknowledged: Option<PathBuf>,
}

/// A count of at least one.
fn at_least_one() -> RangedU64ValueParser<usize> {
    RangedU64ValueParser::new().range(1..)
}

/// `--url`: the host (with its port) and the path of the base URL, without a trailing
/// slash.
fn parse_url(url: &str) -> Result<(String, String), String> {
    let rest = url
        .strip_prefix("http://")
        .ok_or("the URL must start with http://")?;
    let (host, base) = match rest.find('/') {
        Some(slash) => (&rest[..slash], rest[slash..].trim_end_matches('/')),
        None => (rest, ""),
    };
    if host.is_empty() {
        return Err("the URL has no host".into());
    }
    Ok((host.to_owned(), base.to_owned()))
}

/// What to run, from the command line.
struct Options {
    host: String,
    /// The path of the SCIM base URL, without a trailing slash: `/scim/v2`.
    base: String,
    token: String,
    users: usize,
    groups: usize,
    connections: usize,
    batch: usize,
    prefix: String,
    acknowledged: Option<PathBuf>,
}

impl Options {
    /// The options of the command line `args` (the program name first).
    fn parse<I, T>(args: I) -> Result<Self, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = Cli::try_parse_from(args)?;
        let prefix = cli.prefix.unwrap_or_else(|| {
            let seconds = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs());
            format!("load{seconds:x}")
        });
        let (host, base) = cli.url;
        Ok(Self {
            host,
            base,
            token: cli.token,
            users: cli.users,
            groups: cli.groups,
            connections: cli.connections,
            batch: cli.batch,
            prefix,
            acknowledged: cli.acknowledged,
        })
    }
}

/// The kinds of request, each with its own latencies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    UserLookup,
    UserCreate,
    GroupLookup,
    GroupCreate,
    GroupPatch,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Self::UserLookup => "GET /Users?filter",
            Self::UserCreate => "POST /Users",
            Self::GroupLookup => "GET /Groups?filter",
            Self::GroupCreate => "POST /Groups",
            Self::GroupPatch => "PATCH /Groups/{id}",
        }
    }
}

/// What one connection measured.
#[derive(Clone, Default)]
struct Tally {
    /// In microseconds.
    latencies: BTreeMap<Kind, Histogram<u64>>,
    /// Responses that were not 2xx, or lookups that found something.
    unexpected: usize,
    /// The first few of them: the request and the response.
    shown: Vec<String>,
}

impl Tally {
    fn record(&mut self, kind: Kind, latency: Duration) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latencies
            .entry(kind)
            .or_insert_with(histogram)
            .saturating_record(micros);
    }

    /// The requests measured.
    fn requests(&self) -> u64 {
        self.latencies.values().map(Histogram::len).sum()
    }

    fn unexpected(&mut self, what: String) {
        self.unexpected += 1;
        if self.shown.len() < SHOWN_FAILURES {
            self.shown.push(what);
        }
    }

    fn merge(&mut self, other: Self) {
        for (kind, latencies) in other.latencies {
            add(
                self.latencies.entry(kind).or_insert_with(histogram),
                &latencies,
            );
        }
        self.unexpected += other.unexpected;
        let room = SHOWN_FAILURES.saturating_sub(self.shown.len());
        self.shown.extend(other.shown.into_iter().take(room));
    }
}

/// The longest latency kept apart, in microseconds: longer ones count as this long. Far
/// over [`TIMEOUT`], after which a request fails.
const MAX_LATENCY: u64 = 3_600_000_000;

/// A histogram of latencies from 1 µs to [`MAX_LATENCY`], to three significant digits.
fn histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, MAX_LATENCY, 3).expect("the bounds are valid")
}

/// Adds the counts of `other` to `into`.
fn add(into: &mut Histogram<u64>, other: &Histogram<u64>) {
    into.add(other)
        .expect("histograms of the same bounds add up");
}

/// An HTTP response.
struct Response {
    status: u16,
    body: Vec<u8>,
}

/// Where `--acknowledged` writes go: each line written as soon as its answer is read,
/// so that what a killed server acknowledged is on disk whatever happens next.
struct Journal(Option<Mutex<File>>);

impl Journal {
    fn open(path: Option<&PathBuf>) -> io::Result<Self> {
        let file = match path {
            Some(path) => Some(Mutex::new(
                OpenOptions::new().create(true).append(true).open(path)?,
            )),
            None => None,
        };
        Ok(Self(file))
    }

    /// Appends `line` and a newline in one write.
    fn note(&self, line: impl FnOnce() -> String) -> io::Result<()> {
        let Some(file) = &self.0 else {
            return Ok(());
        };
        let mut line = line();
        line.push('\n');
        file.lock()
            .expect("not poisoned")
            .write_all(line.as_bytes())
    }
}

/// A keep-alive HTTP/1.1 connection, opened again if the server closes it.
struct Client<'a> {
    options: &'a Options,
    connection: Option<BufReader<TcpStream>>,
}

impl<'a> Client<'a> {
    fn new(options: &'a Options) -> Self {
        Self {
            options,
            connection: None,
        }
    }

    fn connect(&self) -> io::Result<BufReader<TcpStream>> {
        let stream = TcpStream::connect(&self.options.host)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        stream.set_write_timeout(Some(TIMEOUT))?;
        Ok(BufReader::with_capacity(64 * 1024, stream))
    }

    /// Sends `METHOD BASE+PATH` with `body` (none if empty) and reads the response; the
    /// time taken from the first byte written to the last read.
    fn send(&mut self, method: &str, path: &str, body: &str) -> io::Result<(Response, Duration)> {
        let options = self.options;
        let mut request = format!(
            "{method} {}{path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\nAccept: application/scim+json\r\n",
            options.base, options.host, options.token
        );
        if !body.is_empty() {
            request.push_str("Content-Type: application/scim+json; charset=utf-8\r\n");
        }
        request.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
        request.push_str(body);
        let connection = match self.connection.take() {
            Some(connection) => connection,
            None => self.connect()?,
        };
        let mut connection = connection;
        let started = Instant::now();
        connection.get_mut().write_all(request.as_bytes())?;
        let (response, keep_alive) = read_response(&mut connection)?;
        let elapsed = started.elapsed();
        if keep_alive {
            self.connection = Some(connection);
        }
        Ok((response, elapsed))
    }
}

fn broken(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what.to_owned())
}

/// Reads one response: the status, the headers (for its length and whether the
/// connection stays open) and the body, by `Content-Length` or chunked.
fn read_response(reader: &mut impl BufRead) -> io::Result<(Response, bool)> {
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Err(broken("the server closed the connection"));
    }
    let status = line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| broken("no status line"))?;
    let mut length = None;
    let mut chunked = false;
    let mut keep_alive = line.starts_with("HTTP/1.1 ");
    loop {
        line.clear();
        if reader.read_line(&mut line)? == 0 {
            return Err(broken("the server closed the connection in the headers"));
        }
        let header = line.trim_end();
        if header.is_empty() {
            break;
        }
        let Some((name, value)) = header.split_once(':') else {
            return Err(broken("a header without a colon"));
        };
        let value = value.trim();
        if name.eq_ignore_ascii_case("content-length") {
            length = Some(value.parse().map_err(|_| broken("a bad Content-Length"))?);
        } else if name.eq_ignore_ascii_case("transfer-encoding") {
            chunked = value.eq_ignore_ascii_case("chunked");
        } else if name.eq_ignore_ascii_case("connection") {
            keep_alive = !value.eq_ignore_ascii_case("close");
        }
    }
    let mut body = Vec::new();
    if chunked {
        loop {
            line.clear();
            reader.read_line(&mut line)?;
            let size = line.trim_end().split(';').next().unwrap_or("");
            let size = usize::from_str_radix(size, 16).map_err(|_| broken("a bad chunk size"))?;
            if size == 0 {
                // Trailers, up to the empty line.
                loop {
                    line.clear();
                    if reader.read_line(&mut line)? == 0 || line.trim_end().is_empty() {
                        break;
                    }
                }
                break;
            }
            let start = body.len();
            body.resize(start + size, 0);
            reader.read_exact(&mut body[start..])?;
            line.clear();
            reader.read_line(&mut line)?;
        }
    } else if let Some(length) = length {
        body.resize(length, 0);
        reader.read_exact(&mut body)?;
    } else if status >= 200 && status != 204 && status != 304 {
        reader.read_to_end(&mut body)?;
        keep_alive = false;
    }
    Ok((Response { status, body }, keep_alive))
}

/// Percent-encodes a query value (everything but unreserved characters).
fn encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            encoded.push(char::from(byte));
        } else {
            encoded.push_str(&format!("%{byte:02X}"));
        }
    }
    encoded
}

/// The `id` of a created resource.
fn created_id(body: &[u8]) -> Option<String> {
    let created: Value = serde_json::from_slice(body).ok()?;
    created.get("id")?.as_str().map(str::to_owned)
}

/// `totalResults` of a list response.
fn total_results(body: &[u8]) -> Option<u64> {
    let list: Value = serde_json::from_slice(body).ok()?;
    list.get("totalResults")?.as_u64()
}

const GIVEN_NAMES: &[&str] = &[
    "Barbara", "James", "Mary", "Robert", "Patricia", "John", "Wei", "Priya", "Ahmed", "Yuki",
    "José", "Zoë",
];
const FAMILY_NAMES: &[&str] = &[
    "Jensen",
    "Smith",
    "Johnson",
    "Garcia",
    "Nguyễn",
    "Patel",
    "Kim",
    "Müller",
    "Sørensen",
    "O'Brien",
    "Okafor",
    "Tanaka",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Marketing",
    "Finance",
    "Support",
    "Operations",
];

/// User `index` as Entra ID creates it.
fn user_body(options: &Options, index: usize, rng: &mut Rng) -> Value {
    let user_name = user_name(options, index);
    let given = *rng.pick(GIVEN_NAMES);
    let family = *rng.pick(FAMILY_NAMES);
    json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "externalId": rng.guid(),
        "userName": user_name,
        "active": "True",
        "displayName": format!("{given} {family}"),
        "title": "Software Engineer",
        "preferredLanguage": "en-US",
        "emails": [{"primary": true, "type": "work", "value": user_name}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": format!("{given} {family}"),
            "familyName": family,
            "givenName": given,
        },
        "phoneNumbers": [{"type": "work", "value": format!("+1 555 01{:05}", index % 100_000)}],
        "addresses": [{
            "type": "work",
            "formatted": "1 Main Street",
            "streetAddress": "1 Main Street",
            "locality": "Redmond",
            "region": "WA",
            "postalCode": "98052",
            "country": "US",
            "primary": true,
        }],
        "roles": [],
        ENTERPRISE_URN: {
            "employeeNumber": format!("{:06}", index),
            "department": *rng.pick(DEPARTMENTS),
            "costCenter": "CC-42",
            "organization": "Contoso",
        },
    })
}

fn user_name(options: &Options, index: usize) -> String {
    format!("{}-user{index}@contoso.example", options.prefix)
}

fn group_name(options: &Options, index: usize) -> String {
    format!("{} group {index}", options.prefix)
}

/// The members of each group, as user indices: each user is in two to four groups.
fn memberships(users: usize, groups: usize) -> Vec<Vec<usize>> {
    let mut members = vec![Vec::new(); groups];
    if groups == 0 {
        return members;
    }
    let mut rng = Rng::new(0x6E77_2A11);
    for user in 0..users {
        let wanted = (2 + user % 3).min(groups);
        let mut chosen: Vec<usize> = Vec::with_capacity(wanted);
        while chosen.len() < wanted {
            let bound = u64::try_from(groups).expect("a small count");
            let group = usize::try_from(rng.below(bound)).expect("an index");
            if !chosen.contains(&group) {
                chosen.push(group);
            }
        }
        for group in chosen {
            members[group].push(user);
        }
    }
    members
}

/// Sends one request and records it; `Ok(None)` for a response that was not 2xx.
fn exchange(
    client: &mut Client<'_>,
    tally: &mut Tally,
    kind: Kind,
    method: &str,
    path: &str,
    body: &str,
) -> io::Result<Option<Response>> {
    let (response, latency) = client.send(method, path, body)?;
    tally.record(kind, latency);
    if (200..300).contains(&response.status) {
        Ok(Some(response))
    } else {
        tally.unexpected(format!(
            "{method} {path} -> {} {}",
            response.status,
            String::from_utf8_lossy(&response.body)
        ));
        Ok(None)
    }
}

/// A lookup that must find nothing.
fn lookup(client: &mut Client<'_>, tally: &mut Tally, kind: Kind, path: &str) -> io::Result<()> {
    if let Some(response) = exchange(client, tally, kind, "GET", path, "")? {
        let total = total_results(&response.body);
        if total != Some(0) {
            tally.unexpected(format!("GET {path} -> totalResults {total:?}, not 0"));
        }
    }
    Ok(())
}

/// Phase 1 on one connection: users from `next` until none is left; their ids go into
/// `ids`.
fn sync_users(
    options: &Options,
    journal: &Journal,
    next: &AtomicUsize,
    ids: &Mutex<Vec<Option<String>>>,
) -> io::Result<Tally> {
    let mut client = Client::new(options);
    let mut tally = Tally::default();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= options.users {
            return Ok(tally);
        }
        let mut rng = Rng::new(0x5C1A_0000 ^ u64::try_from(index).expect("a small index"));
        let filter = encode(&format!(r#"userName eq "{}""#, user_name(options, index)));
        lookup(
            &mut client,
            &mut tally,
            Kind::UserLookup,
            &format!("/Users?filter={filter}"),
        )?;
        let body = user_body(options, index, &mut rng).to_string();
        let created = exchange(
            &mut client,
            &mut tally,
            Kind::UserCreate,
            "POST",
            "/Users",
            &body,
        )?;
        if let Some(response) = created {
            match created_id(&response.body) {
                Some(id) => {
                    journal.note(|| format!("user {id}"))?;
                    ids.lock().expect("not poisoned")[index] = Some(id);
                }
                None => tally.unexpected(format!("POST /Users for user {index}: no id")),
            }
        }
    }
}

/// Phase 2 on one connection: groups from `next` until none is left, each looked up,
/// created and filled in batches of `--batch` members.
fn sync_groups(
    options: &Options,
    journal: &Journal,
    next: &AtomicUsize,
    members: &[Vec<usize>],
    ids: &[Option<String>],
) -> io::Result<Tally> {
    let mut client = Client::new(options);
    let mut tally = Tally::default();
    loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        if index >= options.groups {
            return Ok(tally);
        }
        let mut rng = Rng::new(0x6A0B_0000 ^ u64::try_from(index).expect("a small index"));
        let name = group_name(options, index);
        let filter = encode(&format!(r#"displayName eq "{name}""#));
        lookup(
            &mut client,
            &mut tally,
            Kind::GroupLookup,
            &format!("/Groups?excludedAttributes=members&filter={filter}"),
        )?;
        let body = json!({
            "schemas": [GROUP_URN, ADSCIM_GROUP],
            "externalId": rng.guid(),
            "displayName": name,
            "meta": {"resourceType": "Group"},
        })
        .to_string();
        let created = exchange(
            &mut client,
            &mut tally,
            Kind::GroupCreate,
            "POST",
            "/Groups",
            &body,
        )?;
        let Some(id) = created.and_then(|response| created_id(&response.body)) else {
            continue;
        };
        journal.note(|| format!("group {id}"))?;
        let member_ids: Vec<&str> = members[index]
            .iter()
            .filter_map(|&user| ids[user].as_deref())
            .collect();
        for batch in member_ids.chunks(options.batch) {
            let value: Vec<Value> = batch
                .iter()
                .map(|id| json!({"$ref": null, "value": id}))
                .collect();
            let patch = json!({
                "schemas": [PATCH_OP],
                "Operations": [{"op": "Add", "path": "members", "value": value}],
            })
            .to_string();
            let patched = exchange(
                &mut client,
                &mut tally,
                Kind::GroupPatch,
                "PATCH",
                &format!("/Groups/{id}"),
                &patch,
            )?;
            if patched.is_some() {
                journal.note(|| format!("members {id} {}", batch.join(" ")))?;
            }
        }
    }
}

/// Runs `work` on `connections` threads and merges what they measured; the wall time.
fn on_connections(
    connections: usize,
    work: impl Fn() -> io::Result<Tally> + Sync,
) -> io::Result<(Tally, Duration)> {
    let started = Instant::now();
    let results: Vec<io::Result<Tally>> = thread::scope(|scope| {
        let handles: Vec<_> = (0..connections).map(|_| scope.spawn(&work)).collect();
        handles
            .into_iter()
            .map(|handle| handle.join().expect("a connection thread panicked"))
            .collect()
    });
    let elapsed = started.elapsed();
    let mut tally = Tally::default();
    for result in results {
        tally.merge(result?);
    }
    Ok((tally, elapsed))
}

/// Microseconds as milliseconds.
fn millis(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

fn latency_row(name: &str, latencies: &Histogram<u64>) {
    println!(
        "  {name:<20} {:>7} {:>8.2} {:>8.2} {:>8.2} {:>8.2}",
        latencies.len(),
        millis(latencies.value_at_quantile(0.50)),
        millis(latencies.value_at_quantile(0.90)),
        millis(latencies.value_at_quantile(0.99)),
        millis(latencies.max()),
    );
}

fn report(phases: &[(&str, &Tally, Duration)]) -> usize {
    let mut all = Tally::default();
    let mut wall = Duration::ZERO;
    println!("phase        requests  seconds  requests/s");
    for (name, tally, elapsed) in phases {
        let requests = tally.requests();
        println!(
            "  {name:<10} {requests:>8} {:>8.2} {:>11.0}",
            elapsed.as_secs_f64(),
            requests as f64 / elapsed.as_secs_f64().max(1e-9)
        );
        wall += *elapsed;
        all.merge((*tally).clone());
    }
    let total = all.requests();
    println!(
        "  {:<10} {total:>8} {:>8.2} {:>11.0}",
        "total",
        wall.as_secs_f64(),
        total as f64 / wall.as_secs_f64().max(1e-9)
    );
    println!();
    println!("latency (ms)           count      p50      p90      p99      max");
    let mut every = histogram();
    for latencies in all.latencies.values() {
        add(&mut every, latencies);
    }
    latency_row("all", &every);
    for (kind, latencies) in &all.latencies {
        latency_row(kind.name(), latencies);
    }
    println!();
    println!(
        "unexpected responses: {} (non-2xx, or a lookup that found something)",
        all.unexpected
    );
    for shown in &all.shown {
        println!("  {shown}");
    }
    all.unexpected
}

fn run(options: &Options) -> io::Result<usize> {
    let members = memberships(options.users, options.groups);
    let memberships: usize = members.iter().map(Vec::len).sum();
    println!(
        "{} users, {} groups ({memberships} memberships, {} members per PATCH), {} connections, against http://{}{}",
        options.users,
        options.groups,
        options.batch,
        options.connections,
        options.host,
        options.base
    );
    let journal = Journal::open(options.acknowledged.as_ref())?;
    let ids = Mutex::new(vec![None; options.users]);
    let next = AtomicUsize::new(0);
    let (users, users_time) = on_connections(options.connections, || {
        sync_users(options, &journal, &next, &ids)
    })?;
    let ids = ids.into_inner().expect("not poisoned");
    let next = AtomicUsize::new(0);
    let (groups, groups_time) = on_connections(options.connections, || {
        sync_groups(options, &journal, &next, &members, &ids)
    })?;
    println!();
    Ok(report(&[
        ("users", &users, users_time),
        ("groups", &groups, groups_time),
    ]))
}

fn main() -> ExitCode {
    let options = match Options::parse(env::args_os()) {
        Ok(options) => options,
        // `--help` on standard output, exit 0; a usage error on standard error, 64
        // (`EX_USAGE`), as the `scimitar` command.
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(64)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match run(&options) {
        Ok(0) => ExitCode::SUCCESS,
        Ok(_) => ExitCode::from(1),
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(2)
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::error::ErrorKind;

    use super::*;

    fn options(args: &[&str]) -> Result<Options, clap::Error> {
        Options::parse(["scim-load"].iter().chain(args))
    }

    #[test]
    fn the_url_gives_the_host_and_the_base_path() {
        let parsed = options(&["--url", "http://127.0.0.1:8080/scim/v2/", "--token", "k"]).unwrap();
        assert_eq!(parsed.host, "127.0.0.1:8080");
        assert_eq!(parsed.base, "/scim/v2");
        assert_eq!(
            (parsed.users, parsed.groups, parsed.connections),
            (10_000, 100, 8)
        );
        assert!(options(&["--url", "https://example.com", "--token", "k"]).is_err());
        assert!(
            options(&[
                "--url",
                "http://h/scim",
                "--token",
                "k",
                "--connections",
                "0"
            ])
            .is_err()
        );
        assert!(options(&["--url", "http://h/scim"]).is_err());
    }

    #[test]
    fn query_values_are_percent_encoded() {
        assert_eq!(
            encode(r#"userName eq "a+b@x.example""#),
            "userName%20eq%20%22a%2Bb%40x.example%22"
        );
    }

    #[test]
    fn every_user_is_in_two_to_four_groups() {
        let members = memberships(1000, 100);
        let mut per_user = vec![0; 1000];
        for group in &members {
            let mut sorted = group.clone();
            sorted.dedup();
            assert_eq!(sorted.len(), group.len(), "no member twice");
            for &user in group {
                per_user[user] += 1;
            }
        }
        assert!(per_user.iter().all(|count| (2..=4).contains(count)));
        assert_eq!(memberships(10, 1), vec![(0..10).collect::<Vec<_>>()]);
    }

    #[test]
    fn options_are_checked() {
        let error = |args: &[&str]| options(args).err().map(|error| error.kind());
        assert_eq!(
            error(&["--url", "http://h", "--token", "k", "--batch", "0"]),
            Some(ErrorKind::ValueValidation)
        );
        assert_eq!(
            error(&["--url", "http://", "--token", "k"]),
            Some(ErrorKind::ValueValidation)
        );
        assert_eq!(
            error(&["--token", "k"]),
            Some(ErrorKind::MissingRequiredArgument)
        );
        assert_eq!(error(&["--bogus"]), Some(ErrorKind::UnknownArgument));
        assert_eq!(error(&["--help"]), Some(ErrorKind::DisplayHelp));
        let parsed = options(&["--url", "http://h/", "--token", "-k", "--users", "0"]).unwrap();
        assert_eq!((parsed.host.as_str(), parsed.base.as_str()), ("h", ""));
        assert_eq!((parsed.token.as_str(), parsed.users), ("-k", 0));
        assert!(parsed.prefix.starts_with("load"), "{}", parsed.prefix);
    }

    #[test]
    fn acknowledged_writes_are_appended_a_line_each() {
        let path = env::temp_dir().join(format!("scim-load-journal-{}", std::process::id()));
        let _ = std::fs::remove_file(&path);
        for run in ["a", "b"] {
            let journal = Journal::open(Some(&path)).unwrap();
            journal.note(|| format!("user {run}")).unwrap();
            journal.note(|| format!("members g {run}1 {run}2")).unwrap();
        }
        let written = std::fs::read_to_string(&path).unwrap();
        std::fs::remove_file(&path).unwrap();
        assert_eq!(
            written,
            "user a\nmembers g a1 a2\nuser b\nmembers g b1 b2\n"
        );
        let nowhere = Journal::open(None).unwrap();
        nowhere
            .note(|| unreachable!("no file: no line is made"))
            .unwrap();
    }

    #[test]
    fn latencies_are_kept_to_three_digits() {
        let mut tally = Tally::default();
        for millis in 1..=100 {
            tally.record(Kind::UserCreate, Duration::from_millis(millis));
        }
        let near = |micros: u64, expected: u64| micros.abs_diff(expected) * 1000 <= expected;
        let latencies = &tally.latencies[&Kind::UserCreate];
        assert!(near(latencies.value_at_quantile(0.50), 50_000));
        assert!(near(latencies.value_at_quantile(0.90), 90_000));
        assert!(near(latencies.value_at_quantile(0.99), 99_000));
        assert!(near(latencies.max(), 100_000));
        let mut other = Tally::default();
        other.record(Kind::UserCreate, Duration::from_secs(10));
        other.record(Kind::UserLookup, Duration::from_micros(1500));
        tally.merge(other);
        assert_eq!(tally.requests(), 102);
        assert!(near(tally.latencies[&Kind::UserCreate].max(), 10_000_000));
        assert_eq!(tally.latencies[&Kind::UserLookup].max(), 1500);
        assert_eq!(millis(1500), 1.5);
    }

    #[test]
    fn responses_are_read_by_length_or_in_chunks() {
        let mut wire: &[u8] = b"HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}\
            HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n{\"a\r\n3\r\n\":1\r\n1\r\n}\r\n0\r\n\r\n\
            HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n";
        let (response, keep_alive) = read_response(&mut wire).unwrap();
        assert_eq!(
            (response.status, response.body.as_slice(), keep_alive),
            (201, &b"{}"[..], true)
        );
        let (response, keep_alive) = read_response(&mut wire).unwrap();
        assert_eq!((response.status, keep_alive), (200, true));
        assert_eq!(response.body, br#"{"a":1}"#);
        let (response, keep_alive) = read_response(&mut wire).unwrap();
        assert_eq!(
            (response.status, response.body.len(), keep_alive),
            (204, 0, false)
        );
        assert!(read_response(&mut wire).is_err(), "closed");
    }

    #[test]
    fn bodies_are_what_entra_sends() {
        let parsed = options(&["--url", "http://h/scim", "--token", "k", "--prefix", "p"]).unwrap();
        let user = user_body(&parsed, 7, &mut Rng::new(1));
        assert_eq!(user["userName"], "p-user7@contoso.example");
        assert_eq!(user["active"], "True");
        assert_eq!(user[ENTERPRISE_URN]["employeeNumber"], "000007");
        assert_eq!(group_name(&parsed, 3), "p group 3");
    }
}
