//! The reader threads: each read of a database file runs on one of them, in a read
//! transaction on the thread's own read-only connection, within the store's time budget
//! (see `budget.rs`).
//!
//! The store's methods only queue a read and return a future, so no async worker thread
//! (of whatever executor) ever waits for SQLite; dropping the future interrupts the read,
//! or keeps it from starting. Which waiting read a free thread takes is the
//! [`Scheduler`]'s fair share between tenants.

use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::Duration;

use futures_channel::oneshot;
use rusqlite::Connection;
use scimitar_engine::{StoreError, TenantId};

use crate::budget;
use crate::connections::open_reader;
use crate::schedule::Scheduler;
use crate::statements::execute;
use crate::unavailable;

/// Whose read it is, for the fair share: a tenant, or `None` for the store-wide lookups
/// (tenants, and keys by their hash).
pub(crate) type Lane = Option<TenantId>;

/// The default of [`Readers::set_threads`].
pub(crate) const THREADS: usize = 8;

/// The stack of a reader thread: a filter of a thousand terms is translated to SQL, and
/// compiled by SQLite, by recursion as deep, which overflows the 2 MiB a thread gets by
/// default in a debug build (only the pages used are ever allocated).
const STACK: usize = 16 * 1024 * 1024;

/// The reader threads of a database file, and the reads waiting for them.
pub(crate) struct Readers {
    shared: Arc<Shared>,
    /// The threads started so far: as many as the scheduler lets run at once, started at
    /// the first read (a store that is only written to needs none).
    threads: Mutex<Vec<JoinHandle<()>>>,
}

struct Shared {
    path: PathBuf,
    state: Mutex<State>,
    /// Notified when a read is queued, and when the pool closes.
    arrived: Condvar,
}

struct State {
    scheduler: Scheduler<Lane, Box<dyn Job>>,
    closing: bool,
}

impl Readers {
    /// A pool of read-only connections to the database at `path`.
    pub(crate) fn new(path: PathBuf) -> Self {
        Self {
            shared: Arc::new(Shared {
                path,
                state: Mutex::new(State {
                    scheduler: Scheduler::new(THREADS),
                    closing: false,
                }),
                arrived: Condvar::new(),
            }),
            threads: Mutex::new(Vec::new()),
        }
    }

    /// Runs at most `threads` reads at once (at least one), one tenant's on all but one
    /// of them. Default: [`THREADS`].
    pub(crate) fn set_threads(&self, threads: usize) {
        self.shared.state().scheduler.set_threads(threads);
    }

    /// How many reads run now.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn running(&self) -> usize {
        self.shared.state().scheduler.running()
    }

    /// Queues `work` in `lane`; a reader thread runs it in one read transaction, within
    /// `budget`.
    pub(crate) fn submit<T, F>(&self, lane: Lane, budget: Duration, work: F) -> ReadReply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, sender) = ReadReply::pair();
        let job = Box::new(Pending {
            work,
            budget,
            abandoned: Arc::clone(&reply.abandoned),
            sender,
        });
        let threads = {
            let mut state = self.shared.state();
            if state.closing {
                // The job goes, and with it the answer: the reply says the store closed.
                return reply;
            }
            state.scheduler.push(lane, job);
            self.shared.arrived.notify_one();
            state.scheduler.threads()
        };
        self.start_threads(threads);
        reply
    }

    /// Starts threads until there are `count`. A pool left without any fails the reads
    /// waiting for one.
    fn start_threads(&self, count: usize) {
        let mut threads = self.threads.lock().unwrap_or_else(PoisonError::into_inner);
        while threads.len() < count {
            let shared = Arc::clone(&self.shared);
            match std::thread::Builder::new()
                .name("scimitar-sqlite-reader".into())
                .stack_size(STACK)
                .spawn(move || shared.serve())
            {
                Ok(thread) => threads.push(thread),
                Err(_) if threads.is_empty() => {
                    let waiting = self.shared.state().scheduler.drain();
                    drop(waiting);
                    return;
                }
                // The threads there are serve the reads.
                Err(_) => return,
            }
        }
    }
}

