//! A connection whose writes must make progress: a write (or flush) that has waited a
//! whole timeout for the client to take data fails with an [`io::Error`] of kind
//! [`TimedOut`](io::ErrorKind::TimedOut), which ends the connection. A client that asks
//! and never reads the answer holds its connection no longer than that.

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::time::Sleep;

/// `inner`, whose writes fail once they have waited `timeout` for the other side.
pub(crate) struct SendTimeout<T> {
    inner: T,
    timeout: Duration,
    /// The timer of the write that is waiting, if one is.
    waiting: Option<Pin<Box<Sleep>>>,
}

impl<T> SendTimeout<T> {
    /// `inner`, whose writes may wait at most `timeout`.
    pub(crate) fn new(inner: T, timeout: Duration) -> Self {
        Self {
            inner,
            timeout,
            waiting: None,
        }
    }

    /// The connection inside.
    pub(crate) fn into_inner(self) -> T {
        self.inner
    }

    /// `progress`, the outcome of a write or flush: ready ends the wait; pending starts
    /// or continues it, and fails once it has lasted the timeout.
    fn watch<R>(
        &mut self,
        cx: &mut Context<'_>,
        progress: Poll<io::Result<R>>,
    ) -> Poll<io::Result<R>> {
        if progress.is_ready() {
            self.waiting = None;
            return progress;
        }
        let timeout = self.timeout;
        let waiting = self
            .waiting
            .get_or_insert_with(|| Box::pin(tokio::time::sleep(timeout)));
        ready!(waiting.as_mut().poll(cx));
        self.waiting = None;
        Poll::Ready(Err(io::Error::new(
            io::ErrorKind::TimedOut,
            format!("the client took nothing for {} seconds", timeout.as_secs()),
        )))
    }
}

impl<T: AsyncRead + Unpin> AsyncRead for SendTimeout<T> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<T: AsyncWrite + Unpin> AsyncWrite for SendTimeout<T> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let progress = Pin::new(&mut self.inner).poll_write(cx, buf);
        self.watch(cx, progress)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let progress = Pin::new(&mut self.inner).poll_write_vectored(cx, bufs);
        self.watch(cx, progress)
    }

    fn is_write_vectored(&self) -> bool {
        self.inner.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let progress = Pin::new(&mut self.inner).poll_flush(cx);
        self.watch(cx, progress)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::AsyncWriteExt;
    use tokio::time::Instant;

    use super::*;

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_write_nobody_takes_fails_after_the_timeout() {
        runtime().block_on(async {
            // A pipe of 16 bytes whose other end never reads.
            let (writer, _reader) = tokio::io::duplex(16);
            let mut writer = SendTimeout::new(writer, Duration::from_secs(30));
            let started = Instant::now();
            let error = writer.write_all(&[0; 64]).await.expect_err("it times out");
            assert_eq!(error.kind(), io::ErrorKind::TimedOut);
            assert_eq!(error.to_string(), "the client took nothing for 30 seconds");
            // The paused clock jumps to the timer: exactly the timeout.
            assert_eq!(started.elapsed(), Duration::from_secs(30));
        });
    }

    #[test]
    fn a_write_that_is_taken_passes() {
        runtime().block_on(async {
            let (writer, mut reader) = tokio::io::duplex(16);
            let mut writer = SendTimeout::new(writer, Duration::from_secs(1));
            let reading = tokio::spawn(async move {
                let mut all = Vec::new();
                tokio::io::AsyncReadExt::read_to_end(&mut reader, &mut all)
                    .await
                    .unwrap();
                all
            });
            writer.write_all(&[7; 64]).await.expect("taken");
            writer.shutdown().await.unwrap();
            drop(writer);
            assert_eq!(reading.await.unwrap(), vec![7; 64]);
        });
    }
}
