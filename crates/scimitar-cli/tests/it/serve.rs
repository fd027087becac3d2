//! `scimitar serve` on a loopback port: the first start, SCIM requests through a minimal
//! HTTP/1.1 client, the request log, the body limit and the shutdown on a signal.
//!
//! Every wait is bounded ([`TIMEOUT`]) and none sleeps: the server's output is read by
//! threads that pass each line over a channel.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{self, Child, Command, ExitStatus, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};
use std::{env, fs, thread};

use crate::{Run, scimitar};

/// The longest wait for the server: to start, to answer, to log, to stop.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The server's body limit.
const MAX_BODY: usize = 1024 * 1024;

const USER: &str =
    r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;

/// A running `scimitar serve`, killed if a test fails before it is stopped.
pub(crate) struct Server {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    pub(crate) addr: String,
    /// What standard output said so far.
    stdout: Vec<String>,
    /// Standard output, line by line; disconnected when the process has exited.
    stdout_lines: Receiver<String>,
    /// Standard error, line by line; disconnected when the process has exited.
    stderr: Receiver<String>,
    /// What standard error said so far.
    pub(crate) log: Vec<String>,
    /// The first start's key, once read.
    key: OnceLock<String>,
}

/// The key that the `Secret Token` line `printed` names: `in PATH (…)`, the file that
/// holds it.
fn first_key(printed: &str) -> String {
    let path = printed
        .strip_prefix("in ")
        .and_then(|rest| rest.split_once(" (readable by its owner only; "))
        .map(|(path, _)| path)
        .unwrap_or_else(|| panic!("the name of the key file: {printed:?}"));
    let key = fs::read_to_string(path).unwrap_or_else(|error| panic!("{path}: {error}"));
    key.trim_end().to_owned()
}

/// What a stopped server said.
pub(crate) struct Stopped {
    pub(crate) status: ExitStatus,
    pub(crate) stdout: Vec<String>,
    pub(crate) log: Vec<String>,
}

/// The lines `reader` gives, over a channel that is closed at its end.
pub(crate) fn lines(reader: impl Read + Send + 'static) -> Receiver<String> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if sender.send(line).is_err() {
                break;
            }
        }
    });
    receiver
}

/// Spawns `scimitar ARGS` with piped output, without `RUST_LOG` (which filters the
/// request log).
fn spawn(args: &[&str]) -> Child {
    spawn_with_env(args, &[])
}

