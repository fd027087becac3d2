//! The storage the engine runs on: the [`ResourceStore`], [`TenantStore`] and
//! [`HistoryStore`] traits, and an in-memory store of all three.

mod forward;
mod memory;
pub(crate) mod support;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use scimitar_filter::{Filter, SortBy};
use scimitar_policy::{Action, HistoryEntry, Policy};
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
    /// For users: the manager reference that named no provisioned user when it arrived
    /// (folded by [`scimitar_policy::pending_key`]), so that the store can answer
    /// [`ResourceStore::awaiting_manager`] when that user is provisioned.
    pub pending_manager: Option<String>,
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
            pending_manager: None,
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
    /// Whether the value must also be unique among every tenant's resources of the
    /// type (global `userName` uniqueness), managed or unmanaged. Within a tenant, keys
    /// compare by attribute and value, global or not; across tenants, a global key
    /// clashes with the other tenants' global keys of the type and attribute.
    pub global: bool,
}

/// Where a created resource comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Origin {
    /// A new resource.
    New,
    /// The unmanaged account with the same type and id, which the create removes in the
    /// same transaction ([`StoreError::NotFound`] if it is gone).
    PickedUp,
}

/// What a delete leaves behind.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Disposal {
    /// Nothing.
    Delete,
    /// This unmanaged account (the resource, suspended), added in the same transaction
    /// so that a later create picks it up again. Its id and unique keys must be free
    /// but for the deleted resource's, as for [`ResourceStore::add_unmanaged`], or the
    /// delete fails whole.
    Unlink(StoredResource),
}

/// Which history entries a query asks for, oldest first unless
/// [`newest_first`](HistoryQuery::newest_first).
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct HistoryQuery {
    /// Only entries of this resource.
    pub resource_id: Option<String>,
    /// Only entries of this action.
    pub action: Option<Action>,
    /// Only entries at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Only entries whose `seq` is greater.
    pub after: Option<u64>,
    /// At most this many entries.
    pub limit: Option<usize>,
    /// Newest first (for reading), instead of oldest first (for consuming).
    pub newest_first: bool,
}

impl HistoryQuery {
    /// Every entry, oldest first.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only the entries of the resource `id`.
    pub fn resource(mut self, id: impl Into<String>) -> Self {
        self.resource_id = Some(id.into());
        self
    }

    /// Only the entries of `action`.
    pub fn action(mut self, action: Action) -> Self {
        self.action = Some(action);
        self
    }

    /// Only the entries at or after `time`.
    pub fn since(mut self, time: DateTime<Utc>) -> Self {
        self.since = Some(time);
        self
    }

    /// Only the entries after the sequence number `seq`.
    pub fn after(mut self, seq: u64) -> Self {
        self.after = Some(seq);
        self
    }

    /// At most `limit` entries.
    pub fn limit(mut self, limit: usize) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Newest first.
    pub fn newest_first(mut self) -> Self {
        self.newest_first = true;
        self
    }

    /// Whether `entry` passes every condition but the limit.
    pub fn matches(&self, entry: &HistoryEntry) -> bool {
        self.matches_parts(
            entry.seq,
            entry.time,
            entry.action,
            entry.resource_id.as_deref(),
        )
    }

    /// Whether an entry of number `seq`, time `time`, action `action` and resource
    /// `resource_id` passes every condition but the limit: for a store that keeps these
    /// apart from the rest of the entry.
    pub fn matches_parts(
        &self,
        seq: u64,
        time: DateTime<Utc>,
        action: Action,
        resource_id: Option<&str>,
    ) -> bool {
        self.resource_id
            .as_deref()
            .is_none_or(|id| resource_id == Some(id))
            && self.action.is_none_or(|wanted| action == wanted)
            && self.since.is_none_or(|since| time >= since)
            && self.after.is_none_or(|after| seq > after)
    }
}

