//! Microsoft Entra ID's initial sync into an app that already has some of the accounts:
//! in Entra's order (groups, users, managers, then the remaining attributes and the
//! memberships), and the same requests in other orders.

use std::collections::{BTreeMap, BTreeSet};

use scimitar::serde_json::{Value, json};
use scimitar::{Action, Mappings};
use scimitar_example_host_app::UserRow;

use crate::support::{
    ADSCIM_GROUP, App, ENTERPRISE, GROUP, Store, USER, WORKSPACE, id_of, resources, text,
};

/// A user in Entra's sync scope.
pub(crate) struct Person {
    pub(crate) user_name: &'static str,
    pub(crate) given: &'static str,
    pub(crate) family: &'static str,
    pub(crate) external_id: &'static str,
    pub(crate) manager: Option<usize>,
    pub(crate) title: &'static str,
    pub(crate) mobile: &'static str,
    pub(crate) cost_center: &'static str,
    pub(crate) department: &'static str,
}

/// Barbara and Mark have accounts in the app already (`bjensen@contoso.com` and
/// `mpeters@contoso.com`; Entra spells Barbara's name with capitals); John and Alice
/// are new.
pub(crate) const PEOPLE: [Person; 4] = [
    Person {
        user_name: "BJensen@contoso.com",
        given: "Barbara",
        family: "Jensen",
        external_id: "5d48a0a8-e3be-4b2c-8ed1-1c3a1bd6a7a1",
        manager: Some(1),
        title: "Senior Designer",
        mobile: "+1 555 0101",
        cost_center: "4130",
        department: "Design",
    },
    Person {
        user_name: "mpeters@contoso.com",
        given: "Mark",
        family: "Peters",
        external_id: "0b7c1f0e-6a55-4c52-9a57-2a9e2f6b9d02",
        manager: None,
        title: "Head of Design",
        mobile: "+1 555 0102",
        cost_center: "4100",
        department: "Design",
    },
    Person {
        user_name: "jdoe@contoso.com",
        given: "John",
        family: "Doe",
        external_id: "c2f1d9a4-77b1-4f0e-b1f4-3f5e8a1c0d03",
        manager: Some(1),
        title: "Engineer",
        mobile: "+1 555 0103",
        cost_center: "4200",
        department: "Engineering",
    },
    Person {
        user_name: "asmith@contoso.com",
        given: "Alice",
        family: "Smith",
        external_id: "9e0a6b3c-1d2e-4f5a-8b7c-6d5e4f3a2b04",
        manager: Some(2),
        title: "Engineer",
        mobile: "+1 555 0104",
        cost_center: "4200",
        department: "Engineering",
    },
];

/// One of Entra's requests (with the lookup it makes before a create).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// `GET /Groups?filter=displayName eq …`, then `POST /Groups`.
    Group(&'static str),
    /// `GET /Users?filter=userName eq …`, then `POST /Users`.
    User(usize),
    /// `PATCH` add of the enterprise `manager`, the manager's id as a string.
    Manager(usize),
    /// `PATCH` of the remaining attributes, one operation per attribute.
    Attributes(usize),
    /// `PATCH` add of the group's members.
    Members(&'static str, &'static [usize]),
}

impl Step {
    /// Whether the step can be sent once `done` have: Entra only addresses resources it
    /// created, by the ids it was given.
    fn ready(self, done: &[Step]) -> bool {
        let user = |index: usize| done.contains(&Step::User(index));
        match self {
            Step::Group(_) | Step::User(_) => true,
            Step::Manager(index) => user(index) && PEOPLE[index].manager.is_none_or(&user),
            Step::Attributes(index) => user(index),
            Step::Members(group, members) => {
                done.contains(&Step::Group(group)) && members.iter().all(|&member| user(member))
            }
        }
    }
}

/// The initial sync in the order Entra ID runs it.
pub(crate) const ENTRA_ORDER: [Step; 13] = [
    Step::Group("Design"),
    Step::Group("Engineering"),
    Step::User(0),
    Step::User(1),
    Step::User(2),
    Step::User(3),
    Step::Manager(0),
    Step::Manager(2),
    Step::Manager(3),
    Step::Attributes(0),
    Step::Attributes(1),
    Step::Attributes(2),
    Step::Attributes(3),
];

/// The memberships, sent after the attributes.
pub(crate) const MEMBERSHIPS: [Step; 2] = [
    Step::Members("Design", &[0, 3]),
    Step::Members("Engineering", &[2, 3, 1]),
];