/// Spawns `scimitar ARGS` with piped output and the environment variables `vars`.
fn spawn_with_env(args: &[&str], vars: &[(&str, &str)]) -> Child {
    Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .env_remove("RUST_LOG")
        .envs(vars.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("scimitar starts")
}

/// The next line from `receiver`, or `None` at its end; panics after [`TIMEOUT`].
fn next_line(receiver: &Receiver<String>, waiting_for: &str) -> Option<String> {
    match receiver.recv_timeout(TIMEOUT) {
        Ok(line) => Some(line),
        Err(RecvTimeoutError::Disconnected) => None,
        Err(RecvTimeoutError::Timeout) => {
            panic!("no line in {TIMEOUT:?} waiting for {waiting_for}")
        }
    }
}

impl Server {
    /// Starts `scimitar serve --listen 127.0.0.1:0` on a new in-memory store and waits
    /// until it listens.
    fn start() -> Self {
        Self::start_with(&[], true)
    }

    /// Starts `scimitar serve --listen 127.0.0.1:0 ARGS` and waits until it listens;
    /// with `first_start`, also until it has printed the key.
    pub(crate) fn start_with(args: &[&str], first_start: bool) -> Self {
        Self::start_with_env(args, &[], first_start)
    }

    /// Starts `scimitar serve --listen 127.0.0.1:0 ARGS` with the environment variables
    /// `vars`, as [`Server::start_with`] does.
    fn start_with_env(args: &[&str], vars: &[(&str, &str)], first_start: bool) -> Self {
        // In memory unless the test names a database: the default is a file in the
        // working directory, which tests must not leave behind.
        let memory: &[&str] = if args.contains(&"--db") {
            &[]
        } else {
            &["--db", ":memory:"]
        };
        let args = [&["serve", "--listen", "127.0.0.1:0"], memory, args].concat();
        let mut child = spawn_with_env(&args, vars);
        let stdout_lines = lines(child.stdout.take().expect("stdout is piped"));
        let stderr = lines(child.stderr.take().expect("stderr is piped"));
        let mut server = Self {
            child: Some(child),
            addr: String::new(),
            stdout: Vec::new(),
            stdout_lines,
            stderr,
            log: Vec::new(),
            key: OnceLock::new(),
        };
        let listening = server.wait_for_log("listening on ");
        server.addr = listening["listening on http://".len()..].to_owned();
        assert!(server.addr.starts_with("127.0.0.1:"), "{listening}");
        assert!(!server.addr.ends_with(":0"), "the real port: {listening}");
        // The credentials are printed before the server listens.
        while first_start
            && !server
                .stdout
                .iter()
                .any(|line| line.contains("Secret Token: "))
        {
            let line =
                next_line(&server.stdout_lines, "the secret").expect("the secret is printed");
            server.stdout.push(line);
        }
        server
    }

    /// The value printed on the stdout line labelled `label`.
    pub(crate) fn printed(&self, label: &str) -> &str {
        let prefix = format!("  {label}:");
        let line = self
            .stdout
            .iter()
            .find(|line| line.starts_with(&prefix))
            .unwrap_or_else(|| panic!("a line {prefix:?} in {:?}", self.stdout));
        line[prefix.len()..].trim()
    }

    /// The server's process id.
    pub(crate) fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server runs").id()
    }

    /// The tenant URL printed on the first start.
    fn tenant_url(&self) -> &str {
        self.printed("Tenant URL")
    }

    /// The API key of the first start: printed, or, when standard output is no
    /// terminal, in the file whose name is printed.
    pub(crate) fn key(&self) -> &str {
        self.key
            .get_or_init(|| first_key(self.printed("Secret Token")))
            .as_str()
    }

    /// Reads standard error up to a line that contains `text`, and returns it.
    pub(crate) fn wait_for_log(&mut self, text: &str) -> String {
        loop {
            let line = next_line(&self.stderr, text)
                .unwrap_or_else(|| panic!("the server exited before {text:?}: {:?}", self.log));
            self.log.push(line.clone());
            if line.contains(text) {
                return line;
            }
        }
    }

    /// Sends `signal` (`TERM`, `INT`) and waits for the server to exit; returns its
    /// status and all it printed.
    pub(crate) fn stop(mut self, signal: &str) -> Stopped {
        let mut child = self.child.take().expect("the server runs");
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} succeeds");
        // The output ends when the process exits.
        let deadline = Instant::now() + TIMEOUT;
        for (receiver, lines) in [
            (&self.stderr, &mut self.log),
            (&self.stdout_lines, &mut self.stdout),
        ] {
            loop {
                let left = deadline.saturating_duration_since(Instant::now());
                match receiver.recv_timeout(left) {
                    Ok(line) => lines.push(line),
                    Err(RecvTimeoutError::Disconnected) => break,
                    Err(RecvTimeoutError::Timeout) => {
                        let _ = child.kill();
                        let _ = child.wait();
                        panic!("the server did not exit in {TIMEOUT:?} after SIG{signal}");
                    }
                }
            }
        }
        Stopped {
            status: child.wait().expect("the server exits"),
            stdout: std::mem::take(&mut self.stdout),
            log: std::mem::take(&mut self.log),
        }
    }

    /// Sends `head` (the request line and headers, each ending with CRLF, but for `Host`
    /// and `Connection`) and `body` on a new connection, and reads the response.
    fn send(&self, head: &str, body: &[u8]) -> Reply {
        let mut stream = TcpStream::connect(&self.addr).expect("the server accepts");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let (request_line, headers) = head.split_once("\r\n").unwrap_or((head, ""));
        let request = format!(
            "{request_line}\r\nHost: {}\r\nConnection: close\r\n{headers}\r\n",
            self.addr
        );
        stream
            .write_all(request.as_bytes())
            .expect("the request is sent");
        stream.write_all(body).expect("the body is sent");
        let mut response = Vec::new();
        stream
            .read_to_end(&mut response)
            .expect("the response is read");
        Reply::parse(&response)
    }

    /// `METHOD TARGET` with `headers` (each ending with CRLF) and `body`.
    pub(crate) fn request(&self, method: &str, target: &str, headers: &str, body: &str) -> Reply {
        let head = format!(
            "{method} {target} HTTP/1.1\r\n{headers}Content-Length: {}\r\n",
            body.len()
        );
        self.send(&head, body.as_bytes())
    }

    /// The `Authorization` header with the key printed on the first start, and a SCIM
    /// `Content-Type`.
    pub(crate) fn auth(&self) -> String {
        auth(self.key())
    }
}

