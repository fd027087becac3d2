//! [`MemoryStore`]: a store kept in the process's memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::future::{Future, ready};
use std::ops::Bound;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, RwLock};

use chrono::{DateTime, SecondsFormat, Utc};

use super::support::{Indexed, Plan, drop_member, indexed_values, plan};
use scimitar_policy::{HistoryEntry, Policy};

use super::{
    Disposal, HistoryQuery, HistoryStore, ListPage, ListQuery, Origin, ResourceStore, StoreError,
    StoredResource, TenantStore, UniqueKey,
};
use crate::tenant::{ApiKey, KeyHash, Tenant, TenantId};

/// A [`ResourceStore`], [`TenantStore`] and [`HistoryStore`] in memory: for tests,
/// examples and single-process hosts that need no durability. Everything is lost when it
/// is dropped. It takes any [`TenantId`] in the resource and history calls: a tenant
/// need not be created first.
///
/// Every operation does its work at once under a lock and returns a ready future, so it
/// runs under any executor (or none: poll it once). Tenants and keys sit behind one lock,
/// and each tenant's resources, unmanaged accounts and history behind a lock of their
/// own, so that writes to different tenants do not wait for each other. A write checks
/// everything first and changes nothing until every check has passed, so a failed write
/// leaves the tenant as it was and appends no history entry.
/// Of each tenant's history it keeps the newest entries, 10,000 unless
/// [`MemoryStore::with_history_limit`] says otherwise.
///
/// Per tenant and resource type it keeps the resources in creation order with lookup by
/// id, the [unique keys](StoredResource::unique_keys) (shared with the tenant's
/// unmanaged accounts, which are otherwise invisible to reads), which group lists which
/// member, which users await which [pending manager](StoredResource::pending_manager),
/// and equality indexes for the lookups identity providers make before each write:
/// `userName` (ignoring case) and `externalId` of users, `displayName` (ignoring case)
/// and `externalId` of groups. A [`list`](ResourceStore::list) whose filter is one such
/// `eq` comparison is answered from the index, filtered and paged; one whose filter is
/// an `and` with such a comparison among its terms returns the index's candidates for
/// the engine to filter; any other filter returns every resource of the type. A sorted
/// list is never paged here: it returns the matches in creation order, for the engine
/// to sort with its schemas.
///
/// [Global](UniqueKey::global) unique keys are held in one map for every tenant, behind
/// a mutex of its own. Only a write that adds or removes a global key takes it, and only
/// while it holds its tenant's lock. The lock order is: the map of tenants (held only
/// to find or add a tenant's lock, never while waiting for another), then a tenant's
/// lock, then the global keys' mutex; the tenants-and-keys lock is never held with any
/// other. Nothing waits for a tenant's lock while holding the global keys' mutex, so
/// writes to two tenants cannot deadlock.
#[derive(Default)]
pub struct MemoryStore {
    directory: RwLock<Directory>,
    spaces: RwLock<HashMap<TenantId, Arc<RwLock<Space>>>>,
    /// The holders of global unique keys: locked after a space, never before one.
    global: Mutex<GlobalKeys>,
    history_limit: HistoryLimit,
}

/// The most history entries a tenant keeps in memory.
#[derive(Clone, Copy, Debug)]
struct HistoryLimit(usize);

impl Default for HistoryLimit {
    fn default() -> Self {
        Self(MemoryStore::DEFAULT_HISTORY_LIMIT)
    }
}

impl MemoryStore {
    /// How many history entries a tenant keeps by default: the newest 10,000, enough
    /// for tests and development (a durable store keeps them all, until pruned).
    pub const DEFAULT_HISTORY_LIMIT: usize = 10_000;

    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps at most `entries` history entries per tenant, the newest: each write beyond
    /// drops the oldest, as [`HistoryStore::prune_history`] would, so that a long-lived
    /// process does not grow without bound. Sequence numbers go on from where they
    /// were. Default: [`MemoryStore::DEFAULT_HISTORY_LIMIT`].
    pub fn with_history_limit(mut self, entries: usize) -> Self {
        self.history_limit = HistoryLimit(entries);
        self
    }

    fn read_directory<T>(&self, f: impl FnOnce(&Directory) -> T) -> Result<T, StoreError> {
        Ok(f(&*self.directory.read().map_err(poisoned)?))
    }

    fn write_directory<T>(
        &self,
        f: impl FnOnce(&mut Directory) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        f(&mut *self.directory.write().map_err(poisoned)?)
    }

    fn space(&self, tenant: &TenantId) -> Result<Option<Arc<RwLock<Space>>>, StoreError> {
        Ok(self.spaces.read().map_err(poisoned)?.get(tenant).cloned())
    }

    /// Runs `f` on the tenant's resources (none yet, if it has no space).
    fn read_space<T>(
        &self,
        tenant: &TenantId,
        f: impl FnOnce(&Space) -> T,
    ) -> Result<T, StoreError> {
        match self.space(tenant)? {
            Some(space) => Ok(f(&*space.read().map_err(poisoned)?)),
            None => Ok(f(&Space::default())),
        }
    }

