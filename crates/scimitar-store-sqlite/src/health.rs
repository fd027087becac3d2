//! [`SqliteStore::health`]: whether the store can serve, for a host's health check.

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
    /// queued.
    pub fn health(&self) -> Result<(), StoreError> {
        self.connections.writer.health()?;
        self.read(|connection| {
            optional_row(connection, "SELECT 1 FROM tenants LIMIT 1", [], |_| Ok(())).map(drop)
        })
    }
}
