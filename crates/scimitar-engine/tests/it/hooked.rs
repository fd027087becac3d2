//! A `MemoryStore` with a hook before every call, for tests that count the calls the
//! engine makes or fail some of them on demand.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use chrono::{DateTime, Utc};
use scimitar_engine::{
    ApiKey, Disposal, KeyHash, ListPage, ListQuery, MemoryStore, Origin, ResourceStore, StoreError,
    StoredResource, Tenant, TenantId, TenantStore, UniqueKey,
};
use scimitar_policy::{HistoryEntry, Policy};

/// A store call as a [`Hook`] sees it: the method's name, and the resource type for
/// `get` and `list`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Call<'a> {
    pub(crate) method: &'static str,
    pub(crate) resource_type: Option<&'a str>,
}

impl Call<'_> {
    fn named(method: &'static str) -> Self {
        Self {
            method,
            resource_type: None,
        }
    }

    /// Whether the call writes: a resource, an unmanaged account or a history entry.
    pub(crate) fn writes(&self) -> bool {
        matches!(
            self.method,
            "create" | "replace" | "delete" | "record" | "add_unmanaged"
        )
    }
}

/// What runs before each call of a [`Hooked`] store, when its future is first polled.
pub(crate) trait Hook: Send + Sync {
    /// `Err` fails the call without making it (`MemoryStore` writes when it is called).
    fn before(&self, call: Call<'_>) -> Result<(), StoreError>;

    /// Whether each call first returns `Pending` once (waking its task at once), so that
    /// other requests run in between.
    fn yields(&self) -> bool {
        false
    }
}

/// `MemoryStore`, each call going through `hook` first.
pub(crate) struct Hooked<H> {
    pub(crate) inner: MemoryStore,
    pub(crate) hook: H,
}

impl<H: Hook> Hooked<H> {
    pub(crate) fn new(hook: H) -> Self {
        Self {
            inner: MemoryStore::new(),
            hook,
        }
    }

    /// The call `make` makes, once the hook let `call` through.
    async fn through<T, F>(
        &self,
        call: Call<'_>,
        make: impl FnOnce() -> F + Send,
    ) -> Result<T, StoreError>
    where
        F: Future<Output = Result<T, StoreError>> + Send,
    {
        if self.hook.yields() {
            YieldOnce(false).await;
        }
        self.hook.before(call)?;
        make().await
    }
}

/// Returns `Pending` once (waking its task at once), then `Ready`.
struct YieldOnce(bool);

impl Future for YieldOnce {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, context: &mut Context<'_>) -> Poll<()> {
        if self.0 {
            return Poll::Ready(());
        }
        self.0 = true;
        context.waker().wake_by_ref();
        Poll::Pending
    }
}

impl<H: Hook> TenantStore for Hooked<H> {
    fn create_tenant(&self, tenant: Tenant) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.through(Call::named("create_tenant"), move || {
            self.inner.create_tenant(tenant)
        })
    }

    fn tenant(
        &self,
        id: &TenantId,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        self.through(Call::named("tenant"), move || self.inner.tenant(id))
    }

    fn tenant_by_name(
        &self,
        name: &str,
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send {
        self.through(Call::named("tenant_by_name"), move || {
            self.inner.tenant_by_name(name)
        })
    }

    fn tenants(&self) -> impl Future<Output = Result<Vec<Tenant>, StoreError>> + Send {
        self.through(Call::named("tenants"), move || self.inner.tenants())
    }

    fn set_policy(
        &self,
        tenant: &TenantId,
        policy: Policy,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.through(Call::named("set_policy"), move || {
            self.inner.set_policy(tenant, policy)
        })
    }

    fn add_key(&self, key: ApiKey) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.through(Call::named("add_key"), move || self.inner.add_key(key))
    }

    fn key_by_hash(
        &self,
        hash: &KeyHash,
    ) -> impl Future<Output = Result<Option<ApiKey>, StoreError>> + Send {
        self.through(Call::named("key_by_hash"), move || {
            self.inner.key_by_hash(hash)
        })
    }

    fn keys(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<ApiKey>, StoreError>> + Send {
        self.through(Call::named("keys"), move || self.inner.keys(tenant))
    }

    fn revoke_key(
        &self,
        id: &str,
        at: DateTime<Utc>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.through(Call::named("revoke_key"), move || {
            self.inner.revoke_key(id, at)
        })
    }
}

