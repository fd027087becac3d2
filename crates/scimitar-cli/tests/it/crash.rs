//! `scimitar serve` killed with `SIGKILL` while users are being created, then started
//! again on the same SQLite file: it must start cleanly and keep every user whose `POST`
//! was answered with a 2xx.
//!
//! Every wait is bounded and none sleeps: the server's output is read by threads that
//! pass each line over a channel, and the writers report each created user over another.
//! The writers write until the kill breaks their connections, so that writes are in
//! flight when it comes however fast the machine is.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::os::unix::process::ExitStatusExt;
use std::process::{self, Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use std::{env, thread};

use crate::scimitar;
use crate::serve::{TempDb, lines};

/// The longest wait for the server: to start, to answer, to exit.
const TIMEOUT: Duration = Duration::from_secs(20);

/// The concurrent writers, each on its own keep-alive connection.
const WRITERS: usize = 3;

/// The server is killed once this many users have been created (and acknowledged).
/// The writers go on meanwhile, as many more as the machine makes before the kill.
const KILL_AFTER: usize = 200;

/// A running `scimitar serve`, killed when dropped.
struct Server {
    child: Option<Child>,
    /// `127.0.0.1:PORT`.
    addr: String,
    stdout: Receiver<String>,
    stderr: Receiver<String>,
    /// What standard error said so far.
    log: Vec<String>,
}

impl Server {
    /// Starts `scimitar serve --listen 127.0.0.1:0 --db DB` and waits until it listens.
    fn start(db: &TempDb) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
            .args(["serve", "--listen", "127.0.0.1:0", "--db", &db.0])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("scimitar starts");
        let stdout = lines(child.stdout.take().expect("stdout is piped"));
        let stderr = lines(child.stderr.take().expect("stderr is piped"));
        let mut server = Self {
            child: Some(child),
            addr: String::new(),
            stdout,
            stderr,
            log: Vec::new(),
        };
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = match server.stderr.recv_timeout(left) {
                Ok(line) => line,
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("the server exited before listening: {:?}", server.log)
                }
                Err(RecvTimeoutError::Timeout) => {
                    panic!("the server did not listen in {TIMEOUT:?}: {:?}", server.log)
                }
            };
            server.log.push(line.clone());
            if let Some(addr) = line.strip_prefix("listening on http://") {
                server.addr = addr.to_owned();
                break;
            }
        }
        assert!(server.addr.starts_with("127.0.0.1:"), "{:?}", server.log);
        assert!(
            server.log.contains(&format!("store: {}", db.0)),
            "{:?}",
            server.log
        );
        server
    }

    /// Sends `signal` and waits for the server to exit; returns how it exited, and
    /// everything it printed on standard output.
    fn stop(mut self, signal: &str) -> (process::ExitStatus, Vec<String>) {
        let mut child = self.child.take().expect("the server runs");
        let status = Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success(), "kill -{signal} succeeds");
        // Standard output ends when the process exits.
        let deadline = Instant::now() + TIMEOUT;
        let mut stdout = Vec::new();
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.stdout.recv_timeout(left) {
                Ok(line) => stdout.push(line),
                Err(RecvTimeoutError::Disconnected) => break,
                Err(RecvTimeoutError::Timeout) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    panic!("the server did not exit in {TIMEOUT:?} after SIG{signal}");
                }
            }
        }
        (child.wait().expect("the server exits"), stdout)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// A keep-alive HTTP/1.1 connection with a bearer key.
struct Connection {
    reader: BufReader<TcpStream>,
    addr: String,
    key: String,
}

impl Connection {
    fn open(addr: &str, key: &str) -> Self {
        let stream = TcpStream::connect(addr).expect("the server accepts");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        stream.set_nodelay(true).unwrap();
        Self {
            reader: BufReader::new(stream),
            addr: addr.to_owned(),
            key: key.to_owned(),
        }
    }

    /// Sends a request and reads the status and the body of the response; an error when
    /// the connection fails or ends before the whole response.
    fn request(
        &mut self,
        method: &str,
        target: &str,
        body: &str,
    ) -> std::io::Result<(u16, String)> {
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {}\r\n\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            self.key,
            body.len()
        );
        self.reader.get_mut().write_all(request.as_bytes())?;
        let broken = |what: &str| std::io::Error::new(std::io::ErrorKind::UnexpectedEof, what);
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Err(broken("closed before the status line"));
        }
        let status = line
            .strip_prefix("HTTP/1.1 ")
            .and_then(|rest| rest.get(..3))
            .and_then(|code| code.parse().ok())
            .ok_or_else(|| broken("no status line"))?;
        let mut length = None;
        loop {
            line.clear();
            if self.reader.read_line(&mut line)? == 0 {
                return Err(broken("closed in the headers"));
            }
            let header = line.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':')
                && name.eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse::<usize>().ok();
            }
        }
        let mut body = vec![0; length.ok_or_else(|| broken("no Content-Length"))?];
        self.reader.read_exact(&mut body)?;
        let body = String::from_utf8(body).map_err(|_| broken("a body not UTF-8"))?;
        Ok((status, body))
    }
}

