//! The app's side of provisioning: [`AppHost`], Scimitar's [`Host`] over the app's own
//! tables.
//!
//! The engine decides (pick-up, suspension, pending managers, mappings); this module
//! only carries each decision out on the app's rows, in one SQLite transaction per
//! change, and undoes it when the SCIM store then refuses the write.

use std::collections::BTreeMap;
use std::sync::Arc;

use rusqlite::{ErrorCode, OptionalExtension, Transaction, params};
use scimitar::http::StatusCode;
use scimitar::patch::{OpKind, PatchOperation};
use scimitar::schema::urn;
use scimitar::serde_json::{self, Map, Value, json};
use scimitar::{
    Account, BoxFuture, Compat, FieldChange, FieldKind, Host, HostChange, HostError, Lifecycle,
    Mappings, Resource, SchemaRegistry, Tenant,
};

use crate::db::{self, AppDb, DbError, Status, UserRow, handle, name_key, parse_handle};
use crate::undo::{self, Kind, Undo};

/// The user names the app keeps for itself: an identity provider may not take them
/// (nor `admin@…` and the like).
const RESERVED: [&str; 3] = ["admin", "root", "support"];

/// The app's user and team tables, connected to Scimitar.
///
/// A workspace of the app is a Scimitar tenant of the same name. Rows with a `sync_id`
/// are managed by provisioning; the others are the accounts the app had before, which
/// [`find_unmanaged`](Host::find_unmanaged) offers for pick-up by folded user name or
/// team name.
pub struct AppHost {
    db: Arc<AppDb>,
    /// The schemas the accounts are written in, to lay each field at its mapped path.
    registry: SchemaRegistry,
    /// The rows as they were before the changes in flight that `before` cannot undo.
    undo: Undo,
}

impl AppHost {
    /// The host over `db`, with the RFC 7643 schemas (the engine's default registry).
    pub fn new(db: Arc<AppDb>) -> Self {
        Self {
            db,
            registry: SchemaRegistry::core(),
            undo: Undo::default(),
        }
    }

