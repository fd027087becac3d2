//! A host app's own accounts, kept in step with every write the engine makes.

use std::fmt;

use http::StatusCode;

use scimitar_policy::{FieldChange, Lifecycle};
use scimitar_schema::{Resource, ScimError, ScimType};

use crate::auth::BoxFuture;
use crate::tenant::Tenant;

/// An account the host had before provisioning, as SCIM sees it: a pick-up makes it a
/// managed resource with this id.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Account {
    /// The id the resource keeps once picked up (the host's own id, as text).
    pub id: String,
    /// The account's attributes as a SCIM resource (`userName`, `name`, `emails`…).
    pub resource: Resource,
}

impl Account {
    /// The account `id` with the attributes `resource`.
    pub fn new(id: impl Into<String>, resource: Resource) -> Self {
        Self {
            id: id.into(),
            resource,
        }
    }
}

/// A decided change for the host to carry out on its own account.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct HostChange {
    /// The resource type's name (`User`, `Group`).
    pub resource_type: String,
    /// The resource's id (the account's, for a pick-up).
    pub id: String,
    /// What happens to the account.
    pub lifecycle: Lifecycle,
    /// Whether to send the user an invitation (never, unless the tenant's policy asks).
    pub invite: bool,
    /// The mapped fields that change, with their new values (`None`: cleared).
    pub fields: Vec<FieldChange>,
    /// For groups whose members change: the member ids after the write.
    pub members: Option<Vec<String>>,
    /// The resource before the write: for a pick-up, the account as
    /// [`Host::find_unmanaged`] gave it (without members); `None` for a new account.
    pub before: Option<Resource>,
    /// The resource after the write (`None` for a delete).
    pub after: Option<Resource>,
    /// The password the request sets, in clear: SCIM's `password` is write-only, so the
    /// engine never stores it; a host that signs users in with passwords hashes it.
    pub password: Option<String>,
}

impl fmt::Debug for HostChange {
    /// Never prints the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HostChange")
            .field("resource_type", &self.resource_type)
            .field("id", &self.id)
            .field("lifecycle", &self.lifecycle)
            .field("invite", &self.invite)
            .field("fields", &self.fields)
            .field("members", &self.members)
            .field("before", &self.before)
            .field("after", &self.after)
            .field("password", &self.password.as_ref().map(|_| "…"))
            .finish()
    }
}

/// Why the host refused or failed a change: the SCIM error the identity provider sees.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct HostError {
    /// The HTTP status answered (`409`, `400`, `503`…).
    pub status: StatusCode,
    /// The RFC 7644 §3.12 `scimType`, if one fits (`uniqueness` for a name the host's
    /// own index refuses, `invalidValue`…).
    pub scim_type: Option<ScimType>,
    /// What the client is told.
    pub detail: String,
}

impl HostError {
    /// An error answered with `status` and `detail`.
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            scim_type: None,
            detail: detail.into(),
        }
    }

    /// `409 uniqueness`: the host holds the name already.
    pub fn uniqueness(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, detail).with_scim_type(ScimType::Uniqueness)
    }

    /// `400 invalidValue`: the host cannot take this value.
    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail).with_scim_type(ScimType::InvalidValue)
    }

    /// The error with `scim_type` as its `scimType`.
    pub fn with_scim_type(mut self, scim_type: ScimType) -> Self {
        self.scim_type = Some(scim_type);
        self
    }

    /// `503`: the host cannot apply changes now; the identity provider retries.
    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::SERVICE_UNAVAILABLE, detail)
    }
}

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl std::error::Error for HostError {}

impl From<HostError> for ScimError {
    fn from(error: HostError) -> Self {
        let mut scim = ScimError::new(error.status, error.detail);
        scim.scim_type = error.scim_type;
        scim
    }
}

/// A host app's user table, connected to the engine: called on each write, after the
/// policy has decided what it means and before the store records it.
///
/// The engine calls [`apply`](Host::apply) and then writes the resource and its history
/// entry in one store transaction. If that write fails (a concurrent change, a taken
/// `userName`, the store down), it calls [`revert`](Host::revert) with the same change,
/// so that the host undoes it; a host error is answered to the identity provider and
/// recorded as a `failed` entry, and nothing is stored.
///
/// Without a host ([`Engine::with_host`](crate::Engine::with_host) not called), the
/// store is the host: unmanaged accounts are those added by
/// [`ResourceStore::add_unmanaged`](crate::ResourceStore::add_unmanaged).
pub trait Host: Send + Sync {
    /// The unmanaged account of `resource_type` that a create with the match key `key`
    /// picks up: `key` is the folded `userName` of a user or `displayName` of a group
    /// ([`scimitar_policy::match_key`]). `None` when there is none, or it is already
    /// managed.
    fn find_unmanaged<'a>(
        &'a self,
        tenant: &'a Tenant,
        resource_type: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>>;

    /// Carries out `change` on the host's account.
    fn apply<'a>(
        &'a self,
        tenant: &'a Tenant,
        change: &'a HostChange,
    ) -> BoxFuture<'a, Result<(), HostError>>;

    /// Undoes `change`, which [`apply`](Host::apply) carried out but the store then
    /// refused: the account goes back to [`HostChange::before`] (or goes, after a
    /// create; or is unlinked again, after a pick-up). Undo only what this change
    /// wrote: a concurrent change to the same account may have been applied meanwhile.
    /// The engine cannot act on a failed undo: log it.
    fn revert<'a>(&'a self, tenant: &'a Tenant, change: &'a HostChange) -> BoxFuture<'a, ()>;
}

/// A shared host is a host: the app keeps its handle to the same accounts.
impl<H: Host + ?Sized> Host for std::sync::Arc<H> {
    fn find_unmanaged<'a>(
        &'a self,
        tenant: &'a Tenant,
        resource_type: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
        (**self).find_unmanaged(tenant, resource_type, key)
    }

    fn apply<'a>(
        &'a self,
        tenant: &'a Tenant,
        change: &'a HostChange,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        (**self).apply(tenant, change)
    }

    fn revert<'a>(&'a self, tenant: &'a Tenant, change: &'a HostChange) -> BoxFuture<'a, ()> {
        (**self).revert(tenant, change)
    }
}