    /// Runs `f` on the tenant's resources, making their space if `create` and there is
    /// none; without `create`, a tenant without a space has no resource to change. `f`
    /// gets the global keys too, to lock while it holds the space.
    fn write_space<T>(
        &self,
        tenant: &TenantId,
        create: bool,
        f: impl FnOnce(&mut Space, &Globals<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let space = match self.space(tenant)? {
            Some(space) => space,
            None if create => {
                let mut spaces = self.spaces.write().map_err(poisoned)?;
                Arc::clone(spaces.entry(tenant.clone()).or_default())
            }
            None => return Err(StoreError::NotFound),
        };
        // The map of spaces is released: only this space's lock is held from here.
        let mut space = space.write().map_err(poisoned)?;
        let globals = Globals {
            keys: &self.global,
            tenant,
        };
        let result = f(&mut space, &globals);
        space.keep_latest_entries(self.history_limit.0);
        result
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tenants = self
            .directory
            .read()
            .map(|directory| directory.tenants.len());
        f.debug_struct("MemoryStore")
            .field("tenants", &tenants.ok())
            .finish_non_exhaustive()
    }
}

fn poisoned<T>(_: PoisonError<T>) -> StoreError {
    StoreError::Unavailable("a memory store lock is poisoned: a writer panicked".to_owned())
}

fn conflict(key: &UniqueKey) -> StoreError {
    StoreError::Conflict {
        attribute: key.attribute.clone(),
        value: key.value.clone(),
    }
}

impl TenantStore for MemoryStore {
    fn create_tenant(&self, tenant: Tenant) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write_directory(|directory| directory.create_tenant(tenant)))
    }

    fn tenant(
        &self,
        id: &TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        ready(self.read_directory(|directory| directory.tenants.get(id).cloned()))
    }

    fn tenant_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        ready(self.read_directory(|directory| {
            let id = directory.tenant_names.get(name)?;
            directory.tenants.get(id).cloned()
        }))
    }

    fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send {
        ready(self.read_directory(|directory| {
            directory
                .tenant_names
                .values()
                .filter_map(|id| directory.tenants.get(id).cloned())
                .collect()
        }))
    }

    fn set_policy(
        &self,
        tenant: &TenantId,
        policy: Policy,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write_directory(|directory| {
            let tenant = directory
                .tenants
                .get_mut(tenant)
                .ok_or(StoreError::NotFound)?;
            tenant.policy = policy;
            Ok(())
        }))
    }

    fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write_directory(|directory| directory.add_key(key)))
    }

    fn key_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send {
        ready(self.read_directory(|directory| {
            let id = directory.key_hashes.get(hash)?;
            directory.keys.get(id).cloned()
        }))
    }

    fn keys(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send {
        ready(self.read_directory(|directory| {
            directory
                .tenant_keys
                .get(tenant)
                .into_iter()
                .flatten()
                .filter_map(|id| directory.keys.get(id).cloned())
                .collect()
        }))
    }

    fn revoke_key(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write_directory(|directory| {
            let key = directory.keys.get_mut(id).ok_or(StoreError::NotFound)?;
            // Revoking again keeps the first revocation's time.
            key.revoked.get_or_insert(at);
            Ok(())
        }))
    }
}

impl HistoryStore for MemoryStore {
    fn history(
        &self,
        tenant: &TenantId,
        query: &HistoryQuery,
    ) -> impl Future<Output = Result<Vec<HistoryEntry>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| space.history(query)))
    }

    fn prune_history(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        let pruned = self.write_space(tenant, false, |space, _| {
            let count = space.history.len();
            space.history.retain(|_, entry| entry.time >= before);
            Ok(count - space.history.len())
        });
        // A tenant without a space has no history.
        ready(match pruned {
            Err(StoreError::NotFound) => Ok(0),
            pruned => pruned,
        })
    }
}

impl ResourceStore for MemoryStore {
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<StoredResource>>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| space.get(resource_type, id).cloned()))
    }

    fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| {
            ids.iter()
                .map(|id| {
                    space
                        .resources
                        .get(*id)
                        .map(|slot| slot.stored.resource_type.clone())
                })
                .collect()
        }))
    }

    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
        ready(self.read_space(tenant, |space| space.list(resource_type, query)))
    }

    fn create(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        ready(self.write_space(tenant, true, |space, globals| {
            space.create(globals, resource, origin, entry)
        }))
    }

    fn replace(
        &self,
        tenant: &TenantId,
        resource: std::sync::Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        ready(self.write_space(tenant, false, |space, globals| {
            space.replace(globals, resource, expected_version, entry)
        }))
    }

    fn delete(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        let target = Target {
            resource_type,
            id,
            expected_version,
        };
        ready(self.write_space(tenant, false, |space, globals| {
            space.delete(globals, target, at, disposal, entry)
        }))
    }

    fn record(
        &self,
        tenant: &TenantId,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        ready(self.write_space(tenant, true, |space, _| {
            let seq = space.next_entry()?;
            Ok(space.append(seq, entry))
        }))
    }

    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Arc<StoredResource>>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| space.awaiting_manager(keys)))
    }

    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        ready(self.write_space(tenant, true, |space, globals| {
            space.add_unmanaged(globals, account)
        }))
    }

    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| {
            space.find_unmanaged(resource_type, key).cloned()
        }))
    }

    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| {
            space
                .unmanaged_order
                .values()
                .filter_map(|id| space.unmanaged.get(id))
                .map(|account| account.stored.clone())
                .collect()
        }))
    }

    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        ready(self.read_space(tenant, |space| space.groups_with_member(member_id)))
    }
}

/// Tenants and keys.
#[derive(Default)]
struct Directory {
    tenants: HashMap<TenantId, Tenant>,
    /// Ordered, for [`TenantStore::tenants`].
    tenant_names: BTreeMap<String, TenantId>,
    keys: HashMap<String, ApiKey>,
    key_hashes: HashMap<KeyHash, String>,
    /// Each tenant's key ids, in the order they were added.
    tenant_keys: HashMap<TenantId, Vec<String>>,
}

impl Directory {
    fn create_tenant(&mut self, tenant: Tenant) -> Result<(), StoreError> {
        if self.tenants.contains_key(&tenant.id) || self.tenant_names.contains_key(&tenant.name) {
            return Err(StoreError::AlreadyExists);
        }
        self.tenant_names
            .insert(tenant.name.clone(), tenant.id.clone());
        self.tenants.insert(tenant.id.clone(), tenant);
        Ok(())
    }

    fn add_key(&mut self, key: ApiKey) -> Result<(), StoreError> {
        if !self.tenants.contains_key(&key.tenant) {
            return Err(StoreError::NotFound);
        }
        if self.keys.contains_key(&key.id) || self.key_hashes.contains_key(&key.hash) {
            return Err(StoreError::AlreadyExists);
        }
        self.key_hashes.insert(key.hash, key.id.clone());
        self.tenant_keys
            .entry(key.tenant.clone())
            .or_default()
            .push(key.id.clone());
        self.keys.insert(key.id.clone(), key);
        Ok(())
    }
}

/// One tenant's resources of every type, its unmanaged accounts and its history.
#[derive(Default)]
struct Space {
    /// The sequence number of the next resource created or account added: the order of
    /// creation (and of adding, for accounts).
    next_seq: u64,
    /// Every resource by id; ids are unique across types, and with the unmanaged
    /// accounts.
    resources: HashMap<String, Slot>,
    /// The indexes of each resource type.
    types: HashMap<String, TypeIndex>,
    /// Member id → the ids of the resources (groups) whose `members` list it.
    member_of: HashMap<String, BTreeSet<String>>,
    /// Pending manager key → the resources (users) awaiting it: creation sequence
    /// number → id.
    awaiting: HashMap<String, BTreeMap<u64, String>>,
    /// The unmanaged accounts by id: not resources, but holders of their ids and keys.
    unmanaged: HashMap<String, Account>,
    /// The unmanaged accounts in the order they were added: sequence number → id.
    unmanaged_order: BTreeMap<u64, String>,
    /// The history by sequence number.
    history: BTreeMap<u64, HistoryEntry>,
    /// The sequence number of the last entry appended (0: none yet). Pruning does not
    /// lower it, so numbers are never given twice.
    last_entry: u64,
}

