//! The registry of schemas and resource types, and attribute resolution.

use std::sync::{Arc, LazyLock};

use scimitar_filter::{AttrName, AttrPath, SchemaUrn};

use crate::attribute::{AttributeDef, AttributeType, Mutability, Returned, Uniqueness};
use crate::error::ScimError;
use crate::resource::Resource;
use crate::schema::Schema;
use crate::typed::{ResourceType, SchemaExtension};
use crate::urn;

fn parse_builtin(json: &str) -> Schema {
    // The built-in schema files are checked by this crate's tests.
    serde_json::from_str(json).unwrap_or_else(|err| panic!("built-in schema is invalid: {err}"))
}

static USER: LazyLock<Arc<Schema>> =
    LazyLock::new(|| Arc::new(parse_builtin(include_str!("../schemas/user.json"))));
static GROUP: LazyLock<Arc<Schema>> =
    LazyLock::new(|| Arc::new(parse_builtin(include_str!("../schemas/group.json"))));
static ENTERPRISE_USER: LazyLock<Arc<Schema>> = LazyLock::new(|| {
    Arc::new(parse_builtin(include_str!(
        "../schemas/enterprise_user.json"
    )))
});
static COMMON: LazyLock<Vec<AttributeDef>> = LazyLock::new(common_attributes);

/// The attributes every resource has (RFC 7643 §3.1) and `schemas`, which no schema
/// lists but filters and projections name.
fn common_attributes() -> Vec<AttributeDef> {
    use AttributeType::{DateTime, Reference, String};
    let read_only = |name: &str, kind| {
        AttributeDef::new(name, kind)
            .case_exact(true)
            .mutability(Mutability::ReadOnly)
    };
    vec![
        read_only("id", String)
            .returned(Returned::Always)
            .uniqueness(Uniqueness::Server),
        AttributeDef::new("externalId", String).case_exact(true),
        read_only("meta", AttributeType::Complex).sub_attributes(vec![
            read_only("resourceType", String),
            read_only("created", DateTime),
            read_only("lastModified", DateTime),
            read_only("location", Reference).reference_types(["uri"]),
            read_only("version", String),
        ]),
        AttributeDef::new("schemas", Reference)
            .multi_valued(true)
            .required(true)
            .returned(Returned::Always)
            .reference_types(["uri"]),
    ]
}

/// Where a resolved attribute lives in a resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrLocation<'r> {
    /// At the top level: a common attribute or one of the core schema.
    Core,
    /// Inside the extension object of this schema URN.
    Extension(&'r str),
}

/// An attribute path resolved against a resource type's schemas.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct ResolvedAttr<'r> {
    /// Where the attribute lives.
    pub location: AttrLocation<'r>,
    /// The attribute's definition.
    pub attr: &'r AttributeDef,
    /// The sub-attribute's definition, when the path names one.
    pub sub_attr: Option<&'r AttributeDef>,
}

impl<'r> ResolvedAttr<'r> {
    /// The definition the path ends at: the sub-attribute's, else the attribute's.
    pub fn target(&self) -> &'r AttributeDef {
        self.sub_attr.unwrap_or(self.attr)
    }
}

/// The schemas and resource types a service provider knows, with the lookups every other
/// part needs: which resource type a resource is, and what an attribute path means.
///
/// [`SchemaRegistry::core`] holds the RFC 7643 User (with the Enterprise User extension)
/// and Group; a host adds its own extension schemas at run time.
///
/// ```
/// use scimitar_schema::{AttributeDef, AttributeType, Schema, SchemaRegistry};
///
/// let mut registry = SchemaRegistry::core();
/// let custom = Schema::new("urn:example:params:scim:schemas:extension:acme:2.0:User")
///     .attribute(AttributeDef::new("costCode", AttributeType::String));
/// registry.add_extension("User", custom, false)?;
/// let user = registry.resource_type("user").unwrap();
/// let path = "urn:example:params:scim:schemas:extension:acme:2.0:User:COSTCODE".parse()?;
/// assert_eq!(registry.resolve(user, &path).unwrap().attr.name, "costCode");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct SchemaRegistry {
    schemas: Vec<Arc<Schema>>,
    resource_types: Vec<ResourceType>,
}

impl SchemaRegistry {
    /// A registry with no schemas and no resource types.
    pub fn empty() -> Self {
        Self::default()
    }

    /// The RFC 7643 resource types: `User` at `/Users` (core User schema, optional
    /// Enterprise User extension) and `Group` at `/Groups`.
    pub fn core() -> Self {
        let mut user = ResourceType::new("User", "/Users", urn::USER);
        user.description = Some("User Account".into());
        user.schema_extensions
            .push(SchemaExtension::new(urn::ENTERPRISE_USER, false));
        let mut group = ResourceType::new("Group", "/Groups", urn::GROUP);
        group.description = Some("Group".into());
        Self {
            schemas: vec![USER.clone(), GROUP.clone(), ENTERPRISE_USER.clone()],
            resource_types: vec![user, group],
        }
    }

