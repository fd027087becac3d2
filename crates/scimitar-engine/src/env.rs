//! What the engine does not do itself: read the clock and make random identifiers. The
//! host injects both, so that tests control them.

use chrono::{DateTime, Utc};

/// The current time.
pub trait Clock: Send + Sync {
    /// Now.
    fn now(&self) -> DateTime<Utc>;
}

/// New identifiers and secrets.
pub trait IdSource: Send + Sync {
    /// A new, unique resource or tenant identifier, such as a UUID.
    fn new_id(&self) -> String;

    /// A new API key secret: at least 128 bits from a cryptographically secure source,
    /// URL-safe.
    fn new_secret(&self) -> String;
}

impl<F: Fn() -> DateTime<Utc> + Send + Sync> Clock for F {
    fn now(&self) -> DateTime<Utc> {
        self()
    }
}
