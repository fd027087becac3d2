//! A small project-management app that keeps its **own** SQLite table of users and
//! teams, and lets Microsoft Entra ID or Okta provision them through Scimitar.
//!
//! - [`AppDb`]: the app's tables. Users have a user name, display name, email, first
//!   and last name, office and mobile phone, a direct manager (another row), a job
//!   title (text, turned into a job title object by the app's rule), a status
//!   (`active` or `suspended`), custom fields, and a `sync_id`: the SCIM id of a row
//!   that provisioning manages, `NULL` for an account the app had before.
//! - [`AppHost`]: Scimitar's [`Host`](scimitar::Host) over those tables. It offers the
//!   unmanaged accounts for pick-up and carries out each decided change.
//! - [`app_policy`]: the default rules, plus a custom mapping of the enterprise
//!   `costCenter` to the app's custom field `cost_center`.
//! - [`routes`]: `GET /app/users` (the app's table) and `GET /app/history` (Scimitar's
//!   change history), beside the SCIM endpoints.
//!
//! `src/main.rs` wires them to a [`SqliteStore`](scimitar::SqliteStore) and serves
//! them with axum; the tests drive the same engine in process.

mod db;
mod host;
mod undo;
mod web;

use scimitar::{Engine, MappingError, Mappings, Policy, ResourceStore, Tenant, TenantStore};

pub use db::{AppDb, DbError, Status, TeamRow, UserRow, handle};
pub use host::AppHost;
pub use web::{AppState, routes};

/// The SCIM path of the enterprise `costCenter`, which the app keeps as the custom field
/// [`COST_CENTER`].
pub const COST_CENTER_PATH: &str =
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter";

/// The custom field the app keeps the cost center in.
pub const COST_CENTER: &str = "cost_center";

/// The app's provisioning rules: Scimitar's defaults (pick-up on, no invitations,
/// delete deletes), with the default mappings and `costCenter` → `cost_center`.
pub fn app_policy(registry: &scimitar::SchemaRegistry) -> Result<Policy, MappingError> {
    let mut mappings = Mappings::defaults();
    mappings.add(registry, COST_CENTER_PATH, COST_CENTER)?;
    Ok(Policy::default().with_mappings(mappings))
}

/// The tenant of the app's workspace `workspace`, made on first use with
/// [`app_policy`]. Its API keys are the caller's to issue.
pub async fn connect_workspace<S>(
    engine: &Engine<S>,
    workspace: &str,
) -> Result<Tenant, Box<dyn std::error::Error + Send + Sync>>
where
    S: ResourceStore + TenantStore + 'static,
{
    if let Some(tenant) = engine.store().tenant_by_name(workspace).await? {
        return Ok(tenant);
    }
    let tenant = engine
        .create_tenant(workspace, scimitar::Compat::LENIENT)
        .await?;
    engine
        .set_policy(&tenant.id, app_policy(engine.registry())?)
        .await?;
    // The record as the engine reads it from now on, with its policy.
    let tenant = engine.store().tenant(&tenant.id).await?;
    tenant.ok_or_else(|| "the new tenant is gone".into())
}
