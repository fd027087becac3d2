//! Any order of arrival of the same users, groups and manager links ends in the same
//! state: pending managers make the order irrelevant.

use std::collections::BTreeMap;

use proptest::prelude::*;
use serde_json::{Value, json};

use crate::support::{ENTERPRISE, Harness, id_of, patch_op, urn};

/// The organisation: each user with how its manager is named (by `userName` or by
/// `externalId`), and whether the link comes in the create or in a later PATCH.
const USERS: [(&str, Option<(&str, bool)>); 6] = [
    ("ceo", None),
    ("cto", Some(("ceo", true))),
    ("cfo", Some(("EXT-ceo", false))),
    ("dev1", Some(("cto", false))),
    ("dev2", Some(("EXT-cto", true))),
    ("clerk", Some(("cfo", true))),
];
const GROUPS: [&str; 2] = ["Engineering", "Finance"];

/// One request of the sync.
#[derive(Clone, Copy, Debug)]
enum Step {
    CreateUser(usize),
    LinkManager(usize),
    CreateGroup(usize),
}

fn create_body(index: usize) -> Value {
    let (name, manager) = USERS[index];
    let mut body = json!({
        "schemas": [urn::USER, ENTERPRISE],
        "userName": name,
        "externalId": format!("EXT-{name}"),
    });
    if let Some((reference, true)) = manager {
        body[ENTERPRISE] = json!({"manager": {"value": reference}});
    }
    body
}

/// The final state as names: each user's manager's `userName`, and the groups.
fn state(harness: &Harness) -> (BTreeMap<String, Option<String>>, Vec<String>) {
    let users = harness.get("/Users?count=100").2;
    let users = users["Resources"].as_array().cloned().unwrap_or_default();
    let name_of: BTreeMap<String, String> = users
        .iter()
        .map(|user| {
            (
                id_of(user),
                user["userName"].as_str().unwrap_or("").to_owned(),
            )
        })
        .collect();
    let managers = users
        .iter()
        .map(|user| {
            let manager = user[ENTERPRISE]["manager"]["value"].as_str().map(|id| {
                name_of
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| format!("dangling {id}"))
            });
            (user["userName"].as_str().unwrap_or("").to_owned(), manager)
        })
        .collect();
    let groups = harness.get("/Groups").2;
    let mut groups: Vec<String> = groups["Resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|group| group["displayName"].as_str().unwrap_or("").to_owned())
        .collect();
    groups.sort();
    (managers, groups)
}

/// Runs the steps in `order`; a manager link arrives once its user exists (an identity
/// provider only patches what it created).
fn run(order: &[Step]) -> (BTreeMap<String, Option<String>>, Vec<String>) {
    let harness = Harness::new();
    let mut ids: BTreeMap<usize, String> = BTreeMap::new();
    let mut links: Vec<usize> = Vec::new();
    let link = |index: usize, id: &str| {
        let Some((reference, false)) = USERS[index].1 else {
            return;
        };
        let body = patch_op(json!([{
            "op": "add",
            "path": format!("{ENTERPRISE}:manager"),
            "value": reference,
        }]));
        let (status, _, reply) = harness.patch(&format!("/Users/{id}"), body);
        assert_eq!(status, 200, "{reply}");
    };
    for step in order {
        match *step {
            Step::CreateUser(index) => {
                let (status, _, created) = harness.post("/Users", create_body(index));
                assert_eq!(status, 201, "{created}");
                let id = id_of(&created);
                if links.contains(&index) {
                    link(index, &id);
                }
                ids.insert(index, id);
            }
            Step::LinkManager(index) => match ids.get(&index) {
                Some(id) => link(index, id),
                None => links.push(index),
            },
            Step::CreateGroup(index) => {
                let body = json!({"schemas": [urn::GROUP], "displayName": GROUPS[index]});
                assert_eq!(harness.post("/Groups", body).0, 201);
            }
        }
    }
    state(&harness)
}

fn all_steps() -> Vec<Step> {
    let mut steps: Vec<Step> = (0..USERS.len()).map(Step::CreateUser).collect();
    steps.extend(
        USERS
            .iter()
            .enumerate()
            .filter(|(_, (_, manager))| matches!(manager, Some((_, false))))
            .map(|(index, _)| Step::LinkManager(index)),
    );
    steps.extend((0..GROUPS.len()).map(Step::CreateGroup));
    steps
}

fn expected() -> (BTreeMap<String, Option<String>>, Vec<String>) {
    let managers = [
        ("ceo", None),
        ("cto", Some("ceo")),
        ("cfo", Some("ceo")),
        ("dev1", Some("cto")),
        ("dev2", Some("cto")),
        ("clerk", Some("cfo")),
    ]
    .into_iter()
    .map(|(name, manager)| (name.to_owned(), manager.map(str::to_owned)))
    .collect();
    (
        managers,
        GROUPS.iter().map(|name| (*name).to_owned()).collect(),
    )
}

#[test]
fn the_identity_providers_order_gives_the_organisation() {
    // Entra: groups first, then users, then managers.
    let mut order: Vec<Step> = (0..GROUPS.len()).map(Step::CreateGroup).collect();
    order.extend(
        all_steps()
            .into_iter()
            .filter(|step| !matches!(step, Step::CreateGroup(_))),
    );
    assert_eq!(run(&order), expected());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn any_order_of_arrival_gives_the_same_organisation(
        order in Just(all_steps()).prop_shuffle()
    ) {
        prop_assert_eq!(run(&order), expected());
    }
}
