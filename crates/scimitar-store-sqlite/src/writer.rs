//! The writer thread: every write of the store runs there, and the writes that arrive
//! while a transaction commits are committed together in the next one (group commit).
//!
//! A commit costs more than most writes (the log frames of every page touched, the
//! transaction's start and end), so sharing it among the writes of all concurrent
//! requests multiplies what one SQLite file takes. Each write runs inside a savepoint of
//! the shared transaction: one that fails is rolled back alone, and a write is reported
//! done only once its transaction has committed.
//!
//! Failures end here, never in a hang: a write queued to a writer thread that stopped
//! (it panicked, or the store closed) fails at once, and a transaction that a failed
//! `ROLLBACK` left open is rolled back before the next one begins.

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
    /// Notified when the writer thread stops.
    stopped: Condvar,
    checkpoints: Option<Arc<Signal>>,
    /// See [`Writer::set_checkpoint_pages`].
    checkpoint_pages: AtomicU32,
    /// A transaction stays open that `ROLLBACK` could not end: writes fail until one
    /// does.
    stuck: AtomicBool,
    #[cfg(feature = "test-hooks")]
    faults: Faults,
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Box<dyn Job>>,
    closing: bool,
    /// Why the writer thread stopped, once it has: every write fails at once with it.
    stopped: Option<String>,
}

/// What a writer thread that stopped says: the reason [`Writer::health`] gives.
const STOPPED: &str = "the database writer stopped";

/// What the writes say once a panic left the writer's connection to an unknown state.
const POISONED: &str = "the writer's lock is poisoned";

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
            stopped: Condvar::new(),
            checkpoint_pages: AtomicU32::new(CHECKPOINT_PAGES),
            checkpoints: checkpointer
                .as_ref()
                .map(|checkpointer| Arc::clone(&checkpointer.signal)),
            stuck: AtomicBool::new(false),
            #[cfg(feature = "test-hooks")]
            faults: Faults::default(),
        });
        let thread = std::thread::Builder::new()
            .name("scimitar-sqlite-writer".into())
            .spawn({
                let shared = Arc::clone(&shared);
                move || {
                    // Runs however the thread ends, a panic included.
                    let _stopping = Stopping(&shared);
                    shared.run();
                }
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
            .map_err(|_| StoreError::Unavailable(POISONED.into()))
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

    /// Whether writes can be done: `Err` with the reason when the writer thread has
    /// stopped, its connection's lock is poisoned (a panic while it was held), or a
    /// transaction stays open that could not be rolled back.
    pub(crate) fn health(&self) -> Result<(), StoreError> {
        if self.shared.queue().stopped.is_some() {
            return Err(StoreError::Unavailable(STOPPED.into()));
        }
        if self.shared.connection.is_poisoned() {
            return Err(StoreError::Unavailable(POISONED.into()));
        }
        if self.shared.stuck.load(Ordering::Acquire) {
            return Err(StoreError::Unavailable(
                "the database writer cannot roll back a transaction".into(),
            ));
        }
        Ok(())
    }

    /// Queues `work` for the writer thread; the future gives its result once its
    /// transaction has committed (or the error that undid it). If the thread has
    /// stopped, it gives [`StoreError::Unavailable`] at once.
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
        let mut queue = self.shared.queue();
        if let Some(why) = &queue.stopped {
            let why = why.clone();
            drop(queue);
            job.finish(Some(&StoreError::Unavailable(why)));
        } else if queue.closing {
            drop(queue);
            job.finish(Some(&StoreError::Unavailable("the store is closed".into())));
        } else {
            queue.jobs.push(job);
            self.shared.arrived.notify_one();
        }
        Reply(slot)
    }
}