/// The `Authorization` header with `key`, and a SCIM `Content-Type`.
pub(crate) fn auth(key: &str) -> String {
    format!("Authorization: Bearer {key}\r\nContent-Type: application/scim+json\r\n")
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// An HTTP response.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: String,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8(bytes.to_vec()).expect("the response is UTF-8");
        let (head, body) = text.split_once("\r\n\r\n").expect("a complete response");
        let mut lines = head.split("\r\n");
        let status_line = lines.next().unwrap();
        let status = status_line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .unwrap_or_else(|| panic!("a status line: {status_line:?}"));
        let headers = lines
            .map(|line| {
                let (name, value) = line.split_once(':').expect("a header");
                (name.to_ascii_lowercase(), value.trim().to_owned())
            })
            .collect();
        Self {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(known, _)| known.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("a JSON body ({error}): {:?}", self.body))
    }
}

#[test]
fn serves_an_identity_provider() {
    let mut server = Server::start();
    let base = format!("http://{}/scim/v2", server.addr);
    assert_eq!(server.tenant_url(), base);
    assert!(server.key().starts_with("scim_"), "{}", server.key());
    assert!(
        server
            .stdout
            .iter()
            .any(|line| line.contains("Entra ID") && line.contains("Okta")),
        "{:?}",
        server.stdout
    );

    // The test connection Entra ID makes.
    let reply = server.request(
        "GET",
        "/scim/v2/Users?filter=userName+eq+%22x%22",
        &server.auth(),
        "",
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["totalResults"], 0);
    let line = server.wait_for_log(" GET /scim/v2/Users");
    let key_id = server.stdout[0]
        .split(['(', ')'])
        .nth(1)
        .expect("the key id is printed")
        .to_owned();
    assert!(key_id.starts_with("key_"), "{key_id}");
    // TIME METHOD TARGET STATUS LATENCY tenant=NAME key=ID
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(words.len(), 7, "{line}");
    assert!(words[0].ends_with('Z'), "a UTC time: {line}");
    assert_eq!(
        words[1..4],
        ["GET", "/scim/v2/Users?filter=…", "200"],
        "{line}"
    );
    let millis = words[4].strip_suffix("ms").expect("a latency in ms");
    assert!(millis.parse::<f64>().is_ok(), "{line}");
    assert_eq!(
        words[5..],
        ["tenant=default", format!("key={key_id}").as_str()]
    );
    assert!(!line.contains("userName"), "no query values: {line}");

    // Without a key.
    let reply = server.request("GET", "/scim/v2/Users", "", "");
    assert_eq!(reply.status, 401, "{reply:?}");
    assert_eq!(reply.json()["status"], "401");
    let line = server.wait_for_log(" GET /scim/v2/Users ");
    assert!(
        line.contains(" 401 ") && line.ends_with(" tenant=- key=-"),
        "{line}"
    );

    // With a wrong key.
    let reply = server.request(
        "GET",
        "/scim/v2/Groups",
        "Authorization: Bearer scim_guess\r\n",
        "",
    );
    assert_eq!(reply.status, 401, "{reply:?}");
    let line = server.wait_for_log(" GET /scim/v2/Groups ");
    assert!(!line.contains("scim_guess"), "{line}");

    // A user is created.
    let reply = server.request("POST", "/scim/v2/Users", &server.auth(), USER);
    assert_eq!(reply.status, 201, "{reply:?}");
    let id = reply.json()["id"].as_str().expect("an id").to_owned();
    assert_eq!(
        reply.header("location"),
        Some(format!("{base}/Users/{id}").as_str())
    );
    assert_eq!(reply.header("etag"), Some(r#"W/"1""#));
    let line = server.wait_for_log(" POST /scim/v2/Users ");
    assert!(line.contains(" 201 "), "{line}");

    // And found.
    let reply = server.request(
        "GET",
        "/scim/v2/Users?filter=userName+eq+%22BJENSEN%22&attributes=userName",
        &server.auth(),
        "",
    );
    assert_eq!(reply.json()["totalResults"], 1, "{reply:?}");
    assert_eq!(reply.json()["Resources"][0]["id"], id.as_str());
    let line = server.wait_for_log(" GET /scim/v2/Users?");
    assert!(line.contains("?filter=…&attributes=… 200 "), "{line}");
    assert!(!line.contains("BJENSEN"), "{line}");

    // Discovery needs no key.
    let reply = server.request("GET", "/scim/v2/ServiceProviderConfig", "", "");
    assert_eq!(reply.status, 200, "{reply:?}");
    server.wait_for_log(" GET /scim/v2/ServiceProviderConfig 200 ");

    let reply = server.request("GET", "/healthz", "", "");
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.body, "ok");
    server.wait_for_log(" GET /healthz 200 ");

    let key = server.key().to_owned();
    let Stopped { status, log, .. } = server.stop("TERM");
    assert!(status.success(), "exits 0 on SIGTERM: {status:?}; {log:?}");
    assert_eq!(log.last().map(String::as_str), Some("stopped"), "{log:?}");
    assert!(
        log.iter().all(|line| !line.contains(&key)),
        "the key is never logged: {log:?}"
    );
}

#[test]
fn refuses_bodies_over_the_limit() {
    let mut server = Server::start();

    // Sent whole: read and dropped, then refused.
    let body = format!("{}{}", USER, " ".repeat(MAX_BODY + 1 - USER.len()));
    let reply = server.request("POST", "/scim/v2/Users", &server.auth(), &body);
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(reply.header("content-type"), Some("application/scim+json"));
    let error = reply.json();
    assert_eq!(error["status"], "413");
    assert_eq!(
        error["schemas"][0],
        "urn:ietf:params:scim:api:messages:2.0:Error"
    );
    let line = server.wait_for_log(" POST /scim/v2/Users ");
    assert!(line.contains(" 413 "), "{line}");

    // Announced with `Expect: 100-continue`: refused before it is sent.
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\n{}Expect: 100-continue\r\nContent-Length: {}\r\n",
        server.auth(),
        100 * MAX_BODY
    );
    let reply = server.send(&head, b"");
    assert_eq!(reply.status, 413, "{reply:?}");
    assert_eq!(reply.json()["status"], "413");
    server.wait_for_log(" 413 ");

    // Exactly at the limit: the engine reads it (and finds trailing spaces fine).
    let body = format!("{}{}", USER, " ".repeat(MAX_BODY - USER.len()));
    let reply = server.request("POST", "/scim/v2/Users", &server.auth(), &body);
    assert_eq!(reply.status, 201, "{reply:?}");

    let Stopped { status, log, .. } = server.stop("INT");
    assert!(status.success(), "exits 0 on SIGINT: {status:?}; {log:?}");
}

