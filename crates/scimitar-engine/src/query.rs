//! Query strings: `+` or `%20` for spaces, `%22` or a raw `"` for quotes.

/// Decodes one query-string component; invalid escapes are kept as written.
pub(crate) fn decode(component: &str) -> String {
    let bytes = component.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'+' => decoded.push(b' '),
            b'%' if hex_pair(&bytes[index + 1..]).is_some() => {
                decoded.push(hex_pair(&bytes[index + 1..]).unwrap_or_default());
                index += 2;
            }
            byte => decoded.push(byte),
        }
        index += 1;
    }
    String::from_utf8_lossy(&decoded).into_owned()
}

fn hex_pair(bytes: &[u8]) -> Option<u8> {
    let digit = |byte: u8| (byte as char).to_digit(16);
    let high = digit(*bytes.first()?)?;
    let low = digit(*bytes.get(1)?)?;
    u8::try_from(high * 16 + low).ok()
}

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
            query
                .split('&')
                .filter(|pair| !pair.is_empty())
                .map(|pair| match pair.split_once('=') {
                    Some((name, value)) => (decode(name), decode(value)),
                    None => (decode(pair), String::new()),
                })
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
