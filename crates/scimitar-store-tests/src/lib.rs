//! The behaviour every store of `scimitar-engine` must have, as checks that a store's own
//! tests run: ours (`MemoryStore`, `scimitar-store-sqlite`) and any third party's.
//!
//! - [`run_all`]: every check, for a store of the three traits ([`ResourceStore`],
//!   [`TenantStore`] and [`HistoryStore`]).
//! - [`run_resources`]: the resource checks, which need a [`ResourceStore`] only, for a
//!   store that accepts any [`TenantId`]; [`run_resources_with`] for one whose tenants
//!   must be set up first.
//! - [`run_history`]: the history checks, which need a [`ResourceStore`] and a
//!   [`HistoryStore`]; [`run_history_with`] for a store whose tenants must be set up
//!   first.
//! - [`run_tenants`]: the tenant and key checks, which need a [`TenantStore`] only.
//! - Each check on its own ([`create_and_get`], [`paging`], [`keys`], …), for a store
//!   that runs them as separate tests.
//!
//! Each check is an `async fn` over the store's own futures and panics with a message
//! naming the broken rule. The caller drives it: `pollster::block_on` is enough for a
//! store whose futures need no runtime; a store over an async driver awaits the checks in
//! its runtime's test (`#[tokio::test] async fn`).
//!
//! The checks keep to tenants and keys of their own (named `conformance-…`), so they may
//! each get a new store, or share one that holds nothing of that name yet: the `run_*`
//! functions call `make` once per check, and `|| &store` shares `store` (a reference to a
//! store is a store). Global unique keys, which span every tenant of a store, appear in
//! one check only ([`global_uniqueness`]), so they cannot clash between checks either.
//!
//! What it does not check: behaviour under concurrent writes, durability across a
//! restart, and speed. Those depend on how a store is built; its own tests cover them.
//!
//! [`ResourceStore`]: scimitar_engine::ResourceStore
//! [`TenantStore`]: scimitar_engine::TenantStore
//! [`HistoryStore`]: scimitar_engine::HistoryStore
//! [`TenantId`]: scimitar_engine::TenantId
//!
//! # Quick start
//!
//! In the store's crate, with `scimitar-store-tests` and `pollster` among the
//! `[dev-dependencies]`, one test runs the whole suite (here on `MemoryStore`; a store of
//! resources only calls [`run_resources`] instead):
//!
//! ```
//! use scimitar_engine::MemoryStore;
//!
//! #[test]
//! fn passes_the_store_tests() {
//!     pollster::block_on(scimitar_store_tests::run_all(MemoryStore::new));
//! }
//! # pollster::block_on(scimitar_store_tests::run_all(MemoryStore::new));
//! ```
//!
//! A store that is costly to open runs every check on one store instead:
//!
//! ```
//! # use scimitar_engine::MemoryStore;
//! let store = MemoryStore::new();
//! pollster::block_on(scimitar_store_tests::run_all(|| &store));
//! ```

// The quick start shows the `#[test]` a store writes; its hidden last line runs the body.
#![allow(clippy::test_attr_in_doctest)]

mod fixtures;
mod global;
mod history;
mod isolation;
mod keys;
mod lists;
mod look_alike;
mod members;
mod pending;
mod run;
mod tenants;
mod unmanaged;
mod writes;

pub use global::global_uniqueness;
pub use history::{
    failed_writes_append_nothing, history_numbering, history_pruning, history_queries,
};
pub use isolation::tenant_isolation;
pub use keys::keys;
pub use lists::{index_lookups_agree_with_scan, list_order, paging, sorted_pages};
pub use look_alike::look_alike_names;
pub use members::{delete_cascades_membership, groups_with_member};
pub use pending::pending_managers;
pub use run::{
    run_all, run_history, run_history_with, run_resources, run_resources_with, run_tenants,
};
pub use tenants::tenants;
pub use unmanaged::{pick_up_removes_the_account, unlink_keeps_an_account, unmanaged_accounts};
pub use writes::{create_and_get, replace_compare_and_swap, uniqueness};