#[test]
fn refuses_an_address_in_use() {
    let taken = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let addr = taken.local_addr().unwrap().to_string();
    let mut server = Server {
        child: Some(spawn(&["serve", "--db", ":memory:", "--listen", &addr])),
        addr: addr.clone(),
        stdout: Vec::new(),
        stdout_lines: mpsc::channel().1,
        stderr: mpsc::channel().1,
        log: Vec::new(),
        key: OnceLock::new(),
    };
    let child = server.child.as_mut().unwrap();
    let stderr = lines(child.stderr.take().expect("stderr is piped"));
    let mut said = Vec::new();
    // Killed by the drop of `server` if it listens after all.
    while let Some(line) = next_line(&stderr, "the exit") {
        said.push(line);
    }
    let status = child.wait().expect("scimitar exits");
    assert_eq!(status.code(), Some(69), "{said:?}");
    assert!(
        said.first()
            .is_some_and(|line| line.starts_with(&format!("error: cannot listen on {addr}: "))),
        "{said:?}"
    );
    drop(taken);
}

/// A SQLite file in the temporary directory, removed (with its journal) when dropped.
pub(crate) struct TempDb(pub(crate) String);

impl TempDb {
    pub(crate) fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let unique = NEXT.fetch_add(1, Ordering::Relaxed);
        let name = format!("scimitar-cli-it-{}-{unique}.db", process::id());
        let path = env::temp_dir().join(name);
        Self(
            path.to_str()
                .expect("a UTF-8 temporary directory")
                .to_owned(),
        )
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm", ".first-key"] {
            let _ = fs::remove_file(format!("{}{suffix}", self.0));
        }
    }
}