struct Slot {
    seq: u64,
    /// Shared with the readers it was handed to; a write replaces it.
    stored: Arc<StoredResource>,
}

/// An unmanaged account.
struct Account {
    seq: u64,
    stored: StoredResource,
}

/// The resource a delete is about.
#[derive(Clone, Copy)]
struct Target<'a> {
    resource_type: &'a str,
    id: &'a str,
    expected_version: Option<u64>,
}

/// The indexes of one resource type in one tenant.
#[derive(Default)]
struct TypeIndex {
    /// Creation order of the resources: sequence number → id.
    order: BTreeMap<u64, String>,
    /// Who holds each unique key, a resource or an unmanaged account: attribute → value
    /// → id. [`UniqueKey::global`] plays no part here: a tenant's keys are unique in it
    /// whether or not they are global too.
    unique: HashMap<String, HashMap<String, String>>,
    /// Equality lookups of the resources: (attribute, normalised value) → the resources
    /// with that value, in creation order.
    eq: HashMap<(Indexed, String), BTreeMap<u64, String>>,
}

impl Space {
    fn get(&self, resource_type: &str, id: &str) -> Option<&Arc<StoredResource>> {
        self.resources
            .get(id)
            .map(|slot| &slot.stored)
            .filter(|stored| stored.resource_type == resource_type)
    }

    fn list(&self, resource_type: &str, query: ListQuery<'_>) -> ListPage {
        let empty = TypeIndex::default();
        let index = self.types.get(resource_type).unwrap_or(&empty);
        // Sorting needs the schemas, which the engine has: it sorts the matches itself.
        let page = query.page.filter(|_| query.sort_by.is_none());
        match plan(resource_type, query.filter) {
            Plan::Everything => self.page(&index.order, page),
            Plan::Exact(lookup) => match index.eq.get(&lookup) {
                Some(ids) => self.page(ids, page),
                None => self.page(&BTreeMap::new(), page),
            },
            Plan::Narrow(lookups) => {
                let no_match = BTreeMap::new();
                let smallest = lookups
                    .iter()
                    .map(|lookup| index.eq.get(lookup).unwrap_or(&no_match))
                    .min_by_key(|ids| ids.len())
                    .unwrap_or(&index.order);
                ListPage::Candidates(self.resolve(smallest.values()))
            }
            Plan::Scan => ListPage::Candidates(self.resolve(index.order.values())),
        }
    }

    /// Every match (`ids`, in creation order), or the requested page of them.
    fn page(&self, ids: &BTreeMap<u64, String>, page: Option<(usize, usize)>) -> ListPage {
        match page {
            Some((start, count)) => ListPage::Page {
                resources: self.resolve(ids.values().skip(start).take(count)),
                total: ids.len(),
            },
            None => ListPage::Matches(self.resolve(ids.values())),
        }
    }

