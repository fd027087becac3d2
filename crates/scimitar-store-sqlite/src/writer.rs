//! The writer thread: every write of the store runs there, and the writes that arrive
//! while a transaction commits are committed together in the next one (group commit).
//!
//! A commit costs more than most writes (the log frames of every page touched, the
//! transaction's start and end), so sharing it among the writes of all concurrent
//! requests multiplies what one SQLite file takes. Each write runs inside a savepoint of
//! the shared transaction: one that fails is rolled back alone, and a write is reported
//! done only once its transaction has committed.

use std::cell::Cell;
use std::ffi::c_int;
use std::future::Future;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll, Waker};
use std::thread::JoinHandle;

#[cfg(feature = "test-hooks")]
use pollster::block_on;
use rusqlite::Connection;
use scimitar_engine::StoreError;

use crate::statements::execute;
use crate::unavailable;

/// At most this many writes share a transaction, so that one commit stays short.
const MAX_BATCH: usize = 256;

/// The default of [`Writer::set_checkpoint_pages`]: 128 MiB of log.
pub(crate) const CHECKPOINT_PAGES: u32 = 32_768;

thread_local! {
    /// The log's length in pages after the writer thread's last commit, as SQLite tells
    /// its WAL hook (a plain function, so the value goes through the thread).
    static LOG_PAGES: Cell<i32> = const { Cell::new(0) };
}

fn note_log_pages(_: &rusqlite::hooks::Wal, pages: c_int) -> rusqlite::Result<()> {
    LOG_PAGES.set(pages);
    Ok(())
}

pub(crate) struct Writer {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    checkpointer: Option<Checkpointer>,
}

struct Shared {
    connection: Mutex<Connection>,
    queue: Mutex<Queue>,
    arrived: Condvar,
    checkpoints: Option<Arc<Signal>>,
    /// See [`Writer::set_checkpoint_pages`].
    checkpoint_pages: AtomicU32,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Box<dyn Job>>,
    closing: bool,
}

impl Writer {
    /// Starts the thread that writes through `connection`, and, given one, the thread
    /// that checkpoints through `checkpoints` (then the writer's own automatic
    /// checkpoints must be off).
    pub(crate) fn start(
        connection: Connection,
        checkpoints: Option<Connection>,
    ) -> Result<Self, StoreError> {
        let checkpointer = checkpoints.map(Checkpointer::start).transpose()?;
        let shared = Arc::new(Shared {
            connection: Mutex::new(connection),
            queue: Mutex::new(Queue::default()),
            arrived: Condvar::new(),
            checkpoint_pages: AtomicU32::new(CHECKPOINT_PAGES),
            checkpoints: checkpointer
                .as_ref()
                .map(|checkpointer| Arc::clone(&checkpointer.signal)),
        });
        let thread = std::thread::Builder::new()
            .name("scimitar-sqlite-writer".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || shared.run()
            })
            .map_err(unavailable)?;
        Ok(Self {
            shared,
            thread: Some(thread),
            checkpointer,
        })
    }

    /// The connection itself, between transactions: for migrations, re-indexing and the
    /// reads of a private in-memory database.
    pub(crate) fn connection(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.shared
            .connection
            .lock()
            .map_err(|_| StoreError::Unavailable("the writer's lock is poisoned".into()))
    }

    /// Once the write-ahead log holds `pages` more pages since the last checkpoint
    /// started, the checkpointer copies it into the database file. Rarer checkpoints copy
    /// a page written by many transactions once, and make the writer finish them (see
    /// [`Shared::run`]) less often; the log file grows to about that size.
    pub(crate) fn set_checkpoint_pages(&self, pages: u32) {
        self.shared
            .checkpoint_pages
            .store(pages.max(1), Ordering::Relaxed);
    }

    /// Waits until the checkpoints that the writes returned so far started have ended,
    /// the writer's part included (see [`Shared::run`]), so that the next write starts
    /// the log again from its beginning unless a reader still reads an older state. For
    /// tests (writes never wait for checkpoints): what the log holds must not depend on
    /// when the checkpointer thread ran.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn wait_for_checkpoints(&self) -> Result<(), StoreError> {
        let Some(checkpoints) = &self.shared.checkpoints else {
            return Ok(());
        };
        // The writer looks at the log after each commit, once the commit's writes have
        // returned, and before it takes the next writes: once a write queued now has
        // returned, the writer has started every checkpoint the earlier ones called for.
        let nothing = || block_on(self.submit(|_| Ok(())));
        nothing()?;
        checkpoints.wait_idle();
        // After the next commit the writer finishes what the checkpointer left, and it
        // is done with that once the commit after it has returned.
        nothing()?;
        nothing()
    }

    /// Queues `work` for the writer thread; the future gives its result once its
    /// transaction has committed (or the error that undid it).
    pub(crate) fn submit<T, F>(&self, work: F) -> Reply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let slot = Arc::new(Slot::default());
        let job = Box::new(Pending {
            work: Some(work),
            outcome: None,
            slot: Arc::clone(&slot),
        });
        match self.shared.queue.lock() {
            Ok(mut queue) if !queue.closing => {
                queue.jobs.push(job);
                self.shared.arrived.notify_one();
            }
            _ => slot.fill(Err(StoreError::Unavailable("the store is closed".into()))),
        }
        Reply(slot)
    }
}

