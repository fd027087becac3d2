//! Tenants and their API keys.

use std::fmt;

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use scimitar_patch::Compat;
use scimitar_policy::Policy;

/// A tenant's identifier: opaque, chosen by the engine's id source.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TenantId(pub String);

impl fmt::Display for TenantId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for TenantId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// One customer instance. Every resource belongs to exactly one tenant.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Tenant {
    /// The opaque identifier every store call is scoped by, chosen by the engine's
    /// [`IdSource`](crate::IdSource) when [`Engine::create_tenant`](crate::Engine::create_tenant)
    /// makes the tenant (or by the host, for a host's own [`Authenticator`](crate::Authenticator)).
    pub id: TenantId,
    /// A unique, human-readable name such as `default` or `acme`.
    pub name: String,
    /// Which identity-provider deviations its requests may use.
    pub compat: Compat,
    /// Its provisioning rules and attribute mappings.
    pub policy: Policy,
}

impl Tenant {
    /// A tenant record, as a store keeps it or a host's authenticator returns it;
    /// [`Engine::create_tenant`](crate::Engine::create_tenant) makes and stores one with
    /// a fresh id.
    /// Its [`policy`](Tenant::policy) is the default one.
    pub fn new(id: TenantId, name: impl Into<String>, compat: Compat) -> Self {
        Self {
            id,
            name: name.into(),
            compat,
            policy: Policy::default(),
        }
    }

    /// The tenant with `policy` as its provisioning rules.
    pub fn with_policy(mut self, policy: Policy) -> Self {
        self.policy = policy;
        self
    }
}

/// The SHA-256 of an API key's secret: all that is stored of it.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyHash(pub [u8; 32]);

impl KeyHash {
    /// The hash of `secret`.
    pub fn of(secret: &str) -> Self {
        Self(Sha256::digest(secret.as_bytes()).into())
    }

    /// Compares in time independent of where the hashes differ.
    pub fn constant_time_eq(&self, other: &Self) -> bool {
        self.0.ct_eq(&other.0).into()
    }

    /// The hash as lower-case hex.
    // Hand-written: 64 digits from a table, on every key lookup, are not worth a crate.
    pub fn to_hex(&self) -> String {
        const DIGITS: &[u8; 16] = b"0123456789abcdef";
        let mut hex = String::with_capacity(64);
        for byte in self.0 {
            hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
            hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
        hex
    }

    /// Reads lower- or upper-case hex.
    pub fn from_hex(hex: &str) -> Option<Self> {
        if hex.len() != 64 {
            return None;
        }
        let mut bytes = [0u8; 32];
        for (index, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
        }
        Some(Self(bytes))
    }
}

impl fmt::Debug for KeyHash {
    /// Never prints the hash itself, which could be brute-forced offline for weak keys.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("KeyHash(…)")
    }
}

/// An API key as stored: its id, tenant, hash and life.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ApiKey {
    /// The key's public identifier, safe to log and to show (`key_…`).
    pub id: String,
    /// The tenant the key identifies.
    pub tenant: TenantId,
    /// The hash of the secret.
    pub hash: KeyHash,
    /// When it was issued.
    pub created: DateTime<Utc>,
    /// When it stops working, if ever.
    pub expires: Option<DateTime<Utc>>,
    /// When it was revoked, if it was.
    pub revoked: Option<DateTime<Utc>>,
}

impl ApiKey {
    /// A key issued at `created` that never expires.
    pub fn new(
        id: impl Into<String>,
        tenant: TenantId,
        hash: KeyHash,
        created: DateTime<Utc>,
    ) -> Self {
        Self {
            id: id.into(),
            tenant,
            hash,
            created,
            expires: None,
            revoked: None,
        }
    }

    /// Whether the key works at `now`: neither revoked nor expired.
    pub fn is_valid_at(&self, now: DateTime<Utc>) -> bool {
        self.revoked.is_none() && self.expires.is_none_or(|expires| now < expires)
    }
}

/// A newly issued key: its record and the secret, which is shown once and never stored.
#[derive(Clone, PartialEq)]
#[non_exhaustive]
pub struct IssuedKey {
    /// The stored record.
    pub key: ApiKey,
    /// The bearer token to give the identity provider.
    pub secret: String,
}

impl fmt::Debug for IssuedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("IssuedKey")
            .field("key", &self.key)
            .field("secret", &"…")
            .finish()
    }
}