/// Every step, in Entra's order.
pub(crate) fn entra_order() -> Vec<Step> {
    ENTRA_ORDER.iter().chain(&MEMBERSHIPS).copied().collect()
}

pub(crate) fn entra_user(person: &Person) -> Value {
    json!({
        "schemas": [USER, ENTERPRISE],
        "externalId": person.external_id,
        "userName": person.user_name,
        "active": true,
        "displayName": format!("{} {}", person.given, person.family),
        "emails": [{"primary": true, "type": "work", "value": person.user_name.to_lowercase()}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": format!("{} {}", person.given, person.family),
            "familyName": person.family,
            "givenName": person.given,
        },
        "roles": [],
    })
}

pub(crate) fn entra_group(name: &str) -> Value {
    json!({
        "schemas": [GROUP, ADSCIM_GROUP],
        "externalId": format!("ext-{}", name.to_lowercase()),
        "displayName": name,
        "meta": {"resourceType": "Group"},
    })
}

/// Entra's client: the ids it was given, by step.
pub(crate) struct Entra<'a, S> {
    pub(crate) app: &'a App<S>,
    pub(crate) users: BTreeMap<usize, String>,
    pub(crate) groups: BTreeMap<&'static str, String>,
}

impl<'a, S: Store> Entra<'a, S> {
    pub(crate) fn new(app: &'a App<S>) -> Self {
        Self {
            app,
            users: BTreeMap::new(),
            groups: BTreeMap::new(),
        }
    }

    fn user(&self, index: usize) -> &str {
        self.users.get(&index).map_or("", String::as_str)
    }

    pub(crate) fn run(&mut self, steps: &[Step]) {
        for &step in steps {
            self.send(step);
        }
    }

    pub(crate) fn send(&mut self, step: Step) {
        let app = self.app;
        match step {
            Step::Group(name) => {
                let lookup = app.get(&format!(
                    "/Groups?excludedAttributes=members&filter=displayName+eq+%22{name}%22"
                ));
                assert_eq!(resources(&lookup).len(), 0, "{name} is not visible yet");
                let id = id_of(&app.post("/Groups", entra_group(name)));
                self.groups.insert(name, id);
            }
            Step::User(index) => {
                let person = &PEOPLE[index];
                let lookup = app.get(&format!(
                    "/Users?filter=userName+eq+%22{}%22",
                    person.user_name.replace('@', "%40")
                ));
                assert_eq!(
                    resources(&lookup).len(),
                    0,
                    "{} is not visible yet",
                    person.user_name
                );
                let id = id_of(&app.post("/Users", entra_user(person)));
                self.users.insert(index, id);
            }
            Step::Manager(index) => {
                let Some(manager) = PEOPLE[index].manager else {
                    return;
                };
                let path = format!("/Users/{}", self.user(index));
                let operation = json!([{
                    "op": "Add",
                    "path": format!("{ENTERPRISE}:manager"),
                    "value": self.user(manager),
                }]);
                let reply = app.patch(&path, operation);
                assert_eq!(reply.0, 200, "{}", reply.1);
            }
            Step::Attributes(index) => {
                let person = &PEOPLE[index];
                let operations = json!([
                    {"op": "Add", "path": "phoneNumbers[type eq \"mobile\"].value", "value": person.mobile},
                    {"op": "Replace", "path": "title", "value": person.title},
                    {"op": "Add", "path": format!("{ENTERPRISE}:costCenter"), "value": person.cost_center},
                    {"op": "Add", "path": format!("{ENTERPRISE}:department"), "value": person.department},
                ]);
                let reply = app.patch(&format!("/Users/{}", self.user(index)), operations);
                assert_eq!(reply.0, 200, "{}", reply.1);
            }
            Step::Members(group, members) => {
                let value: Vec<Value> = members
                    .iter()
                    .map(|&member| json!({"$ref": null, "value": self.user(member)}))
                    .collect();
                let path = format!(
                    "/Groups/{}",
                    self.groups.get(group).map_or("", String::as_str)
                );
                let reply = app.patch(
                    &path,
                    json!([{"op": "Add", "path": "members", "value": value}]),
                );
                assert_eq!(reply.0, 200, "{}", reply.1);
            }
        }
    }
}

/// A tiny deterministic generator (SplitMix64): a fixed seed gives a fixed order, and
/// a failing seed replays exactly. Hand-written: ten lines, no dependency.
struct SplitMix(u64);

impl SplitMix {
    fn below(&mut self, bound: usize) -> usize {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        usize::try_from(z % bound.max(1) as u64).unwrap_or(0)
    }
}

