//! Validation and normalisation of incoming resources (POST and PUT bodies).

use serde_json::{Map, Value};

use crate::attribute::{AttributeDef, AttributeType, Mutability};
use crate::error::ScimError;
use crate::json::{get_ci, json_kind};
use crate::registry::SchemaRegistry;
use crate::resource::Resource;
use crate::schema::Schema;
use crate::typed::ResourceType;

/// What the validated resource is for.
#[derive(Clone, Copy, Debug, Default)]
pub enum ValidateMode<'a> {
    /// A new resource (POST).
    #[default]
    Create,
    /// The replacement of `existing` (PUT): immutable attributes must keep their values.
    Replace(&'a Resource),
}

/// How strictly to validate. [`ValidateOptions::strict`] is RFC 7643 as written;
/// [`ValidateOptions::lenient`] also accepts what identity providers send:
///
/// - `"True"`/`"False"` (any case) for booleans, numbers for strings, digit strings for
///   numbers;
/// - a missing `schemas` (the resource type's core schema is assumed), unknown schema
///   URNs, and unknown attributes, which are dropped with a warning;
/// - a single value for a multi-valued attribute and a one-element array for a
///   single-valued one; a bare string for a complex attribute with a `value`
///   sub-attribute (`"manager": "26118915"`).
#[derive(Clone, Copy, Debug, Default)]
pub struct ValidateOptions<'a> {
    lenient: bool,
    mode: ValidateMode<'a>,
}

impl<'a> ValidateOptions<'a> {
    /// RFC 7643 only, for a create.
    pub fn strict() -> Self {
        Self::default()
    }

    /// Identity providers' shapes accepted, for a create.
    pub fn lenient() -> Self {
        Self {
            lenient: true,
            mode: ValidateMode::Create,
        }
    }

    /// Sets lenient mode. Default: `false`.
    pub fn with_lenient(mut self, lenient: bool) -> Self {
        self.lenient = lenient;
        self
    }

    /// Sets what the resource is for. Default: [`ValidateMode::Create`].
    pub fn with_mode(mut self, mode: ValidateMode<'a>) -> Self {
        self.mode = mode;
        self
    }

    /// Whether lenient mode is on.
    pub fn is_lenient(&self) -> bool {
        self.lenient
    }
}

/// A normalised resource and what lenient validation let through.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Validated {
    /// The resource: names in their schema spelling, nulls and empty values removed,
    /// read-only input dropped, `schemas` listing the core schema and each extension
    /// present.
    pub resource: Resource,
    /// What was ignored or coerced, for the host's log.
    pub warnings: Vec<String>,
}

