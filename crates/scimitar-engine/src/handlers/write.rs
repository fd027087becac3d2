//! Creating, replacing, patching and deleting resources.

use std::collections::HashMap;

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Map, Value, json};

use scimitar_patch::{PatchRequest, apply};
use scimitar_schema::json::get_ci;
use scimitar_schema::{Resource, ResourceType, ScimError, ValidateMode, ValidateOptions, validate};

use crate::engine::{Call, Engine, stored};
use crate::handlers::resources::{Lists, Preconditions};
use crate::response;
use crate::store::support::member_ids;
use crate::store::{Store, StoreError, StoredResource, UniqueKey};

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

impl<S: Store> Engine<S> {
    /// The values of `resource` that must be unique per tenant and type.
    fn unique_keys(&self, resource_type: &ResourceType, resource: &Resource) -> Vec<UniqueKey> {
        let attribute = match resource_type.name.as_str() {
            "User" => "userName",
            "Group" if self.config.unique_group_names => "displayName",
            _ => return Vec::new(),
        };
        resource
            .get_str(attribute)
            .map(|value| UniqueKey {
                attribute: attribute.to_owned(),
                value: value.to_lowercase(),
            })
            .into_iter()
            .collect()
    }

    /// Checks the members that `previous` did not have: each must be a user or group of
    /// the tenant (`400 invalidValue` naming it), and gets its `type` if missing.
    async fn check_new_members(
        &self,
        call: &Call<'_>,
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
        let kinds = stored(self.store.resource_types(&call.tenant.id, &ids).await)?;
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
        call: &Call<'_>,
        resource_type: &ResourceType,
        id: &str,
        mut resource: Resource,
        version: u64,
        previous: Option<&StoredResource>,
    ) -> Result<StoredResource, ScimError> {
        // `password` is write-only: it is never stored here, so never returned.
        resource.as_map_mut().remove("password");
        self.check_new_members(
            call,
            &mut resource,
            previous.map(|previous| &previous.resource),
        )
        .await?;
        let mut stored_resource = StoredResource::new(id, resource_type.name.clone(), resource);
        stored_resource.version = version;
        stored_resource.unique_keys = self.unique_keys(resource_type, &stored_resource.resource);
        stored_resource.members = member_ids(&stored_resource.resource);
        Ok(stored_resource)
    }

    /// `POST /Users`.
    pub(crate) async fn create(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let resource_type = self.resource_type(resource_type)?;
        let input = self.body_resource(call, body)?;
        let options = ValidateOptions::default().with_lenient(call.lenient());
        let mut resource = validate(&self.registry, resource_type, input, &options)?.resource;
        let id = self.ids.new_id();
        let now = self.timestamp();
        let map = resource.as_map_mut();
        map.insert("id".into(), Value::String(id.clone()));
        map.insert(
            "meta".into(),
            json!({"resourceType": resource_type.name, "created": now, "lastModified": now}),
        );
        let stored_resource = self
            .prepare(call, resource_type, &id, resource, 1, None)
            .await?;
        stored(
            self.store
                .create(&call.tenant.id, stored_resource.clone())
                .await,
        )?;
        self.resource_response(call, StatusCode::CREATED, stored_resource, &lists)
            .await
    }

    /// `PUT /Users/{id}`: the body replaces every writable attribute.
    pub(crate) async fn replace(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let resource_type = self.resource_type(resource_type)?;
        let preconditions = Preconditions::from_headers(&call.parts.headers);
        let input = self.body_resource(call, body)?;
        if let Some(body_id) = input.get_attr("id").filter(|body_id| !body_id.is_null())
            && body_id.as_str() != Some(id)
        {
            return Err(ScimError::invalid_value(
                "the 'id' in the body is not the id in the URL",
            ));
        }
        for _ in 0..=self.config.write_retries {
            let existing = self.existing(call, &resource_type.name, id).await?;
            preconditions.check_write(Some(existing.version))?;
            let options = ValidateOptions::default()
                .with_lenient(call.lenient())
                .with_mode(ValidateMode::Replace(&existing.resource));
            let mut resource =
                validate(&self.registry, resource_type, input.clone(), &options)?.resource;
            let map = resource.as_map_mut();
            map.insert("id".into(), Value::String(id.to_owned()));
            let mut meta = existing
                .resource
                .get_attr("meta")
                .cloned()
                .unwrap_or_else(|| json!({}));
            map.insert("meta".into(), meta.clone());
            if same_attributes(&resource, &existing.resource) {
                return self
                    .resource_response(call, StatusCode::OK, existing, &lists)
                    .await;
            }
            meta["lastModified"] = Value::String(self.timestamp());
            resource.as_map_mut().insert("meta".into(), meta);
            let next = self
                .prepare(
                    call,
                    resource_type,
                    id,
                    resource,
                    existing.version + 1,
                    Some(&existing),
                )
                .await?;
            if let Some(next) = self
                .swap(call, next, existing.version, &preconditions)
                .await?
            {
                return self
                    .resource_response(call, StatusCode::OK, next, &lists)
                    .await;
            }
        }
        Err(ScimError::new(409, "the resource kept changing; try again"))
    }

