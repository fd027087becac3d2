//! Authentication: bearer API keys by default, or a host's own scheme.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use http::request::Parts;

use crate::env::Clock;
use crate::response;
use crate::store::{StoreError, TenantStore};
use crate::tenant::{KeyHash, Tenant};

/// Who a request acts for: the tenant, with the settings its requests are served with,
/// and the credential that authenticated it.
///
/// An [`Authenticator`] returns it whole, so the engine reads no tenant table of its own
/// on a request that a host authenticated.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Principal {
    /// The tenant whose data the request may see and change, and its profile.
    pub tenant: Tenant,
    /// The API key's id (never its secret), for logs and the change history; `None`
    /// when the host authenticated the request otherwise.
    pub key_id: Option<String>,
}

impl Principal {
    /// A principal of `tenant`, authenticated by the key `key_id` if any.
    pub fn new(tenant: Tenant, key_id: Option<String>) -> Self {
        Self { tenant, key_id }
    }

    /// Whether the tenant's profile accepts the identity providers' shapes in queries
    /// and bodies.
    pub(crate) fn lenient(&self) -> bool {
        self.tenant.compat != scimitar_patch::Compat::STRICT
    }
}

/// Why authentication failed: `401` for every variant but
/// [`Unavailable`](AuthFailure::Unavailable), which is `503`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthFailure {
    /// No `Authorization: Bearer …` header.
    Missing,
    /// A token no tenant holds.
    Unknown,
    /// A revoked key.
    Revoked,
    /// An expired key.
    Expired,
    /// The credential could not be checked (the store failed): the client should try
    /// again later, and must not take it for a refused key.
    Unavailable,
}

impl AuthFailure {
    /// What the client is told (it never says which of unknown, revoked or expired).
    pub fn detail(self) -> &'static str {
        match self {
            Self::Missing => "authentication required: send 'Authorization: Bearer <token>'",
            Self::Unknown | Self::Revoked | Self::Expired => "the bearer token is not valid",
            Self::Unavailable => "the credentials cannot be checked now; try again later",
        }
    }

    /// The HTTP status it answers.
    pub fn status(self) -> http::StatusCode {
        match self {
            Self::Unavailable => http::StatusCode::SERVICE_UNAVAILABLE,
            Self::Missing | Self::Unknown | Self::Revoked | Self::Expired => {
                http::StatusCode::UNAUTHORIZED
            }
        }
    }
}

/// The failure of a store that could not check a credential, noted for the host's log.
fn unavailable(error: StoreError) -> AuthFailure {
    response::note(&error);
    AuthFailure::Unavailable
}

/// A boxed future, for object-safe traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A host's own authentication scheme (OAuth token introspection, mTLS, a session of
/// its own, …) in place of the engine's API keys.
///
/// It returns the [`Principal`] with the [`Tenant`] record itself, so that the host's
/// store needs no tenant table ([`Engine::authenticated_by`](crate::Engine::authenticated_by)).
pub trait Authenticator: Send + Sync {
    /// Authenticates the request whose head is `request`: the tenant it acts for, or
    /// why not.
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Principal, AuthFailure>>;
}

/// The token of an `Authorization: Bearer <token>` header (scheme in any case).
pub(crate) fn bearer_token(request: &Parts) -> Option<&str> {
    let value = request
        .headers
        .get(http::header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .trim();
    let (scheme, token) = value.split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// The engine's own scheme, and the default of [`Engine::new`](crate::Engine::new): a
/// bearer API key, looked up by its hash in a [`TenantStore`] and compared again in
/// constant time, refused when revoked or expired at the clock's time, then its tenant.
/// A store that fails is [`AuthFailure::Unavailable`] (`503`, never `401`), and its
/// error goes to the response's [`StoreFailure`](crate::StoreFailure).
///
/// A host that accepts its own credentials beside the engine's keys calls it from its
/// own [`Authenticator`] for the requests that carry a key.
pub struct ApiKeys<S> {
    store: Arc<S>,
    clock: Arc<dyn Clock>,
}

impl<S> ApiKeys<S> {
    /// The keys of `store`, checked for expiry at `clock`'s time.
    pub fn new(store: Arc<S>, clock: Arc<dyn Clock>) -> Self {
        Self { store, clock }
    }
}

impl<S: TenantStore> Authenticator for ApiKeys<S> {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Principal, AuthFailure>> {
        Box::pin(async move {
            let token = bearer_token(request).ok_or(AuthFailure::Missing)?;
            let hash = KeyHash::of(token);
            let key = self
                .store
                .key_by_hash(&hash)
                .await
                .map_err(unavailable)?
                .ok_or(AuthFailure::Unknown)?;
            // The store found it by hash; compare again in constant time, as a store's
            // index may not.
            if !key.hash.constant_time_eq(&hash) {
                return Err(AuthFailure::Unknown);
            }
            if key.revoked.is_some() {
                return Err(AuthFailure::Revoked);
            }
            if !key.is_valid_at(self.clock.now()) {
                return Err(AuthFailure::Expired);
            }
            let tenant = self
                .store
                .tenant(&key.tenant)
                .await
                .map_err(unavailable)?
                .ok_or(AuthFailure::Unknown)?;
            Ok(Principal::new(tenant, Some(key.id)))
        })
    }
}
