//! A request body with a deadline: one that has not arrived whole by then fails with
//! an [`io::Error`] of kind [`TimedOut`](io::ErrorKind::TimedOut), which the engine's
//! service answers with `408` (and `Connection: close`). A client that trickles its
//! body, a byte a second, holds its connection no longer than that.

use std::error::Error;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use http_body::{Body, Frame, SizeHint};
use tokio::time::{Instant, Sleep};

/// `inner`, which must have arrived whole within the timeout it was made with.
pub(crate) struct TimedBody<B> {
    inner: B,
    deadline: Instant,
    timeout: Duration,
    /// The timer, made at the first wait: a body that is there at once needs none.
    sleep: Option<Pin<Box<Sleep>>>,
}

impl<B> TimedBody<B> {
    /// `inner`, to arrive whole within `timeout` from now.
    pub(crate) fn new(inner: B, timeout: Duration) -> Self {
        Self {
            inner,
            deadline: Instant::now() + timeout,
            timeout,
            sleep: None,
        }
    }

    /// The error of a body that came too late.
    fn too_late(&self) -> io::Error {
        io::Error::new(
            io::ErrorKind::TimedOut,
            format!(
                "it did not arrive whole within {} seconds",
                self.timeout.as_secs()
            ),
        )
    }
}

impl<B> Body for TimedBody<B>
where
    B: Body + Unpin,
    B::Error: Into<Box<dyn Error + Send + Sync>>,
{
    type Data = B::Data;
    type Error = Box<dyn Error + Send + Sync>;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        if let Poll::Ready(frame) = Pin::new(&mut self.inner).poll_frame(cx) {
            return Poll::Ready(frame.map(|frame| frame.map_err(Into::into)));
        }
        let deadline = self.deadline;
        let sleep = self
            .sleep
            .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
        match sleep.as_mut().poll(cx) {
            Poll::Ready(()) => Poll::Ready(Some(Err(self.too_late().into()))),
            Poll::Pending => Poll::Pending,
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use std::convert::Infallible;

    use super::*;

    /// A body whose first frame is there and whose second never comes.
    struct Stalled(bool);

    impl Body for Stalled {
        type Data = &'static [u8];
        type Error = Infallible;

        fn poll_frame(
            mut self: Pin<&mut Self>,
            _: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Self::Data>, Infallible>>> {
            if self.0 {
                return Poll::Pending;
            }
            self.0 = true;
            Poll::Ready(Some(Ok(Frame::data(b"{".as_slice()))))
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_stalled_body_fails_at_its_deadline() {
        runtime().block_on(async {
            let started = Instant::now();
            let mut body = TimedBody::new(Stalled(false), Duration::from_secs(30));
            let first = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
            assert!(first.is_some_and(|frame| frame.is_ok()));
            let error = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))
                .await
                .expect("an error, not the end")
                .expect_err("the body is late");
            // The paused clock jumps to the timer: exactly the deadline.
            assert_eq!(started.elapsed(), Duration::from_secs(30));
            let error = error.downcast::<io::Error>().expect("an io::Error");
            assert_eq!(error.kind(), io::ErrorKind::TimedOut);
            assert_eq!(
                error.to_string(),
                "it did not arrive whole within 30 seconds"
            );
        });
    }

    #[test]
    fn a_body_that_is_there_passes_unchanged() {
        runtime().block_on(async {
            let body = TimedBody::new(String::from("{}"), Duration::ZERO);
            assert_eq!(body.size_hint().exact(), Some(2));
            let mut body = body;
            let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx))
                .await
                .unwrap()
                .unwrap();
            assert_eq!(frame.into_data().unwrap(), "{}");
            assert!(body.is_end_stream());
        });
    }
}
