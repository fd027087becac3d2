//! Expensive reads: each runs on a reader thread within its time budget, which
//! interrupts the query; dropping its future interrupts it too; and the threads are
//! shared between tenants, so that one tenant's worst filters do not stall another's
//! lookups.
//!
//! No test sleeps to let something happen: each waits for a condition, within
//! [`GUARD`], a bound that only a broken store reaches.

use std::future::Future;
use std::sync::Arc;
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use pollster::block_on;
use scimitar_engine::{ListQuery, Origin, ResourceStore, StoreError, TenantId, TenantStore};
use scimitar_filter::{Filter, ParseOptions};
use scimitar_store_sqlite::SqliteStore;
use serde_json::json;

use crate::{TempDir, entry, filter, stored, tenant};

/// How long a test waits for what must happen before it fails.
const GUARD: Duration = Duration::from_secs(60);

/// An hour: a budget no read of these tests reaches.
const NO_BUDGET: Duration = Duration::from_secs(3600);

/// Waits until `condition` holds; panics after [`GUARD`].
#[track_caller]
fn wait_until(what: &str, condition: impl Fn() -> bool) {
    let deadline = Instant::now() + GUARD;
    while !condition() {
        assert!(Instant::now() < deadline, "waited {GUARD:?} for {what}");
        thread::sleep(Duration::from_millis(1));
    }
}

/// Runs `future` to its end on a thread of its own; its output, or a panic after
/// [`GUARD`] (a read that would never end fails the test instead of hanging it).
#[track_caller]
fn answer<T: Send + 'static>(what: &str, future: impl Future<Output = T> + Send + 'static) -> T {
    let (sender, receiver) = mpsc::channel();
    thread::spawn(move || {
        let _ = sender.send(block_on(future));
    });
    receiver
        .recv_timeout(GUARD)
        .unwrap_or_else(|_| panic!("{what} did not answer within {GUARD:?}"))
}

/// A store on a file in `dir`, with `readers` reader threads and a read `budget`.
fn file_store(dir: &TempDir, readers: usize, budget: Duration) -> Arc<SqliteStore> {
    let store = SqliteStore::open(dir.0.join("scim.db"))
        .unwrap()
        .with_readers(readers)
        .with_read_budget(budget);
    Arc::new(store)
}

/// Creates `count` users in `tenant`, each with a display name of about 2 KB, all
/// queued at once (so that they share few transactions).
fn add_users(store: &SqliteStore, tenant: &TenantId, count: usize) {
    let filler = "lorem ipsum dolor sit amet ".repeat(76);
    let writes: Vec<_> = (0..count)
        .map(|n| {
            let user = stored(
                "User",
                json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                       "id": format!("u{n}"), "userName": format!("user{n}"),
                       "displayName": format!("{filler}{n}"), "title": format!("t{}", n % 7),
                       "meta": {"resourceType": "User"}}),
            );
            store.create(tenant, Arc::new(user), Origin::New, entry())
        })
        .collect();
    for write in writes {
        block_on(write).expect("create a user");
    }
}

/// The id of the user that `get` finds, through the store's future.
fn get(store: &Arc<SqliteStore>, tenant: &TenantId, id: &str) -> Option<String> {
    let (store, tenant, id) = (Arc::clone(store), tenant.clone(), id.to_owned());
    let found = answer(
        "a lookup",
        async move { store.get(&tenant, "User", &id).await },
    );
    found
        .expect("a lookup answers")
        .map(|found| found.id.clone())
}

/// The answer to a list of `tenant`'s users with `filter`.
fn list(store: &Arc<SqliteStore>, tenant: &TenantId, filter: Filter) -> Result<usize, StoreError> {
    let (store, tenant) = (Arc::clone(store), tenant.clone());
    answer("a list", async move {
        let query = ListQuery::new(Some(&filter), Some((0, 10)));
        let page = store.list(&tenant, "User", query).await?;
        Ok(page.resources().len())
    })
}

/// The ids of `tenant`'s users, by a list: a read on a reader thread (a lookup by id
/// runs on the calling thread).
fn listed(store: &Arc<SqliteStore>, tenant: &TenantId) -> Vec<String> {
    let (store, tenant) = (Arc::clone(store), tenant.clone());
    let page = answer("a list", async move {
        store
            .list(&tenant, "User", ListQuery::new(None, None))
            .await
    });
    let page = page.expect("a list answers");
    page.resources()
        .iter()
        .map(|user| user.id.clone())
        .collect()
}