/// What a writer reports: a user it sent, and whether the server acknowledged it.
enum Report {
    Sent(String),
    Created(String),
}

/// Creates users `crash-WRITER-N` on one connection, reporting each before it is sent
/// and once it got a 2xx, until the connection breaks (the server was killed, or gave no
/// answer in [`TIMEOUT`]): so the last user sent is never acknowledged.
fn write_users(addr: String, key: String, writer: usize, report: Sender<Report>) {
    let mut connection = Connection::open(&addr, &key);
    for n in 0.. {
        let user_name = format!("crash-{writer}-{n}");
        let body = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "active": true,
            "name": {"givenName": "Crash", "familyName": format!("Test {n}")},
            "emails": [{"type": "work", "value": format!("{user_name}@example.com"), "primary": true}],
        })
        .to_string();
        if report.send(Report::Sent(user_name.clone())).is_err() {
            return;
        }
        match connection.request("POST", "/scim/v2/Users", &body) {
            Ok((status, _)) if (200..300).contains(&status) => {
                if report.send(Report::Created(user_name)).is_err() {
                    return;
                }
            }
            Ok((status, body)) => panic!("POST {user_name}: {status} {body}"),
            // The server was killed.
            Err(_) => return,
        }
    }
}

#[test]
fn acknowledged_writes_survive_a_kill() {
    let db = TempDb::new();
    let created = scimitar(["tenant", "create", "acme", "--db", &db.0]);
    assert_eq!(created.code, 0, "{}", created.stderr);
    let issued = scimitar(["token", "issue", "--tenant", "acme", "--db", &db.0]);
    assert_eq!(issued.code, 0, "{}", issued.stderr);
    let key = issued.stdout.trim_end().to_owned();
    assert!(key.starts_with("scim_"), "{key}");

    let server = Server::start(&db);
    let (report, reports) = mpsc::channel();
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let (addr, key, report) = (server.addr.clone(), key.clone(), report.clone());
            thread::spawn(move || write_users(addr, key, writer, report))
        })
        .collect();
    drop(report);

    let mut sent = BTreeSet::new();
    let mut acknowledged = BTreeSet::new();
    // Killed while the writers are still writing. Each report may take up to TIMEOUT:
    // the writes go at the machine's pace.
    while acknowledged.len() < KILL_AFTER {
        match reports.recv_timeout(TIMEOUT) {
            Ok(report) => record(report, &mut sent, &mut acknowledged),
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the writers stopped after {} users", acknowledged.len())
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("no write in {TIMEOUT:?} after {} users", acknowledged.len())
            }
        }
    }
    let (status, stdout) = server.stop("KILL");
    assert_eq!(status.signal(), Some(9), "killed: {status:?}");
    assert_eq!(
        stdout,
        Vec::<String>::new(),
        "the store has a tenant: no key"
    );
    // Each writer stops at its broken connection.
    for writer in writers {
        writer.join().expect("the writer ends");
    }
    for report in reports.try_iter() {
        record(report, &mut sent, &mut acknowledged);
    }
    assert!(
        acknowledged.len() >= KILL_AFTER,
        "{} users created before the kill",
        acknowledged.len()
    );
    assert_eq!(
        sent.len(),
        acknowledged.len() + WRITERS,
        "each writer's last write was in flight when the server was killed"
    );

    // Started again on the same file: no first start, and every acknowledged user found.
    let server = Server::start(&db);
    let mut connection = Connection::open(&server.addr, &key);
    let found = all_user_names(&mut connection);
    let lost: Vec<_> = acknowledged.difference(&found).collect();
    assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
    let unknown: Vec<_> = found.difference(&sent).collect();
    assert!(unknown.is_empty(), "never sent: {unknown:?}");

    // The users in flight were created whole or not at all: the lookup by userName, the
    // uniqueness check and the list agree.
    for user_name in sent.difference(&acknowledged) {
        let filter = format!("/scim/v2/Users?filter=userName+eq+%22{user_name}%22");
        let (status, body) = connection.request("GET", &filter, "").expect("a lookup");
        assert_eq!(status, 200, "{body}");
        let lookup: serde_json::Value = serde_json::from_str(&body).expect("a JSON list");
        let kept = found.contains(user_name);
        assert_eq!(
            lookup["totalResults"],
            usize::from(kept),
            "{user_name}: {body}"
        );
        let user = serde_json::json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
        })
        .to_string();
        let (status, body) = connection
            .request("POST", "/scim/v2/Users", &user)
            .expect("a create");
        let expected = if kept { 409 } else { 201 };
        assert_eq!(status, expected, "{user_name} again: {body}");
    }
    for user_name in acknowledged.iter().step_by(25) {
        let filter = format!("/scim/v2/Users?filter=userName+eq+%22{user_name}%22");
        let (status, body) = connection.request("GET", &filter, "").expect("a lookup");
        assert_eq!(status, 200, "{body}");
        let lookup: serde_json::Value = serde_json::from_str(&body).expect("a JSON list");
        assert_eq!(lookup["totalResults"], 1, "{user_name}: {body}");
    }
    drop(connection);

    let (status, stdout) = server.stop("TERM");
    assert!(status.success(), "exits 0 on SIGTERM: {status:?}");
    assert_eq!(stdout, Vec::<String>::new(), "no key printed on a restart");
    history_matches_the_writes(&db, &found, &sent, &acknowledged);
}

