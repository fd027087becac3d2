//! The change history: written with each write, read by query, pruned by time.

use std::sync::Arc;

use serde_json::json;

use scimitar_engine::{
    Disposal, HistoryQuery, HistoryStore, Origin, ResourceStore, StoreError, StoredResource,
    TenantId,
};
use scimitar_policy::{Action, AttributeChange, HistoryEntry};

use crate::fixtures::{
    at, create, delete, entry, get, group, history, last_seq, next, ok, pick_up, replace, seqs,
    suspended, unique, unlink, unmanaged, user,
};

/// `entry` as a store returns it: numbered `seq`.
fn numbered(mut entry: HistoryEntry, seq: u64) -> HistoryEntry {
    entry.seq = seq;
    entry
}

/// Creates `resource` as new, writing `entry` (which these checks read back, unlike the
/// fixtures' writes): the entry's number, or why it failed.
async fn create_new<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    resource: StoredResource,
    entry: HistoryEntry,
) -> Result<u64, StoreError> {
    store
        .create(tenant, Arc::new(resource), Origin::New, entry)
        .await
}

/// Deletes the user `id` at its entry's time, leaving what `disposal` says and writing
/// `entry`: the groups it was removed from, or why it failed.
async fn delete_user<S: ResourceStore>(
    store: &S,
    tenant: &TenantId,
    id: &str,
    expected_version: Option<u64>,
    disposal: Disposal,
    entry: HistoryEntry,
) -> Result<Vec<String>, StoreError> {
    let when = entry.time;
    store
        .delete(tenant, "User", id, expected_version, when, disposal, entry)
        .await
}

/// Records a refused write at `millis`: the number its entry got.
async fn record_refusal<S: ResourceStore>(store: &S, tenant: &TenantId, millis: i64) -> u64 {
    let refusal = entry(Action::Failed, "User", None, millis);
    ok(
        store.record(tenant, refusal).await,
        &format!("record an entry in {tenant}"),
    )
}

/// Numbering: each tenant's entries are numbered 1, 2, 3… in the order of the writes
/// (creates, pick-ups, replaces, deletes, unlinking deletes and recorded refusals), each
/// write returning its entry's number, whatever `seq` the entry carried; the entries
/// read back are those written, field for field, but for their numbers; adding an
/// unmanaged account appends nothing; the two tenants' histories are independent.
///
/// Writes in `one` and `two`, two tenants that hold no resources or history entries yet.
pub async fn history_numbering<S: ResourceStore + HistoryStore>(
    store: &S,
    one: &TenantId,
    two: &TenantId,
) {
    assert!(
        history(store, one, &HistoryQuery::new()).await.is_empty(),
        "a tenant without writes has no history"
    );

    let mut created = entry(Action::Created, "User", Some("u1"), 1_000);
    created.seq = 77;
    created.key = Some("key_conformance".to_owned());
    created.request = Some("request-1".to_owned());
    created.changes = vec![
        AttributeChange::new("userName", None, Some(json!("alice"))),
        AttributeChange::new("emails", None, Some(json!([{"value": "a@example.com"}]))),
    ];
    created
        .fields
        .insert("email".to_owned(), Some("a@example.com".to_owned()));
    created.fields.insert("title".to_owned(), None);
    created.warnings = vec!["ignored attribute nickName".to_owned()];
    created.status = 201;
    let written = create_new(store, one, user("u1", "alice"), created.clone()).await;
    assert_eq!(
        ok(written, "create a user"),
        1,
        "the first entry of a tenant is 1, whatever seq the entry carried"
    );

    let elsewhere = entry(Action::Created, "User", Some("u1"), 1_500);
    let written = create_new(store, two, user("u1", "bob"), elsewhere.clone()).await;
    assert_eq!(
        ok(written, "create a user elsewhere"),
        1,
        "another tenant's first entry is 1 too"
    );

    let mut updated = entry(Action::Updated, "User", Some("u1"), 2_000);
    updated.changes = vec![AttributeChange::new(
        "userName",
        Some(json!("alice")),
        Some(json!("alicia")),
    )];
    updated
        .fields
        .insert("name".to_owned(), Some("Alicia".to_owned()));
    let alicia = Arc::new(next(user("u1", "alicia"), 1));
    let written = store.replace(one, alicia, 1, updated.clone()).await;
    assert_eq!(ok(written, "replace a user"), 2);

    let mut refused = entry(Action::Failed, "User", None, 3_000);
    refused.status = 409;
    refused.error = Some("userName \"alicia\" is already taken".to_owned());
    refused.request = Some("request-3".to_owned());
    assert_eq!(
        ok(
            store.record(one, refused.clone()).await,
            "record a refused write"
        ),
        3
    );

    let deleted = entry(Action::Deleted, "User", Some("u1"), 4_000);
    let written = delete_user(store, one, "u1", Some(2), Disposal::Delete, deleted.clone()).await;
    assert_eq!(ok(written, "delete a user"), Vec::<String>::new());
    assert_eq!(
        last_seq(store, one).await,
        4,
        "a delete appends its entry: 4"
    );

    ok(
        store.add_unmanaged(one, user("a1", "carol")).await,
        "add an unmanaged account",
    );
    assert_eq!(
        last_seq(store, one).await,
        4,
        "adding an unmanaged account appends nothing"
    );
    let picked = entry(Action::PickedUp, "User", Some("a1"), 5_000);
    let carol = Arc::new(user("a1", "carol"));
    let written = store
        .create(one, carol, Origin::PickedUp, picked.clone())
        .await;
    assert_eq!(ok(written, "pick up an unmanaged account"), 5);
    let unlinked = entry(Action::Deleted, "User", Some("a1"), 6_000);
    let account = Disposal::Unlink(suspended(user("a1", "carol")));
    let written = delete_user(store, one, "a1", None, account, unlinked.clone()).await;
    ok(written, "delete a user, unlinking it");

    let refused_elsewhere = entry(Action::Failed, "Group", None, 1_600);
    let written = store.record(two, refused_elsewhere.clone()).await;
    assert_eq!(
        ok(written, "record a refused write elsewhere"),
        2,
        "another tenant's numbers go on from its own last"
    );

    let expected = [created, updated, refused, deleted, picked, unlinked];
    let expected: Vec<HistoryEntry> = expected
        .into_iter()
        .zip(1..)
        .map(|(entry, seq)| numbered(entry, seq))
        .collect();
    assert_eq!(
        history(store, one, &HistoryQuery::new()).await,
        expected,
        "every entry as written, numbered, oldest first"
    );
    assert_eq!(
        history(store, two, &HistoryQuery::new()).await,
        [numbered(elsewhere, 1), numbered(refused_elsewhere, 2)],
        "only the tenant's own entries"
    );
    assert!(
        history(
            store,
            &TenantId(format!("{one}-nobody")),
            &HistoryQuery::new()
        )
        .await
        .is_empty(),
        "a tenant without writes has no history"
    );
}

