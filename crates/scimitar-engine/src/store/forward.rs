//! The stores people hold: a shared reference or an `Arc` to a store is a store.

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Utc};

use scimitar_policy::{HistoryEntry, Policy};

use super::{
    Disposal, HistoryQuery, HistoryStore, ListPage, ListQuery, Origin, ResourceStore, StoreError,
    StoredResource, TenantStore, UniqueKey,
};
use crate::tenant::{ApiKey, KeyHash, Tenant, TenantId};

/// Implements the three traits for a pointer type `$pointer` to a store `S`, each method
/// calling the store it points to.
macro_rules! forward {
    ($pointer:ty) => {
        impl<S: ResourceStore + ?Sized> ResourceStore for $pointer {
            fn get(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                id: &str,
            ) -> impl Future<Output = Result<Option<Arc<StoredResource>>, StoreError>> + Send {
                (**self).get(tenant, resource_type, id)
            }

            fn list(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                query: ListQuery<'_>,
            ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
                (**self).list(tenant, resource_type, query)
            }

            fn create(
                &self,
                tenant: &TenantId,
                resource: Arc<StoredResource>,
                origin: Origin,
                entry: HistoryEntry,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).create(tenant, resource, origin, entry)
            }

            fn replace(
                &self,
                tenant: &TenantId,
                resource: Arc<StoredResource>,
                expected_version: u64,
                entry: HistoryEntry,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).replace(tenant, resource, expected_version, entry)
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
                (**self).delete(
                    tenant,
                    resource_type,
                    id,
                    expected_version,
                    at,
                    disposal,
                    entry,
                )
            }

            fn record(
                &self,
                tenant: &TenantId,
                entry: HistoryEntry,
            ) -> impl Future<Output = Result<u64, StoreError>> + Send {
                (**self).record(tenant, entry)
            }

            fn awaiting_manager(
                &self,
                tenant: &TenantId,
                keys: &[String],
            ) -> impl Future<Output = Result<Vec<Arc<StoredResource>>, StoreError>> + Send {
                (**self).awaiting_manager(tenant, keys)
            }

            fn add_unmanaged(
                &self,
                tenant: &TenantId,
                account: StoredResource,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).add_unmanaged(tenant, account)
            }

            fn find_unmanaged(
                &self,
                tenant: &TenantId,
                resource_type: &str,
                key: &UniqueKey,
            ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
                (**self).find_unmanaged(tenant, resource_type, key)
            }

            fn unmanaged(
                &self,
                tenant: &TenantId,
            ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
                (**self).unmanaged(tenant)
            }

            fn groups_with_member(
                &self,
                tenant: &TenantId,
                member_id: &str,
            ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
                (**self).groups_with_member(tenant, member_id)
            }

            fn resource_types(
                &self,
                tenant: &TenantId,
                ids: &[&str],
            ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
                (**self).resource_types(tenant, ids)
            }
        }

        impl<S: TenantStore + ?Sized> TenantStore for $pointer {
            fn create_tenant(
                &self,
                tenant: Tenant,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).create_tenant(tenant)
            }

            fn tenant(
                &self,
                id: &TenantId,
            ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
                (**self).tenant(id)
            }

            fn tenant_by_name(
                &self,
                name: &str,
            ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
                (**self).tenant_by_name(name)
            }

            fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send {
                (**self).tenants()
            }

            fn set_policy(
                &self,
                tenant: &TenantId,
                policy: Policy,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).set_policy(tenant, policy)
            }

            fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).add_key(key)
            }

            fn key_by_hash(
                &self,
                hash: &KeyHash,
            ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send {
                (**self).key_by_hash(hash)
            }

            fn keys(
                &self,
                tenant: &TenantId,
            ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send {
                (**self).keys(tenant)
            }

            fn revoke_key(
                &self,
                id: &str,
                at: DateTime<Utc>,
            ) -> impl Future<Output = Result<(), StoreError>> + Send {
                (**self).revoke_key(id, at)
            }
        }

        impl<S: HistoryStore + ?Sized> HistoryStore for $pointer {
            fn history(
                &self,
                tenant: &TenantId,
                query: &HistoryQuery,
            ) -> impl Future<Output = Result<Vec<HistoryEntry>, StoreError>> + Send {
                (**self).history(tenant, query)
            }

            fn prune_history(
                &self,
                tenant: &TenantId,
                before: DateTime<Utc>,
            ) -> impl Future<Output = Result<usize, StoreError>> + Send {
                (**self).prune_history(tenant, before)
            }
        }
    };
}

forward!(&S);
forward!(Arc<S>);
forward!(Box<S>);