/// Runs `scimitar ARGS --db DB`, which must succeed.
#[track_caller]
pub(crate) fn admin(args: &[&str], db: &TempDb) -> Run {
    let run = scimitar([args, &["--db", &db.0]].concat());
    assert_eq!(run.code, 0, "{args:?}: {}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{args:?}: {}", run.stderr);
    run
}

#[test]
fn a_durable_store_keeps_tenants_and_keys() {
    let db = TempDb::new();
    admin(&["tenant", "create", "--compat", "entra", "acme"], &db);
    let listed = admin(&["tenant", "list"], &db).stdout;
    assert!(listed.contains("\nacme  entra     "), "{listed}");
    let issued = admin(
        &["token", "issue", "--tenant", "acme", "--expires", "30"],
        &db,
    );
    let key = issued.stdout.trim_end().to_owned();
    assert!(key.starts_with("scim_"), "{key}");
    let key_id = issued
        .stderr
        .split(' ')
        .find(|word| word.starts_with("key_"))
        .expect("the key id is printed")
        .to_owned();
    let keys = admin(&["token", "list", "--tenant", "acme"], &db).stdout;
    let rows: Vec<&str> = keys.lines().collect();
    assert_eq!(rows.len(), 2, "{keys}");
    let row: Vec<&str> = rows[1].split_whitespace().collect();
    assert_eq!(row.len(), 4, "{keys}");
    assert_eq!(row[0], key_id);
    assert_ne!(row[2], "-", "it expires: {keys}");
    assert_eq!(row[3], "-", "not revoked: {keys}");
    assert!(!keys.contains(&key), "never the key: {keys}");

    // The store has a tenant: no first start.
    let mut server = Server::start_with(&["--db", &db.0], false);
    let reply = server.request("GET", "/scim/v2/Users", &auth(&key), "");
    assert_eq!(reply.status, 200, "{reply:?}");
    let line = server.wait_for_log(" GET /scim/v2/Users ");
    assert!(line.contains(" 200 "), "{line}");
    assert!(
        line.ends_with(&format!(" tenant=acme key={key_id}")),
        "{line}"
    );

    // Revoked while the server runs: refused at once.
    admin(&["token", "revoke", &key_id], &db);
    let reply = server.request("GET", "/scim/v2/Users", &auth(&key), "");
    assert_eq!(reply.status, 401, "{reply:?}");
    let line = server.wait_for_log(" GET /scim/v2/Users ");
    assert!(line.contains(" 401 "), "{line}");
    assert!(
        line.ends_with(&format!(" tenant=acme key={key_id}")),
        "{line}"
    );

    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
    assert_eq!(stopped.stdout, Vec::<String>::new(), "no key printed");
    let keys = admin(&["token", "list", "--tenant", "acme"], &db).stdout;
    assert_ne!(
        keys.lines().nth(1).unwrap().split_whitespace().nth(3),
        Some("-")
    );
}

