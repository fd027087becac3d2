#![doc = include_str!("../README.md")]
#![cfg_attr(docsrs, feature(doc_cfg))]

#[cfg(feature = "axum")]
pub mod axum;

/// Time as the engine and stores take it: `chrono`'s types, so that a host names no
/// other crate (key expiry: `Utc::now() + TimeDelta::days(90)`).
pub mod time {
    pub use chrono::{DateTime, TimeDelta, TimeZone, Utc};
}

// The crates under the facade, for what the flat list below leaves out.
pub use scimitar_engine as engine;
pub use scimitar_filter as filter;
pub use scimitar_patch as patch;
pub use scimitar_policy as policy;
pub use scimitar_schema as schema;
#[cfg(feature = "sqlite")]
pub use scimitar_store_sqlite as sqlite;

// The types of the public signatures, HTTP included.
pub use bytes::Bytes;
pub use http;
#[cfg(feature = "tower")]
pub use http_body_util::Full;
/// The JSON values resources and PATCH requests are read from.
pub use serde_json;

// The engine.
#[cfg(feature = "tower")]
pub use scimitar_engine::ScimService;
pub use scimitar_engine::{
    Account, AdminError, ApiKey, ApiKeys, AuthFailure, Authenticator, BoxFuture, Caller, Clock,
    Disposal, Engine, EngineConfig, HistoryQuery, HistoryStore, Host, HostChange, HostError,
    IdSource, IssuedKey, KeyHash, ListPage, ListQuery, ListRequest, ListResult, MemoryStore,
    Operations, Origin, Preconditions, Principal, ResourceStore, SCIM_JSON, StoreError,
    StoreFailure, StoredResource, Tenant, TenantId, TenantStore, UniqueKey,
};

// The provisioning policy and its history.
#[cfg(feature = "system")]
pub use scimitar_engine::{RandomSourceError, SystemClock, UuidIds};
pub use scimitar_policy::{
    Action, AttributeChange, DeleteRule, FieldChange, FieldKind, HistoryEntry, Lifecycle, Mapping,
    MappingError, Mappings, Policy,
};

// The model, filters and PATCH.
pub use scimitar_filter::{Filter, SortBy};
pub use scimitar_patch::{Compat, PatchLimits, PatchRequest};
pub use scimitar_schema::{Resource, ResourceType, Schema, SchemaRegistry, ScimError, ScimType};

// The durable store.
#[cfg(feature = "sqlite")]
pub use scimitar_store_sqlite::SqliteStore;
