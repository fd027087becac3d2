//! What the checks build and read: resources, tenants, times, filters.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use scimitar_engine::{
    ListPage, ListQuery, ResourceStore, StoreError, StoredResource, Tenant, TenantId, UniqueKey,
};
use scimitar_filter::Filter;
use scimitar_patch::Compat;
use scimitar_policy::{Action, HistoryEntry};
use scimitar_schema::{Resource, urn};

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

pub(crate) fn unique(attribute: &str, value: &str) -> UniqueKey {
    UniqueKey {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
        global: false,
    }
}

/// The history entry the checks' writes append.
pub(crate) fn entry() -> HistoryEntry {
    HistoryEntry::new(at(0), Action::Updated, "User", None, 200)
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
    stored.unique_keys = vec![unique("userName", &user_name.to_lowercase())];
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
    stored.unique_keys = vec![unique("displayName", &display_name.to_lowercase())];
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
