//! Runs this example's binary on a loopback port and talks HTTP/1.1 to it.
//!
//! Every wait is bounded ([`TIMEOUT`]) and none sleeps: threads read the server's
//! output and pass each line over a channel.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

/// The longest wait for the server: to start, to answer.
const TIMEOUT: Duration = Duration::from_secs(20);

const USER: &str =
    r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#;

/// A line the server printed, and on which stream.
enum Line {
    Out(String),
    Err(String),
}

/// The example's binary, running; killed when dropped, so that a failing test leaves no
/// server behind.
struct Server {
    child: Child,
    lines: Receiver<Line>,
    /// `127.0.0.1:PORT`, from the `listening on` line.
    addr: String,
    /// The `Secret Token` printed on standard output, if one was by the time it listened.
    key: Option<String>,
}

impl Server {
    /// Starts the server on port 0, and waits until it listens and has printed the key.
    fn start() -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_scimitar-example-hyper-memory"))
            .arg("127.0.0.1:0")
            .env_remove("SCIM_LISTEN")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the example starts");
        let (sender, lines) = mpsc::channel();
        let out = child.stdout.take().expect("stdout is piped");
        let err = child.stderr.take().expect("stderr is piped");
        forward(out, sender.clone(), Line::Out);
        forward(err, sender, Line::Err);
        let mut server = Self {
            child,
            lines,
            addr: String::new(),
            key: None,
        };
        let deadline = Instant::now() + TIMEOUT;
        while server.addr.is_empty() || server.key.is_none() {
            let left = deadline.saturating_duration_since(Instant::now());
            match server.lines.recv_timeout(left) {
                Ok(line) => server.read(line),
                Err(RecvTimeoutError::Timeout) => panic!("not listening after {TIMEOUT:?}"),
                Err(RecvTimeoutError::Disconnected) => panic!("the example exited"),
            }
        }
        assert!(
            !server.addr.ends_with(":0"),
            "the real port: {}",
            server.addr
        );
        server
    }

    /// Notes the address or the key a line gives.
    fn read(&mut self, line: Line) {
        match line {
            Line::Err(line) => {
                if let Some(addr) = line.strip_prefix("listening on http://") {
                    self.addr = addr.to_owned();
                }
            }
            Line::Out(line) => {
                if let Some(key) = line.trim().strip_prefix("Secret Token:") {
                    self.key = Some(key.trim().to_owned());
                }
            }
        }
    }

    /// Sends one request, on a new connection, and returns the status and the body.
    fn send(&self, method: &str, target: &str, key: Option<&str>, body: &str) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.addr).expect("the server accepts");
        stream.set_read_timeout(Some(TIMEOUT)).unwrap();
        stream.set_write_timeout(Some(TIMEOUT)).unwrap();
        let auth = key.map_or(String::new(), |key| {
            format!("Authorization: Bearer {key}\r\n")
        });
        let request = format!(
            "{method} {target} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n{auth}\
             Content-Type: application/scim+json\r\nContent-Length: {}\r\n\r\n{body}",
            self.addr,
            body.len()
        );
        stream.write_all(request.as_bytes()).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).expect("a response");
        let (head, body) = response.split_once("\r\n\r\n").expect("a head and a body");
        let status = head.split(' ').nth(1).and_then(|code| code.parse().ok());
        (status.expect("a status line"), body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Sends each line `reader` gives, tagged by `tag`, until the stream or the channel ends.
fn forward(
    reader: impl Read + Send + 'static,
    sender: mpsc::Sender<Line>,
    tag: fn(String) -> Line,
) {
    thread::spawn(move || {
        for line in BufReader::new(reader).lines() {
            let Ok(line) = line else { break };
            if sender.send(tag(line)).is_err() {
                break;
            }
        }
    });
}

fn json(body: &str) -> serde_json::Value {
    serde_json::from_str(body).unwrap_or_else(|error| panic!("{error}: {body}"))
}

#[test]
fn serves_scim() {
    let server = Server::start();
    let key = server.key.clone().expect("a key");

    let (status, body) = server.send("POST", "/scim/v2/Users", Some(&key), USER);
    assert_eq!(status, 201, "{body}");
    let id = json(&body)["id"].as_str().expect("an id").to_owned();
    let user = format!("/scim/v2/Users/{id}");
    let (status, body) = server.send("GET", &user, Some(&key), "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["userName"], "bjensen");
    let filter = "/scim/v2/Users?filter=userName%20eq%20%22bjensen%22";
    let (status, body) = server.send("GET", filter, Some(&key), "");
    assert_eq!(status, 200, "{body}");
    assert_eq!(json(&body)["totalResults"], 1, "{body}");
    let (status, body) = server.send("GET", &user, None, "");
    assert_eq!(status, 401, "{body}");
    // A body over 1 MiB, sent whole: a SCIM 413.
    let large = format!("{USER}{}", " ".repeat(1024 * 1024));
    let (status, body) = server.send("POST", "/scim/v2/Users", Some(&key), &large);
    assert_eq!(status, 413, "{body}");
    assert_eq!(json(&body)["status"], "413");
    // Dropping the server kills it.
}