#[test]
fn the_first_key_is_printed_once() {
    let db = TempDb::new();
    let server = Server::start_with(&["--db", &db.0], true);
    let key = server.key().to_owned();
    let reply = server.request("POST", "/scim/v2/Users", &server.auth(), USER);
    assert_eq!(reply.status, 201, "{reply:?}");
    assert!(server.stop("TERM").status.success());

    // Again, on the same file named as a URL.
    let server = Server::start_with(&["--db", &format!("sqlite:{}", db.0)], false);
    let reply = server.request(
        "GET",
        "/scim/v2/Users?filter=userName+eq+%22bjensen%22",
        &auth(&key),
        "",
    );
    assert_eq!(reply.status, 200, "{reply:?}");
    assert_eq!(reply.json()["totalResults"], 1, "the user was kept");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
    assert_eq!(
        stopped.stdout,
        Vec::<String>::new(),
        "the key is printed once"
    );
    assert!(
        stopped
            .log
            .iter()
            .any(|line| line == &format!("store: sqlite:{}", db.0)),
        "{:?}",
        stopped.log
    );
}

/// A search whose query names a person, with the key printed on the first start.
const SEARCH: &str = "/scim/v2/Users?filter=userName+eq+%22babs.jensen%22&count=5";

#[test]
fn logs_requests_as_text_without_secrets() {
    let mut server = Server::start_with(&["--log-format", "text"], true);
    let reply = server.request("GET", SEARCH, &server.auth(), "");
    assert_eq!(reply.status, 200, "{reply:?}");
    let line = server.wait_for_log(" GET /scim/v2/Users?");
    let words: Vec<&str> = line.split(' ').collect();
    assert_eq!(words.len(), 7, "{line}");
    assert_eq!(
        words[1..4],
        ["GET", "/scim/v2/Users?filter=…&count=…", "200"]
    );
    assert_eq!(words[5], "tenant=default", "{line}");
    assert!(words[6].starts_with("key=key_"), "{line}");
    for secret in ["babs", "count=5", server.key()] {
        assert!(!line.contains(secret), "{secret:?} in {line}");
    }

    let key = server.key().to_owned();
    let Stopped { status, log, .. } = server.stop("TERM");
    assert!(status.success(), "{log:?}");
    assert!(
        log.iter()
            .any(|line| line.starts_with("listening on http://"))
    );
    assert_eq!(log.last().map(String::as_str), Some("stopped"), "{log:?}");
    assert!(log.iter().all(|line| !line.contains(&key)), "{log:?}");
}