/// Checks `input` against `resource_type`'s schemas and normalises it (RFC 7643 §2,
/// §7): types, single or multi-valued, at most one `primary: true`, required attributes,
/// read-only input ignored, immutable attributes unchanged on replace, and `schemas`
/// consistent with the extension objects present. Each failure is a [`ScimError`]
/// naming the attribute (`invalidValue`, `invalidSyntax` or `mutability`).
///
/// ```
/// use scimitar_schema::{validate, Resource, ScimType, SchemaRegistry, ValidateOptions};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::core();
/// let users = registry.resource_type("User").unwrap();
/// let input = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "displayName": "Babs",
/// }))?;
/// let error = validate(&registry, users, input, &ValidateOptions::strict()).unwrap_err();
/// assert_eq!(error.scim_type, Some(ScimType::InvalidValue));
/// assert_eq!(error.detail.as_deref(), Some("attribute 'userName' is required"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn validate(
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
    input: Resource,
    options: &ValidateOptions<'_>,
) -> Result<Validated, ScimError> {
    let core = registry.core_schema(resource_type).ok_or_else(|| {
        ScimError::new(
            http::StatusCode::INTERNAL_SERVER_ERROR,
            format!(
                "the schema of resource type '{}' is not registered",
                resource_type.name
            ),
        )
    })?;
    let mut validator = AttributeValidator::new(options.lenient);
    let listed = validator.listed_schemas(&input, resource_type, registry)?;
    let mut output = Map::new();
    let mut extensions_present = Vec::new();
    reject_duplicate_names(input.as_map())?;
    for (key, value) in input.into_map() {
        if key.eq_ignore_ascii_case("schemas") {
            continue;
        }
        if let Some((extension, _)) = registry
            .extensions(resource_type)
            .find(|(schema, _)| schema.is(&key))
        {
            if let Some(object) = validator.extension(extension, &key, value, &listed)? {
                extensions_present.push(extension.id.clone());
                output.insert(extension.id.clone(), Value::Object(object));
            }
            continue;
        }
        let common = SchemaRegistry::common_attributes()
            .iter()
            .find(|def| def.name.eq_ignore_ascii_case(&key));
        let Some(def) = common.or_else(|| core.attribute_def(&key)) else {
            validator.unknown(&key, "attribute")?;
            continue;
        };
        if let Some(value) = validator.attribute(def, &def.name, value)? {
            output.insert(def.name.clone(), value);
        }
    }
    check_required(core.attributes.iter(), &output, None)?;
    for (extension, required) in registry.extensions(resource_type) {
        match output.get(&extension.id).and_then(Value::as_object) {
            Some(object) => {
                check_required(extension.attributes.iter(), object, Some(&extension.id))?
            }
            None if required => {
                return Err(ScimError::invalid_value(format!(
                    "extension '{}' is required",
                    extension.id
                )));
            }
            None => {}
        }
    }
    if let ValidateMode::Replace(existing) = options.mode {
        check_immutable(core, existing.as_map(), &output, None)?;
        for (extension, _) in registry.extensions(resource_type) {
            let before = get_ci(existing.as_map(), &extension.id).and_then(Value::as_object);
            let after = output.get(&extension.id).and_then(Value::as_object);
            if let (Some(before), Some(after)) = (before, after) {
                check_immutable(extension, before, after, Some(&extension.id))?;
            }
        }
    }
    let mut schemas = vec![Value::String(resource_type.schema.clone())];
    schemas.extend(extensions_present.into_iter().map(Value::String));
    output.insert("schemas".into(), Value::Array(schemas));
    Ok(Validated {
        resource: Resource::from(output),
        warnings: validator.warnings,
    })
}

/// JSON objects may hold `userName` and `USERNAME` at once; SCIM names are
/// case-insensitive, so that is one attribute given twice, which is refused rather than
/// resolved by dropping one of the values.
fn reject_duplicate_names(object: &Map<String, Value>) -> Result<(), ScimError> {
    let mut seen = std::collections::HashSet::with_capacity(object.len());
    for key in object.keys() {
        if !seen.insert(key.to_ascii_lowercase()) {
            return Err(ScimError::invalid_syntax(format!(
                "attribute '{key}' is given twice (attribute names ignore case)"
            )));
        }
    }
    Ok(())
}

/// `'name'` or `'urn:…:name'` for error details.
fn qualified(urn: Option<&str>, name: &str) -> String {
    match urn {
        Some(urn) => format!("{urn}:{name}"),
        None => name.to_owned(),
    }
}

fn check_required<'d>(
    defs: impl Iterator<Item = &'d AttributeDef>,
    object: &Map<String, Value>,
    urn: Option<&str>,
) -> Result<(), ScimError> {
    for def in defs {
        if def.required && def.mutability != Mutability::ReadOnly && !object.contains_key(&def.name)
        {
            return Err(ScimError::invalid_value(format!(
                "attribute '{}' is required",
                qualified(urn, &def.name)
            )));
        }
    }
    Ok(())
}

fn check_immutable(
    schema: &Schema,
    before: &Map<String, Value>,
    after: &Map<String, Value>,
    urn: Option<&str>,
) -> Result<(), ScimError> {
    for def in schema
        .attributes
        .iter()
        .filter(|def| def.mutability == Mutability::Immutable)
    {
        if let Some(old) = get_ci(before, &def.name).filter(|old| !old.is_null())
            && after.get(&def.name) != Some(old)
        {
            return Err(ScimError::mutability(format!(
                "attribute '{}' is immutable and cannot be changed",
                qualified(urn, &def.name)
            )));
        }
    }
    Ok(())
}

