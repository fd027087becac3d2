//! `scimitar serve` against slow, idle and stalled clients, and clients that send a
//! whole request before they read: the timeouts, the connection cap, the key checked
//! before the body, and answers that such clients still read.
//!
//! Each wait is for a condition (an answer, the end of a connection), bounded by a
//! generous deadline; the only time asserted is the issue's own (an authorised request
//! answered within 2 s while hundreds of connections stall).

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};
use std::{fs, thread};

use crate::serve::{Server, auth};

/// The longest wait for an answer, or for the server to close a connection it should.
const TIMEOUT: Duration = Duration::from_secs(60);

/// A new connection to `server`, with [`TIMEOUT`] on reads and writes.
fn connect(server: &Server) -> TcpStream {
    let stream = TcpStream::connect(&server.addr).expect("the server accepts");
    stream.set_read_timeout(Some(TIMEOUT)).unwrap();
    stream.set_write_timeout(Some(TIMEOUT)).unwrap();
    stream
}

/// Reads `stream` until the server closes it (an end or a reset), or `deadline` passes;
/// returns what was read, or `None` if the connection was still open at the deadline.
fn read_until_closed(stream: &mut TcpStream, deadline: Instant) -> Option<Vec<u8>> {
    let mut read = Vec::new();
    let mut buffer = [0; 4096];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return None;
        }
        stream.set_read_timeout(Some(left)).unwrap();
        match stream.read(&mut buffer) {
            Ok(0) => return Some(read),
            Ok(count) => read.extend_from_slice(&buffer[..count]),
            Err(error) if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {
                return None;
            }
            // Reset by the server: closed as well.
            Err(_) => return Some(read),
        }
    }
}

/// Whether the server has not closed `stream` (nothing to read yet, and no end).
fn is_open(stream: &TcpStream) -> bool {
    stream.set_nonblocking(true).unwrap();
    let open = matches!(stream.peek(&mut [0]), Err(error) if error.kind() == ErrorKind::WouldBlock);
    stream.set_nonblocking(false).unwrap();
    open
}

/// Reads one response with a `Content-Length` from `stream`, leaving the connection
/// open; returns its status line and headers, and its body.
fn read_response(stream: &mut TcpStream) -> (String, String) {
    let mut head = Vec::new();
    let mut byte = [0];
    while !head.ends_with(b"\r\n\r\n") {
        let count = stream.read(&mut byte).expect("the response is read");
        assert_eq!(
            count,
            1,
            "closed in the head: {:?}",
            String::from_utf8_lossy(&head)
        );
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).expect("a UTF-8 head");
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().ok())?
        })
        .expect("a Content-Length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).expect("the body is read");
    (head, String::from_utf8(body).expect("a UTF-8 body"))
}

/// A keep-alive `GET /scim/v2/Users` with `key`.
fn list_users(server: &Server, key: &str) -> String {
    format!(
        "GET /scim/v2/Users?count=1 HTTP/1.1\r\nHost: {}\r\n{}\r\n",
        server.addr,
        auth(key)
    )
}

