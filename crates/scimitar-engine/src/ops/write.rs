//! Creating, replacing, patching and deleting resources, and [`Operations::commit`],
//! the one place where each of those writes reaches the store.

use std::collections::HashMap;
use std::sync::Arc;

use http::StatusCode;
use serde_json::{Map, Value, json};

use scimitar_patch::{PatchRequest, apply};
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{Resource, ResourceType, ScimError, ValidateMode, ValidateOptions, validate};

use super::{Operations, Preconditions};
use crate::engine::stored;
use crate::response;
use crate::store::support::member_ids;
use crate::store::{ResourceStore, StoreError, StoredResource, UniqueKey};

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

/// A write, as it goes to the store.
pub(crate) enum Change<'a> {
    /// A new resource.
    Create(&'a StoredResource),
    /// `after` replaces `before`, if the store still holds `before`'s version.
    Replace {
        before: &'a StoredResource,
        after: &'a StoredResource,
    },
    /// The resource goes (if at `expected`, when given), and its memberships with it.
    Delete {
        resource_type: &'a str,
        id: &'a str,
        expected: Option<u64>,
    },
}

/// The error a write gives up with when concurrent writes kept winning.
fn kept_changing() -> ScimError {
    ScimError::new(
        StatusCode::CONFLICT,
        "the resource kept changing; try again",
    )
}

