//! The core User resource.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::{EnterpriseUser, Meta, nullable_vec};
use crate::error::ScimError;
use crate::resource::Resource;
use crate::urn;

/// A user account, the core User resource
/// ([RFC 7643 §4.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1)), with the
/// Enterprise User extension ([RFC 7643 §4.3](https://www.rfc-editor.org/rfc/rfc7643#section-4.3))
/// in [`enterprise`](Self::enterprise).
///
/// Attributes and extension objects this struct does not know are kept in
/// [`extra`](Self::extra) and written back unchanged.
///
/// ```
/// use scimitar_schema::{Email, EnterpriseUser, User};
/// use serde_json::json;
///
/// let mut user = User::new("bjensen@example.com");
/// user.active = Some(true);
/// user.emails.push(Email::new("bjensen@example.com").with_type("work").with_primary(true));
/// let mut enterprise = EnterpriseUser::new();
/// enterprise.department = Some("Tour Operations".into());
/// let user = user.with_enterprise(enterprise);
///
/// let enterprise_urn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
/// assert_eq!(
///     serde_json::to_value(&user).unwrap(),
///     json!({
///         "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", enterprise_urn],
///         "userName": "bjensen@example.com",
///         "active": true,
///         "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true}],
///         enterprise_urn: {"department": "Tour Operations"},
///     }),
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct User {
    /// The URNs of the schemas the resource uses: the core User schema and the
    /// extensions present. A document without `schemas` reads as the core User schema.
    #[serde(default = "user_schemas")]
    pub schemas: Vec<String>,
    /// The service provider's unique, stable identifier of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The client's identifier of the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// Resource metadata.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// The unique name the user signs in with. Required.
    pub user_name: String,
    /// The components of the user's real name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<Name>,
    /// The name of the user, suitable for display to end users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The casual way to address the user.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nick_name: Option<String>,
    /// A URI of the user's online profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_url: Option<String>,
    /// The user's title, such as `Vice President`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The relationship between the organisation and the user, such as `Employee` or
    /// `Contractor`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_type: Option<String>,
    /// The user's preferred written or spoken languages, as in the HTTP
    /// `Accept-Language` header, e.g. `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferred_language: Option<String>,
    /// The user's default location for localising currency, dates and numbers, e.g.
    /// `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
    /// The user's time zone, an IANA name such as `America/Los_Angeles`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    /// Whether the user's administrative status is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub active: Option<bool>,
    /// The user's clear-text password, as a client sends it to set or replace it.
    ///
    /// Write-only (`returned: never`): a service provider never returns it. This struct
    /// reads and writes it like any other attribute; the engine removes it from every
    /// response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub password: Option<String>,
    /// E-mail addresses.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub emails: Vec<Email>,
    /// Phone numbers.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub phone_numbers: Vec<PhoneNumber>,
    /// Instant messaging addresses.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ims: Vec<Im>,
    /// URIs of images of the user.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub photos: Vec<Photo>,
    /// Physical mailing addresses.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub addresses: Vec<Address>,
    /// The groups the user belongs to, directly or indirectly. Read-only: membership
    /// changes through the Group resource.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub groups: Vec<GroupRef>,
    /// Entitlements: things the user has.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub entitlements: Vec<Entitlement>,
    /// Roles: collections of entitlements, such as `Student` or `Faculty`.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub roles: Vec<Role>,
    /// DER-encoded X.509 certificates issued to the user.
    #[serde(
        default,
        deserialize_with = "nullable_vec",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub x509_certificates: Vec<X509Certificate>,
    /// The Enterprise User extension, under the key
    /// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`. Its URN belongs
    /// in [`schemas`](Self::schemas) too; [`with_enterprise`](Self::with_enterprise)
    /// adds it.
    #[serde(
        default,
        rename = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
        skip_serializing_if = "Option::is_none"
    )]
    pub enterprise: Option<EnterpriseUser>,
    /// Every other attribute and extension object, kept as read. Must not repeat a name
    /// the fields above write.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

fn user_schemas() -> Vec<String> {
    vec![urn::USER.to_owned()]
}

impl User {
    /// A user with `userName` and the core User schema, and nothing else.
    pub fn new(user_name: impl Into<String>) -> Self {
        Self {
            schemas: user_schemas(),
            id: None,
            external_id: None,
            meta: None,
            user_name: user_name.into(),
            name: None,
            display_name: None,
            nick_name: None,
            profile_url: None,
            title: None,
            user_type: None,
            preferred_language: None,
            locale: None,
            timezone: None,
            active: None,
            password: None,
            emails: Vec::new(),
            phone_numbers: Vec::new(),
            ims: Vec::new(),
            photos: Vec::new(),
            addresses: Vec::new(),
            groups: Vec::new(),
            entitlements: Vec::new(),
            roles: Vec::new(),
            x509_certificates: Vec::new(),
            enterprise: None,
            extra: Map::new(),
        }
    }

    /// Sets the Enterprise User extension and lists its URN in `schemas`.
    pub fn with_enterprise(mut self, enterprise: EnterpriseUser) -> Self {
        self.enterprise = Some(enterprise);
        if !self
            .schemas
            .iter()
            .any(|listed| listed.eq_ignore_ascii_case(urn::ENTERPRISE_USER))
        {
            self.schemas.push(urn::ENTERPRISE_USER.to_owned());
        }
        self
    }

    /// The primary e-mail address, or else the first one.
    pub fn primary_email(&self) -> Option<&Email> {
        self.emails
            .iter()
            .find(|email| email.primary == Some(true))
            .or_else(|| self.emails.first())
    }

