//! Integration tests of scimitar-store-sqlite: the engine's store conformance suite, and
//! durability across reopening.

mod conformance;
mod durability;
