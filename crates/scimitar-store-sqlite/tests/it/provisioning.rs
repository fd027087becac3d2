//! What provisioning adds to the store: the change history written with each write
//! (numbered per tenant, queried in SQL, pruned), unmanaged accounts and the creates that
//! pick them up, deletes that unlink, users awaiting a manager, unique keys across
//! tenants, and tenants' policies.

use std::collections::BTreeMap;
use std::sync::Arc;

use chrono::{DateTime, Duration, TimeZone, Utc};
use pollster::block_on;
use scimitar_engine::{
    Disposal, HistoryQuery, HistoryStore, ListQuery, Origin, ResourceStore, StoreError,
    StoredResource, Tenant, TenantId, TenantStore, UniqueKey,
};
use scimitar_patch::Compat;
use scimitar_policy::{Action, AttributeChange, DeleteRule, HistoryEntry, Policy};
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::{TempDir, filter, ids, list, stored, tenant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";

fn key(attribute: &str, value: &str, global: bool) -> UniqueKey {
    UniqueKey {
        attribute: attribute.to_owned(),
        value: value.to_lowercase(),
        global,
    }
}

/// A user whose unique key is its lower-cased `userName`, unique across tenants if
/// `global`.
fn user_with(id: &str, user_name: &str, global: bool) -> StoredResource {
    let mut user = stored(
        "User",
        json!({"schemas": [USER], "id": id, "userName": user_name}),
    );
    user.unique_keys = vec![key("userName", user_name, global)];
    user
}

fn user(id: &str, user_name: &str) -> StoredResource {
    user_with(id, user_name, false)
}

fn group(id: &str, display_name: &str, members: &[&str]) -> StoredResource {
    let members: Vec<_> = members.iter().map(|id| json!({"value": id})).collect();
    let mut group = stored(
        "Group",
        json!({"schemas": [GROUP], "id": id, "displayName": display_name, "members": members}),
    );
    group.unique_keys = vec![key("displayName", display_name, false)];
    group
}

/// `resource` at the next version.
fn next(mut resource: StoredResource) -> StoredResource {
    resource.version += 1;
    resource
}

fn time(seconds: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(seconds)
}

/// An entry of `action` on `id` at `seconds`.
fn entry(seconds: i64, action: Action, id: Option<&str>) -> HistoryEntry {
    HistoryEntry::new(
        time(seconds),
        action,
        "User",
        id.map(str::to_owned),
        if action == Action::Failed { 409 } else { 200 },
    )
}

/// The entry as the history gives it back: numbered `seq`.
fn numbered(mut entry: HistoryEntry, seq: u64) -> HistoryEntry {
    entry.seq = seq;
    entry
}

fn history(store: &SqliteStore, tenant: &TenantId, query: &HistoryQuery) -> Vec<HistoryEntry> {
    block_on(store.history(tenant, query)).expect("history")
}

fn seqs(entries: &[HistoryEntry]) -> Vec<u64> {
    entries.iter().map(|entry| entry.seq).collect()
}

/// Creates `resource` as new, writing `entry`: the entry's number, or why it failed.
fn create_new(
    store: &SqliteStore,
    tenant: &TenantId,
    resource: StoredResource,
    entry: &HistoryEntry,
) -> Result<u64, StoreError> {
    block_on(store.create(tenant, Arc::new(resource), Origin::New, entry.clone()))
}

/// A create of a new resource that the test needs to succeed.
fn create(store: &SqliteStore, tenant: &TenantId, resource: StoredResource, entry: &HistoryEntry) {
    create_new(store, tenant, resource, entry).expect("create");
}

/// A resource the test starts from: created new at time 0, its entry naming it.
fn seed(store: &SqliteStore, tenant: &TenantId, resource: StoredResource) {
    let entry = entry(0, Action::Created, Some(resource.id.as_str()));
    create(store, tenant, resource, &entry);
}

/// Creates of each resource as new, writing `entry`, each failing with the error beside
/// it.
#[track_caller]
fn assert_refused<const N: usize>(
    store: &SqliteStore,
    tenant: &TenantId,
    entry: &HistoryEntry,
    refusals: [(StoredResource, StoreError); N],
) {
    for (resource, error) in refusals {
        let id = resource.id.clone();
        assert_eq!(
            create_new(store, tenant, resource, entry),
            Err(error),
            "{id}"
        );
    }
}

/// Creates `resource` in place of the unmanaged account with its id, writing `entry`.
fn pick_up(
    store: &SqliteStore,
    tenant: &TenantId,
    resource: StoredResource,
    entry: &HistoryEntry,
) -> Result<u64, StoreError> {
    block_on(store.create(tenant, Arc::new(resource), Origin::PickedUp, entry.clone()))
}

/// Replaces the resource at `expected_version` with `resource`, writing `entry`.
fn replace(
    store: &SqliteStore,
    tenant: &TenantId,
    resource: StoredResource,
    expected_version: u64,
    entry: &HistoryEntry,
) -> Result<u64, StoreError> {
    block_on(store.replace(tenant, Arc::new(resource), expected_version, entry.clone()))
}

/// Deletes the user `id` at its entry's time, leaving what `disposal` says and writing
/// `entry`: the groups it was removed from, or why it failed.
fn delete_user(
    store: &SqliteStore,
    tenant: &TenantId,
    id: &str,
    expected_version: Option<u64>,
    disposal: Disposal,
    entry: &HistoryEntry,
) -> Result<Vec<String>, StoreError> {
    let when = entry.time;
    block_on(store.delete(
        tenant,
        "User",
        id,
        expected_version,
        when,
        disposal,
        entry.clone(),
    ))
}

fn conflict(attribute: &str, value: &str) -> StoreError {
    StoreError::Conflict {
        attribute: attribute.to_owned(),
        value: value.to_owned(),
    }
}

/// Two tests of `$scenario`: on a file (reads on the pool's connections) and in memory.
macro_rules! both_stores {
    ($scenario:ident, $on_a_file:ident, $in_memory:ident) => {
        #[test]
        fn $on_a_file() {
            let dir = TempDir::new(stringify!($on_a_file));
            $scenario(&SqliteStore::open(dir.0.join("scim.db")).expect("open the file"));
        }

        #[test]
        fn $in_memory() {
            $scenario(&SqliteStore::open_in_memory().expect("open in memory"));
        }
    };
}

// The history.

/// Each write appends its entry, numbered 1, 2, 3… per tenant, whole (every field comes
/// back); a write that fails appends nothing and uses no number; tenants need no row in
/// the tenant table.
fn history_follows_the_writes(store: &SqliteStore) {
    let tenant = TenantId("never-created".into());
    let mut created = entry(0, Action::Created, Some("u1"));
    created.key = Some("key_1".into());
    created.request = Some("req-1".into());
    created.changes = vec![AttributeChange::new(
        "userName",
        None,
        Some(json!("bjensen")),
    )];
    created.fields = BTreeMap::from([
        ("email".to_owned(), Some("b@example.com".to_owned())),
        ("phone".to_owned(), None),
    ]);
    created.warnings = vec!["ignored attribute nickName".into()];
    let seq = create_new(store, &tenant, user("u1", "bjensen"), &created);
    assert_eq!(seq, Ok(1));

    // Failures of every kind append nothing.
    let failed = entry(1, Action::Created, Some("u2"));
    let taken = [
        (user("u2", "BJensen"), conflict("userName", "bjensen")),
        (user("u1", "other"), StoreError::AlreadyExists),
    ];
    assert_refused(store, &tenant, &failed, taken);
    assert_eq!(
        replace(store, &tenant, next(user("u1", "x")), 7, &failed),
        Err(StoreError::VersionMismatch { current: 1 })
    );
    assert_eq!(
        create_new(store, &tenant, group("g0", "G", &["ghost"]), &failed),
        Err(StoreError::UnknownMember { id: "ghost".into() })
    );
    assert_eq!(
        delete_user(store, &tenant, "u9", None, Disposal::Delete, &failed),
        Err(StoreError::NotFound)
    );

    let updated = entry(2, Action::Updated, Some("u1"));
    let seq = replace(store, &tenant, next(user("u1", "babs")), 1, &updated);
    assert_eq!(seq, Ok(2));
    let mut refused = entry(3, Action::Failed, None);
    refused.error = Some("userName is taken".into());
    assert_eq!(block_on(store.record(&tenant, refused.clone())), Ok(3));
    let deleted = entry(4, Action::Deleted, Some("u1"));
    let delete = delete_user(store, &tenant, "u1", Some(2), Disposal::Delete, &deleted);
    assert_eq!(delete, Ok(Vec::new()));

    let expected = vec![
        numbered(created, 1),
        numbered(updated, 2),
        numbered(refused, 3),
        numbered(deleted, 4),
    ];
    assert_eq!(history(store, &tenant, &HistoryQuery::new()), expected);

    // Another tenant counts from 1, and sees none of these.
    let other = TenantId("other".into());
    assert_eq!(history(store, &other, &HistoryQuery::new()), []);
    let first = entry(5, Action::Created, Some("u1"));
    assert_eq!(
        create_new(store, &other, user("u1", "bjensen"), &first),
        Ok(1)
    );
    assert_eq!(seqs(&history(store, &other, &HistoryQuery::new())), [1]);
    assert_eq!(history(store, &tenant, &HistoryQuery::new()), expected);
}

both_stores!(
    history_follows_the_writes,
    history_on_a_file_follows_the_writes,
    history_in_memory_follows_the_writes
);

/// Every query gives exactly the entries that [`HistoryQuery::matches`] keeps, in its
/// order, cut at its limit (the limit counts matches only: the conditions are applied
/// before it), down to the nanosecond for `since`.
fn history_queries_select_in_sql(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    // Times that go back and forth (a host's clock may), some a nanosecond apart.
    let base = time(0);
    let offsets = [0, 5, 3, 3, 9, 1, 7, 7, 2, 8, 6, 4];
    let actions = [Action::Created, Action::Updated, Action::Failed];
    let mut all = Vec::new();
    for (i, offset) in offsets.iter().enumerate() {
        let id = format!("r{}", i % 3);
        let action = actions[i % 3];
        let mut entry = HistoryEntry::new(
            base + Duration::nanoseconds(*offset)
                + Duration::seconds(i64::try_from(i % 2).unwrap()),
            action,
            "User",
            Some(id),
            200,
        );
        let seq = block_on(store.record(&tenant, entry.clone())).expect("record");
        entry.seq = seq;
        all.push(entry);
    }
    let mut queries = vec![HistoryQuery::new(), HistoryQuery::new().newest_first()];
    for id in ["r0", "r2", "nobody"] {
        queries.push(HistoryQuery::new().resource(id));
        queries.push(HistoryQuery::new().resource(id).after(4).newest_first());
        queries.push(HistoryQuery::new().resource(id).action(Action::Failed));
    }
    for action in actions {
        queries.push(HistoryQuery::new().action(action).limit(2));
        queries.push(
            HistoryQuery::new()
                .action(action)
                .since(base + Duration::nanoseconds(3)),
        );
    }
    for nanos in [0, 1, 3, 4, 9, 10] {
        let since = base + Duration::nanoseconds(nanos);
        queries.push(HistoryQuery::new().since(since));
        queries.push(HistoryQuery::new().since(since).newest_first().limit(3));
        queries.push(HistoryQuery::new().since(since + Duration::seconds(1)));
    }
    for after in [0, 1, 6, 12, 13, u64::MAX] {
        queries.push(HistoryQuery::new().after(after));
        queries.push(HistoryQuery::new().after(after).limit(4));
        queries.push(HistoryQuery::new().after(after).limit(0));
    }
    queries.push(
        HistoryQuery::new()
            .resource("r1")
            .action(Action::Updated)
            .since(base + Duration::nanoseconds(2))
            .after(1)
            .limit(1)
            .newest_first(),
    );
    for query in queries {
        let mut expected: Vec<HistoryEntry> = all
            .iter()
            .filter(|entry| query.matches(entry))
            .cloned()
            .collect();
        if query.newest_first {
            expected.reverse();
        }
        expected.truncate(query.limit.unwrap_or(usize::MAX));
        assert_eq!(
            seqs(&history(store, &tenant, &query)),
            seqs(&expected),
            "{query:?}"
        );
    }
}

both_stores!(
    history_queries_select_in_sql,
    history_queries_on_a_file_select_in_sql,
    history_queries_in_memory_select_in_sql
);

/// A prune removes the tenant's entries older than its time, and only those; numbers
/// are never given out twice, even once every entry is gone and the file reopened.
#[test]
fn a_pruned_history_keeps_counting() {
    let dir = TempDir::new("history-prune");
    let path = dir.0.join("scim.db");
    let (one, two) = (TenantId("one".into()), TenantId("two".into()));
    {
        let store = SqliteStore::open(&path).expect("open");
        for seconds in 0..5 {
            for tenant in [&one, &two] {
                let entry = entry(seconds, Action::Failed, None);
                block_on(store.record(tenant, entry)).expect("record");
            }
        }
        let prune = |tenant, before| block_on(store.prune_history(tenant, before));
        assert_eq!(prune(&one, time(2)), Ok(2));
        assert_eq!(prune(&one, time(2)), Ok(0), "nothing older is left");
        let left = history(&store, &one, &HistoryQuery::new());
        assert_eq!(seqs(&left), [3, 4, 5]);
        assert_eq!(left[0].time, time(2), "an entry at the time itself stays");
        assert_eq!(seqs(&history(&store, &two, &HistoryQuery::new())).len(), 5);
        // A nanosecond matters.
        assert_eq!(prune(&one, time(2) + Duration::nanoseconds(1)), Ok(1));
        // Everything goes, the newest number too.
        assert_eq!(prune(&one, time(60)), Ok(2));
        assert_eq!(history(&store, &one, &HistoryQuery::new()), []);
        let nobody = TenantId("nobody".into());
        assert_eq!(prune(&nobody, time(60)), Ok(0));
        let entry = entry(61, Action::Failed, None);
        assert_eq!(block_on(store.record(&one, entry)), Ok(6));
        assert_eq!(prune(&one, time(62)), Ok(1));
    }
    let store = SqliteStore::open(&path).expect("reopen");
    let entry = entry(63, Action::Failed, None);
    assert_eq!(block_on(store.record(&one, entry.clone())), Ok(7));
    assert_eq!(block_on(store.record(&two, entry)), Ok(6));
    assert_eq!(
        seqs(&history(&store, &two, &HistoryQuery::new())),
        [1, 2, 3, 4, 5, 6]
    );
}

/// Writes that share a transaction (the writer held while they queue) each append
/// their entry or, when they fail, nothing: the numbers the successes got are 1…n with
/// no gap, each the number of its own entry.
fn history_of_a_shared_transaction(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    seed(store, &tenant, user("taken", "taken"));
    const WRITES: usize = 60;
    let writes: Vec<(StoredResource, HistoryEntry, bool)> = (0..WRITES)
        .map(|i| {
            let id = format!("u{i}");
            // Every third write fails: its userName is taken.
            let fails = i % 3 == 1;
            let name = if fails {
                "TAKEN".to_owned()
            } else {
                format!("user-{i}")
            };
            let action = Action::Created;
            (user(&id, &name), entry(1, action, Some(&id)), fails)
        })
        .collect();
    let held = store.hold_writes().expect("hold the writer");
    let queued: Vec<_> = writes
        .iter()
        .map(|(resource, entry, _)| {
            store.create(
                &tenant,
                Arc::new(resource.clone()),
                Origin::New,
                entry.clone(),
            )
        })
        .collect();
    drop(held);
    let results: Vec<Result<u64, StoreError>> = queued.into_iter().map(block_on).collect();
    let mut by_seq = BTreeMap::new();
    for ((resource, _, fails), result) in writes.iter().zip(results) {
        if *fails {
            assert_eq!(
                result,
                Err(conflict("userName", "taken")),
                "{}",
                resource.id
            );
        } else {
            let seq = result.expect("a create");
            assert_eq!(
                by_seq.insert(seq, resource.id.clone()),
                None,
                "seq {seq} twice"
            );
        }
    }
    let entries = history(store, &tenant, &HistoryQuery::new().after(1));
    let found: BTreeMap<u64, String> = entries
        .iter()
        .map(|entry| (entry.seq, entry.resource_id.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        found, by_seq,
        "the entries are the successes', by their numbers"
    );
    let successes = u64::try_from(by_seq.len()).unwrap();
    assert_eq!(seqs(&entries), (2..=successes + 1).collect::<Vec<_>>());
    let failed = HistoryQuery::new().resource("u1");
    assert_eq!(
        history(store, &tenant, &failed),
        [],
        "a failed write left no entry"
    );
}

both_stores!(
    history_of_a_shared_transaction,
    history_of_a_shared_transaction_on_a_file,
    history_of_a_shared_transaction_in_memory
);

// Unmanaged accounts.

/// An unmanaged account is invisible to SCIM (get, lists, filters, resource types,
/// memberships) but holds its id and unique keys against resources and other accounts;
/// `find_unmanaged` finds it by key, `unmanaged` lists accounts in the order added.
fn unmanaged_accounts_hold_their_keys(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    let add = |account: StoredResource| block_on(store.add_unmanaged(&tenant, account));
    let mut bjensen = user("a1", "BJensen");
    bjensen.version = 4;
    bjensen.pending_manager = Some("boss".into());
    assert_eq!(add(bjensen.clone()), Ok(()));
    let staff = group("a2", "Staff", &[]);
    assert_eq!(add(staff.clone()), Ok(()));
    seed(store, &tenant, user("u1", "alice"));

    assert_eq!(block_on(store.get(&tenant, "User", "a1")), Ok(None));
    assert_eq!(ids(&list(store, &tenant, "User", None, None)), ["u1"]);
    let lookup = filter(r#"userName eq "bjensen""#);
    assert_eq!(
        ids(&list(store, &tenant, "User", Some(&lookup), None)),
        Vec::<&str>::new()
    );
    let sql = filter(r#"userName sw "b""#);
    let candidates = list(store, &tenant, "User", Some(&sql), None);
    assert_eq!(ids(&candidates), Vec::<&str>::new());
    assert_eq!(
        block_on(store.resource_types(&tenant, &["a1", "a2"])),
        Ok(vec![None, None])
    );
    assert_eq!(
        ids(&list(store, &tenant, "Group", None, None)),
        Vec::<&str>::new()
    );
    // Nor can a group list it as a member.
    let with_account = group("g1", "Team", &["a1"]);
    assert_eq!(
        create_new(
            store,
            &tenant,
            with_account,
            &entry(0, Action::Created, None)
        ),
        Err(StoreError::UnknownMember { id: "a1".into() })
    );

    let find = |kind: &str, key: &UniqueKey| block_on(store.find_unmanaged(&tenant, kind, key));
    assert_eq!(
        find("User", &key("userName", "bjensen", false)),
        Ok(Some(bjensen.clone()))
    );
    assert_eq!(
        find("Group", &key("displayName", "staff", false)),
        Ok(Some(staff.clone()))
    );
    assert_eq!(
        find("Group", &key("userName", "bjensen", false)),
        Ok(None),
        "another type"
    );
    assert_eq!(
        find("User", &key("userName", "alice", false)),
        Ok(None),
        "a resource's key"
    );
    assert_eq!(find("User", &key("userName", "nobody", false)), Ok(None));
    let elsewhere = TenantId("t2".into());
    let key_elsewhere = key("userName", "bjensen", false);
    assert_eq!(
        block_on(store.find_unmanaged(&elsewhere, "User", &key_elsewhere)),
        Ok(None)
    );
    assert_eq!(block_on(store.unmanaged(&elsewhere)), Ok(vec![]));

    // Ids and keys are shared with the resources and the other accounts.
    assert_eq!(add(user("u1", "new")), Err(StoreError::AlreadyExists));
    assert_eq!(add(user("a1", "new")), Err(StoreError::AlreadyExists));
    assert_eq!(add(user("a3", "ALICE")), Err(conflict("userName", "alice")));
    assert_eq!(
        add(user("a3", "bjensen")),
        Err(conflict("userName", "bjensen"))
    );
    let failed = entry(0, Action::Created, Some("u2"));
    let held = [
        (user("u2", "bjensen"), conflict("userName", "bjensen")),
        (user("a1", "other"), StoreError::AlreadyExists),
    ];
    assert_refused(store, &tenant, &failed, held);
    // The failures left nothing: a3 and its name are free.
    assert_eq!(add(user("a3", "carol")), Ok(()));
    let carol = user("a3", "carol");
    assert_eq!(
        block_on(store.unmanaged(&tenant)),
        Ok(vec![bjensen, staff, carol]),
        "in the order added"
    );
    assert_eq!(seqs(&history(store, &tenant, &HistoryQuery::new())), [1]);
}

both_stores!(
    unmanaged_accounts_hold_their_keys,
    unmanaged_accounts_on_a_file_hold_their_keys,
    unmanaged_accounts_in_memory_hold_their_keys
);

/// A create that picks an account up replaces it (same type and id) in one transaction:
/// the account and its keys go, the resource and its entry come; if the account is
/// gone, or the create fails, nothing changes.
fn creates_pick_accounts_up(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    let account = user("a1", "bjensen");
    block_on(store.add_unmanaged(&tenant, account)).expect("add an account");
    seed(store, &tenant, user("u1", "alice"));
    let picked = entry(1, Action::PickedUp, Some("a1"));

    // Of another type, or another id: not found, nothing written.
    let as_group = group("a1", "bjensen", &[]);
    assert_eq!(
        pick_up(store, &tenant, as_group, &picked),
        Err(StoreError::NotFound)
    );
    assert_eq!(
        pick_up(store, &tenant, user("a9", "bjensen"), &picked),
        Err(StoreError::NotFound)
    );
    // A pick-up that fails (its new name is taken) keeps the account.
    assert_eq!(
        pick_up(store, &tenant, user("a1", "Alice"), &picked),
        Err(conflict("userName", "alice"))
    );
    assert_eq!(
        block_on(store.unmanaged(&tenant)).map(|all| all.len()),
        Ok(1)
    );
    assert_eq!(seqs(&history(store, &tenant, &HistoryQuery::new())), [1]);

    let mut linked = user("a1", "BJensen");
    linked.unique_keys.push(key("externalId", "e1", false));
    assert_eq!(pick_up(store, &tenant, linked.clone(), &picked), Ok(2));
    assert_eq!(
        block_on(store.get(&tenant, "User", "a1")),
        Ok(Some(Arc::new(linked)))
    );
    assert_eq!(block_on(store.unmanaged(&tenant)), Ok(vec![]));
    let bjensen = key("userName", "bjensen", false);
    assert_eq!(
        block_on(store.find_unmanaged(&tenant, "User", &bjensen)),
        Ok(None)
    );
    let lookup = filter(r#"userName eq "bjensen""#);
    assert_eq!(
        ids(&list(store, &tenant, "User", Some(&lookup), None)),
        ["a1"]
    );
    // The resource holds the key now.
    assert_eq!(
        block_on(store.add_unmanaged(&tenant, user("a2", "bjensen"))),
        Err(conflict("userName", "bjensen"))
    );
    // Once picked up, the account is gone.
    assert_eq!(
        pick_up(store, &tenant, user("a1", "bjensen"), &picked),
        Err(StoreError::NotFound)
    );
    let actions: Vec<Action> = history(store, &tenant, &HistoryQuery::new())
        .iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions, [Action::Created, Action::PickedUp]);
}

both_stores!(
    creates_pick_accounts_up,
    creates_on_a_file_pick_accounts_up,
    creates_in_memory_pick_accounts_up
);

/// A delete that unlinks leaves the account it is given, in the same transaction as the
/// delete, its cascade and its entry; a later create picks it up again. An unlink whose
/// account cannot be added undoes the whole delete.
fn deletes_unlink(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    seed(store, &tenant, user("u1", "bjensen"));
    seed(store, &tenant, user("u2", "alice"));
    seed(store, &tenant, group("g1", "Team", &["u1", "u2"]));
    let deleted = entry(1, Action::Deleted, Some("u1"));

    // The account would take alice's name: nothing happens.
    let clash = Disposal::Unlink(user("u1", "alice"));
    let delete = delete_user(store, &tenant, "u1", None, clash, &deleted);
    assert_eq!(delete, Err(conflict("userName", "alice")));
    assert!(
        block_on(store.get(&tenant, "User", "u1"))
            .expect("get")
            .is_some()
    );
    let team = block_on(store.get(&tenant, "Group", "g1"))
        .expect("get")
        .expect("g1");
    assert_eq!(team.members, ["u1", "u2"]);
    assert_eq!(block_on(store.unmanaged(&tenant)), Ok(vec![]));
    assert_eq!(
        seqs(&history(store, &tenant, &HistoryQuery::new())),
        [1, 2, 3]
    );

    let mut suspended = user("u1", "bjensen");
    suspended
        .resource
        .as_map_mut()
        .insert("active".into(), json!(false));
    let unlink = Disposal::Unlink(suspended.clone());
    let delete = delete_user(store, &tenant, "u1", Some(1), unlink, &deleted);
    assert_eq!(delete, Ok(vec!["g1".to_owned()]));
    assert_eq!(block_on(store.get(&tenant, "User", "u1")), Ok(None));
    let team = block_on(store.get(&tenant, "Group", "g1"))
        .expect("get")
        .expect("g1");
    assert_eq!(team.members, ["u2"]);
    assert_eq!(
        block_on(store.unmanaged(&tenant)),
        Ok(vec![suspended.clone()])
    );
    let bjensen = key("userName", "bjensen", false);
    assert_eq!(
        block_on(store.find_unmanaged(&tenant, "User", &bjensen)),
        Ok(Some(suspended))
    );
    assert_eq!(
        seqs(&history(
            store,
            &tenant,
            &HistoryQuery::new().resource("u1")
        )),
        [1, 4]
    );

    // The account holds the name; a pick-up takes it back.
    let again = entry(2, Action::Created, Some("u3"));
    assert_eq!(
        create_new(store, &tenant, user("u3", "bjensen"), &again),
        Err(conflict("userName", "bjensen"))
    );
    let picked = entry(2, Action::PickedUp, Some("u1"));
    assert_eq!(
        pick_up(store, &tenant, user("u1", "bjensen"), &picked),
        Ok(5)
    );
    assert_eq!(block_on(store.unmanaged(&tenant)), Ok(vec![]));
}

both_stores!(
    deletes_unlink,
    deletes_on_a_file_unlink,
    deletes_in_memory_unlink
);

// Pending managers.

/// The users awaiting a manager are those whose pending manager is one of the keys, in
/// creation order; a replace that clears it (or changes it) takes a user off the list.
fn users_await_their_managers(store: &SqliteStore) {
    let tenant = tenant(store, "t1");
    let awaiting = |keys: &[&str]| -> Vec<String> {
        let keys: Vec<String> = keys.iter().map(|key| (*key).to_owned()).collect();
        block_on(store.awaiting_manager(&tenant, &keys))
            .expect("awaiting a manager")
            .iter()
            .map(|user| user.id.clone())
            .collect()
    };
    let pending = |id: &str, name: &str, manager: Option<&str>| {
        let mut user = user(id, name);
        user.pending_manager = manager.map(str::to_owned);
        user
    };
    for (id, manager) in [
        ("u1", Some("boss")),
        ("u2", None),
        ("u3", Some("b-id")),
        ("u4", Some("boss")),
        ("u5", Some("other")),
    ] {
        let user = pending(id, &format!("user-{id}"), manager);
        seed(store, &tenant, user);
    }
    // Another tenant's users wait for their own.
    let elsewhere = TenantId("t2".into());
    let user = pending("u9", "user-u9", Some("boss"));
    create(store, &elsewhere, user, &entry(0, Action::Created, None));
    // Unmanaged accounts wait for nobody.
    block_on(store.add_unmanaged(&tenant, pending("a1", "account", Some("boss"))))
        .expect("add an account");

    assert_eq!(awaiting(&["boss", "b-id"]), ["u1", "u3", "u4"]);
    assert_eq!(awaiting(&["b-id", "boss", "boss"]), ["u1", "u3", "u4"]);
    assert_eq!(awaiting(&["other"]), ["u5"]);
    assert_eq!(
        awaiting(&["BOSS", "nobody"]),
        Vec::<String>::new(),
        "keys come folded"
    );
    assert_eq!(awaiting(&[]), Vec::<String>::new());
    let u1 = block_on(store.get(&tenant, "User", "u1"))
        .expect("get")
        .expect("u1");
    assert_eq!(u1.pending_manager.as_deref(), Some("boss"));

    let resolved = next(pending("u1", "user-u1", None));
    let updated = entry(1, Action::Updated, Some("u1"));
    replace(store, &tenant, resolved, 1, &updated).expect("replace");
    let moved = next(pending("u4", "user-u4", Some("other")));
    let updated = entry(1, Action::Updated, Some("u4"));
    replace(store, &tenant, moved, 1, &updated).expect("replace");
    assert_eq!(awaiting(&["boss", "b-id"]), ["u3"]);
    assert_eq!(awaiting(&["other"]), ["u4", "u5"]);
    let deleted = entry(2, Action::Deleted, None);
    delete_user(store, &tenant, "u5", None, Disposal::Delete, &deleted).expect("delete");
    assert_eq!(awaiting(&["other"]), ["u4"]);
}

both_stores!(
    users_await_their_managers,
    users_on_a_file_await_their_managers,
    users_in_memory_await_their_managers
);

// Unique keys across tenants.

/// A global key is unique among every tenant's resources and accounts of its type,
/// enforced in the write's transaction; a key that is not global is not; a write that
/// fails leaves no key behind, and a delete or a rename frees the old one.
fn global_keys_cross_tenants(store: &SqliteStore) {
    let (one, two) = (tenant(store, "one"), tenant(store, "two"));
    let write = entry(0, Action::Created, None);
    let create = |tenant: &TenantId, resource| create_new(store, tenant, resource, &write);
    assert_eq!(create(&one, user_with("u1", "BJensen", true)), Ok(1));
    assert_eq!(
        create(&two, user_with("u1", "bjensen", true)),
        Err(conflict("userName", "bjensen"))
    );
    assert_eq!(
        block_on(store.add_unmanaged(&two, user_with("a1", "bjensen", true))),
        Err(conflict("userName", "bjensen"))
    );
    // Not a global key: unique in its tenant only.
    assert_eq!(create(&two, user("u1", "bjensen")), Ok(1));
    // Another type with the same attribute and value.
    let mut group = group("g1", "Ops", &[]);
    group.unique_keys = vec![key("userName", "bjensen", true)];
    assert_eq!(create(&two, group), Ok(2));

    // The failed writes above left nothing in `two`: its names are free there.
    assert_eq!(create(&two, user_with("u2", "carol", true)), Ok(3));
    assert_eq!(
        block_on(store.add_unmanaged(&one, user_with("a1", "Carol", true))),
        Err(conflict("userName", "carol"))
    );
    assert_eq!(
        block_on(store.add_unmanaged(&one, user_with("a1", "dave", true))),
        Ok(())
    );
    assert_eq!(
        create(&two, user_with("u3", "dave", true)),
        Err(conflict("userName", "dave"))
    );

    // A rename frees the old key (for any tenant) and takes the new one.
    let renamed = next(user_with("u1", "babs", true));
    replace(store, &one, renamed, 1, &write).expect("rename");
    let three = TenantId("three".into());
    assert_eq!(create(&three, user_with("u1", "bjensen", true)), Ok(1));
    assert_eq!(
        create(&two, user_with("u4", "babs", true)),
        Err(conflict("userName", "babs"))
    );
    // A key that becomes global is checked across tenants then.
    let now_global = next(user_with("u1", "bjensen", true));
    assert_eq!(
        replace(store, &two, now_global, 1, &write),
        Err(conflict("userName", "bjensen")),
        "three holds bjensen across tenants"
    );
    assert_eq!(create(&two, user_with("u3", "other", true)), Ok(4));
    // A delete frees it, and a pick-up moves it from the account to the resource.
    delete_user(store, &one, "u1", None, Disposal::Delete, &write).expect("delete");
    assert_eq!(create(&two, user_with("u4", "babs", true)), Ok(5));
    let picked = pick_up(store, &one, user_with("a1", "dave", true), &write);
    assert_eq!(picked, Ok(4));
    assert_eq!(
        create(&two, user_with("u5", "dave", true)),
        Err(conflict("userName", "dave"))
    );
    delete_user(store, &one, "a1", None, Disposal::Delete, &write).expect("delete");
    assert_eq!(create(&two, user_with("u5", "dave", true)), Ok(6));
}

both_stores!(
    global_keys_cross_tenants,
    global_keys_on_a_file_cross_tenants,
    global_keys_in_memory_cross_tenants
);

// Policies.

/// A tenant's policy is kept (as given at creation, then as set), read back by every
/// tenant read, and stored as NULL when it is the default one.
#[test]
fn policies_are_kept() {
    let dir = TempDir::new("policies");
    let path = dir.0.join("scim.db");
    let unlinking = Policy::default()
        .with_on_delete(DeleteRule::SuspendAndUnlink)
        .with_invitations(true);
    let acme =
        Tenant::new(TenantId("t1".into()), "acme", Compat::OKTA).with_policy(unlinking.clone());
    let plain = Tenant::new(TenantId("t2".into()), "plain", Compat::LENIENT);
    let stored_policies = || -> Vec<(String, Option<String>)> {
        let connection = rusqlite::Connection::open(&path).expect("open");
        let mut statement = connection
            .prepare("SELECT id, policy FROM tenants ORDER BY id")
            .expect("select");
        let rows = statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .expect("rows");
        rows.collect::<Result<_, _>>().expect("policies")
    };
    {
        let store = SqliteStore::open(&path).expect("open");
        block_on(store.create_tenant(acme.clone())).expect("create acme");
        block_on(store.create_tenant(plain.clone())).expect("create plain");
        assert_eq!(block_on(store.tenant(&acme.id)), Ok(Some(acme.clone())));
        assert_eq!(
            block_on(store.tenant_by_name("plain")),
            Ok(Some(plain.clone()))
        );
        let policies = stored_policies();
        assert!(
            policies[0].1.is_some() && policies[1].1.is_none(),
            "{policies:?}"
        );

        let no_pick_up = Policy::default().with_pick_up(false);
        assert_eq!(
            block_on(store.set_policy(&plain.id, no_pick_up.clone())),
            Ok(())
        );
        assert_eq!(
            block_on(store.set_policy(&acme.id, Policy::default())),
            Ok(())
        );
        assert_eq!(
            block_on(store.set_policy(&TenantId("nobody".into()), unlinking.clone())),
            Err(StoreError::NotFound)
        );
        let policies = stored_policies();
        assert!(
            policies[0].1.is_none() && policies[1].1.is_some(),
            "{policies:?}"
        );
        let tenants = block_on(store.tenants()).expect("tenants");
        let expected = vec![
            acme.clone().with_policy(Policy::default()),
            plain.clone().with_policy(no_pick_up),
        ];
        assert_eq!(tenants, expected);
        assert_eq!(
            block_on(store.set_policy(&acme.id, unlinking.clone())),
            Ok(())
        );
    }
    let store = SqliteStore::open(&path).expect("reopen");
    assert_eq!(block_on(store.tenant_by_name("acme")), Ok(Some(acme)));
}

/// The lists the engine makes before each write see no account: for the equality index
/// and in SQL, paged or not.
#[test]
fn lists_never_count_accounts() {
    let store = SqliteStore::open_in_memory().expect("open");
    let tenant = tenant(&store, "t1");
    for i in 0..3 {
        let account = user(&format!("a{i}"), &format!("account-{i}"));
        block_on(store.add_unmanaged(&tenant, account)).expect("add");
    }
    create(
        &store,
        &tenant,
        user("u1", "user-1"),
        &entry(0, Action::Created, None),
    );
    let page =
        block_on(store.list(&tenant, "User", ListQuery::new(None, Some((0, 10))))).expect("list");
    assert_eq!((ids(&page), page.total()), (vec!["u1"], Some(1)));
    let sql = filter(r#"userName sw "a""#);
    let page = block_on(store.list(&tenant, "User", ListQuery::new(Some(&sql), Some((0, 10)))))
        .expect("list");
    assert_eq!((ids(&page), page.total()), (vec![], Some(0)));
}
