//! A sans-IO SCIM 2.0 service provider (RFC 7644): hand [`Engine::handle`] an
//! `http::Request<Bytes>`, send back the `http::Response<Bytes>` it returns.
//!
//! - Every endpoint: `/Users` and `/Groups` (GET, POST, PUT, PATCH, DELETE), lists with
//!   filter, sort, index and cursor pagination and projection, `/.search`, `/Bulk`, and
//!   discovery (`/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas`).
//! - Every endpoint is also a typed Rust call on [`Operations`] (create, get, replace,
//!   patch, delete, list, search): the HTTP handlers and `/Bulk` are thin over it.
//! - Tenants and API keys: each key identifies one tenant, keys are stored as hashes,
//!   may expire and are revoked at once; a host may plug in its own [`Authenticator`]
//!   instead, and then keeps no tenants or keys here
//!   ([`Engine::authenticated_by`]).
//! - Storage split by concern: a [`ResourceStore`] for users and groups, a
//!   [`TenantStore`] for tenants and keys, both implemented in memory by
//!   [`MemoryStore`]; writes are atomic compare-and-swaps, uniqueness is enforced by the
//!   store.
//! - Identity-provider profiles per tenant ([`Compat`](scimitar_patch::Compat)): the
//!   default accepts what Microsoft Entra ID and Okta send; output is always RFC 7644.
//!
//! No web framework, no async runtime, no clock, no randomness: the host injects a
//! [`Clock`] and an [`IdSource`].
//!
//! # Quick start
//!
//! ```
//! use bytes::Bytes;
//! use chrono::{TimeZone, Utc};
//! use scimitar_engine::{Engine, IdSource, MemoryStore};
//! use pollster::block_on;
//! use scimitar_patch::Compat;
//!
//! struct Counter(std::sync::atomic::AtomicU64);
//! impl IdSource for Counter {
//!     fn new_id(&self) -> String {
//!         format!("id-{}", self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
//!     }
//!     fn new_secret(&self) -> String {
//!         format!("not-random-{}", self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
//!     }
//! }
//!
//! let clock = || Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
//! let engine = Engine::new(MemoryStore::new(), clock, Counter(Default::default()));
//! let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT))?;
//! let key = block_on(engine.issue_key(&tenant.id, None))?;
//!
//! let request = http::Request::post("https://app.example.com/scim/v2/Users")
//!     .header("Authorization", format!("Bearer {}", key.secret))
//!     .header("Content-Type", "application/scim+json")
//!     .body(Bytes::from_static(br#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen"}"#))?;
//! let response = block_on(engine.handle(request));
//! assert_eq!(response.status(), 201);
//! assert_eq!(response.headers()["Location"], "https://app.example.com/scim/v2/Users/id-3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # In a web framework
//!
//! With the feature `tower`, `ScimService` is the engine as a `tower::Service` over any
//! HTTP body: it reads the body up to a limit (`413` as a SCIM error beyond it), hands
//! the request to [`Engine::handle`] and answers `http::Response<Full<Bytes>>`; it never
//! fails. `ScimService::new(engine)` serves requests with their full path (mount it at
//! the root or as a fallback); `.nested()` is for routers that strip the mount path,
//! such as axum's `Router::nest_service("/scim/v2", service)`. The `scimitar` crate has a
//! ready axum router.
//!
//! With the feature `system`, `SystemClock` and `UuidIds` are the clock and the ids of a
//! real deployment: the system time, UUIDs of version 7 and 256-bit secrets from the
//! operating system's random source.
//!
//! # Features
//!
//! - `tower`: `ScimService` (dependencies `tower-service`, `http-body`, `http-body-util`).
//! - `system`: `SystemClock`, `UuidIds` and `RandomSourceError` (dependencies `uuid`,
//!   `getrandom`, `base64`, and `chrono`'s `now`).
//!
//! Neither is on by default.

#![cfg_attr(docsrs, feature(doc_cfg))]

mod admin;
mod auth;
mod config;
mod engine;
mod env;
mod handlers;
mod host;
mod ops;
mod query;
mod response;
mod route;
#[cfg(feature = "tower")]
mod service;
mod store;
#[cfg(feature = "system")]
mod system;
mod tenant;

pub use admin::AdminError;
pub use auth::{ApiKeys, AuthFailure, Authenticator, BoxFuture, Principal};
pub use config::EngineConfig;
pub use engine::{Caller, Engine};
pub use env::{Clock, IdSource};
pub use host::{Account, Host, HostChange, HostError};
pub use ops::{ListRequest, ListResult, Operations, Preconditions};
pub use response::{SCIM_JSON, StoreFailure};
#[cfg(feature = "tower")]
pub use service::ScimService;
pub use store::{
    Disposal, HistoryQuery, HistoryStore, ListPage, ListQuery, MemoryStore, Origin, ResourceStore,
    StoreError, StoredResource, TenantStore, UniqueKey,
};
#[cfg(feature = "system")]
pub use system::{RandomSourceError, SystemClock, UuidIds};
pub use tenant::{ApiKey, IssuedKey, KeyHash, Tenant, TenantId};

/// Not API: what scimitar's own stores share with the engine (equality-index planning,
/// the member edit of a cascading delete). It may change in any release.
#[doc(hidden)]
pub mod __private {
    /// Helpers every store of this workspace computes the same way.
    pub mod store {
        pub use crate::store::support::{
            Indexed, Plan, drop_member, indexed_values, lookup, member_ids, plan,
        };
    }
}
