//! The engine: authentication, routing and the per-request context.

use std::sync::Arc;

use bytes::Bytes;
use chrono::{DateTime, SecondsFormat, Utc};
use http::request::Parts;
use http::uri::{Authority, Scheme};
use http::{HeaderMap, Method, Request, Response, StatusCode, header};

use scimitar_schema::{ResourceType, SchemaRegistry, ScimError};

use crate::auth::{ApiKeys, Authenticator, Principal};
use crate::config::EngineConfig;
use crate::env::{Clock, IdSource};
use crate::host::Host;
use crate::query::Params;
use crate::response;
use crate::route::{Route, route};
use crate::store::{ResourceStore, StoreError, TenantStore};

/// The SCIM service provider: hand it each request under the base path, send back the
/// response it returns.
///
/// It is sans-IO: no sockets, no runtime, no clock or randomness of its own (the host
/// injects a [`Clock`] and an [`IdSource`]); its futures complete as soon as the store's
/// do. Every endpoint is also a Rust call on [`Engine::operations`].
pub struct Engine<S> {
    pub(crate) store: Arc<S>,
    pub(crate) registry: Arc<SchemaRegistry>,
    pub(crate) config: EngineConfig,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) ids: Arc<dyn IdSource>,
    pub(crate) host: Option<Arc<dyn Host>>,
    authenticator: Arc<dyn Authenticator>,
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
        self.principal.lenient()
    }
}

impl<S: ResourceStore + TenantStore + 'static> Engine<S> {
    /// An engine over `store` that authenticates requests by the tenants' API keys
    /// (kept in the same store), with the RFC 7643 schemas and the default
    /// configuration.
    pub fn new(store: S, clock: impl Clock + 'static, ids: impl IdSource + 'static) -> Self {
        let store = Arc::new(store);
        let clock: Arc<dyn Clock> = Arc::new(clock);
        let keys = ApiKeys::new(Arc::clone(&store), Arc::clone(&clock));
        Self::build(store, Arc::new(keys), clock, Arc::new(ids))
    }
}

impl<S: ResourceStore> Engine<S> {
    /// An engine over a store of resources only, whose requests `authenticator`
    /// authenticates: the host's own scheme names the tenant and its settings, and the
    /// engine keeps no tenants or keys.
    pub fn authenticated_by(
        store: S,
        authenticator: impl Authenticator + 'static,
        clock: impl Clock + 'static,
        ids: impl IdSource + 'static,
    ) -> Self {
        Self::build(
            Arc::new(store),
            Arc::new(authenticator),
            Arc::new(clock),
            Arc::new(ids),
        )
    }

    fn build(
        store: Arc<S>,
        authenticator: Arc<dyn Authenticator>,
        clock: Arc<dyn Clock>,
        ids: Arc<dyn IdSource>,
    ) -> Self {
        Self {
            store,
            registry: Arc::new(SchemaRegistry::core()),
            config: EngineConfig::default(),
            clock,
            ids,
            host: None,
            authenticator,
        }
    }

    /// Keeps the host app's own accounts in step with every write: `host` finds the
    /// unmanaged accounts a create picks up and carries out each decided change.
    /// Default: none, and the store's own unmanaged accounts are picked up.
    pub fn with_host(mut self, host: impl Host + 'static) -> Self {
        self.host = Some(Arc::new(host));
        self
    }

