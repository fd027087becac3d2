//! The app's own database: its users, teams, job titles and queued invitations, in one
//! SQLite file that knows nothing of SCIM but a `sync_id` column.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::types::FromSql;
use rusqlite::{Connection, OptionalExtension, Params, Row, params};
use scimitar::serde_json::{self, Value, json};

/// The app's tables. `sync_id` is the SCIM id of a row that provisioning manages;
/// `NULL` for an account that existed before provisioning (or was unlinked since).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS job_titles (
    id        INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    UNIQUE (workspace, name_key)
);
CREATE TABLE IF NOT EXISTS users (
    id             INTEGER PRIMARY KEY,
    workspace      TEXT NOT NULL,
    user_name      TEXT NOT NULL,
    name_key       TEXT NOT NULL,
    display_name   TEXT,
    email          TEXT,
    first_name     TEXT,
    last_name      TEXT,
    office_phone   TEXT,
    mobile_phone   TEXT,
    manager_id     INTEGER REFERENCES users (id) ON DELETE SET NULL,
    job_title_text TEXT,
    job_title_id   INTEGER REFERENCES job_titles (id),
    status         TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    sync_id        TEXT,
    custom         TEXT NOT NULL DEFAULT '{}',
    UNIQUE (workspace, name_key),
    UNIQUE (workspace, sync_id)
);
CREATE TABLE IF NOT EXISTS teams (
    id        INTEGER PRIMARY KEY,
    workspace TEXT NOT NULL,
    name      TEXT NOT NULL,
    name_key  TEXT NOT NULL,
    sync_id   TEXT,
    UNIQUE (workspace, name_key),
    UNIQUE (workspace, sync_id)
);
CREATE TABLE IF NOT EXISTS team_members (
    team_id INTEGER NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);
CREATE TABLE IF NOT EXISTS invitations (
    id      INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    email   TEXT
);
";

/// An account's state in the app.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Can sign in.
    Active,
    /// Cannot sign in; keeps its data.
    Suspended,
}

impl Status {
    /// The column's text.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::Suspended => "suspended",
        }
    }

    /// `active` when `active` is true.
    pub fn from_active(active: bool) -> Self {
        if active {
            Self::Active
        } else {
            Self::Suspended
        }
    }

    fn parse(text: &str) -> Self {
        if text == "suspended" {
            Self::Suspended
        } else {
            Self::Active
        }
    }
}

/// One row of `users`, with its manager's and teams' names joined in.
#[derive(Clone, Debug, PartialEq)]
pub struct UserRow {
    /// The app's own id.
    pub id: i64,
    /// The sign-in name, unique per workspace ignoring case.
    pub user_name: String,
    /// The name shown in the app.
    pub display_name: Option<String>,
    /// Where the app writes to.
    pub email: Option<String>,
    /// Given name.
    pub first_name: Option<String>,
    /// Family name.
    pub last_name: Option<String>,
    /// Work phone.
    pub office_phone: Option<String>,
    /// Mobile phone.
    pub mobile_phone: Option<String>,
    /// The direct manager's row.
    pub manager_id: Option<i64>,
    /// The direct manager's user name.
    pub manager: Option<String>,
    /// The job title as the identity provider sends it.
    pub job_title_text: Option<String>,
    /// The job title object the app's rule made of it.
    pub job_title: Option<String>,
    /// Whether the account can sign in.
    pub status: Status,
    /// The SCIM id, when provisioning manages the row.
    pub sync_id: Option<String>,
    /// The app's custom fields (`cost_center`…).
    pub custom: BTreeMap<String, String>,
    /// The teams the user is in, by name.
    pub teams: Vec<String>,
}

impl UserRow {
    /// The row as the `/app/users` page shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": handle("user", self.id),
            "user_name": self.user_name,
            "display_name": self.display_name,
            "email": self.email,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "office_phone": self.office_phone,
            "mobile_phone": self.mobile_phone,
            "manager": self.manager,
            "job_title_text": self.job_title_text,
            "job_title": self.job_title,
            "status": self.status.as_str(),
            "sync_id": self.sync_id,
            "custom": self.custom,
            "teams": self.teams,
        })
    }
}

/// One row of `teams`, with its members' user names.
#[derive(Clone, Debug, PartialEq)]
pub struct TeamRow {
    /// The app's own id.
    pub id: i64,
    /// The team's name, unique per workspace ignoring case.
    pub name: String,
    /// The SCIM id, when provisioning manages the team.
    pub sync_id: Option<String>,
    /// The members' user names, sorted.
    pub members: Vec<String>,
}

impl TeamRow {
    /// The row as the `/app/users` page shows it.
    pub fn to_json(&self) -> Value {
        json!({
            "id": handle("team", self.id),
            "name": self.name,
            "sync_id": self.sync_id,
            "members": self.members,
        })
    }
}

/// The app's public id of a row: `user-3`, `team-1`. SCIM takes it as the id of an
/// account it picks up, and users and groups share one id space there, hence the prefix.
pub fn handle(kind: &str, id: i64) -> String {
    format!("{kind}-{id}")
}

