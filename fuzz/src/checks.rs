//! The properties the fuzz targets check, one module per crate under test.
//!
//! Each crate's stable-toolchain replay test includes the one file it can compile with
//! `#[path]`: `scimitar-filter` cannot depend on `scimitar-schema`, nor
//! `scimitar-schema` on `scimitar-patch`, nor any of them on `scimitar-engine`, so the
//! parser checks, the resource checks, the PATCH checks and the engine checks live
//! apart.
//!
//! | module       | targets                 | replayed by                                          |
//! |--------------|-------------------------|------------------------------------------------------|
//! | [`filter`]   | `filter`, `patch_path`  | `crates/scimitar-filter/tests/it/fuzz_corpus.rs`     |
//! | [`resource`] | `resource_json`         | `crates/scimitar-schema/tests/it/fuzz_corpus.rs`     |
//! | [`patch`]    | `patch_body`            | `crates/scimitar-patch/tests/it/fuzz_corpus.rs`      |
//! | [`engine`]   | `engine_request`        | `crates/scimitar-engine/tests/it/fuzz_corpus.rs`     |

pub mod engine;
pub mod filter;
pub mod patch;
pub mod resource;
