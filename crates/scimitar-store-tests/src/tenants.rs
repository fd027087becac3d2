//! The tenants of a [`TenantStore`].

use scimitar_engine::{StoreError, Tenant, TenantStore};
use scimitar_policy::{DeleteRule, Policy};

use crate::fixtures::{new_tenant, ok, tenant_id};

/// Tenants: create, get by id and by name, list by name, and `AlreadyExists` for a
/// taken id or name; `set_policy` replaces one tenant's policy (`NotFound` for an
/// unknown tenant).
///
/// Creates tenants of its own (`conformance-tenants-…`); other tenants of the store are
/// left alone.
pub async fn tenants<S: TenantStore>(store: &S) {
    let zulu = new_tenant("conformance-tenants-1", "conformance-tenants-zulu");
    let acme = new_tenant("conformance-tenants-2", "conformance-tenants-acme");
    let beta = new_tenant("conformance-tenants-3", "conformance-tenants-beta");
    for tenant in [&zulu, &acme, &beta] {
        ok(store.create_tenant(tenant.clone()).await, "create a tenant");
    }
    assert_eq!(
        ok(store.tenant(&acme.id).await, "get a tenant"),
        Some(acme.clone())
    );
    assert_eq!(
        ok(
            store.tenant_by_name(&beta.name).await,
            "get a tenant by name"
        ),
        Some(beta.clone())
    );
    assert_eq!(
        ok(
            store.tenant(&tenant_id("conformance-tenants-none")).await,
            "get a tenant"
        ),
        None,
        "an unknown tenant id"
    );
    assert_eq!(
        ok(
            store.tenant_by_name("conformance-tenants-none").await,
            "get a tenant"
        ),
        None,
        "an unknown tenant name"
    );

    let same_name = new_tenant("conformance-tenants-4", &acme.name);
    assert_eq!(
        store.create_tenant(same_name.clone()).await,
        Err(StoreError::AlreadyExists),
        "a tenant with a taken name"
    );
    let same_id = new_tenant(acme.id.as_ref(), "conformance-tenants-other");
    assert_eq!(
        store.create_tenant(same_id).await,
        Err(StoreError::AlreadyExists),
        "a tenant with a taken id"
    );
    assert_eq!(
        ok(store.tenant(&same_name.id).await, "get a tenant"),
        None,
        "a failed create"
    );

    let listed: Vec<Tenant> = ok(store.tenants().await, "list tenants")
        .into_iter()
        .filter(|tenant| tenant.name.starts_with("conformance-tenants-"))
        .collect();
    assert_eq!(
        listed,
        [acme.clone(), beta.clone(), zulu],
        "tenants are listed once each, by name"
    );

    let policy = Policy::default()
        .with_pick_up(false)
        .with_invitations(true)
        .with_on_delete(DeleteRule::SuspendAndUnlink);
    ok(
        store.set_policy(&acme.id, policy.clone()).await,
        "set a tenant's policy",
    );
    let stored = ok(store.tenant(&acme.id).await, "get a tenant");
    assert_eq!(
        stored.as_ref().map(|tenant| &tenant.policy),
        Some(&policy),
        "the policy set"
    );
    assert_eq!(
        ok(
            store.tenant_by_name(&acme.name).await,
            "get a tenant by name"
        ),
        stored,
        "by name too"
    );
    assert_eq!(
        ok(store.tenant(&beta.id).await, "get a tenant"),
        Some(beta.clone()),
        "another tenant keeps its policy"
    );
    ok(
        store.set_policy(&acme.id, Policy::default()).await,
        "set a tenant's policy back",
    );
    assert_eq!(
        ok(store.tenant(&acme.id).await, "get a tenant"),
        Some(acme),
        "the default policy again"
    );
    assert_eq!(
        store
            .set_policy(&tenant_id("conformance-tenants-none"), policy)
            .await,
        Err(StoreError::NotFound),
        "the policy of an unknown tenant"
    );
    assert_eq!(
        ok(
            store.tenant(&tenant_id("conformance-tenants-none")).await,
            "get a tenant"
        ),
        None,
        "setting a policy creates no tenant"
    );
}
