//! Authentication: bearer API keys by default, or a host's own scheme.

use std::future::Future;
use std::pin::Pin;

use http::request::Parts;

use crate::tenant::TenantId;

/// Who a request acts for.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Principal {
    /// The tenant whose data the request may see and change.
    pub tenant: TenantId,
    /// The API key's id (never its secret), for logs and the change history.
    pub key_id: Option<String>,
}

impl Principal {
    /// A principal of `tenant`.
    pub fn new(tenant: TenantId, key_id: Option<String>) -> Self {
        Self { tenant, key_id }
    }
}

/// Why authentication failed; every variant answers `401`.
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
}

impl AuthFailure {
    /// What the client is told (it never says which of unknown, revoked or expired).
    pub(crate) fn detail(self) -> &'static str {
        match self {
            Self::Missing => "authentication required: send 'Authorization: Bearer <token>'",
            Self::Unknown | Self::Revoked | Self::Expired => "the bearer token is not valid",
        }
    }
}

/// A boxed future, for object-safe traits.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A host's own authentication scheme (OAuth token introspection, mTLS, …) in place of
/// the engine's API keys.
pub trait Authenticator: Send + Sync {
    /// Authenticates the request whose head is `request`.
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
