//! The storage the engine runs on: the [`ResourceStore`] and [`TenantStore`] traits, and
//! an in-memory store of both.

mod forward;
mod memory;
pub(crate) mod support;

use std::future::Future;
use std::sync::Arc;

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
    /// The resource's JSON as stored: with `id`, `schemas` and `meta` (`created`,
    /// `lastModified`), without computed attributes (a user's `groups`), write-only ones
    /// (`password`) or what a response adds (`meta.location`, `meta.version`).
    pub resource: Resource,
    /// Values that must be unique among the tenant's resources of this type, already
    /// normalised by the engine (lower-cased where comparison ignores case).
    pub unique_keys: Vec<UniqueKey>,
    /// For groups: the ids of the members, so the store can answer
    /// [`ResourceStore::groups_with_member`] and drop memberships when a member is deleted.
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
    /// The value as compared: lower-cased for attributes that ignore case (`userName`,
    /// a group's `displayName`).
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
    /// A query for the resources that match `filter` (every resource when `None`), with
    /// the page `(offset, count)` when the engine leaves the order to the store.
    pub fn new(filter: Option<&'a Filter>, page: Option<(usize, usize)>) -> Self {
        Self { filter, page }
    }
}

/// What a list returned: which of three answers the store gives decides what the engine
/// still does with it.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ListPage {
    /// Every match of the filter (every resource when there is none), unpaged, in the
    /// store's default order: stable, by creation.
    Matches(Vec<StoredResource>),
    /// The requested page of the matches, in the store's default order, and how many
    /// matches there are in all.
    Page {
        /// The resources of the page.
        resources: Vec<StoredResource>,
        /// The number of all matches, on every page.
        total: usize,
    },
    /// A superset of the matches, in the store's default order: the engine evaluates the
    /// filter on each and pages the result.
    Candidates(Vec<StoredResource>),
}

impl ListPage {
    /// [`ListPage::Page`]: the page `resources` of `total` matches.
    pub fn page(resources: Vec<StoredResource>, total: usize) -> Self {
        Self::Page { resources, total }
    }

    /// The resources returned, whatever they stand for.
    pub fn resources(&self) -> &[StoredResource] {
        match self {
            Self::Matches(resources) | Self::Candidates(resources) => resources,
            Self::Page { resources, .. } => resources,
        }
    }

    /// The resources returned, by value.
    pub fn into_resources(self) -> Vec<StoredResource> {
        match self {
            Self::Matches(resources) | Self::Candidates(resources) => resources,
            Self::Page { resources, .. } => resources,
        }
    }

    /// Whether every resource returned matches the whole filter and no match is missing
    /// (from the page, when paged).
    pub fn is_filtered(&self) -> bool {
        !matches!(self, Self::Candidates(_))
    }

    /// Whether the store applied the requested page.
    pub fn is_paged(&self) -> bool {
        matches!(self, Self::Page { .. })
    }

    /// The number of all matches, when the store knows it: a page's total, or the
    /// number of matches returned; `None` for candidates.
    pub fn total(&self) -> Option<usize> {
        match self {
            Self::Page { total, .. } => Some(*total),
            Self::Matches(resources) => Some(resources.len()),
            Self::Candidates(_) => None,
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
        /// The attribute whose value is taken, such as `userName`.
        attribute: String,
        /// The value as compared (see [`UniqueKey::value`]).
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

/// Tenants and their API keys: what the engine's own key authentication and the tenant
/// administration ([`Engine::create_tenant`](crate::Engine::create_tenant),
/// [`Engine::issue_key`](crate::Engine::issue_key)) need. A host that authenticates
/// requests itself ([`Engine::authenticated_by`](crate::Engine::authenticated_by)) does
/// not implement it.
///
/// The futures are `Send` and need no particular runtime; an implementation over a
/// synchronous database may simply return ready futures.
pub trait TenantStore: Send + Sync {
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
}

/// The resources of every tenant: users, groups and any other resource type. Every
/// write is atomic, every operation is scoped to one tenant, and uniqueness is enforced
/// by the store itself, not by check-then-insert.
///
/// The futures are `Send` and need no particular runtime; an implementation over a
/// synchronous database may simply return ready futures. `scimitar-store-tests` is the
/// suite of behaviours every implementation must pass.
pub trait ResourceStore: Send + Sync {
    /// One resource, shared: a store that keeps resources in memory hands out its own
    /// copy, so that a read copies nothing.
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<StoredResource>>, StoreError>> + Send;

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