/// `steps` in a random order that Entra could send them in: each step after the
/// creates it addresses.
pub(crate) fn shuffled(steps: &[Step], seed: u64) -> Vec<Step> {
    let mut rng = SplitMix(seed);
    let mut pending = steps.to_vec();
    let mut order: Vec<Step> = Vec::with_capacity(steps.len());
    while !pending.is_empty() {
        let ready: Vec<usize> = (0..pending.len())
            .filter(|&index| pending[index].ready(&order))
            .collect();
        let Some(&pick) = ready.get(rng.below(ready.len())) else {
            break;
        };
        order.push(pending.remove(pick));
    }
    order
}

/// Checks that the app's table says what the SCIM store says: every provisioned user
/// has its row (by sync id), with each mapped field's value, its manager and its
/// teams; every other row is unmanaged.
pub(crate) fn assert_in_step<S: Store>(app: &App<S>) {
    let users = resources(&app.get("/Users?count=1000"));
    let rows = app.rows();
    let sync_id_of = |user_name: &str| {
        rows.iter()
            .find(|row| row.user_name == user_name)
            .and_then(|row| row.sync_id.clone())
    };
    let policy = app.app_policy();
    for user in &users {
        let id = text(&user["id"]);
        let row = rows
            .iter()
            .find(|row| row.sync_id.as_deref() == Some(id.as_str()))
            .unwrap_or_else(|| panic!("no row for {user}"));
        let resource = scimitar::Resource::from_value(user.clone()).expect("a resource");
        let row_json = row.to_json();
        for mapping in policy.mappings.iter() {
            let scim = Mappings::value(mapping, &resource);
            let app_value = match mapping.field.as_str() {
                "manager" => row.manager.as_deref().and_then(sync_id_of),
                field => row_json
                    .get(field)
                    .and_then(Value::as_str)
                    .or_else(|| row.custom.get(field).map(String::as_str))
                    .map(str::to_owned),
            };
            assert_eq!(
                app_value, scim,
                "{}: {} of {user}",
                row.user_name, mapping.field
            );
        }
        let active = user["active"].as_bool().unwrap_or(true);
        assert_eq!(
            row.status.as_str(),
            if active { "active" } else { "suspended" }
        );
        let mut groups: Vec<String> = user["groups"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|group| text(&group["display"]))
            .collect();
        groups.sort();
        assert_eq!(row.teams, groups, "{}", row.user_name);
    }
    let managed = rows.iter().filter(|row| row.sync_id.is_some()).count();
    assert_eq!(managed, users.len(), "every managed row is a SCIM user");
}

#[test]
fn the_initial_sync_picks_up_the_apps_accounts_and_creates_the_others() {
    initial_sync(&App::new());
    initial_sync(&App::in_memory());
}

