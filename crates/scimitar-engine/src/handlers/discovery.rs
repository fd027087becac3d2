//! Discovery: `/ServiceProviderConfig`, `/ResourceTypes`, `/Schemas` (RFC 7644 §4).

use bytes::Bytes;
use http::{Response, StatusCode};
use serde_json::{Value, json};

use scimitar_schema::{ScimError, urn};

use crate::engine::Engine;
use crate::response;
use crate::store::ResourceStore;

/// A ListResponse holding every item.
fn list_of(items: Vec<Value>) -> Value {
    json!({
        "schemas": [urn::LIST_RESPONSE],
        "totalResults": items.len(),
        "itemsPerPage": items.len(),
        "startIndex": 1,
        "Resources": items,
    })
}

impl<S: ResourceStore> Engine<S> {
    /// `GET /ServiceProviderConfig`.
    pub(crate) fn service_provider_config(&self, base_url: &str) -> Response<Bytes> {
        let config = &self.config;
        let body = json!({
            "schemas": [urn::SERVICE_PROVIDER_CONFIG],
            "patch": {"supported": true},
            "bulk": {
                "supported": true,
                "maxOperations": config.bulk_max_operations,
                "maxPayloadSize": config.bulk_max_payload_size,
            },
            "filter": {"supported": true, "maxResults": config.max_page_size},
            "changePassword": {"supported": false},
            "sort": {"supported": true},
            "etag": {"supported": true},
            "pagination": {
                "cursor": true,
                "index": true,
                "defaultPaginationMethod": "index",
                "defaultPageSize": config.default_page_size,
                "maxPageSize": config.max_page_size,
            },
            "authenticationSchemes": [{
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "An API key issued for the tenant, sent as 'Authorization: Bearer <key>'",
                "primary": true,
            }],
            "meta": {
                "resourceType": "ServiceProviderConfig",
                "location": format!("{base_url}/ServiceProviderConfig"),
            },
        });
        response::json(StatusCode::OK, &body)
    }

    /// `GET /ResourceTypes`, `GET /ResourceTypes/{name}`.
    pub(crate) fn resource_types(
        &self,
        base_url: &str,
        name: Option<&str>,
    ) -> Result<Response<Bytes>, ScimError> {
        let render = |resource_type: &scimitar_schema::ResourceType| {
            let mut value = serde_json::to_value(resource_type).unwrap_or_default();
            value["schemas"] = json!([urn::RESOURCE_TYPE]);
            value["meta"] = json!({
                "resourceType": "ResourceType",
                "location": format!("{base_url}/ResourceTypes/{}", resource_type.name),
            });
            value
        };
        let resource_types = self.registry.resource_types();
        let body = match name {
            None => list_of(resource_types.iter().map(render).collect()),
            Some(name) => resource_types
                .iter()
                .find(|resource_type| {
                    resource_type.name.eq_ignore_ascii_case(name)
                        || resource_type
                            .id
                            .as_deref()
                            .is_some_and(|id| id.eq_ignore_ascii_case(name))
                })
                .map(render)
                .ok_or_else(|| ScimError::not_found(format!("no resource type {name:?}")))?,
        };
        Ok(response::json(StatusCode::OK, &body))
    }

    /// `GET /Schemas`, `GET /Schemas/{id}`.
    pub(crate) fn schemas(
        &self,
        base_url: &str,
        id: Option<&str>,
    ) -> Result<Response<Bytes>, ScimError> {
        let render = |schema: &scimitar_schema::Schema| {
            schema.to_resource_json(Some(&format!("{base_url}/Schemas/{}", schema.id)))
        };
        let body = match id {
            None => list_of(self.registry.schemas().map(render).collect()),
            Some(id) => self
                .registry
                .schema(id)
                .map(render)
                .ok_or_else(|| ScimError::not_found(format!("no schema {id:?}")))?,
        };
        Ok(response::json(StatusCode::OK, &body))
    }
}