/// Checks and normalises single attribute values against their definitions, the way
/// [`validate`] does for whole resources; the PATCH applier uses it for operation
/// values. Read-only sub-attributes in complex values are dropped, as on create.
///
/// ```
/// use scimitar_schema::{AttributeValidator, SchemaRegistry};
/// use serde_json::json;
///
/// let active = SchemaRegistry::user_schema().attribute_def("active").unwrap();
/// let mut lenient = AttributeValidator::new(true);
/// assert_eq!(lenient.value(active, "active", json!("False"))?, Some(json!(false)));
/// assert!(AttributeValidator::new(false).value(active, "active", json!("False")).is_err());
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
#[derive(Debug, Default)]
pub struct AttributeValidator {
    lenient: bool,
    warnings: Vec<String>,
}

impl AttributeValidator {
    /// A validator, lenient (coercing the identity providers' shapes) or strict.
    pub fn new(lenient: bool) -> Self {
        Self {
            lenient,
            warnings: Vec::new(),
        }
    }

    /// The whole value of the attribute `def` (an array for a multi-valued one),
    /// normalised; `None` when it is null, empty or read-only. `name` names the
    /// attribute in error details.
    pub fn value(
        &mut self,
        def: &AttributeDef,
        name: &str,
        value: Value,
    ) -> Result<Option<Value>, ScimError> {
        self.attribute(def, name, value)
    }

    /// One value of the attribute `def` (one element of a multi-valued attribute),
    /// normalised; `None` when it is null or an empty complex value.
    pub fn element(
        &mut self,
        def: &AttributeDef,
        name: &str,
        value: Value,
    ) -> Result<Option<Value>, ScimError> {
        self.single(def, name, value)
    }

    /// What was coerced or ignored so far.
    pub fn into_warnings(self) -> Vec<String> {
        self.warnings
    }

    fn unknown(&mut self, name: &str, what: &str) -> Result<(), ScimError> {
        if self.lenient {
            self.warnings
                .push(format!("ignored unknown {what} '{name}'"));
            Ok(())
        } else {
            Err(ScimError::invalid_syntax(format!(
                "unknown {what} '{name}'"
            )))
        }
    }

    fn coerced(&mut self, name: &str, from: &Value) {
        self.warnings.push(format!(
            "coerced {} to the type of '{name}'",
            json_kind(from)
        ));
    }