impl<H: Hook> ResourceStore for Hooked<H> {
    fn get(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        id: &str,
    ) -> impl Future<Output = Result<Option<Arc<StoredResource>>, StoreError>> + Send {
        let call = Call {
            method: "get",
            resource_type: Some(resource_type),
        };
        self.through(call, move || self.inner.get(tenant, resource_type, id))
    }

    fn list(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        query: ListQuery<'_>,
    ) -> impl Future<Output = Result<ListPage, StoreError>> + Send {
        let call = Call {
            method: "list",
            resource_type: Some(resource_type),
        };
        self.through(call, move || self.inner.list(tenant, resource_type, query))
    }

    fn create(
        &self,
        tenant: &TenantId,
        resource: Arc<StoredResource>,
        origin: Origin,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.through(Call::named("create"), move || {
            self.inner.create(tenant, resource, origin, entry)
        })
    }

    fn replace(
        &self,
        tenant: &TenantId,
        resource: Arc<StoredResource>,
        expected_version: u64,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.through(Call::named("replace"), move || {
            self.inner
                .replace(tenant, resource, expected_version, entry)
        })
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
        self.through(Call::named("delete"), move || {
            self.inner.delete(
                tenant,
                resource_type,
                id,
                expected_version,
                at,
                disposal,
                entry,
            )
        })
    }

    fn record(
        &self,
        tenant: &TenantId,
        entry: HistoryEntry,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send {
        self.through(Call::named("record"), move || {
            self.inner.record(tenant, entry)
        })
    }

    fn awaiting_manager(
        &self,
        tenant: &TenantId,
        keys: &[String],
    ) -> impl Future<Output = Result<Vec<Arc<StoredResource>>, StoreError>> + Send {
        self.through(Call::named("awaiting_manager"), move || {
            self.inner.awaiting_manager(tenant, keys)
        })
    }

    fn add_unmanaged(
        &self,
        tenant: &TenantId,
        account: StoredResource,
    ) -> impl Future<Output = Result<(), StoreError>> + Send {
        self.through(Call::named("add_unmanaged"), move || {
            self.inner.add_unmanaged(tenant, account)
        })
    }

    fn find_unmanaged(
        &self,
        tenant: &TenantId,
        resource_type: &str,
        key: &UniqueKey,
    ) -> impl Future<Output = Result<Option<StoredResource>, StoreError>> + Send {
        self.through(Call::named("find_unmanaged"), move || {
            self.inner.find_unmanaged(tenant, resource_type, key)
        })
    }

    fn unmanaged(
        &self,
        tenant: &TenantId,
    ) -> impl Future<Output = Result<Vec<StoredResource>, StoreError>> + Send {
        self.through(Call::named("unmanaged"), move || {
            self.inner.unmanaged(tenant)
        })
    }

    fn groups_with_member(
        &self,
        tenant: &TenantId,
        member_id: &str,
    ) -> impl Future<Output = Result<Vec<(String, String)>, StoreError>> + Send {
        self.through(Call::named("groups_with_member"), move || {
            self.inner.groups_with_member(tenant, member_id)
        })
    }

    fn resource_types(
        &self,
        tenant: &TenantId,
        ids: &[&str],
    ) -> impl Future<Output = Result<Vec<Option<String>>, StoreError>> + Send {
        self.through(Call::named("resource_types"), move || {
            self.inner.resource_types(tenant, ids)
        })
    }
}