    fn resolve<'a>(&self, ids: impl Iterator<Item = &'a String>) -> Vec<StoredResource> {
        ids.filter_map(|id| self.resources.get(id))
            .map(|slot| StoredResource::clone(&slot.stored))
            .collect()
    }

    /// The entries `query` asks for.
    fn history(&self, query: &HistoryQuery) -> Vec<HistoryEntry> {
        let start = query.after.map_or(Bound::Unbounded, Bound::Excluded);
        let entries = self.history.range((start, Bound::Unbounded));
        let limit = query.limit.unwrap_or(usize::MAX);
        let wanted = |entry: &&HistoryEntry| query.matches(entry);
        if query.newest_first {
            entries
                .rev()
                .map(|(_, entry)| entry)
                .filter(wanted)
                .take(limit)
                .cloned()
                .collect()
        } else {
            entries
                .map(|(_, entry)| entry)
                .filter(wanted)
                .take(limit)
                .cloned()
                .collect()
        }
    }

    /// The sequence number the next entry gets; checked before a write changes
    /// anything, so that running out of numbers fails the write whole.
    fn next_entry(&self) -> Result<u64, StoreError> {
        self.last_entry.checked_add(1).ok_or_else(|| {
            StoreError::Unavailable("the history's sequence numbers ran out".to_owned())
        })
    }

    /// Drops the oldest history entries beyond the newest `limit`.
    fn keep_latest_entries(&mut self, limit: usize) {
        while self.history.len() > limit {
            self.history.pop_first();
        }
    }

    /// Appends `entry` as number `seq` (from [`Space::next_entry`]).
    fn append(&mut self, seq: u64, mut entry: HistoryEntry) -> u64 {
        entry.seq = seq;
        self.history.insert(seq, entry);
        self.last_entry = seq;
        seq
    }

    fn take_seq(&mut self) -> u64 {
        let seq = self.next_seq;
        self.next_seq = self.next_seq.saturating_add(1);
        seq
    }

    /// Fails if a member of `resource` is not a resource of this tenant: checked inside
    /// the write, so a member deleted meanwhile cannot be left dangling.
    fn check_members(&self, resource: &StoredResource) -> Result<(), StoreError> {
        match resource
            .members
            .iter()
            .find(|member| !self.resources.contains_key(*member))
        {
            Some(member) => Err(StoreError::UnknownMember { id: member.clone() }),
            None => Ok(()),
        }
    }

    /// Fails if a unique key of `holder` (a resource or an account) is held by another
    /// than itself or `freed` (what the same write removes).
    fn check_keys(&self, holder: &StoredResource, freed: Option<&str>) -> Result<(), StoreError> {
        match self.types.get(&holder.resource_type) {
            Some(index) => index.check_unique(holder, freed),
            None => Ok(()),
        }
    }

    fn create(
        &mut self,
        globals: &Globals<'_>,
        resource: Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> Result<u64, StoreError> {
        if self.resources.contains_key(&resource.id) {
            return Err(StoreError::AlreadyExists);
        }
        let account = self.unmanaged.get(&resource.id);
        let account = match origin {
            Origin::New if account.is_some() => return Err(StoreError::AlreadyExists),
            Origin::New => None,
            Origin::PickedUp => Some(
                account
                    .filter(|account| account.stored.resource_type == resource.resource_type)
                    .ok_or(StoreError::NotFound)?,
            ),
        };
        self.check_members(&resource)?;
        // The account picked up holds its keys under the resource's id: they are free.
        self.check_keys(&resource, None)?;
        let seq = self.next_entry()?;
        let mut global = match account {
            Some(account) => globals.lock(&[&resource, &account.stored])?,
            None => globals.lock(&[&resource])?,
        };
        global.check(&resource, None)?;

        if origin == Origin::PickedUp
            && let Some(account) = self.remove_unmanaged(&resource.id)
        {
            global.remove(&account);
        }
        global.insert(&resource);
        self.insert_resource(resource);
        Ok(self.append(seq, entry))
    }

    fn replace(
        &mut self,
        globals: &Globals<'_>,
        resource: Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> Result<u64, StoreError> {
        self.check_members(&resource)?;
        let current = self
            .get(&resource.resource_type, &resource.id)
            .ok_or(StoreError::NotFound)?;
        if current.version != expected_version {
            return Err(StoreError::VersionMismatch {
                current: current.version,
            });
        }
        self.check_keys(&resource, None)?;
        let seq = self.next_entry()?;
        let mut global = globals.lock(&[&resource, current])?;
        global.check(&resource, None)?;

        let Some(slot) = self.resources.get_mut(&resource.id) else {
            return Err(StoreError::NotFound);
        };
        let index = self
            .types
            .entry(resource.resource_type.clone())
            .or_default();
        let old = std::mem::replace(&mut slot.stored, resource);
        index.remove(slot.seq, &old);
        index.insert(slot.seq, &slot.stored);
        unlink_members(&mut self.member_of, &old);
        link_members(&mut self.member_of, &slot.stored);
        stop_awaiting(&mut self.awaiting, slot.seq, &old);
        await_manager(&mut self.awaiting, slot.seq, &slot.stored);
        global.remove(&old);
        global.insert(&slot.stored);
        Ok(self.append(seq, entry))
    }

    fn delete(
        &mut self,
        globals: &Globals<'_>,
        target: Target<'_>,
        at: DateTime<Utc>,
        disposal: Disposal,
        entry: HistoryEntry,
    ) -> Result<Vec<String>, StoreError> {
        let id = target.id;
        let current = self
            .get(target.resource_type, id)
            .ok_or(StoreError::NotFound)?;
        if let Some(expected) = target.expected_version
            && current.version != expected
        {
            return Err(StoreError::VersionMismatch {
                current: current.version,
            });
        }
        let account = match disposal {
            Disposal::Delete => None,
            Disposal::Unlink(account) => Some(account),
        };
        if let Some(account) = &account {
            // The account may take the deleted resource's id and keys, nothing else's.
            if self.unmanaged.contains_key(&account.id)
                || (account.id != id && self.resources.contains_key(&account.id))
            {
                return Err(StoreError::AlreadyExists);
            }
            self.check_keys(account, Some(id))?;
        }
        let seq = self.next_entry()?;
        let mut global = match &account {
            Some(account) => globals.lock(&[current, account])?,
            None => globals.lock(&[current])?,
        };
        if let Some(account) = &account {
            global.check(account, Some(id))?;
        }

        let Some(removed) = self.remove_resource(id) else {
            return Err(StoreError::NotFound);
        };
        global.remove(&removed);
        // The groups that listed it lose it. Neither their unique keys nor their indexed
        // attributes change, so only the membership index needs updating, and that
        // entry goes as a whole.
        let at = at.to_rfc3339_opts(SecondsFormat::Millis, true);
        let mut changed = Vec::new();
        for group_id in self.member_of.remove(id).unwrap_or_default() {
            if let Some(group) = self.resources.get_mut(&group_id) {
                drop_member(Arc::make_mut(&mut group.stored), id, &at);
                changed.push(group_id);
            }
        }
        if let Some(account) = account {
            global.insert(&account);
            self.insert_unmanaged(account);
        }
        self.append(seq, entry);
        Ok(changed)
    }

    fn add_unmanaged(
        &mut self,
        globals: &Globals<'_>,
        account: StoredResource,
    ) -> Result<(), StoreError> {
        if self.resources.contains_key(&account.id) || self.unmanaged.contains_key(&account.id) {
            return Err(StoreError::AlreadyExists);
        }
        self.check_keys(&account, None)?;
        let mut global = globals.lock(&[&account])?;
        global.check(&account, None)?;
        global.insert(&account);
        self.insert_unmanaged(account);
        Ok(())
    }

    /// Adds a resource whose id and keys are known to be free.
    fn insert_resource(&mut self, resource: Arc<StoredResource>) {
        let seq = self.take_seq();
        self.types
            .entry(resource.resource_type.clone())
            .or_default()
            .insert(seq, &resource);
        link_members(&mut self.member_of, &resource);
        await_manager(&mut self.awaiting, seq, &resource);
        self.resources.insert(
            resource.id.clone(),
            Slot {
                seq,
                stored: resource,
            },
        );
    }

    /// Takes a resource out of every index but the groups that list it.
    fn remove_resource(&mut self, id: &str) -> Option<Arc<StoredResource>> {
        let Slot { seq, stored } = self.resources.remove(id)?;
        if let Some(index) = self.types.get_mut(&stored.resource_type) {
            index.remove(seq, &stored);
        }
        unlink_members(&mut self.member_of, &stored);
        stop_awaiting(&mut self.awaiting, seq, &stored);
        Some(stored)
    }

    /// Adds an account whose id and keys are known to be free.
    fn insert_unmanaged(&mut self, account: StoredResource) {
        let seq = self.take_seq();
        self.types
            .entry(account.resource_type.clone())
            .or_default()
            .insert_keys(&account);
        self.unmanaged_order.insert(seq, account.id.clone());
        self.unmanaged.insert(
            account.id.clone(),
            Account {
                seq,
                stored: account,
            },
        );
    }

    fn remove_unmanaged(&mut self, id: &str) -> Option<StoredResource> {
        let Account { seq, stored } = self.unmanaged.remove(id)?;
        self.unmanaged_order.remove(&seq);
        if let Some(index) = self.types.get_mut(&stored.resource_type) {
            index.remove_keys(&stored);
        }
        Some(stored)
    }

    fn find_unmanaged(&self, resource_type: &str, key: &UniqueKey) -> Option<&StoredResource> {
        let holder = self.types.get(resource_type)?.holder(key)?;
        self.unmanaged
            .get(holder)
            .map(|account| &account.stored)
            .filter(|account| account.resource_type == resource_type)
    }

    /// The resources awaiting any of `keys`, in creation order, each once.
    fn awaiting_manager(&self, keys: &[String]) -> Vec<Arc<StoredResource>> {
        let mut found: BTreeMap<u64, &String> = BTreeMap::new();
        for users in keys.iter().filter_map(|key| self.awaiting.get(key)) {
            found.extend(users.iter().map(|(seq, id)| (*seq, id)));
        }
        found
            .values()
            .filter_map(|id| self.resources.get(*id))
            .map(|slot| Arc::clone(&slot.stored))
            .collect()
    }

    fn groups_with_member(&self, member_id: &str) -> Vec<(String, String)> {
        self.member_of
            .get(member_id)
            .into_iter()
            .flatten()
            .filter_map(|group_id| self.resources.get(group_id))
            .map(|group| {
                let name = group
                    .stored
                    .resource
                    .get_str("displayName")
                    .unwrap_or_default();
                (group.stored.id.clone(), name.to_owned())
            })
            .collect()
    }
}

impl TypeIndex {
    fn holder(&self, key: &UniqueKey) -> Option<&String> {
        self.unique.get(&key.attribute)?.get(&key.value)
    }

    /// Fails if another than `holder` itself or `freed` holds one of `holder`'s unique
    /// keys.
    fn check_unique(&self, holder: &StoredResource, freed: Option<&str>) -> Result<(), StoreError> {
        let taken = holder.unique_keys.iter().find(|key| {
            self.holder(key)
                .is_some_and(|other| *other != holder.id && Some(other.as_str()) != freed)
        });
        match taken {
            Some(key) => Err(conflict(key)),
            None => Ok(()),
        }
    }

    fn insert_keys(&mut self, holder: &StoredResource) {
        for key in &holder.unique_keys {
            self.unique
                .entry(key.attribute.clone())
                .or_default()
                .insert(key.value.clone(), holder.id.clone());
        }
    }

    fn remove_keys(&mut self, holder: &StoredResource) {
        for key in &holder.unique_keys {
            if let Some(values) = self.unique.get_mut(&key.attribute) {
                if values.get(&key.value) == Some(&holder.id) {
                    values.remove(&key.value);
                }
                if values.is_empty() {
                    self.unique.remove(&key.attribute);
                }
            }
        }
    }

    fn insert(&mut self, seq: u64, resource: &StoredResource) {
        self.order.insert(seq, resource.id.clone());
        self.insert_keys(resource);
        for entry in indexed_values(&resource.resource_type, &resource.resource) {
            self.eq
                .entry(entry)
                .or_default()
                .insert(seq, resource.id.clone());
        }
    }

    fn remove(&mut self, seq: u64, resource: &StoredResource) {
        self.order.remove(&seq);
        self.remove_keys(resource);
        for entry in indexed_values(&resource.resource_type, &resource.resource) {
            if let Some(ids) = self.eq.get_mut(&entry) {
                ids.remove(&seq);
                if ids.is_empty() {
                    self.eq.remove(&entry);
                }
            }
        }
    }
}

fn link_members(member_of: &mut HashMap<String, BTreeSet<String>>, group: &StoredResource) {
    for member in &group.members {
        member_of
            .entry(member.clone())
            .or_default()
            .insert(group.id.clone());
    }
}

fn unlink_members(member_of: &mut HashMap<String, BTreeSet<String>>, group: &StoredResource) {
    for member in &group.members {
        if let Some(groups) = member_of.get_mut(member) {
            groups.remove(&group.id);
            if groups.is_empty() {
                member_of.remove(member);
            }
        }
    }
}

fn await_manager(
    awaiting: &mut HashMap<String, BTreeMap<u64, String>>,
    seq: u64,
    user: &StoredResource,
) {
    if let Some(key) = &user.pending_manager {
        awaiting
            .entry(key.clone())
            .or_default()
            .insert(seq, user.id.clone());
    }
}

fn stop_awaiting(
    awaiting: &mut HashMap<String, BTreeMap<u64, String>>,
    seq: u64,
    user: &StoredResource,
) {
    if let Some(key) = &user.pending_manager
        && let Some(users) = awaiting.get_mut(key)
    {
        users.remove(&seq);
        if users.is_empty() {
            awaiting.remove(key);
        }
    }
}

/// The name of a global key: resource type, attribute and value.
type GlobalName = (String, String, String);

/// The holders of the global unique keys of every tenant.
#[derive(Default)]
struct GlobalKeys {
    /// Name → the tenant and id of the resource or account that holds it.
    holders: HashMap<GlobalName, (TenantId, String)>,
}

fn global_name(holder: &StoredResource, key: &UniqueKey) -> GlobalName {
    (
        holder.resource_type.clone(),
        key.attribute.clone(),
        key.value.clone(),
    )
}

/// The global keys, as a write in one tenant reaches them.
struct Globals<'a> {
    keys: &'a Mutex<GlobalKeys>,
    tenant: &'a TenantId,
}