    /// The URNs of `schemas`, checked: the core schema must be there (lenient: is
    /// assumed), and every URN must be the core schema or a registered extension
    /// (lenient: unknown ones are dropped).
    fn listed_schemas(
        &mut self,
        input: &Resource,
        resource_type: &ResourceType,
        registry: &SchemaRegistry,
    ) -> Result<Vec<String>, ScimError> {
        let listed: Vec<String> = match input.get_attr("schemas") {
            Some(Value::Array(items)) => items
                .iter()
                .map(|item| {
                    item.as_str().map(str::to_owned).ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "'schemas' holds {}, not a URN",
                            json_kind(item)
                        ))
                    })
                })
                .collect::<Result<_, _>>()?,
            None | Some(Value::Null) if self.lenient => Vec::new(),
            None | Some(Value::Null) => {
                return Err(ScimError::invalid_value("attribute 'schemas' is required"));
            }
            Some(other) => {
                return Err(ScimError::invalid_value(format!(
                    "'schemas' must be an array, not {}",
                    json_kind(other)
                )));
            }
        };
        let is_core = |urn: &str| urn.eq_ignore_ascii_case(&resource_type.schema);
        if !self.lenient && !listed.iter().any(|urn| is_core(urn)) {
            return Err(ScimError::invalid_value(format!(
                "'schemas' must list '{}'",
                resource_type.schema
            )));
        }
        let mut known = Vec::new();
        for urn in listed {
            let extension = registry
                .extensions(resource_type)
                .any(|(schema, _)| schema.is(&urn));
            if is_core(&urn) || extension {
                known.push(urn);
            } else {
                self.unknown(&urn, "schema")?;
            }
        }
        Ok(known)
    }

    /// An extension object: its attributes validated against `schema`. Strict mode
    /// requires `schemas` to list it.
    fn extension(
        &mut self,
        schema: &Schema,
        key: &str,
        value: Value,
        listed: &[String],
    ) -> Result<Option<Map<String, Value>>, ScimError> {
        let object = match value {
            Value::Null => return Ok(None),
            Value::Object(object) => object,
            other => {
                return Err(ScimError::invalid_value(format!(
                    "extension '{key}' must be an object, not {}",
                    json_kind(&other)
                )));
            }
        };
        if !self.lenient && !listed.iter().any(|urn| schema.is(urn)) {
            return Err(ScimError::invalid_value(format!(
                "extension '{key}' is present but not listed in 'schemas'"
            )));
        }
        reject_duplicate_names(&object)?;
        let mut output = Map::new();
        for (name, value) in object {
            let Some(def) = schema.attribute_def(&name) else {
                self.unknown(&qualified(Some(&schema.id), &name), "attribute")?;
                continue;
            };
            if let Some(value) =
                self.attribute(def, &qualified(Some(&schema.id), &def.name), value)?
            {
                output.insert(def.name.clone(), value);
            }
        }
        Ok((!output.is_empty()).then_some(output))
    }

    /// One attribute's value, normalised; `None` when it is unassigned or read-only.
    fn attribute(
        &mut self,
        def: &AttributeDef,
        name: &str,
        value: Value,
    ) -> Result<Option<Value>, ScimError> {
        if value.is_null() || def.mutability == Mutability::ReadOnly {
            return Ok(None);
        }
        if !def.multi_valued {
            let value = match value {
                Value::Array(mut items) if self.lenient && items.len() == 1 => items.remove(0),
                Value::Array(_) => {
                    return Err(ScimError::invalid_value(format!(
                        "attribute '{name}' is single-valued, not an array"
                    )));
                }
                other => other,
            };
            return self.single(def, name, value);
        }
        let items = match value {
            Value::Array(items) => items,
            other if self.lenient => vec![other],
            other => {
                return Err(ScimError::invalid_value(format!(
                    "attribute '{name}' is multi-valued: expected an array, not {}",
                    json_kind(&other)
                )));
            }
        };
        let mut values = Vec::with_capacity(items.len());
        for item in items {
            if let Some(value) = self.single(def, name, item)? {
                values.push(value);
            }
        }
        let primaries = values
            .iter()
            .filter(|value| value.get("primary") == Some(&Value::Bool(true)))
            .count();
        if primaries > 1 {
            return Err(ScimError::invalid_value(format!(
                "at most one value of '{name}' may be primary"
            )));
        }
        Ok((!values.is_empty()).then_some(Value::Array(values)))
    }

    /// One value of the attribute's type; `None` for null or an empty complex value.
    fn single(
        &mut self,
        def: &AttributeDef,
        name: &str,
        value: Value,
    ) -> Result<Option<Value>, ScimError> {
        let mismatch = |value: &Value| {
            ScimError::invalid_value(format!(
                "attribute '{name}' must be {}, not {}",
                expected_kind(def.kind),
                json_kind(value)
            ))
        };
        let value = match (def.kind, value) {
            (_, Value::Null) => return Ok(None),
            (
                AttributeType::String | AttributeType::Reference | AttributeType::Binary,
                Value::String(text),
            ) => {
                if def.required && text.trim().is_empty() {
                    return Err(ScimError::invalid_value(format!(
                        "attribute '{name}' must not be empty"
                    )));
                }
                Value::String(text)
            }
            (AttributeType::String, value @ Value::Number(_)) if self.lenient => {
                self.coerced(name, &value);
                Value::String(value.to_string())
            }
            (AttributeType::DateTime, Value::String(text)) => {
                if !is_date_time(&text) {
                    return Err(ScimError::invalid_value(format!(
                        "attribute '{name}' must be an xsd:dateTime such as 2008-01-23T04:56:22Z, not {text:?}"
                    )));
                }
                Value::String(text)
            }
            (AttributeType::Boolean, Value::Bool(flag)) => Value::Bool(flag),
            (AttributeType::Boolean, Value::String(text)) if self.lenient => {
                let flag =
                    parse_bool(&text).ok_or_else(|| mismatch(&Value::String(text.clone())))?;
                self.coerced(name, &Value::String(text));
                Value::Bool(flag)
            }
            (AttributeType::Integer, Value::Number(number))
                if number.is_i64() || number.is_u64() =>
            {
                Value::Number(number)
            }
            (AttributeType::Decimal, Value::Number(number)) => Value::Number(number),
            (AttributeType::Integer | AttributeType::Decimal, Value::String(text))
                if self.lenient =>
            {
                let number: serde_json::Number = text
                    .trim()
                    .parse()
                    .map_err(|_| mismatch(&Value::String(text.clone())))?;
                if def.kind == AttributeType::Integer && !(number.is_i64() || number.is_u64()) {
                    return Err(mismatch(&Value::Number(number)));
                }
                self.coerced(name, &Value::String(text));
                Value::Number(number)
            }
            (AttributeType::Complex, Value::Object(object)) => {
                return self.complex(def, name, object);
            }
            (AttributeType::Complex, Value::String(text))
                if self.lenient && def.sub_attribute("value").is_some() =>
            {
                let object = Map::from_iter([("value".to_owned(), Value::String(text))]);
                return self.complex(def, name, object);
            }
            (_, other) => return Err(mismatch(&other)),
        };
        Ok(Some(value))
    }

    fn complex(
        &mut self,
        def: &AttributeDef,
        name: &str,
        object: Map<String, Value>,
    ) -> Result<Option<Value>, ScimError> {
        reject_duplicate_names(&object)?;
        let mut output = Map::new();
        for (sub_name, value) in object {
            let Some(sub_def) = def.sub_attribute(&sub_name) else {
                self.unknown(&format!("{name}.{sub_name}"), "sub-attribute")?;
                continue;
            };
            let full_name = format!("{name}.{}", sub_def.name);
            if let Some(value) = self.attribute(sub_def, &full_name, value)? {
                output.insert(sub_def.name.clone(), value);
            }
        }
        if output.is_empty() {
            return Ok(None);
        }
        for sub_def in &def.sub_attributes {
            if sub_def.required
                && sub_def.mutability != Mutability::ReadOnly
                && !output.contains_key(&sub_def.name)
            {
                return Err(ScimError::invalid_value(format!(
                    "attribute '{name}.{}' is required",
                    sub_def.name
                )));
            }
        }
        Ok(Some(Value::Object(output)))
    }
}

fn expected_kind(kind: AttributeType) -> &'static str {
    match kind {
        AttributeType::String => "a string",
        AttributeType::Boolean => "a boolean",
        AttributeType::Decimal => "a number",
        AttributeType::Integer => "an integer",
        AttributeType::DateTime => "a dateTime string",
        AttributeType::Binary => "a base64 string",
        AttributeType::Reference => "a reference string",
        AttributeType::Complex => "an object",
    }
}

fn parse_bool(text: &str) -> Option<bool> {
    match text.trim() {
        flag if flag.eq_ignore_ascii_case("true") => Some(true),
        flag if flag.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

/// Whether `text` is an `xsd:dateTime`: RFC 3339, or the same without an offset.
pub(crate) fn is_date_time(text: &str) -> bool {
    chrono::DateTime::parse_from_rfc3339(text).is_ok()
        || chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f").is_ok()
}