/// The change history agrees with the store after the kill: every user kept has its
/// `created` entry, and no entry names a user that is not kept (the in-flight writes
/// included); the sequence numbers run 1, 2, 3… The users that the checks above created
/// again count as kept.
fn history_matches_the_writes(
    db: &TempDb,
    found: &BTreeSet<String>,
    sent: &BTreeSet<String>,
    acknowledged: &BTreeSet<String>,
) {
    use scimitar_engine::{HistoryQuery, HistoryStore, TenantStore};
    use scimitar_policy::Action;

    let store = scimitar_store_sqlite::SqliteStore::open(&db.0).expect("the store opens");
    let tenant = pollster::block_on(store.tenant_by_name("acme"))
        .expect("a read")
        .expect("the tenant");
    let history =
        pollster::block_on(store.history(&tenant.id, &HistoryQuery::new())).expect("a read");
    let numbers: Vec<u64> = history.iter().map(|entry| entry.seq).collect();
    let expected: Vec<u64> = (1..=numbers.len() as u64).collect();
    assert_eq!(numbers, expected, "the sequence has no gap and no repeat");
    let created: BTreeSet<String> = history
        .iter()
        .filter(|entry| entry.action == Action::Created)
        .filter_map(|entry| entry.fields.get("user_name").cloned().flatten())
        .collect();
    // The users found after the kill, and the in-flight ones it lost, which the checks
    // then created: every user sent, each once.
    assert_eq!(
        &created, sent,
        "one created entry per user, no more, no less"
    );
    // The in-flight users the kill kept were created again by the checks: a 409 each.
    let failed: Vec<u16> = history
        .iter()
        .filter(|entry| entry.action == Action::Failed)
        .map(|entry| entry.status)
        .collect();
    let kept_in_flight = found.len() - acknowledged.len();
    assert_eq!(failed, vec![409; kept_in_flight], "{history:?}");
}

/// The `userName` of every user, read page by page (a page holds at most 1,000).
fn all_user_names(connection: &mut Connection) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    loop {
        let page = format!(
            "/scim/v2/Users?startIndex={}&count=1000&attributes=userName",
            found.len() + 1
        );
        let (status, body) = connection
            .request("GET", &page, "")
            .expect("a page of the list");
        assert_eq!(status, 200, "{body}");
        let list: serde_json::Value = serde_json::from_str(&body).expect("a JSON list");
        let users = list["Resources"].as_array().map_or(&[][..], Vec::as_slice);
        for user in users {
            let user_name = user["userName"].as_str().expect("a userName");
            assert!(
                found.insert(user_name.to_owned()),
                "{user_name} listed twice"
            );
        }
        // Each page but the last adds users, so this ends.
        if users.is_empty() || list["totalResults"] == found.len() {
            assert_eq!(list["totalResults"], found.len(), "every user is listed");
            return found;
        }
    }
}

/// Adds what a writer reported to the users `sent` or `acknowledged`.
fn record(report: Report, sent: &mut BTreeSet<String>, acknowledged: &mut BTreeSet<String>) {
    match report {
        Report::Sent(user_name) => sent.insert(user_name),
        Report::Created(user_name) => acknowledged.insert(user_name),
    };
}
