//! Which endpoint a request path names.

/// An endpoint under the base path.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Route<'a> {
    /// `/Users`, `/Groups`: the resource type's endpoint, by resource type name.
    Collection(&'a str),
    /// `/Users/{id}`.
    Resource(&'a str, &'a str),
    /// `/.search` (all types) or `/Users/.search`.
    Search(Option<&'a str>),
    ServiceProviderConfig,
    ResourceTypes(Option<&'a str>),
    Schemas(Option<&'a str>),
    Bulk,
    Me,
    NotFound,
}

/// Routes `path` (without query) under `base`. Endpoint names match in any case and a
/// trailing slash is ignored; `endpoint_type` maps an endpoint segment such as `Users`
/// to its resource type name.
pub(crate) fn route<'a>(
    path: &'a str,
    base: &str,
    endpoint_type: impl Fn(&str) -> Option<&'a str>,
) -> Route<'a> {
    let Some(rest) = strip_prefix_ignore_case(path, base) else {
        return Route::NotFound;
    };
    if !(rest.is_empty() || rest.starts_with('/')) {
        return Route::NotFound;
    }
    let mut segments = rest.split('/').filter(|segment| !segment.is_empty());
    let (Some(first), second, None) = (segments.next(), segments.next(), segments.next()) else {
        return Route::NotFound;
    };
    let is = |name: &str| first.eq_ignore_ascii_case(name);
    match second {
        None if is(".search") => Route::Search(None),
        None if is("ServiceProviderConfig") || is("ServiceProviderConfigs") => {
            Route::ServiceProviderConfig
        }
        None if is("Bulk") => Route::Bulk,
        None if is("Me") => Route::Me,
        Some(_) if is("Me") => Route::Me,
        _ if is("ResourceTypes") => Route::ResourceTypes(second),
        _ if is("Schemas") => Route::Schemas(second),
        _ => match (endpoint_type(first), second) {
            (Some(resource_type), None) => Route::Collection(resource_type),
            (Some(resource_type), Some(".search")) => Route::Search(Some(resource_type)),
            (Some(resource_type), Some(id)) => Route::Resource(resource_type, id),
            (None, _) => Route::NotFound,
        },
    }
}

fn strip_prefix_ignore_case<'a>(path: &'a str, prefix: &str) -> Option<&'a str> {
    let head = path.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &path[prefix.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn types(segment: &str) -> Option<&'static str> {
        match segment.to_ascii_lowercase().as_str() {
            "users" => Some("User"),
            "groups" => Some("Group"),
            _ => None,
        }
    }

    #[test]
    fn routes() {
        let base = "/scim/v2";
        assert_eq!(
            route("/scim/v2/Users", base, types),
            Route::Collection("User")
        );
        assert_eq!(
            route("/scim/v2/users/", base, types),
            Route::Collection("User")
        );
        assert_eq!(
            route("/scim/v2/Users/abc", base, types),
            Route::Resource("User", "abc")
        );
        assert_eq!(
            route("/scim/v2/Groups/abc/", base, types),
            Route::Resource("Group", "abc")
        );
        assert_eq!(
            route("/scim/v2/Users/.search", base, types),
            Route::Search(Some("User"))
        );
        assert_eq!(route("/scim/v2/.search", base, types), Route::Search(None));
        assert_eq!(
            route("/SCIM/v2/ServiceProviderConfig", base, types),
            Route::ServiceProviderConfig
        );
        assert_eq!(
            route("/scim/v2/ResourceTypes/User", base, types),
            Route::ResourceTypes(Some("User"))
        );
        assert_eq!(route("/scim/v2/Schemas", base, types), Route::Schemas(None));
        assert_eq!(route("/scim/v2/Bulk", base, types), Route::Bulk);
        assert_eq!(route("/scim/v2/Me", base, types), Route::Me);
        assert_eq!(route("/scim/v2/Devices", base, types), Route::NotFound);
        assert_eq!(route("/scim/v2/Users/a/b", base, types), Route::NotFound);
        assert_eq!(route("/scim/v20/Users", base, types), Route::NotFound);
        assert_eq!(route("/other", base, types), Route::NotFound);
        assert_eq!(route("/Users", "", types), Route::Collection("User"));
    }
}
