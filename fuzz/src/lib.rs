//! Fuzz targets for Scimitar's parsers, run with `cargo +nightly fuzz run <target>`
//! (see `README.md`).
//!
//! The properties live in [`checks`], which uses only `scimitar_filter` and `std`, so the
//! stable-toolchain test `crates/scimitar-filter/tests/it/fuzz_corpus.rs` can include the
//! same file and replay the committed corpus on every `cargo test`.

#![forbid(unsafe_code)]
#![warn(missing_docs, unreachable_pub)]

pub mod checks;