impl Drop for Writer {
    /// Writes already queued are done before the thread ends.
    fn drop(&mut self) {
        self.shared
            .queue
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .closing = true;
        self.shared.arrived.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // Then the checkpointer, once nothing more can nudge it.
        drop(self.checkpointer.take());
    }
}

impl Shared {
    fn run(&self) {
        if self.checkpoints.is_some()
            && let Ok(connection) = self.connection.lock()
        {
            connection.wal_hook(Some(note_log_pages));
        }
        // The log's length when the last checkpoint started.
        let mut checkpointed_at = 0u32;
        loop {
            let mut jobs = {
                let mut queue = self.queue.lock().unwrap_or_else(PoisonError::into_inner);
                while queue.jobs.is_empty() && !queue.closing {
                    queue = self
                        .arrived
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                if queue.jobs.is_empty() {
                    return;
                }
                let take = queue.jobs.len().min(MAX_BATCH);
                queue.jobs.drain(..take).collect::<Vec<_>>()
            };
            let committed = match self.connection.lock() {
                Ok(mut connection) => commit_batch(&mut connection, &mut jobs),
                Err(_) => Err(StoreError::Unavailable(
                    "the writer's lock is poisoned".into(),
                )),
            };
            for job in jobs {
                job.finish(committed.as_ref().err());
            }
            if committed.is_ok()
                && let Some(checkpoints) = &self.checkpoints
            {
                let pages = u32::try_from(LOG_PAGES.get()).unwrap_or(0);
                if pages < checkpointed_at {
                    // The log started again from its beginning.
                    checkpointed_at = 0;
                }
                if pages - checkpointed_at >= self.checkpoint_pages.load(Ordering::Relaxed) {
                    checkpointed_at = pages;
                    checkpoints.raise();
                }
                // Once the checkpointer has copied the bulk of the log, the writer copies
                // the pages written since: only a checkpoint that ends between two
                // transactions lets the next one start the log again from its beginning,
                // which keeps the log file from growing without end.
                if checkpoints.caught_up.swap(false, Ordering::AcqRel)
                    && let Ok(connection) = self.connection.lock()
                {
                    let _ = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                }
            }
        }
    }
}

/// A flag the writer raises and the checkpointer waits for, and the checkpointer's
/// answer.
#[derive(Default)]
struct Signal {
    state: Mutex<SignalState>,
    changed: Condvar,
    /// Notified when a checkpoint ends, for [`Writer::wait_for_checkpoints`].
    ended: Condvar,
    /// A checkpoint has ended since the writer last looked.
    caught_up: AtomicBool,
}

#[derive(Default)]
struct SignalState {
    raised: bool,
    closing: bool,
    /// The checkpointer is copying the log.
    checkpointing: bool,
}

impl Signal {
    fn raise(&self) {
        self.state().raised = true;
        self.changed.notify_one();
    }

    fn close(&self) {
        self.state().closing = true;
        self.changed.notify_one();
        self.ended.notify_all();
    }

