//! Users: each decided change carried out on the `users` table, and undone.

use std::collections::BTreeMap;

use rusqlite::{Transaction, params};
use scimitar::serde_json;
use scimitar::{FieldChange, HostChange, HostError, Lifecycle, Resource};

use super::table::{USERS, find_id};
use super::{bad_request, is_active, sql};
use crate::db::{self, Status, UserRow, name_key};

/// The user names the app keeps for itself: an identity provider may not take them
/// (nor `admin@…` and the like).
const RESERVED: [&str; 3] = ["admin", "root", "support"];

/// The app's value of the host field `field`: a column, or a custom field.
pub(super) fn field_value(row: &UserRow, field: &str) -> Option<String> {
    let column = match field {
        "user_name" => Some(&row.user_name),
        "display_name" => row.display_name.as_ref(),
        "email" => row.email.as_ref(),
        "first_name" => row.first_name.as_ref(),
        "last_name" => row.last_name.as_ref(),
        "office_phone" => row.office_phone.as_ref(),
        "mobile_phone" => row.mobile_phone.as_ref(),
        "job_title_text" => row.job_title_text.as_ref(),
        "manager" => None,
        custom => row.custom.get(custom),
    };
    column.cloned()
}

/// The column of a text field the app keeps as a column of its own; `None` for the
/// fields with rules of their own and for custom fields.
fn text_column(field: &str) -> Option<&'static str> {
    Some(match field {
        "display_name" => "display_name",
        "email" => "email",
        "first_name" => "first_name",
        "last_name" => "last_name",
        "office_phone" => "office_phone",
        "mobile_phone" => "mobile_phone",
        _ => return None,
    })
}

/// Checks that `user_name` may name the user `id` (a new user when `None`): not one the
/// app reserves, not another account's.
fn check_user_name(
    tx: &Transaction<'_>,
    workspace: &str,
    user_name: &str,
    id: Option<i64>,
) -> Result<(), HostError> {
    let key = name_key(user_name);
    let local = key.split('@').next().unwrap_or_default();
    if RESERVED.contains(&local) {
        return Err(bad_request(format!(
            "the user name {user_name:?} is reserved by the app"
        )));
    }
    USERS.check_name(tx, workspace, user_name, id)
}

/// The app's rule for job titles: the text the identity provider sends becomes the
/// workspace's job title of that name (ignoring case and surrounding spaces), made on
/// first use. No text, no job title.
fn job_title(tx: &Transaction<'_>, workspace: &str, text: &str) -> Result<Option<i64>, HostError> {
    let name = text.trim();
    if name.is_empty() {
        return Ok(None);
    }
    let key = name_key(name);
    let found = find_id(
        tx,
        "SELECT id FROM job_titles WHERE workspace = ?1 AND name_key = ?2",
        params![workspace, key],
    )?;
    if let Some(id) = found {
        return Ok(Some(id));
    }
    tx.execute(
        "INSERT INTO job_titles (workspace, name, name_key) VALUES (?1, ?2, ?3)",
        params![workspace, name, key],
    )
    .map_err(sql)?;
    Ok(Some(tx.last_insert_rowid()))
}

/// Writes each changed field into the user `id`'s row: its column, its rule (user
/// name, manager, job title), or the custom fields.
fn write_fields(
    tx: &Transaction<'_>,
    workspace: &str,
    id: i64,
    fields: &[FieldChange],
) -> Result<(), HostError> {
    for field in fields {
        let value = field.value.as_deref();
        match field.field.as_str() {
            "user_name" => {
                let name = value.ok_or_else(|| bad_request("a user needs a user name"))?;
                check_user_name(tx, workspace, name, Some(id))?;
                tx.execute(
                    "UPDATE users SET user_name = ?1, name_key = ?2 WHERE id = ?3",
                    params![name, name_key(name), id],
                )
                .map_err(sql)?;
            }
            // The manager's SCIM id: the engine resolved it to a provisioned user.
            "manager" => {
                let manager = match value {
                    Some(sync_id) => Some(USERS.managed(tx, workspace, sync_id).map_err(|_| {
                        bad_request(format!("the manager {sync_id:?} is not a user of the app"))
                    })?),
                    None => None,
                };
                tx.execute(
                    "UPDATE users SET manager_id = ?1 WHERE id = ?2",
                    params![manager, id],
                )
                .map_err(sql)?;
            }
            "job_title_text" => {
                let title = match value {
                    Some(text) => job_title(tx, workspace, text)?,
                    None => None,
                };
                tx.execute(
                    "UPDATE users SET job_title_text = ?1, job_title_id = ?2 WHERE id = ?3",
                    params![value, title, id],
                )
                .map_err(sql)?;
            }
            name => match text_column(name) {
                // The column's name comes from the fixed list above, never the request.
                Some(column) => {
                    tx.execute(
                        &format!("UPDATE users SET {column} = ?1 WHERE id = ?2"),
                        params![value, id],
                    )
                    .map_err(sql)?;
                }
                None => write_custom(tx, id, name, value)?,
            },
        }
    }
    Ok(())
}

