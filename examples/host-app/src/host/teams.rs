//! Teams (SCIM groups): each decided change carried out on the `teams` table and
//! their members, and undone.

use rusqlite::{OptionalExtension, Transaction, params};
use scimitar::http::StatusCode;
use scimitar::{HostChange, HostError, Lifecycle, Resource};

use super::{bad_request, managed_team, managed_user, member_ids, not_found, sql};
use crate::db::{name_key, parse_handle};

/// Checks that `name` may name the team `id` (a new team when `None`).
fn check_team_name(
    tx: &Transaction<'_>,
    workspace: &str,
    name: &str,
    id: Option<i64>,
) -> Result<(), HostError> {
    let holder: Option<i64> = tx
        .query_row(
            "SELECT id FROM teams WHERE workspace = ?1 AND name_key = ?2",
            params![workspace, name_key(name)],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql)?;
    match holder {
        Some(holder) if Some(holder) != id => Err(HostError::new(
            StatusCode::CONFLICT,
            format!("the team name {name:?} is taken in the app"),
        )),
        _ => Ok(()),
    }
}

/// Names the team `id` after the group's `displayName` (groups have no mapped fields:
/// the name is read from the resource itself).
fn rename_team(
    tx: &Transaction<'_>,
    workspace: &str,
    id: i64,
    group: Option<&Resource>,
) -> Result<(), HostError> {
    let name = group
        .and_then(|group| group.get_str("displayName"))
        .ok_or_else(|| bad_request("a group needs a displayName"))?;
    check_team_name(tx, workspace, name, Some(id))?;
    tx.execute(
        "UPDATE teams SET name = ?1, name_key = ?2 WHERE id = ?3",
        params![name, name_key(name), id],
    )
    .map_err(sql)?;
    Ok(())
}

/// Makes the team's members the users `members` (SCIM ids) names. A member that is a
/// group is left out: the app has no nested teams.
fn set_members(
    tx: &Transaction<'_>,
    workspace: &str,
    team: i64,
    members: &[String],
) -> Result<(), HostError> {
    tx.execute("DELETE FROM team_members WHERE team_id = ?1", [team])
        .map_err(sql)?;
    for member in members {
        match managed_user(tx, workspace, member) {
            Ok(user) => {
                tx.execute(
                    "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
                    params![team, user],
                )
                .map_err(sql)?;
            }
            Err(_) if managed_team(tx, workspace, member).is_ok() => {}
            Err(_) => {
                return Err(bad_request(format!(
                    "the member {member:?} is not a user of the app"
                )));
            }
        }
    }
    Ok(())
}

fn insert_team(
    tx: &Transaction<'_>,
    workspace: &str,
    sync_id: &str,
    group: Option<&Resource>,
) -> Result<i64, HostError> {
    let name = group
        .and_then(|group| group.get_str("displayName"))
        .ok_or_else(|| bad_request("a group needs a displayName"))?;
    check_team_name(tx, workspace, name, None)?;
    tx.execute(
        "INSERT INTO teams (workspace, name, name_key, sync_id) VALUES (?1, ?2, ?3, ?4)",
        params![workspace, name, name_key(name), sync_id],
    )
    .map_err(sql)?;
    Ok(tx.last_insert_rowid())
}

pub(super) fn apply_team(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
) -> Result<(), HostError> {
    let after = change.after.as_ref();
    let members = change.members.as_deref();
    match change.lifecycle {
        Lifecycle::Create => {
            let id = insert_team(tx, workspace, &change.id, after)?;
            set_members(tx, workspace, id, members.unwrap_or_default())?;
        }
        Lifecycle::PickUp => {
            let id =
                parse_handle("team", &change.id).ok_or_else(|| not_found("group", &change.id))?;
            let linked = tx
                .execute(
                    "UPDATE teams SET sync_id = ?1 WHERE id = ?2 AND workspace = ?3 AND sync_id IS NULL",
                    params![change.id, id, workspace],
                )
                .map_err(sql)?;
            if linked == 0 {
                return Err(HostError::new(
                    StatusCode::CONFLICT,
                    format!("the team {:?} is no longer unmanaged", change.id),
                ));
            }
            rename_team(tx, workspace, id, after)?;
            // The identity provider's members replace the app's.
            set_members(tx, workspace, id, members.unwrap_or_default())?;
        }
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = managed_team(tx, workspace, &change.id)?;
            rename_team(tx, workspace, id, after)?;
            if let Some(members) = members {
                set_members(tx, workspace, id, members)?;
            }
        }
        Lifecycle::Delete => {
            let id = managed_team(tx, workspace, &change.id)?;
            tx.execute("DELETE FROM teams WHERE id = ?1", [id])
                .map_err(sql)?;
        }
        Lifecycle::SuspendAndUnlink => {
            let id = managed_team(tx, workspace, &change.id)?;
            tx.execute("UPDATE teams SET sync_id = NULL WHERE id = ?1", [id])
                .map_err(sql)?;
            set_members(tx, workspace, id, &[])?;
        }
        other => {
            return Err(HostError::new(
                StatusCode::NOT_IMPLEMENTED,
                format!("the app cannot {other:?} a group"),
            ));
        }
    }
    Ok(())
}

pub(super) fn revert_team(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
) -> Result<(), HostError> {
    let before = change.before.as_ref();
    match change.lifecycle {
        Lifecycle::Create => {
            tx.execute(
                "DELETE FROM teams WHERE workspace = ?1 AND sync_id = ?2",
                params![workspace, change.id],
            )
            .map_err(sql)?;
        }
        // Without its snapshot, the team is at least unlinked again.
        Lifecycle::PickUp => {
            tx.execute(
                "UPDATE teams SET sync_id = NULL WHERE workspace = ?1 AND sync_id = ?2",
                params![workspace, change.id],
            )
            .map_err(sql)?;
        }
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = managed_team(tx, workspace, &change.id)?;
            rename_team(tx, workspace, id, before)?;
            if change.members.is_some() {
                set_members(tx, workspace, id, &member_ids(before))?;
            }
        }
        Lifecycle::Delete => {
            let id = insert_team(tx, workspace, &change.id, before)?;
            set_members(tx, workspace, id, &member_ids(before))?;
        }
        Lifecycle::SuspendAndUnlink => {
            let name = before.and_then(|before| before.get_str("displayName"));
            let id: Option<i64> = tx
                .query_row(
                    "SELECT id FROM teams WHERE workspace = ?1 AND name_key = ?2 AND sync_id IS NULL",
                    params![workspace, name.map(name_key)],
                    |row| row.get(0),
                )
                .optional()
                .map_err(sql)?;
            if let Some(id) = id {
                tx.execute(
                    "UPDATE teams SET sync_id = ?1 WHERE id = ?2",
                    params![change.id, id],
                )
                .map_err(sql)?;
                set_members(tx, workspace, id, &member_ids(before))?;
            }
        }
        _ => {}
    }
    Ok(())
}