/// A write that fails appends nothing, whatever the error: `AlreadyExists`, `Conflict`
/// (with a resource or an unmanaged account), `UnknownMember`, `NotFound` (a pick-up
/// of an account that is gone included) and `VersionMismatch`, of a create, replace,
/// delete or unlinking delete. The next write's entry takes the next number.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn failed_writes_append_nothing<S: ResourceStore + HistoryStore>(
    store: &S,
    tenant: &TenantId,
) {
    ok(create(store, tenant, user("u1", "alice")).await, "create");
    ok(create(store, tenant, user("u2", "bob")).await, "create");
    ok(
        create(store, tenant, group("g1", "Staff", &["u1"])).await,
        "create",
    );
    ok(
        store.add_unmanaged(tenant, user("a1", "carol")).await,
        "add an unmanaged account",
    );
    let before = history(store, tenant, &HistoryQuery::new()).await;
    assert_eq!(seqs(&before), [1, 2, 3]);

    let failures = [
        (
            "create with a taken id",
            create(store, tenant, user("u1", "zed")).await,
        ),
        (
            "create with a taken key",
            create(store, tenant, user("u3", "ALICE")).await,
        ),
        (
            "create with an unmanaged account's key",
            create(store, tenant, user("u3", "carol")).await,
        ),
        (
            "create with an unmanaged account's id",
            create(store, tenant, user("a1", "zed")).await,
        ),
        (
            "create a group with an unknown member",
            create(store, tenant, group("g2", "Other", &["u9"])).await,
        ),
        (
            "pick up an account that is not there",
            pick_up(store, tenant, user("a9", "nobody")).await,
        ),
        (
            "replace at a stale version",
            replace(store, tenant, next(user("u1", "alicia"), 4), 4).await,
        ),
        (
            "replace an unknown id",
            replace(store, tenant, next(user("u9", "nobody"), 1), 1).await,
        ),
        (
            "replace with a taken key",
            replace(store, tenant, next(user("u2", "alice"), 1), 1).await,
        ),
        (
            "replace a group with an unknown member",
            replace(store, tenant, next(group("g1", "Staff", &["u9"]), 1), 1).await,
        ),
    ];
    for (what, result) in failures {
        assert!(result.is_err(), "{what} fails");
    }
    let deletes = [
        (
            "delete at a stale version",
            delete(store, tenant, "User", "u1", Some(7), at(0)).await,
        ),
        (
            "delete an unknown id",
            delete(store, tenant, "User", "u9", None, at(0)).await,
        ),
        (
            "delete with another resource type",
            delete(store, tenant, "Group", "u1", None, at(0)).await,
        ),
        (
            "unlink, leaving an account with a taken key",
            unlink(store, tenant, "User", "u2", at(0), user("u2", "alice")).await,
        ),
    ];
    for (what, result) in deletes {
        assert!(result.is_err(), "{what} fails");
    }
    assert_eq!(
        history(store, tenant, &HistoryQuery::new()).await,
        before,
        "failed writes append nothing"
    );
    assert!(
        get(store, tenant, "User", "u2").await.is_some(),
        "a failed unlink deletes nothing"
    );
    assert_eq!(
        unmanaged(store, tenant).await,
        [user("a1", "carol")],
        "failed writes leave the unmanaged accounts as they were"
    );
    assert_eq!(
        ok(create(store, tenant, user("u3", "dave")).await, "create"),
        4,
        "the next write takes the next number"
    );
    assert_eq!(
        replace(store, tenant, next(user("u3", "dave"), 3), 3).await,
        Err(StoreError::VersionMismatch { current: 1 })
    );
    assert_eq!(last_seq(store, tenant).await, 4);
    assert_eq!(
        store
            .find_unmanaged(tenant, "User", &unique("userName", "carol"))
            .await
            .map(|account| account.is_some()),
        Ok(true)
    );
}

