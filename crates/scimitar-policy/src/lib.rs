//! Provisioning decisions for a host app that takes SCIM from Microsoft Entra ID and
//! Okta: what a create, replace, patch or delete means for the app's own accounts.
//!
//! - **Pick-up** ([`match_key`], [`pick_up`]): a create whose `userName` (users) or
//!   `displayName` (groups) matches an account that existed before provisioning links
//!   that account instead of duplicating it.
//! - **Lifecycle** ([`decide_create`], [`decide_update`], [`decide_delete`]): `active:
//!   false` suspends, `active: true` reactivates, a delete deletes or, by the tenant's
//!   [`DeleteRule`], suspends and unlinks; no invitation unless the tenant asks.
//! - **Managers outside the sync scope** ([`manager_reference`], [`manager_keys`]): an
//!   unresolved manager stays pending until that user arrives.
//! - **Members outside the sync scope** ([`skip_unknown_members`]).
//! - **Attribute mappings** ([`Mappings`]): SCIM paths to the host's fields, and the
//!   fields a change touches.
//! - **Change history records** ([`HistoryEntry`], [`changes`]): what changed, path by
//!   path, passwords redacted.
//!
//! Every function is pure: no I/O, no clock. The engine (or a host) looks things up,
//! asks this crate what they mean, and carries the decision out.
//!
//! # Quick start
//!
//! ```
//! use scimitar_policy::{Action, Lifecycle, Policy, decide_update};
//! use scimitar_schema::Resource;
//!
//! let before = Resource::from_value(serde_json::json!({
//!     "userName": "bjensen", "active": true, "title": "Guide",
//! }))?;
//! // Entra ID deactivates, and the title changes in the same request.
//! let after = Resource::from_value(serde_json::json!({
//!     "userName": "bjensen", "active": false, "title": "Lead",
//! }))?;
//! let decision = decide_update(&Policy::default(), "User", &before, &after);
//! assert_eq!(decision.lifecycle, Lifecycle::Suspend);
//! assert_eq!(decision.action(), Action::Suspended);
//! // The host field the default mappings read `title` into, with its new value.
//! let fields: Vec<_> = decision.fields.iter().map(|f| (f.field.as_str(), f.value.as_deref())).collect();
//! assert_eq!(fields, [("job_title_text", Some("Lead"))]);
//! # Ok::<(), scimitar_schema::ScimError>(())
//! ```

mod action;
mod diff;
mod history;
mod keys;
mod manager;
mod mapping;
mod members;
mod pickup;
mod settings;
mod touched;

pub use action::{
    Action, Decision, Lifecycle, ParseActionError, decide_create, decide_delete, decide_patch,
    decide_update,
};
pub use diff::{AttributeChange, REDACTED, changes, changes_within};
pub use history::HistoryEntry;
pub use manager::{
    ENTERPRISE_USER, clear_manager, manager_keys, manager_reference, pending_key, set_manager,
};
pub use mapping::{FieldChange, FieldKind, Mapping, MappingError, Mappings};
pub use members::skip_unknown_members;
pub use pickup::{match_key, pick_up};
pub use settings::{DeleteRule, Policy};
