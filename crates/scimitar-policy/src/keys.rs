//! How this crate tells attribute names apart.

/// Whether `key` is a schema URN (`urn:…`, any case): the key of an extension object.
pub(crate) fn is_urn(key: &str) -> bool {
    key.get(..4)
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case("urn:"))
}

/// Whether `key` is `id`, `schemas` or `meta` (any case): attributes the service
/// provider keeps, which neither a pick-up nor the history carries.
pub(crate) fn is_bookkeeping(key: &str) -> bool {
    ["id", "schemas", "meta"]
        .iter()
        .any(|name| key.eq_ignore_ascii_case(name))
}

/// Whether `key` is `password` (any case).
pub(crate) fn is_password(key: &str) -> bool {
    key.eq_ignore_ascii_case("password")
}