/// Queries: by resource, action, time (at or after `since`) and sequence number
/// (greater than `after`), at most `limit` entries, oldest or newest first, and any
/// combination of them, the limit applied last. Times need not follow the numbers.
///
/// Writes in `tenant`, which holds no resources or history entries yet.
pub async fn history_queries<S: ResourceStore + HistoryStore>(store: &S, tenant: &TenantId) {
    let written = [
        (Action::Created, Some("u1"), 1_000),
        (Action::Created, Some("u2"), 2_000),
        (Action::Updated, Some("u1"), 3_000),
        (Action::Failed, None, 3_000),
        // Recorded late, with the time the request arrived.
        (Action::Suspended, Some("u1"), 2_500),
        (Action::Deleted, Some("u2"), 4_000),
        (Action::Created, Some("u3"), 5_000),
    ];
    let mut entries = Vec::new();
    for (seq, (action, id, millis)) in (1..).zip(written) {
        let entry = entry(action, "User", id, millis);
        assert_eq!(
            ok(store.record(tenant, entry.clone()).await, "record an entry"),
            seq
        );
        entries.push(numbered(entry, seq));
    }

    let all = history(store, tenant, &HistoryQuery::new()).await;
    assert_eq!(all, entries, "every entry, oldest first");
    let cases = [
        (HistoryQuery::new().resource("u1"), &[1, 3, 5][..]),
        (HistoryQuery::new().resource("u9"), &[]),
        (HistoryQuery::new().action(Action::Created), &[1, 2, 7]),
        (HistoryQuery::new().action(Action::Failed), &[4]),
        (HistoryQuery::new().action(Action::PickedUp), &[]),
        (HistoryQuery::new().since(at(3_000)), &[3, 4, 6, 7]),
        (HistoryQuery::new().since(at(3_001)), &[6, 7]),
        (HistoryQuery::new().since(at(0)), &[1, 2, 3, 4, 5, 6, 7]),
        (HistoryQuery::new().since(at(9_000)), &[]),
        (HistoryQuery::new().after(0), &[1, 2, 3, 4, 5, 6, 7]),
        (HistoryQuery::new().after(3), &[4, 5, 6, 7]),
        (HistoryQuery::new().after(7), &[]),
        (HistoryQuery::new().after(u64::MAX), &[]),
        (HistoryQuery::new().limit(2), &[1, 2]),
        (HistoryQuery::new().limit(0), &[]),
        (HistoryQuery::new().limit(100), &[1, 2, 3, 4, 5, 6, 7]),
        (
            HistoryQuery::new().limit(usize::MAX),
            &[1, 2, 3, 4, 5, 6, 7],
        ),
        (HistoryQuery::new().newest_first(), &[7, 6, 5, 4, 3, 2, 1]),
        (HistoryQuery::new().newest_first().limit(2), &[7, 6]),
        (
            HistoryQuery::new().resource("u1").action(Action::Updated),
            &[3],
        ),
        (HistoryQuery::new().resource("u1").since(at(2_000)), &[3, 5]),
        (
            HistoryQuery::new()
                .action(Action::Created)
                .after(1)
                .limit(1),
            &[2],
        ),
        (
            HistoryQuery::new().resource("u1").newest_first().limit(2),
            &[5, 3],
        ),
        (
            HistoryQuery::new().after(2).newest_first().limit(2),
            &[7, 6],
        ),
        (
            HistoryQuery::new()
                .since(at(2_000))
                .after(4)
                .action(Action::Deleted),
            &[6],
        ),
        (
            HistoryQuery::new().after(2).since(at(3_000)).newest_first(),
            &[7, 6, 4, 3],
        ),
        (
            HistoryQuery::new()
                .resource("u1")
                .action(Action::Created)
                .since(at(1_000))
                .after(0)
                .limit(5)
                .newest_first(),
            &[1],
        ),
        (HistoryQuery::new().resource("u2").after(2), &[6]),
    ];
    for (query, expected) in cases {
        let found = history(store, tenant, &query).await;
        assert_eq!(seqs(&found), expected, "the entries of {query:?}");
        for entry in &found {
            assert_eq!(
                Some(entry),
                entries.iter().find(|written| written.seq == entry.seq),
                "{query:?} returns the entries as written"
            );
        }
    }
}

