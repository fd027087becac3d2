//! What the engine leaves to its host, the system clock and random ids, come from
//! `scimitar-engine`'s `system` feature; a random source that fails at start is the
//! command's failure.

pub(crate) use scimitar_engine::{SystemClock, UuidIds};

use scimitar_engine::RandomSourceError;

use crate::failure::Failure;

impl From<RandomSourceError> for Failure {
    fn from(error: RandomSourceError) -> Self {
        Failure::unavailable(format!("no random source: {error}"))
    }
}
