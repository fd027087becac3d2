//! Fuzz targets for Scimitar's parsers, resource handling, PATCH applier and request
//! handler, run with `cargo +nightly fuzz run <target>` (see `README.md`).
//!
//! The properties live in [`checks`], one file per crate under test, which uses only that
//! crate, its dependencies and `std`, so the crate's stable-toolchain test
//! (`crates/<crate>/tests/it/fuzz_corpus.rs`) can include the same file and replay the
//! committed corpus on every `cargo test`.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod checks;
