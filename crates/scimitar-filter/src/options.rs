//! Parse options: strict or lenient, and the limits.

/// How to parse: strictly by RFC 7644 (the default) or leniently, and within which limits.
///
/// Lenient mode accepts the shapes identity providers are known to send:
/// - `emails[type eq "work"].value eq "x"`, read as `emails[type eq "work" and value eq "x"]`;
/// - unquoted values such as `externalId eq jyoung` or
///   `meta.created gt 2015-10-10T14:38:21.8617979-07:00`, read as strings;
/// - value paths in `attributes` lists, such as `emails[type eq "work"]`.
///
/// ```
/// use scimitar_filter::{Filter, ParseOptions};
/// let lenient = ParseOptions::default().lenient(true);
/// let filter = Filter::parse_with("externalId eq jyoung", &lenient)?;
/// assert_eq!(filter.to_string(), r#"externalId eq "jyoung""#);
/// # Ok::<(), scimitar_filter::FilterError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    lenient: bool,
    max_depth: usize,
    max_len: usize,
    max_terms: usize,
}

impl ParseOptions {
    /// The default nesting depth limit.
    pub const DEFAULT_MAX_DEPTH: usize = 64;
    /// The default input length limit, in bytes.
    pub const DEFAULT_MAX_LEN: usize = 8 * 1024;
    /// The default limit on attribute tests in one input.
    pub const DEFAULT_MAX_TERMS: usize = 1024;

    /// Strict parsing with the default limits.
    pub const fn new() -> Self {
        Self {
            lenient: false,
            max_depth: Self::DEFAULT_MAX_DEPTH,
            max_len: Self::DEFAULT_MAX_LEN,
            max_terms: Self::DEFAULT_MAX_TERMS,
        }
    }

    /// Accepts the identity providers' non-RFC shapes. Default: `false`.
    pub const fn lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// The deepest nesting of parentheses, `not` and brackets allowed.
    /// Default: [`Self::DEFAULT_MAX_DEPTH`] (64).
    pub const fn max_depth(mut self, max_depth: usize) -> Self {
        self.max_depth = max_depth;
        self
    }

    /// The longest input allowed, in bytes. Default: [`Self::DEFAULT_MAX_LEN`] (8 KiB).
    pub const fn max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }

    /// The most attribute tests (`attrExp`s and value paths) one input may hold. `and`/`or` chains
    /// nest in the tree, so this bounds its depth together with
    /// [`Self::max_depth`], and with it the stack that dropping, cloning, printing or
    /// evaluating the tree needs. Default: [`Self::DEFAULT_MAX_TERMS`] (1,024, more than
    /// fit in the default length).
    pub const fn max_terms(mut self, max_terms: usize) -> Self {
        self.max_terms = max_terms;
        self
    }

    /// Whether lenient shapes are accepted.
    pub const fn is_lenient(&self) -> bool {
        self.lenient
    }

    /// The nesting depth limit.
    pub const fn depth_limit(&self) -> usize {
        self.max_depth
    }

    /// The limit on attribute tests.
    pub const fn terms_limit(&self) -> usize {
        self.max_terms
    }

    /// The input length limit, in bytes.
    pub const fn length_limit(&self) -> usize {
        self.max_len
    }
}

impl Default for ParseOptions {
    fn default() -> Self {
        Self::new()
    }
}
