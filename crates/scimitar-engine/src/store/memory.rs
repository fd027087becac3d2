//! [`MemoryStore`]: a store kept in the process's memory.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::future::{Future, ready};
use std::sync::{Arc, PoisonError, RwLock};

use chrono::{DateTime, SecondsFormat, Utc};

use super::support::{Indexed, Plan, drop_member, indexed_values, plan};
use scimitar_policy::{HistoryEntry, Policy};

use super::{
    Disposal, HistoryQuery, HistoryStore, ListPage, ListQuery, Origin, ResourceStore, StoreError,
    StoredResource, TenantStore, UniqueKey,
};
use crate::tenant::{ApiKey, KeyHash, Tenant, TenantId};

/// A [`ResourceStore`] and [`TenantStore`] in memory: for tests, examples and single-process hosts that need no
/// durability. Everything is lost when it is dropped.
///
/// Every operation does its work at once under a lock and returns a ready future, so it
/// runs under any executor (or none: poll it once). Tenants and keys sit behind one lock,
/// and each tenant's resources behind a lock of their own, so that writes to different
/// tenants do not wait for each other.
///
/// Per tenant and resource type it keeps the resources in creation order with lookup by
/// id, the [unique keys](StoredResource::unique_keys), which group lists which member,
/// and equality indexes for the lookups identity providers make before each write:
/// `userName` (ignoring case) and `externalId` of users, `displayName` (ignoring case)
/// and `externalId` of groups. A [`list`](ResourceStore::list) whose filter is one such
/// `eq` comparison is answered from the index, filtered and paged; one whose filter is
/// an `and` with such a comparison among its terms returns the index's candidates for
/// the engine to filter; any other filter returns every resource of the type.
#[derive(Default)]
pub struct MemoryStore {
    directory: RwLock<Directory>,
    spaces: RwLock<HashMap<TenantId, Arc<RwLock<Space>>>>,
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
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
    /// none; without `create`, a tenant without a space has no resource to change.
    fn write_space<T>(
        &self,
        tenant: &TenantId,
        create: bool,
        f: impl FnOnce(&mut Space) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let space = match self.space(tenant)? {
            Some(space) => space,
            None if create => {
                let mut spaces = self.spaces.write().map_err(poisoned)?;
                Arc::clone(spaces.entry(tenant.clone()).or_default())
            }
            None => return Err(StoreError::NotFound),
        };
        let mut space = space.write().map_err(poisoned)?;
        f(&mut space)
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
            let tenant = directory.tenants.get_mut(tenant).ok_or(StoreError::NotFound)?;
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
        let _ = (tenant, query);
        ready(todo!())
    }

    fn prune_history(
        &self,
        tenant: &TenantId,
        before: DateTime<Utc>,
    ) -> impl Future<Output = Result<usize, StoreError>> + Send {
        let _ = (tenant, before);
        ready(todo!())
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
        resource: StoredResource,
        origin: Origin,
        entry: &HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let _ = (origin, entry);
        ready(self.write_space(tenant, true, |space| space.create(resource).map(|()| todo!())))
    }