/// Test-only hooks: faults the writer meets on demand.
#[cfg(feature = "test-hooks")]
impl Writer {
    /// Makes the writer thread panic when it next takes writes (before it takes them),
    /// and waits until it has stopped.
    pub(crate) fn kill(&self) {
        self.shared.faults.kill.store(true, Ordering::Release);
        // Something to take, so that the thread wakes up.
        drop(self.submit(|_| Ok(())));
        let mut queue = self.shared.queue();
        while queue.stopped.is_none() {
            queue = self
                .shared
                .stopped
                .wait(queue)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    /// Makes the next `count` statements on the writer's connection fail (SQLite
    /// interrupts them), whichever statements they are.
    pub(crate) fn fail_statements(&self, count: u32) -> Result<(), StoreError> {
        let remaining = Arc::clone(&self.shared.faults.statements);
        remaining.store(count, Ordering::Release);
        // Called between the instructions of every statement: the first call of each
        // statement decides, as an interrupted statement is not called again.
        let handler = move || {
            remaining
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
        };
        self.connection()?.progress_handler(1, Some(handler));
        Ok(())
    }

    /// Takes one of the faults [`Self::fail_statements`] armed, for a read of a database
    /// in memory: its budget's progress handler replaces the fault's while it runs, so
    /// the read fails here instead, as SQLite would have failed its first statement.
    pub(crate) fn take_statement_fault(&self) -> Result<(), StoreError> {
        let taken = self
            .shared
            .faults
            .statements
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        if taken {
            return Err(StoreError::Unavailable("interrupted".into()));
        }
        Ok(())
    }

    /// Makes the writer's next `count` `ROLLBACK`s (of a savepoint or of a transaction)
    /// fail without running, as if SQLite had refused them.
    pub(crate) fn fail_rollbacks(&self, count: u32) {
        self.shared.faults.rollbacks.store(count, Ordering::Release);
    }
}

/// The faults armed by the test hooks.
#[cfg(feature = "test-hooks")]
#[derive(Default)]
struct Faults {
    kill: AtomicBool,
    statements: Arc<AtomicU32>,
    rollbacks: AtomicU32,
}

/// Marks the writer thread stopped when it ends, however it ends, and fails the writes
/// still queued.
struct Stopping<'a>(&'a Shared);

impl Drop for Stopping<'_> {
    fn drop(&mut self) {
        let shared = self.0;
        let (why, jobs) = {
            let mut queue = shared.queue();
            let why = if queue.closing && !std::thread::panicking() {
                "the store is closed"
            } else {
                STOPPED
            };
            queue.stopped = Some(why.to_owned());
            (why, std::mem::take(&mut queue.jobs))
        };
        let error = StoreError::Unavailable(why.into());
        for job in jobs {
            job.finish(Some(&error));
        }
        shared.stopped.notify_all();
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
    fn queue(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }

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
                let mut queue = self.queue();
                while queue.jobs.is_empty() && !queue.closing {
                    queue = self
                        .arrived
                        .wait(queue)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                #[cfg(feature = "test-hooks")]
                if self.faults.kill.load(Ordering::Acquire) {
                    drop(queue);
                    panic!("the writer thread was killed by a test hook");
                }
                if queue.jobs.is_empty() {
                    return;
                }
                let take = queue.jobs.len().min(MAX_BATCH);
                queue.jobs.drain(..take).collect::<Vec<_>>()
            };
            let committed = match self.connection.lock() {
                Ok(mut connection) => self.commit_batch(&mut connection, &mut jobs),
                Err(_) => Err(StoreError::Unavailable(POISONED.into())),
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

impl Shared {
    /// Runs `jobs` in one transaction, each in a savepoint, and commits it.
    fn commit_batch(
        &self,
        connection: &mut Connection,
        jobs: &mut [Box<dyn Job>],
    ) -> Result<(), StoreError> {
        // A transaction left open would make this BEGIN, and every one after it, fail.
        self.end_transaction(connection)?;
        let outcome = self
            .statement(connection, "BEGIN IMMEDIATE")
            .and_then(|()| self.run_jobs(connection, jobs))
            .and_then(|()| self.statement(connection, "COMMIT"));
        if outcome.is_err() {
            // Nothing of the batch stays; each write reports the failure. One that
            // cannot be rolled back now is rolled back before the next batch.
            let _ = self.end_transaction(connection);
        }
        outcome
    }

    fn run_jobs(
        &self,
        connection: &Connection,
        jobs: &mut [Box<dyn Job>],
    ) -> Result<(), StoreError> {
        match jobs {
            // A write alone needs no savepoint: if it fails, the whole transaction goes
            // (and the write reports its own error).
            [job] => {
                if job.run(connection) {
                    Ok(())
                } else {
                    self.end_transaction(connection)
                }
            }
            jobs => jobs.iter_mut().try_for_each(|job| {
                self.statement(connection, "SAVEPOINT job")?;
                if !job.run(connection) {
                    // A savepoint a failed statement took with it fails the batch.
                    self.statement(connection, "ROLLBACK TO job")?;
                }
                self.statement(connection, "RELEASE job")
            }),
        }
    }

    /// Rolls back the transaction open on `connection`, if any: `Err` if one stays open.
    fn end_transaction(&self, connection: &Connection) -> Result<(), StoreError> {
        if connection.is_autocommit() {
            self.stuck.store(false, Ordering::Release);
            return Ok(());
        }
        let rolled_back = self.statement(connection, "ROLLBACK");
        // A failed statement may have ended the transaction itself.
        let still_open = !connection.is_autocommit();
        self.stuck.store(still_open, Ordering::Release);
        match rolled_back {
            Err(error) if still_open => Err(StoreError::Unavailable(format!(
                "a transaction could not be rolled back: {error}"
            ))),
            _ if still_open => Err(StoreError::Unavailable(
                "a transaction stayed open after ROLLBACK".into(),
            )),
            _ => Ok(()),
        }
    }

    /// Runs one of the writer's own statements (`BEGIN`, `SAVEPOINT`, `COMMIT`, ...).
    fn statement(&self, connection: &Connection, sql: &str) -> Result<(), StoreError> {
        #[cfg(feature = "test-hooks")]
        if sql.starts_with("ROLLBACK")
            && self
                .faults
                .rollbacks
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |left| {
                    left.checked_sub(1)
                })
                .is_ok()
        {
            return Err(StoreError::Unavailable(format!(
                "{sql} failed (injected by a test hook)"
            )));
        }
        execute(connection, sql, []).map(drop)
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

    fn finish(mut self: Box<Self>, failed: Option<&StoreError>) {
        let outcome = match (self.outcome.take(), failed) {
            (Some(Err(error)), _) => Err(error),
            (Some(Ok(_)) | None, Some(error)) => Err(error.clone()),
            (Some(Ok(value)), None) => Ok(value),
            (None, None) => Err(StoreError::Unavailable("the write did not run".into())),
        };
        self.slot.fill(outcome);
    }
}

impl<T, F> Drop for Pending<T, F> {
    /// A write dropped unfinished (its thread panicked) still answers.
    fn drop(&mut self) {
        self.slot.fill(Err(StoreError::Unavailable(format!(
            "{STOPPED} before the write ended"
        ))));
    }
}

/// Where the writer thread leaves a result for the request waiting on it.
struct Slot<T> {
    state: Mutex<SlotState<T>>,
}

/// The result once there, and the waker of the request waiting for it.
struct SlotState<T> {
    outcome: Option<Result<T, StoreError>>,
    waker: Option<Waker>,
    /// Whether a result was given (the first one given is the result).
    filled: bool,
}

impl<T> Default for Slot<T> {
    fn default() -> Self {
        Self {
            state: Mutex::new(SlotState {
                outcome: None,
                waker: None,
                filled: false,
            }),
        }
    }
}

impl<T> Slot<T> {
    /// Gives the result, unless one was given already.
    fn fill(&self, outcome: Result<T, StoreError>) {
        let waker = {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if state.filled {
                return;
            }
            state.filled = true;
            state.outcome = Some(outcome);
            state.waker.take()
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
        match state.outcome.take() {
            Some(outcome) => Poll::Ready(outcome),
            None => {
                state.waker = Some(context.waker().clone());
                Poll::Pending
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A write dropped before it finished (as when the writer thread panics with it in
    /// hand) answers instead of leaving its request waiting forever.
    #[test]
    fn a_write_dropped_unfinished_answers() {
        let slot = Arc::new(Slot::<u8>::default());
        let job: Box<dyn Job> = Box::new(Pending {
            work: Some(|_: &Connection| Ok(1)),
            outcome: None,
            slot: Arc::clone(&slot),
        });
        drop(job);
        let Err(StoreError::Unavailable(why)) = pollster::block_on(Reply(slot)) else {
            panic!("an unfinished write fails");
        };
        assert!(why.starts_with(STOPPED), "{why}");
    }

    #[test]
    fn the_first_result_given_is_the_result() {
        let slot = Arc::new(Slot::default());
        slot.fill(Ok(1));
        slot.fill(Ok(2));
        assert_eq!(pollster::block_on(Reply(slot)), Ok(1));
    }
}