/// `term(n)` for n = 0, 1, … joined by `or`, as long as the text stays within the
/// filter parser's default limits (8 KiB, 1,024 terms).
fn longest_or(term: impl Fn(usize) -> String) -> Filter {
    let mut text = term(0);
    for n in 1..ParseOptions::DEFAULT_MAX_TERMS {
        let next = format!(" or {}", term(n));
        if text.len() + next.len() > ParseOptions::DEFAULT_MAX_LEN {
            break;
        }
        text.push_str(&next);
    }
    filter(&text)
}

#[track_caller]
fn assert_too_expensive<T: std::fmt::Debug>(outcome: &Result<T, StoreError>, detail: &str) {
    assert!(
        matches!(outcome, Err(StoreError::TooExpensive(text)) if text.contains(detail)),
        "too expensive ({detail}): {outcome:?}"
    );
}

#[test]
fn a_read_past_its_budget_is_too_expensive_and_the_reader_goes_on() {
    let dir = TempDir::new("budget-endless");
    let store = file_store(&dir, 1, Duration::from_millis(100));
    let tenant = tenant(&*store, "t1");
    add_users(&store, &tenant, 1);
    let started = Instant::now();
    let outcome = answer("an endless read", store.endless_read(&tenant));
    assert_too_expensive(&outcome, "budget");
    assert!(started.elapsed() < GUARD);
    // The one reader thread, and its connection, serve the next read.
    assert_eq!(listed(&store, &tenant), ["u0"]);
    wait_until("no read to run", || store.reads_running() == 0);
}

