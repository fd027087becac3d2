//! [`SqliteStore::health`]: whether the store can serve, for a host's health check.

use std::future::Future;

use scimitar_engine::StoreError;

use crate::SqliteStore;
use crate::statements::optional_row;

impl SqliteStore {
    /// Whether the store can serve requests: its writer thread runs (and has no
    /// transaction it could not roll back), and a read of the database works. `Err`
    /// says why not, as [`StoreError::Unavailable`] (for instance "the database writer
    /// stopped"), for a host's `/healthz`.
    ///
    /// It takes no lock the writer holds, so it answers at once while writes are
    /// queued; its read runs on a reader thread, as any other.
    pub fn health(&self) -> impl Future<Output = Result<(), StoreError>> + Send + use<> {
        let writer = self.connections.writer.health();
        let read = writer.is_ok().then(|| {
            self.read(None, |connection| {
                optional_row(connection, "SELECT 1 FROM tenants LIMIT 1", [], |_| Ok(())).map(drop)
            })
        });
        async move {
            writer?;
            match read {
                Some(read) => read.await,
                None => Ok(()),
            }
        }
    }
}
