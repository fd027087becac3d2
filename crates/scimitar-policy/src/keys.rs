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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urns() {
        assert!(is_urn(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ));
        assert!(is_urn("URN:x"));
        assert!(!is_urn("urn"));
        assert!(!is_urn("userName"));
        assert!(!is_urn("ü"));
    }

    #[test]
    fn bookkeeping_and_passwords() {
        for key in ["id", "ID", "schemas", "Schemas", "meta", "META"] {
            assert!(is_bookkeeping(key), "{key}");
        }
        for key in ["externalId", "ids", "metadata", ""] {
            assert!(!is_bookkeeping(key), "{key}");
        }
        assert!(is_password("PassWord"));
        assert!(!is_password("passwords"));
    }
}
