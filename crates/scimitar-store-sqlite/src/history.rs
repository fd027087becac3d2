//! The change history: each write appends its entry inside its own transaction (its
//! savepoint, in a shared one), numbered after the tenant's last; queries run in SQL.

use chrono::{DateTime, Utc};
use rusqlite::types::Value;
use rusqlite::{Connection, params, params_from_iter};
use scimitar_engine::{HistoryQuery, StoreError, TenantId};
use scimitar_policy::HistoryEntry;

use crate::statements::{execute, optional_row};
use crate::unavailable;

/// An entry ready to append: its JSON and columns computed before the write is queued,
/// so that the writer thread only runs SQL.
pub(crate) struct PreparedEntry {
    json: String,
    time: (i64, i64),
    action: &'static str,
    resource_id: Option<String>,
}

impl PreparedEntry {
    pub(crate) fn new(entry: &HistoryEntry) -> Result<Self, StoreError> {
        Ok(Self {
            json: serde_json::to_string(entry).map_err(unavailable)?,
            time: time_columns(entry.time),
            action: entry.action.as_str(),
            resource_id: entry.resource_id.clone(),
        })
    }
}

/// A time as the history stores it: whole microseconds since the epoch, and the
/// nanoseconds beyond them. As a row value, the pair orders as the times do, at full
/// precision and over chrono's whole range.
fn time_columns(time: DateTime<Utc>) -> (i64, i64) {
    (
        time.timestamp_micros(),
        i64::from(time.timestamp_subsec_nanos() % 1_000),
    )
}

/// Appends `entry` to the tenant's history, numbered one after the higher of its
/// newest entry and the newest it had when last pruned (so that no number is given out
/// twice), in one statement that also sets the JSON's `seq`; returns the number. The
/// writer thread runs one write at a time, so nothing else numbers an entry meanwhile.
pub(crate) fn append(
    transaction: &Connection,
    tenant: &TenantId,
    entry: &PreparedEntry,
) -> Result<u64, StoreError> {
    let seq: i64 = optional_row(
        transaction,
        "INSERT INTO history (tenant, seq, time_us, time_ns, action, resource_id, entry) \
         SELECT ?1, n.seq, ?2, ?3, ?4, ?5, json_set(?6, '$.seq', n.seq) FROM (SELECT MAX( \
             COALESCE((SELECT MAX(seq) FROM history WHERE tenant = ?1), 0), \
             COALESCE((SELECT seq FROM history_pruned WHERE tenant = ?1), 0)) + 1 AS seq) n \
         RETURNING seq",
        params![
            tenant.0,
            entry.time.0,
            entry.time.1,
            entry.action,
            entry.resource_id,
            entry.json
        ],
        |row| row.get(0),
    )?
    .ok_or_else(|| unavailable("appending a history entry returned no number"))?;
    u64::try_from(seq).map_err(unavailable)
}

/// The SQL of `query` on the tenant's history, and its parameters: every condition
/// and the limit in SQL, so that the primary key `(tenant, seq)` or the index
/// `(tenant, resource_id, seq)` gives the entries in order and the limit stops the scan.
/// One statement per combination of conditions (cached once each).
fn select(tenant: &TenantId, query: &HistoryQuery) -> (String, Vec<Value>) {
    let mut sql = String::from("SELECT seq, entry FROM history WHERE tenant = ?1");
    let mut values = vec![Value::Text(tenant.0.clone())];
    let mut bind = |sql: &mut String, condition: &str, value: Value| {
        values.push(value);
        sql.push_str(&condition.replace('?', &format!("?{}", values.len())));
    };
    if let Some(id) = &query.resource_id {
        bind(&mut sql, " AND resource_id = ?", Value::Text(id.clone()));
    }
    if let Some(action) = query.action {
        bind(
            &mut sql,
            " AND action = ?",
            Value::Text(action.as_str().into()),
        );
    }
    if let Some(since) = query.since {
        let (micros, nanos) = time_columns(since);
        bind(
            &mut sql,
            " AND (time_us, time_ns) >= (?",
            Value::Integer(micros),
        );
        bind(&mut sql, ", ?)", Value::Integer(nanos));
    }
    if let Some(after) = query.after {
        // A number past SQLite's integers is past every entry.
        let after = i64::try_from(after).unwrap_or(i64::MAX);
        bind(&mut sql, " AND seq > ?", Value::Integer(after));
    }
    sql.push_str(if query.newest_first {
        " ORDER BY seq DESC"
    } else {
        " ORDER BY seq"
    });
    if let Some(limit) = query.limit {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        bind(&mut sql, " LIMIT ?", Value::Integer(limit));
    }
    (sql, values)
}