#[test]
fn logs_requests_as_json_without_secrets() {
    let mut server = Server::start_with(&["--log-format", "json"], true);
    let key = server.key().to_owned();
    let reply = server.request("GET", SEARCH, &server.auth(), "");
    assert_eq!(reply.status, 200, "{reply:?}");
    let line = server.wait_for_log(r#""path":"/scim/v2/Users?"#);
    let entry: serde_json::Value = serde_json::from_str(&line)
        .unwrap_or_else(|error| panic!("a JSON object ({error}): {line}"));
    assert!(
        entry["timestamp"]
            .as_str()
            .is_some_and(|time| time.ends_with('Z')),
        "{line}"
    );
    assert_eq!(entry["method"], "GET", "{line}");
    assert_eq!(entry["path"], "/scim/v2/Users?filter=…&count=…", "{line}");
    assert_eq!(entry["status"], 200, "{line}");
    assert!(
        entry["duration_ms"].as_f64().is_some_and(|ms| ms >= 0.0),
        "{line}"
    );
    assert_eq!(entry["tenant"], "default", "{line}");
    assert!(
        entry["key_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("key_")),
        "{line}"
    );
    assert!(!line.contains("babs") && !line.contains(&key), "{line}");

    // A refused key: the caller is unknown, and the key is not written.
    let reply = server.request("POST", "/scim/v2/Users", &auth("scim_guess"), USER);
    assert_eq!(reply.status, 401, "{reply:?}");
    let line = server.wait_for_log(r#""method":"POST""#);
    let entry: serde_json::Value = serde_json::from_str(&line).expect("a JSON object");
    assert_eq!(entry["status"], 401, "{line}");
    assert!(
        entry.get("tenant").is_none() && entry.get("key_id").is_none(),
        "{line}"
    );
    assert!(
        !line.contains("scim_guess") && !line.contains("bjensen"),
        "{line}"
    );

    let Stopped { status, log, .. } = server.stop("TERM");
    assert!(status.success(), "{log:?}");
    // The other lines stay plain text.
    assert!(
        log.iter()
            .any(|line| line.starts_with("listening on http://"))
    );
    assert!(
        log.iter()
            .any(|line| line == "store: :memory: (everything is lost when the server stops)")
    );
    assert_eq!(log.last().map(String::as_str), Some("stopped"), "{log:?}");
    assert!(log.iter().all(|line| !line.contains(&key)), "{log:?}");
}

#[test]
fn rust_log_turns_the_request_log_off() {
    let server = Server::start_with_env(&[], &[("RUST_LOG", "scimitar::request=off")], true);
    // The event is filtered (or written) before the response is sent.
    let reply = server.request("GET", "/healthz", "", "");
    assert_eq!(reply.status, 200, "{reply:?}");
    let Stopped { status, log, .. } = server.stop("TERM");
    assert!(status.success(), "{log:?}");
    assert!(
        log.iter()
            .any(|line| line.starts_with("listening on http://")),
        "{log:?}"
    );
    assert!(log.iter().all(|line| !line.contains("/healthz")), "{log:?}");
    assert_eq!(log.last().map(String::as_str), Some("stopped"), "{log:?}");
}

#[test]
fn an_unknown_log_format_is_a_usage_error() {
    let run = scimitar(["serve", "--db", ":memory:", "--log-format", "xml"]);
    assert_eq!(run.code, crate::USAGE, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with("error: invalid --log-format \"xml\": expected text or json\n"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("usage: scimitar serve "),
        "{}",
        run.stderr
    );
}

/// The `Location` of a user created through `server` with `extra` headers.
fn location_of_a_new_user(server: &Server, user_name: &str, extra: &str) -> String {
    let body = USER.replace("bjensen", user_name);
    let headers = format!("{}{extra}", server.auth());
    let reply = server.request("POST", "/scim/v2/Users", &headers, &body);
    assert_eq!(reply.status, 201, "{reply:?}");
    reply.header("location").expect("a Location").to_owned()
}

const FORWARDED: &str = "X-Forwarded-Proto: https\r\nX-Forwarded-Host: scim.example.com\r\n";

#[test]
fn links_come_from_the_host_header_and_ignore_forwarded_headers_by_default() {
    let server = Server::start();
    let location = location_of_a_new_user(&server, "a", FORWARDED);
    let expected = format!("http://{}/scim/v2/Users/", server.addr);
    assert!(location.starts_with(&expected), "{location}");
}

#[test]
fn trusted_forwarded_headers_give_the_links_scheme_and_host() {
    let server = Server::start_with(&["--trust-forwarded-headers"], true);
    let location = location_of_a_new_user(&server, "a", FORWARDED);
    assert!(
        location.starts_with("https://scim.example.com/scim/v2/Users/"),
        "{location}"
    );
    // Without the headers, the request's own host.
    let location = location_of_a_new_user(&server, "b", "");
    let expected = format!("http://{}/scim/v2/Users/", server.addr);
    assert!(location.starts_with(&expected), "{location}");
}

#[test]
fn the_public_url_gives_every_link_and_the_tenant_url() {
    let public = "https://scim.example.com/acme/scim/v2";
    let server = Server::start_with(&["--public-url", &format!("{public}/")], true);
    assert_eq!(server.tenant_url(), public);
    let location = location_of_a_new_user(&server, "a", FORWARDED);
    assert!(
        location.starts_with(&format!("{public}/Users/")),
        "{location}"
    );
    let reply = server.request("GET", "/scim/v2/Users", &server.auth(), "");
    let listed = reply.json();
    let meta_location = listed["Resources"][0]["meta"]["location"]
        .as_str()
        .expect("a location");
    assert_eq!(meta_location, location);
}

#[test]
fn a_public_url_must_be_absolute_http() {
    for url in [
        "scim.example.com/scim/v2",
        "ftp://scim.example.com/scim/v2",
        "https://scim.example.com/scim/v2?x=1",
        "https://user@scim.example.com/scim/v2",
        "/scim/v2",
    ] {
        let run = scimitar(["serve", "--db", ":memory:", "--public-url", url]);
        assert_eq!(run.code, crate::USAGE, "{url}: {}", run.stderr);
        let message = format!("error: invalid --public-url {url:?}: expected an absolute http");
        assert!(run.stderr.starts_with(&message), "{}", run.stderr);
    }
}

#[test]
fn global_usernames_refuse_a_name_another_tenant_uses() {
    let db = TempDb::new();
    let mut keys = Vec::new();
    for tenant in ["acme", "globex"] {
        admin(&["tenant", "create", tenant], &db);
        let issued = admin(&["token", "issue", "--tenant", tenant], &db);
        keys.push(issued.stdout.trim_end().to_owned());
    }
    let server = Server::start_with(&["--db", &db.0, "--global-usernames"], false);
    let reply = server.request("POST", "/scim/v2/Users", &auth(&keys[0]), USER);
    assert_eq!(reply.status, 201, "{reply:?}");
    let same = USER.replace("bjensen", "BJensen");
    let reply = server.request("POST", "/scim/v2/Users", &auth(&keys[1]), &same);
    assert_eq!(reply.status, 409, "{reply:?}");
    assert_eq!(reply.json()["scimType"], "uniqueness", "{reply:?}");
    assert!(!reply.body.contains("acme"), "no tenant named: {reply:?}");
    // Within a tenant, as always.
    let reply = server.request("POST", "/scim/v2/Users", &auth(&keys[0]), &same);
    assert_eq!(reply.status, 409, "{reply:?}");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);

    // Without the flag, userNames are unique per tenant only.
    let server = Server::start_with(&["--db", &db.0], false);
    let reply = server.request("POST", "/scim/v2/Users", &auth(&keys[1]), &same);
    assert_eq!(reply.status, 201, "{reply:?}");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
}

#[test]
fn global_usernames_count_imported_accounts() {
    let db = TempDb::new();
    let mut keys = Vec::new();
    for tenant in ["acme", "globex"] {
        admin(&["tenant", "create", tenant], &db);
        let issued = admin(&["token", "issue", "--tenant", tenant], &db);
        keys.push(issued.stdout.trim_end().to_owned());
    }
    let accounts = crate::Fixture::new("accounts.json", &format!("[{USER}]"));
    admin(
        &[
            "import",
            "--global-usernames",
            "--tenant",
            "acme",
            accounts.arg(),
        ],
        &db,
    );
    let server = Server::start_with(&["--db", &db.0, "--global-usernames"], false);
    let reply = server.request("POST", "/scim/v2/Users", &auth(&keys[1]), USER);
    assert_eq!(
        reply.status, 409,
        "acme's unmanaged account has it: {reply:?}"
    );
    // acme itself picks it up.
    let reply = server.request("POST", "/scim/v2/Users", &auth(&keys[0]), USER);
    assert_eq!(reply.status, 201, "{reply:?}");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
}

#[test]
fn history_days_prunes_on_start() {
    let mut server = Server::start_with(&["--history-days", "30"], true);
    assert!(
        server
            .log
            .iter()
            .any(|line| line == "history: pruned 0 entries older than 30 days"),
        "{:?}",
        server.log
    );
    let reply = server.request("POST", "/scim/v2/Users", &server.auth(), USER);
    assert_eq!(reply.status, 201, "{reply:?}");
    server.wait_for_log(" POST /scim/v2/Users ");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);

    for days in ["0", "36501", "-1", "1.5", "a month"] {
        let run = scimitar(["serve", "--db", ":memory:", "--history-days", days]);
        assert_eq!(run.code, crate::USAGE, "{days}: {}", run.stderr);
        let message = format!(
            "error: invalid --history-days {days:?}: expected a number of days from 1 to 36500\n"
        );
        assert!(run.stderr.starts_with(&message), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("[--global-usernames] [--history-days N]"),
            "{}",
            run.stderr
        );
    }
}