#[test]
fn a_huge_filter_over_long_values_is_interrupted_within_the_budget() {
    let dir = TempDir::new("budget-filter");
    let budget = Duration::from_millis(200);
    let store = file_store(&dir, 2, budget);
    let tenant = tenant(&*store, "t1");
    add_users(&store, &tenant, 3_000);
    // Hundreds of substring searches through each 2 KB name, none of which matches:
    // minutes of work, far past the budget.
    let worst = longest_or(|n| format!("displayName co \"q{n}\""));
    let started = Instant::now();
    let outcome = list(&store, &tenant, worst);
    let took = started.elapsed();
    assert_too_expensive(&outcome, "budget");
    // The issue's bound on an expensive request; the budget itself is far shorter.
    assert!(took < Duration::from_secs(30), "interrupted after {took:?}");
    eprintln!("a huge `co` filter over 3,000 users stopped after {took:?} (budget {budget:?})");
    // The pool answers the next read.
    let cheap = filter(r#"userName eq "user7""#);
    assert_eq!(list(&store, &tenant, cheap), Ok(1));
}

#[test]
fn a_filter_too_large_for_sqlite_is_too_expensive_not_unavailable() {
    let dir = TempDir::new("budget-refused");
    let store = file_store(&dir, 2, NO_BUDGET);
    let tenant = tenant(&*store, "t1");
    add_users(&store, &tenant, 3);
    // 1,024 terms: the parser's limit, past SQLite's expression depth (1,000).
    let text = (0..ParseOptions::DEFAULT_MAX_TERMS)
        .map(|n| format!("title eq \"t{n}\""))
        .collect::<Vec<_>>()
        .join(" or ");
    let options = ParseOptions::default().max_len(text.len());
    let huge = Filter::parse_with(&text, &options).expect("the filter parses");
    assert_too_expensive(&list(&store, &tenant, huge), "refused");
    assert_eq!(get(&store, &tenant, "u2").as_deref(), Some("u2"));
}

#[test]
fn dropping_the_future_interrupts_the_read() {
    let dir = TempDir::new("budget-dropped");
    let store = file_store(&dir, 1, NO_BUDGET);
    let tenant = tenant(&*store, "t1");
    add_users(&store, &tenant, 1);
    let endless = store.endless_read(&tenant);
    wait_until("the endless read to run", || store.reads_running() == 1);
    drop(endless);
    // The only reader thread was busy for good: it answers once SQLite stopped.
    assert_eq!(listed(&store, &tenant), ["u0"]);
    wait_until("no read to run", || store.reads_running() == 0);
}

#[test]
fn one_tenant_runs_on_all_threads_but_one() {
    let dir = TempDir::new("budget-share");
    let store = file_store(&dir, 3, NO_BUDGET);
    let (heavy, light) = (tenant(&*store, "heavy"), tenant(&*store, "light"));
    add_users(&store, &light, 1);
    let endless: Vec<_> = (0..5).map(|_| store.endless_read(&heavy)).collect();
    wait_until("two of heavy's reads to run", || store.reads_running() == 2);
    // The third thread is light's, at once, however long heavy's queue; each time
    // light's read ends (the thread answers before it counts the read as ended), it is
    // free for light again, never heavy's: a thread heavy took would run for good.
    for _ in 0..3 {
        assert_eq!(listed(&store, &light), ["u0"]);
        assert_eq!(get(&store, &light, "u0").as_deref(), Some("u0"));
        wait_until("light's read to end, heavy's two to run", || {
            store.reads_running() == 2
        });
    }
    drop(endless);
    wait_until("heavy's reads to stop", || store.reads_running() == 0);
}

#[test]
fn reads_in_memory_keep_the_budget() {
    let store = SqliteStore::open_in_memory()
        .unwrap()
        .with_read_budget(Duration::from_millis(50));
    let tenant = tenant(&store, "t1");
    assert_too_expensive(&block_on(store.endless_read(&tenant)), "budget");
    assert!(block_on(store.tenant(&tenant)).unwrap().is_some());
}

#[test]
fn reads_waiting_when_the_store_closes_fail_and_running_ones_end() {
    let dir = TempDir::new("budget-close");
    let store = SqliteStore::open(dir.0.join("scim.db"))
        .unwrap()
        .with_readers(1)
        .with_read_budget(Duration::from_millis(200));
    let tenant = tenant(&store, "t1");
    let running = store.endless_read(&tenant);
    wait_until("the first read to run", || store.reads_running() == 1);
    let waiting = store.endless_read(&tenant);
    // Dropping the store waits for the running read, which its budget ends.
    drop(store);
    assert_too_expensive(&block_on(running), "budget");
    let outcome = block_on(waiting);
    assert!(
        matches!(&outcome, Err(StoreError::Unavailable(detail)) if detail.contains("unanswered")),
        "{outcome:?}"
    );
}

/// The issue's isolation proof, at the store: 8,000 users with 2 KB display names in
/// one tenant, four clients sending the most expensive filters the parser's limits
/// allow, and another tenant's lookups by id all the while.
#[test]
fn another_tenants_lookups_stay_fast_while_one_tenant_sends_its_worst_filters() {
    let dir = TempDir::new("budget-isolation");
    let store = Arc::new(SqliteStore::open(dir.0.join("scim.db")).unwrap());
    let (heavy, light) = (tenant(&*store, "heavy"), tenant(&*store, "light"));
    add_users(&store, &heavy, 8_000);
    add_users(&store, &light, 10);
    let worst = [
        longest_or(|n| format!("displayName co \"q{n}\"")),
        longest_or(|n| format!("title pr and displayName ew \"z{n}\"")),
        longest_or(|n| format!("displayName sw \"x{n}\"")),
        filter(r#"displayName co "lorem""#),
    ];
    let clients: Vec<_> = worst
        .into_iter()
        .map(|worst| {
            let (store, heavy) = (Arc::clone(&store), heavy.clone());
            thread::spawn(move || {
                (0..2)
                    .map(|_| {
                        let started = Instant::now();
                        let outcome = list(&store, &heavy, worst.clone());
                        assert!(
                            matches!(outcome, Ok(_) | Err(StoreError::TooExpensive(_))),
                            "an expensive list answers or is too expensive: {outcome:?}"
                        );
                        started.elapsed()
                    })
                    .max()
                    .unwrap_or_default()
            })
        })
        .collect();
    let mut slowest_lookup = Duration::ZERO;
    let mut lookups = 0;
    while clients.iter().any(|client| !client.is_finished()) {
        let started = Instant::now();
        let id = format!("u{}", lookups % 10);
        assert_eq!(get(&store, &light, &id), Some(id));
        slowest_lookup = slowest_lookup.max(started.elapsed());
        lookups += 1;
    }
    let slowest_list = clients
        .into_iter()
        .map(|client| client.join().expect("a client"))
        .max()
        .unwrap_or_default();
    eprintln!(
        "{lookups} lookups of another tenant, the slowest in {slowest_lookup:?}; \
         the slowest expensive list took {slowest_list:?}"
    );
    assert!(lookups > 0);
    assert!(
        slowest_lookup < Duration::from_secs(1),
        "{slowest_lookup:?}"
    );
    assert!(slowest_list < Duration::from_secs(30), "{slowest_list:?}");
}
