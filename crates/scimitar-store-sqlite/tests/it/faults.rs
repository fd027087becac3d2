//! Faults, injected through the `test-hooks`: a writer thread that dies, a `ROLLBACK`
//! that fails, statements that fail, a full disk; and a table another connection takes
//! away from the readers. Each fails the reads or writes it touches with
//! [`StoreError::Unavailable`], never hangs, loses no write that was acknowledged, and
//! leaves a store that serves again once the fault clears.
//!
//! A write that could hang is awaited on a thread of its own, for at most [`DEADLINE`]:
//! a guard against a hang, not a measure of speed.

use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use pollster::block_on;
use scimitar_engine::{KeyHash, Origin, ResourceStore, StoreError, TenantId, TenantStore};
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::{TempDir, entry, stored, tenant};

/// The longest a write may take to answer before the test fails.
const DEADLINE: Duration = Duration::from_secs(30);

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// A store that lives as long as the test process, so that its writes' futures can be
/// awaited on other threads.
fn leaked(store: SqliteStore) -> &'static SqliteStore {
    Box::leak(Box::new(store))
}

fn on_a_file(dir: &TempDir) -> &'static SqliteStore {
    leaked(SqliteStore::open(dir.0.join("scim.db")).expect("open the database"))
}

fn in_memory() -> &'static SqliteStore {
    leaked(SqliteStore::open_in_memory().expect("open a database in memory"))
}

/// Creates the user `id` (userName `id`) and waits for the answer, at most
/// [`DEADLINE`].
fn create(store: &'static SqliteStore, tenant: &TenantId, id: &str) -> Result<u64, StoreError> {
    let write = queue_create(store, tenant, id);
    answer(write)
}

/// Queues the creation of the user `id`: the write is queued now, the future waits.
fn queue_create(
    store: &'static SqliteStore,
    tenant: &TenantId,
    id: &str,
) -> impl Future<Output = Result<u64, StoreError>> + Send + 'static + use<> {
    let mut user = stored("User", json!({"schemas": [USER], "id": id, "userName": id}));
    user.unique_keys = vec![scimitar_engine::UniqueKey {
        attribute: "userName".to_owned(),
        value: id.to_owned(),
        global: false,
    }];
    // The future borrows the tenant's id; it lives as long as the store.
    let tenant: &'static TenantId = Box::leak(Box::new(tenant.clone()));
    store.create(tenant, user.into(), Origin::New, entry())
}

/// The answer of `write`, awaited on a thread of its own for at most [`DEADLINE`].
#[track_caller]
fn answer<T: Send + 'static>(
    write: impl Future<Output = Result<T, StoreError>> + Send + 'static,
) -> Result<T, StoreError> {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || sender.send(block_on(write)));
    receiver
        .recv_timeout(DEADLINE)
        .expect("the write answers instead of hanging")
}

fn is_there(store: &SqliteStore, tenant: &TenantId, id: &str) -> bool {
    block_on(store.get(tenant, "User", id))
        .expect("a read")
        .is_some()
}

#[track_caller]
fn assert_unavailable<T: std::fmt::Debug>(result: Result<T, StoreError>, says: &str) {
    match result {
        Err(StoreError::Unavailable(why)) => assert!(why.contains(says), "{why:?} says {says:?}"),
        other => panic!("expected unavailable ({says}), got {other:?}"),
    }
}

/// A write refused for its own reason, a taken id or name, as without a fault.
#[track_caller]
fn assert_taken<T: std::fmt::Debug>(result: Result<T, StoreError>) {
    assert!(
        matches!(
            result,
            Err(StoreError::AlreadyExists | StoreError::Conflict { .. })
        ),
        "{result:?}"
    );
}

#[test]
fn a_dead_writer_fails_every_write_at_once() {
    let dir = TempDir::new("faults-dead-writer");
    let store = on_a_file(&dir);
    let tenant = tenant(store, "t1");
    create(store, &tenant, "before").expect("a write before the fault");
    assert_eq!(block_on(store.health()), Ok(()));

    store.kill_writer();

    assert_unavailable(
        create(store, &tenant, "after"),
        "the database writer stopped",
    );
    assert_unavailable(
        create(store, &tenant, "again"),
        "the database writer stopped",
    );
    assert_eq!(
        block_on(store.health()),
        Err(StoreError::Unavailable(
            "the database writer stopped".into()
        ))
    );
    // Reads run on their own connections and still work.
    assert!(is_there(store, &tenant, "before"));
    assert!(!is_there(store, &tenant, "after"));
}