    /// Runs `work` in one transaction: all of it is written, or none.
    fn in_transaction<T>(
        &self,
        work: impl FnOnce(&Transaction<'_>) -> Result<T, HostError>,
    ) -> Result<T, HostError> {
        let mut connection = self.db.lock().map_err(unavailable)?;
        let tx = connection.transaction().map_err(sql)?;
        let value = work(&tx)?; // dropping `tx` rolls back
        tx.commit().map_err(sql)?;
        Ok(value)
    }

    fn find(
        &self,
        tenant: &Tenant,
        resource_type: &str,
        key: &str,
    ) -> Result<Option<Account>, HostError> {
        let workspace = tenant.name.as_str();
        let connection = self.db.lock().map_err(unavailable)?;
        match resource_type {
            "User" => {
                let id: Option<i64> = connection
                    .query_row(
                        "SELECT id FROM users
                         WHERE workspace = ?1 AND name_key = ?2 AND sync_id IS NULL",
                        params![workspace, key],
                        |row| row.get(0),
                    )
                    .optional()
                    .map_err(sql)?;
                let Some(id) = id else { return Ok(None) };
                let Some(row) = db::users(&connection, workspace, Some(id))
                    .map_err(sql)?
                    .pop()
                else {
                    return Ok(None);
                };
                let resource = self.user_resource(&row, &tenant.policy.mappings);
                Ok(Some(Account::new(handle("user", row.id), resource)))
            }
            "Group" => {
                let team: Option<(i64, String)> = connection
                    .query_row(
                        "SELECT id, name FROM teams
                         WHERE workspace = ?1 AND name_key = ?2 AND sync_id IS NULL",
                        params![workspace, key],
                        |row| Ok((row.get(0)?, row.get(1)?)),
                    )
                    .optional()
                    .map_err(sql)?;
                // The team's members are the app's: memberships come from the identity
                // provider, which the engine says in the pick-up's `members`.
                Ok(team.and_then(|(id, name)| {
                    let group = json!({"schemas": [urn::GROUP], "displayName": name});
                    let resource = Resource::from_value(group).ok()?;
                    Some(Account::new(handle("team", id), resource))
                }))
            }
            _ => Ok(None),
        }
    }

    /// The unmanaged user as SCIM sees it. Each mapped field is written at its mapping's
    /// path (a PATCH `add`), so that the account reads back through the same mappings
    /// as the engine reads the request: a custom field such as `cost_center` shows up
    /// at its enterprise path, and a pick-up's `fields` list only what really changes.
    ///
    /// The manager is left out: the app's manager of an account that predates
    /// provisioning is usually an unmanaged account too, which has no SCIM id.
    fn user_resource(&self, row: &UserRow, mappings: &Mappings) -> Resource {
        let mut user = Map::new();
        user.insert("schemas".into(), json!([urn::USER]));
        user.insert("userName".into(), Value::String(row.user_name.clone()));
        user.insert("active".into(), Value::Bool(row.status == Status::Active));
        let mut resource = Resource::from(user);
        let Some(users) = self.registry.resource_type("User") else {
            return resource;
        };
        for mapping in mappings.iter() {
            if mapping.kind != FieldKind::Text {
                continue;
            }
            let (Some(value), Ok(path)) = (field_value(row, &mapping.field), mapping.path.parse())
            else {
                continue;
            };
            let add = PatchOperation::new(OpKind::Add, Some(path), Some(Value::String(value)));
            // A field whose path this account cannot hold is left out, the rest stay.
            let _ = scimitar::patch::apply(
                &mut resource,
                [add],
                &self.registry,
                users,
                &Compat::LENIENT,
            );
        }
        resource
    }

    fn apply_change(&self, tenant: &Tenant, change: &HostChange) -> Result<(), HostError> {
        let workspace = tenant.name.as_str();
        let key = undo_key(workspace, change);
        let snapshot = self.in_transaction(|tx| {
            let snapshot = match change.lifecycle {
                Lifecycle::PickUp | Lifecycle::Delete | Lifecycle::SuspendAndUnlink => {
                    match row_of(tx, workspace, change)? {
                        Some((kind, id)) => {
                            Some(undo::snapshot(tx, kind, workspace, id).map_err(sql)?)
                        }
                        None => None,
                    }
                }
                _ => None,
            };
            match change.resource_type.as_str() {
                "User" => apply_user(tx, workspace, change)?,
                "Group" => apply_team(tx, workspace, change)?,
                other => {
                    return Err(HostError::new(
                        StatusCode::BAD_REQUEST,
                        format!("the app has no {other} resources"),
                    ));
                }
            }
            Ok(snapshot)
        })?;
        match snapshot {
            Some(snapshot) => self.undo.keep(key, snapshot)?,
            // A change of the resource: whatever came before it was stored.
            None => self.undo.forget(&key),
        }
        Ok(())
    }

    fn revert_change(&self, tenant: &Tenant, change: &HostChange) -> Result<(), HostError> {
        let workspace = tenant.name.as_str();
        if let Some(snapshot) = self.undo.take(&undo_key(workspace, change)) {
            return self.in_transaction(|tx| {
                undo::restore(tx, &snapshot).map_err(sql)?;
                if change.invite {
                    drop_invitation(tx, workspace, change)?;
                }
                Ok(())
            });
        }
        // The fields that take the account back: the mappings read from `after` to
        // `before`, as the engine read them forwards. Only this change's fields go
        // back, so that a concurrent change that the store kept stays.
        let fields = tenant
            .policy
            .mappings
            .fields(change.after.as_ref(), change.before.as_ref());
        self.in_transaction(|tx| match change.resource_type.as_str() {
            "User" => revert_user(tx, workspace, change, &fields),
            "Group" => revert_team(tx, workspace, change),
            _ => Ok(()),
        })
    }
}

/// Which change a snapshot is for.
fn undo_key(workspace: &str, change: &HostChange) -> (String, String, String) {
    (
        workspace.to_owned(),
        change.resource_type.clone(),
        change.id.clone(),
    )
}

/// The row `change` is about, if it has one yet: for a pick-up the account (its SCIM id
/// is the app's id), else the managed row.
fn row_of(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
) -> Result<Option<(Kind, i64)>, HostError> {
    let (kind, prefix) = match change.resource_type.as_str() {
        "User" => (Kind::User, "user"),
        "Group" => (Kind::Team, "team"),
        _ => return Ok(None),
    };
    if change.lifecycle == Lifecycle::PickUp {
        return Ok(parse_handle(prefix, &change.id).map(|id| (kind, id)));
    }
    let found = match kind {
        Kind::User => managed_user(tx, workspace, &change.id),
        Kind::Team => managed_team(tx, workspace, &change.id),
    };
    Ok(found.ok().map(|id| (kind, id)))
}

/// Takes back the invitation a reverted change queued.
fn drop_invitation(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
) -> Result<(), HostError> {
    let user = parse_handle("user", &change.id)
        .map_or_else(|| managed_user(tx, workspace, &change.id).ok(), Some);
    tx.execute(
        "DELETE FROM invitations
         WHERE id = (SELECT max(id) FROM invitations WHERE user_id = ?1)",
        [user],
    )
    .map_err(sql)?;
    Ok(())
}

impl Host for AppHost {
    fn find_unmanaged<'a>(
        &'a self,
        tenant: &'a Tenant,
        resource_type: &'a str,
        key: &'a str,
    ) -> BoxFuture<'a, Result<Option<Account>, HostError>> {
        Box::pin(async move { self.find(tenant, resource_type, key) })
    }

    fn apply<'a>(
        &'a self,
        tenant: &'a Tenant,
        change: &'a HostChange,
    ) -> BoxFuture<'a, Result<(), HostError>> {
        Box::pin(async move { self.apply_change(tenant, change) })
    }

    fn revert<'a>(&'a self, tenant: &'a Tenant, change: &'a HostChange) -> BoxFuture<'a, ()> {
        Box::pin(async move {
            if let Err(error) = self.revert_change(tenant, change) {
                // `revert` cannot answer: all that is left is to say so.
                eprintln!(
                    "host-app: could not revert the {:?} of {} {}: {error}",
                    change.lifecycle, change.resource_type, change.id
                );
            }
        })
    }
}

