//! What the checks build and read: resources, tenants, times, filters, history entries,
//! and the writes of the checks that do not look at the history.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use scimitar_engine::{
    Disposal, HistoryQuery, HistoryStore, ListPage, ListQuery, Origin, ResourceStore, StoreError,
    StoredResource, Tenant, TenantId, UniqueKey,
};
use scimitar_filter::Filter;
use scimitar_patch::Compat;
use scimitar_policy::{Action, HistoryEntry};
use scimitar_schema::{Resource, fold_for_comparison, urn};

pub(crate) fn ok<T>(result: Result<T, StoreError>, what: &str) -> T {
    result.unwrap_or_else(|error| panic!("{what}: unexpected error: {error}"))
}

pub(crate) fn tenant_id(id: &str) -> TenantId {
    TenantId(id.to_owned())
}

pub(crate) fn new_tenant(id: &str, name: &str) -> Tenant {
    Tenant::new(tenant_id(id), name, Compat::default())
}

/// A time `millis` after the epoch.
pub(crate) fn at(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

pub(crate) fn filter(text: &str) -> Filter {
    text.parse()
        .unwrap_or_else(|error| panic!("conformance filter {text}: {error}"))
}

pub(crate) fn object(value: Value) -> Resource {
    Resource::from_value(value).unwrap_or_default()
}

/// A key unique in its tenant.
pub(crate) fn unique(attribute: &str, value: &str) -> UniqueKey {
    UniqueKey {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
        global: false,
    }
}

/// A key unique among every tenant's resources of the type.
pub(crate) fn global(attribute: &str, value: &str) -> UniqueKey {
    UniqueKey {
        global: true,
        ..unique(attribute, value)
    }
}

pub(crate) fn meta(resource_type: &str) -> Value {
    json!({
        "resourceType": resource_type,
        "created": "2020-01-01T00:00:00.000Z",
        "lastModified": "2020-01-01T00:00:00.000Z",
    })
}

/// A user at version 1 whose unique key is its lower-cased `userName`.
pub(crate) fn user(id: &str, user_name: &str) -> StoredResource {
    let resource = object(json!({
        "schemas": [urn::USER],
        "id": id,
        "userName": user_name,
        "meta": meta("User"),
    }));
    let mut stored = StoredResource::new(id, "User", resource);
    stored.unique_keys = vec![unique("userName", &fold_for_comparison(user_name))];
    stored
}

/// A group at version 1 whose unique key is its lower-cased `displayName`.
pub(crate) fn group(id: &str, display_name: &str, members: &[&str]) -> StoredResource {
    let elements: Vec<Value> = members
        .iter()
        .map(|member| json!({"value": member}))
        .collect();
    let resource = object(json!({
        "schemas": [urn::GROUP],
        "id": id,
        "displayName": display_name,
        "members": elements,
        "meta": meta("Group"),
    }));
    let mut stored = StoredResource::new(id, "Group", resource);
    stored.unique_keys = vec![unique("displayName", &fold_for_comparison(display_name))];
    stored.members = members.iter().map(|member| (*member).to_owned()).collect();
    stored
}

/// `resource` as the write after `version`: at the next version.
pub(crate) fn next(mut resource: StoredResource, version: u64) -> StoredResource {
    resource.version = version + 1;
    resource
}

pub(crate) async fn get<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
) -> Option<StoredResource> {
    ok(store.get(tenant, resource_type, id).await, "get a resource").map(Arc::unwrap_or_clone)
}

/// Every resource of a type, unfiltered and unpaged.
pub(crate) async fn list_all<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
) -> ListPage {
    let page = ok(
        store
            .list(tenant, resource_type, ListQuery::new(None, None))
            .await,
        "list",
    );
    assert!(!page.is_paged(), "a list without a page is not paged");
    page
}

pub(crate) fn ids(page: &ListPage) -> Vec<&str> {
    page.resources()
        .iter()
        .map(|resource| resource.id.as_str())
        .collect()
}

/// The `value`s of a group's `members` (none if the attribute is gone).
pub(crate) fn member_values(group: &StoredResource) -> Vec<&str> {
    group
        .resource
        .get_attr("members")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|member| member.get("value").and_then(Value::as_str))
        .collect()
}

pub(crate) fn last_modified(resource: &StoredResource) -> Option<&str> {
    resource
        .resource
        .get_attr("meta")?
        .get("lastModified")?
        .as_str()
}

pub(crate) fn display_name<'a>(groups: &'a [StoredResource], id: &str) -> Option<&'a str> {
    groups
        .iter()
        .find(|group| group.id == id)?
        .resource
        .get_str("displayName")
}

/// An entry of `action` on the resource `id` of `resource_type` at `millis`, answered
/// with 200, with nothing else in it.
pub(crate) fn entry(
    action: Action,
    resource_type: &str,
    id: Option<&str>,
    millis: i64,
) -> HistoryEntry {
    HistoryEntry::new(
        at(millis),
        action,
        resource_type,
        id.map(str::to_owned),
        200,
    )
}