/// The row id in a public id made by [`handle`], if it is one of `kind`.
pub(crate) fn parse_handle(kind: &str, handle: &str) -> Option<i64> {
    handle
        .strip_prefix(kind)?
        .strip_prefix('-')?
        .parse()
        .ok()
        .filter(|id| *id > 0)
}

/// How the app compares names: folded as `scimitar_policy::match_key` folds them, so
/// that the pick-up lookup and the unique index agree.
pub(crate) fn name_key(name: &str) -> String {
    scimitar::schema::fold_for_comparison(name).into_owned()
}

/// Why the database could not be used.
#[derive(Debug)]
pub enum DbError {
    /// SQLite failed.
    Sqlite(rusqlite::Error),
    /// Another thread panicked while holding the connection.
    Poisoned,
}

impl std::fmt::Display for DbError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Sqlite(error) => write!(f, "the app's database failed: {error}"),
            Self::Poisoned => f.write_str("the app's database connection is poisoned"),
        }
    }
}

impl std::error::Error for DbError {}

impl From<rusqlite::Error> for DbError {
    fn from(error: rusqlite::Error) -> Self {
        Self::Sqlite(error)
    }
}

/// The app's database: one connection, shared by the web pages and the SCIM host.
pub struct AppDb {
    connection: Mutex<Connection>,
}

