//! A read's time budget: SQLite's progress handler interrupts a query once the budget
//! has passed, or once nobody waits for its answer any more.
//!
//! A filter of hundreds of terms, or `co` on long values, can keep SQLite busy for
//! minutes; interrupting it is the only way to get the thread (and the tenant's share of
//! the pool) back. A query SQLite refuses to compile because it is too large is the
//! same answer: too expensive, never a failure of the store.

use std::ffi::c_int;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rusqlite::Connection;
use scimitar_engine::StoreError;

/// How often the progress handler looks at the clock and the cancel flag, in SQLite
/// virtual machine instructions: every few microseconds, at a cost too small to measure.
const CHECK_EVERY: c_int = 1_000;

/// What SQLite says when it refuses a statement for its size (the expression depth of a
/// long `or`, the number of terms or variables), rather than for a fault.
const REFUSALS: [&str; 8] = [
    "Expression tree is too large",
    "too many terms in compound SELECT",
    "too many SQL variables",
    "too many arguments on function",
    "too many FROM clause terms",
    "tables in a join",
    "parser stack overflow",
    "LIKE or GLOB pattern too complex",
];

/// A query that never ends on its own, for tests of the budget.
#[cfg(any(test, feature = "test-hooks"))]
pub(crate) const ENDLESS: &str = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) \
     SELECT count(*) FROM n";

/// Runs `work` on `connection` within `budget`: SQLite interrupts its statements once
/// the budget has passed (the answer is then [`StoreError::TooExpensive`]) or once
/// `abandoned` is set (nobody waits for the answer).
pub(crate) fn within<T>(
    connection: &Connection,
    budget: Duration,
    abandoned: &Arc<AtomicBool>,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    let over = Arc::new(AtomicBool::new(false));
    let outcome = {
        let _watch = Watch::start(connection, budget, Arc::clone(abandoned), Arc::clone(&over));
        work(connection)
    };
    if over.load(Ordering::Acquire) {
        // Whatever `work` made of the interruption, its answer is incomplete.
        return Err(StoreError::TooExpensive(format!(
            "the read ran past its budget of {budget:?}"
        )));
    }
    outcome.map_err(refused_as_too_expensive)
}

/// A refusal of SQLite for a statement's size as [`StoreError::TooExpensive`]; other
/// errors as they are.
fn refused_as_too_expensive(error: StoreError) -> StoreError {
    match error {
        StoreError::Unavailable(message)
            if REFUSALS.iter().any(|refusal| message.contains(refusal)) =>
        {
            StoreError::TooExpensive(format!("the database refused the query: {message}"))
        }
        other => other,
    }
}

/// The progress handler of one read, removed when dropped (a read that panics
/// included), so that no later statement of the connection sees it.
struct Watch<'c>(&'c Connection);

impl<'c> Watch<'c> {
    fn start(
        connection: &'c Connection,
        budget: Duration,
        abandoned: Arc<AtomicBool>,
        over: Arc<AtomicBool>,
    ) -> Self {
        // A budget too large for the clock is no budget.
        let deadline = Instant::now().checked_add(budget);
        connection.progress_handler(
            CHECK_EVERY,
            Some(move || {
                if abandoned.load(Ordering::Acquire) {
                    return true;
                }
                let late = deadline.is_some_and(|deadline| Instant::now() >= deadline);
                if late {
                    over.store(true, Ordering::Release);
                }
                late
            }),
        );
        Self(connection)
    }
}

impl Drop for Watch<'_> {
    fn drop(&mut self) {
        self.0.progress_handler(0, None::<fn() -> bool>);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::unavailable;

    fn count(connection: &Connection, sql: &str) -> Result<i64, StoreError> {
        connection
            .query_row(sql, [], |row| row.get(0))
            .map_err(unavailable)
    }

    #[test]
    fn a_query_past_its_budget_is_interrupted_and_the_connection_works_after() {
        let connection = Connection::open_in_memory().unwrap();
        let waiting = Arc::new(AtomicBool::new(false));
        let outcome = within(&connection, Duration::from_millis(20), &waiting, |c| {
            count(c, ENDLESS)
        });
        assert!(
            matches!(&outcome, Err(StoreError::TooExpensive(detail)) if detail.contains("budget")),
            "{outcome:?}"
        );
        // The handler is gone: a query after the read runs to its end, however long.
        let answer = count(
            &connection,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) \
             SELECT count(*) FROM n",
        );
        assert_eq!(answer, Ok(100_000));
    }

    #[test]
    fn an_abandoned_query_is_interrupted_without_a_budget() {
        let connection = Connection::open_in_memory().unwrap();
        let abandoned = Arc::new(AtomicBool::new(true));
        let outcome = within(&connection, Duration::MAX, &abandoned, |c| {
            count(c, ENDLESS)
        });
        assert!(
            matches!(&outcome, Err(StoreError::Unavailable(detail)) if detail.contains("interrupt")),
            "{outcome:?}"
        );
    }

    #[test]
    fn a_query_within_its_budget_answers() {
        let connection = Connection::open_in_memory().unwrap();
        let waiting = Arc::new(AtomicBool::new(false));
        let outcome = within(&connection, Duration::from_secs(3600), &waiting, |c| {
            count(c, "SELECT 42")
        });
        assert_eq!(outcome, Ok(42));
    }

    #[test]
    fn a_query_too_large_for_sqlite_is_too_expensive_and_other_errors_stay() {
        let connection = Connection::open_in_memory().unwrap();
        let waiting = Arc::new(AtomicBool::new(false));
        let deep = format!("SELECT {}", vec!["1"; 1_100].join(" OR "));
        let outcome = within(&connection, Duration::MAX, &waiting, |c| count(c, &deep));
        assert!(
            matches!(&outcome, Err(StoreError::TooExpensive(detail)) if detail.contains("too large")),
            "{outcome:?}"
        );
        let outcome = within(&connection, Duration::MAX, &waiting, |c| {
            count(c, "SELECT * FROM nowhere")
        });
        assert!(
            matches!(outcome, Err(StoreError::Unavailable(_))),
            "{outcome:?}"
        );
    }
}
