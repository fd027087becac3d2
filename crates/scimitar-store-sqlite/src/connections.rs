//! The store's connections: one writer, and a pool of reader threads beside it.
//!
//! SQLite in WAL mode lets readers run while a transaction writes, each reader on its
//! own connection seeing the last committed state. So lookups, which are half of an
//! identity provider's traffic, never queue behind a large write.

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags};
use scimitar_engine::StoreError;

use crate::budget;
use crate::readers::{Lane, ReadReply, Readers, in_read_transaction};
use crate::unavailable;
use crate::writer::{Reply, Writer};

/// Settings of every connection. A 16 MiB page cache spares the system calls that would
/// read the same hot index pages again and again (a larger one costs more to reset at
/// each commit than it saves).
const SETTINGS: &str = "PRAGMA busy_timeout = 5000; PRAGMA foreign_keys = ON; \
     PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY;";
/// `synchronous = NORMAL` keeps a committed write through a crash of the process (not
/// of the machine) without an fsync per commit. `journal_size_limit` gives back the
/// space of a log that grew past 256 MiB (twice what starts a checkpoint, see
/// `writer.rs`) once it starts again from its beginning.
const WRITER_SETTINGS: &str = "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
     PRAGMA journal_size_limit = 268435456;";

/// How many statements each connection keeps compiled: compiling costs more than running.
const STATEMENT_CACHE: usize = 128;

/// The default of [`Connections::set_read_budget`]: long enough for any list an
/// identity provider pages through, short enough that a client gets its answer (and a
/// thread is back) well before an identity provider's own timeout.
pub(crate) const READ_BUDGET: Duration = Duration::from_secs(5);

/// At most this many connections for lookups stay open while idle; more are opened when
/// more lookups run at once, and closed when they are done.
const IDLE_LOOKUPS: usize = 8;

pub(crate) struct Connections {
    /// The reader threads of a file; `None` for a private in-memory database, whose only
    /// connection is the writer. Declared (so dropped) before the writer: the last
    /// connection to close copies the log into the file and deletes it, which a reader
    /// cannot do.
    readers: Option<Readers>,
    /// The idle connections of [`Connections::look_up`], and where they connect (`None`
    /// in memory). Dropped before the writer, as the readers are.
    lookups: Mutex<Vec<Connection>>,
    path: Option<PathBuf>,
    /// See [`Connections::set_read_budget`].
    read_budget: Duration,
    pub(crate) writer: Writer,
}

impl Connections {
    /// Opens the writer on `path` (creating the file), or a private in-memory database.
    pub(crate) fn open(path: Option<&Path>) -> Result<Self, StoreError> {
        if let Some(path) = path {
            create_private(path)?;
        }
        let writer = match path {
            Some(path) => Connection::open(path),
            None => Connection::open_in_memory(),
        }
        .map_err(unavailable)?;
        writer
            .execute_batch(WRITER_SETTINGS)
            .and_then(|()| writer.execute_batch(SETTINGS))
            .map_err(unavailable)?;
        writer.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
        // A file's log is checkpointed by a thread of its own, not by the writer.
        let checkpoints = match path {
            Some(path) => {
                let connection = Connection::open(path).map_err(unavailable)?;
                connection.execute_batch(SETTINGS).map_err(unavailable)?;
                writer
                    .execute_batch("PRAGMA wal_autocheckpoint = 0")
                    .map_err(unavailable)?;
                Some(connection)
            }
            None => None,
        };
        Ok(Self {
            readers: path.map(|path| Readers::new(path.to_path_buf())),
            lookups: Mutex::new(Vec::new()),
            path: path.map(Path::to_path_buf),
            read_budget: READ_BUDGET,
            writer: Writer::start(writer, checkpoints)?,
        })
    }

    /// The writer's connection between transactions, for migrations and re-indexing.
    pub(crate) fn writer(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.writer.connection()
    }

    /// See [`Writer::set_checkpoint_pages`].
    pub(crate) fn set_checkpoint_pages(&self, pages: u32) {
        self.writer.set_checkpoint_pages(pages);
    }

    /// See [`Writer::wait_for_checkpoints`].
    #[cfg(feature = "test-hooks")]
    pub(crate) fn wait_for_checkpoints(&self) -> Result<(), StoreError> {
        self.writer.wait_for_checkpoints()
    }

    /// Queues `work` for the writer thread (see [`Writer::submit`]).
    pub(crate) fn write<T, F>(&self, work: F) -> Reply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.writer.submit(work)
    }

    /// Interrupts each read once it has run for `budget` (see `budget.rs`). Default:
    /// [`READ_BUDGET`].
    pub(crate) fn set_read_budget(&mut self, budget: Duration) {
        self.read_budget = budget;
    }

    /// Runs at most `threads` reads at once (see [`Readers::set_threads`]); no effect on
    /// a database in memory.
    pub(crate) fn set_readers(&self, threads: usize) {
        if let Some(readers) = &self.readers {
            readers.set_threads(threads);
        }
    }

    /// How many reads run now, on the reader threads.
    #[cfg(feature = "test-hooks")]
    pub(crate) fn reads_running(&self) -> usize {
        self.readers.as_ref().map_or(0, Readers::running)
    }

    /// Runs `work` in one read transaction, so that its statements see one state, on a
    /// reader thread (`lane` says whose read it is, for the tenants' fair share) within
    /// the read budget. The future gives the answer; dropping it interrupts the read.
    pub(crate) fn read<T, F>(&self, lane: Lane, work: F) -> ReadReply<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        match &self.readers {
            Some(readers) => readers.submit(lane, self.read_budget, work),
            None => ReadReply::ready(self.look_up(work)),
        }
    }

    /// Runs `work`, a lookup by key whose cost no request controls (a key, a tenant, a
    /// resource by id), in one read transaction on the calling thread, within the read
    /// budget: handing it to a reader thread and back would cost more than the lookup.
    /// The one connection of a database in memory reads this way too, between writes.
    pub(crate) fn look_up<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let never = Arc::new(AtomicBool::new(false));
        let Some(path) = &self.path else {
            let writer = self.writer()?;
            #[cfg(feature = "test-hooks")]
            self.writer.take_statement_fault()?;
            return budget::within(&writer, self.read_budget, &never, work);
        };
        let idle = || self.lookups.lock().unwrap_or_else(PoisonError::into_inner);
        let connection = match idle().pop() {
            Some(connection) => connection,
            None => open_reader(path)?,
        };
        let (outcome, ended) = in_read_transaction(&connection, self.read_budget, &never, work);
        // A connection whose transaction would not end is not used again.
        if ended {
            let mut idle = idle();
            if idle.len() < IDLE_LOOKUPS {
                idle.push(connection);
            }
        }
        outcome
    }
}

/// Creates the database file, if there is none, readable and writable by its owner
/// only: it holds the API keys' hashes and everyone's personal data. SQLite gives its
/// log and shared-memory files the database's permissions. An existing file keeps its
/// own.
fn create_private(path: &Path) -> Result<(), StoreError> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    match options.open(path) {
        Ok(_) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(error) => Err(StoreError::Unavailable(format!(
            "cannot create the database file {}: {error}",
            path.display()
        ))),
    }
}

/// A read-only connection to the database at `path`, for a reader thread.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let connection = Connection::open_with_flags(path, flags).map_err(unavailable)?;
    connection.execute_batch(SETTINGS).map_err(unavailable)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}