#[test]
fn writes_queued_when_the_writer_dies_answer_and_none_acknowledged_is_lost() {
    let dir = TempDir::new("faults-queued");
    let store = on_a_file(&dir);
    let tenant = tenant(store, "t1");
    let held = store.hold_writes().expect("hold the writer");
    let queued: Vec<_> = (0..8)
        .map(|n| (n, queue_create(store, &tenant, &format!("queued{n}"))))
        .collect();
    // The writer stops at its next batch; the writes it holds meanwhile commit or fail.
    let killer = thread::spawn(|| store.kill_writer());
    drop(held);
    for (n, write) in queued {
        let id = format!("queued{n}");
        match answer(write) {
            Ok(_) => assert!(is_there(store, &tenant, &id), "{id} was acknowledged"),
            Err(StoreError::Unavailable(_)) => assert!(!is_there(store, &tenant, &id)),
            Err(other) => panic!("{id}: {other:?}"),
        }
    }
    killer.join().expect("the writer stops");
    assert_unavailable(
        create(store, &tenant, "later"),
        "the database writer stopped",
    );
    assert!(block_on(store.health()).is_err());
}

/// A failed `ROLLBACK` of a lone write's transaction leaves the transaction open: while
/// `ROLLBACK` keeps failing, writes fail (they do not hang) and the store is unhealthy;
/// once it works, the next write rolls back what was left open first.
fn a_failed_rollback_leaves_no_transaction_open(store: &'static SqliteStore) {
    let tenant = tenant(store, "t1");
    create(store, &tenant, "taken").expect("a first write");
    store.fail_rollbacks(u32::MAX);
    // The conflict undoes its transaction, whose ROLLBACK fails.
    assert_taken(create(store, &tenant, "taken"));
    assert_unavailable(block_on(store.health()), "cannot roll back");
    for n in 0..3 {
        let id = format!("refused{n}");
        assert_unavailable(create(store, &tenant, &id), "could not be rolled back");
    }
    store.fail_rollbacks(0);
    create(store, &tenant, "resumed").expect("writes resume");
    assert_eq!(block_on(store.health()), Ok(()));
    assert!(is_there(store, &tenant, "taken"));
    assert!(!is_there(store, &tenant, "refused0"));
    assert!(is_there(store, &tenant, "resumed"));
}

#[test]
fn a_failed_rollback_leaves_no_transaction_open_on_a_file() {
    let dir = TempDir::new("faults-rollback");
    a_failed_rollback_leaves_no_transaction_open(on_a_file(&dir));
}

#[test]
fn a_failed_rollback_leaves_no_transaction_open_in_memory() {
    a_failed_rollback_leaves_no_transaction_open(in_memory());
}

/// A failed `ROLLBACK TO` a savepoint, in a transaction that writes share, fails the
/// whole batch: nothing of it stays, so no other write of it is acknowledged wrongly.
#[test]
fn a_failed_rollback_of_a_savepoint_fails_its_batch_whole() {
    let dir = TempDir::new("faults-savepoint");
    let store = on_a_file(&dir);
    let tenant = tenant(store, "t1");
    create(store, &tenant, "taken").expect("a first write");
    store.fail_rollbacks(1);
    let held = store.hold_writes().expect("hold the writer");
    let first = queue_create(store, &tenant, "first");
    let conflict = queue_create(store, &tenant, "taken");
    let last = queue_create(store, &tenant, "last");
    drop(held);
    for (id, write) in [("first", first), ("last", last)] {
        match answer(write) {
            Ok(_) => assert!(is_there(store, &tenant, id), "{id} was acknowledged"),
            Err(StoreError::Unavailable(_)) => assert!(!is_there(store, &tenant, id)),
            Err(other) => panic!("{id}: {other:?}"),
        }
    }
    assert_taken(answer(conflict));
    create(store, &tenant, "resumed").expect("writes resume");
    assert_eq!(block_on(store.health()), Ok(()));
}

/// Each of the first statements of a write fails in turn (its `BEGIN`, its inserts,
/// its `COMMIT`, the `ROLLBACK` after them): the write is acknowledged only if it
/// stays, and the next one works once the fault clears.
fn failed_statements_lose_nothing_acknowledged(store: &'static SqliteStore) {
    let tenant = tenant(store, "t1");
    for failing in 1..=16 {
        store.fail_statements(failing).expect("inject");
        let id = format!("user{failing}");
        let outcome = create(store, &tenant, &id);
        store.fail_statements(0).expect("clear");
        match outcome {
            Ok(_) => assert!(is_there(store, &tenant, &id), "{id} was acknowledged"),
            Err(StoreError::Unavailable(_)) => assert!(!is_there(store, &tenant, &id), "{id}"),
            Err(other) => panic!("{id}: {other:?}"),
        }
        let probe = format!("probe{failing}");
        create(store, &tenant, &probe).expect("writes resume");
        assert!(is_there(store, &tenant, &probe));
        assert_eq!(block_on(store.health()), Ok(()));
    }
}