    /// The user as a dynamic [`Resource`].
    pub fn to_resource(&self) -> Resource {
        super::to_resource(self)
    }

    /// Reads a user from a [`Resource`]; a missing `userName` or a value of the wrong
    /// type is `400 invalidValue`.
    pub fn from_resource(resource: &Resource) -> Result<Self, ScimError> {
        super::from_resource(resource.clone(), "User")
    }
}

super::resource_conversions!(User);

/// The components of a user's real name, the `name` attribute
/// ([RFC 7643 §4.1.1](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Name {
    /// The full name, with middle names, titles and suffixes, formatted for display,
    /// e.g. `Ms. Barbara J Jensen, III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The family name, or last name in most Western languages, e.g. `Jensen`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family_name: Option<String>,
    /// The given name, or first name in most Western languages, e.g. `Barbara`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub given_name: Option<String>,
    /// The middle names, e.g. `Jane`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middle_name: Option<String>,
    /// The honorific prefixes, or title in most Western languages, e.g. `Ms.`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_prefix: Option<String>,
    /// The honorific suffixes, e.g. `III`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub honorific_suffix: Option<String>,
}

impl Name {
    /// A name with no components.
    pub fn new() -> Self {
        Self::default()
    }

    /// A name with the given and family names.
    pub fn given_family(given_name: impl Into<String>, family_name: impl Into<String>) -> Self {
        Self {
            given_name: Some(given_name.into()),
            family_name: Some(family_name.into()),
            ..Self::default()
        }
    }
}

/// Defines a multi-valued attribute's value with the sub-attributes `value`, `display`,
/// `type` and `primary` (RFC 7643 §2.4).
macro_rules! multi_valued {
    ($(#[$doc:meta])* $name:ident, $value:literal, $kinds:literal) => {
        $(#[$doc])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[non_exhaustive]
        pub struct $name {
            #[doc = concat!("The value: ", $value, ".")]
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub value: Option<String>,
            /// A human-readable name, for display.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub display: Option<String>,
            #[doc = concat!("The `type` label of the value: ", $kinds, ".")]
            #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
            pub kind: Option<String>,
            /// Whether this is the preferred value of its attribute; at most one is.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub primary: Option<bool>,
        }

        impl $name {
            #[doc = concat!("A value with `value` set to ", $value, ".")]
            pub fn new(value: impl Into<String>) -> Self {
                Self {
                    value: Some(value.into()),
                    ..Self::default()
                }
            }

            /// Sets `type`.
            pub fn with_type(mut self, kind: impl Into<String>) -> Self {
                self.kind = Some(kind.into());
                self
            }

            /// Sets `display`.
            pub fn with_display(mut self, display: impl Into<String>) -> Self {
                self.display = Some(display.into());
                self
            }

            /// Sets `primary`.
            pub fn with_primary(mut self, primary: bool) -> Self {
                self.primary = Some(primary);
                self
            }
        }
    };
}

multi_valued! {
    /// One of a user's e-mail addresses, the `emails` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Email,
    "the e-mail address, canonicalised per RFC 5321",
    "`work`, `home`, `other` or a value of the service provider's own"
}

multi_valued! {
    /// One of a user's phone numbers, the `phoneNumbers` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    PhoneNumber,
    "the phone number, ideally an RFC 3966 `tel:` URI",
    "`work`, `home`, `mobile`, `fax`, `pager`, `other` or a value of the service \
     provider's own"
}

multi_valued! {
    /// One of a user's instant messaging addresses, the `ims` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Im,
    "the instant messaging address",
    "`aim`, `gtalk`, `icq`, `xmpp`, `msn`, `skype`, `qq`, `yahoo` or a value of the \
     service provider's own"
}

multi_valued! {
    /// One of a user's photos, the `photos` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Photo,
    "the URI of an image file",
    "`photo`, `thumbnail` or a value of the service provider's own"
}

multi_valued! {
    /// One of a user's entitlements, the `entitlements` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Entitlement,
    "the entitlement",
    "no canonical values are defined"
}

multi_valued! {
    /// One of a user's roles, the `roles` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    Role,
    "the role",
    "no canonical values are defined"
}

multi_valued! {
    /// One of a user's X.509 certificates, the `x509Certificates` attribute
    /// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
    X509Certificate,
    "the DER-encoded certificate, in base64",
    "no canonical values are defined"
}

/// One of a user's physical mailing addresses, the `addresses` attribute
/// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Address {
    /// The full mailing address, formatted for display or for a mailing label; it may
    /// contain newlines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub formatted: Option<String>,
    /// The street address: house number, street name, P.O. box and so on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub street_address: Option<String>,
    /// The city or locality.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locality: Option<String>,
    /// The state or region.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The zip code or postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<String>,
    /// The country, an ISO 3166-1 alpha-2 code such as `US` (the RFC's own example
    /// writes `USA`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// The `type` label of the address: `work`, `home`, `other` or a value of the
    /// service provider's own.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// Whether this is the preferred address; at most one is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<bool>,
}

impl Address {
    /// An address with no components.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A group a user belongs to, a value of the read-only `groups` attribute
/// ([RFC 7643 §4.1.2](https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2)).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct GroupRef {
    /// The `id` of the group.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// The URI of the group resource (`$ref` on the wire).
    #[serde(default, rename = "$ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The group's display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
    /// How the user belongs to the group (`type` on the wire): `direct` or `indirect`.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

impl GroupRef {
    /// A reference to the group with `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            value: Some(id.into()),
            ..Self::default()
        }
    }
}
