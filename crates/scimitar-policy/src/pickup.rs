//! Linking an account that existed before provisioning.

use scimitar_schema::Resource;

/// The value an unmanaged account is matched by: the folded `userName` of a user, the
/// folded `displayName` of a group; `None` for other types or when it is missing.
pub fn match_key(resource_type: &str, resource: &Resource) -> Option<String> {
    let attribute = match resource_type {
        "User" => "userName",
        "Group" => "displayName",
        _ => return None,
    };
    resource.get_str(attribute).map(str::to_lowercase)
}

/// The managed resource a pick-up makes: `request`'s attributes over `account`'s (an
/// attribute the request does not carry keeps the account's value; extension objects
/// merge attribute by attribute), with `schemas` the union of both. `id` and `meta` are
/// the caller's to set.
pub fn pick_up(account: &Resource, request: &Resource) -> Resource {
    todo!("{account:?} {request:?}")
}