impl<S: ResourceStore> Operations<'_, S> {
    /// Stores one change. Every create, replace, patch and delete, over HTTP, in a
    /// `/Bulk` or called directly, passes here once per attempt, after validation and
    /// before anything is acknowledged: the place where a provisioning decision is
    /// taken and the change recorded.
    pub(crate) async fn commit(&self, change: Change<'_>) -> Result<(), StoreError> {
        let store = &self.engine.store;
        let tenant = &self.principal.tenant.id;
        let entry = scimitar_policy::HistoryEntry::new(
            self.engine.now(),
            scimitar_policy::Action::Updated,
            "",
            None,
            200,
        );
        match change {
            Change::Create(resource) => store
                .create(tenant, resource.clone(), crate::store::Origin::New, &entry)
                .await
                .map(drop),
            Change::Replace { before, after } => store
                .replace(tenant, after.clone(), before.version, &entry)
                .await
                .map(drop),
            Change::Delete {
                resource_type,
                id,
                expected,
            } => store
                .delete(
                    tenant,
                    resource_type,
                    id,
                    expected,
                    self.engine.now(),
                    crate::store::Disposal::Delete,
                    &entry,
                )
                .await
                .map(drop),
        }
    }

    /// The values of `resource` that must be unique per tenant and type.
    fn unique_keys(&self, resource_type: &ResourceType, resource: &Resource) -> Vec<UniqueKey> {
        let attribute = match resource_type.name.as_str() {
            "User" => "userName",
            "Group" if self.engine.config.unique_group_names => "displayName",
            _ => return Vec::new(),
        };
        resource
            .get_str(attribute)
            .map(|value| UniqueKey {
                attribute: attribute.to_owned(),
                value: value.to_lowercase(),
                global: attribute == "userName" && self.engine.config.global_usernames,
            })
            .into_iter()
            .collect()
    }

    /// Checks the members that `previous` did not have: each must be a user or group of
    /// the tenant (`400 invalidValue` naming it), and gets its `type` if missing.
    async fn check_new_members(
        &self,
        resource: &mut Resource,
        previous: Option<&Resource>,
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
        for ((position, id), kind) in new.into_iter().zip(kinds) {
            let Some(kind) = kind.filter(|kind| kind == "User" || kind == "Group") else {
                return Err(ScimError::invalid_value(format!(
                    "member {id:?} is not a user or group of this tenant"
                )));
            };
            if let Some(object) = members.get_mut(position).and_then(Value::as_object_mut)
                && get_ci(object, "type").is_none()
            {
                object.insert("type".into(), Value::String(kind));
            }
        }
        Ok(())
    }

    /// The resource as the store keeps it: write-only attributes dropped, unique keys
    /// and member ids extracted, new members checked.
    async fn prepare(
        &self,
        resource_type: &ResourceType,
        id: &str,
        mut resource: Resource,
        version: u64,
        previous: Option<&StoredResource>,
    ) -> Result<StoredResource, ScimError> {
        // `password` is write-only: it is never stored here, so never returned.
        resource.as_map_mut().remove("password");
        self.check_new_members(&mut resource, previous.map(|previous| &previous.resource))
            .await?;
        let mut stored_resource = StoredResource::new(id, resource_type.name.clone(), resource);
        stored_resource.version = version;
        stored_resource.unique_keys = self.unique_keys(resource_type, &stored_resource.resource);
        stored_resource.members = member_ids(&stored_resource.resource);
        Ok(stored_resource)
    }

    /// `POST /Users`: validates `resource` (a request body: read-only attributes such
    /// as `id` are ignored), gives it an id and `meta`, and stores it.
    pub async fn create(
        &self,
        resource_type: &str,
        resource: Resource,
    ) -> Result<Arc<StoredResource>, ScimError> {
        let resource_type = self.resource_type(resource_type)?;
        let options = ValidateOptions::default().with_lenient(self.lenient());
        let mut resource =
            validate(&self.engine.registry, resource_type, resource, &options)?.resource;
        let id = self.engine.ids.new_id();
        let now = self.engine.timestamp();
        let map = resource.as_map_mut();
        map.insert("id".into(), Value::String(id.clone()));
        map.insert(
            "meta".into(),
            json!({"resourceType": resource_type.name, "created": now, "lastModified": now}),
        );
        let created = self.prepare(resource_type, &id, resource, 1, None).await?;
        stored(self.commit(Change::Create(&created)).await)?;
        Ok(Arc::new(created))
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
        let resource_type = self.resource_type(resource_type)?;
        if let Some(body_id) = resource.get_attr("id").filter(|body_id| !body_id.is_null())
            && body_id.as_str() != Some(id)
        {
            return Err(ScimError::invalid_value(
                "the 'id' in the body is not the id in the URL",
            ));
        }
        for _ in 0..=self.engine.config.write_retries {
            let existing = self.get(&resource_type.name, id).await?;
            preconditions.check_write(Some(existing.version))?;
            let options = ValidateOptions::default()
                .with_lenient(self.lenient())
                .with_mode(ValidateMode::Replace(&existing.resource));
            let mut next = validate(
                &self.engine.registry,
                resource_type,
                resource.clone(),
                &options,
            )?
            .resource;
            let map = next.as_map_mut();
            map.insert("id".into(), Value::String(id.to_owned()));
            let mut meta = existing
                .resource
                .get_attr("meta")
                .cloned()
                .unwrap_or_else(|| json!({}));
            map.insert("meta".into(), meta.clone());
            if same_attributes(&next, &existing.resource) {
                return Ok(existing);
            }
            meta["lastModified"] = Value::String(self.engine.timestamp());
            next.as_map_mut().insert("meta".into(), meta);
            if let Some(next) = self
                .swap(resource_type, &existing, next, preconditions)
                .await?
            {
                return Ok(next);
            }
        }
        Err(kept_changing())
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
        let resource_type = self.resource_type(resource_type)?;
        let compat = self.principal.tenant.compat;
        for _ in 0..=self.engine.config.write_retries {
            let existing = self.get(&resource_type.name, id).await?;
            preconditions.check_write(Some(existing.version))?;
            let mut resource = existing.resource.clone();
            let outcome = apply(
                &mut resource,
                request.operations.clone(),
                &self.engine.registry,
                resource_type,
                &compat,
            )?;
            if !outcome.changed() {
                return Ok(existing);
            }
            if let Some(Value::Object(meta)) = resource.as_map_mut().get_mut("meta") {
                meta.insert(
                    "lastModified".into(),
                    Value::String(self.engine.timestamp()),
                );
            }
            if let Some(next) = self
                .swap(resource_type, &existing, resource, preconditions)
                .await?
            {
                return Ok(next);
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
    ) -> Result<Option<Arc<StoredResource>>, ScimError> {
        let after = self
            .prepare(
                resource_type,
                &before.id,
                resource,
                before.version + 1,
                Some(before),
            )
            .await?;
        match self
            .commit(Change::Replace {
                before,
                after: &after,
            })
            .await
        {
            Ok(()) => Ok(Some(Arc::new(after))),
            Err(StoreError::VersionMismatch { .. }) if !preconditions.has_if_match() => Ok(None),
            Err(error) => Err(response::store_error(error)),
        }
    }

    /// `DELETE /Users/{id}`: the resource goes, and with it its memberships.
    pub async fn delete(
        &self,
        resource_type: &str,
        id: &str,
        preconditions: &Preconditions,
    ) -> Result<(), ScimError> {
        let resource_type = &self.resource_type(resource_type)?.name;
        let expected = if preconditions.is_some() {
            let existing = self.get(resource_type, id).await?;
            preconditions.check_write(Some(existing.version))?;
            Some(existing.version)
        } else {
            None
        };
        let change = Change::Delete {
            resource_type,
            id,
            expected,
        };
        match self.commit(change).await {
            Ok(()) => Ok(()),
            Err(StoreError::NotFound) => Err(ScimError::not_found(format!(
                "{resource_type} {id:?} not found"
            ))),
            Err(error) => Err(response::store_error(error)),
        }
    }
}