/// Pruning removes the tenant's entries older than the time given (not those at that
/// time), by their times whatever their numbers, and returns how many went; the entries
/// left keep their numbers, and numbers are never given again. Other tenants' entries
/// stay.
///
/// Writes in `one` and `two`, two tenants that hold no resources or history entries yet.
pub async fn history_pruning<S: ResourceStore + HistoryStore>(
    store: &S,
    one: &TenantId,
    two: &TenantId,
) {
    for millis in [1_000, 2_000, 3_000, 4_000] {
        record_refusal(store, one, millis).await;
    }
    record_refusal(store, two, 1_000).await;

    assert_eq!(
        ok(store.prune_history(one, at(2_500)).await, "prune"),
        2,
        "two entries are older"
    );
    assert_eq!(
        seqs(&history(store, one, &HistoryQuery::new()).await),
        [3, 4],
        "later entries keep their numbers"
    );
    assert_eq!(
        seqs(&history(store, two, &HistoryQuery::new()).await),
        [1],
        "pruning leaves other tenants' entries"
    );
    assert_eq!(
        ok(store.prune_history(one, at(3_000)).await, "prune"),
        0,
        "an entry at the time given is not older"
    );
    assert_eq!(
        seqs(&history(store, one, &HistoryQuery::new().after(3)).await),
        [4]
    );

    let later = entry(Action::Created, "User", Some("u1"), 5_000);
    let written = create_new(store, one, user("u1", "alice"), later).await;
    assert_eq!(
        ok(written, "create a user"),
        5,
        "numbers go on after a prune"
    );
    assert_eq!(
        ok(store.prune_history(one, at(10_000)).await, "prune"),
        3,
        "every entry is older"
    );
    assert!(history(store, one, &HistoryQuery::new()).await.is_empty());
    assert_eq!(
        record_refusal(store, one, 11_000).await,
        6,
        "numbers are not given again when every entry was pruned"
    );
    assert_eq!(
        ok(store.prune_history(two, at(0)).await, "prune"),
        0,
        "nothing older"
    );
    assert_eq!(
        ok(
            store
                .prune_history(&TenantId(format!("{one}-nobody")), at(10_000))
                .await,
            "prune a tenant without history"
        ),
        0
    );
    assert_eq!(seqs(&history(store, two, &HistoryQuery::new()).await), [1]);

    // Times need not follow the numbers: an entry recorded late with an early time goes
    // with the other old ones, and a later number with a later time stays.
    for millis in [5_000, 1_500] {
        record_refusal(store, two, millis).await;
    }
    assert_eq!(
        ok(store.prune_history(two, at(2_000)).await, "prune"),
        2,
        "the entries older than the time, whatever their numbers"
    );
    assert_eq!(seqs(&history(store, two, &HistoryQuery::new()).await), [2]);
}
