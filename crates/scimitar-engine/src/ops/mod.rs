//! The typed operation layer: every SCIM endpoint as a Rust call, between HTTP and the
//! store. The HTTP handlers and `/Bulk` are thin over it, and hosts and tests call it
//! directly.

mod commit;
mod list;
mod preconditions;
mod provision;
mod write;

use std::sync::Arc;

use scimitar_schema::{ResourceType, ScimError};

use crate::auth::Principal;
use crate::engine::{Engine, stored};
use crate::store::{ResourceStore, StoredResource};

pub use list::{ListRequest, ListResult};
pub use preconditions::Preconditions;

/// The SCIM operations, acting for one [`Principal`]: create, get, replace, patch,
/// delete, list and search with typed inputs and results, and the same checks,
/// profiles and errors as the HTTP endpoints that call them.
///
/// ```
/// use chrono::{TimeZone, Utc};
/// use scimitar_engine::{Engine, IdSource, ListRequest, MemoryStore, Preconditions, Principal};
/// use scimitar_patch::{Compat, PatchRequest};
/// use scimitar_schema::Resource;
/// # struct Counter(std::sync::atomic::AtomicU64);
/// # impl IdSource for Counter {
/// #     fn new_id(&self) -> String {
/// #         format!("id-{}", self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
/// #     }
/// #     fn new_secret(&self) -> String { self.new_id() }
/// # }
/// # pollster::block_on(async {
/// let clock = || Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
/// let engine = Engine::new(MemoryStore::new(), clock, Counter(Default::default()));
/// let tenant = engine.create_tenant("acme", Compat::LENIENT).await?;
/// let principal = Principal::new(tenant, None);
/// let scim = engine.operations(&principal);
///
/// let body = serde_json::json!({"userName": "bjensen", "active": true});
/// let created = scim.create("User", Resource::from_value(body)?).await?;
/// let patch = PatchRequest::from_value(
///     &serde_json::json!({
///         "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///         "Operations": [{"op": "replace", "path": "active", "value": false}],
///     }),
///     &Compat::LENIENT,
/// )?;
/// let patched = scim.patch("User", &created.id, &patch, &Preconditions::none()).await?;
/// assert_eq!(patched.version, 2);
///
/// let request = ListRequest::new().filter_text(r#"userName eq "BJensen""#, true)?;
/// assert_eq!(scim.list("User", &request).await?.total, 1);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// # }).unwrap();
/// ```
pub struct Operations<'e, S> {
    pub(crate) engine: &'e Engine<S>,
    pub(crate) principal: &'e Principal,
    pub(crate) request_id: Option<String>,
}

/// A user's `groups` attribute from its groups `(id, displayName)`, with `$ref`s when
/// `location` gives them.
pub(crate) fn groups_value(
    groups: impl IntoIterator<Item = (String, String)>,
    location: Option<&(dyn Fn(&str) -> String + Sync)>,
) -> serde_json::Value {
    let groups = groups
        .into_iter()
        .map(|(id, display)| {
            let mut group = serde_json::json!({"value": id, "display": display, "type": "direct"});
            if let Some(location) = location {
                group["$ref"] = serde_json::Value::String(location(&id));
            }
            group
        })
        .collect();
    serde_json::Value::Array(groups)
}

impl<S: ResourceStore> Engine<S> {
    /// The operations, acting for `principal` (whose tenant they read and change).
    pub fn operations<'e>(&'e self, principal: &'e Principal) -> Operations<'e, S> {
        Operations {
            engine: self,
            principal,
            request_id: None,
        }
    }
}

impl<S: ResourceStore> Operations<'_, S> {
    /// The principal the operations act for.
    pub fn principal(&self) -> &Principal {
        self.principal
    }

    /// Records `id` as the request id of the history entries these operations write
    /// (a host's own request id, for tracing a change to its request).
    pub fn with_request_id(mut self, id: impl Into<String>) -> Self {
        self.request_id = Some(id.into());
        self
    }

    /// Whether the tenant's profile accepts the identity providers' shapes.
    fn lenient(&self) -> bool {
        self.principal.lenient()
    }

    /// The resource type called `name` (`User`), or `404`.
    fn resource_type(&self, name: &str) -> Result<&ResourceType, ScimError> {
        self.engine
            .registry
            .resource_type(name)
            .ok_or_else(|| ScimError::not_found(format!("no resource type {name}")))
    }

    /// `GET /Users/{id}`: the stored resource (without computed attributes such as a
    /// user's `groups`), or `404`.
    pub async fn get(
        &self,
        resource_type: &str,
        id: &str,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let resource_type = &self.resource_type(resource_type)?.name;
        stored(
            self.engine
                .store
                .get(&self.principal.tenant.id, resource_type, id)
                .await,
        )?
        .ok_or_else(|| ScimError::not_found(format!("{resource_type} {id:?} not found")))
    }

    /// A user's computed `groups` attribute (RFC 7643 §4.1.2), `None` when it is in no
    /// group: each group's `value`, `display`, `type` and, when `location` is given, its
    /// `$ref`.
    pub(crate) async fn groups_attribute(
        &self,
        user_id: &str,
        location: Option<&(dyn Fn(&str) -> String + Sync)>,
    ) -> Result<Option<serde_json::Value>, ScimError> {
        let groups = self.groups_of(user_id).await?;
        if groups.is_empty() {
            return Ok(None);
        }
        Ok(Some(groups_value(groups, location)))
    }

    /// The groups that list `member_id` among their members, as `(id, displayName)`:
    /// a user's computed `groups` attribute (RFC 7643 §4.1.2).
    pub async fn groups_of(&self, member_id: &str) -> Result<Vec<(String, String)>, ScimError> {
        stored(
            self.engine
                .store
                .groups_with_member(&self.principal.tenant.id, member_id)
                .await,
        )
    }
}
