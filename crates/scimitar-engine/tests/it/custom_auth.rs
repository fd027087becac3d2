//! A host's own authentication scheme in place of API keys.

use bytes::Bytes;
use chrono::{TimeZone, Utc};
use http::request::Parts;
use http::{Request, StatusCode};

use scimitar_engine::{
    AuthFailure, Authenticator, BoxFuture, Engine, MemoryStore, Principal, TenantId, block_on,
};
use scimitar_patch::Compat;

use crate::support::SequentialIds;

/// Trusts a gateway's `X-Tenant` header (as a host behind mTLS might).
struct GatewayHeader;

impl Authenticator for GatewayHeader {
    fn authenticate<'a>(
        &'a self,
        request: &'a Parts,
    ) -> BoxFuture<'a, Result<Principal, AuthFailure>> {
        let tenant = request
            .headers
            .get("x-tenant")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        Box::pin(async move {
            let tenant = tenant.ok_or(AuthFailure::Missing)?;
            Ok(Principal::new(TenantId(tenant), None))
        })
    }
}

#[test]
fn a_host_authenticator_replaces_api_keys() {
    let clock = || Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let engine = Engine::new(MemoryStore::new(), clock, SequentialIds::default())
        .with_authenticator(GatewayHeader);
    let tenant = block_on(engine.create_tenant("acme", Compat::LENIENT)).unwrap();
    let key = block_on(engine.issue_key(&tenant.id, None)).unwrap();
    let list = |header: Option<(&str, String)>| {
        let mut request = Request::get("https://app.example.com/scim/v2/Users");
        if let Some((name, value)) = header {
            request = request.header(name, value);
        }
        block_on(engine.handle(request.body(Bytes::new()).unwrap())).status()
    };
    assert_eq!(
        list(Some(("x-tenant", tenant.id.0.clone()))),
        StatusCode::OK
    );
    // The engine's own keys no longer count.
    assert_eq!(
        list(Some(("authorization", format!("Bearer {}", key.secret)))),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(list(None), StatusCode::UNAUTHORIZED);
    // A principal of a tenant that does not exist is refused too.
    assert_eq!(
        list(Some(("x-tenant", "nobody".to_owned()))),
        StatusCode::UNAUTHORIZED
    );
}