    fn state(&self) -> MutexGuard<'_, SignalState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Waits until raised (lowering it again, and noting that a checkpoint starts):
    /// false once closed.
    fn wait(&self) -> bool {
        let mut state = self.state();
        while !state.raised && !state.closing {
            state = self
                .changed
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
        state.raised = false;
        state.checkpointing = !state.closing;
        !state.closing
    }

    /// Tells the writer (and [`Signal::wait_idle`]) that a checkpoint has ended.
    fn end(&self) {
        self.caught_up.store(true, Ordering::Release);
        self.state().checkpointing = false;
        self.ended.notify_all();
    }

    /// Waits until no checkpoint is raised or running (or the checkpointer closes).
    #[cfg(feature = "test-hooks")]
    fn wait_idle(&self) {
        let mut state = self.state();
        while (state.raised || state.checkpointing) && !state.closing {
            state = self
                .ended
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }
}

/// The thread that copies the write-ahead log into the database file, so that the
/// writer never stops for it. Its checkpoints are passive: they copy what no reader
/// still needs, and never block a writer or a reader.
struct Checkpointer {
    signal: Arc<Signal>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    fn start(connection: Connection) -> Result<Self, StoreError> {
        let signal = Arc::new(Signal::default());
        let thread = std::thread::Builder::new()
            .name("scimitar-sqlite-checkpointer".into())
            .spawn({
                let signal = Arc::clone(&signal);
                move || {
                    while signal.wait() {
                        // A checkpoint that fails now is retried at the next signal, and
                        // the log stays valid meanwhile.
                        let _ = connection.execute_batch("PRAGMA wal_checkpoint(PASSIVE)");
                        signal.end();
                    }
                }
            })
            .map_err(unavailable)?;
        Ok(Self {
            signal,
            thread: Some(thread),
        })
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.signal.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Runs `jobs` in one transaction, each in a savepoint, and commits it.
fn commit_batch(connection: &mut Connection, jobs: &mut [Box<dyn Job>]) -> Result<(), StoreError> {
    let statement = |connection: &Connection, sql: &str| execute(connection, sql, []).map(drop);
    statement(connection, "BEGIN IMMEDIATE")?;
    let outcome = match jobs {
        // A write alone needs no savepoint: if it fails, the whole transaction goes (and
        // the write reports its own error).
        [job] => {
            if !job.run(connection) {
                return statement(connection, "ROLLBACK").or(Ok(()));
            }
            Ok(())
        }
        jobs => jobs.iter_mut().try_for_each(|job| {
            statement(connection, "SAVEPOINT job")?;
            if job.run(connection) {
                statement(connection, "RELEASE job")
            } else {
                statement(connection, "ROLLBACK TO job")?;
                statement(connection, "RELEASE job")
            }
        }),
    };
    match outcome.and_then(|()| statement(connection, "COMMIT")) {
        Ok(()) => Ok(()),
        Err(error) => {
            // Nothing of the batch stays; each write reports the failure.
            if !connection.is_autocommit() {
                let _ = statement(connection, "ROLLBACK");
            }
            Err(error)
        }
    }
}

/// A queued write, type-erased.
trait Job: Send {
    /// Runs the write; whether it succeeded (and its changes are to be kept).
    fn run(&mut self, connection: &Connection) -> bool;
    /// Hands over the result, once the transaction has ended (`failed` if it did not
    /// commit).
    fn finish(self: Box<Self>, failed: Option<&StoreError>);
}

struct Pending<T, F> {
    work: Option<F>,
    outcome: Option<Result<T, StoreError>>,
    slot: Arc<Slot<T>>,
}

impl<T, F> Job for Pending<T, F>
where
    T: Send,
    F: FnOnce(&Connection) -> Result<T, StoreError> + Send,
{
    fn run(&mut self, connection: &Connection) -> bool {
        let Some(work) = self.work.take() else {
            return false;
        };
        let outcome = catch_unwind(AssertUnwindSafe(|| work(connection)))
            .unwrap_or_else(|_| Err(StoreError::Unavailable("a write panicked".into())));
        let succeeded = outcome.is_ok();
        self.outcome = Some(outcome);
        succeeded
    }

    fn finish(self: Box<Self>, failed: Option<&StoreError>) {
        let outcome = match (self.outcome, failed) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(_)) | None, Some(error)) => Err(error.clone()),
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(StoreError::Unavailable("the write did not run".into())),
        };
        self.slot.fill(outcome);
    }
}

/// Where the writer thread leaves a result for the request waiting on it.
struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

/// The result once there, and the waker of the request waiting for it.
type SlotState<T> = (Option<Result<T, StoreError>>, Option<Waker>);

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new((None, None)),
        }
    }
}

impl<T> Slot<T> {
    fn fill(&self, outcome: Result<T, StoreError>) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            state.0 = Some(outcome);
            state.1.take()
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// The result of a queued write, ready once its transaction has ended.
pub(crate) struct Reply<T>(Arc<Slot<T>>);

impl<T> Future for Reply<T> {
    type Output = Result<T, StoreError>;

    fn poll(self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<Self::Output> {
        let mut state = self.0.state.lock().unwrap_or_else(PoisonError::into_inner);
        match state.0.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                state.1 = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}
