//! Group members that are not provisioned.

use scimitar_schema::Resource;

/// Removes from the group's `members` every element whose `value` is one of `unknown`
/// (ids that are not users or groups of the tenant), and returns one warning per
/// member removed, naming it.
pub fn skip_unknown_members(group: &mut Resource, unknown: &[&str]) -> Vec<String> {
    todo!("{group:?} {unknown:?}")
}
