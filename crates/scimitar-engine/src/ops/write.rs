//! Creating, replacing, patching and deleting resources: validated, decided by the
//! tenant's provisioning policy, then committed.

use std::collections::HashMap;
use std::sync::Arc;

use http::StatusCode;
use serde_json::{Map, Value, json};

use scimitar_filter::PatchPath;
use scimitar_patch::{PatchRequest, apply};
use scimitar_policy::{
    ENTERPRISE_USER, Lifecycle, decide_create, decide_delete, decide_patch, decide_update,
    manager_keys, pick_up, skip_unknown_members,
};
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{Resource, ResourceType, ScimError, ValidateMode, ValidateOptions, validate};

use super::commit::{Change, CommitError, Record};
use super::{Operations, Preconditions};
use crate::engine::stored;
use crate::store::support::member_ids;
use crate::store::{Disposal, Origin, ResourceStore, StoreError, StoredResource, UniqueKey};

/// Whether two resources hold the same attributes, `meta` aside.
fn same_attributes(left: &Resource, right: &Resource) -> bool {
    let without_meta = |resource: &Resource| -> Map<String, Value> {
        resource
            .as_map()
            .iter()
            .filter(|(key, _)| !key.eq_ignore_ascii_case("meta"))
            .map(|(key, value)| (key.clone(), value.clone()))
            .collect()
    };
    without_meta(left) == without_meta(right)
}

/// The error a write gives up with when concurrent writes kept winning.
fn kept_changing() -> ScimError {
    ScimError::new(
        StatusCode::CONFLICT,
        "the resource kept changing; try again",
    )
}

/// Whether an object's keys name the manager (`manager`, `…:User:manager`,
/// `manager.value`), or an enterprise extension object does.
fn names_manager(value: &Value) -> bool {
    value.as_object().is_some_and(|object| {
        object.iter().any(|(key, value)| {
            let key = key.to_ascii_lowercase();
            key.contains("manager")
                || (key == ENTERPRISE_USER.to_ascii_lowercase() && names_manager(value))
        })
    })
}

/// Whether a PATCH writes or removes a user's manager.
fn touches_manager(request: &PatchRequest) -> bool {
    request.operations.iter().any(|operation| {
        let value_names_it = || operation.value.as_ref().is_some_and(names_manager);
        match &operation.path {
            Some(PatchPath::Attr(path)) => path.name.matches("manager") || value_names_it(),
            Some(PatchPath::Value(path, _)) => path.name.matches("manager"),
            None => value_names_it(),
        }
    })
}

/// Sets `meta.lastModified`.
fn touch(resource: &mut Resource, now: String) {
    if let Some(Value::Object(meta)) = resource.as_map_mut().get_mut("meta") {
        meta.insert("lastModified".into(), Value::String(now));
    }
}

