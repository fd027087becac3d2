//! A database fault under `scimitar serve`, end to end over HTTP: another process (this
//! test's, through a connection of its own in a transaction) holds the SQLite file's
//! write lock, so the
//! server's writes fail once SQLite's busy timeout (5 s) has passed. A write then
//! answers `503` with `Retry-After` and a SCIM error, the request log names the cause
//! but never the key, reads and authentication go on (WAL), nothing acknowledged is
//! lost, and writes resume once the lock is let go.
//!
//! Every wait is bounded; none sleeps: the lock is held once `BEGIN IMMEDIATE` returns,
//! and the test waits for the log line.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use crate::serve::{Server, TempDb};

/// The longest wait for an answer, a line or an exit: a guard against a hang.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A response, as it came: the head (status line and headers, lower-cased) and body.
struct Raw {
    head: String,
    body: String,
}

impl Raw {
    fn status(&self) -> &str {
        self.head.get(9..12).unwrap_or_default()
    }
}

/// `METHOD TARGET` with the key and `body`, on a connection of its own.
fn send(server: &Server, method: &str, target: &str, body: &str) -> Raw {
    let mut stream = TcpStream::connect(&server.addr).expect("the server accepts");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    let request = format!(
        "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\
         Authorization: Bearer {}\r\nContent-Type: application/scim+json\r\n\
         Content-Length: {}\r\n\r\n{body}",
        server.addr,
        server.key(),
        body.len()
    );
    stream.write_all(request.as_bytes()).expect("sent");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("a whole response");
    Raw {
        head: head.to_ascii_lowercase(),
        body: body.to_owned(),
    }
}

fn create(server: &Server, user_name: &str) -> Raw {
    let user = format!(
        r#"{{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "{user_name}"}}"#
    );
    send(server, "POST", "/scim/v2/Users", &user)
}

/// The userNames the server lists.
fn user_names(server: &Server) -> Vec<String> {
    let listed = send(server, "GET", "/scim/v2/Users?count=100", "");
    assert_eq!(listed.status(), "200", "{}", listed.body);
    let listed: serde_json::Value = serde_json::from_str(&listed.body).expect("JSON");
    let mut names: Vec<String> = listed["Resources"]
        .as_array()
        .expect("resources")
        .iter()
        .filter_map(|user| user["userName"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

#[test]
fn a_locked_database_fails_writes_with_503_and_writes_resume() {
    let db = TempDb::new();
    let mut server = Server::start_with(&["--db", &db.0], true);
    assert_eq!(create(&server, "before").status(), "201");

    // Another connection takes the write lock: it holds it once BEGIN IMMEDIATE returns.
    let holder = rusqlite::Connection::open(&db.0).expect("the database opens");
    holder
        .execute_batch("BEGIN IMMEDIATE")
        .expect("the write lock is free");

    let refused = create(&server, "during");
    assert_eq!(refused.status(), "503", "{}", refused.body);
    assert!(
        refused.head.contains("\r\nretry-after: 1"),
        "{}",
        refused.head
    );
    assert!(
        refused
            .head
            .contains("\r\ncontent-type: application/scim+json"),
        "{}",
        refused.head
    );
    let error: serde_json::Value = serde_json::from_str(&refused.body).expect("a SCIM error");
    assert_eq!(error["status"], "503");
    assert!(
        !refused.body.contains("locked"),
        "no internals: {}",
        refused.body
    );
    let line = server.wait_for_log(" POST /scim/v2/Users 503 ");
    assert!(
        line.ends_with(r#" error="store unavailable: database is locked""#),
        "{line}"
    );
    assert!(line.contains(" tenant=default key=key_"), "{line}");
    assert!(!line.contains(server.key()), "{line}");
    // Reads, and the key checks, do not wait for the lock.
    assert_eq!(user_names(&server), ["before"]);
    let healthz = send(&server, "GET", "/healthz", "");
    assert_eq!((healthz.status(), healthz.body.as_str()), ("200", "ok"));

    holder
        .execute_batch("ROLLBACK")
        .expect("the lock is let go");
    drop(holder);

    assert_eq!(create(&server, "after").status(), "201");
    assert_eq!(user_names(&server), ["after", "before"]);
    let key = server.key().to_owned();
    let stopped = server.stop("TERM");
    assert!(stopped.log.iter().all(|line| !line.contains(&key)));
}