impl<'a> Globals<'a> {
    /// Locks the global keys if any of `involved` (what the write adds and what it
    /// removes) has a global key; the guard is held until the write is done.
    fn lock(&self, involved: &[&StoredResource]) -> Result<GlobalGuard<'a>, StoreError> {
        let needed = involved
            .iter()
            .any(|holder| holder.unique_keys.iter().any(|key| key.global));
        let keys = if needed {
            Some(self.keys.lock().map_err(poisoned)?)
        } else {
            None
        };
        Ok(GlobalGuard {
            tenant: self.tenant,
            keys,
        })
    }
}

/// The global keys locked for one write, or nothing when the write involves none.
struct GlobalGuard<'a> {
    tenant: &'a TenantId,
    keys: Option<MutexGuard<'a, GlobalKeys>>,
}

impl GlobalGuard<'_> {
    fn holds(&self, held: &(TenantId, String), id: &str) -> bool {
        held.0 == *self.tenant && held.1 == id
    }

    /// Fails if a global key of `holder` is held by another than `holder` itself or
    /// `freed` of this tenant.
    fn check(&self, holder: &StoredResource, freed: Option<&str>) -> Result<(), StoreError> {
        let Some(keys) = &self.keys else {
            return Ok(());
        };
        let taken = holder
            .unique_keys
            .iter()
            .filter(|key| key.global)
            .find(|key| {
                keys.holders
                    .get(&global_name(holder, key))
                    .is_some_and(|held| {
                        !self.holds(held, &holder.id)
                            && !freed.is_some_and(|freed| self.holds(held, freed))
                    })
            });
        match taken {
            Some(key) => Err(conflict(key)),
            None => Ok(()),
        }
    }

    fn insert(&mut self, holder: &StoredResource) {
        let tenant = self.tenant;
        if let Some(keys) = &mut self.keys {
            for key in holder.unique_keys.iter().filter(|key| key.global) {
                keys.holders.insert(
                    global_name(holder, key),
                    (tenant.clone(), holder.id.clone()),
                );
            }
        }
    }

    fn remove(&mut self, holder: &StoredResource) {
        let tenant = self.tenant;
        if let Some(keys) = &mut self.keys {
            for key in holder.unique_keys.iter().filter(|key| key.global) {
                let name = global_name(holder, key);
                if keys
                    .holders
                    .get(&name)
                    .is_some_and(|held| held.0 == *tenant && held.1 == holder.id)
                {
                    keys.holders.remove(&name);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use scimitar_filter::{AttrExpr, Expr, Filter, FilterLeaf};
    use scimitar_schema::Resource;
    use serde_json::Value;
    use serde_json::json;

    use super::*;
    use pollster::block_on;

    fn filter(text: &str) -> Filter {
        text.parse().expect("a valid filter")
    }

    fn plan_of(resource_type: &str, text: &str) -> Plan {
        plan(resource_type, Some(&filter(text)))
    }

    fn exact(attribute: Indexed, value: &str) -> Plan {
        Plan::Exact((attribute, value.to_owned()))
    }

    #[test]
    fn no_filter_lists_everything() {
        assert_eq!(plan("User", None), Plan::Everything);
        assert_eq!(plan("Widget", None), Plan::Everything);
    }

    #[test]
    fn user_name_eq_is_an_exact_lookup_ignoring_case() {
        use Indexed::UserName;
        assert_eq!(
            plan_of("User", r#"userName eq "BJensen""#),
            exact(UserName, "bjensen")
        );
        assert_eq!(
            plan_of("User", r#"USERNAME EQ "bjensen""#),
            exact(UserName, "bjensen")
        );
        assert_eq!(
            plan_of("User", r#"userName eq "ÅSA""#),
            exact(UserName, "åsa")
        );
        let qualified = r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "x""#;
        assert_eq!(plan_of("User", qualified), exact(UserName, "x"));
        let upper_urn = r#"URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:userName eq "x""#;
        assert_eq!(plan_of("User", upper_urn), exact(UserName, "x"));
    }

    #[test]
    fn external_id_is_case_exact_for_both_types() {
        use Indexed::ExternalId;
        assert_eq!(
            plan_of("User", r#"externalId eq "AbC""#),
            exact(ExternalId, "AbC")
        );
        assert_eq!(
            plan_of("Group", r#"EXTERNALID eq "AbC""#),
            exact(ExternalId, "AbC")
        );
        let qualified = r#"urn:ietf:params:scim:schemas:core:2.0:Group:externalId eq "g""#;
        assert_eq!(plan_of("Group", qualified), exact(ExternalId, "g"));
    }

    #[test]
    fn display_name_is_indexed_for_groups_only() {
        assert_eq!(
            plan_of("Group", r#"displayName eq "Tour Guides""#),
            exact(Indexed::DisplayName, "tour guides")
        );
        assert_eq!(plan_of("User", r#"displayName eq "Babs""#), Plan::Scan);
        assert_eq!(plan_of("Group", r#"userName eq "x""#), Plan::Scan);
    }

    #[test]
    fn other_shapes_scan() {
        for text in [
            r#"userName ne "x""#,
            r#"userName sw "x""#,
            "userName pr",
            "userName eq 7",
            "userName eq true",
            "userName eq null",
            r#"name.familyName eq "x""#,
            r#"urn:ietf:params:scim:schemas:core:2.0:Group:userName eq "x""#,
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:userName eq "x""#,
            r#"emails[value eq "x"]"#,
            r#"userName eq "x" or userName eq "y""#,
            r#"not (userName eq "x")"#,
            r#"not (userName eq "x" and active eq true)"#,
            r#"active eq true or (userName eq "x" and title pr)"#,
        ] {
            assert_eq!(plan_of("User", text), Plan::Scan, "{text}");
        }
        assert_eq!(plan_of("Widget", r#"externalId eq "x""#), Plan::Scan);
    }

    #[test]
    fn conjunctions_narrow_by_every_indexed_term() {
        use Indexed::{ExternalId, UserName};
        let narrow = |entries: &[(Indexed, &str)]| {
            Plan::Narrow(entries.iter().map(|(a, v)| (*a, (*v).to_owned())).collect())
        };
        assert_eq!(
            plan_of("User", r#"userName eq "X" and active eq true"#),
            narrow(&[(UserName, "x")])
        );
        assert_eq!(
            plan_of("User", r#"active eq true and title pr and userName eq "X""#),
            narrow(&[(UserName, "x")])
        );
        assert_eq!(
            plan_of(
                "User",
                r#"userName eq "X" and (externalId eq "E" and active eq true)"#
            ),
            narrow(&[(UserName, "x"), (ExternalId, "E")])
        );
        assert_eq!(
            plan_of(
                "User",
                r#"active eq true and (userName eq "X" or title pr)"#
            ),
            Plan::Scan
        );
    }

    #[test]
    fn conjunction_terms_are_found_at_any_depth() {
        let title = || {
            Expr::Leaf(FilterLeaf::Attr(AttrExpr::Present(
                "title".parse().unwrap(),
            )))
        };
        let mut filter = Expr::and(title(), filter(r#"userName eq "x""#));
        for _ in 0..1_000 {
            filter = Expr::and(filter, title());
        }
        let expected = Plan::Narrow(vec![(Indexed::UserName, "x".to_owned())]);
        assert_eq!(plan("User", Some(&filter)), expected);
    }

    fn tenant() -> TenantId {
        TenantId("t".to_owned())
    }

    fn entry() -> HistoryEntry {
        HistoryEntry::new(
            Utc.timestamp_opt(0, 0).unwrap(),
            scimitar_policy::Action::Created,
            "User",
            None,
            201,
        )
    }

    fn create(store: &MemoryStore, resource: StoredResource) -> Result<u64, StoreError> {
        block_on(store.create(
            &tenant(),
            std::sync::Arc::new(resource),
            Origin::New,
            entry(),
        ))
    }

    fn user(id: &str, value: Value) -> StoredResource {
        let mut resource = Resource::from_value(value).unwrap();
        resource.as_map_mut().insert("id".to_owned(), json!(id));
        StoredResource::new(id, "User", resource)
    }

    fn list(
        store: &MemoryStore,
        resource_type: &str,
        text: &str,
        page: Option<(usize, usize)>,
    ) -> ListPage {
        let filter = filter(text);
        block_on(store.list(
            &tenant(),
            resource_type,
            ListQuery::new(Some(&filter), page),
        ))
        .unwrap()
    }

    fn ids(page: &ListPage) -> Vec<&str> {
        page.resources()
            .iter()
            .map(|resource| resource.id.as_str())
            .collect()
    }

    #[test]
    fn exact_lookups_are_filtered_and_paged() {
        let store = MemoryStore::new();
        for (id, name) in [("a", "Alice"), ("b", "bob"), ("c", "ALICE"), ("d", "alice")] {
            create(&store, user(id, json!({"userName": name}))).unwrap();
        }
        let all = list(&store, "User", r#"userName eq "aLiCe""#, None);
        assert_eq!(ids(&all), ["a", "c", "d"]);
        assert!(all.is_filtered() && !all.is_paged());
        let page = list(&store, "User", r#"userName eq "alice""#, Some((1, 1)));
        assert_eq!(ids(&page), ["c"]);
        assert!(page.is_filtered() && page.is_paged());
        assert_eq!(page.total().unwrap_or_default(), 3);
        let beyond = list(&store, "User", r#"userName eq "alice""#, Some((5, 10)));
        assert!(beyond.resources().is_empty() && beyond.is_paged());
        assert_eq!(beyond.total().unwrap_or_default(), 3);
        let none = list(&store, "User", r#"userName eq "carol""#, Some((0, 10)));
        assert!(none.resources().is_empty() && none.is_filtered() && none.is_paged());
        assert_eq!(none.total().unwrap_or_default(), 0);
    }

    #[test]
    fn narrowed_lists_take_the_smallest_candidates_unfiltered_and_unpaged() {
        let store = MemoryStore::new();
        let users = [
            ("a", "x", "e1"),
            ("b", "x", "e2"),
            ("c", "y", "e2"),
            ("d", "x", "e3"),
        ];
        for (id, name, external) in users {
            let value = json!({"userName": name, "externalId": external});
            create(&store, user(id, value)).unwrap();
        }
        let page = list(
            &store,
            "User",
            r#"userName eq "X" and externalId eq "e2""#,
            Some((0, 1)),
        );
        assert_eq!(ids(&page), ["b", "c"]);
        assert!(!page.is_filtered() && !page.is_paged());
        let page = list(
            &store,
            "User",
            r#"externalId eq "e1" and userName eq "x""#,
            None,
        );
        assert_eq!(ids(&page), ["a"]);
        let page = list(
            &store,
            "User",
            r#"externalId eq "nope" and userName eq "x""#,
            None,
        );
        assert!(page.resources().is_empty() && !page.is_filtered());
        let page = list(&store, "User", r#"userName co "x""#, Some((0, 1)));
        assert_eq!(ids(&page), ["a", "b", "c", "d"]);
        assert!(!page.is_filtered() && !page.is_paged());
    }

    #[test]
    fn indexes_read_names_ignoring_case_and_multi_valued_shapes() {
        let store = MemoryStore::new();
        create(&store, user("a", json!({"USERNAME": "Upper"}))).unwrap();
        create(
            &store,
            user("b", json!({"userName": ["One", {"value": "Two"}, 3]})),
        )
        .unwrap();
        assert_eq!(
            ids(&list(&store, "User", r#"userName eq "upper""#, None)),
            ["a"]
        );
        assert_eq!(
            ids(&list(&store, "User", r#"userName eq "one""#, None)),
            ["b"]
        );
        assert_eq!(
            ids(&list(&store, "User", r#"userName eq "TWO""#, None)),
            ["b"]
        );
        assert!(
            list(&store, "User", r#"userName eq "3""#, None)
                .resources()
                .is_empty()
        );
    }

    #[test]
    fn replace_and_delete_keep_the_indexes_current() {
        let store = MemoryStore::new();
        create(&store, user("a", json!({"userName": "old"}))).unwrap();
        let mut renamed = user("a", json!({"userName": "new"}));
        renamed.version = 2;
        block_on(store.replace(&tenant(), std::sync::Arc::new(renamed), 1, entry())).unwrap();
        assert!(
            list(&store, "User", r#"userName eq "old""#, None)
                .resources()
                .is_empty()
        );
        assert_eq!(
            ids(&list(&store, "User", r#"userName eq "new""#, None)),
            ["a"]
        );
        let at = Utc.timestamp_opt(0, 0).unwrap();
        block_on(store.delete(&tenant(), "User", "a", None, at, Disposal::Delete, entry()))
            .unwrap();
        assert!(
            list(&store, "User", r#"userName eq "new""#, None)
                .resources()
                .is_empty()
        );
        let space = store.space(&tenant()).unwrap().unwrap();
        let space = space.read().unwrap();
        let index = &space.types["User"];
        assert!(index.eq.is_empty() && index.order.is_empty() && index.unique.is_empty());
        assert!(space.resources.is_empty() && space.member_of.is_empty());
    }

    #[test]
    fn dropping_the_last_member_unassigns_members_and_bumps_meta_version() {
        let mut group = StoredResource::new(
            "g",
            "Group",
            Resource::from_value(json!({
                "displayName": "G",
                "Members": [{"value": "u", "display": "U"}],
                "META": {"LastModified": "2020-01-01T00:00:00Z", "version": "W/\"1\""},
            }))
            .unwrap(),
        );
        group.members = vec!["u".to_owned()];
        drop_member(&mut group, "u", "2024-01-01T00:00:00.000Z");
        assert_eq!(group.version, 2);
        assert!(group.members.is_empty());
        assert_eq!(
            group.resource.into_value(),
            json!({
                "displayName": "G",
                "META": {"LastModified": "2024-01-01T00:00:00.000Z", "version": "W/\"2\""},
            })
        );
    }

    #[test]
    fn writes_to_a_tenant_without_resources_find_nothing() {
        let store = MemoryStore::new();
        let at = Utc.timestamp_opt(0, 0).unwrap();
        assert_eq!(
            block_on(store.replace(
                &tenant(),
                std::sync::Arc::new(user("a", json!({}))),
                1,
                entry()
            )),
            Err(StoreError::NotFound)
        );
        assert_eq!(
            block_on(store.delete(&tenant(), "User", "a", None, at, Disposal::Delete, entry())),
            Err(StoreError::NotFound)
        );
        assert!(store.space(&tenant()).unwrap().is_none());
    }

    #[test]
    fn a_poisoned_lock_makes_the_store_unavailable() {
        let store = MemoryStore::new();
        let _ = std::panic::catch_unwind(|| {
            let _guard = store.directory.write().unwrap();
            panic!("poison");
        });
        assert!(matches!(
            block_on(store.tenants()),
            Err(StoreError::Unavailable(_))
        ));
    }

    fn key(value: &str, global: bool) -> UniqueKey {
        UniqueKey {
            attribute: "userName".to_owned(),
            value: value.to_owned(),
            global,
        }
    }

    /// A user named `name`, holding it as a unique key (global or not).
    fn named(id: &str, name: &str, global: bool) -> StoredResource {
        let mut user = user(id, json!({"userName": name}));
        user.unique_keys = vec![key(name, global)];
        user
    }

    fn in_tenant(name: &str) -> TenantId {
        TenantId(name.to_owned())
    }

    #[test]
    fn picking_up_and_unlinking_leave_no_stale_index_entries() {
        let store = MemoryStore::new();
        let at = Utc.timestamp_opt(0, 0).unwrap();
        let mut account = named("a", "bjensen", true);
        account.pending_manager = Some("boss".to_owned());
        block_on(store.add_unmanaged(&tenant(), account.clone())).unwrap();
        let mut picked = named("a", "bjensen", true);
        picked.pending_manager = Some("boss".to_owned());
        block_on(store.create(
            &tenant(),
            std::sync::Arc::new(picked),
            Origin::PickedUp,
            entry(),
        ))
        .unwrap();
        block_on(store.delete(
            &tenant(),
            "User",
            "a",
            None,
            at,
            Disposal::Unlink(account),
            entry(),
        ))
        .unwrap();
        {
            let space = store.space(&tenant()).unwrap().unwrap();
            let space = space.read().unwrap();
            assert!(space.resources.is_empty() && space.awaiting.is_empty());
            assert_eq!(space.unmanaged_order.values().collect::<Vec<_>>(), ["a"]);
            assert_eq!(
                space.types["User"].holder(&key("bjensen", true)).unwrap(),
                "a"
            );
            assert!(space.types["User"].order.is_empty() && space.types["User"].eq.is_empty());
        }
        block_on(store.create(
            &tenant(),
            std::sync::Arc::new(named("a", "b", false)),
            Origin::PickedUp,
            entry(),
        ))
        .unwrap();
        block_on(store.delete(&tenant(), "User", "a", None, at, Disposal::Delete, entry()))
            .unwrap();
        let space = store.space(&tenant()).unwrap().unwrap();
        let space = space.read().unwrap();
        assert!(space.unmanaged.is_empty() && space.unmanaged_order.is_empty());
        assert!(space.types["User"].unique.is_empty());
        assert!(store.global.lock().unwrap().holders.is_empty());
        assert_eq!(space.history.len(), 4);
    }

    #[test]
    fn a_global_key_and_a_tenant_key_of_the_same_value_clash_in_one_tenant() {
        let store = MemoryStore::new();
        block_on(store.create(
            &tenant(),
            std::sync::Arc::new(named("a", "x", true)),
            Origin::New,
            entry(),
        ))
        .unwrap();
        assert_eq!(
            block_on(store.create(
                &tenant(),
                std::sync::Arc::new(named("b", "x", false)),
                Origin::New,
                entry()
            )),
            Err(StoreError::Conflict {
                attribute: "userName".to_owned(),
                value: "x".to_owned(),
            })
        );
        assert_eq!(
            block_on(store.find_unmanaged(&tenant(), "User", &key("x", false))),
            Ok(None)
        );
    }

    /// Writes racing for one global key in many tenants: exactly one wins, and writes
    /// without global keys in the same tenants go on beside them.
    #[test]
    fn one_of_many_racing_tenants_gets_a_global_key() {
        let store = MemoryStore::new();
        let wins: usize = std::thread::scope(|scope| {
            let racers: Vec<_> = (0..8)
                .map(|index| {
                    let store = &store;
                    scope.spawn(move || {
                        let tenant = in_tenant(&format!("t{index}"));
                        let mut won = 0;
                        for round in 0..50 {
                            let local = named(&format!("l{round}"), &format!("l{round}"), false);
                            block_on(store.create(
                                &tenant,
                                std::sync::Arc::new(local),
                                Origin::New,
                                entry(),
                            ))
                            .unwrap();
                            let global = named(&format!("g{round}"), &format!("g{round}"), true);
                            if block_on(store.create(
                                &tenant,
                                std::sync::Arc::new(global),
                                Origin::New,
                                entry(),
                            ))
                            .is_ok()
                            {
                                won += 1;
                            }
                        }
                        won
                    })
                })
                .collect();
            racers.into_iter().map(|racer| racer.join().unwrap()).sum()
        });
        assert_eq!(wins, 50, "each global key is won once");
        assert_eq!(store.global.lock().unwrap().holders.len(), 50);
    }

    #[test]
    fn a_poisoned_global_lock_fails_only_the_writes_with_global_keys() {
        let store = MemoryStore::new();
        let _ = std::panic::catch_unwind(|| {
            let _guard = store.global.lock().unwrap();
            panic!("poison");
        });
        assert!(matches!(
            block_on(store.create(
                &tenant(),
                std::sync::Arc::new(named("a", "a", true)),
                Origin::New,
                entry()
            )),
            Err(StoreError::Unavailable(_))
        ));
        assert_eq!(
            block_on(store.create(
                &tenant(),
                std::sync::Arc::new(named("b", "b", false)),
                Origin::New,
                entry()
            )),
            Ok(1),
            "the failed write appended nothing"
        );
        assert_eq!(block_on(store.get(&tenant(), "User", "a")), Ok(None));
    }

    #[test]
    fn history_reads_and_prunes_of_a_tenant_without_a_space_find_nothing() {
        let store = MemoryStore::new();
        let at = Utc.timestamp_opt(0, 0).unwrap();
        assert_eq!(
            block_on(store.history(&tenant(), &HistoryQuery::new())),
            Ok(vec![])
        );
        assert_eq!(block_on(store.prune_history(&tenant(), at)), Ok(0));
        assert_eq!(block_on(store.unmanaged(&tenant())), Ok(vec![]));
        assert_eq!(
            block_on(store.awaiting_manager(&tenant(), &["x".to_owned()])),
            Ok(vec![])
        );
        assert!(store.space(&tenant()).unwrap().is_none());
    }

    #[test]
    fn a_tenant_keeps_the_newest_entries_up_to_the_limit() {
        let store = MemoryStore::new().with_history_limit(3);
        for n in 0..5 {
            let resource = StoredResource::new(format!("u{n}"), "User", Resource::new());
            block_on(store.create(&tenant(), Arc::new(resource), Origin::New, entry()))
                .expect("created");
        }
        let kept = block_on(store.history(&tenant(), &HistoryQuery::new())).expect("read");
        let numbers: Vec<u64> = kept.iter().map(|entry| entry.seq).collect();
        assert_eq!(
            numbers,
            [3, 4, 5],
            "the newest three, numbered as they were"
        );
        let resource = StoredResource::new("u5", "User", Resource::new());
        let seq = block_on(store.create(&tenant(), Arc::new(resource), Origin::New, entry()));
        assert_eq!(seq, Ok(6), "numbers go on");
    }
}
