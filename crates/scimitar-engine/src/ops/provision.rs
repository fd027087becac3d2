//! What the provisioning policy needs looked up: the unmanaged account a create picks
//! up, a manager reference's user, the users awaiting a manager, and the reports of a
//! manager who left.

use scimitar_policy::{
    ENTERPRISE_USER, clear_manager, manager_keys, manager_reference, match_key, pending_key,
    set_manager,
};
use serde_json::Value;

use scimitar_schema::{Resource, ResourceType, ScimError, ValidateOptions, validate};

use super::{ListRequest, Operations};
use crate::engine::stored;
use crate::host::Account;
use crate::store::{Origin, ResourceStore, StoredResource};

/// A filter for `attribute eq value`, the value quoted as a JSON string.
fn equals(attribute: &str, value: &str) -> String {
    format!("{attribute} eq {}", Value::String(value.to_owned()))
}

impl<S: ResourceStore> Operations<'_, S> {
    /// Adds an account that existed before provisioning (an app's export), unmanaged:
    /// not visible through SCIM until a create with its `userName` (or a group's
    /// `displayName`) picks it up. `resource` is validated as a create body would be;
    /// it keeps its `id` when it has one. This is the store's own host: with
    /// [`Engine::with_host`](crate::Engine::with_host), the host's accounts are used
    /// instead.
    pub async fn add_unmanaged(
        &self,
        resource_type: &str,
        resource: Resource,
    ) -> Result<StoredResource, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        let id = resource
            .id()
            .filter(|id| !id.is_empty())
            .map_or_else(|| self.engine.ids.new_id(), str::to_owned);
        let options = ValidateOptions::default().with_lenient(self.lenient());
        let mut resource =
            validate(&self.engine.registry, resource_type, resource, &options)?.resource;
        resource.as_map_mut().remove("password");
        self.stamp_new(&mut resource, resource_type, &id);
        let mut account = StoredResource::new(id, resource_type.name.clone(), resource);
        account.unique_keys = self.unique_keys(resource_type, &account.resource);
        stored(
            self.engine
                .store
                .add_unmanaged(&self.principal.tenant.id, account.clone())
                .await,
        )?;
        Ok(account)
    }

    /// The unmanaged account that a create of `resource` picks up, when the tenant's
    /// policy picks accounts up: the host's, or else the store's (which the create then
    /// claims, [`Origin::PickedUp`]).
    pub(crate) async fn unmanaged_match(
        &self,
        resource_type: &ResourceType,
        resource: &Resource,
    ) -> Result<Option<(Account, Origin)>, ScimError> {
        let tenant = &self.principal.tenant;
        if !tenant.policy.pick_up {
            return Ok(None);
        }
        let name = resource_type.name.as_str();
        if let Some(host) = &self.engine.host {
            let Some(key) = match_key(name, resource) else {
                return Ok(None);
            };
            let account = host.find_unmanaged(tenant, name, &key).await?;
            return Ok(account.map(|account| (account, Origin::New)));
        }
        // The store's accounts hold the same unique keys as its resources.
        let Some(key) = self.unique_keys(resource_type, resource).into_iter().next() else {
            return Ok(None);
        };
        let found = stored(
            self.engine
                .store
                .find_unmanaged(&tenant.id, name, &key)
                .await,
        )?;
        Ok(found.map(|account| (Account::new(account.id, account.resource), Origin::PickedUp)))
    }

    /// The id of the tenant's user that `reference` names: a SCIM id, else a
    /// `userName`, else the one user with that `externalId`.
    async fn find_user(&self, reference: &str) -> Result<Option<String>, ScimError> {
        let store = &self.engine.store;
        let tenant = &self.principal.tenant.id;
        if stored(store.get(tenant, "User", reference).await)?.is_some() {
            return Ok(Some(reference.to_owned()));
        }
        for attribute in ["userName", "externalId"] {
            let request = ListRequest::new().filter_text(&equals(attribute, reference), true)?;
            let found = self.list("User", &request).await?;
            if found.total == 1
                && let Some(user) = found.resources.first()
            {
                return Ok(Some(user.id.clone()));
            }
        }
        Ok(None)
    }

    /// Resolves the manager reference of the user `resource` (written over `previous`):
    /// the reference becomes the manager's SCIM id, or, when it names no provisioned
    /// user, is taken out and kept pending (with a warning). Returns the pending key.
    ///
    /// With no reference, the previous pending one stays when `keep_pending` (a PATCH
    /// that did not touch the manager) and goes otherwise.
    pub(crate) async fn resolve_manager(
        &self,
        resource: &mut Resource,
        previous: Option<&StoredResource>,
        keep_pending: bool,
        warnings: &mut Vec<String>,
    ) -> Result<Option<String>, ScimError> {
        let Some(reference) = manager_reference(resource).map(str::to_owned) else {
            return Ok(previous
                .filter(|_| keep_pending)
                .and_then(|previous| previous.pending_manager.clone()));
        };
        // A manager that was already resolved needs no lookup.
        if previous.and_then(|previous| manager_reference(&previous.resource))
            == Some(reference.as_str())
        {
            return Ok(None);
        }
        match self.find_user(&reference).await? {
            Some(id) => {
                if id != reference {
                    set_manager(resource, &id);
                }
                Ok(None)
            }
            None => {
                clear_manager(resource);
                warnings.push(format!(
                    "manager {reference:?} is not a provisioned user; it is set when that user is provisioned"
                ));
                Ok(Some(pending_key(&reference)))
            }
        }
    }

    /// After `user` was provisioned, picked up or renamed: the users whose pending
    /// manager names it get it as their manager. Each is a write of its own, recorded
    /// as such; one that fails leaves its reference pending and its failure recorded.
    pub(crate) async fn link_awaiting(&self, user: &StoredResource) {
        let keys = manager_keys(&user.id, &user.resource);
        let tenant = &self.principal.tenant.id;
        let Ok(awaiting) = self.engine.store.awaiting_manager(tenant, &keys).await else {
            return;
        };
        for report in awaiting {
            let note = format!("manager {:?} resolved: it is now provisioned", user.id);
            let edit = |resource: &mut Resource| {
                set_manager(resource, &user.id);
                true
            };
            // A failure is recorded by `edit`; the others still get their manager.
            let _ = self.edit("User", &report.id, edit, Some(note)).await;
        }
    }

    /// After the user `id` left SCIM: the users it managed lose their manager.
    pub(crate) async fn unlink_reports(&self, id: &str) {
        let filter = equals(&format!("{ENTERPRISE_USER}:manager.value"), id);
        let Ok(mut request) = ListRequest::new().filter_text(&filter, true) else {
            return;
        };
        request.count = Some(self.engine.config.max_page_size);
        // Each page is cleared before the next is read; a page that clears nothing
        // (every edit failed) ends it.
        loop {
            let Ok(reports) = self.list("User", &request).await else {
                return;
            };
            let mut cleared = 0;
            for report in &reports.resources {
                let note = format!("manager {id:?} left the provisioning scope; cleared");
                if self
                    .edit("User", &report.id, clear_manager, Some(note))
                    .await
                    .is_ok()
                {
                    cleared += 1;
                }
            }
            if cleared == 0 || reports.total <= reports.resources.len() {
                return;
            }
        }
    }
}
