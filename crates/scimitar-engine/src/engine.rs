//! The engine: authentication, routing and the per-request context.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use http::request::Parts;
use http::{Method, Request, Response, header};

use scimitar_patch::Compat;
use scimitar_schema::{ResourceType, SchemaRegistry, ScimError};

use crate::auth::{AuthFailure, Authenticator, Principal, bearer_token};
use crate::config::EngineConfig;
use crate::env::{Clock, IdSource};
use crate::query::Params;
use crate::response;
use crate::route::{Route, route};
use crate::store::{Store, StoreError};
use crate::tenant::{ApiKey, IssuedKey, KeyHash, Tenant, TenantId};

/// The SCIM service provider: hand it each request under the base path, send back the
/// response it returns.
///
/// It is sans-IO: no sockets, no runtime, no clock or randomness of its own (the host
/// injects a [`Clock`] and an [`IdSource`]); its futures complete as soon as the store's
/// do.
pub struct Engine<S> {
    pub(crate) store: S,
    pub(crate) registry: Arc<SchemaRegistry>,
    pub(crate) config: EngineConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdSource>,
    authenticator: Option<Arc<dyn Authenticator>>,
}

/// Who made an authenticated request: attached to its response's extensions
/// (`response.extensions().get::<Caller>()`) for the host's request log.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Caller {
    /// The tenant's name.
    pub tenant: String,
    /// The API key's id (never its secret), when a key authenticated the request.
    pub key_id: Option<String>,
}

/// What one authenticated request carries through its handler.
pub(crate) struct Call<'a> {
    pub(crate) tenant: Tenant,
    pub(crate) principal: Principal,
    pub(crate) parts: &'a Parts,
    pub(crate) params: Params,
    /// The absolute URL of the base path, for `meta.location`.
    pub(crate) base_url: String,
}

impl Call<'_> {
    /// Whether the tenant's profile accepts the identity providers' shapes in queries
    /// and bodies.
    pub(crate) fn lenient(&self) -> bool {
        self.tenant.compat != Compat::STRICT
    }
}

impl<S: Store> Engine<S> {
    /// An engine over `store` with the RFC 7643 schemas and the default configuration.
    pub fn new(store: S, clock: impl Clock + 'static, ids: impl IdSource + 'static) -> Self {
        Self {
            store,
            registry: Arc::new(SchemaRegistry::core()),
            config: EngineConfig::default(),
            clock: Arc::new(clock),
            ids: Arc::new(ids),
            authenticator: None,
        }
    }

    /// Sets the configuration.
    pub fn with_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Sets the schemas and resource types (for instance with a host's extensions).
    pub fn with_registry(mut self, registry: SchemaRegistry) -> Self {
        self.registry = Arc::new(registry);
        self
    }

    /// Authenticates with the host's scheme instead of the engine's API keys.
    pub fn with_authenticator(mut self, authenticator: impl Authenticator + 'static) -> Self {
        self.authenticator = Some(Arc::new(authenticator));
        self
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The schemas and resource types.
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// The configuration.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn timestamp(&self) -> String {
        self.now().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Creates a tenant called `name` (unique) with the identity-provider profile
    /// `compat`.
    pub async fn create_tenant(&self, name: &str, compat: Compat) -> Result<Tenant, ScimError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(ScimError::invalid_value("a tenant needs a name"));
        }
        let tenant = Tenant::new(TenantId(self.ids.new_id()), name, compat);
        match self.store.create_tenant(tenant.clone()).await {
            Ok(()) => Ok(tenant),
            Err(StoreError::AlreadyExists) => Err(ScimError::uniqueness(format!(
                "a tenant called {name:?} exists already"
            ))),
            Err(error) => Err(response::store_error(error)),
        }
    }

    /// Issues a new API key for `tenant`, valid until `expires` if given. The secret is
    /// in the result only; the store keeps its hash.
    pub async fn issue_key(
        &self,
        tenant: &TenantId,
        expires: Option<DateTime<Utc>>,
    ) -> Result<IssuedKey, ScimError> {
        if self
            .store
            .tenant(tenant)
            .await
            .map_err(response::store_error)?
            .is_none()
        {
            return Err(ScimError::not_found(format!("no tenant {tenant}")));
        }
        let secret = format!("scim_{}", self.ids.new_secret());
        let mut key = ApiKey::new(
            format!("key_{}", self.ids.new_id()),
            tenant.clone(),
            KeyHash::of(&secret),
            self.now(),
        );
        key.expires = expires;
        self.store
            .add_key(key.clone())
            .await
            .map_err(response::store_error)?;
        Ok(IssuedKey { key, secret })
    }

    /// Revokes the key `key_id`; the next request with it is refused.
    pub async fn revoke_key(&self, key_id: &str) -> Result<(), ScimError> {
        self.store
            .revoke_key(key_id, self.now())
            .await
            .map_err(|error| match error {
                StoreError::NotFound => ScimError::not_found(format!("no key {key_id}")),
                other => response::store_error(other),
            })
    }

