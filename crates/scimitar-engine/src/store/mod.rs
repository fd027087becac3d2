//! The storage the engine runs on: the [`Store`] trait, and an in-memory store.

#[doc(hidden)]
pub mod conformance;
mod memory;
pub mod support;

use std::future::Future;

use chrono::{DateTime, Utc};

use scimitar_filter::Filter;
use scimitar_schema::Resource;

use crate::tenant::{ApiKey, KeyHash, Tenant, TenantId};

pub use memory::MemoryStore;

/// A resource as stored: its JSON (with `id`, `schemas` and `meta`, without computed
/// attributes such as a user's `groups`) and what the store must know of it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct StoredResource {
    /// The resource's `id`.
    pub id: String,
    /// Its resource type's name (`User`, `Group`).
    pub resource_type: String,
    /// Incremented by every write; the ETag is `W/"<version>"`.
    pub version: u64,
    /// The resource.
    pub resource: Resource,
    /// Values that must be unique among the tenant's resources of this type, already
    /// normalised by the engine (lower-cased where comparison ignores case).
    pub unique_keys: Vec<UniqueKey>,
    /// For groups: the ids of the members, so the store can answer
    /// [`Store::groups_with_member`] and drop memberships when a member is deleted.
    pub members: Vec<String>,
}

impl StoredResource {
    /// A resource at version 1.
    pub fn new(
        id: impl Into<String>,
        resource_type: impl Into<String>,
        resource: Resource,
    ) -> Self {
        Self {
            id: id.into(),
            resource_type: resource_type.into(),
            version: 1,
            resource,
            unique_keys: Vec::new(),
            members: Vec::new(),
        }
    }
}

/// A value that must be unique per tenant and resource type: `userName` of users,
/// `displayName` of groups.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct UniqueKey {
    /// The attribute, such as `userName`.
    pub attribute: String,
    /// The normalised value.
    pub value: String,
}

/// What a list asks of the store. The store may use the filter (for an index lookup)
/// and say how much of it it evaluated; the engine evaluates the rest.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ListQuery<'a> {
    /// The filter, if any.
    pub filter: Option<&'a Filter>,
    /// The page (0-based start, count) when the engine needs no other order than the
    /// store's default one; `None` when it will sort or filter itself.
    pub page: Option<(usize, usize)>,
}

impl<'a> ListQuery<'a> {
    /// A query.
    pub fn new(filter: Option<&'a Filter>, page: Option<(usize, usize)>) -> Self {
        Self { filter, page }
    }
}

/// What a list returned.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct ListPage {
    /// The resources, in the store's default order: stable, by creation.
    pub resources: Vec<StoredResource>,
    /// Whether every resource returned matches the whole filter and every match was
    /// returned (else the engine filters them).
    pub filtered: bool,
    /// Whether the requested page was applied (only when also `filtered`); then
    /// `total` counts all matches.
    pub paged: bool,
    /// The number of matches when `paged` (and when `filtered`, the length of
    /// `resources`); 0 otherwise.
    pub total: usize,
}

impl ListPage {
    /// Every match of the filter (every resource when there is none), unpaged.
    pub fn filtered(resources: Vec<StoredResource>) -> Self {
        let total = resources.len();
        Self {
            resources,
            filtered: true,
            paged: false,
            total,
        }
    }

    /// The requested page of the matches, and how many matches there are in all.
    pub fn paged(resources: Vec<StoredResource>, total: usize) -> Self {
        Self {
            resources,
            filtered: true,
            paged: true,
            total,
        }
    }

    /// Candidates that include every match, for the engine to filter.
    pub fn candidates(resources: Vec<StoredResource>) -> Self {
        Self {
            resources,
            ..Self::default()
        }
    }
}

/// Why a store operation failed. The engine maps each to a SCIM error; a store never
/// leaks its own errors to clients.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// No such resource (or tenant, or key).
    #[error("not found")]
    NotFound,
    /// A compare-and-swap lost: the resource is at another version.
    #[error("the resource changed: it is at version {current}")]
    VersionMismatch {
        /// The version now stored.
        current: u64,
    },
    /// A unique value is taken.
    #[error("{attribute} {value:?} is already taken")]
    Conflict {
        /// The attribute.
        attribute: String,
        /// The value.
        value: String,
    },
    /// A group lists a member that is not a resource of the tenant (checked inside the
    /// write, so a concurrent delete cannot leave a dangling member).
    #[error("member {id:?} does not exist")]
    UnknownMember {
        /// The member's id.
        id: String,
    },
    /// A record with this id or name exists already.
    #[error("already exists")]
    AlreadyExists,
    /// The store failed; the detail is for logs, not clients.
    #[error("store unavailable: {0}")]
    Unavailable(String),
}

/// Storage for tenants, keys and resources. Every write is atomic, every resource
/// operation is scoped to one tenant, and uniqueness is enforced by the store itself,
/// not by check-then-insert.
///
/// The futures are `Send` and need no particular runtime; an implementation over a
/// synchronous database may simply return ready futures.
pub trait Store: Send + Sync {
    /// Adds a tenant; its id and name must be new ([`StoreError::AlreadyExists`]).
    fn create_tenant(&self, tenant: Tenant) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The tenant with `id`.
    fn tenant(
        &self,
        id: &TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    /// The tenant called `name`.
    fn tenant_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    /// Every tenant, by name.
    fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send;

    /// Adds a key: [`StoreError::NotFound`] if its tenant does not exist,
    /// [`StoreError::AlreadyExists`] if its id or hash is taken.
    fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The key whose secret hashes to `hash`, revoked or not.
    fn key_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send;

    /// The keys of a tenant, in the order they were added.
    fn keys(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send;

    /// Revokes the key `id` at `at` (a second revocation keeps the first time);
    /// [`StoreError::NotFound`] if there is none.
    fn revoke_key(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One resource.
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send;

    /// Resources of a type, for a list or a search.
    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send;

    /// Adds a resource, checking its id, unique keys and members atomically.
    fn create(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Replaces a resource if it is still at `expected_version` (compare-and-swap),
    /// checking its unique keys and members; `resource.version` is the new version.
    fn replace(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
        expected_version: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes a resource (if at `expected_version`, when given) and, atomically, its
    /// membership in every group: each such group loses the `members` elements whose
    /// `value` is `id`, gets the next version and `meta.lastModified` = `at` (RFC 3339).
    /// Returns the ids of those groups.
    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// The groups that list `member_id` among their members, as `(id, displayName)`.
    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send;

    /// The resource type of each of the tenant's resources `ids`, in order (`None` for an
    /// id that is not one): how the engine checks new group members, a hundred at a time
    /// in an identity provider's PATCH, without reading them.
    fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send;
}