impl Drop for Readers {
    /// Reads already running end (within their budget); those still waiting fail.
    fn drop(&mut self) {
        let waiting = {
            let mut state = self.shared.state();
            state.closing = true;
            state.scheduler.drain()
        };
        drop(waiting);
        self.shared.arrived.notify_all();
        let threads = std::mem::take(
            self.threads
                .get_mut()
                .unwrap_or_else(PoisonError::into_inner),
        );
        for thread in threads {
            let _ = thread.join();
        }
    }
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A reader thread: takes the reads the scheduler gives until the pool closes, on a
    /// connection of its own, opened at its first read and again after one that would
    /// not end its transaction.
    fn serve(&self) {
        let mut connection: Option<Connection> = None;
        while let Some((lane, job)) = self.next() {
            if !job.abandoned() {
                let open = match connection.take() {
                    Some(open) => Ok(open),
                    None => open_reader(&self.path),
                };
                match open {
                    Ok(open) => {
                        if job.run(&open) {
                            connection = Some(open);
                        }
                    }
                    Err(error) => job.fail(error),
                }
            }
            self.state().scheduler.finish(&lane);
        }
    }

    /// The next read this thread runs; `None` once the pool closes.
    fn next(&self) -> Option<(Lane, Box<dyn Job>)> {
        let mut state = self.state();
        loop {
            if state.closing {
                return None;
            }
            if let Some(next) = state.scheduler.start() {
                return Some(next);
            }
            state = self
                .arrived
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// A queued read, type-erased.
trait Job: Send {
    /// Whether nobody waits for the answer any more.
    fn abandoned(&self) -> bool;
    /// Runs the read in a transaction on `connection` and hands over the answer; whether
    /// the transaction ended, so that the connection can be used again.
    fn run(self: Box<Self>, connection: &Connection) -> bool;
    /// Hands over `error` instead of running the read.
    fn fail(self: Box<Self>, error: StoreError);
}

struct Pending<T, F> {
    work: F,
    budget: Duration,
    abandoned: Arc<AtomicBool>,
    sender: oneshot::Sender<Result<T, StoreError>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn abandoned(&self) -> bool {
        self.abandoned.load(Ordering::Acquire)
    }

    fn run(self: Box<Self>, connection: &Connection) -> bool {
        let Self {
            work,
            budget,
            abandoned,
            sender,
        } = *self;
        let (outcome, ended) = in_read_transaction(connection, budget, &abandoned, work);
        let _ = sender.send(outcome);
        ended
    }

    fn fail(self: Box<Self>, error: StoreError) {
        let _ = self.sender.send(Err(error));
    }
}

/// Runs `work` in one read transaction on `connection`, within `budget` (and until
/// `abandoned`); its outcome, and whether the transaction ended, so that the connection
/// can serve another read.
pub(crate) fn in_read_transaction<T>(
    connection: &Connection,
    budget: Duration,
    abandoned: &Arc<AtomicBool>,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> (Result<T, StoreError>, bool) {
    let outcome = execute(connection, "BEGIN", []).and_then(|_| {
        catch_unwind(AssertUnwindSafe(|| {
            budget::within(connection, budget, abandoned, work)
        }))
        .unwrap_or_else(|_| Err(StoreError::Unavailable("a read panicked".into())))
    });
    // A read has nothing to commit: ending it only lets go of its snapshot (SQLite ends
    // it itself when it interrupts a statement).
    let ended = connection.is_autocommit() || execute(connection, "ROLLBACK", []).is_ok();
    (outcome, ended)
}

/// The answer of a read, once a reader thread has run it. Dropping it interrupts the
/// read (or keeps it from starting).
pub(crate) struct ReadReply<T> {
    receiver: oneshot::Receiver<Result<T, StoreError>>,
    abandoned: Arc<AtomicBool>,
}

impl<T> ReadReply<T> {
    fn pair() -> (Self, oneshot::Sender<Result<T, StoreError>>) {
        let (sender, receiver) = oneshot::channel();
        let reply = Self {
            receiver,
            abandoned: Arc::new(AtomicBool::new(false)),
        };
        (reply, sender)
    }

    /// A reply that is ready with `outcome`.
    pub(crate) fn ready(outcome: Result<T, StoreError>) -> Self {
        let (reply, sender) = Self::pair();
        let _ = sender.send(outcome);
        reply
    }
}

impl<T> Future for ReadReply<T> {
    type Output = Result<T, StoreError>;

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        Pin::new(&mut self.receiver).poll(context).map(|answer| {
            answer.unwrap_or_else(|oneshot::Canceled| {
                Err(unavailable(
                    "the read was dropped unanswered: the store closed, or no reader thread \
                     could start",
                ))
            })
        })
    }
}

impl<T> Drop for ReadReply<T> {
    fn drop(&mut self) {
        self.abandoned.store(true, Ordering::Release);
    }
}