    /// Answers one request. Every failure is an RFC 7644 §3.12 error response; this
    /// never panics on any input.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let (mut parts, body) = request.into_parts();
        // HEAD is GET without the body (RFC 9110 §9.3.2).
        let head = parts.method == Method::HEAD;
        if head {
            parts.method = Method::GET;
        }
        let mut response = match self.dispatch(&parts, body).await {
            Ok(response) => response,
            Err(error) => response::error(&error),
        };
        if head {
            *response.body_mut() = Bytes::new();
        }
        response
    }

    /// The resource type served at the endpoint segment `segment` (`Users`).
    pub(crate) fn endpoint_type(&self, segment: &str) -> Option<&ResourceType> {
        self.registry.resource_types().iter().find(|resource_type| {
            resource_type
                .endpoint
                .trim_matches('/')
                .eq_ignore_ascii_case(segment)
        })
    }

    async fn dispatch(&self, parts: &Parts, body: Bytes) -> Result<Response<Bytes>, ScimError> {
        let path = parts.uri.path();
        let route = route(path, &self.config.base_path, |segment| {
            self.endpoint_type(segment)
                .map(|resource_type| resource_type.name.as_str())
        });
        let method = &parts.method;
        // Discovery describes the service, not a tenant's data: no key needed.
        match (&route, method) {
            (Route::NotFound, _) => {
                return Err(ScimError::not_found(format!("no endpoint {path}")));
            }
            (Route::ServiceProviderConfig, &Method::GET) => {
                return Ok(self.service_provider_config(&self.base_url(parts)));
            }
            (Route::ResourceTypes(name), &Method::GET) => {
                return self.resource_types(&self.base_url(parts), *name);
            }
            (Route::Schemas(id), &Method::GET) => return self.schemas(&self.base_url(parts), *id),
            (Route::ServiceProviderConfig | Route::ResourceTypes(_) | Route::Schemas(_), _) => {
                return method_not_allowed(method, "GET");
            }
            _ => {}
        }
        let principal = self
            .authenticate(parts)
            .await
            .map_err(|failure| ScimError::new(401, failure.detail()))?;
        let tenant = self
            .store
            .tenant(&principal.tenant)
            .await
            .map_err(response::store_error)?
            .ok_or_else(|| ScimError::new(401, AuthFailure::Unknown.detail()))?;
        let call = Call {
            tenant,
            principal,
            parts,
            params: Params::parse(parts.uri.query()),
            base_url: self.base_url(parts),
        };
        let caller = Caller {
            tenant: call.tenant.name.clone(),
            key_id: call.principal.key_id.clone(),
        };
        let result = match (route, method) {
            (Route::Collection(resource_type), &Method::GET) => {
                self.list(&call, resource_type).await
            }
            (Route::Collection(resource_type), &Method::POST) => {
                self.create(&call, resource_type, &body).await
            }
            (Route::Collection(_), _) => method_not_allowed(method, "GET, POST"),
            (Route::Resource(resource_type, id), &Method::GET) => {
                self.get(&call, resource_type, id).await
            }
            (Route::Resource(resource_type, id), &Method::PUT) => {
                self.replace(&call, resource_type, id, &body).await
            }
            (Route::Resource(resource_type, id), &Method::PATCH) => {
                self.patch(&call, resource_type, id, &body).await
            }
            (Route::Resource(resource_type, id), &Method::DELETE) => {
                self.delete(&call, resource_type, id).await
            }
            (Route::Resource(..), _) => method_not_allowed(method, "GET, PUT, PATCH, DELETE"),
            (Route::Search(resource_type), &Method::POST) => {
                self.search(&call, resource_type, &body).await
            }
            (Route::Search(_), _) => method_not_allowed(method, "POST"),
            (Route::Bulk, &Method::POST) => self.bulk(&call, &body).await,
            (Route::Bulk, _) => method_not_allowed(method, "POST"),
            (Route::Me, _) => Err(ScimError::new(
                501,
                "/Me is not supported by this service provider",
            )),
            (
                Route::NotFound
                | Route::ServiceProviderConfig
                | Route::ResourceTypes(_)
                | Route::Schemas(_),
                _,
            ) => Err(ScimError::not_found(format!("no endpoint {path}"))),
        };
        // Hosts log who made the request without looking the key up again.
        let mut response = result.unwrap_or_else(|error| response::error(&error));
        response.extensions_mut().insert(caller);
        Ok(response)
    }

    async fn authenticate(&self, parts: &Parts) -> Result<Principal, AuthFailure> {
        if let Some(authenticator) = &self.authenticator {
            return authenticator.authenticate(parts).await;
        }
        let token = bearer_token(parts).ok_or(AuthFailure::Missing)?;
        let hash = KeyHash::of(token);
        let key = self
            .store
            .key_by_hash(&hash)
            .await
            .ok()
            .flatten()
            .ok_or(AuthFailure::Unknown)?;
        // The store found it by hash; compare again in constant time, as a store's
        // index may not.
        if !key.hash.constant_time_eq(&hash) {
            return Err(AuthFailure::Unknown);
        }
        if key.revoked.is_some() {
            return Err(AuthFailure::Revoked);
        }
        if !key.is_valid_at(self.now()) {
            return Err(AuthFailure::Expired);
        }
        Ok(Principal::new(key.tenant, Some(key.id)))
    }

    /// The absolute URL of the base path.
    fn base_url(&self, parts: &Parts) -> String {
        if let Some(url) = &self.config.public_url {
            return url.clone();
        }
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|host| host.to_str().ok())
            .or_else(|| parts.uri.authority().map(|authority| authority.as_str()))
            .unwrap_or("localhost");
        let scheme = parts.uri.scheme_str().unwrap_or("http");
        format!("{scheme}://{host}{}", self.config.base_path)
    }
}

/// `405` with the `Allow` header RFC 9110 asks for.
pub(crate) fn method_not_allowed(
    method: &Method,
    allowed: &'static str,
) -> Result<Response<Bytes>, ScimError> {
    let error = ScimError::new(405, format!("{method} is not allowed here; use {allowed}"));
    let mut response = response::error(&error);
    response
        .headers_mut()
        .insert(header::ALLOW, http::HeaderValue::from_static(allowed));
    Ok(response)
}

/// A response for a store error, or the value.
pub(crate) fn stored<T>(result: Result<T, StoreError>) -> Result<T, ScimError> {
    result.map_err(response::store_error)
}
