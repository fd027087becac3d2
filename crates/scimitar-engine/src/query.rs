//! Query strings: `+` or `%20` for spaces, `%22` or a raw `"` for quotes, decoded by
//! `form_urlencoded` (invalid escapes are kept as written, invalid UTF-8 replaced).

/// The decoded parameters of a query string, in order. Names are matched
/// case-insensitively by [`Params::get`]; unknown ones are simply never asked for.
#[derive(Debug, Default)]
pub(crate) struct Params(Vec<(String, String)>);

impl Params {
    pub(crate) fn parse(query: Option<&str>) -> Self {
        let Some(query) = query else {
            return Self::default();
        };
        Self(
            form_urlencoded::parse(query.as_bytes())
                .map(|(name, value)| (name.into_owned(), value.into_owned()))
                .collect(),
        )
    }

    /// The first value of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(value: &str) -> String {
        let query = format!("filter={value}");
        Params::parse(Some(&query))
            .get("filter")
            .expect("the parameter")
            .to_owned()
    }

    #[test]
    fn spaces_and_quotes_arrive_either_way() {
        assert_eq!(
            decode("userName+eq+%22bjensen%22"),
            r#"userName eq "bjensen""#
        );
        assert_eq!(
            decode(r#"userName%20eq%20"bjensen""#),
            r#"userName eq "bjensen""#
        );
        assert_eq!(decode("100%"), "100%");
        assert_eq!(decode("%zz%2"), "%zz%2");
        assert_eq!(decode("%C3%A9"), "é");
        assert_eq!(decode("%FF"), "\u{fffd}");
        assert_eq!(decode("a%3Db%26c"), "a=b&c");
    }

    #[test]
    fn parameters_are_found_in_any_case() {
        let params = Params::parse(Some("aadOptscim062020&Filter=a+pr&count=5&count=7"));
        assert_eq!(params.get("filter"), Some("a pr"));
        assert_eq!(params.get("COUNT"), Some("5"));
        assert_eq!(params.get("aadoptscim062020"), Some(""));
        assert_eq!(params.get("startIndex"), None);
    }
}
