//! What the app's two provisioned tables, `users` and `teams`, do alike: find a managed
//! row by its SCIM id, keep names unique, link a row to SCIM and unlink it. Written once
//! over the table, so that users and teams cannot drift apart.

use rusqlite::{Connection, OptionalExtension, Params, Transaction, params};
use scimitar::http::StatusCode;
use scimitar::{HostError, Lifecycle};

use super::sql;
use crate::db::{name_key, parse_handle};

/// One of the app's tables that provisioning manages, with the words its errors use.
pub(super) struct Table {
    /// The table's SQL name. It is spliced into statements, so it is only ever one of
    /// the constants below, never a request's text.
    name: &'static str,
    /// The prefix of its rows' public ids ([`handle`](crate::db::handle)): `user`,
    /// `team`. Also what errors call a row's name: `user name`, `team name`.
    prefix: &'static str,
    /// What SCIM calls a row: `user`, `group`.
    resource: &'static str,
    /// What a pick-up calls a row it can no longer take: `account`, `team`.
    account: &'static str,
}

/// The app's users: SCIM users.
pub(super) const USERS: Table = Table {
    name: "users",
    prefix: "user",
    resource: "user",
    account: "account",
};

/// The app's teams: SCIM groups.
pub(super) const TEAMS: Table = Table {
    name: "teams",
    prefix: "team",
    resource: "group",
    account: "team",
};

/// The id in the first row `query` (a `SELECT id …`) returns, if it returns one.
pub(super) fn find_id(
    connection: &Connection,
    query: &str,
    params: impl Params,
) -> Result<Option<i64>, HostError> {
    connection
        .query_row(query, params, |row| row.get(0))
        .optional()
        .map_err(sql)
}

/// Runs one statement that writes.
fn execute(tx: &Transaction<'_>, statement: &str, params: impl Params) -> Result<(), HostError> {
    tx.execute(statement, params).map_err(sql)?;
    Ok(())
}

impl Table {
    /// The row id in the SCIM id of an account the app had before provisioning: the
    /// app's public id (`user-3`), which SCIM took at the pick-up.
    pub(super) fn own_id(&self, sync_id: &str) -> Option<i64> {
        parse_handle(self.prefix, sync_id)
    }

    /// The managed row whose SCIM id is `sync_id`; `404` without one.
    pub(super) fn managed(
        &self,
        connection: &Connection,
        workspace: &str,
        sync_id: &str,
    ) -> Result<i64, HostError> {
        let statement = format!(
            "SELECT id FROM {} WHERE workspace = ?1 AND sync_id = ?2",
            self.name
        );
        find_id(connection, &statement, params![workspace, sync_id])?
            .ok_or_else(|| self.not_found(sync_id))
    }

    /// The unmanaged row whose name folds to `key`: the account a pick-up offers, or the
    /// one an unlink left behind.
    pub(super) fn unmanaged(
        &self,
        connection: &Connection,
        workspace: &str,
        key: &str,
    ) -> Result<Option<i64>, HostError> {
        let statement = format!(
            "SELECT id FROM {} WHERE workspace = ?1 AND name_key = ?2 AND sync_id IS NULL",
            self.name
        );
        find_id(connection, &statement, params![workspace, key])
    }

    /// Checks that `name` may name the row `id` (a new row when `None`): `409` when
    /// another row holds it. The unique index would refuse it too, but without saying
    /// which name is taken.
    pub(super) fn check_name(
        &self,
        connection: &Connection,
        workspace: &str,
        name: &str,
        id: Option<i64>,
    ) -> Result<(), HostError> {
        let statement = format!(
            "SELECT id FROM {} WHERE workspace = ?1 AND name_key = ?2",
            self.name
        );
        match find_id(connection, &statement, params![workspace, name_key(name)])? {
            Some(holder) if Some(holder) != id => Err(HostError::new(
                StatusCode::CONFLICT,
                format!("the {} name {name:?} is taken in the app", self.prefix),
            )),
            _ => Ok(()),
        }
    }

