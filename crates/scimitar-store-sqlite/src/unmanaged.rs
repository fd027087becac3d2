//! Unmanaged accounts: accounts that existed before provisioning, kept in a table of
//! their own (so no SCIM read sees them) until a create picks one up. Their unique keys
//! are in `unique_keys` beside those of the resources, so that each blocks the other.

use rusqlite::{Connection, params};
use scimitar_engine::{StoreError, StoredResource, TenantId, UniqueKey};

use crate::rows::{RESOURCE_COLUMNS, keys_column, read_resources, resources};
use crate::statements::{execute, optional_row};
use crate::unavailable;
use crate::write::write_unique_keys;

/// An account ready to add: its JSON and keys computed before the write is queued.
pub(crate) struct PreparedAccount {
    account: StoredResource,
    data: String,
    unique_keys: String,
    version: i64,
}

impl PreparedAccount {
    pub(crate) fn new(account: StoredResource) -> Result<Self, StoreError> {
        Ok(Self {
            data: serde_json::to_string(&account.resource).map_err(unavailable)?,
            unique_keys: keys_column(&account.unique_keys)?,
            version: i64::try_from(account.version).map_err(unavailable)?,
            account,
        })
    }
}

/// Whether `id` is a resource or an unmanaged account of `tenant`: ids are unique
/// among both.
pub(crate) fn id_taken(
    connection: &Connection,
    tenant: &TenantId,
    id: &str,
) -> Result<bool, StoreError> {
    connection
        .prepare_cached(
            "SELECT 1 FROM resources WHERE tenant = ?1 AND id = ?2 \
             UNION ALL SELECT 1 FROM unmanaged WHERE tenant = ?1 AND id = ?2",
        )
        .and_then(|mut statement| statement.exists(params![tenant.0, id]))
        .map_err(unavailable)
}

/// Adds the account, with its unique keys: [`StoreError::AlreadyExists`] if its id is
/// taken, [`StoreError::Conflict`] if one of its keys is.
pub(crate) fn add(
    transaction: &Connection,
    tenant: &TenantId,
    prepared: &PreparedAccount,
) -> Result<(), StoreError> {
    let account = &prepared.account;
    if id_taken(transaction, tenant, &account.id)? {
        return Err(StoreError::AlreadyExists);
    }
    write_unique_keys(
        transaction,
        (tenant, &account.resource_type, &account.id),
        None,
        &account.unique_keys,
    )?;
    execute(
        transaction,
        "INSERT INTO unmanaged \
         (tenant, id, resource_type, version, unique_keys, pending_manager, data) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            tenant.0,
            account.id,
            account.resource_type,
            prepared.version,
            prepared.unique_keys,
            account.pending_manager,
            prepared.data
        ],
    )?;
    Ok(())
}

/// Removes the account `id` of `resource_type` with its unique keys, for the create
/// that picks it up: [`StoreError::NotFound`] if there is none.
pub(crate) fn take(
    transaction: &Connection,
    tenant: &TenantId,
    resource_type: &str,
    id: &str,
) -> Result<(), StoreError> {
    let keys: String = optional_row(
        transaction,
        "SELECT unique_keys FROM unmanaged WHERE tenant = ?1 AND id = ?2 AND resource_type = ?3",
        params![tenant.0, id, resource_type],
        |row| row.get(0),
    )?
    .ok_or(StoreError::NotFound)?;
    write_unique_keys(transaction, (tenant, resource_type, id), Some(&keys), &[])?;
    execute(
        transaction,
        "DELETE FROM unmanaged WHERE tenant = ?1 AND id = ?2",
        params![tenant.0, id],
    )?;
    Ok(())
}

/// The account of tenant `?1` and type `?2` that holds the unique key `?3` = `?4`.
pub(crate) const FIND: &str = "SELECT u.id, u.resource_type, u.version, u.data, u.unique_keys, \
     u.pending_manager FROM unique_keys k JOIN unmanaged u ON u.tenant = k.tenant AND u.id = k.id \
     WHERE k.tenant = ?1 AND k.resource_type = ?2 AND k.attribute = ?3 AND k.value = ?4";

/// The account of `resource_type` that holds `key`, found by the unique key's primary
/// key (a resource that holds it is no account, and is not found).
pub(crate) fn find(
    connection: &Connection,
    tenant: &TenantId,
    resource_type: &str,
    key: &UniqueKey,
) -> Result<Option<StoredResource>, StoreError> {
    let found = resources(
        connection,
        FIND,
        &[&tenant.0, &resource_type, &key.attribute, &key.value],
    )?;
    Ok(found.into_iter().next())
}

/// The tenant's accounts, in the order they were added.
pub(crate) fn all(
    connection: &Connection,
    tenant: &TenantId,
) -> Result<Vec<StoredResource>, StoreError> {
    let mut statement = connection
        .prepare_cached(&format!(
            "SELECT {RESOURCE_COLUMNS} FROM unmanaged WHERE tenant = ?1 ORDER BY rowid"
        ))
        .map_err(unavailable)?;
    read_resources(&mut statement, [&tenant.0])
}