/// `503`: the database cannot be used now; the identity provider retries.
fn unavailable(error: DbError) -> HostError {
    HostError::unavailable(error.to_string())
}

/// A failed statement. A constraint means another account holds what this one asks
/// for; anything else is the database's trouble, whose detail is not the client's.
fn sql(error: rusqlite::Error) -> HostError {
    if error.sqlite_error_code() == Some(ErrorCode::ConstraintViolation) {
        return HostError::new(
            StatusCode::CONFLICT,
            "the change conflicts with another account of the app",
        );
    }
    HostError::unavailable("the app's database failed; try again later")
}

fn bad_request(detail: impl Into<String>) -> HostError {
    HostError::new(StatusCode::BAD_REQUEST, detail)
}

fn not_found(kind: &str, id: &str) -> HostError {
    HostError::new(
        StatusCode::NOT_FOUND,
        format!("the app has no provisioned {kind} {id:?}"),
    )
}

/// Whether `resource` is active (`active` absent counts as active).
fn is_active(resource: Option<&Resource>) -> bool {
    match resource.and_then(|resource| resource.get_attr("active")) {
        Some(Value::Bool(active)) => *active,
        Some(Value::String(text)) => !text.eq_ignore_ascii_case("false"),
        _ => true,
    }
}

/// The member ids a group resource lists.
fn member_ids(resource: Option<&Resource>) -> Vec<String> {
    resource
        .and_then(|resource| resource.get_attr("members"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|member| member.get("value")?.as_str().map(str::to_owned))
        .collect()
}

/// The app's value of the host field `field`: a column, or a custom field.
fn field_value(row: &UserRow, field: &str) -> Option<String> {
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

/// The managed user whose SCIM id is `sync_id`.
fn managed_user(tx: &Transaction<'_>, workspace: &str, sync_id: &str) -> Result<i64, HostError> {
    tx.query_row(
        "SELECT id FROM users WHERE workspace = ?1 AND sync_id = ?2",
        params![workspace, sync_id],
        |row| row.get(0),
    )
    .optional()
    .map_err(sql)?
    .ok_or_else(|| not_found("user", sync_id))
}

/// The managed team whose SCIM id is `sync_id`.
fn managed_team(tx: &Transaction<'_>, workspace: &str, sync_id: &str) -> Result<i64, HostError> {
    tx.query_row(
        "SELECT id FROM teams WHERE workspace = ?1 AND sync_id = ?2",
        params![workspace, sync_id],
        |row| row.get(0),
    )
    .optional()
    .map_err(sql)?
    .ok_or_else(|| not_found("group", sync_id))
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
    let holder: Option<i64> = tx
        .query_row(
            "SELECT id FROM users WHERE workspace = ?1 AND name_key = ?2",
            params![workspace, key],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql)?;
    match holder {
        Some(holder) if Some(holder) != id => Err(HostError::new(
            StatusCode::CONFLICT,
            format!("the user name {user_name:?} is taken in the app"),
        )),
        _ => Ok(()),
    }
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
    let found: Option<i64> = tx
        .query_row(
            "SELECT id FROM job_titles WHERE workspace = ?1 AND name_key = ?2",
            params![workspace, key],
            |row| row.get(0),
        )
        .optional()
        .map_err(sql)?;
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
                    Some(sync_id) => Some(managed_user(tx, workspace, sync_id).map_err(|_| {
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

fn apply_user(tx: &Transaction<'_>, workspace: &str, change: &HostChange) -> Result<(), HostError> {
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
            let id =
                parse_handle("user", &change.id).ok_or_else(|| not_found("user", &change.id))?;
            let linked = tx
                .execute(
                    "UPDATE users SET sync_id = ?1, status = ?2
                     WHERE id = ?3 AND workspace = ?4 AND sync_id IS NULL",
                    params![
                        change.id,
                        Status::from_active(is_active(after)).as_str(),
                        id,
                        workspace
                    ],
                )
                .map_err(sql)?;
            if linked == 0 {
                return Err(HostError::new(
                    StatusCode::CONFLICT,
                    format!("the account {:?} is no longer unmanaged", change.id),
                ));
            }
            write_fields(tx, workspace, id, &change.fields)?;
            if change.invite {
                invite(tx, id)?;
            }
        }
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = managed_user(tx, workspace, &change.id)?;
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
            let id = managed_user(tx, workspace, &change.id)?;
            tx.execute("DELETE FROM users WHERE id = ?1", [id])
                .map_err(sql)?;
        }
        Lifecycle::SuspendAndUnlink => {
            // The account stays, suspended and unmanaged, out of its teams (as in SCIM),
            // for a later create to pick up again.
            let id = managed_user(tx, workspace, &change.id)?;
            tx.execute(
                "UPDATE users SET status = 'suspended', sync_id = NULL WHERE id = ?1",
                [id],
            )
            .map_err(sql)?;
            tx.execute("DELETE FROM team_members WHERE user_id = ?1", [id])
                .map_err(sql)?;
        }
        other => {
            return Err(HostError::new(
                StatusCode::NOT_IMPLEMENTED,
                format!("the app cannot {other:?} a user"),
            ));
        }
    }
    Ok(())
}

fn revert_user(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
    undo: &[FieldChange],
) -> Result<(), HostError> {
    let before = change.before.as_ref();
    let status = Status::from_active(is_active(before));
    match change.lifecycle {
        Lifecycle::Create => {
            tx.execute(
                "DELETE FROM users WHERE workspace = ?1 AND sync_id = ?2",
                params![workspace, change.id],
            )
            .map_err(sql)?;
        }
        // Without its snapshot (more changes in flight than are kept), the account is
        // at least unlinked again.
        Lifecycle::PickUp => {
            tx.execute(
                "UPDATE users SET sync_id = NULL WHERE workspace = ?1 AND sync_id = ?2",
                params![workspace, change.id],
            )
            .map_err(sql)?;
        }
        Lifecycle::Update | Lifecycle::Suspend | Lifecycle::Reactivate => {
            let id = managed_user(tx, workspace, &change.id)?;
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
            tx.execute(
                "UPDATE users SET sync_id = ?1, status = ?2
                 WHERE workspace = ?3 AND name_key = ?4 AND sync_id IS NULL",
                params![
                    change.id,
                    status.as_str(),
                    workspace,
                    user_name.map(name_key)
                ],
            )
            .map_err(sql)?;
        }
        _ => {}
    }
    Ok(())
}

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

fn apply_team(tx: &Transaction<'_>, workspace: &str, change: &HostChange) -> Result<(), HostError> {
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

fn revert_team(
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