    fn replace(
        &self,
        tenant: &TenantId,
        resource: StoredResource,
        expected_version: u64,
        entry: &HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let _ = entry;
        ready(self.write_space(tenant, false, |space| {
            space.replace(resource, expected_version).map(|()| todo!())
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
        entry: &HistoryEntry,
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send {
        let _ = (disposal, entry);
        ready(self.write_space(tenant, false, |space| {
            space.delete(resource_type, id, expected_version, at)
        }))
    }

    fn record(
        &self,
        tenant: &TenantId,
        entry: &HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        let _ = (tenant, entry);
        ready(todo!())
    }

    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Arc<StoredResource>>, StoreError>> + Send {
        let _ = (tenant, keys);
        ready(todo!())
    }

    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        let _ = (tenant, account);
        ready(todo!())
    }

    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        let _ = (tenant, resource_type, key);
        ready(todo!())
    }

    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
        let _ = tenant;
        ready(todo!())
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

/// One tenant's resources, of every type.
#[derive(Default)]
struct Space {
    /// The sequence number of the next resource created: the creation order.
    next_seq: u64,
    /// Every resource by id; ids are unique across types.
    resources: HashMap<String, Slot>,
    /// The indexes of each resource type.
    types: HashMap<String, TypeIndex>,
    /// Member id → the ids of the resources (groups) whose `members` list it.
    member_of: HashMap<String, BTreeSet<String>>,
}

struct Slot {
    seq: u64,
    /// Shared with the readers it was handed to; a write replaces it.
    stored: Arc<StoredResource>,
}

/// The indexes of one resource type in one tenant.
#[derive(Default)]
struct TypeIndex {
    /// Creation order: sequence number → id.
    order: BTreeMap<u64, String>,
    /// Who holds each unique key.
    unique: HashMap<UniqueKey, String>,
    /// Equality lookups: (attribute, normalised value) → the resources with that value,
    /// in creation order.
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
        match plan(resource_type, query.filter) {
            Plan::Everything => self.page(&index.order, query.page),
            Plan::Exact(lookup) => match index.eq.get(&lookup) {
                Some(ids) => self.page(ids, query.page),
                None => self.page(&BTreeMap::new(), query.page),
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

    fn create(&mut self, resource: StoredResource) -> Result<(), StoreError> {
        if self.resources.contains_key(&resource.id) {
            return Err(StoreError::AlreadyExists);
        }
        self.check_members(&resource)?;
        if let Some(index) = self.types.get(&resource.resource_type) {
            index.check_unique(&resource)?;
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.types
            .entry(resource.resource_type.clone())
            .or_default()
            .insert(seq, &resource);
        link_members(&mut self.member_of, &resource);
        self.resources.insert(
            resource.id.clone(),
            Slot {
                seq,
                stored: Arc::new(resource),
            },
        );
        Ok(())
    }

    fn replace(
        &mut self,
        resource: StoredResource,
        expected_version: u64,
    ) -> Result<(), StoreError> {
        self.check_members(&resource)?;
        let slot = self
            .resources
            .get_mut(&resource.id)
            .filter(|slot| slot.stored.resource_type == resource.resource_type)
            .ok_or(StoreError::NotFound)?;
        if slot.stored.version != expected_version {
            return Err(StoreError::VersionMismatch {
                current: slot.stored.version,
            });
        }
        let index = self
            .types
            .entry(resource.resource_type.clone())
            .or_default();
        index.check_unique(&resource)?;
        let old = std::mem::replace(&mut slot.stored, Arc::new(resource));
        index.remove(slot.seq, &old);
        index.insert(slot.seq, &slot.stored);
        unlink_members(&mut self.member_of, &old);
        link_members(&mut self.member_of, &slot.stored);
        Ok(())
    }

    fn delete(
        &mut self,
        resource_type: &str,
        id: &str,
        expected_version: Option<u64>,
        at: DateTime<Utc>,
    ) -> Result<Vec<String>, StoreError> {
        let slot = self
            .resources
            .get(id)
            .filter(|slot| slot.stored.resource_type == resource_type)
            .ok_or(StoreError::NotFound)?;
        if let Some(expected) = expected_version
            && slot.stored.version != expected
        {
            return Err(StoreError::VersionMismatch {
                current: slot.stored.version,
            });
        }
        let Some(Slot { seq, stored }) = self.resources.remove(id) else {
            return Err(StoreError::NotFound);
        };
        if let Some(index) = self.types.get_mut(resource_type) {
            index.remove(seq, &stored);
        }
        unlink_members(&mut self.member_of, &stored);

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
        Ok(changed)
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
    /// Fails if another resource holds one of `resource`'s unique keys.
    fn check_unique(&self, resource: &StoredResource) -> Result<(), StoreError> {
        match resource.unique_keys.iter().find(|key| {
            self.unique
                .get(*key)
                .is_some_and(|holder| *holder != resource.id)
        }) {
            Some(key) => Err(StoreError::Conflict {
                attribute: key.attribute.clone(),
                value: key.value.clone(),
            }),
            None => Ok(()),
        }
    }

    fn insert(&mut self, seq: u64, resource: &StoredResource) {
        self.order.insert(seq, resource.id.clone());
        for key in &resource.unique_keys {
            self.unique.insert(key.clone(), resource.id.clone());
        }
        for entry in indexed_values(&resource.resource_type, &resource.resource) {
            self.eq
                .entry(entry)
                .or_default()
                .insert(seq, resource.id.clone());
        }
    }

    fn remove(&mut self, seq: u64, resource: &StoredResource) {
        self.order.remove(&seq);
        for key in &resource.unique_keys {
            if self.unique.get(key) == Some(&resource.id) {
                self.unique.remove(key);
            }
        }
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
            block_on(store.create(&tenant(), user(id, json!({"userName": name})))).unwrap();
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
            block_on(store.create(&tenant(), user(id, value))).unwrap();
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
        block_on(store.create(&tenant(), user("a", json!({"USERNAME": "Upper"})))).unwrap();
        block_on(store.create(
            &tenant(),
            user("b", json!({"userName": ["One", {"value": "Two"}, 3]})),
        ))
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
        block_on(store.create(&tenant(), user("a", json!({"userName": "old"})))).unwrap();
        let mut renamed = user("a", json!({"userName": "new"}));
        renamed.version = 2;
        block_on(store.replace(&tenant(), renamed, 1)).unwrap();
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
        block_on(store.delete(&tenant(), "User", "a", None, at)).unwrap();
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
            block_on(store.replace(&tenant(), user("a", json!({})), 1)),
            Err(StoreError::NotFound)
        );
        assert_eq!(
            block_on(store.delete(&tenant(), "User", "a", None, at)),
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
}
