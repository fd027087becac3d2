//! Reading one resource, rendering it, and the request-level checks shared by the
//! write endpoints: bodies, preconditions and projections.

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode, header};
use serde_json::{Map, Value, json};

use scimitar_filter::{AttributeList, ParseOptions};
use scimitar_schema::{Projection, Resource, ResourceType, ScimError, project_owned};

use crate::engine::{Call, Engine, stored};
use crate::response::{self, etag, set_header};
use crate::store::{Store, StoredResource};

/// The `attributes` / `excludedAttributes` of a request.
#[derive(Default)]
pub(crate) struct Lists {
    attributes: Option<AttributeList>,
    excluded: Option<AttributeList>,
}

impl Lists {
    /// Reads both lists; giving both is `400 invalidValue`.
    pub(crate) fn parse(
        attributes: Option<&str>,
        excluded: Option<&str>,
        lenient: bool,
    ) -> Result<Self, ScimError> {
        let options = ParseOptions::default().lenient(lenient);
        let read = |text: Option<&str>, name: &str| {
            text.filter(|text| !text.trim().is_empty())
                .map(|text| AttributeList::parse_with(text, &options))
                .transpose()
                .map_err(|err| ScimError::invalid_value(format!("invalid {name}: {err}")))
        };
        let lists = Self {
            attributes: read(attributes, "attributes")?,
            excluded: read(excluded, "excludedAttributes")?,
        };
        if lists.attributes.is_some() && lists.excluded.is_some() {
            return Err(ScimError::invalid_value(
                "give either attributes or excludedAttributes, not both",
            ));
        }
        Ok(lists)
    }

    pub(crate) fn from_call(call: &Call<'_>) -> Result<Self, ScimError> {
        Self::parse(
            call.params.get("attributes"),
            call.params.get("excludedAttributes"),
            call.lenient(),
        )
    }

    pub(crate) fn projection(&self) -> Projection<'_> {
        match (&self.attributes, &self.excluded) {
            (Some(list), _) => Projection::Only(list),
            (None, Some(list)) => Projection::Except(list),
            (None, None) => Projection::Default,
        }
    }

    /// Whether the response may include `name` (as its top-level attribute).
    pub(crate) fn may_include(&self, name: &str) -> bool {
        let names = |list: &AttributeList| {
            list.paths.iter().any(|path| match path {
                scimitar_filter::PatchPath::Attr(path) => path.name.matches(name),
                scimitar_filter::PatchPath::Value(path, _) => path.name.matches(name),
            })
        };
        match (&self.attributes, &self.excluded) {
            (Some(list), _) => names(list),
            (None, Some(list)) => !names(list),
            (None, None) => true,
        }
    }
}

/// What `If-Match` / `If-None-Match` ask.
pub(crate) struct Preconditions {
    if_match: Option<String>,
    if_none_match: Option<String>,
}

impl Preconditions {
    pub(crate) fn from_headers(headers: &HeaderMap) -> Self {
        let read = |name| {
            headers
                .get(name)
                .and_then(|value: &http::HeaderValue| value.to_str().ok())
                .map(str::to_owned)
        };
        Self {
            if_match: read(header::IF_MATCH),
            if_none_match: read(header::IF_NONE_MATCH),
        }
    }

    /// Whether the client asked for compare-and-swap semantics.
    pub(crate) fn has_if_match(&self) -> bool {
        self.if_match.is_some()
    }

    /// Checks a write against the current version (`None`: no such resource).
    pub(crate) fn check_write(&self, current: Option<u64>) -> Result<(), ScimError> {
        if let Some(wanted) = &self.if_match
            && !current.is_some_and(|version| tag_list_matches(wanted, version))
        {
            return Err(ScimError::new(
                412,
                "the resource's version does not match If-Match",
            ));
        }
        if let (Some(unwanted), Some(version)) = (&self.if_none_match, current)
            && tag_list_matches(unwanted, version)
        {
            return Err(ScimError::new(
                412,
                "the resource's version matches If-None-Match",
            ));
        }
        Ok(())
    }

    /// For a read: `Some(304)` when `If-None-Match` matches, `412` when `If-Match` fails.
    pub(crate) fn check_read(&self, version: u64) -> Result<bool, ScimError> {
        if let Some(wanted) = &self.if_match
            && !tag_list_matches(wanted, version)
        {
            return Err(ScimError::new(
                412,
                "the resource's version does not match If-Match",
            ));
        }
        Ok(self
            .if_none_match
            .as_ref()
            .is_some_and(|unwanted| tag_list_matches(unwanted, version)))
    }
}

/// Whether a comma-separated list of entity tags (or `*`) names `version`; weak and
/// strong forms compare alike (RFC 9110 weak comparison).
fn tag_list_matches(list: &str, version: u64) -> bool {
    let current = version.to_string();
    list.split(',')
        .map(str::trim)
        .any(|tag| tag == "*" || tag.trim_start_matches("W/").trim_matches('"') == current)
}

impl<S: Store> Engine<S> {
    /// The resource type called `name` (routing found it, so it exists).
    pub(crate) fn resource_type(&self, name: &str) -> Result<&ResourceType, ScimError> {
        self.registry
            .resource_type(name)
            .ok_or_else(|| ScimError::not_found(format!("no resource type {name}")))
    }

