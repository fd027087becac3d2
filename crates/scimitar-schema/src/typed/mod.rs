//! Typed structs for the resources and messages of RFC 7643 and RFC 7644.
//!
//! Each struct mirrors its RFC definition: public fields named after the RFC's
//! attributes (in snake case; serde writes the RFC's exact camelCase names), optional
//! attributes as `Option` or empty `Vec`, omitted from the output when unset. [`User`],
//! [`Group`] and [`EnterpriseUser`] keep every attribute they do not know in `extra`,
//! so unknown attributes and extension objects round-trip unchanged.
//!
//! Attribute names are matched exactly as the RFC spells them; input from clients that
//! vary the case is normalised first by [`validate`](crate::validate), and the engine
//! works on [`Resource`](crate::Resource), which compares names case-insensitively.

mod discovery;
mod enterprise;
mod group;
mod list;
mod meta;
mod user;

pub use discovery::{
    AuthenticationScheme, BulkConfig, FilterConfig, ResourceType, SchemaExtension,
    ServiceProviderConfig, Supported,
};
pub use enterprise::{EnterpriseUser, Manager};
pub use group::{Group, Member};
pub use list::ListResponse;
pub use meta::Meta;
pub use user::{
    Address, Email, Entitlement, GroupRef, Im, Name, PhoneNumber, Photo, Role, User,
    X509Certificate,
};

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{Map, Value};

use crate::error::ScimError;
use crate::resource::Resource;

/// `From<T> for Resource` and `TryFrom<Resource> for T` for a typed resource with
/// `to_resource`.
macro_rules! resource_conversions {
    ($ty:ident) => {
        impl From<$ty> for Resource {
            fn from(typed: $ty) -> Self {
                typed.to_resource()
            }
        }

        impl TryFrom<Resource> for $ty {
            type Error = ScimError;

            fn try_from(resource: Resource) -> Result<Self, ScimError> {
                super::from_resource(resource, stringify!($ty))
            }
        }
    };
}

pub(crate) use resource_conversions;

/// Reads a multi-valued attribute, accepting `null` as no values.
fn nullable_vec<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<Vec<T>>::deserialize(deserializer).map(Option::unwrap_or_default)
}

/// `value` as a [`Resource`].
fn to_resource<T: Serialize>(value: &T) -> Resource {
    match serde_json::to_value(value) {
        Ok(Value::Object(map)) => Resource::from(map),
        // The typed structs serialise to objects with string keys, which cannot fail.
        _ => Resource::from(Map::new()),
    }
}

/// Reads a `T` from `resource`; a mismatch is `400 invalidValue` naming the problem.
fn from_resource<T: for<'de> Deserialize<'de>>(
    resource: Resource,
    what: &str,
) -> Result<T, ScimError> {
    serde_json::from_value(resource.into_value())
        .map_err(|err| ScimError::invalid_value(format!("not a valid {what}: {err}")))
}
