//! Tenant and key administration: the operator's calls, beside the SCIM protocol.

use chrono::{DateTime, Utc};

use scimitar_patch::Compat;
use scimitar_policy::Policy;

use crate::engine::Engine;
use crate::store::{ResourceStore, StoreError, TenantStore};
use crate::tenant::{ApiKey, IssuedKey, KeyHash, Tenant, TenantId};

/// Why a tenant or key administration call failed. These are operator errors, not SCIM
/// responses: a command line or an admin page shows them as they are.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AdminError {
    /// A tenant needs a name that is not only white space.
    #[error("a tenant needs a name")]
    EmptyName,
    /// The name is taken.
    #[error("a tenant called {name:?} exists already")]
    TenantExists {
        /// The name asked for.
        name: String,
    },
    /// No tenant has this id.
    #[error("no tenant {id}")]
    NoSuchTenant {
        /// The id asked for.
        id: TenantId,
    },
    /// No key has this id.
    #[error("no key {id}")]
    NoSuchKey {
        /// The id asked for.
        id: String,
    },
    /// The store failed; try again later.
    #[error("the store failed: {0}")]
    Store(StoreError),
}

impl<S: ResourceStore + TenantStore> Engine<S> {
    /// Creates a tenant called `name` (trimmed, unique) with the identity-provider
    /// profile `compat`.
    pub async fn create_tenant(&self, name: &str, compat: Compat) -> Result<Tenant, AdminError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(AdminError::EmptyName);
        }
        let tenant = Tenant::new(TenantId(self.ids.new_id()), name, compat);
        match self.store.create_tenant(tenant.clone()).await {
            Ok(()) => Ok(tenant),
            Err(StoreError::AlreadyExists) => Err(AdminError::TenantExists {
                name: name.to_owned(),
            }),
            Err(error) => Err(AdminError::Store(error)),
        }
    }

    /// Issues a new API key for `tenant`, valid until `expires` if given. The secret is
    /// in the result only; the store keeps its hash.
    pub async fn issue_key(
        &self,
        tenant: &TenantId,
        expires: Option<DateTime<Utc>>,
    ) -> Result<IssuedKey, AdminError> {
        let missing = || AdminError::NoSuchTenant { id: tenant.clone() };
        self.store
            .tenant(tenant)
            .await
            .map_err(AdminError::Store)?
            .ok_or_else(missing)?;
        let secret = format!("scim_{}", self.ids.new_secret());
        let mut key = ApiKey::new(
            format!("key_{}", self.ids.new_id()),
            tenant.clone(),
            KeyHash::of(&secret),
            self.now(),
        );
        key.expires = expires;
        match self.store.add_key(key.clone()).await {
            Ok(()) => Ok(IssuedKey { key, secret }),
            // The tenant went between the check and the write.
            Err(StoreError::NotFound) => Err(missing()),
            Err(error) => Err(AdminError::Store(error)),
        }
    }

    /// Replaces the provisioning rules and mappings of `tenant`; requests authenticated
    /// after this call are served with them.
    pub async fn set_policy(&self, tenant: &TenantId, policy: Policy) -> Result<(), AdminError> {
        self.store
            .set_policy(tenant, policy)
            .await
            .map_err(|error| match error {
                StoreError::NotFound => AdminError::NoSuchTenant { id: tenant.clone() },
                other => AdminError::Store(other),
            })
    }

    /// Revokes the key `key_id`; the next request with it is refused.
    pub async fn revoke_key(&self, key_id: &str) -> Result<(), AdminError> {
        self.store
            .revoke_key(key_id, self.now())
            .await
            .map_err(|error| match error {
                StoreError::NotFound => AdminError::NoSuchKey {
                    id: key_id.to_owned(),
                },
                other => AdminError::Store(other),
            })
    }
}