    /// `PATCH /Users/{id}`: the operations apply all or none; a request that changes
    /// nothing keeps the version.
    pub(crate) async fn patch(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
        body: &Bytes,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let resource_type = self.resource_type(resource_type)?;
        let preconditions = Preconditions::from_headers(&call.parts.headers);
        let compat = call.tenant.compat;
        let request = PatchRequest::from_value(
            &self.body_json(call, body, self.config.max_body_size)?,
            &compat,
        )?;
        let no_content = self.config.patch_groups_no_content && resource_type.name == "Group";
        for _ in 0..=self.config.write_retries {
            let existing = self.existing(call, &resource_type.name, id).await?;
            preconditions.check_write(Some(existing.version))?;
            let mut resource = existing.resource.clone();
            let outcome = apply(
                &mut resource,
                request.operations.clone(),
                &self.registry,
                resource_type,
                &compat,
            )?;
            let current = if outcome.changed() {
                if let Some(Value::Object(meta)) = resource.as_map_mut().get_mut("meta") {
                    meta.insert("lastModified".into(), Value::String(self.timestamp()));
                }
                let next = self
                    .prepare(
                        call,
                        resource_type,
                        id,
                        resource,
                        existing.version + 1,
                        Some(&existing),
                    )
                    .await?;
                match self
                    .swap(call, next, existing.version, &preconditions)
                    .await?
                {
                    Some(next) => next,
                    None => continue,
                }
            } else {
                existing
            };
            if no_content {
                let mut response = response::empty(StatusCode::NO_CONTENT);
                response::set_header(
                    &mut response,
                    http::header::ETAG,
                    &response::etag(current.version),
                );
                return Ok(response);
            }
            return self
                .resource_response(call, StatusCode::OK, current, &lists)
                .await;
        }
        Err(ScimError::new(409, "the resource kept changing; try again"))
    }

    /// Stores `next` if the resource is still at `expected` (compare-and-swap). `None`
    /// when a concurrent write won and the client did not ask for `If-Match`: the caller
    /// reads again and retries; with `If-Match` that is `412`.
    async fn swap(
        &self,
        call: &Call<'_>,
        next: StoredResource,
        expected: u64,
        preconditions: &Preconditions,
    ) -> Result<Option<StoredResource>, ScimError> {
        match self
            .store
            .replace(&call.tenant.id, next.clone(), expected)
            .await
        {
            Ok(()) => Ok(Some(next)),
            Err(StoreError::VersionMismatch { .. }) if !preconditions.has_if_match() => Ok(None),
            Err(error) => Err(response::store_error(error)),
        }
    }

    /// `DELETE /Users/{id}`: the resource goes, and with it its memberships.
    pub(crate) async fn delete(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let preconditions = Preconditions::from_headers(&call.parts.headers);
        let expected = if preconditions.has_if_match()
            || call.parts.headers.contains_key(http::header::IF_NONE_MATCH)
        {
            let existing = self.existing(call, resource_type, id).await?;
            preconditions.check_write(Some(existing.version))?;
            Some(existing.version)
        } else {
            None
        };
        match self
            .store
            .delete(&call.tenant.id, resource_type, id, expected, self.now())
            .await
        {
            Ok(_) => Ok(response::empty(StatusCode::NO_CONTENT)),
            Err(StoreError::NotFound) => Err(ScimError::not_found(format!(
                "{resource_type} {id:?} not found"
            ))),
            Err(error) => Err(response::store_error(error)),
        }
    }
}
