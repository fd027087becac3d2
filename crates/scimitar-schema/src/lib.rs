//! The SCIM 2.0 resource model (RFC 7643) and its semantics.
//!
//! - Schemas as data: [`AttributeDef`] carries every characteristic of RFC 7643 §7;
//!   [`SchemaRegistry::core`] holds the RFC's User, Group and Enterprise User schemas, and
//!   hosts register their own extensions at run time.
//! - Typed resources ([`User`], [`Group`], [`EnterpriseUser`], …) that keep unknown
//!   attributes and extensions, and a dynamic [`Resource`] with case-insensitive,
//!   URN-aware access by attribute path.
//! - Validation and normalisation of incoming resources ([`validate`]), filter evaluation
//!   ([`matches()`], [`CompiledFilter`]) and projection by `attributes` /
//!   `excludedAttributes` ([`project`]).
//! - The protocol's messages: [`ScimError`], [`ListResponse`], discovery resources.
//!
//! It does no I/O and knows nothing of HTTP or storage.
//!
//! # Quick start
//!
//! ```
//! use scimitar_schema::{matches, validate, Resource, SchemaRegistry, ValidateOptions};
//! use serde_json::json;
//!
//! let registry = SchemaRegistry::core();
//! let users = registry.resource_type("User").unwrap();
//! let input = Resource::from_value(json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "UserName": "bjensen@example.com",
//!     "active": "True",
//! }))?;
//! let user = validate(&registry, users, input, &ValidateOptions::lenient())?.resource;
//! assert_eq!(user.get_attr("userName"), Some(&json!("bjensen@example.com")));
//! assert_eq!(user.get_attr("active"), Some(&json!(true)));
//! assert!(matches(&r#"userName eq "BJENSEN@example.com""#.parse()?, &user, &registry));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod attribute;
mod error;
mod eval;
mod fold;
mod json;
mod project;
mod registry;
mod resource;
mod schema;
mod typed;
pub mod urn;
mod validate;

pub use attribute::{AttributeDef, AttributeType, Mutability, Returned, Uniqueness};
pub use error::{ScimError, ScimType};
pub use eval::{CompiledFilter, CompiledValueFilter, matches};
pub use fold::fold_for_comparison;
pub use project::{Projected, Projection, project, projected};
pub use registry::{AttrLocation, ResolvedAttr, SchemaRegistry};
pub use resource::Resource;
pub use schema::Schema;
pub use typed::*;
pub use validate::{AttributeValidator, ValidateMode, ValidateOptions, Validated, validate};

/// Not API: what scimitar's own crates share beyond the public surface. It may change
/// in any release.
#[doc(hidden)]
pub mod __private {
    /// Case-insensitive access to JSON objects.
    pub mod json {
        pub use crate::json::{entry_ci, get_ci, insert_ci, json_kind, key_ci};
    }
}