    /// The RFC 7643 core User schema.
    pub fn user_schema() -> &'static Schema {
        &USER
    }

    /// The RFC 7643 core Group schema.
    pub fn group_schema() -> &'static Schema {
        &GROUP
    }

    /// The RFC 7643 Enterprise User extension schema.
    pub fn enterprise_user_schema() -> &'static Schema {
        &ENTERPRISE_USER
    }

    /// Adds a schema, or replaces the one with the same id.
    pub fn add_schema(&mut self, schema: Schema) {
        match self.schemas.iter_mut().find(|known| known.is(&schema.id)) {
            Some(known) => *known = Arc::new(schema),
            None => self.schemas.push(Arc::new(schema)),
        }
    }

    /// Adds a resource type, or replaces the one with the same name. Its schema and
    /// extensions must be registered.
    pub fn add_resource_type(&mut self, resource_type: ResourceType) -> Result<(), ScimError> {
        let schema_ids = std::iter::once(&resource_type.schema).chain(
            resource_type
                .schema_extensions
                .iter()
                .map(|extension| &extension.schema),
        );
        for id in schema_ids {
            if self.schema(id).is_none() {
                return Err(ScimError::invalid_value(format!(
                    "schema '{id}' is not registered"
                )));
            }
        }
        match self
            .resource_types
            .iter_mut()
            .find(|known| known.name.eq_ignore_ascii_case(&resource_type.name))
        {
            Some(known) => *known = resource_type,
            None => self.resource_types.push(resource_type),
        }
        Ok(())
    }

    /// Registers `schema` and makes it an extension of `resource_type`.
    pub fn add_extension(
        &mut self,
        resource_type: &str,
        schema: Schema,
        required: bool,
    ) -> Result<(), ScimError> {
        let Some(index) = self
            .resource_types
            .iter()
            .position(|known| known.name.eq_ignore_ascii_case(resource_type))
        else {
            return Err(ScimError::invalid_value(format!(
                "resource type '{resource_type}' is not registered"
            )));
        };
        let id = schema.id.clone();
        self.add_schema(schema);
        let extensions = &mut self.resource_types[index].schema_extensions;
        extensions.retain(|extension| !extension.schema.eq_ignore_ascii_case(&id));
        extensions.push(SchemaExtension::new(id, required));
        Ok(())
    }

    /// Every registered schema, in registration order.
    pub fn schemas(&self) -> impl Iterator<Item = &Schema> {
        self.schemas.iter().map(AsRef::as_ref)
    }

    /// The schema with `id` (compared case-insensitively).
    pub fn schema(&self, id: &str) -> Option<&Schema> {
        self.schemas().find(|schema| schema.is(id))
    }

    /// Every resource type, in registration order.
    pub fn resource_types(&self) -> &[ResourceType] {
        &self.resource_types
    }

    /// The resource type called `name` (compared case-insensitively).
    pub fn resource_type(&self, name: &str) -> Option<&ResourceType> {
        self.resource_types
            .iter()
            .find(|known| known.name.eq_ignore_ascii_case(name))
    }

    /// The resource type whose core schema `resource` lists in `schemas`.
    pub fn resource_type_of(&self, resource: &Resource) -> Option<&ResourceType> {
        resource.schemas().find_map(|listed| {
            self.resource_types
                .iter()
                .find(|known| known.schema.eq_ignore_ascii_case(listed))
        })
    }

    /// The core schema of `resource_type`.
    pub fn core_schema(&self, resource_type: &ResourceType) -> Option<&Schema> {
        self.schema(&resource_type.schema)
    }

    /// The extension schemas of `resource_type`, with whether each is required.
    pub fn extensions<'r>(
        &'r self,
        resource_type: &'r ResourceType,
    ) -> impl Iterator<Item = (&'r Schema, bool)> {
        resource_type
            .schema_extensions
            .iter()
            .filter_map(|extension| Some((self.schema(&extension.schema)?, extension.required)))
    }

    /// The attributes every resource has: `id`, `externalId`, `meta` and `schemas`.
    pub fn common_attributes() -> &'static [AttributeDef] {
        &COMMON
    }

    /// The definition of the top-level attribute `name` of `resource_type`, qualified by
    /// `urn` or not. A URN picks the core schema or one extension. Without a URN, the
    /// common attributes and the core schema come first, then the extensions in order:
    /// Entra ID filters on `manager` for the Enterprise User's `manager`.
    pub fn top_level<'r>(
        &'r self,
        resource_type: &'r ResourceType,
        urn: Option<&str>,
        name: &str,
    ) -> Option<(AttrLocation<'r>, &'r AttributeDef)> {
        let core = urn.is_none_or(|urn| urn.eq_ignore_ascii_case(&resource_type.schema));
        if core {
            let common = COMMON
                .iter()
                .find(|attr| attr.name.eq_ignore_ascii_case(name));
            let def = common.or_else(|| self.core_schema(resource_type)?.attribute_def(name));
            if let Some(def) = def {
                return Some((AttrLocation::Core, def));
            }
            if urn.is_some() {
                return None;
            }
        }
        self.extensions(resource_type)
            .filter(|(schema, _)| urn.is_none_or(|urn| schema.is(urn)))
            .find_map(|(schema, _)| {
                Some((
                    AttrLocation::Extension(&schema.id),
                    schema.attribute_def(name)?,
                ))
            })
    }

    /// What `path` means for `resource_type`, or `None` for an unknown attribute.
    pub fn resolve<'r>(
        &'r self,
        resource_type: &'r ResourceType,
        path: &AttrPath,
    ) -> Option<ResolvedAttr<'r>> {
        self.resolve_parts(
            resource_type,
            path.urn.as_ref(),
            &path.name,
            path.sub_attr.as_ref(),
        )
    }

    /// [`SchemaRegistry::resolve`] from the parts of a path.
    pub fn resolve_parts<'r>(
        &'r self,
        resource_type: &'r ResourceType,
        urn: Option<&SchemaUrn>,
        name: &AttrName,
        sub_attr: Option<&AttrName>,
    ) -> Option<ResolvedAttr<'r>> {
        let (location, attr) =
            self.top_level(resource_type, urn.map(SchemaUrn::as_str), name.as_str())?;
        let sub_attr = match sub_attr {
            Some(sub_name) => Some(attr.sub_attribute(sub_name.as_str())?),
            None => None,
        };
        Some(ResolvedAttr {
            location,
            attr,
            sub_attr,
        })
    }
}