#[test]
fn failed_statements_lose_nothing_acknowledged_on_a_file() {
    let dir = TempDir::new("faults-statements");
    failed_statements_lose_nothing_acknowledged(on_a_file(&dir));
}

#[test]
fn failed_statements_lose_nothing_acknowledged_in_memory() {
    failed_statements_lose_nothing_acknowledged(in_memory());
}

/// In memory, reads run on the writer's connection: a failed read (here, the key
/// lookup of an authentication) is unavailable, and the next one works.
#[test]
fn a_failed_read_is_unavailable_and_the_next_works() {
    let store = in_memory();
    tenant(store, "t1");
    store.fail_statements(1).expect("inject");
    assert_unavailable(
        block_on(store.key_by_hash(&KeyHash::of("secret"))),
        "interrupt",
    );
    assert!(block_on(store.health()).is_ok());
    assert_eq!(
        block_on(store.key_by_hash(&KeyHash::of("secret"))),
        Ok(None)
    );
    assert_eq!(block_on(store.tenants()).expect("tenants").len(), 1);
}

#[test]
fn a_full_disk_fails_writes_until_it_has_room_again() {
    let dir = TempDir::new("faults-full-disk");
    let store = on_a_file(&dir);
    let tenant = tenant(store, "t1");
    create(store, &tenant, "before").expect("a write before the fault");
    store.fill_disk(true).expect("fill the disk");
    let mut acknowledged = Vec::new();
    let refused = (0..10_000)
        .find_map(|n| {
            let id = format!("filling{n}");
            match create(store, &tenant, &id) {
                Ok(_) => {
                    acknowledged.push(id);
                    None
                }
                Err(error) => Some((id, error)),
            }
        })
        .expect("the disk fills up");
    let (refused_id, error) = refused;
    assert_unavailable(Err::<(), _>(error), "full");
    assert!(!is_there(store, &tenant, &refused_id));

    store.fill_disk(false).expect("make room");
    create(store, &tenant, "after").expect("writes resume");
    for id in acknowledged
        .iter()
        .map(String::as_str)
        .chain(["before", "after"])
    {
        assert!(is_there(store, &tenant, id), "{id} was acknowledged");
    }
    assert_eq!(block_on(store.health()), Ok(()));
    assert!(block_on(store.tenant(&tenant)).expect("a read").is_some());
}

/// On a file, reads run on the pool's connections: a table gone (renamed by another
/// connection) fails the reads of it, the key lookup of an authentication included,
/// and the health check; once it is back, they work again.
#[test]
fn a_failed_read_on_a_file_is_unavailable_until_the_fault_clears() {
    let dir = TempDir::new("faults-read");
    let path = dir.0.join("scim.db");
    let store = on_a_file(&dir);
    let tenant = tenant(store, "t1");
    let other = rusqlite::Connection::open(&path).expect("another connection");
    let rename = |from: &str, to: &str| {
        other
            .execute_batch(&format!("ALTER TABLE {from} RENAME TO {to}"))
            .expect("rename");
    };
    let lookup = || block_on(store.key_by_hash(&KeyHash::of("secret")));
    assert_eq!(lookup(), Ok(None));

    rename("api_keys", "api_keys_away");
    assert_unavailable(lookup(), "no such table");
    rename("api_keys_away", "api_keys");
    assert_eq!(lookup(), Ok(None));

    rename("tenants", "tenants_away");
    assert_unavailable(block_on(store.health()), "no such table");
    rename("tenants_away", "tenants");
    assert_eq!(block_on(store.health()), Ok(()));
    assert!(block_on(store.tenant(&tenant)).expect("a read").is_some());
}

/// A panic while the writer's connection was held (here, by the test hook that holds
/// it) leaves the connection in a state nothing vouches for: writes fail at once, and
/// the store is unhealthy.
#[test]
fn a_poisoned_writer_fails_writes_at_once_and_is_unhealthy() {
    let dir = TempDir::new("faults-poisoned");
    let store = on_a_file(&dir);
    let tenant = tenant(store, "t1");
    let panicked = thread::spawn(|| {
        let _held = store.hold_writes().expect("hold the writer");
        panic!("a panic while the writer's connection is held");
    })
    .join();
    assert!(panicked.is_err());
    assert_unavailable(create(store, &tenant, "after"), "poisoned");
    assert_unavailable(block_on(store.health()), "poisoned");
}
