//! The connections of `scimitar serve`: hyper's HTTP/1.1 on each accepted TCP
//! connection, with the timeouts and the cap that keep slow, idle or stalled clients
//! from holding the server, and the graceful shutdown.
//!
//! - Headers: a request's head must be complete within the header timeout, counted from
//!   when the connection opens or, kept alive, from its previous response; hyper's
//!   timer restarts there, so this is also the idle keep-alive timeout.
//! - Bodies: a request's body must be complete within the body timeout after its head
//!   ([`TimedBody`]), else `408`; and a write of the answer may wait no longer than that
//!   for the client to take it ([`SendTimeout`]), else the connection ends.
//! - The cap: a connection beyond it is accepted and closed at once, rather than left
//!   in the kernel's accept queue, where it would wait with no timeout of ours and, the
//!   queue full, hold back every new client, the authorised ones too.
//! - Every connection the server ends is closed gently ([`linger`]), so that its client
//!   reads the last answer rather than a reset.

use std::future::{Future, poll_fn};
use std::pin::pin;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower_service::Service;

use super::send_timeout::SendTimeout;
use super::timed_body::TimedBody;

/// How long the server waits, once told to stop, for the requests in flight.
pub(crate) const DRAIN: Duration = Duration::from_secs(10);

/// The most a client may still send, once its connection is ending, that is read and
/// dropped (as much as the engine drains of a body over its limit).
const LINGER_BYTES: usize = 8 * 1024 * 1024;

/// How long a connection that is ending waits for its client to close its side.
const LINGER_TIME: Duration = Duration::from_secs(5);

/// hyper's read buffer, the most a request head may take: 64 KiB a connection bounds
/// what stalled connections cost.
const MAX_BUFFER: usize = 64 * 1024;

/// How long the server waits before it accepts again after accepting failed (out of
/// file descriptors, say), rather than trying again at once in a busy loop.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// The limits on connections: `--header-timeout`, `--body-timeout` and
/// `--max-connections`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Limits {
    /// The longest wait for a request's head, from the connection's opening or its
    /// previous response. Default: 10 seconds.
    pub(crate) header_timeout: Duration,
    /// The longest wait for a request's body, from its head, and for the client to
    /// take any of an answer. Default: 20 seconds.
    pub(crate) body_timeout: Duration,
    /// The most connections open at once. Default: 512.
    pub(crate) max_connections: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            header_timeout: Duration::from_secs(10),
            body_timeout: Duration::from_secs(20),
            max_connections: 512,
        }
    }
}

/// Serves `router` on the connections of `listener` within `limits`, until `shutdown`
/// completes; then lets the connections finish their requests for at most [`DRAIN`].
/// Returns whether all of them did.
pub(crate) async fn serve(
    listener: TcpListener,
    router: Router,
    limits: Limits,
    shutdown: impl Future<Output = ()>,
) -> bool {
    let open = Arc::new(Semaphore::new(limits.max_connections as usize));
    let (stop, stopping) = watch::channel(());
    let mut shutdown = pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::time::sleep(ACCEPT_BACKOFF).await;
                continue;
            }
        };
        // Over the cap: dropped, so closed at once.
        let Ok(permit) = Arc::clone(&open).try_acquire_owned() else {
            continue;
        };
        let connection = connection(stream, router.clone(), limits, stopping.clone());
        tokio::spawn(async move {
            // Held while the connection is open.
            let _open: OwnedSemaphorePermit = permit;
            connection.await;
        });
    }
    drop(listener);
    let _ = stop.send(());
    // Every permit back: every connection closed.
    tokio::time::timeout(DRAIN, open.acquire_many(limits.max_connections))
        .await
        .is_ok()
}

/// Serves one connection until it ends, or, once `stopping` changes, until its request
/// in flight is answered; then closes it gently, unless the server is stopping.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    mut stopping: watch::Receiver<()>,
) {
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let request = request.map(|body| Body::new(TimedBody::new(body, limits.body_timeout)));
        // Boxed: hyper's connection must be `Unpin` to be taken apart at its end.
        Box::pin(router.clone().call(request))
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout)
        .max_buf_size(MAX_BUFFER);
    let stream = SendTimeout::new(stream, limits.body_timeout);
    let mut served = builder.serve_connection(TokioIo::new(stream), service);
    let mut stopped = false;
    loop {
        tokio::select! {
            // A connection that failed (a timeout, a malformed request, a reset) is
            // closed the same way.
            _ = poll_fn(|cx| served.poll_without_shutdown(cx)) => break,
            _ = stopping.changed(), if !stopped => {
                stopped = true;
                std::pin::Pin::new(&mut served).graceful_shutdown();
            }
        }
    }
    let stream = served.into_parts().io.into_inner().into_inner();
    // A server that stops waits for no client: dropped, the connection closes at once.
    if !stopped {
        tokio::select! {
            () = linger(stream) => {}
            _ = stopping.changed() => {}
        }
    }
}

/// Closes `stream` so that its client reads all it was sent: the sending side is shut
/// first (the client reads the end), then what the client still sends is read and
/// dropped, up to [`LINGER_BYTES`] and for at most [`LINGER_TIME`], until it closes its
/// side. Closing with unread data would reset the connection, and a client that writes
/// a whole request before reading would lose the answer.
async fn linger(mut stream: TcpStream) {
    // A client that went away already: nothing to wait for.
    if stream.shutdown().await.is_err() {
        return;
    }
    let mut buffer = vec![0; 16 * 1024];
    let mut dropped = 0;
    let drain = async {
        while dropped < LINGER_BYTES {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(read) => dropped += read,
            }
        }
    };
    let _ = tokio::time::timeout(LINGER_TIME, drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_close_a_stalled_connection_within_a_minute() {
        let limits = Limits::default();
        // A head, then a body, as slow as they may be, then an answer the client does
        // not take, then the gentle close.
        let longest_stall = limits.header_timeout + 2 * limits.body_timeout + LINGER_TIME;
        assert!(longest_stall <= Duration::from_secs(60), "{limits:?}");
        assert!(limits.header_timeout <= Duration::from_secs(60));
        assert!(limits.body_timeout <= Duration::from_secs(60));
        assert!(limits.max_connections > 0);
    }
}
