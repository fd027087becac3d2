//! Engine configuration.

use scimitar_patch::PatchLimits;

/// How the engine serves SCIM. Every setting has a default suited to Microsoft Entra ID
/// and Okta; setters chain.
///
/// ```
/// use scimitar_engine::EngineConfig;
/// let config = EngineConfig::default().base_path("/api/scim/v2").max_page_size(200);
/// assert_eq!(config.base(), "/api/scim/v2");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct EngineConfig {
    pub(crate) base_path: String,
    pub(crate) public_url: Option<String>,
    pub(crate) trust_forwarded_headers: bool,
    pub(crate) default_page_size: usize,
    pub(crate) max_page_size: usize,
    pub(crate) max_body_size: usize,
    pub(crate) bulk_max_operations: usize,
    pub(crate) bulk_max_payload_size: usize,
    pub(crate) unique_group_names: bool,
    pub(crate) patch_groups_no_content: bool,
    pub(crate) write_retries: usize,
    pub(crate) global_usernames: bool,
    pub(crate) patch_limits: PatchLimits,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            base_path: "/scim/v2".to_owned(),
            public_url: None,
            trust_forwarded_headers: false,
            default_page_size: 100,
            max_page_size: 1000,
            max_body_size: 1024 * 1024,
            bulk_max_operations: 1000,
            bulk_max_payload_size: 1024 * 1024,
            unique_group_names: true,
            patch_groups_no_content: false,
            write_retries: 16,
            global_usernames: false,
            patch_limits: PatchLimits::default(),
        }
    }
}

impl EngineConfig {
    /// The path under which SCIM is served. Default: `/scim/v2`.
    pub fn base_path(mut self, base_path: impl Into<String>) -> Self {
        let base_path = base_path.into();
        self.base_path = format!("/{}", base_path.trim_matches('/'));
        if self.base_path == "/" {
            self.base_path.clear();
        }
        self
    }

    /// The base path.
    pub fn base(&self) -> &str {
        &self.base_path
    }

    /// The absolute URL of the base path as clients see it, such as
    /// `https://app.example.com/scim/v2`: every `Location` header, `meta.location` and
    /// `$ref` starts with it. Set it when the engine runs behind a proxy that terminates
    /// TLS or serves another host name. Default: none; each request's URL is built from
    /// its `Host` header (or [forwarded headers](Self::trust_forwarded_headers)), with
    /// `http` unless the request URI names its scheme, and the base path.
    pub fn public_url(mut self, public_url: impl Into<String>) -> Self {
        self.public_url = Some(public_url.into().trim_end_matches('/').to_owned());
        self
    }

    /// The public URL, if one is set.
    pub fn public(&self) -> Option<&str> {
        self.public_url.as_deref()
    }

    /// Whether, without a [public URL](Self::public_url), the scheme and host of links
    /// come from `X-Forwarded-Proto` and `X-Forwarded-Host` (the first value of each,
    /// when it is well-formed). Only turn it on behind a proxy that sets both and drops
    /// what clients send: otherwise any client chooses the links others receive.
    /// Default: `false`.
    pub fn trust_forwarded_headers(mut self, trust: bool) -> Self {
        self.trust_forwarded_headers = trust;
        self
    }

    /// The page size of a list without `count`. Default: 100.
    pub fn default_page_size(mut self, size: usize) -> Self {
        self.default_page_size = size;
        self
    }

    /// The largest page a list returns, whatever `count` asks. Default: 1000.
    pub fn max_page_size(mut self, size: usize) -> Self {
        self.max_page_size = size;
        self
    }

    /// The largest request body accepted (`413` beyond it). Default: 1 MiB.
    pub fn max_body_size(mut self, size: usize) -> Self {
        self.max_body_size = size;
        self
    }

    /// The most operations in one `/Bulk` request. Default: 1000.
    pub fn bulk_max_operations(mut self, operations: usize) -> Self {
        self.bulk_max_operations = operations;
        self
    }

    /// The largest `/Bulk` request body. Default: 1 MiB.
    pub fn bulk_max_payload_size(mut self, size: usize) -> Self {
        self.bulk_max_payload_size = size;
        self
    }

    /// Whether group `displayName`s are unique per tenant (case-insensitively).
    /// Default: `true`.
    pub fn unique_group_names(mut self, unique: bool) -> Self {
        self.unique_group_names = unique;
        self
    }

    /// Whether a PATCH of a group answers `204 No Content` instead of `200` with the
    /// group, as Microsoft advises for large groups. Default: `false` (RFC 7644).
    pub fn patch_groups_no_content(mut self, no_content: bool) -> Self {
        self.patch_groups_no_content = no_content;
        self
    }

    /// How often a write that lost a compare-and-swap to a concurrent one is retried
    /// (when the client sent no `If-Match`). Default: 16.
    pub fn write_retries(mut self, retries: usize) -> Self {
        self.write_retries = retries;
        self
    }

    /// Whether a user's `userName` must be unique among every tenant's users (and
    /// unmanaged accounts), not only its own tenant's: a name taken in another tenant is
    /// `409 uniqueness`, whose detail does not say where. Default: `false`.
    pub fn global_usernames(mut self, global: bool) -> Self {
        self.global_usernames = global;
        self
    }

    /// The most operations in one PATCH request (also each PATCH of a `/Bulk`), checked
    /// before any applies: more is `400 tooMany` and changes nothing. RFC 7644's
    /// `ServiceProviderConfig` has no field for it. Default: 1000, far above the few
    /// dozen Microsoft Entra ID and Okta send (see [`PatchLimits`]).
    pub fn patch_max_operations(mut self, operations: usize) -> Self {
        self.patch_limits = self.patch_limits.max_operations(operations);
        self
    }

    /// The longest string, in bytes, anywhere in a PATCH operation's value, checked
    /// before any operation applies: longer is `400 invalidValue` and changes nothing.
    /// RFC 7644's `ServiceProviderConfig` has no field for it. Default: 65,536 (64 KiB),
    /// far above the identity providers' longest attributes (see [`PatchLimits`]).
    pub fn patch_max_value_length(mut self, bytes: usize) -> Self {
        self.patch_limits = self.patch_limits.max_value_length(bytes);
        self
    }

    /// The caps on one PATCH request.
    pub fn patch_limits(&self) -> PatchLimits {
        self.patch_limits
    }
}
