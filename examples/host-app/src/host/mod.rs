//! The app's side of provisioning: [`AppHost`], Scimitar's [`Host`] over the app's own
//! tables.
//!
//! The engine decides (pick-up, suspension, pending managers, mappings); this module
//! only carries each decision out on the app's rows, in one SQLite transaction per
//! change, and undoes it when the SCIM store then refuses the write.

use std::sync::Arc;

use rusqlite::{ErrorCode, OptionalExtension, Transaction, params};
use scimitar::http::StatusCode;
use scimitar::patch::{OpKind, PatchOperation};
use scimitar::schema::urn;
use scimitar::serde_json::{Map, Value, json};
use scimitar::{
    Account, BoxFuture, Compat, FieldKind, Host, HostChange, HostError, Lifecycle, Mappings,
    Resource, SchemaRegistry, Tenant,
};

use crate::db::{self, AppDb, DbError, Status, UserRow, handle};
use crate::undo::{self, Kind, Undo};

mod table;
mod teams;
mod users;

use table::{TEAMS, USERS};
use teams::{apply_team, revert_team};
use users::{apply_user, field_value, revert_user};

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
                let Some(id) = USERS.unmanaged(&connection, workspace, key)? else {
                    return Ok(None);
                };
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
    let (kind, table) = match change.resource_type.as_str() {
        "User" => (Kind::User, &USERS),
        "Group" => (Kind::Team, &TEAMS),
        _ => return Ok(None),
    };
    let id = if change.lifecycle == Lifecycle::PickUp {
        table.own_id(&change.id)
    } else {
        table.managed(tx, workspace, &change.id).ok()
    };
    Ok(id.map(|id| (kind, id)))
}

/// Takes back the invitation a reverted change queued.
fn drop_invitation(
    tx: &Transaction<'_>,
    workspace: &str,
    change: &HostChange,
) -> Result<(), HostError> {
    let user = USERS
        .own_id(&change.id)
        .map_or_else(|| USERS.managed(tx, workspace, &change.id).ok(), Some);
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