fn initial_sync<S: Store>(app: &App<S>) {
    let seeded = app.rows();
    let bot_before = app.row("ops-bot");
    let carol_before = app.row("cdavis@contoso.com");
    assert_eq!(seeded.len(), 4);

    let mut entra = Entra::new(app);
    // Groups first: Design is the app's own team, picked up with its id.
    entra.send(Step::Group("Design"));
    assert_eq!(entra.groups["Design"], "team-1");
    // Memberships come from the identity provider: the team is empty until Entra
    // sends them, at the end of the sync.
    let design = &app.db.teams(WORKSPACE).expect("teams")[0];
    assert_eq!(
        (design.sync_id.as_deref(), design.members.len()),
        (Some("team-1"), 0)
    );
    entra.send(Step::Group("Engineering"));

    // Then the users: Barbara's and Mark's accounts are picked up, keeping their ids
    // and what the app knows that Entra did not send.
    entra.send(Step::User(0));
    assert_eq!(entra.users[&0], "user-1");
    let (_, barbara) = app.get("/Users/user-1");
    assert_eq!(barbara["userName"], "BJensen@contoso.com");
    assert_eq!(
        barbara["phoneNumbers"],
        json!([{"type": "work", "value": "+1 555 0100"}])
    );
    assert_eq!(
        barbara[ENTERPRISE]["costCenter"], "1000",
        "the custom field, mapped"
    );
    assert_eq!(barbara["title"], "Designer");
    for index in 1..PEOPLE.len() {
        entra.send(Step::User(index));
    }
    assert_eq!(entra.users[&1], "user-2");

    // Then the managers, then the rest and the memberships.
    entra.run(&ENTRA_ORDER[6..]);
    entra.run(&MEMBERSHIPS);

    // No duplicates: two accounts picked up, two made, two left alone.
    let rows = app.rows();
    assert_eq!(rows.len(), 6);
    let names: BTreeSet<String> = rows
        .iter()
        .map(|row| row.user_name.to_lowercase())
        .collect();
    assert_eq!(names.len(), 6);
    let bot = app.row("ops-bot");
    assert_eq!(bot.sync_id, None, "out of scope: unmanaged");
    assert_eq!(
        bot.teams,
        Vec::<String>::new(),
        "Design's members are Entra's"
    );
    assert_eq!(
        UserRow {
            teams: bot_before.teams.clone(),
            ..bot
        },
        bot_before
    );
    assert_eq!(app.row("cdavis@contoso.com"), carol_before);

    let barbara = app.row("bjensen@contoso.com");
    assert_eq!(barbara.id, 1);
    assert_eq!(barbara.sync_id.as_deref(), Some("user-1"));
    assert_eq!(barbara.user_name, "BJensen@contoso.com", "Entra's spelling");
    assert_eq!(barbara.office_phone.as_deref(), Some("+1 555 0100"), "kept");
    assert_eq!(barbara.mobile_phone.as_deref(), Some("+1 555 0101"));
    assert_eq!(barbara.manager.as_deref(), Some("mpeters@contoso.com"));
    assert_eq!(barbara.job_title.as_deref(), Some("Senior Designer"));
    assert_eq!(barbara.custom["cost_center"], "4130");
    assert_eq!(
        barbara.custom["badge"], "B-17",
        "an unmapped custom field stays"
    );
    assert!(
        !barbara.custom.contains_key("department"),
        "unmapped: not the app's"
    );
    assert_eq!(app.row("mpeters@contoso.com").id, 2);
    assert_eq!(
        app.row("jdoe@contoso.com").manager.as_deref(),
        Some("mpeters@contoso.com")
    );
    assert_eq!(
        app.row("asmith@contoso.com").manager.as_deref(),
        Some("jdoe@contoso.com")
    );

    // The job title rule made one Engineer for John and Alice.
    let titles: BTreeSet<Option<String>> = rows.iter().map(|row| row.job_title.clone()).collect();
    assert!(titles.contains(&Some("Engineer".into())));

    // Design's members are Entra's now: the bot, which Entra does not know, left it.
    let teams = app.db.teams(WORKSPACE).expect("teams");
    assert_eq!(teams.len(), 2);
    assert_eq!(teams[0].name, "Design");
    assert_eq!(
        teams[0].members,
        ["BJensen@contoso.com", "asmith@contoso.com"]
    );
    assert_eq!(
        teams[1].members,
        [
            "asmith@contoso.com",
            "jdoe@contoso.com",
            "mpeters@contoso.com"
        ]
    );

    assert_eq!(app.db.invitations(WORKSPACE).expect("read"), []);
    let history = app.history();
    let count = |action| {
        history
            .iter()
            .filter(|entry| entry.action == action)
            .count()
    };
    assert_eq!(count(Action::PickedUp), 3, "Design, Barbara and Mark");
    assert_eq!(count(Action::Created), 3, "Engineering, John and Alice");
    assert_eq!(count(Action::Failed), 0);
    assert_in_step(app);
}

#[test]
fn any_order_entra_could_send_ends_in_the_same_state() {
    same_state_in_any_order(App::new);
    same_state_in_any_order(App::in_memory);
}

fn same_state_in_any_order<S: Store>(new: fn() -> App<S>) {
    let canonical = new();
    Entra::new(&canonical).run(&entra_order());
    let store = canonical.store_state();
    let table = canonical.app_state();
    let mut orders = BTreeSet::new();
    for seed in [1, 2, 3, 5, 8, 13, 2026, 0xdead_beef] {
        let order = shuffled(&entra_order(), seed);
        assert_eq!(order.len(), entra_order().len());
        orders.insert(format!("{order:?}"));
        let app = new();
        Entra::new(&app).run(&order);
        assert_eq!(app.store_state(), store, "seed {seed}: {order:?}");
        assert_eq!(app.app_state(), table, "seed {seed}: {order:?}");
        assert!(
            app.history()
                .iter()
                .all(|entry| entry.action != Action::Failed)
        );
        assert_in_step(&app);
    }
    assert!(
        orders.len() >= 6,
        "the seeds give different orders: {orders:?}"
    );
    assert!(!orders.contains(&format!("{:?}", entra_order())));
}
