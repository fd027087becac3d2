//! Reading one resource, rendering it, and the request-level checks shared by the
//! write endpoints: bodies and projections.

use bytes::Bytes;
use http::{Response, StatusCode, header};
use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use scimitar_filter::{AttributeList, ParseOptions};
use scimitar_schema::{Projection, Resource, SchemaRegistry, ScimError, projected};

use crate::engine::{Call, Engine};
use crate::ops::{Operations, Preconditions};
use crate::response::{self, etag, set_header};
use crate::store::{ResourceStore, StoredResource};

/// A resource ready to serialise as a response: the stored resource, what the response
/// adds to it, and the projection.
pub(crate) struct Rendered<'r> {
    resource: &'r Resource,
    extra: Map<String, Value>,
    registry: &'r SchemaRegistry,
    projection: Projection<'r>,
}

impl Serialize for Rendered<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        projected(self.resource, &self.extra, self.registry, self.projection).serialize(serializer)
    }
}

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

/// The request's `X-Request-Id`, when it is one: 1 to 128 visible ASCII characters.
fn request_id(headers: &http::HeaderMap) -> Option<&str> {
    let id = headers.get("x-request-id")?.to_str().ok()?.trim();
    let valid = (1..=128).contains(&id.len()) && id.bytes().all(|byte| byte.is_ascii_graphic());
    valid.then_some(id)
}

impl<S: ResourceStore> Engine<S> {
    /// The operations, acting for the request's principal, with its request id.
    pub(crate) fn ops<'a>(&'a self, call: &'a Call<'_>) -> Operations<'a, S> {
        let ops = self.operations(&call.principal);
        match request_id(&call.parts.headers) {
            Some(id) => ops.with_request_id(id),
            None => ops,
        }
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
    /// user's `groups` computed, members' `$ref`s, and the projection applied
    /// (`password` never shown). It borrows the stored resource and is serialised from
    /// it: only what the response adds is built.
    pub(crate) async fn render<'r>(
        &'r self,
        call: &Call<'_>,
        stored_resource: &'r StoredResource,
        lists: &'r Lists,
    ) -> Result<Rendered<'r>, ScimError> {
        let resource = &stored_resource.resource;
        let mut meta = match resource.get_attr("meta") {
            Some(Value::Object(meta)) => meta.clone(),
            _ => Map::new(),
        };
        meta.insert(
            "resourceType".into(),
            Value::String(stored_resource.resource_type.clone()),
        );
        let location = self.location(call, &stored_resource.resource_type, &stored_resource.id);
        meta.insert("location".into(), Value::String(location));
        meta.insert(
            "version".into(),
            Value::String(etag(stored_resource.version)),
        );
        let mut extra = Map::new();
        extra.insert("meta".into(), Value::Object(meta));
        if stored_resource.resource_type == "User" && lists.may_include("groups") {
            self.add_groups(call, &stored_resource.id, &mut extra)
                .await?;
        }
        if stored_resource.resource_type == "Group" && lists.may_include("members") {
            self.add_member_refs(call, resource, &mut extra);
        }
        Ok(Rendered {
            resource,
            extra,
            registry: &self.registry,
            projection: lists.projection(),
        })
    }

    /// The group's members, each with its `$ref` (RFC 7643 §4.2) set to its location
    /// under this request's base URL, whatever a client sent.
    fn add_member_refs(&self, call: &Call<'_>, group: &Resource, extra: &mut Map<String, Value>) {
        let Some(Value::Array(members)) = group.get_attr("members") else {
            return;
        };
        let mut members = members.clone();
        for member in members.iter_mut().filter_map(Value::as_object_mut) {
            let id = member.get("value").and_then(Value::as_str);
            let kind = member.get("type").and_then(Value::as_str);
            if let (Some(id), Some(kind @ ("User" | "Group"))) = (id, kind) {
                let location = self.location(call, kind, id);
                member.insert("$ref".into(), Value::String(location));
            }
        }
        extra.insert("members".into(), Value::Array(members));
    }

    /// A user's computed `groups` attribute (RFC 7643 §4.1.2), when it is in any.
    async fn add_groups(
        &self,
        call: &Call<'_>,
        user_id: &str,
        extra: &mut Map<String, Value>,
    ) -> Result<(), ScimError> {
        let location = |id: &str| self.location(call, "Group", id);
        let groups = self
            .ops(call)
            .groups_attribute(user_id, Some(&location))
            .await?;
        if let Some(groups) = groups {
            extra.insert("groups".into(), groups);
        }
        Ok(())
    }

    /// A response carrying one resource, with its `ETag` (and `Location` for `201`).
    pub(crate) async fn resource_response(
        &self,
        call: &Call<'_>,
        status: StatusCode,
        stored_resource: &StoredResource,
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
        self.resource_response(call, StatusCode::OK, &stored_resource, &lists)
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
                    StatusCode::UNSUPPORTED_MEDIA_TYPE,
                    format!("unsupported content type {media_type:?}: send application/scim+json"),
                ));
            }
        }
        if body.len() > limit {
            return Err(ScimError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
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