/// The server's resident memory, in KiB, from `/proc/PID/status`.
fn resident_kib(server: &Server) -> u64 {
    let status = fs::read_to_string(format!("/proc/{}/status", server.pid()))
        .expect("the server's /proc status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

/// How many connections of each kind the proof opens.
const EACH: usize = 300;

/// Most of a 1 MiB body: what a client sends before it stalls.
const MOST_OF_A_MIB: usize = 1024 * 1024 - 4096;

#[test]
fn stalled_idle_and_unauthorised_connections_do_not_hold_the_server() {
    let server = Server::start_with(
        &[
            "--header-timeout",
            "10",
            "--body-timeout",
            "10",
            "--max-connections",
            "2000",
        ],
        true,
    );
    let key = server.key().to_owned();
    let before = resident_kib(&server);
    let opening = Instant::now();

    // Half-sent request lines.
    let mut stalled: Vec<(TcpStream, Instant)> = (0..EACH)
        .map(|_| {
            let mut stream = connect(&server);
            stream.write_all(b"GET /scim/v2/Us").expect("sent");
            (stream, Instant::now())
        })
        .collect();
    // Kept-alive connections, idle after one answered request.
    let mut idle: Vec<(TcpStream, Instant)> = (0..EACH)
        .map(|_| {
            let mut stream = connect(&server);
            stream
                .write_all(list_users(&server, &key).as_bytes())
                .expect("sent");
            let (head, _) = read_response(&mut stream);
            assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
            (stream, Instant::now())
        })
        .collect();
    // Most of a 1 MiB body, with a wrong key. The server answers at the head and may
    // close the connection before the client has sent all it meant to.
    let body = vec![b' '; MOST_OF_A_MIB];
    let mut unauthorised: Vec<(TcpStream, Instant)> = (0..EACH)
        .map(|_| {
            let mut stream = connect(&server);
            let head = format!(
                "POST /scim/v2/Users HTTP/1.1\r\nHost: {}\r\n{}Content-Length: {}\r\n\r\n",
                server.addr,
                auth("scim_wrong"),
                1024 * 1024
            );
            let _ = stream
                .write_all(head.as_bytes())
                .and_then(|()| stream.write_all(&body));
            (stream, Instant::now())
        })
        .collect();
    let opened = opening.elapsed();

    // Meanwhile, another client is served.
    let asked = Instant::now();
    let mut client = connect(&server);
    client
        .write_all(list_users(&server, &key).as_bytes())
        .expect("sent");
    let (head, body) = read_response(&mut client);
    let answered = asked.elapsed();
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}{body}");
    assert!(
        answered < Duration::from_secs(2),
        "answered in {answered:?}"
    );
    let during = resident_kib(&server);
    let still_open = [&stalled, &idle]
        .into_iter()
        .flatten()
        .filter(|(stream, _)| is_open(stream))
        .count();
    assert!(
        during.saturating_sub(before) < 100 * 1024,
        "the server grew from {before} KiB to {during} KiB"
    );

    // Every connection is closed by the server within 60 s of its last byte.
    let mut slowest = Duration::ZERO;
    for (kind, connections) in [
        ("stalled", &mut stalled),
        ("idle", &mut idle),
        ("unauthorised", &mut unauthorised),
    ] {
        for (stream, since) in connections.iter_mut() {
            let read = read_until_closed(stream, *since + TIMEOUT)
                .unwrap_or_else(|| panic!("a {kind} connection still open after {TIMEOUT:?}"));
            slowest = slowest.max(since.elapsed());
            if kind == "unauthorised" {
                let answer = String::from_utf8_lossy(&read);
                assert!(answer.starts_with("HTTP/1.1 401 "), "{answer}");
                assert!(
                    answer
                        .to_ascii_lowercase()
                        .contains("\r\nconnection: close\r\n"),
                    "{answer}"
                );
            }
        }
    }
    let after = resident_kib(&server);
    eprintln!(
        "slow clients: {} connections opened in {opened:?}; an authorised request answered in \
         {answered:?}, with {still_open} stalled and idle ones open; VmRSS {before} KiB before, {during} KiB with them open, {after} KiB \
         once closed; the slowest closed {slowest:?} after its last byte",
        3 * EACH
    );
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
    assert_eq!(stopped.log.last().map(String::as_str), Some("stopped"));
}

#[test]
fn a_slow_body_is_answered_408_and_its_connection_closed() {
    let server = Server::start_with(&["--body-timeout", "1"], true);
    let mut stream = connect(&server);
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {}\r\n{}Content-Length: 100\r\n\r\n{{",
        server.addr,
        server.auth()
    );
    stream.write_all(head.as_bytes()).expect("sent");
    // A byte now and then, as a slow-loris client sends it, until the server answers.
    let trickle = {
        let mut stream = stream.try_clone().unwrap();
        thread::spawn(move || {
            while stream.write_all(b" ").is_ok() {
                thread::park_timeout(Duration::from_millis(100));
            }
        })
    };
    let read = read_until_closed(&mut stream, Instant::now() + TIMEOUT).expect("closed");
    let answer = String::from_utf8_lossy(&read);
    assert!(answer.starts_with("HTTP/1.1 408 "), "{answer}");
    assert!(answer.contains("did not arrive in time"), "{answer}");
    assert!(answer.contains("\r\nconnection: close\r\n"), "{answer}");
    // The trickle's writes fail from now on.
    let _ = stream.shutdown(std::net::Shutdown::Both);
    trickle.join().unwrap();
}

#[test]
fn idle_and_half_sent_connections_are_closed_after_the_header_timeout() {
    let server = Server::start_with(&["--header-timeout", "1"], true);
    let key = server.key().to_owned();
    let mut silent = connect(&server);
    let mut half_sent = connect(&server);
    half_sent
        .write_all(b"GET /scim/v2/Users HTTP/1.1\r\nHost: x\r\n")
        .unwrap();
    let mut idle = connect(&server);
    idle.write_all(list_users(&server, &key).as_bytes())
        .unwrap();
    let (head, _) = read_response(&mut idle);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    for stream in [&mut silent, &mut half_sent, &mut idle] {
        assert!(
            read_until_closed(stream, Instant::now() + TIMEOUT).is_some(),
            "closed by the server"
        );
    }
}

#[test]
fn a_connection_over_the_cap_is_closed_at_once() {
    let server = Server::start_with(&["--max-connections", "2"], true);
    let key = server.key().to_owned();
    // Two open connections, each known to be served.
    let mut open: Vec<TcpStream> = (0..2)
        .map(|_| {
            let mut stream = connect(&server);
            stream
                .write_all(list_users(&server, &key).as_bytes())
                .unwrap();
            let (head, _) = read_response(&mut stream);
            assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
            stream
        })
        .collect();
    let mut third = connect(&server);
    let _ = third.write_all(list_users(&server, &key).as_bytes());
    let read = read_until_closed(&mut third, Instant::now() + TIMEOUT).expect("closed");
    assert!(
        read.is_empty(),
        "no answer: {:?}",
        String::from_utf8_lossy(&read)
    );

    // Once one closes, a new connection is served again.
    drop(open.pop());
    wait_until_served(&server, &key);
}

/// Tries a request on a new connection until one is answered, within [`TIMEOUT`]: while
/// the server is at its cap, each is closed at once.
fn wait_until_served(server: &Server, key: &str) {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let mut stream = connect(server);
        let _ = stream.write_all(list_users(server, key).as_bytes());
        let mut status = [0; 13];
        if stream.read_exact(&mut status).is_ok() && status.starts_with(b"HTTP/1.1 200 ") {
            return;
        }
        assert!(Instant::now() < deadline, "no connection served again");
        // Paced, so as not to use up the ports of the loopback with refused attempts.
        thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_client_that_does_not_read_its_answers_is_closed() {
    let server = Server::start_with(&["--max-connections", "1", "--body-timeout", "1"], true);
    let key = server.key().to_owned();
    // Pipelined requests whose answers, never read, fill the connection's buffers.
    let greedy = connect(&server);
    let request = format!(
        "GET /scim/v2/Schemas HTTP/1.1\r\nHost: {}\r\n\r\n",
        server.addr
    );
    let requests = request.repeat(2000);
    let sending = {
        let mut greedy = greedy.try_clone().unwrap();
        thread::spawn(move || {
            let _ = greedy.write_all(requests.as_bytes());
        })
    };
    // It holds the only connection until the server gives up on it.
    wait_until_served(&server, &key);
    let _ = greedy.shutdown(std::net::Shutdown::Both);
    sending.join().unwrap();
}

/// Sends `head` (ending with CRLF CRLF) and `body` whole, then reads the answer to the
/// end, as Python's urllib does.
fn send_whole_then_read(server: &Server, head: &str, body: &[u8]) -> String {
    let mut stream = connect(server);
    stream.write_all(head.as_bytes()).expect("the head is sent");
    stream.write_all(body).expect("the body is sent whole");
    let read = read_until_closed(&mut stream, Instant::now() + TIMEOUT).expect("closed");
    String::from_utf8(read).expect("a UTF-8 answer")
}

#[test]
fn a_client_that_sends_a_whole_oversize_body_reads_the_answer() {
    let server = Server::start_with(&[], true);
    // 1.5 MiB with the key: over the limit, 413. 6 MiB with a wrong key: more than the
    // loopback's buffers take, so the client is still sending when the 401 is written.
    for (key, size, status) in [
        (server.key().to_owned(), 3 * 512 * 1024, "413"),
        ("scim_wrong".to_owned(), 6 * 1024 * 1024, "401"),
    ] {
        let body = vec![b' '; size];
        let head = format!(
            "POST /scim/v2/Users HTTP/1.1\r\nHost: {}\r\n{}Content-Length: {size}\r\n\r\n",
            server.addr,
            auth(&key),
        );
        let answer = send_whole_then_read(&server, &head, &body);
        assert!(
            answer.starts_with(&format!("HTTP/1.1 {status} ")),
            "{status}: {answer}"
        );
        assert!(
            answer.contains(&format!("\"status\":\"{status}\"")),
            "{answer}"
        );
    }
}

#[test]
fn discovery_needs_no_key_on_the_connection_loop() {
    let server = Server::start_with(&[], true);
    let head = format!(
        "GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.addr
    );
    let answer = send_whole_then_read(&server, &head, b"");
    assert!(answer.starts_with("HTTP/1.1 200 "), "{answer}");
}

#[test]
fn connection_flags_must_be_in_range() {
    for (flag, value, expected) in [
        (
            "--header-timeout",
            "0",
            "a number of seconds from 1 to 3600",
        ),
        (
            "--header-timeout",
            "3601",
            "a number of seconds from 1 to 3600",
        ),
        (
            "--body-timeout",
            "1.5",
            "a number of seconds from 1 to 3600",
        ),
        ("--body-timeout", "-1", "a number of seconds from 1 to 3600"),
        ("--read-budget", "0", "a number of seconds from 1 to 3600"),
        ("--read-budget", "5s", "a number of seconds from 1 to 3600"),
        (
            "--max-connections",
            "0",
            "a number of connections from 1 to 100000",
        ),
        (
            "--max-connections",
            "many",
            "a number of connections from 1 to 100000",
        ),
    ] {
        let run = crate::scimitar(["serve", "--db", ":memory:", flag, value]);
        assert_eq!(run.code, crate::USAGE, "{flag} {value}: {}", run.stderr);
        let message = format!("error: invalid {flag} {value:?}: expected {expected}\n");
        assert!(run.stderr.starts_with(&message), "{}", run.stderr);
        assert!(
            run.stderr
                .contains("[--max-connections N] [--read-budget SECS]"),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn a_request_still_in_flight_after_the_drain_is_dropped() {
    let server = Server::start_with(&["--body-timeout", "3600"], true);
    let mut stream = connect(&server);
    let head = format!(
        "POST /scim/v2/Users HTTP/1.1\r\nHost: {}\r\n{}Expect: 100-continue\r\nContent-Length: 100\r\n\r\n",
        server.addr,
        server.auth()
    );
    stream.write_all(head.as_bytes()).expect("sent");
    // `100 Continue` says that the engine is reading the body: the request is in flight.
    let mut interim = [0; 25];
    stream.read_exact(&mut interim).expect("an interim answer");
    assert_eq!(&interim, b"HTTP/1.1 100 Continue\r\n\r\n");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "exits 0: {:?}", stopped.log);
    assert_eq!(
        stopped.log.last().map(String::as_str),
        Some("stopped; requests still in flight after 10 seconds were dropped"),
        "{:?}",
        stopped.log
    );
    assert!(read_until_closed(&mut stream, Instant::now() + TIMEOUT).is_some());
}

#[test]
fn idle_connections_do_not_hold_the_shutdown() {
    let server = Server::start_with(&["--header-timeout", "3600"], true);
    let key = server.key().to_owned();
    let mut idle = connect(&server);
    idle.write_all(list_users(&server, &key).as_bytes())
        .unwrap();
    let (head, _) = read_response(&mut idle);
    assert!(head.starts_with("HTTP/1.1 200 "), "{head}");
    let stopped = server.stop("INT");
    assert!(stopped.status.success(), "exits 0: {:?}", stopped.log);
    assert_eq!(stopped.log.last().map(String::as_str), Some("stopped"));
    assert!(read_until_closed(&mut idle, Instant::now() + TIMEOUT).is_some());
}
