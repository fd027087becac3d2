//! Writes through the writer thread, on a file (reads on the pool's connections, the log
//! copied into the file by the checkpointer) and in memory: concurrent writes that share
//! transactions, each kept or undone alone; compare-and-swap loops on one group; reads
//! that see a write as soon as it returned; and writes that outlast the store.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::{Barrier, mpsc};
use std::thread;

use chrono::{TimeZone, Utc};
use pollster::block_on;
use scimitar_engine::{
    Disposal, HistoryQuery, HistoryStore, Origin, ResourceStore, StoreError, StoredResource,
    TenantId, UniqueKey,
};
use scimitar_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::{TempDir, entry, filter, found, ids, list, stored, tenant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

/// A unique key as the engine normalises it (these attributes ignore case).
fn unique(attribute: &str, value: &str) -> UniqueKey {
    UniqueKey {
        attribute: attribute.to_owned(),
        value: value.to_lowercase(),
        global: false,
    }
}

fn conflict(attribute: &str, value: &str) -> StoreError {
    StoreError::Conflict {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
    }
}

fn unknown_member(id: &str) -> StoreError {
    StoreError::UnknownMember { id: id.to_owned() }
}

/// A user at `version` whose unique key is its lower-cased `userName`, as the engine
/// sets it (and the conformance suite mimics).
fn user(id: &str, user_name: &str, version: u64) -> StoredResource {
    let mut user = stored(
        "User",
        json!({"schemas": [USER], "id": id, "userName": user_name,
               "name": {"familyName": format!("Family {id}")}}),
    );
    user.version = version;
    user.unique_keys = vec![unique("userName", user_name)];
    user
}

/// A group at `version` whose unique key is its lower-cased `displayName`.
fn group<S: AsRef<str>>(
    id: &str,
    display_name: &str,
    members: &[S],
    version: u64,
) -> StoredResource {
    let elements: Vec<Value> = members
        .iter()
        .map(|member| json!({"value": member.as_ref(), "display": member.as_ref()}))
        .collect();
    let mut group = stored(
        "Group",
        json!({"schemas": [GROUP], "id": id, "displayName": display_name, "members": elements}),
    );
    group.version = version;
    group.unique_keys = vec![unique("displayName", display_name)];
    group
}

/// Two tests of the scenario `$scenario`: `$on_a_file` on a file in a temporary
/// directory named `$dir` (reads run on the pool's connections), `$in_memory` on a
/// private in-memory database (everything runs on one connection).
macro_rules! both_stores {
    ($scenario:ident, $on_a_file:ident, $in_memory:ident, $dir:literal) => {
        #[doc = concat!("[`", stringify!($scenario), "`] on a file.")]
        #[test]
        fn $on_a_file() {
            let dir = TempDir::new($dir);
            $scenario(&open(&dir.0.join("scim.db")));
        }

        #[doc = concat!("[`", stringify!($scenario), "`] in memory.")]
        #[test]
        fn $in_memory() {
            $scenario(&SqliteStore::open_in_memory().expect("open in memory"));
        }
    };
}

fn open(path: &Path) -> SqliteStore {
    SqliteStore::open(path).expect("open the file")
}

fn get(
    store: &SqliteStore,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
) -> Option<StoredResource> {
    block_on(store.get(tenant, resource_type, id))
        .expect("get")
        .map(std::sync::Arc::unwrap_or_clone)
}

/// The ids a filtered list finds, which the store must answer alone (by its equality
/// index or in SQL): this reads the index rows the writes keep.
fn found_by_store(
    store: &SqliteStore,
    tenant: &TenantId,
    resource_type: &str,
    text: &str,
) -> Vec<String> {
    let page = list(store, tenant, resource_type, Some(&filter(text)), None);
    assert!(
        page.is_filtered(),
        "{text:?} is answered by the store alone"
    );
    ids(&page).into_iter().map(str::to_owned).collect()
}

fn groups_of(store: &SqliteStore, tenant: &TenantId, member: &str) -> Vec<(String, String)> {
    block_on(store.groups_with_member(tenant, member)).expect("groups with a member")
}

/// `(id, displayName)` pairs, as `groups_with_member` gives them.
fn listed_in(groups: &[(&str, &str)]) -> Vec<(String, String)> {
    groups
        .iter()
        .map(|(id, name)| ((*id).to_owned(), (*name).to_owned()))
        .collect()
}

// Concurrent creates racing for unique userNames.

const CREATORS: usize = 8;
const CREATES: usize = 60;

/// What the `i`-th create of a creator must do.
#[derive(Clone, Copy, Debug)]
enum Expect {
    /// Its `userName` is new: it is created.
    Win,
    /// Every creator races for its `userName`: one of them is created.
    Race,
    /// Its `userName` is taken: [`StoreError::Conflict`].
    Lose,
}

/// The `userName` of the `i`-th create of creator `t`, and what the create must do:
/// most names are the creator's own, every fifth is one all creators race for (half of
/// them in upper case: the unique key ignores case), and every fifth reuses, upper-cased,
/// the creator's own name of two creates before.
fn user_name(t: usize, i: usize) -> (String, Expect) {
    match i % 5 {
        3 if t.is_multiple_of(2) => (format!("shared-{i}"), Expect::Race),
        3 => (format!("SHARED-{i}"), Expect::Race),
        4 => (user_name(t, i - 2).0.to_uppercase(), Expect::Lose),
        _ => (format!("user-{t}-{i}"), Expect::Win),
    }
}

fn user_id(t: usize, i: usize) -> String {
    format!("u{t}-{i}")
}

/// Uniqueness holds under concurrent creates: of the creates that race for a
/// `userName` exactly one is created, every other one gets [`StoreError::Conflict`] and
/// leaves nothing; a create that returned is readable at once from another thread, and
/// the list and the `userName eq` lookups find exactly the creates that won.
fn concurrent_creates(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    let start = Barrier::new(CREATORS);
    let (sender, receiver) = mpsc::channel::<(String, String)>();
    let (results, verified) = thread::scope(|scope| {
        let tenant = &tenant;
        // Checks each create that returned, on a thread of its own, as soon as it did.
        let verifier = scope.spawn(move || {
            let mut verified = 0;
            for (id, user_name) in receiver {
                let user = get(store, tenant, "User", &id)
                    .unwrap_or_else(|| panic!("{id} is readable once created"));
                assert_eq!(user.resource.get_str("userName"), Some(user_name.as_str()));
                let lookup = format!("userName eq \"{user_name}\"");
                assert_eq!(found_by_store(store, tenant, "User", &lookup), [id]);
                verified += 1;
            }
            verified
        });
        let creators: Vec<_> = (0..CREATORS)
            .map(|t| {
                let (sender, start) = (sender.clone(), &start);
                scope.spawn(move || {
                    start.wait();
                    let mut results = Vec::with_capacity(CREATES);
                    for i in 0..CREATES {
                        let (id, (user_name, _)) = (user_id(t, i), user_name(t, i));
                        let result = block_on(store.create(
                            tenant,
                            std::sync::Arc::new(user(&id, &user_name, 1)),
                            Origin::New,
                            entry(),
                        ));
                        match result {
                            // Fails only if the verifier failed, whose panic the test reports.
                            Ok(_) => drop(sender.send((id, user_name))),
                            // A create that failed left nothing, not even its id.
                            Err(_) => assert_eq!(get(store, tenant, "User", &id), None),
                        }
                        results.push(result);
                    }
                    results
                })
            })
            .collect();
        // The verifier stops once every creator dropped its sender.
        drop(sender);
        let results: Vec<Vec<Result<u64, StoreError>>> = creators
            .into_iter()
            .map(|creator| creator.join().expect("a creator"))
            .collect();
        (results, verifier.join().expect("the verifier"))
    });

    // The created users by lower-cased userName.
    let mut winners: BTreeMap<String, String> = BTreeMap::new();
    for (t, results) in results.iter().enumerate() {
        for (i, result) in results.iter().enumerate() {
            let ((name, expect), id) = (user_name(t, i), user_id(t, i));
            match (expect, result) {
                (Expect::Win | Expect::Race, Ok(_)) => {
                    let earlier = winners.insert(name.to_lowercase(), id.clone());
                    assert_eq!(earlier, None, "{id} and {earlier:?} both took {name}");
                }
                (Expect::Race | Expect::Lose, Err(error)) => {
                    assert_eq!(*error, conflict("userName", &name.to_lowercase()));
                    assert_eq!(get(store, &tenant, "User", &id), None, "{id} lost");
                }
                (expect, result) => {
                    panic!("create {id} of {name:?}: expected {expect:?}, got {result:?}")
                }
            }
        }
    }
    // Each raced name went to someone.
    let own = CREATORS * (0..CREATES).filter(|i| i % 5 < 3).count();
    let raced = (0..CREATES).filter(|i| i % 5 == 3).count();
    assert_eq!(winners.len(), own + raced);
    assert_eq!(
        verified,
        winners.len(),
        "every create that returned was checked"
    );
    // The creates that won numbered their entries 1…n, the losers none.
    let mut numbers: Vec<u64> = results
        .iter()
        .flatten()
        .filter_map(|r| r.clone().ok())
        .collect();
    numbers.sort_unstable();
    let expected: Vec<u64> = (1..=u64::try_from(winners.len()).unwrap()).collect();
    assert_eq!(numbers, expected, "one number per create that won");
    let history = block_on(store.history(&tenant, &HistoryQuery::new())).expect("history");
    assert_eq!(
        history.len(),
        winners.len(),
        "one entry per create that won"
    );

    let all = list(store, &tenant, "User", None, None);
    assert_eq!(all.total().unwrap_or_default(), winners.len());
    let listed: BTreeSet<&str> = ids(&all).into_iter().collect();
    assert_eq!(listed.len(), all.resources().len(), "no user listed twice");
    assert_eq!(listed, winners.values().map(String::as_str).collect());
    let page = list(store, &tenant, "User", None, Some((10, 7)));
    assert_eq!(
        (page.total().unwrap_or_default(), page.resources().len()),
        (winners.len(), 7)
    );
    // A creator's users are listed in the order it created them: a create takes its
    // place in the order inside its transaction, after those that returned before it.
    for t in 0..CREATORS {
        let created: Vec<String> = (0..CREATES)
            .map(|i| user_id(t, i))
            .filter(|id| listed.contains(id.as_str()))
            .collect();
        let prefix = format!("u{t}-");
        let in_order: Vec<&str> = ids(&all)
            .into_iter()
            .filter(|id| id.starts_with(&prefix))
            .collect();
        assert_eq!(in_order, created, "creator {t}'s users in list order");
    }
    // The lookups find exactly the winners, whatever the case of the name looked up.
    for (name, id) in &winners {
        for name in [name.clone(), name.to_uppercase()] {
            let lookup = format!("userName eq \"{name}\"");
            assert_eq!(
                found_by_store(store, &tenant, "User", &lookup),
                [id.as_str()]
            );
        }
    }
}

both_stores!(
    concurrent_creates,
    concurrent_creates_on_a_file_keep_names_unique,
    concurrent_creates_in_memory_keep_names_unique,
    "writes-creates"
);

// Compare-and-swap loops on one group.

const EDITORS: usize = 6;
const ADDED: usize = 12;
/// Each editor adds `ADDED` members one by one, then removes every third of them.
const SWAPS: u64 = (EDITORS * (ADDED + ADDED.div_ceil(3))) as u64;

fn member(t: usize, k: usize) -> String {
    format!("m{t}-{k}")
}

/// Reads the group `id`, changes its member ids with `edit` and writes it back at the
/// next version if it is still at the version read, as the engine does; reads again
/// when another write came first.
fn edit_members(store: &SqliteStore, tenant: &TenantId, id: &str, edit: impl Fn(&mut Vec<String>)) {
    let mut beaten_by = 0;
    // An attempt loses only to a swap that won, and there are SWAPS of those in all.
    for _ in 0..=SWAPS {
        let current = get(store, tenant, "Group", id).expect("the group");
        // The write that won had committed when ours was refused: a read sees it.
        assert!(
            current.version >= beaten_by,
            "read version {} after losing to version {beaten_by}",
            current.version
        );
        let mut members = current.members.clone();
        edit(&mut members);
        let name = current.resource.get_str("displayName").expect("a name");
        let next = group(id, name, &members, current.version + 1);
        match block_on(store.replace(tenant, std::sync::Arc::new(next), current.version, entry())) {
            Ok(_) => return,
            Err(StoreError::VersionMismatch { current: now }) => {
                assert!(now > current.version, "versions only grow");
                beaten_by = now;
            }
            Err(error) => panic!("a swap of {id} failed: {error}"),
        }
    }
    panic!("a swap of {id} lost more than {SWAPS} times");
}

/// Compare-and-swap keeps every concurrent edit of one group: editors that read, add
/// (then remove) a member and replace at the version read, retrying when they lose,
/// leave the group with exactly the members they meant, one version per edit, and the
/// member rows (`groups_with_member`) and a `members.value eq` filter agree.
fn compare_and_swap(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    for t in 0..EDITORS {
        for k in 0..ADDED {
            let user = user(&member(t, k), &format!("member-{t}-{k}"), 1);
            block_on(store.create(&tenant, std::sync::Arc::new(user), Origin::New, entry()))
                .expect("create a member");
        }
    }
    block_on(store.create(
        &tenant,
        std::sync::Arc::new(group::<&str>("g", "Team", &[], 1)),
        Origin::New,
        entry(),
    ))
    .expect("create g");
    let start = Barrier::new(EDITORS);
    thread::scope(|scope| {
        for t in 0..EDITORS {
            let (tenant, start) = (&tenant, &start);
            scope.spawn(move || {
                start.wait();
                for k in 0..ADDED {
                    edit_members(store, tenant, "g", |members| members.push(member(t, k)));
                }
                for k in (0..ADDED).step_by(3) {
                    let gone = member(t, k);
                    edit_members(store, tenant, "g", |members| members.retain(|m| *m != gone));
                }
            });
        }
    });

    let g = get(store, &tenant, "Group", "g").expect("the group");
    assert_eq!(g.version, 1 + SWAPS, "one version per swap that won");
    let members: BTreeSet<&str> = g.members.iter().map(String::as_str).collect();
    assert_eq!(members.len(), g.members.len(), "no member twice");
    let kept = |k: usize| !k.is_multiple_of(3);
    let expected: Vec<String> = (0..EDITORS)
        .flat_map(|t| (0..ADDED).filter(|k| kept(*k)).map(move |k| member(t, k)))
        .collect();
    assert_eq!(members, expected.iter().map(String::as_str).collect());
    for t in 0..EDITORS {
        for k in 0..ADDED {
            let id = member(t, k);
            let (groups, listing) = if kept(k) {
                (listed_in(&[("g", "Team")]), vec!["g".to_owned()])
            } else {
                (Vec::new(), Vec::new())
            };
            assert_eq!(groups_of(store, &tenant, &id), groups, "groups of {id}");
            let by_member = format!("members.value eq \"{id}\"");
            assert_eq!(
                found(store, &tenant, "Group", &by_member),
                listing,
                "{by_member}"
            );
        }
    }
}

both_stores!(
    compare_and_swap,
    compare_and_swap_on_a_file_keeps_every_edit,
    compare_and_swap_in_memory_keeps_every_edit,
    "writes-swaps"
);

// Failing writes among busy ones.

const WORKERS: usize = 4;
const WORKS: usize = 40;
const ROUNDS: usize = 15;

/// A write that fails is undone alone, even when it shares a transaction with writes
/// that succeed: most failing writes here change rows (member rows, unique keys) before
/// they fail, yet afterwards the group is as it was, neither the member rows nor a
/// `members.value eq` filter list the members they added, the unique values they
/// released are held again and those they claimed are free; and every concurrent write
/// is kept.
fn failing_writes(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    for id in ["keep", "x"] {
        block_on(store.create(
            &tenant,
            std::sync::Arc::new(user(id, id, 1)),
            Origin::New,
            entry(),
        ))
        .expect("create a user");
    }
    let team = group("g", "Team", &["keep"], 1);
    block_on(store.create(
        &tenant,
        std::sync::Arc::new(team.clone()),
        Origin::New,
        entry(),
    ))
    .expect("create g");
    block_on(store.create(
        &tenant,
        std::sync::Arc::new(group::<&str>("other", "Taken", &[], 1)),
        Origin::New,
        entry(),
    ))
    .expect("create other");
    let start = Barrier::new(WORKERS + 1);
    thread::scope(|scope| {
        let (tenant, start) = (&tenant, &start);
        for t in 0..WORKERS {
            scope.spawn(move || {
                start.wait();
                for i in 0..WORKS {
                    let id = format!("w{t}-{i}");
                    let user = user(&id, &format!("worker-{t}-{i}"), 1);
                    block_on(store.create(tenant, std::sync::Arc::new(user), Origin::New, entry()))
                        .expect("a worker's user");
                    if i % 4 == 0 {
                        let group = group(
                            &format!("wg{t}-{i}"),
                            &format!("Workers {t}-{i}"),
                            &[&id],
                            1,
                        );
                        block_on(store.create(
                            tenant,
                            std::sync::Arc::new(group),
                            Origin::New,
                            entry(),
                        ))
                        .expect("a worker's group");
                    }
                }
            });
        }
        scope.spawn(move || {
            start.wait();
            let replace =
                |resource, expected| block_on(store.replace(tenant, resource, expected, entry()));
            let create = |resource| block_on(store.create(tenant, resource, Origin::New, entry()));
            for round in 0..ROUNDS {
                // Drops `keep` (and may add `x`) before it finds that `ghost` is no resource.
                let edit = group("g", "Team", &["x", "ghost"], 2);
                assert_eq!(
                    replace(std::sync::Arc::new(edit), 1),
                    Err(unknown_member("ghost"))
                );
                // Drops `keep`, adds `x` and releases `team` before it finds `taken` taken.
                let edit = group("g", "Taken", &["x"], 2);
                assert_eq!(
                    replace(std::sync::Arc::new(edit), 1),
                    Err(conflict("displayName", "taken"))
                );
                let stale = group("g", "Team", &["x"], 9);
                assert_eq!(
                    replace(std::sync::Arc::new(stale), 8),
                    Err(StoreError::VersionMismatch { current: 1 })
                );
                // May list `keep` before it finds that `ghost` is no resource.
                let new = group(
                    &format!("phantom-{round}"),
                    "Phantom",
                    &["keep", "ghost"],
                    1,
                );
                assert_eq!(
                    create(std::sync::Arc::new(new)),
                    Err(unknown_member("ghost"))
                );
                // Lists `keep` before it finds `taken` taken.
                let new = group(&format!("phantom-b-{round}"), "TAKEN", &["keep"], 1);
                assert_eq!(
                    create(std::sync::Arc::new(new)),
                    Err(conflict("displayName", "taken"))
                );
                let new = user(&format!("dup-{round}"), "KEEP", 1);
                assert_eq!(
                    create(std::sync::Arc::new(new)),
                    Err(conflict("userName", "keep"))
                );
            }
        });
    });

    assert_eq!(
        get(store, &tenant, "Group", "g"),
        Some(team),
        "g is as created"
    );
    assert_eq!(
        groups_of(store, &tenant, "keep"),
        listed_in(&[("g", "Team")])
    );
    let members_of = |id: &str| {
        found(
            store,
            &tenant,
            "Group",
            &format!("members.value eq \"{id}\""),
        )
    };
    assert_eq!(members_of("keep"), ["g"]);
    for id in ["x", "ghost"] {
        assert_eq!(groups_of(store, &tenant, id), [], "groups of {id}");
        assert_eq!(members_of(id), Vec::<String>::new(), "groups listing {id}");
    }
    assert_eq!(
        found_by_store(store, &tenant, "Group", r#"displayName eq "Team""#),
        ["g"]
    );
    assert_eq!(
        found_by_store(store, &tenant, "Group", r#"displayName eq "Taken""#),
        ["other"]
    );
    assert_eq!(
        found_by_store(store, &tenant, "Group", r#"displayName eq "Phantom""#),
        Vec::<String>::new()
    );
    // In SQL, on the `attr_values` rows.
    assert_eq!(
        found_by_store(store, &tenant, "Group", r#"displayName sw "T""#),
        ["g", "other"]
    );
    for round in 0..ROUNDS {
        for id in [
            format!("phantom-{round}"),
            format!("phantom-b-{round}"),
            format!("dup-{round}"),
        ] {
            assert_eq!(
                block_on(store.resource_types(&tenant, &[id.as_str()])),
                Ok(vec![None]),
                "{id}"
            );
        }
    }
    // Every worker's writes are kept.
    let users = list(store, &tenant, "User", None, None);
    assert_eq!(users.total().unwrap_or_default(), 2 + WORKERS * WORKS);
    for t in 0..WORKERS {
        for i in 0..WORKS {
            let id = format!("w{t}-{i}");
            assert!(get(store, &tenant, "User", &id).is_some(), "{id}");
            let groups = if i % 4 == 0 {
                vec![(format!("wg{t}-{i}"), format!("Workers {t}-{i}"))]
            } else {
                Vec::new()
            };
            assert_eq!(groups_of(store, &tenant, &id), groups, "groups of {id}");
        }
    }
    // `team`, released by a failed write, is held again; `phantom`, never kept, is free.
    let again = group::<&str>("g2", "TEAM", &[], 1);
    assert_eq!(
        block_on(store.create(&tenant, std::sync::Arc::new(again), Origin::New, entry())),
        Err(conflict("displayName", "team"))
    );
    let phantom = group("phantom", "Phantom", &["keep"], 1);
    assert!(
        block_on(store.create(&tenant, std::sync::Arc::new(phantom), Origin::New, entry())).is_ok()
    );
}

both_stores!(
    failing_writes,
    failing_writes_on_a_file_leave_no_trace,
    failing_writes_in_memory_leave_no_trace,
    "writes-failing"
);

// Durability.

/// What a file must hold: resources by id, and ids that must be gone.
#[derive(Default)]
struct Expected {
    resources: BTreeMap<String, StoredResource>,
    gone: BTreeSet<String>,
}

impl Expected {
    fn write(&mut self, resource: StoredResource) {
        self.gone.remove(&resource.id);
        self.resources.insert(resource.id.clone(), resource);
    }

    fn delete(&mut self, id: &str) {
        self.resources.remove(id);
        self.gone.insert(id.to_owned());
    }

    /// Checks that `store` holds exactly this: each resource as written, in the lists
    /// and the lookups.
    fn check(&self, store: &SqliteStore, tenant: &TenantId) {
        for (id, resource) in &self.resources {
            let found = get(store, tenant, &resource.resource_type, id);
            assert_eq!(found.as_ref(), Some(resource), "{id}");
            if let Some(user_name) = resource.resource.get_str("userName") {
                assert_eq!(
                    found_by_store(
                        store,
                        tenant,
                        "User",
                        &format!("userName eq \"{user_name}\"")
                    ),
                    [id.as_str()]
                );
            }
        }
        for id in &self.gone {
            assert_eq!(
                block_on(store.resource_types(tenant, &[id.as_str()])),
                Ok(vec![None]),
                "{id}"
            );
        }
        for resource_type in ["User", "Group"] {
            let all = list(store, tenant, resource_type, None, None);
            let listed: BTreeSet<&str> = ids(&all).into_iter().collect();
            let written: BTreeSet<&str> = self
                .resources
                .values()
                .filter(|resource| resource.resource_type == resource_type)
                .map(|resource| resource.id.as_str())
                .collect();
            assert_eq!(
                (all.total().unwrap_or_default(), listed),
                (written.len(), written),
                "{resource_type}s"
            );
        }
        // The rows that filters read in SQL.
        let renamed = self
            .resources
            .values()
            .filter(|resource| {
                resource
                    .resource
                    .get_str("userName")
                    .is_some_and(|name| name.starts_with("renamed-"))
            })
            .count();
        assert_eq!(
            found_by_store(store, tenant, "User", r#"userName sw "renamed-""#).len(),
            renamed
        );
    }
}

const MANY: usize = 500;

/// Every write that returned before the store was dropped is in the file when it is
/// opened again, after enough commits (each write its own) for several checkpoints (one
/// per 64 commits): creates, replaces, deletes and the membership they cascade to; and
/// again after a second session on the reopened file.
#[test]
fn acknowledged_writes_outlast_the_store() {
    let dir = TempDir::new("writes-reopen");
    let path = dir.0.join("scim.db");
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let mut expected = Expected::default();
    let tenant = {
        let store = open(&path);
        let tenant = tenant(&store, "t1");
        for i in 0..MANY {
            let user = user(&format!("u{i:03}"), &format!("user-{i}"), 1);
            block_on(store.create(
                &tenant,
                std::sync::Arc::new(user.clone()),
                Origin::New,
                entry(),
            ))
            .expect("create");
            expected.write(user);
        }
        for i in (0..MANY).step_by(5) {
            let user = user(&format!("u{i:03}"), &format!("renamed-{i}"), 2);
            block_on(store.replace(&tenant, std::sync::Arc::new(user.clone()), 1, entry()))
                .expect("replace");
            expected.write(user);
        }
        let members: Vec<String> = (1..=20).map(|i| format!("u{i:03}")).collect();
        block_on(store.create(
            &tenant,
            std::sync::Arc::new(group("g", "Team", &members, 1)),
            Origin::New,
            entry(),
        ))
        .expect("create g");
        for i in (0..MANY).step_by(7) {
            let id = format!("u{i:03}");
            let version = expected.resources[&id].version;
            block_on(store.delete(
                &tenant,
                "User",
                &id,
                Some(version),
                at,
                Disposal::Delete,
                entry(),
            ))
            .expect("delete");
            expected.delete(&id);
        }
        // The deletes of u007 and u014 took them out of g.
        let g = get(&store, &tenant, "Group", "g").expect("g");
        assert_eq!((g.version, g.members.len()), (3, 18));
        expected.write(g);
        expected.check(&store, &tenant);
        tenant
    };
    let store = open(&path);
    expected.check(&store, &tenant);
    for i in MANY..MANY + 100 {
        let user = user(&format!("u{i:03}"), &format!("user-{i}"), 1);
        block_on(store.create(
            &tenant,
            std::sync::Arc::new(user.clone()),
            Origin::New,
            entry(),
        ))
        .expect("create");
        expected.write(user);
    }
    drop(store);
    expected.check(&open(&path), &tenant);
    let connection = rusqlite::Connection::open(&path).expect("open the file");
    let integrity: String = connection
        .query_row("PRAGMA integrity_check", [], |row| row.get(0))
        .expect("an integrity check");
    assert_eq!(integrity, "ok");
}

/// The size of `path`, 0 if there is no such file.
fn size(path: &Path) -> u64 {
    std::fs::metadata(path).map_or(0, |metadata| metadata.len())
}

/// What the header of the write-ahead log at `path` says: its page size, and how many
/// times the log was started again from its beginning (the checkpoint sequence number).
fn log_header(path: &Path) -> (u64, u32) {
    let log = std::fs::read(path).expect("a write-ahead log");
    let word = |at: usize| u32::from_be_bytes(log[at..at + 4].try_into().expect("4 bytes"));
    (u64::from(word(8)), word(12))
}

/// How many pages the write-ahead log at `path` has room for: the file keeps the length
/// of the longest log it held (a log that starts again overwrites it from its beginning).
fn log_pages(path: &Path) -> u64 {
    // A 32-byte header, then frames of a 24-byte header and a page.
    let (page_size, _) = log_header(path);
    size(path).saturating_sub(32) / (24 + page_size)
}

/// A checkpoint starts each time the log has grown by this many pages.
const CHECKPOINT_PAGES: u32 = 64;

/// The log does not grow with the writes: the writer's own automatic checkpoints are
/// off, and once a checkpoint of the store has ended (the checkpointer copied the log
/// into the database file, the writer what was written meanwhile), the next transaction
/// writes the log from its beginning again. Each checkpoint is let end before the next
/// write, so that what the log holds does not depend on when the checkpointer ran.
#[test]
fn the_log_is_copied_into_the_file_as_writes_go_on() {
    let dir = TempDir::new("writes-checkpoints");
    let (path, log) = (dir.0.join("scim.db"), dir.0.join("scim.db-wal"));
    // A checkpoint every 64 pages, so that a few hundred writes make several.
    let store = open(&path).with_checkpoint_pages(CHECKPOINT_PAGES);
    let tenant = tenant(&store, "t1");
    let opened = size(&path);
    for i in 0..MANY {
        let user = user(&format!("u{i:03}"), &format!("user-{i}"), 1);
        block_on(store.create(&tenant, std::sync::Arc::new(user), Origin::New, entry()))
            .expect("create");
        store.wait_for_checkpoints().expect("the checkpoints end");
    }
    // Each create writes a handful of pages (close to 4,000 in all): had the log not been
    // started again once each checkpoint ended, after it had grown by 64 pages, it would
    // hold them all.
    let (pages, restarts) = (log_pages(&log), log_header(&log).1);
    assert!(
        pages < 2 * u64::from(CHECKPOINT_PAGES),
        "the log grew to {pages} pages, started again {restarts} times"
    );
    assert!(size(&path) > opened, "the file stayed at {opened} bytes");
}

const WRITERS: usize = 4;
const WRITES: usize = 100;

/// Writes acknowledged to concurrent writers, which share transactions, are all in the
/// file after reopening.
#[test]
fn concurrent_acknowledged_writes_outlast_the_store() {
    let dir = TempDir::new("writes-reopen-concurrent");
    let path = dir.0.join("scim.db");
    let store = open(&path);
    let tenant = tenant(&store, "t1");
    let start = Barrier::new(WRITERS);
    let written: Vec<Vec<StoredResource>> = thread::scope(|scope| {
        let writers: Vec<_> = (0..WRITERS)
            .map(|t| {
                let (store, tenant, start) = (&store, &tenant, &start);
                scope.spawn(move || {
                    start.wait();
                    let mut written = Vec::new();
                    for i in 0..WRITES {
                        let id = format!("u{t}-{i}");
                        let mut last = user(&id, &format!("user-{t}-{i}"), 1);
                        block_on(store.create(
                            tenant,
                            std::sync::Arc::new(last.clone()),
                            Origin::New,
                            entry(),
                        ))
                        .expect("create");
                        if i % 2 == 0 {
                            last = user(&id, &format!("renamed-{t}-{i}"), 2);
                            block_on(store.replace(
                                tenant,
                                std::sync::Arc::new(last.clone()),
                                1,
                                entry(),
                            ))
                            .expect("replace");
                        }
                        written.push(last);
                    }
                    written
                })
            })
            .collect();
        writers
            .into_iter()
            .map(|writer| writer.join().expect("a writer"))
            .collect()
    });
    drop(store);
    let mut expected = Expected::default();
    written
        .into_iter()
        .flatten()
        .for_each(|user| expected.write(user));
    expected.check(&open(&path), &tenant);
}

// Read-your-writes.

const CHECKS: usize = 200;
const NOISE: usize = 3;
const NOISE_WRITES: usize = 100;

/// A write is visible to every read once it returned: `get`, the `userName` lookup and
/// a filter in SQL see each create, replace and delete at once, also while other
/// threads' writes share its transactions.
fn reads_see_writes_at_once(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    let at = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    thread::scope(|scope| {
        let tenant = &tenant;
        for t in 0..NOISE {
            scope.spawn(move || {
                for i in 0..NOISE_WRITES {
                    let user = user(&format!("n{t}-{i}"), &format!("noise-{t}-{i}"), 1);
                    block_on(store.create(tenant, std::sync::Arc::new(user), Origin::New, entry()))
                        .expect("create");
                }
            });
        }
        let none = Vec::<String>::new();
        for i in 0..CHECKS {
            let id = format!("r{i}");
            let (name, renamed) = (format!("reader-{i}"), format!("reader-{i}-b"));
            block_on(store.create(
                tenant,
                std::sync::Arc::new(user(&id, &name, 1)),
                Origin::New,
                entry(),
            ))
            .expect("create");
            let version = || get(store, tenant, "User", &id).map(|user| user.version);
            assert_eq!(version(), Some(1), "{id} created");
            let lookup = |name: &str| {
                found_by_store(store, tenant, "User", &format!("userName eq \"{name}\""))
            };
            assert_eq!(lookup(&name.to_uppercase()), [id.as_str()]);
            let family = format!("name.familyName eq \"Family {id}\"");
            assert_eq!(
                found_by_store(store, tenant, "User", &family),
                [id.as_str()]
            );
            block_on(store.replace(
                tenant,
                std::sync::Arc::new(user(&id, &renamed, 2)),
                1,
                entry(),
            ))
            .expect("replace");
            assert_eq!(version(), Some(2), "{id} replaced");
            assert_eq!(lookup(&name), none);
            assert_eq!(lookup(&renamed), [id.as_str()]);
            if i % 10 == 0 {
                let entry = entry();
                let delete =
                    store.delete(tenant, "User", &id, Some(2), at, Disposal::Delete, entry);
                assert_eq!(block_on(delete), Ok(Vec::new()));
                assert_eq!(version(), None, "{id} deleted");
                assert_eq!(lookup(&renamed), none);
                assert_eq!(found_by_store(store, tenant, "User", &family), none);
            }
        }
    });
    let users = list(store, &tenant, "User", None, Some((0, 1)));
    assert_eq!(
        users.total().unwrap_or_default(),
        NOISE * NOISE_WRITES + CHECKS - CHECKS.div_ceil(10)
    );
}

both_stores!(
    reads_see_writes_at_once,
    reads_on_a_file_see_writes_at_once,
    reads_in_memory_see_writes_at_once,
    "writes-read-your-writes"
);