    /// Links the account a pick-up names to SCIM, and returns its row id: `404` when
    /// `sync_id` is not one of the app's ids, `409` when the row is managed by now (the
    /// condition is in the `UPDATE`, so that two pick-ups cannot both take it).
    pub(super) fn pick_up(
        &self,
        tx: &Transaction<'_>,
        workspace: &str,
        sync_id: &str,
    ) -> Result<i64, HostError> {
        let id = self
            .own_id(sync_id)
            .ok_or_else(|| self.not_found(sync_id))?;
        let statement = format!(
            "UPDATE {} SET sync_id = ?1 WHERE id = ?2 AND workspace = ?3 AND sync_id IS NULL",
            self.name
        );
        let linked = tx
            .execute(&statement, params![sync_id, id, workspace])
            .map_err(sql)?;
        if linked == 0 {
            return Err(HostError::new(
                StatusCode::CONFLICT,
                format!("the {} {sync_id:?} is no longer unmanaged", self.account),
            ));
        }
        Ok(id)
    }

    /// Links the row `id` to the SCIM id `sync_id`, or unlinks it with `None`.
    pub(super) fn set_sync_id(
        &self,
        tx: &Transaction<'_>,
        id: i64,
        sync_id: Option<&str>,
    ) -> Result<(), HostError> {
        let statement = format!("UPDATE {} SET sync_id = ?1 WHERE id = ?2", self.name);
        execute(tx, &statement, params![sync_id, id])
    }

    /// Deletes the row `id`; the foreign keys take its memberships (and invitations)
    /// with it.
    pub(super) fn delete(&self, tx: &Transaction<'_>, id: i64) -> Result<(), HostError> {
        let statement = format!("DELETE FROM {} WHERE id = ?1", self.name);
        execute(tx, &statement, [id])
    }

    /// Takes back a create: deletes the row made for `sync_id`, if it is there.
    pub(super) fn undo_create(
        &self,
        tx: &Transaction<'_>,
        workspace: &str,
        sync_id: &str,
    ) -> Result<(), HostError> {
        let statement = format!(
            "DELETE FROM {} WHERE workspace = ?1 AND sync_id = ?2",
            self.name
        );
        execute(tx, &statement, params![workspace, sync_id])
    }

    /// Takes back a pick-up whose snapshot is gone (more changes in flight than are
    /// kept): the account is at least unlinked again.
    pub(super) fn undo_pick_up(
        &self,
        tx: &Transaction<'_>,
        workspace: &str,
        sync_id: &str,
    ) -> Result<(), HostError> {
        let statement = format!(
            "UPDATE {} SET sync_id = NULL WHERE workspace = ?1 AND sync_id = ?2",
            self.name
        );
        execute(tx, &statement, params![workspace, sync_id])
    }

    /// Takes back an unlink whose snapshot is gone: links the unmanaged row named `name`
    /// (the name in the change's `before`) to `sync_id` again, and returns its id. No
    /// name, or no such row any more: nothing to link.
    pub(super) fn relink(
        &self,
        tx: &Transaction<'_>,
        workspace: &str,
        name: Option<&str>,
        sync_id: &str,
    ) -> Result<Option<i64>, HostError> {
        let Some(name) = name else { return Ok(None) };
        let Some(id) = self.unmanaged(tx, workspace, &name_key(name))? else {
            return Ok(None);
        };
        self.set_sync_id(tx, id, Some(sync_id))?;
        Ok(Some(id))
    }

    /// `501`: a lifecycle this table has no rule for.
    pub(super) fn cannot(&self, lifecycle: Lifecycle) -> HostError {
        HostError::new(
            StatusCode::NOT_IMPLEMENTED,
            format!("the app cannot {lifecycle:?} a {}", self.resource),
        )
    }

    fn not_found(&self, sync_id: &str) -> HostError {
        HostError::new(
            StatusCode::NOT_FOUND,
            format!("the app has no provisioned {} {sync_id:?}", self.resource),
        )
    }
}