impl AppDb {
    /// Opens (and creates) the database file at `path`.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, DbError> {
        let connection = Connection::open(path)?;
        connection.pragma_update(None, "journal_mode", "WAL")?;
        Self::new(connection)
    }

    /// A database in memory, for tests.
    pub fn open_in_memory() -> Result<Self, DbError> {
        Self::new(Connection::open_in_memory()?)
    }

    fn new(connection: Connection) -> Result<Self, DbError> {
        connection.pragma_update(None, "foreign_keys", true)?;
        connection.busy_timeout(std::time::Duration::from_secs(5))?;
        connection.execute_batch(SCHEMA)?;
        Ok(Self {
            connection: Mutex::new(connection),
        })
    }

    /// The connection, for one unit of work.
    pub fn lock(&self) -> Result<MutexGuard<'_, Connection>, DbError> {
        self.connection.lock().map_err(|_| DbError::Poisoned)
    }

    /// Adds the accounts a workspace had before it connected its identity provider,
    /// unless it has users already: Barbara and Mark (whom Entra ID will provision),
    /// a local service account it never will, and the Design team.
    pub fn seed_demo(&self, workspace: &str) -> Result<(), DbError> {
        let mut connection = self.lock()?;
        let tx = connection.transaction()?;
        let existing: i64 = tx.query_row(
            "SELECT count(*) FROM users WHERE workspace = ?1",
            [workspace],
            |row| row.get(0),
        )?;
        if existing > 0 {
            return Ok(());
        }
        let insert = |user_name: &str, display: &str, first: &str, last: &str, phone| {
            let email = user_name.contains('@').then_some(user_name);
            tx.execute(
                "INSERT INTO users (workspace, user_name, name_key, display_name, email,
                     first_name, last_name, office_phone)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![
                    workspace,
                    user_name,
                    name_key(user_name),
                    display,
                    email,
                    first,
                    last,
                    phone
                ],
            )?;
            Ok::<i64, rusqlite::Error>(tx.last_insert_rowid())
        };
        let barbara = insert(
            "bjensen@contoso.com",
            "Barbara Jensen",
            "Barbara",
            "Jensen",
            Some("+1 555 0100"),
        )?;
        let mark = insert("mpeters@contoso.com", "Mark Peters", "Mark", "Peters", None)?;
        let bot = insert("ops-bot", "Ops bot", "Ops", "Bot", None)?;
        insert("cdavis@contoso.com", "Carol Davis", "Carol", "Davis", None)?;
        tx.execute(
            "INSERT INTO job_titles (workspace, name, name_key) VALUES (?1, 'Designer', 'designer')",
            [workspace],
        )?;
        let designer = tx.last_insert_rowid();
        tx.execute(
            "UPDATE users SET manager_id = ?1, job_title_text = 'Designer', job_title_id = ?2,
                 custom = '{\"cost_center\":\"1000\",\"badge\":\"B-17\"}'
             WHERE id = ?3",
            params![mark, designer, barbara],
        )?;
        tx.execute(
            "INSERT INTO teams (workspace, name, name_key) VALUES (?1, 'Design', 'design')",
            [workspace],
        )?;
        let design = tx.last_insert_rowid();
        for member in [barbara, bot] {
            tx.execute(
                "INSERT INTO team_members (team_id, user_id) VALUES (?1, ?2)",
                params![design, member],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// The workspace's users, by id.
    pub fn users(&self, workspace: &str) -> Result<Vec<UserRow>, DbError> {
        let connection = self.lock()?;
        Ok(users(&connection, workspace, None)?)
    }

    /// One user of the workspace by its app id.
    pub fn user(&self, workspace: &str, id: i64) -> Result<Option<UserRow>, DbError> {
        let connection = self.lock()?;
        Ok(users(&connection, workspace, Some(id))?.pop())
    }

    /// The workspace's user whose user name folds to `name`'s.
    pub fn user_named(&self, workspace: &str, name: &str) -> Result<Option<UserRow>, DbError> {
        let connection = self.lock()?;
        let id: Option<i64> = connection
            .query_row(
                "SELECT id FROM users WHERE workspace = ?1 AND name_key = ?2",
                params![workspace, name_key(name)],
                |row| row.get(0),
            )
            .optional()?;
        match id {
            Some(id) => Ok(users(&connection, workspace, Some(id))?.pop()),
            None => Ok(None),
        }
    }

    /// The workspace's teams, by id.
    pub fn teams(&self, workspace: &str) -> Result<Vec<TeamRow>, DbError> {
        let connection = self.lock()?;
        Ok(teams(&connection, workspace)?)
    }

    /// The invitations queued for the workspace's users: `(user name, email)`.
    pub fn invitations(&self, workspace: &str) -> Result<Vec<(String, Option<String>)>, DbError> {
        let connection = self.lock()?;
        Ok(all_rows(
            &connection,
            "SELECT u.user_name, i.email FROM invitations i JOIN users u ON u.id = i.user_id
             WHERE u.workspace = ?1 ORDER BY i.id",
            [workspace],
            |row| Ok((row.get(0)?, row.get(1)?)),
        )?)
    }
}

/// The columns [`user_row`] reads, in its order.
const USER_COLUMNS: &str = "u.id, u.user_name, u.display_name, u.email, u.first_name,
    u.last_name, u.office_phone, u.mobile_phone, u.manager_id, m.user_name,
    u.job_title_text, j.name, u.status, u.sync_id, u.custom";

fn user_row(row: &Row<'_>) -> rusqlite::Result<UserRow> {
    let custom: String = row.get(14)?;
    let status: String = row.get(12)?;
    Ok(UserRow {
        id: row.get(0)?,
        user_name: row.get(1)?,
        display_name: row.get(2)?,
        email: row.get(3)?,
        first_name: row.get(4)?,
        last_name: row.get(5)?,
        office_phone: row.get(6)?,
        mobile_phone: row.get(7)?,
        manager_id: row.get(8)?,
        manager: row.get(9)?,
        job_title_text: row.get(10)?,
        job_title: row.get(11)?,
        status: Status::parse(&status),
        sync_id: row.get(13)?,
        custom: parse_custom(&custom),
        teams: Vec::new(),
    })
}

/// The custom fields' JSON object; anything else (a row edited by hand) reads as none.
pub(crate) fn parse_custom(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

/// Every row `query` returns, each read by `read`.
///
/// The statement is prepared through the connection's cache: the lists below run the
/// same query once per user or team, and SQLite parses it only the first time.
fn all_rows<T>(
    connection: &Connection,
    query: &str,
    params: impl Params,
    read: impl FnMut(&Row<'_>) -> rusqlite::Result<T>,
) -> rusqlite::Result<Vec<T>> {
    let mut statement = connection.prepare_cached(query)?;
    let rows = statement.query_map(params, read)?;
    rows.collect()
}

/// The first column of the rows `query` returns for the row `id`: a user's teams, a
/// team's members, a user's reports.
pub(crate) fn column<T: FromSql>(
    connection: &Connection,
    query: &str,
    id: i64,
) -> rusqlite::Result<Vec<T>> {
    all_rows(connection, query, [id], |row| row.get(0))
}

/// The workspace's users (only `id`, when given), with their teams.
pub(crate) fn users(
    connection: &Connection,
    workspace: &str,
    id: Option<i64>,
) -> rusqlite::Result<Vec<UserRow>> {
    let query = format!(
        "SELECT {USER_COLUMNS} FROM users u
         LEFT JOIN users m ON m.id = u.manager_id
         LEFT JOIN job_titles j ON j.id = u.job_title_id
         WHERE u.workspace = ?1 AND (?2 IS NULL OR u.id = ?2) ORDER BY u.id"
    );
    let mut rows = all_rows(connection, &query, params![workspace, id], user_row)?;
    for row in &mut rows {
        row.teams = column(
            connection,
            "SELECT t.name FROM team_members tm JOIN teams t ON t.id = tm.team_id
             WHERE tm.user_id = ?1 ORDER BY t.name",
            row.id,
        )?;
    }
    Ok(rows)
}

/// The workspace's teams with their members.
pub(crate) fn teams(connection: &Connection, workspace: &str) -> rusqlite::Result<Vec<TeamRow>> {
    let mut rows = all_rows(
        connection,
        "SELECT id, name, sync_id FROM teams WHERE workspace = ?1 ORDER BY id",
        [workspace],
        |row| {
            Ok(TeamRow {
                id: row.get(0)?,
                name: row.get(1)?,
                sync_id: row.get(2)?,
                members: Vec::new(),
            })
        },
    )?;
    for row in &mut rows {
        row.members = column(
            connection,
            "SELECT u.user_name FROM team_members tm JOIN users u ON u.id = tm.user_id
             WHERE tm.team_id = ?1 ORDER BY u.user_name",
            row.id,
        )?;
    }
    Ok(rows)
}
