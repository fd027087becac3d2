//! A deterministic large group, for the membership benchmarks of `patch_apply`.

use scimitar_schema::Resource;
use serde_json::{Value, json};

use crate::Rng;

const SEED: u64 = 0x6A0C_2025_0B5E;
const NEW_MEMBERS_SEED: u64 = 0x6A0C_2025_ADD5;
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A generated group and the ids of its members, in order.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GeneratedGroup {
    /// The members' ids (GUIDs), in the order of `members`.
    pub member_ids: Vec<String>,
    /// The whole resource, as a store would hold it: `members` lists each id as
    /// `{"value": "<guid>"}`, the shape Entra ID and Okta add members in.
    pub resource: Resource,
}

/// A group of `members` members, the same on every run.
pub fn large_group(members: usize) -> GeneratedGroup {
    let member_ids = guids(SEED, members);
    let values: Vec<Value> = member_ids.iter().map(|id| json!({"value": id})).collect();
    let resource = Resource::from_value(json!({
        "schemas": [GROUP_URN],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "externalId": "0f8a1b2c-3d4e-4f50-8617-28394a5b6c7d",
        "displayName": "All Employees",
        "members": values,
        "meta": {
            "resourceType": "Group",
            "created": "2025-01-01T00:00:00Z",
            "lastModified": "2025-06-30T12:00:00Z",
            "version": "W/\"3694e05e9dff592\"",
            "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
        },
    }))
    .expect("a JSON object");
    GeneratedGroup {
        member_ids,
        resource,
    }
}

/// `count` member ids that no [`large_group`] holds (drawn from another seed), the same
/// on every run.
pub fn new_member_ids(count: usize) -> Vec<String> {
    guids(NEW_MEMBERS_SEED, count)
}

fn guids(seed: u64, count: usize) -> Vec<String> {
    let mut rng = Rng::new(seed);
    (0..count).map(|_| rng.guid()).collect()
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    #[test]
    fn members_are_distinct_from_each_other_and_from_new_ones() {
        let group = large_group(10_000);
        let added = new_member_ids(1_000);
        let all: HashSet<&String> = group.member_ids.iter().chain(&added).collect();
        assert_eq!(all.len(), 11_000);
        let members = group.resource.get_attr("members").and_then(Value::as_array);
        assert_eq!(members.map(Vec::len), Some(10_000));
        assert_eq!(large_group(10).member_ids, large_group(10).member_ids);
    }
}
