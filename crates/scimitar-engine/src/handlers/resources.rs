//! Reading one resource, rendering it, and the request-level checks shared by the
//! write endpoints: bodies and projections.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde_json::{Map, Value, json};

use scimitar_filter::{AttributeList, ParseOptions};
use scimitar_schema::{Projection, Resource, ScimError, project_owned};

use crate::engine::{Call, Engine};
use crate::ops::{Operations, Preconditions};
use crate::response::{self, etag, set_header};
use crate::store::{ResourceStore, StoredResource};

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

impl<S: ResourceStore> Engine<S> {
    /// The operations, acting for the request's principal.
    pub(crate) fn ops<'a>(&'a self, call: &'a Call<'_>) -> Operations<'a, S> {
        self.operations(&call.principal)
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
        if stored_resource.resource_type == "Group" && lists.may_include("members") {
            self.add_member_refs(call, &mut resource);
        }
        Ok(project_owned(resource, &self.registry, lists.projection()).into_value())
    }

    /// Sets each member's `$ref` (RFC 7643 §4.2) to its location under this request's
    /// base URL, whatever a client sent.
    fn add_member_refs(&self, call: &Call<'_>, group: &mut Resource) {
        let Some(Value::Array(members)) = group.as_map_mut().get_mut("members") else {
            return;
        };
        for member in members.iter_mut().filter_map(Value::as_object_mut) {
            let id = member.get("value").and_then(Value::as_str);
            let kind = member.get("type").and_then(Value::as_str);
            if let (Some(id), Some(kind @ ("User" | "Group"))) = (id, kind) {
                let location = self.location(call, kind, id);
                member.insert("$ref".into(), Value::String(location));
            }
        }
    }

    /// Sets a user's computed `groups` attribute (RFC 7643 §4.1.2).
    async fn add_groups(
        &self,
        call: &Call<'_>,
        user_id: &str,
        resource: &mut Resource,
    ) -> Result<(), ScimError> {
        let groups = self.ops(call).groups_of(user_id).await?;
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

    /// `GET /Users/{id}`.
    pub(crate) async fn get(
        &self,
        call: &Call<'_>,
        resource_type: &str,
        id: &str,
    ) -> Result<Response<Bytes>, ScimError> {
        let lists = Lists::from_call(call)?;
        let stored_resource = self.ops(call).get(resource_type, id).await?;
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