/// Sets (or, with `None`, removes) the custom field `field` of the user `id`.
fn write_custom(
    tx: &Transaction<'_>,
    id: i64,
    field: &str,
    value: Option<&str>,
) -> Result<(), HostError> {
    let text: String = tx
        .query_row("SELECT custom FROM users WHERE id = ?1", [id], |row| {
            row.get(0)
        })
        .map_err(sql)?;
    let mut custom: BTreeMap<String, String> = db::parse_custom(&text);
    match value {
        Some(value) => custom.insert(field.to_owned(), value.to_owned()),
        None => custom.remove(field),
    };
    let text =
        serde_json::to_string(&custom).map_err(|_| bad_request("unwritable custom field"))?;
    tx.execute(
        "UPDATE users SET custom = ?1 WHERE id = ?2",
        params![text, id],
    )
    .map_err(sql)?;
    Ok(())
}

/// Sets whether the user `id` can sign in.
fn set_status(tx: &Transaction<'_>, id: i64, status: Status) -> Result<(), HostError> {
    tx.execute(
        "UPDATE users SET status = ?1 WHERE id = ?2",
        params![status.as_str(), id],
    )
    .map_err(sql)?;
    Ok(())
}

/// Queues the invitation of the user `id` (to its email): a mailer sends them later,
/// so that the revert of a create can still take it back.
fn invite(tx: &Transaction<'_>, id: i64) -> Result<(), HostError> {
    tx.execute(
        "INSERT INTO invitations (user_id, email) SELECT id, email FROM users WHERE id = ?1",
        [id],
    )
    .map_err(sql)?;
    Ok(())
}

/// Adds a user row for the SCIM resource `user`, with the SCIM id `sync_id`, and writes
/// `fields` into it.
fn insert_user(
    tx: &Transaction<'_>,
    workspace: &str,
    sync_id: &str,
    user: Option<&Resource>,
    fields: &[FieldChange],
) -> Result<i64, HostError> {
    let user_name = user
        .and_then(|user| user.get_str("userName"))
        .ok_or_else(|| bad_request("a user needs a userName"))?;
    check_user_name(tx, workspace, user_name, None)?;
    tx.execute(
        "INSERT INTO users (workspace, user_name, name_key, status, sync_id)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![
            workspace,
            user_name,
            name_key(user_name),
            Status::from_active(is_active(user)).as_str(),
            sync_id
        ],
    )
    .map_err(sql)?;
    let id = tx.last_insert_rowid();
    write_fields(tx, workspace, id, fields)?;
    Ok(id)
}

pub(super) fn apply_user(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
) -> Result<(), HostError> {
    let after = change.after.as_ref();
    match change.lifecycle {
        Lifecycle::Create => {
            let id = insert_user(tx, workspace, &change.id, after, &change.fields)?;
            if change.invite {
                invite(tx, id)?;
            }
        }
        Lifecycle::PickUp => {
            // The account's SCIM id is the app's own id: the row keeps it.
            let id = USERS.pick_up(tx, workspace, &change.id)?;
            set_status(tx, id, Status::from_active(is_active(after)))?;
            write_fields(tx, workspace, id, &change.fields)?;
            if change.invite {
                invite(tx, id)?;
            }
        }
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = USERS.managed(tx, workspace, &change.id)?;
            match change.lifecycle {
                Lifecycle::Suspend => set_status(tx, id, Status::Suspended)?,
                Lifecycle::Reactivate => set_status(tx, id, Status::Active)?,
                _ => {}
            }
            write_fields(tx, workspace, id, &change.fields)?;
        }
        Lifecycle::Delete => {
            // Its team memberships and queued invitations go with it; the users it
            // managed lose their manager (the engine then clears it in SCIM too).
            let id = USERS.managed(tx, workspace, &change.id)?;
            USERS.delete(tx, id)?;
        }
        Lifecycle::SuspendAndUnlink => {
            // The account stays, suspended and unmanaged, out of its teams (as in SCIM),
            // for a later create to pick up again.
            let id = USERS.managed(tx, workspace, &change.id)?;
            USERS.set_sync_id(tx, id, None)?;
            set_status(tx, id, Status::Suspended)?;
            tx.execute("DELETE FROM team_members WHERE user_id = ?1", [id])
                .map_err(sql)?;
        }
        other => return Err(USERS.cannot(other)),
    }
    Ok(())
}

pub(super) fn revert_user(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
    undo: &[FieldChange],
) -> Result<(), HostError> {
    let before = change.before.as_ref();
    let status = Status::from_active(is_active(before));
    match change.lifecycle {
        Lifecycle::Create => USERS.undo_create(tx, workspace, &change.id)?,
        Lifecycle::PickUp => USERS.undo_pick_up(tx, workspace, &change.id)?,
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = USERS.managed(tx, workspace, &change.id)?;
            write_fields(tx, workspace, id, undo)?;
            if change.lifecycle != Lifecycle::Update {
                set_status(tx, id, status)?;
            }
        }
        // Without its snapshot, the row comes back from `before`, with a new row id:
        // what SCIM does not hold (its teams, the users it managed, unmapped columns)
        // cannot come back.
        Lifecycle::Delete => {
            insert_user(tx, workspace, &change.id, before, undo)?;
        }
        Lifecycle::SuspendAndUnlink => {
            let user_name = before.and_then(|before| before.get_str("userName"));
            if let Some(id) = USERS.relink(tx, workspace, user_name, &change.id)? {
                set_status(tx, id, status)?;
            }
        }
        _ => {}
    }
    Ok(())
}
