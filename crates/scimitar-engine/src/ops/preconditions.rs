//! `If-Match` and `If-None-Match` (RFC 9110 §13.1), as the operations take them.

use http::{HeaderMap, StatusCode, header};

use scimitar_schema::ScimError;

use crate::response::etag;

/// The conditions on a resource's version under which an operation may go ahead.
///
/// Each is a comma-separated list of entity tags as a client sends them (`W/"3"`,
/// `"3"`, or `*`); weak and strong tags compare alike. A write with
/// [`if_match`](Self::if_match) is a compare-and-swap: it fails with `412` when
/// another write came first, where a write without it reads again and retries.
///
/// ```
/// use scimitar_engine::Preconditions;
/// assert!(!Preconditions::none().has_if_match());
/// assert!(Preconditions::if_match_version(3).has_if_match());
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Preconditions {
    if_match: Option<String>,
    if_none_match: Option<String>,
}

impl Preconditions {
    /// No condition: a write retries against concurrent writes, a read always answers.
    pub fn none() -> Self {
        Self::default()
    }

    /// Only if the version is one of `tags` (an `If-Match` value).
    pub fn if_match(tags: impl Into<String>) -> Self {
        Self {
            if_match: Some(tags.into()),
            if_none_match: None,
        }
    }

    /// Only if the resource is still at `version`.
    pub fn if_match_version(version: u64) -> Self {
        Self::if_match(etag(version))
    }

    /// Only if the version is none of `tags` (an `If-None-Match` value); on a read, a
    /// match means "not modified".
    pub fn if_none_match(tags: impl Into<String>) -> Self {
        Self {
            if_match: None,
            if_none_match: Some(tags.into()),
        }
    }

    /// The conditions of a request's headers.
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let read = |name| {
            headers
                .get(name)
                .and_then(|value: &http::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            if_match: read(header::IF_MATCH),
            if_none_match: read(header::IF_NONE_MATCH),
        }
    }

    /// Whether the caller asked for compare-and-swap semantics.
    pub fn has_if_match(&self) -> bool {
        self.if_match.is_some()
    }

    /// Checks a write against the current version (`None`: no such resource).
    pub(crate) fn check_write(&self, current: Option<u64>) -> Result<(), ScimError> {
        if let Some(wanted) = &self.if_match
            && !current.is_some_and(|version| tag_list_matches(wanted, version))
        {
            return Err(ScimError::new(
                StatusCode::PRECONDITION_FAILED,
                "the resource's version does not match If-Match",
            ));
        }
        if let (Some(unwanted), Some(version)) = (&self.if_none_match, current)
            && tag_list_matches(unwanted, version)
        {
            return Err(ScimError::new(
                StatusCode::PRECONDITION_FAILED,
                "the resource's version matches If-None-Match",
            ));
        }
        Ok(())
    }

    /// For a read: `true` ("not modified") when `If-None-Match` matches, `412` when
    /// `If-Match` fails.
    pub(crate) fn check_read(&self, version: u64) -> Result<bool, ScimError> {
        if let Some(wanted) = &self.if_match
            && !tag_list_matches(wanted, version)
        {
            return Err(ScimError::new(
                StatusCode::PRECONDITION_FAILED,
                "the resource's version does not match If-Match",
            ));
        }
        Ok(self
            .if_none_match
            .as_ref()
            .is_some_and(|unwanted| tag_list_matches(unwanted, version)))
    }
}

/// Whether a comma-separated list of entity tags (or `*`) names `version`; weak and
/// strong forms compare alike (RFC 9110 weak comparison).
fn tag_list_matches(list: &str, version: u64) -> bool {
    let current = version.to_string();
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == current)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_match_weak_strong_and_any() {
        let write = |tags: &str, version| Preconditions::if_match(tags).check_write(version);
        assert!(write(r#"W/"3""#, Some(3)).is_ok());
        assert!(write(r#""3""#, Some(3)).is_ok());
        assert!(write(r#"W/"1", W/"3""#, Some(3)).is_ok());
        assert!(write("*", Some(9)).is_ok());
        assert_eq!(write(r#"W/"2""#, Some(3)).unwrap_err().status, 412);
        assert_eq!(write("*", None).unwrap_err().status, 412);
        let read = Preconditions::if_none_match(r#"W/"4""#);
        assert!(read.check_read(4).unwrap());
        assert!(!read.check_read(5).unwrap());
        assert!(read.check_write(Some(4)).is_err());
    }
}
