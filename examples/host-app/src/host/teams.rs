//! Teams (SCIM groups): each decided change carried out on the `teams` table and
//! their members, and undone.

use rusqlite::{Transaction, params};
use scimitar::{HostChange, HostError, Lifecycle, Resource};

use super::table::{TEAMS, USERS};
use super::{bad_request, member_ids, sql};
use crate::db::name_key;

/// The group's `displayName`, which names the team (groups have no mapped fields: the
/// name is read from the resource itself).
fn display_name(group: Option<&Resource>) -> Result<&str, HostError> {
    group
        .and_then(|group| group.get_str("displayName"))
        .ok_or_else(|| bad_request("a group needs a displayName"))
}

/// Names the team `id` after the group's `displayName`.
fn rename_team(
    tx: &Transaction<'_>,
    workspace: &str,
    id: i64,
    group: Option<&Resource>,
) -> Result<(), HostError> {
    let name = display_name(group)?;
    TEAMS.check_name(tx, workspace, name, Some(id))?;
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
        match USERS.managed(tx, workspace, member) {
            Ok(user) => {
                tx.execute(
                    "INSERT OR IGNORE INTO team_members (team_id, user_id) VALUES (?1, ?2)",
                    params![team, user],
                )
                .map_err(sql)?;
            }
            Err(_) if TEAMS.managed(tx, workspace, member).is_ok() => {}
            Err(_) => {
                return Err(bad_request(format!(
                    "the member {member:?} is not a user of the app"
                )));
            }
        }
    }
    Ok(())
}

/// Adds a team row for the group `group`, with the SCIM id `sync_id`.
fn insert_team(
    tx: &Transaction<'_>,
    workspace: &str,
    sync_id: &str,
    group: Option<&Resource>,
) -> Result<i64, HostError> {
    let name = display_name(group)?;
    TEAMS.check_name(tx, workspace, name, None)?;
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
            let id = TEAMS.pick_up(tx, workspace, &change.id)?;
            rename_team(tx, workspace, id, after)?;
            // The identity provider's members replace the app's.
            set_members(tx, workspace, id, members.unwrap_or_default())?;
        }
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = TEAMS.managed(tx, workspace, &change.id)?;
            rename_team(tx, workspace, id, after)?;
            if let Some(members) = members {
                set_members(tx, workspace, id, members)?;
            }
        }
        Lifecycle::Delete => {
            let id = TEAMS.managed(tx, workspace, &change.id)?;
            TEAMS.delete(tx, id)?;
        }
        Lifecycle::SuspendAndUnlink => {
            let id = TEAMS.managed(tx, workspace, &change.id)?;
            TEAMS.set_sync_id(tx, id, None)?;
            set_members(tx, workspace, id, &[])?;
        }
        other => return Err(TEAMS.cannot(other)),
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
        Lifecycle::Create => TEAMS.undo_create(tx, workspace, &change.id)?,
        Lifecycle::PickUp => TEAMS.undo_pick_up(tx, workspace, &change.id)?,
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = TEAMS.managed(tx, workspace, &change.id)?;
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
            if let Some(id) = TEAMS.relink(tx, workspace, name, &change.id)? {
                set_members(tx, workspace, id, &member_ids(before))?;
            }
        }
        _ => {}
    }
    Ok(())
}
