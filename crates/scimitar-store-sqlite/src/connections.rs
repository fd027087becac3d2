//! The store's connections: one writer, and a pool of readers beside it.
//!
//! SQLite in WAL mode lets readers run while a transaction writes, each reader on its
//! own connection seeing the last committed state. So lookups, which are half of an
//! identity provider's traffic, never queue behind a large write.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use rusqlite::{Connection, OpenFlags};
use scimitar_engine::StoreError;

use crate::statements::execute;
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

/// At most this many reader connections stay open while idle; more are opened when more
/// reads run at once, and closed when they are done.
const IDLE_READERS: usize = 8;

pub(crate) struct Connections {
    /// The idle readers. Declared (so dropped) before the writer: the last connection to
    /// close copies the log into the file and deletes it, which a reader cannot do.
    idle: Mutex<Vec<Connection>>,
    /// Where readers connect; `None` for a private in-memory database, whose only
    /// connection is the writer.
    path: Option<PathBuf>,
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
            idle: Mutex::new(Vec::new()),
            path: path.map(Path::to_path_buf),
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

    /// Runs `work` in one read transaction, so that its statements see one state.
    pub(crate) fn read<T>(
        &self,
        work: impl FnOnce(&Connection) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let Some(path) = &self.path else {
            return work(&*self.writer()?);
        };
        let connection = match self.idle()?.pop() {
            Some(connection) => connection,
            None => open_reader(path)?,
        };
        execute(&connection, "BEGIN", [])?;
        let value = work(&connection);
        // A read has nothing to commit: ending it only lets go of its snapshot. A
        // connection whose transaction would not end is not used again.
        if execute(&connection, "ROLLBACK", []).is_ok() {
            let mut idle = self.idle()?;
            if idle.len() < IDLE_READERS {
                idle.push(connection);
            }
        }
        value
    }

    fn idle(&self) -> Result<MutexGuard<'_, Vec<Connection>>, StoreError> {
        self.idle
            .lock()
            .map_err(|_| StoreError::Unavailable("the reader pool lock is poisoned".into()))
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

fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_ONLY
        | OpenFlags::SQLITE_OPEN_NO_MUTEX
        | OpenFlags::SQLITE_OPEN_URI;
    let connection = Connection::open_with_flags(path, flags).map_err(unavailable)?;
    connection.execute_batch(SETTINGS).map_err(unavailable)?;
    connection.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(connection)
}