/// What a list asks of the store. The store may use the filter (for an index lookup)
/// and say how much of it it evaluated; the engine evaluates the rest.
///
/// The contract of the answer ([`ListPage`]):
/// - [`ListPage::Page`] means the store applied the filter, the order and the page: the
///   resources are the page `(start, count)` of the matches, sorted by `sort_by` when
///   it is given (exactly as the engine sorts: see [`ListQuery::sort_by`]), else in the
///   store's default order; `total` counts every match.
/// - [`ListPage::Matches`] and [`ListPage::Candidates`] are always in the store's
///   default order, whatever `sort_by` says: the engine filters them (candidates), sorts
///   them and pages them itself. A store that cannot sort answers so.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ListQuery<'a> {
    /// The filter, if any.
    pub filter: Option<&'a Filter>,
    /// The page (0-based start, count) of the matches in the order asked for; `None`
    /// when the engine wants every match.
    pub page: Option<(usize, usize)>,
    /// The order, if not the store's default one (by creation): by this attribute's
    /// value as the engine compares them (RFC 7644 §3.4.2.3): a multi-valued
    /// attribute by its `primary` element, else its first; strings folded unless
    /// `caseExact`, `dateTime`s as instants, numbers and booleans by value, a value of
    /// another type than the schema's as missing; resources without a value last,
    /// whatever `descending` says, and ties in creation order.
    pub sort_by: Option<&'a SortBy>,
    /// Whether `sort_by` runs from high to low.
    pub descending: bool,
}

impl<'a> ListQuery<'a> {
    /// A query for the resources that match `filter` (every resource when `None`), with
    /// the page `(offset, count)` if the engine wants one, in the store's default order.
    pub fn new(filter: Option<&'a Filter>, page: Option<(usize, usize)>) -> Self {
        Self {
            filter,
            page,
            sort_by: None,
            descending: false,
        }
    }

    /// The same query, its page taken in the order of `sort_by` (from high to low when
    /// `descending`).
    pub fn sorted(mut self, sort_by: &'a SortBy, descending: bool) -> Self {
        self.sort_by = Some(sort_by);
        self.descending = descending;
        self
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
    /// The requested page of the matches, in the order asked for (see [`ListQuery`]),
    /// and how many matches there are in all.
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
    /// The request asks more than the store is willing to compute: a read ran past its
    /// time budget, or the database refused a query this large. Sending it again gives
    /// the same answer; the detail (which limit) is for logs, not clients.
    #[error("too expensive: {0}")]
    TooExpensive(String),
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

    /// Replaces the tenant's provisioning rules and mappings; [`StoreError::NotFound`]
    /// if there is no such tenant.
    fn set_policy(
        &self,
        tenant: &TenantId,
        policy: Policy,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

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

    /// Adds a resource, checking its id, unique keys and members, and appends `entry`
    /// to the tenant's history, all atomically. [`Origin::PickedUp`] also removes the
    /// unmanaged account it replaces. Returns the entry's sequence number.
    fn create(
        &self,
        tenant: &TenantId,
        resource: Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Replaces a resource if it is still at `expected_version` (compare-and-swap),
    /// checking its unique keys and members, and appends `entry` to the history, all
    /// atomically; `resource.version` is the new version. Returns the entry's sequence
    /// number.
    fn replace(
        &self,
        tenant: &TenantId,
        resource: Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Deletes a resource (if at `expected_version`, when given) and, atomically, its
    /// membership in every group: each such group loses the `members` elements whose
    /// `value` is `id`, gets the next version and `meta.lastModified` = `at` (RFC 3339).
    /// In the same transaction it keeps what `disposal` says and appends `entry` to the
    /// history. Returns the ids of those groups.
    #[allow(clippy::too_many_arguments)]
    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// Appends the entry of a refused write (which changed nothing) to the tenant's
    /// history. Returns its sequence number.
    fn record(
        &self,
        tenant: &TenantId,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// The users whose [`pending_manager`](StoredResource::pending_manager) is one of
    /// `keys`, in creation order.
    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Arc<StoredResource>>, StoreError>> + Send;

    /// Adds an unmanaged account: an account that existed before provisioning, not
    /// visible through SCIM until a create picks it up. Its id must be new among the
    /// tenant's resources and accounts ([`StoreError::AlreadyExists`]), its unique keys
    /// too ([`StoreError::Conflict`]).
    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The unmanaged account of `resource_type` that holds the unique key `key`
    /// (compared by attribute and value, as within a tenant).
    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send;

    /// The tenant's unmanaged accounts, in the order they were added.
    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send;

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

/// The change history, read: per tenant, by resource, action, time or after a sequence
/// number (an outbox for consumers in other processes), and pruned for retention.
/// Entries are written by [`ResourceStore`]'s writes, atomically with them.
pub trait HistoryStore: Send + Sync {
    /// The tenant's entries that `query` asks for.
    fn history(
        &self,
        tenant: &TenantId,
        query: &HistoryQuery,
    ) -> impl Future<Output = Result<Vec<HistoryEntry>, StoreError>> + Send;

    /// Removes the tenant's entries older than `before` (by their `time`, whatever
    /// their numbers); returns how many went. The sequence numbers of the entries left
    /// do not change, and are not given again.
    fn prune_history(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send;
}