    /// Replaces the configuration. Default: [`EngineConfig::default`].
    pub fn with_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Replaces the schemas and resource types (for instance with a host's
    /// extensions). Default: [`SchemaRegistry::core`].
    pub fn with_registry(mut self, registry: SchemaRegistry) -> Self {
        self.registry = Arc::new(registry);
        self
    }

    /// Authenticates with the host's scheme instead of the engine's API keys (which
    /// then open nothing).
    pub fn with_authenticator(mut self, authenticator: impl Authenticator + 'static) -> Self {
        self.authenticator = Arc::new(authenticator);
        self
    }

    /// The store the engine reads and writes, for the host's own calls beside it.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The schemas and resource types requests are validated against.
    pub fn registry(&self) -> &SchemaRegistry {
        &self.registry
    }

    /// The configuration requests are served with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    pub(crate) fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub(crate) fn timestamp(&self) -> String {
        self.now().to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Answers one request. Every failure is an RFC 7644 §3.12 error response; this
    /// never panics on any input. A request that met a store failure carries its cause
    /// in the response's extensions ([`StoreFailure`](crate::StoreFailure)), for the
    /// host's log.
    pub async fn handle(&self, request: Request<Bytes>) -> Response<Bytes> {
        let (parts, body) = request.into_parts();
        match self.admit(&parts).await {
            Ok(admitted) => self.handle_admitted(admitted, parts, body).await,
            Err(refused) => refused,
        }
    }

    /// Checks the head of a request before its body is read: the request needs no key
    /// (discovery, or no endpoint), or its credential is valid; otherwise the response
    /// that refuses it (`401`, or `503` when the credential cannot be checked), which is
    /// final whatever the body. A host that reads bodies itself calls this first, then
    /// [`handle_admitted`](Self::handle_admitted) with the same head, so that a caller
    /// without a valid key never gets its body read.
    pub(crate) async fn admit(&self, head: &Parts) -> Result<Admitted, Response<Bytes>> {
        if !needs_key(&self.route(head.uri.path())) {
            return Ok(Admitted { principal: None });
        }
        match response::noting(self.authenticate(head)).await {
            (Ok(principal), _) => Ok(Admitted {
                principal: Some(principal),
            }),
            (Err(error), failure) => {
                let mut refused = response::error(&error);
                if let Some(failure) = failure {
                    refused.extensions_mut().insert(failure);
                }
                Err(without_body_for_head(head, refused))
            }
        }
    }

    /// The caller of the request whose head is `head`, or the error that refuses it.
    async fn authenticate(&self, head: &Parts) -> Result<Principal, ScimError> {
        self.authenticator
            .authenticate(head)
            .await
            .map_err(|failure| ScimError::new(failure.status(), failure.detail()))
    }

    /// Answers the request of `head` and `body`, which [`admit`](Self::admit) admitted,
    /// without authenticating it again.
    pub(crate) async fn handle_admitted(
        &self,
        admitted: Admitted,
        mut parts: Parts,
        body: Bytes,
    ) -> Response<Bytes> {
        // HEAD is GET without the body (RFC 9110 §9.3.2).
        let head = parts.method == Method::HEAD;
        if head {
            parts.method = Method::GET;
        }
        let (result, failure) = response::noting(self.dispatch(&parts, body, admitted)).await;
        let mut response = result.unwrap_or_else(|error| response::error(&error));
        if let Some(failure) = failure {
            response.extensions_mut().insert(failure);
        }
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

    /// Routes `path` under the base path.
    pub(crate) fn route<'a>(&'a self, path: &'a str) -> Route<'a> {
        route(path, &self.config.base_path, |segment| {
            self.endpoint_type(segment)
                .map(|resource_type| resource_type.name.as_str())
        })
    }

    async fn dispatch(
        &self,
        parts: &Parts,
        body: Bytes,
        admitted: Admitted,
    ) -> Result<Response<Bytes>, ScimError> {
        let path = parts.uri.path();
        let route = self.route(path);
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
        let principal = match admitted.principal {
            Some(principal) => principal,
            // Not admitted for a route that needs a key: checked here, never skipped.
            None => self.authenticate(parts).await?,
        };
        let call = Call {
            principal,
            parts,
            params: Params::parse(parts.uri.query()),
            base_url: self.base_url(parts),
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
                StatusCode::NOT_IMPLEMENTED,
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
        let Principal { tenant, key_id } = call.principal;
        response.extensions_mut().insert(Caller {
            tenant: tenant.name,
            key_id,
        });
        Ok(response)
    }

    /// The absolute URL of the base path: the public URL when set, else the scheme and
    /// host of the request (or of trusted forwarded headers) and the base path.
    fn base_url(&self, parts: &Parts) -> String {
        if let Some(url) = &self.config.public_url {
            return url.clone();
        }
        let forwarded = self
            .config
            .trust_forwarded_headers
            .then(|| forwarded(&parts.headers));
        let (forwarded_scheme, forwarded_host) = forwarded.unwrap_or_default();
        let host = forwarded_host
            .or_else(|| {
                let host = parts.headers.get(header::HOST)?.to_str().ok()?;
                is_host(host).then_some(host)
            })
            .or_else(|| parts.uri.authority().map(Authority::as_str))
            .unwrap_or("localhost");
        let scheme = forwarded_scheme
            .as_ref()
            .or(parts.uri.scheme())
            .map_or("http", Scheme::as_str);
        format!("{scheme}://{host}{}", self.config.base_path)
    }
}

/// A request head that [`Engine::admit`] let through, and who it acts for.
pub(crate) struct Admitted {
    /// The caller, when the route needs a key.
    principal: Option<Principal>,
}

/// Whether a request on `route` needs a key: all but discovery, which describes the
/// service rather than a tenant's data, and paths that name no endpoint.
fn needs_key(route: &Route<'_>) -> bool {
    !matches!(
        route,
        Route::NotFound
            | Route::ServiceProviderConfig
            | Route::ResourceTypes(_)
            | Route::Schemas(_)
    )
}

/// `response` without its body when it answers a `HEAD` request (RFC 9110 §9.3.2).
fn without_body_for_head(head: &Parts, mut response: Response<Bytes>) -> Response<Bytes> {
    if head.method == Method::HEAD {
        *response.body_mut() = Bytes::new();
    }
    response
}

/// Whether `text` is a host and optional port as `Host` carries them: a name, an IPv4
/// address or a bracketed IPv6 one, and nothing that could end a URL's authority.
fn is_host(text: &str) -> bool {
    !text.is_empty()
        && text.bytes().all(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'.' | b'-' | b'_' | b':' | b'[' | b']')
        })
}

/// The scheme and host of `X-Forwarded-Proto` and `X-Forwarded-Host`: the first value
/// of each (the one the client-facing proxy set), when it is `http` or `https`, and a
/// well-formed host and port.
fn forwarded(headers: &HeaderMap) -> (Option<Scheme>, Option<&str>) {
    let first = |name: &str| {
        let value = headers.get(name)?.to_str().ok()?;
        Some(value.split(',').next()?.trim())
    };
    let scheme = first("x-forwarded-proto").and_then(|proto| {
        if proto.eq_ignore_ascii_case("https") {
            Some(Scheme::HTTPS)
        } else if proto.eq_ignore_ascii_case("http") {
            Some(Scheme::HTTP)
        } else {
            None
        }
    });
    let host = first("x-forwarded-host").filter(|host| is_host(host));
    (scheme, host)
}

/// `405` with the `Allow` header RFC 9110 asks for.
pub(crate) fn method_not_allowed(
    method: &Method,
    allowed: &'static str,
) -> Result<Response<Bytes>, ScimError> {
    let error = ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("{method} is not allowed here; use {allowed}"),
    );
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