/// The entry the checks that do not read the history write with `resource`.
fn entry_of(action: Action, resource: &StoredResource) -> HistoryEntry {
    entry(action, &resource.resource_type, Some(&resource.id), 0)
}

/// Creates a new resource, with an entry the check does not read.
pub(crate) async fn create<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource: StoredResource,
) -> Result<u64, StoreError> {
    let entry = entry_of(Action::Created, &resource);
    store
        .create(tenant, std::sync::Arc::new(resource), Origin::New, entry)
        .await
}

/// Creates a resource that picks up the unmanaged account with its id, with an entry
/// the check does not read.
pub(crate) async fn pick_up<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource: StoredResource,
) -> Result<u64, StoreError> {
    let entry = entry_of(Action::PickedUp, &resource);
    store
        .create(
            tenant,
            std::sync::Arc::new(resource),
            Origin::PickedUp,
            entry,
        )
        .await
}

/// Replaces a resource, with an entry the check does not read.
pub(crate) async fn replace<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource: StoredResource,
    expected_version: u64,
) -> Result<u64, StoreError> {
    let entry = entry_of(Action::Updated, &resource);
    store
        .replace(
            tenant,
            std::sync::Arc::new(resource),
            expected_version,
            entry,
        )
        .await
}

/// Deletes a resource, leaving nothing behind, with an entry the check does not read.
pub(crate) async fn delete<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    expected_version: Option<u64>,
    when: DateTime<Utc>,
) -> Result<Vec<String>, StoreError> {
    let entry = entry(Action::Deleted, resource_type, Some(id), 0);
    store
        .delete(
            tenant,
            resource_type,
            id,
            expected_version,
            when,
            Disposal::Delete,
            entry,
        )
        .await
}

/// Deletes a resource, leaving `account` as an unmanaged account, with an entry the
/// check does not read.
pub(crate) async fn unlink<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
    when: DateTime<Utc>,
    account: StoredResource,
) -> Result<Vec<String>, StoreError> {
    let entry = entry(Action::Deleted, resource_type, Some(id), 0);
    store
        .delete(
            tenant,
            resource_type,
            id,
            None,
            when,
            Disposal::Unlink(account),
            entry,
        )
        .await
}

/// The tenant's entries that `query` asks for.
pub(crate) async fn history<S: HistoryStore>(
    store: &S,
    tenant: &TenantId,
    query: &HistoryQuery,
) -> Vec<HistoryEntry> {
    ok(store.history(tenant, query).await, "read the history")
}

/// The sequence numbers of `entries`.
pub(crate) fn seqs(entries: &[HistoryEntry]) -> Vec<u64> {
    entries.iter().map(|entry| entry.seq).collect()
}

/// The sequence number of the tenant's last entry (0: none), or what a write appended.
pub(crate) async fn last_seq<S: HistoryStore>(store: &S, tenant: &TenantId) -> u64 {
    let newest = history(store, tenant, &HistoryQuery::new().newest_first().limit(1)).await;
    newest.first().map_or(0, |entry| entry.seq)
}

/// The tenant's unmanaged accounts.
pub(crate) async fn unmanaged<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
) -> Vec<StoredResource> {
    ok(store.unmanaged(tenant).await, "list the unmanaged accounts")
}

/// The unmanaged account of `resource_type` holding the key `attribute` = `value`.
pub(crate) async fn find_unmanaged<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource_type: &str,
    key: &UniqueKey,
) -> Option<StoredResource> {
    ok(
        store.find_unmanaged(tenant, resource_type, key).await,
        "find an unmanaged account",
    )
}

/// The ids of the users awaiting one of `keys` as their manager.
pub(crate) async fn awaiting<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    keys: &[&str],
) -> Vec<String> {
    let keys: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
    ok(
        store.awaiting_manager(tenant, &keys).await,
        "the users awaiting a manager",
    )
    .iter()
    .map(|user| user.id.clone())
    .collect()
}

/// `StoreError::Conflict` on `attribute` = `value`.
pub(crate) fn conflict<T>(attribute: &str, value: &str) -> Result<T, StoreError> {
    Err(StoreError::Conflict {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
    })
}

/// A user at version 1 whose unique key is its lower-cased `userName`, unique among
/// every tenant's users.
pub(crate) fn global_user(id: &str, user_name: &str) -> StoredResource {
    let mut stored = user(id, user_name);
    stored.unique_keys = vec![global("userName", &fold_for_comparison(user_name))];
    stored
}

/// `user` with `active` set to false: what an unlinking delete leaves as an account.
pub(crate) fn suspended(mut user: StoredResource) -> StoredResource {
    user.resource
        .as_map_mut()
        .insert("active".to_owned(), Value::Bool(false));
    user
}