/// The tenant's entries that `query` asks for.
pub(crate) fn entries(
    connection: &Connection,
    tenant: &TenantId,
    query: &HistoryQuery,
) -> Result<Vec<HistoryEntry>, StoreError> {
    let (sql, values) = select(tenant, query);
    let mut statement = connection.prepare_cached(&sql).map_err(unavailable)?;
    let rows = statement
        .query_map(params_from_iter(values), |row| {
            Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?))
        })
        .map_err(unavailable)?;
    let mut found = Vec::new();
    for row in rows {
        let (seq, json) = row.map_err(unavailable)?;
        let mut entry: HistoryEntry = serde_json::from_str(&json).map_err(unavailable)?;
        entry.seq = u64::try_from(seq).map_err(unavailable)?;
        found.push(entry);
    }
    Ok(found)
}

/// Deletes the tenant's entries older than `before`, first noting its newest number
/// (see [`append`]); how many went.
pub(crate) fn prune(
    transaction: &Connection,
    tenant: &TenantId,
    before: DateTime<Utc>,
) -> Result<usize, StoreError> {
    let newest: Option<i64> = optional_row(
        transaction,
        "SELECT MAX(seq) FROM history WHERE tenant = ?1",
        [&tenant.0],
        |row| row.get(0),
    )?
    .flatten();
    let (micros, nanos) = time_columns(before);
    let pruned = execute(
        transaction,
        "DELETE FROM history WHERE tenant = ?1 AND (time_us, time_ns) < (?2, ?3)",
        params![tenant.0, micros, nanos],
    )?;
    if let Some(newest) = newest
        && pruned > 0
    {
        execute(
            transaction,
            "INSERT INTO history_pruned (tenant, seq) VALUES (?1, ?2) \
             ON CONFLICT (tenant) DO UPDATE SET seq = MAX(seq, excluded.seq)",
            params![tenant.0, newest],
        )?;
    }
    Ok(pruned)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use scimitar_policy::Action;

    use super::*;
    use crate::migrations::migrate;

    fn plan(connection: &Connection, query: &HistoryQuery) -> String {
        let (sql, values) = select(&TenantId("t1".into()), query);
        let mut statement = connection
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap();
        let rows = statement
            .query_map(params_from_iter(values), |row| row.get::<_, String>(3))
            .unwrap();
        rows.collect::<Result<Vec<_>, _>>().unwrap().join("\n")
    }

    /// Every query reads the tenant's entries in order through a key, never sorts them
    /// and never scans other tenants'.
    #[test]
    fn queries_read_the_entries_in_order_through_a_key() {
        let mut connection = Connection::open_in_memory().unwrap();
        migrate(&mut connection, None).unwrap();
        let since = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let everything = [
            HistoryQuery::new(),
            HistoryQuery::new().newest_first().limit(10),
            HistoryQuery::new().after(5).limit(100),
            HistoryQuery::new().action(Action::Failed).since(since),
        ];
        for query in everything {
            let plan = plan(&connection, &query);
            assert!(
                plan.contains("USING INDEX sqlite_autoindex_history_1 (tenant=?"),
                "{query:?}:\n{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{query:?}:\n{plan}");
        }
        for query in [
            HistoryQuery::new().resource("u1"),
            HistoryQuery::new().resource("u1").after(3).newest_first(),
            HistoryQuery::new()
                .resource("u1")
                .action(Action::Updated)
                .limit(1),
        ] {
            let plan = plan(&connection, &query);
            assert!(
                plan.contains("USING INDEX history_by_resource (tenant=? AND resource_id=?"),
                "{query:?}:\n{plan}"
            );
            assert!(!plan.contains("TEMP B-TREE"), "{query:?}:\n{plan}");
        }
    }

    #[test]
    fn times_order_as_the_columns_do() {
        let base = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let times = [
            Utc.with_ymd_and_hms(1900, 1, 1, 0, 0, 0).unwrap(),
            DateTime::<Utc>::MIN_UTC,
            base,
            base + chrono::Duration::nanoseconds(1),
            base + chrono::Duration::nanoseconds(999),
            base + chrono::Duration::nanoseconds(1_000),
            base + chrono::Duration::nanoseconds(1_001),
            base - chrono::Duration::nanoseconds(1),
            DateTime::<Utc>::MAX_UTC,
        ];
        for a in times {
            for b in times {
                assert_eq!(
                    time_columns(a).cmp(&time_columns(b)),
                    a.cmp(&b),
                    "{a} and {b}"
                );
            }
        }
    }
}
