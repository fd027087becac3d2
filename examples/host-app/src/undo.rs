//! What a revert needs that the change does not carry: the row as it was before a
//! pick-up (whose `before` is `None`), a delete or an unlink (after which the row, its
//! teams and the users it managed are gone or changed).
//!
//! A revert comes within the request that applied the change, right after the store
//! refused it, so only the changes in flight need a snapshot: the last few are kept.

use std::collections::VecDeque;
use std::sync::Mutex;

use rusqlite::types::Value as SqlValue;
use rusqlite::{Transaction, params, params_from_iter};
use scimitar::HostError;

use crate::db::column;

/// How many snapshots are kept: far more than the requests one app serves at once.
const KEPT: usize = 256;

/// The columns a snapshot keeps and a restore writes back, per table.
const USER_COLUMNS: [&str; 14] = [
    "user_name",
    "name_key",
    "display_name",
    "email",
    "first_name",
    "last_name",
    "office_phone",
    "mobile_phone",
    "manager_id",
    "job_title_text",
    "job_title_id",
    "status",
    "sync_id",
    "custom",
];
const TEAM_COLUMNS: [&str; 3] = ["name", "name_key", "sync_id"];

/// Which table a row is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    User,
    Team,
}

impl Kind {
    fn table(self) -> (&'static str, &'static [&'static str]) {
        match self {
            Self::User => ("users", &USER_COLUMNS),
            Self::Team => ("teams", &TEAM_COLUMNS),
        }
    }
}

/// A row as it was, with its memberships and (for a user) the users it managed.
pub(crate) struct Snapshot {
    kind: Kind,
    id: i64,
    workspace: String,
    columns: Vec<SqlValue>,
    /// A user's teams, or a team's users.
    links: Vec<i64>,
    /// The users whose manager the user was.
    reports: Vec<i64>,
}

/// The row `id` of `kind` as it is now.
pub(crate) fn snapshot(
    tx: &Transaction<'_>,
    kind: Kind,
    workspace: &str,
    id: i64,
) -> rusqlite::Result<Snapshot> {
    let (table, columns) = kind.table();
    let sql = format!("SELECT {} FROM {table} WHERE id = ?1", columns.join(", "));
    let values = tx.query_row(&sql, [id], |row| {
        (0..columns.len())
            .map(|index| row.get::<_, SqlValue>(index))
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    let (links, reports) = match kind {
        Kind::User => (
            column(
                tx,
                "SELECT team_id FROM team_members WHERE user_id = ?1",
                id,
            )?,
            column(tx, "SELECT id FROM users WHERE manager_id = ?1", id)?,
        ),
        Kind::Team => (
            column(
                tx,
                "SELECT user_id FROM team_members WHERE team_id = ?1",
                id,
            )?,
            Vec::new(),
        ),
    };
    Ok(Snapshot {
        kind,
        id,
        workspace: workspace.to_owned(),
        columns: values,
        links,
        reports,
    })
}

/// Puts the row back as `snapshot` has it: in place, or with its old id if it went;
/// with its memberships, and as the manager of the users it managed (those that have
/// no other manager since).
pub(crate) fn restore(tx: &Transaction<'_>, snapshot: &Snapshot) -> rusqlite::Result<()> {
    let (table, columns) = snapshot.kind.table();
    let id = SqlValue::Integer(snapshot.id);
    let exists: bool = tx.query_row(
        &format!("SELECT count(*) > 0 FROM {table} WHERE id = ?1"),
        [snapshot.id],
        |row| row.get(0),
    )?;
    if exists {
        let assignments: Vec<String> = columns
            .iter()
            .enumerate()
            .map(|(index, column)| format!("{column} = ?{}", index + 1))
            .collect();
        let sql = format!(
            "UPDATE {table} SET {} WHERE id = ?{}",
            assignments.join(", "),
            columns.len() + 1
        );
        tx.execute(&sql, params_from_iter(snapshot.columns.iter().chain([&id])))?;
    } else {
        let placeholders: Vec<String> = (3..columns.len() + 3).map(|n| format!("?{n}")).collect();
        let sql = format!(
            "INSERT INTO {table} (id, workspace, {}) VALUES (?1, ?2, {})",
            columns.join(", "),
            placeholders.join(", ")
        );
        let workspace = SqlValue::Text(snapshot.workspace.clone());
        let values = [&id, &workspace].into_iter().chain(&snapshot.columns);
        tx.execute(&sql, params_from_iter(values))?;
    }
    let (own, other) = match snapshot.kind {
        Kind::User => ("user_id", "team_id"),
        Kind::Team => ("team_id", "user_id"),
    };
    tx.execute(
        &format!("DELETE FROM team_members WHERE {own} = ?1"),
        [snapshot.id],
    )?;
    let (teams, users) = match snapshot.kind {
        Kind::User => ("?2", "?1"),
        Kind::Team => ("?1", "?2"),
    };
    // A link whose other end went meanwhile is left out.
    let link = format!(
        "INSERT OR IGNORE INTO team_members ({own}, {other})
         SELECT ?1, ?2 WHERE EXISTS (SELECT 1 FROM teams WHERE id = {teams})
                         AND EXISTS (SELECT 1 FROM users WHERE id = {users})"
    );
    for linked in &snapshot.links {
        tx.execute(&link, params![snapshot.id, linked])?;
    }
    for report in &snapshot.reports {
        tx.execute(
            "UPDATE users SET manager_id = ?1 WHERE id = ?2 AND manager_id IS NULL",
            params![snapshot.id, report],
        )?;
    }
    Ok(())
}

/// Which change a snapshot is for: workspace, resource type, SCIM id.
type Key = (String, String, String);

/// The snapshots of the last changes that needed one.
#[derive(Default)]
pub(crate) struct Undo(Mutex<VecDeque<(Key, Snapshot)>>);

impl Undo {
    /// Keeps `snapshot` for the change of `key`, in place of an earlier one.
    pub(crate) fn keep(&self, key: Key, snapshot: Snapshot) -> Result<(), HostError> {
        let mut kept = self.lock()?;
        kept.retain(|(kept_key, _)| *kept_key != key);
        if kept.len() == KEPT {
            kept.pop_front();
        }
        kept.push_back((key, snapshot));
        Ok(())
    }

    /// Takes the snapshot of the change of `key`, if it is still kept.
    pub(crate) fn take(&self, key: &Key) -> Option<Snapshot> {
        let mut kept = self.lock().ok()?;
        let position = kept.iter().position(|(kept_key, _)| kept_key == key)?;
        kept.remove(position).map(|(_, snapshot)| snapshot)
    }

    /// Drops the snapshot of `key`: a later change shows that the earlier one stuck.
    pub(crate) fn forget(&self, key: &Key) {
        if let Ok(mut kept) = self.lock() {
            kept.retain(|(kept_key, _)| kept_key != key);
        }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, VecDeque<(Key, Snapshot)>>, HostError> {
        self.0
            .lock()
            .map_err(|_| HostError::unavailable("the app's undo log is poisoned"))
    }
}
