//! SCIM 2.0 PATCH (RFC 7644 §3.5.2), complete and atomic.
//!
//! - [`PatchRequest`] reads a PatchOp message; [`apply`] applies its operations to a
//!   [`Resource`](scimitar_schema::Resource) against the resource type's schemas, all or
//!   nothing, and reports which attributes changed ([`PatchOutcome`]).
//! - Multi-valued attributes follow the RFC's rules: `add` appends without duplicating,
//!   `replace` replaces all values or the filtered ones, `remove` with a filter removes the
//!   matching values, and one `primary: true` clears the others. A membership change
//!   costs one pass over the group plus time linear in the members named (never their
//!   product), and large arrays are changed in place with a fine-grained undo log
//!   rather than copied.
//! - [`PatchLimits`] caps the operations of one request and the length of its values,
//!   checked before anything applies (`400 tooMany`, `400 invalidValue`).
//! - [`Compat`] names each deviation of Microsoft Entra ID and Okta that is accepted on
//!   purpose, grouped in the profiles `strict`, `entra`, `okta` and `lenient`.
//!
//! It does no I/O: the engine loads the resource, applies, and stores the result if
//! [`PatchOutcome::changed`].
//!
//! # Quick start
//!
//! ```
//! use scimitar_patch::{apply, Compat, PatchRequest};
//! use scimitar_schema::{Resource, SchemaRegistry};
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::core();
//! let users = registry.resource_type("User").unwrap();
//! let mut user = Resource::from_value(json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "id": "2819c223",
//!     "userName": "bjensen",
//!     "active": true,
//! }))?;
//! let body = br#"{
//!     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
//!     "Operations": [
//!         {"op": "Replace", "path": "active", "value": "False"},
//!         {"op": "Add", "path": "emails[type eq \"work\"].value", "value": "bjensen@example.com"}
//!     ]
//! }"#;
//! let request = PatchRequest::from_json(body, &Compat::ENTRA)?;
//! let outcome = apply(&mut user, request.operations, &registry, users, &Compat::ENTRA)?;
//! assert_eq!(outcome.changed_attributes, ["active", "emails"]);
//! assert_eq!(user.get_attr("active"), Some(&json!(false)));
//! assert_eq!(user.get_attr("emails"), Some(&json!([{"type": "work", "value": "bjensen@example.com"}])));
//! # Ok::<(), scimitar_schema::ScimError>(())
//! ```

mod apply;
mod compat;
mod limits;
mod message;
mod multi;

pub use apply::{PatchOutcome, apply};
pub use compat::{Compat, UnknownProfile};
pub use limits::PatchLimits;
pub use message::{OpKind, PatchOperation, PatchRequest};