    /// The absolute location of a resource.
    pub(crate) fn location(&self, call: &Call<'_>, resource_type: &str, id: &str) -> String {
        let endpoint = self
            .registry
            .resource_type(resource_type)
            .map_or("", |resource_type| resource_type.endpoint.as_str());
        format!("{}/{}/{id}", call.base_url, endpoint.trim_matches('/'))
    }

    /// The resource as a response shows it: `meta.version` and `meta.location` set, a
    /// user's `groups` computed, and the projection applied (`password` never shown).
    pub(crate) async fn render(
        &self,
        call: &Call<'_>,
        stored_resource: StoredResource,
        lists: &Lists,
    ) -> Result<Value, ScimError> {
        let location = self.location(call, &stored_resource.resource_type, &stored_resource.id);
        let mut resource = stored_resource.resource;
        let map = resource.as_map_mut();
        let meta = map
            .entry("meta")
            .or_insert_with(|| Value::Object(Map::new()));
        if let Value::Object(meta) = meta {
            meta.insert(
                "resourceType".into(),
                Value::String(stored_resource.resource_type.clone()),
            );
            meta.insert("location".into(), Value::String(location));
            meta.insert(
                "version".into(),
                Value::String(etag(stored_resource.version)),
            );
        }
        if stored_resource.resource_type == "User" && lists.may_include("groups") {
            self.add_groups(call, &stored_resource.id, &mut resource)
                .await?;
        }
        Ok(project_owned(resource, &self.registry, lists.projection()).into_value())
    }

    /// Sets a user's computed `groups` attribute (RFC 7643 §4.1.2).
    async fn add_groups(
        &self,
        call: &Call<'_>,
        user_id: &str,
        resource: &mut Resource,
    ) -> Result<(), ScimError> {
        let groups = stored(
            self.store
                .groups_with_member(&call.tenant.id, user_id)
                .await,
        )?;
        if !groups.is_empty() {
            let groups: Vec<Value> = groups
                .into_iter()
                .map(|(id, display)| {
                    json!({"value": id, "$ref": self.location(call, "Group", &id), "display": display, "type": "direct"})
                })
                .collect();
            resource
                .as_map_mut()
                .insert("groups".into(), Value::Array(groups));
        }
        Ok(())
    }

    /// A stored user with its computed `groups`, for filters that test them.
    pub(crate) async fn fill_groups(
        &self,
        call: &Call<'_>,
        user: &mut StoredResource,
    ) -> Result<(), ScimError> {
        let id = user.id.clone();
        self.add_groups(call, &id, &mut user.resource).await
    }

    /// A response carrying one resource, with its `ETag` (and `Location` for `201`).
    pub(crate) async fn resource_response(
        &self,
        call: &Call<'_>,
        status: StatusCode,
        stored_resource: StoredResource,
        lists: &Lists,
    ) -> Result<Response<Bytes>, ScimError> {
        let version = etag(stored_resource.version);
        let location = (status == StatusCode::CREATED)
            .then(|| self.location(call, &stored_resource.resource_type, &stored_resource.id));
        let body = self.render(call, stored_resource, lists).await?;
        let mut response = response::json(status, &body);
        set_header(&mut response, header::ETAG, &version);
        if let Some(location) = location {
            set_header(&mut response, header::LOCATION, &location);
        }
        Ok(response)
    }

    /// The stored resource, or `404`.
    pub(crate) async fn existing(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
    ) -> Result<StoredResource, ScimError> {
        stored(self.store.get(&call.tenant.id, resource_type, id).await)?
            .ok_or_else(|| ScimError::not_found(format!("{resource_type} {id:?} not found")))
    }

    /// `GET /Users/{id}`.
    pub(crate) async fn get(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let stored_resource = self.existing(call, resource_type, id).await?;
        if Preconditions::from_headers(&call.parts.headers).check_read(stored_resource.version)? {
            let mut response = response::empty(StatusCode::NOT_MODIFIED);
            set_header(&mut response, header::ETAG, &etag(stored_resource.version));
            return Ok(response);
        }
        self.resource_response(call, StatusCode::OK, stored_resource, &lists)
            .await
    }

    /// The JSON body of a request: a supported media type, within the size limit,
    /// well-formed.
    pub(crate) fn body_json(
        &self,
        call: &Call<'_>,
        body: &Bytes,
        limit: usize,
    ) -> Result<Value, ScimError> {
        if let Some(content_type) = call.parts.headers.get(header::CONTENT_TYPE) {
            let media_type = content_type
                .to_str()
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .trim();
            let supported = ["application/scim+json", "application/json"];
            if !supported
                .iter()
                .any(|supported| media_type.eq_ignore_ascii_case(supported))
            {
                return Err(ScimError::new(
                    415,
                    format!("unsupported content type {media_type:?}: send application/scim+json"),
                ));
            }
        }
        if body.len() > limit {
            return Err(ScimError::new(
                413,
                format!(
                    "the request body of {} bytes is over the limit of {limit} bytes",
                    body.len()
                ),
            ));
        }
        if body.iter().all(u8::is_ascii_whitespace) {
            return Err(ScimError::invalid_syntax("the request has no body"));
        }
        serde_json::from_slice(body)
            .map_err(|err| ScimError::invalid_syntax(format!("malformed JSON: {err}")))
    }

    /// The JSON body as a resource.
    pub(crate) fn body_resource(
        &self,
        call: &Call<'_>,
        body: &Bytes,
    ) -> Result<Resource, ScimError> {
        Resource::from_value(self.body_json(call, body, self.config.max_body_size)?)
    }
}