impl<S: ResourceStore> Operations<'_, S> {
    /// The values of `resource` that must be unique per tenant and type.
    pub(crate) fn unique_keys(
        &self,
        resource_type: &ResourceType,
        resource: &Resource,
    ) -> Vec<UniqueKey> {
        let attribute = match resource_type.name.as_str() {
            "User" => "userName",
            "Group" if self.engine.config.unique_group_names => "displayName",
            _ => return Vec::new(),
        };
        resource
            .get_str(attribute)
            .map(|value| UniqueKey {
                attribute: attribute.to_owned(),
                value: scimitar_schema::fold_for_comparison(value).into_owned(),
                global: attribute == "userName" && self.engine.config.global_usernames,
            })
            .into_iter()
            .collect()
    }

    /// Gives a new resource (or account) its `id` and a `meta` of the clock's time.
    pub(crate) fn stamp_new(
        &self,
        resource: &mut Resource,
        resource_type: &ResourceType,
        id: &str,
    ) {
        let now = self.engine.timestamp();
        let map = resource.as_map_mut();
        map.insert("id".into(), Value::String(id.to_owned()));
        map.insert(
            "meta".into(),
            json!({"resourceType": resource_type.name, "created": now, "lastModified": now}),
        );
    }

    /// Checks the members that `previous` did not have: each must be a user or group of
    /// the tenant, and gets its `type` if missing. One that is not is skipped with a
    /// warning under a lenient profile, and `400 invalidValue` naming it under `strict`.
    async fn check_new_members(
        &self,
        resource: &mut Resource,
        previous: Option<&Resource>,
        warnings: &mut Vec<String>,
    ) -> Result<(), ScimError> {
        // The members the group had, with the `type` it knew them by.
        let known: HashMap<&str, Option<&Value>> = previous
            .and_then(|previous| previous.get_attr("members"))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_object)
            .filter_map(|member| {
                let id = get_ci(member, "value")?.as_str()?;
                Some((id, get_ci(member, "type")))
            })
            .collect();
        let Some(Value::Array(members)) = resource.as_map_mut().get_mut("members") else {
            return Ok(());
        };
        // The new members, by position: looked up in the store all at once.
        let mut new: Vec<(usize, String)> = Vec::new();
        for (position, member) in members.iter_mut().enumerate() {
            let Some(object) = member.as_object_mut() else {
                continue;
            };
            let Some(id) = get_ci(object, "value").and_then(Value::as_str) else {
                return Err(ScimError::invalid_value(
                    "a member needs a 'value' (the member's id)",
                ));
            };
            match known.get(id) {
                // A member removed and added back in one request keeps its type.
                Some(known_type) => {
                    if let (None, Some(kind)) = (get_ci(object, "type"), known_type) {
                        object.insert("type".into(), (*kind).clone());
                    }
                }
                None => new.push((position, id.to_owned())),
            }
        }
        if new.is_empty() {
            return Ok(());
        }
        let ids: Vec<&str> = new.iter().map(|(_, id)| id.as_str()).collect();
        let kinds = stored(
            self.engine
                .store
                .resource_types(&self.principal.tenant.id, &ids)
                .await,
        )?;
        let Some(Value::Array(members)) = resource.as_map_mut().get_mut("members") else {
            return Ok(());
        };
        let mut unknown: Vec<String> = Vec::new();
        for ((position, id), kind) in new.into_iter().zip(kinds) {
            let Some(kind) = kind.filter(|kind| kind == "User" || kind == "Group") else {
                if !self.lenient() {
                    return Err(ScimError::invalid_value(format!(
                        "member {id:?} is not a user or group of this tenant"
                    )));
                }
                unknown.push(id);
                continue;
            };
            if let Some(object) = members.get_mut(position).and_then(Value::as_object_mut)
                && get_ci(object, "type").is_none()
            {
                object.insert("type".into(), Value::String(kind));
            }
        }
        if !unknown.is_empty() {
            let unknown: Vec<&str> = unknown.iter().map(String::as_str).collect();
            warnings.extend(skip_unknown_members(resource, &unknown));
        }
        Ok(())
    }

    /// The resource as the store keeps it: write-only attributes dropped, new members
    /// checked, a user's manager resolved (or kept pending), unique keys and member ids
    /// extracted.
    #[allow(clippy::too_many_arguments)]
    async fn prepare(
        &self,
        resource_type: &ResourceType,
        id: &str,
        mut resource: Resource,
        version: u64,
        previous: Option<&StoredResource>,
        keep_pending: bool,
        warnings: &mut Vec<String>,
    ) -> Result<(StoredResource, Option<String>), ScimError> {
        // `password` is write-only: it is never stored here, so never returned; the
        // host gets it with the change.
        let password = resource
            .as_map_mut()
            .remove("password")
            .and_then(|password| password.as_str().map(str::to_owned));
        self.check_new_members(
            &mut resource,
            previous.map(|previous| &previous.resource),
            warnings,
        )
        .await?;
        let pending_manager = if resource_type.name == "User" {
            self.resolve_manager(&mut resource, previous, keep_pending, warnings)
                .await?
        } else {
            None
        };
        let mut stored_resource = StoredResource::new(id, resource_type.name.clone(), resource);
        stored_resource.version = version;
        stored_resource.unique_keys = self.unique_keys(resource_type, &stored_resource.resource);
        stored_resource.members = member_ids(&stored_resource.resource);
        stored_resource.pending_manager = pending_manager;
        Ok((stored_resource, password))
    }

    /// `POST /Users`: validates `resource` (a request body: read-only attributes such
    /// as `id` are ignored), and stores it with a new id and `meta`; or, when it
    /// matches an unmanaged account and the tenant's policy picks accounts up, links
    /// that account, which keeps its id.
    pub async fn create(
        &self,
        resource_type: &str,
        resource: Resource,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let result = self.create_resource(resource_type, resource).await;
        self.recorded(resource_type, None, result).await
    }

    async fn create_resource(
        &self,
        resource_type: &str,
        resource: Resource,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        let options = ValidateOptions::default().with_lenient(self.lenient());
        let validated = validate(&self.engine.registry, resource_type, resource, &options)?;
        let policy = &self.principal.tenant.policy;
        // The store's unmanaged accounts hold their names as unique keys: a create is
        // tried as new first, and only a name taken sends it looking for one to pick up.
        // A host's accounts are looked up every time.
        let mut look = self.engine.host.is_some();
        let mut refused_as_new = None;
        for _ in 0..=self.engine.config.write_retries {
            let found = if look {
                self.unmanaged_match(resource_type, &validated.resource)
                    .await?
            } else {
                None
            };
            // The name is taken, and by no account to pick up: that is the answer.
            if let (None, Some(error)) = (&found, refused_as_new.take()) {
                return Err(error);
            }
            let (id, origin, mut resource, account) = match found {
                Some((account, origin)) => {
                    // Memberships come from the identity provider, not from the export.
                    let mut before = account.resource;
                    before
                        .as_map_mut()
                        .retain(|key, _| !key.eq_ignore_ascii_case("members"));
                    let resource = pick_up(&before, &validated.resource);
                    (account.id, origin, resource, Some(before))
                }
                None => (
                    self.engine.ids.new_id(),
                    Origin::New,
                    validated.resource.clone(),
                    None,
                ),
            };
            self.stamp_new(&mut resource, resource_type, &id);
            let mut warnings = validated.warnings.clone();
            let (created, password) = self
                .prepare(resource_type, &id, resource, 1, None, false, &mut warnings)
                .await?;
            let decision = decide_create(
                policy,
                &resource_type.name,
                account.as_ref(),
                &created.resource,
            );
            let record = Record::new(decision, warnings, StatusCode::CREATED).password(password);
            let created = Arc::new(created);
            match self
                .commit(
                    Change::Create {
                        resource: &created,
                        origin,
                        account: account.as_ref(),
                    },
                    record,
                )
                .await
            {
                Ok(()) => {
                    if created.resource_type == "User" {
                        self.link_awaiting(&created).await;
                    }
                    return Ok(created);
                }
                // Another request picked the account up (or it was removed): look again.
                Err(CommitError::Store(StoreError::NotFound)) if origin == Origin::PickedUp => {}
                // The name may be an unmanaged account's: look, once.
                Err(error @ CommitError::Store(StoreError::Conflict { .. }))
                    if !look && self.principal.tenant.policy.pick_up =>
                {
                    look = true;
                    refused_as_new = Some(error.into());
                }
                Err(error) => return Err(error.into()),
            }
        }
        Err(kept_changing())
    }

    /// `PUT /Users/{id}`: `resource` replaces every writable attribute. A replace that
    /// changes nothing keeps the version.
    pub async fn replace(
        &self,
        resource_type: &str,
        id: &str,
        resource: Resource,
        preconditions: &Preconditions,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let result = self
            .replace_resource(resource_type, id, resource, preconditions)
            .await;
        self.recorded(resource_type, Some(id), result).await
    }

    async fn replace_resource(
        &self,
        resource_type: &str,
        id: &str,
        resource: Resource,
        preconditions: &Preconditions,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        if let Some(body_id) = resource.get_attr("id").filter(|body_id| !body_id.is_null())
            && body_id.as_str() != Some(id)
        {
            return Err(ScimError::invalid_value(
                "the 'id' in the body is not the id in the URL",
            ));
        }
        let (before, after) = self
            .update(resource_type, id, preconditions, |existing| {
                let options = ValidateOptions::default()
                    .with_lenient(self.lenient())
                    .with_mode(ValidateMode::Replace(&existing.resource));
                let validated = validate(
                    &self.engine.registry,
                    resource_type,
                    resource.clone(),
                    &options,
                )?;
                let mut next = validated.resource;
                let map = next.as_map_mut();
                map.insert("id".into(), Value::String(id.to_owned()));
                let meta = existing
                    .resource
                    .get_attr("meta")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                map.insert("meta".into(), meta);
                if same_attributes(&next, &existing.resource) {
                    return Ok(None);
                }
                let update = Update {
                    touched: None,
                    keep_pending: false,
                    warnings: validated.warnings,
                    status: StatusCode::OK,
                };
                Ok(Some((next, update)))
            })
            .await?;
        self.after_update(&before, &after).await;
        Ok(after)
    }

    /// `PATCH /Users/{id}`: the operations apply all or none, under the tenant's
    /// profile; a request that changes nothing keeps the version.
    pub async fn patch(
        &self,
        resource_type: &str,
        id: &str,
        request: &PatchRequest,
        preconditions: &Preconditions,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let result = self
            .patch_resource(resource_type, id, request, preconditions)
            .await;
        self.recorded(resource_type, Some(id), result).await
    }

    async fn patch_resource(
        &self,
        resource_type: &str,
        id: &str,
        request: &PatchRequest,
        preconditions: &Preconditions,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        self.engine.config.patch_limits.check(request)?;
        let compat = self.principal.tenant.compat;
        let manager_touched = touches_manager(request);
        let status = if self.engine.patch_answers_no_content(&resource_type.name) {
            StatusCode::NO_CONTENT
        } else {
            StatusCode::OK
        };
        let (before, after) = self
            .update(resource_type, id, preconditions, |existing| {
                let mut resource = existing.resource.clone();
                let outcome = apply(
                    &mut resource,
                    request.operations.clone(),
                    &self.engine.registry,
                    resource_type,
                    &compat,
                )?;
                // Removing a manager that is only pending changes no attribute, but the
                // reference must go.
                let drops_pending = manager_touched && existing.pending_manager.is_some();
                if !outcome.changed() && !drops_pending {
                    return Ok(None);
                }
                let update = Update {
                    touched: Some(outcome.changed_attributes),
                    keep_pending: !manager_touched,
                    warnings: outcome.warnings,
                    status,
                };
                Ok(Some((resource, update)))
            })
            .await?;
        self.after_update(&before, &after).await;
        Ok(after)
    }

    /// A change the engine makes itself (setting a manager who arrived, clearing one
    /// who left): `edit` changes the resource (`false`: nothing to do), `note` says why
    /// in the history.
    pub(crate) async fn edit(
        &self,
        resource_type: &str,
        id: &str,
        edit: impl Fn(&mut Resource) -> bool,
        note: Option<String>,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let result = self.edit_resource(resource_type, id, edit, note).await;
        self.recorded(resource_type, Some(id), result).await
    }

    async fn edit_resource(
        &self,
        resource_type: &str,
        id: &str,
        edit: impl Fn(&mut Resource) -> bool,
        note: Option<String>,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        let (_, after) = self
            .update(resource_type, id, &Preconditions::none(), |existing| {
                let mut resource = existing.resource.clone();
                if !edit(&mut resource) {
                    return Ok(None);
                }
                let update = Update {
                    touched: None,
                    keep_pending: false,
                    warnings: note.clone().into_iter().collect(),
                    status: StatusCode::OK,
                };
                Ok(Some((resource, update)))
            })
            .await?;
        Ok(after)
    }

    /// Reads the resource, has `next` make its next state from it (`None`: nothing to
    /// change, the version stays), and stores that; again from a fresh read while
    /// concurrent writes win, unless `If-Match` asked for this version. Returns the
    /// resource before and after (the same when nothing changed).
    async fn update(
        &self,
        resource_type: &ResourceType,
        id: &str,
        preconditions: &Preconditions,
        mut next: impl FnMut(&StoredResource) -> Result<Option<(Resource, Update)>, ScimError>,
    ) -> Result<(Arc<StoredResource>, Arc<StoredResource>), ScimError> {
        for _ in 0..=self.engine.config.write_retries {
            let existing = self.get(&resource_type.name, id).await?;
            preconditions.check_write(Some(existing.version))?;
            let Some((mut resource, update)) = next(&existing)? else {
                return Ok((Arc::clone(&existing), existing));
            };
            touch(&mut resource, self.engine.timestamp());
            if let Some(after) = self
                .swap(resource_type, &existing, resource, preconditions, update)
                .await?
            {
                return Ok((existing, after));
            }
        }
        Err(kept_changing())
    }

    /// Stores `resource` as the next version of `before` if the resource is still at
    /// `before`'s version (compare-and-swap). `None` when a concurrent write won and the
    /// caller did not ask for `If-Match`: the caller reads again and retries; with
    /// `If-Match` that is `412`.
    async fn swap(
        &self,
        resource_type: &ResourceType,
        before: &StoredResource,
        resource: Resource,
        preconditions: &Preconditions,
        update: Update,
    ) -> Result<Option<Arc<StoredResource>>, ScimError> {
        let mut warnings = update.warnings;
        let (after, password) = self
            .prepare(
                resource_type,
                &before.id,
                resource,
                before.version + 1,
                Some(before),
                update.keep_pending,
                &mut warnings,
            )
            .await?;
        let policy = &self.principal.tenant.policy;
        let (name, old, new) = (&resource_type.name, &before.resource, &after.resource);
        let decision = match &update.touched {
            // A pending manager dropped by a PATCH changes no attribute: compare all.
            Some(touched) if !touched.is_empty() => decide_patch(policy, name, old, new, touched),
            _ => decide_update(policy, name, old, new),
        };
        let record = Record::new(decision, warnings, update.status).password(password);
        let after = Arc::new(after);
        let change = Change::Replace {
            before,
            after: &after,
        };
        match self.commit(change, record).await {
            Ok(()) => Ok(Some(after)),
            Err(CommitError::Store(StoreError::VersionMismatch { .. }))
                if !preconditions.has_if_match() =>
            {
                Ok(None)
            }
            Err(error) => Err(error.into()),
        }
    }

    /// After a user's replace or patch: a new `userName` or `externalId` may be what a
    /// pending manager reference names.
    async fn after_update(&self, before: &StoredResource, after: &StoredResource) {
        if after.resource_type == "User"
            && manager_keys(&before.id, &before.resource)
                != manager_keys(&after.id, &after.resource)
        {
            self.link_awaiting(after).await;
        }
    }

    /// `DELETE /Users/{id}`: the resource goes, and with it its memberships; under the
    /// tenant's [`DeleteRule::SuspendAndUnlink`](scimitar_policy::DeleteRule), the
    /// account stays, suspended and unmanaged, for a later create to pick up. The users
    /// a deleted user managed lose their manager.
    pub async fn delete(
        &self,
        resource_type: &str,
        id: &str,
        preconditions: &Preconditions,
    ) -> Result<(), ScimError> {
        let result = self.delete_resource(resource_type, id, preconditions).await;
        self.recorded(resource_type, Some(id), result).await
    }

    async fn delete_resource(
        &self,
        resource_type: &str,
        id: &str,
        preconditions: &Preconditions,
    ) -> Result<(), ScimError> {
        let resource_type = &self.resource_type(resource_type)?.name;
        let not_found = || ScimError::not_found(format!("{resource_type} {id:?} not found"));
        for _ in 0..=self.engine.config.write_retries {
            let existing = self.get(resource_type, id).await?;
            preconditions.check_write(Some(existing.version))?;
            let decision = decide_delete(&self.principal.tenant.policy, &existing.resource);
            // With a host, the unlinked account is the host's to keep; the store keeps
            // it only when it is the host.
            let disposal = if decision.lifecycle == Lifecycle::SuspendAndUnlink
                && self.engine.host.is_none()
            {
                Disposal::Unlink(self.unlinked(&existing))
            } else {
                Disposal::Delete
            };
            let record = Record::new(decision, Vec::new(), StatusCode::NO_CONTENT);
            let change = Change::Delete {
                before: &existing,
                disposal,
            };
            match self.commit(change, record).await {
                Ok(()) => {
                    if resource_type == "User" {
                        self.unlink_reports(id).await;
                    }
                    return Ok(());
                }
                Err(CommitError::Store(StoreError::VersionMismatch { .. }))
                    if !preconditions.has_if_match() => {}
                Err(CommitError::Store(StoreError::NotFound)) => return Err(not_found()),
                Err(error) => return Err(error.into()),
            }
        }
        Err(kept_changing())
    }

    /// The unmanaged account a suspend-and-unlink leaves: the resource, suspended (a
    /// user's `active` false), in no group's memberships.
    fn unlinked(&self, existing: &StoredResource) -> StoredResource {
        let mut account = existing.clone();
        if account.resource_type == "User" {
            account
                .resource
                .as_map_mut()
                .insert("active".into(), Value::Bool(false));
        }
        touch(&mut account.resource, self.engine.timestamp());
        account.version += 1;
        account.members = Vec::new();
        account.pending_manager = None;
        account
    }
}

/// How a replace, patch or edit is stored and recorded.
struct Update {
    /// The attributes a PATCH reports it changed, so that only those are compared for
    /// the record; `None` compares all.
    touched: Option<Vec<String>>,
    /// Whether a pending manager reference stays when the resource names no manager.
    keep_pending: bool,
    /// What validation or the PATCH let through.
    warnings: Vec<String>,
    /// The status the request is answered with.
    status: StatusCode,
}
