//! Attribute mappings: which SCIM path each of the host's fields is read from.

use std::fmt;
use std::sync::{Arc, LazyLock};

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use scimitar_filter::{
    AttrExpr, AttrName, CompValue, CompareOp, Expr, PatchPath, SchemaUrn, ValueFilter,
};
use scimitar_schema::__private::json::get_ci;
use scimitar_schema::{
    AttributeDef, AttributeType, CompiledValueFilter, Mutability, Resource, Returned,
    SchemaRegistry, urn,
};

/// What kind of value a host field holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FieldKind {
    /// Text (every custom field).
    Text,
    /// The id of another provisioned user (the direct manager).
    Reference,
}

/// One host field and the SCIM path it is read from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Mapping {
    /// The SCIM path, such as `emails[type eq "work"].value`.
    pub path: String,
    /// The host field's name, such as `email`.
    pub field: String,
    /// Whether hosts may not remove or change it (the identity fields).
    pub read_only: bool,
    /// What the field holds.
    pub kind: FieldKind,
}

impl Mapping {
    /// A mapping of `path` to the text field `field`, changeable.
    pub fn text(path: impl Into<String>, field: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            field: field.into(),
            read_only: false,
            kind: FieldKind::Text,
        }
    }
}

/// A host field that a change touched, and its new value (`None`: cleared).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct FieldChange {
    /// The host field's name.
    pub field: String,
    /// Its new value, as text (a reference is the other user's id).
    pub value: Option<String>,
}

impl FieldChange {
    /// `field` set to `value`.
    pub fn new(field: impl Into<String>, value: Option<String>) -> Self {
        Self {
            field: field.into(),
            value,
        }
    }
}

/// Why a mapping cannot be added or removed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MappingError {
    /// The path does not parse, or names no attribute of the User schemas.
    #[error("{path:?} is not a SCIM path of a user: {reason}")]
    InvalidPath {
        /// The path given.
        path: String,
        /// Why.
        reason: String,
    },
    /// The path's attribute is not a single text value (custom fields are strings).
    #[error("{path:?} is not a single text value; custom fields are strings")]
    NotText {
        /// The path given.
        path: String,
    },
    /// The field name is empty, too long or has characters other than letters, digits,
    /// `_`, `-` and `.`.
    #[error("{field:?} is not a field name: use letters, digits, '_', '-' or '.', at most 64")]
    InvalidField {
        /// The name given.
        field: String,
    },
    /// A mapping of that field exists.
    #[error("the field {field:?} is already mapped")]
    FieldTaken {
        /// The field.
        field: String,
    },
    /// No mapping has that field.
    #[error("no mapping of the field {field:?}")]
    UnknownField {
        /// The field.
        field: String,
    },
    /// The mapping is a read-only default.
    #[error("the field {field:?} is read-only")]
    ReadOnly {
        /// The field.
        field: String,
    },
}

/// The default table: identity fields read-only, the rest removable, paths parsed.
static DEFAULTS: LazyLock<Arc<[Entry]>> = LazyLock::new(|| {
    let fixed = |path: &str, field: &str, kind| Mapping {
        path: path.to_owned(),
        field: field.to_owned(),
        read_only: true,
        kind,
    };
    let manager = Mapping {
        kind: FieldKind::Reference,
        ..Mapping::text(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "manager",
        )
    };
    [
        fixed("userName", "user_name", FieldKind::Text),
        fixed("displayName", "display_name", FieldKind::Text),
        Mapping::text(r#"emails[type eq "work"].value"#, "email"),
        Mapping::text("name.givenName", "first_name"),
        Mapping::text("name.familyName", "last_name"),
        Mapping::text(r#"phoneNumbers[type eq "work"].value"#, "office_phone"),
        Mapping::text(r#"phoneNumbers[type eq "mobile"].value"#, "mobile_phone"),
        manager,
        Mapping::text("title", "job_title_text"),
    ]
    .into_iter()
    .map(|mapping| Entry {
        target: Target::parse(&mapping.path),
        mapping,
    })
    .collect()
});

/// A mapping with its path parsed, once, when the table is built.
#[derive(Clone, Debug)]
struct Entry {
    mapping: Mapping,
    /// `None` when the path does not parse (a stored table edited by hand): the field
    /// then never has a value.
    target: Option<Target>,
}

impl Entry {
    /// Parses `mapping`'s path, or takes the parsed default for a default path.
    fn parse(mapping: Mapping) -> Self {
        let default = DEFAULTS
            .iter()
            .find(|entry| entry.mapping.path == mapping.path);
        let target = match default {
            Some(entry) => entry.target.clone(),
            None => Target::parse(&mapping.path),
        };
        Self { mapping, target }
    }
}

/// A parsed mapping path.
#[derive(Clone, Debug)]
struct Target {
    path: PatchPath,
    /// For a value path: the filtered attribute's definition in the RFC schemas, which
    /// gives the filter's comparisons their types and case sensitivity. `None` for
    /// another schema's attribute, whose filter compares case-insensitive strings.
    parent: Option<&'static AttributeDef>,
}

impl Target {
    fn parse(path: &str) -> Option<Self> {
        let path: PatchPath = path.parse().ok()?;
        let parent = match &path {
            PatchPath::Value(value_path, _) => {
                builtin_attribute(value_path.urn.as_ref(), &value_path.name)
            }
            PatchPath::Attr(_) => None,
        };
        Some(Self { path, parent })
    }

    /// Whether the path's top-level attribute is one of `touched` (extension attributes
    /// URN-qualified), in any case.
    fn starts_at_one_of(&self, touched: &[String]) -> bool {
        let (urn, name) = match &self.path {
            PatchPath::Attr(path) => (path.urn.as_ref(), &path.name),
            PatchPath::Value(path, _) => (path.urn.as_ref(), &path.name),
        };
        crate::touched::names(touched, urn.map(|urn| urn.as_str()), name.as_str())
    }

    /// The value the path reaches in `resource`, before it is read as text.
    fn lookup<'r>(&self, resource: &'r Resource) -> Option<&'r Value> {
        let (value_path, sub_attr) = match &self.path {
            PatchPath::Attr(path) => return resource.get(path),
            PatchPath::Value(value_path, sub_attr) => (value_path, sub_attr),
        };
        let values = get_ci(
            resource.container(value_path.urn.as_ref())?,
            value_path.name.as_str(),
        )?;
        let quick = quick_test(&value_path.filter, self.parent);
        let compiled = match quick {
            Some(_) => None,
            None => Some(CompiledValueFilter::compile(&value_path.filter, self.parent).ok()?),
        };
        let matches = |element: &&Value| {
            element.as_object().is_some_and(|element| {
                match (&quick, &compiled) {
                    (Some((sub, text)), _) => match get_ci(element, sub) {
                        Some(Value::String(value)) if value.is_ascii() => {
                            value.eq_ignore_ascii_case(text)
                        }
                        // Beyond ASCII, the schema's own comparison decides.
                        Some(Value::String(_)) => {
                            CompiledValueFilter::compile(&value_path.filter, self.parent)
                                .is_ok_and(|filter| filter.matches(element))
                        }
                        _ => false,
                    },
                    (None, Some(filter)) => filter.matches(element),
                    (None, None) => false,
                }
            })
        };
        let element = match values {
            Value::Array(elements) => {
                let mut matching = elements.iter().filter(matches);
                let first = matching.next()?;
                if is_primary(first) {
                    first
                } else {
                    matching
                        .find(|element| is_primary(element))
                        .unwrap_or(first)
                }
            }
            single @ Value::Object(_) => Some(single).filter(matches)?,
            _ => return None,
        };
        match sub_attr {
            Some(sub_attr) => get_ci(element.as_object()?, sub_attr.as_str()),
            None => Some(element),
        }
    }

    /// The scalar a field of `kind` takes from `resource`: a string, number or boolean;
    /// for a reference, the `value` of a complex value, and never an empty string.
    fn scalar<'r>(&self, kind: FieldKind, resource: &'r Resource) -> Option<&'r Value> {
        let value = self.lookup(resource)?;
        let value = match (kind, value) {
            (FieldKind::Reference, Value::Object(reference)) => get_ci(reference, "value")?,
            _ => value,
        };
        match (kind, value) {
            (FieldKind::Reference, Value::String(id)) if id.is_empty() => None,
            (_, Value::String(_) | Value::Number(_) | Value::Bool(_)) => Some(value),
            _ => None,
        }
    }
}

/// The shape of the default mappings' filters, `type eq "work"`: an `eq` of an ASCII
/// text with a string sub-attribute of `parent` that ignores case. Such a test is
/// evaluated directly, as it runs on every write; any other filter is compiled.
fn quick_test<'f>(
    filter: &'f ValueFilter,
    parent: Option<&AttributeDef>,
) -> Option<(&'f str, &'f str)> {
    let Expr::Leaf(AttrExpr::Compare(path, CompareOp::Eq, CompValue::String(text))) = filter else {
        return None;
    };
    if path.urn.is_some() || path.sub_attr.is_some() || !text.is_ascii() {
        return None;
    }
    let sub = parent?.sub_attribute(path.name.as_str())?;
    (sub.kind == AttributeType::String && !sub.case_exact).then_some((path.name.as_str(), text))
}

/// Whether a multi-valued element is the `primary` one.
fn is_primary(element: &Value) -> bool {
    match element
        .as_object()
        .and_then(|element| get_ci(element, "primary"))
    {
        Some(Value::Bool(primary)) => *primary,
        Some(Value::String(primary)) => primary.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// A scalar as text: strings as they are, numbers and booleans as JSON prints them.
fn text(scalar: &Value) -> Option<String> {
    match scalar {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        Value::Bool(flag) => Some(flag.to_string()),
        _ => None,
    }
}

/// The definition of the top-level attribute `name` of the RFC 7643 User or
/// Enterprise User schema that `urn` names (no URN: the core User schema).
fn builtin_attribute(urn: Option<&SchemaUrn>, name: &AttrName) -> Option<&'static AttributeDef> {
    let schema = match urn {
        None => SchemaRegistry::user_schema(),
        Some(qualifier) if qualifier.matches(urn::USER) => SchemaRegistry::user_schema(),
        Some(qualifier) if qualifier.matches(urn::ENTERPRISE_USER) => {
            SchemaRegistry::enterprise_user_schema()
        }
        Some(_) => return None,
    };
    schema.attribute_def(name.as_str())
}

/// Whether `field` is a field name: 1 to 64 letters, digits, `_`, `-` or `.`.
fn is_field_name(field: &str) -> bool {
    (1..=64).contains(&field.len())
        && field
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.'))
}

/// Checks that `path` names a single text value of a user under `registry`, and parses
/// it.
fn check_path(registry: &SchemaRegistry, path: &str) -> Result<Target, MappingError> {
    let invalid = |reason: String| MappingError::InvalidPath {
        path: path.to_owned(),
        reason,
    };
    let not_text = || MappingError::NotText {
        path: path.to_owned(),
    };
    let parsed: PatchPath = path.parse().map_err(|err| invalid(format!("{err}")))?;
    let users = registry
        .resource_type("User")
        .ok_or_else(|| invalid("the schemas have no User resource type".to_owned()))?;
    let (resolved, value_path) = match &parsed {
        PatchPath::Attr(attr_path) => (registry.resolve(users, attr_path), None),
        PatchPath::Value(value_path, sub_attr) => (
            registry.resolve_parts(
                users,
                value_path.urn.as_ref(),
                &value_path.name,
                sub_attr.as_ref(),
            ),
            Some(value_path),
        ),
    };
    let resolved = resolved.ok_or_else(|| invalid("no such attribute".to_owned()))?;
    let target = resolved.target();
    if [resolved.attr, target].into_iter().any(is_write_only) {
        return Err(invalid(format!(
            "{:?} is write-only: it is never read back",
            target.name
        )));
    }
    match value_path {
        None if resolved.attr.multi_valued || target.is_complex() => Err(not_text()),
        None => Target::parse(path).ok_or_else(|| invalid("unparsable".to_owned())),
        Some(value_path) => {
            if resolved.sub_attr.is_none() || target.is_complex() || target.multi_valued {
                return Err(not_text());
            }
            check_filter(&value_path.filter, resolved.attr).map_err(invalid)?;
            CompiledValueFilter::compile(&value_path.filter, Some(resolved.attr))
                .map_err(|err| invalid(err.detail.clone().unwrap_or_else(|| err.to_string())))?;
            Target::parse(path).ok_or_else(|| invalid("unparsable".to_owned()))
        }
    }
}

/// Whether an attribute is write-only (`password`): mapping it would copy a secret
/// into the host's fields and the history.
fn is_write_only(attr: &AttributeDef) -> bool {
    attr.mutability == Mutability::WriteOnly || attr.returned == Returned::Never
}

/// Checks that every test of a value filter names a sub-attribute of `parent`.
fn check_filter(filter: &ValueFilter, parent: &AttributeDef) -> Result<(), String> {
    match filter {
        Expr::Leaf(test) => {
            let path = test.path();
            if path.urn.is_some() || path.sub_attr.is_some() {
                return Err(format!(
                    "the filter's {path} is not a sub-attribute of {}",
                    parent.name
                ));
            }
            match parent.sub_attribute(path.name.as_str()) {
                Some(_) => Ok(()),
                None => Err(format!(
                    "{} has no sub-attribute {:?}",
                    parent.name,
                    path.name.as_str()
                )),
            }
        }
        Expr::Not(inner) => check_filter(inner, parent),
        Expr::And(left, right) | Expr::Or(left, right) => {
            check_filter(left, parent)?;
            check_filter(right, parent)
        }
    }
}

/// A tenant's mappings, in order. Cheap to clone.
///
/// Each mapping's path is parsed once, when the table is built or deserialized (the
/// defaults once per process), not on every write. Serialized, the table is the JSON
/// array of its [`Mapping`]s; a stored path that does not parse deserializes, and its
/// field never has a value.
///
/// ```
/// use scimitar_policy::Mappings;
///
/// let mappings = Mappings::defaults();
/// assert_eq!(mappings.get("email").unwrap().path, r#"emails[type eq "work"].value"#);
/// ```
#[derive(Clone)]
pub struct Mappings(Arc<[Entry]>);

impl PartialEq for Mappings {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.iter().eq(other.iter())
    }
}

impl Eq for Mappings {}

impl fmt::Debug for Mappings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Mappings")
            .field(&self.iter().collect::<Vec<_>>())
            .finish()
    }
}

impl Serialize for Mappings {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

impl<'de> Deserialize<'de> for Mappings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mappings = Vec::<Mapping>::deserialize(deserializer)?;
        let defaults = Self::defaults();
        if defaults.iter().eq(mappings.iter()) {
            return Ok(defaults);
        }
        Ok(Self(mappings.into_iter().map(Entry::parse).collect()))
    }
}

impl Default for Mappings {
    fn default() -> Self {
        Self::defaults()
    }
}

impl Mappings {
    /// The default table: `userName` → `user_name` and `displayName` → `display_name`
    /// (read-only), `emails[type eq "work"].value` → `email`, `name.givenName` →
    /// `first_name`, `name.familyName` → `last_name`, work and mobile phones →
    /// `office_phone` and `mobile_phone`, the enterprise `manager` → `manager` (a
    /// reference), `title` → `job_title_text`.
    pub fn defaults() -> Self {
        Self(Arc::clone(&DEFAULTS))
    }

    /// Every mapping, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Mapping> {
        self.0.iter().map(|entry| &entry.mapping)
    }

    /// The mapping of `field`.
    pub fn get(&self, field: &str) -> Option<&Mapping> {
        self.iter().find(|mapping| mapping.field == field)
    }

    /// Adds a mapping of `path` to the new text field `field`. The path must name a
    /// single text value of a user under `registry` (a string attribute, or a
    /// sub-attribute of a filtered multi-valued one).
    ///
    /// - `field` must be 1 to 64 letters, digits, `_`, `-` or `.`
    ///   ([`MappingError::InvalidField`]) and not mapped yet
    ///   ([`MappingError::FieldTaken`]); names compare exactly.
    /// - `path` is a PATCH path (RFC 7644 §3.5.2): `title`, `name.givenName`,
    ///   `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber` or
    ///   `emails[type eq "home"].value`. It must resolve against the registry's `User`
    ///   resource type, its filter may test only sub-attributes of the filtered
    ///   attribute, and it may not name a write-only attribute such as `password`
    ///   ([`MappingError::InvalidPath`]).
    /// - It must end at one value that is not complex: a string, boolean, number,
    ///   `dateTime`, reference or binary attribute, all read as text. A complex
    ///   attribute, or a multi-valued one without a filter (`emails.value`), is
    ///   [`MappingError::NotText`].
    ///
    /// ```
    /// use scimitar_policy::{MappingError, Mappings};
    /// use scimitar_schema::SchemaRegistry;
    ///
    /// let registry = SchemaRegistry::core();
    /// let mut mappings = Mappings::defaults();
    /// mappings.add(&registry, r#"emails[type eq "home"].value"#, "home_email")?;
    /// assert_eq!(
    ///     mappings.add(&registry, "emails.value", "any_email"),
    ///     Err(MappingError::NotText { path: "emails.value".into() }),
    /// );
    /// # Ok::<(), MappingError>(())
    /// ```
    pub fn add(
        &mut self,
        registry: &SchemaRegistry,
        path: &str,
        field: &str,
    ) -> Result<(), MappingError> {
        if !is_field_name(field) {
            return Err(MappingError::InvalidField {
                field: field.to_owned(),
            });
        }
        if self.get(field).is_some() {
            return Err(MappingError::FieldTaken {
                field: field.to_owned(),
            });
        }
        let target = check_path(registry, path)?;
        let mut entries = Vec::with_capacity(self.0.len() + 1);
        entries.extend(self.0.iter().cloned());
        entries.push(Entry {
            mapping: Mapping::text(path, field),
            target: Some(target),
        });
        self.0 = entries.into();
        Ok(())
    }

    /// Removes the mapping of `field`, unless it is read-only.
    pub fn remove(&mut self, field: &str) -> Result<Mapping, MappingError> {
        let Some((index, entry)) = self
            .0
            .iter()
            .enumerate()
            .find(|(_, entry)| entry.mapping.field == field)
        else {
            return Err(MappingError::UnknownField {
                field: field.to_owned(),
            });
        };
        if entry.mapping.read_only {
            return Err(MappingError::ReadOnly {
                field: field.to_owned(),
            });
        }
        let removed = entry.mapping.clone();
        self.0 = self
            .0
            .iter()
            .enumerate()
            .filter(|(position, _)| *position != index)
            .map(|(_, entry)| entry.clone())
            .collect();
        Ok(removed)
    }

    /// Back to [`Mappings::defaults`]: custom mappings go, removed defaults return.
    pub fn restore(&mut self) {
        *self = Self::defaults();
    }

    /// The mapped fields whose values differ between `before` and `after` (`None`:
    /// the resource does not exist on that side), in table order, with their new
    /// values. A multi-valued path's value is the first match's, `primary` first.
    ///
    /// Values compare as the text [`Mappings::value`] reads, so on a create (`before`
    /// `None`) every field with a value is listed, and a field whose value goes is
    /// listed with `None`.
    pub fn fields(&self, before: Option<&Resource>, after: Option<&Resource>) -> Vec<FieldChange> {
        self.fields_of(before, after, None)
    }

    /// [`Mappings::fields`], reading only the mappings whose path starts at one of the
    /// attributes `touched` names (as [`changes_within`](crate::changes_within) takes
    /// them): the others are taken as unchanged.
    pub fn fields_within(
        &self,
        before: Option<&Resource>,
        after: Option<&Resource>,
        touched: &[String],
    ) -> Vec<FieldChange> {
        self.fields_of(before, after, Some(touched))
    }

    fn fields_of(
        &self,
        before: Option<&Resource>,
        after: Option<&Resource>,
        touched: Option<&[String]>,
    ) -> Vec<FieldChange> {
        let mut changes = Vec::new();
        for entry in self.0.iter() {
            let Some(target) = &entry.target else {
                continue;
            };
            if touched.is_some_and(|touched| !target.starts_at_one_of(touched)) {
                continue;
            }
            let kind = entry.mapping.kind;
            let old = before.and_then(|resource| target.scalar(kind, resource));
            let new = after.and_then(|resource| target.scalar(kind, resource));
            if old == new {
                continue;
            }
            let new = new.and_then(text);
            if old.and_then(text) != new {
                changes.push(FieldChange::new(entry.mapping.field.clone(), new));
            }
        }
        changes
    }

    /// The value of `mapping`'s field in `resource`, as text.
    ///
    /// A plain path gives the attribute's value. A value path picks, among the
    /// elements its filter matches, the one with `primary: true`, else the first, and
    /// gives its sub-attribute. A [`FieldKind::Reference`] reads the `value` of a
    /// complex attribute (`manager`), and an empty reference is none. Strings are
    /// given as they are, numbers and booleans as JSON prints them; `None` when the
    /// value is absent, `null`, an object or an array, or the path does not parse.
    ///
    /// ```
    /// use scimitar_policy::Mappings;
    /// use scimitar_schema::Resource;
    /// use serde_json::json;
    ///
    /// let user = Resource::from_value(json!({
    ///     "userName": "bjensen",
    ///     "emails": [
    ///         {"value": "babs@example.org", "type": "work"},
    ///         {"value": "bjensen@example.com", "type": "work", "primary": true},
    ///     ],
    /// }))?;
    /// let mappings = Mappings::defaults();
    /// let email = mappings.get("email").unwrap();
    /// assert_eq!(Mappings::value(email, &user).as_deref(), Some("bjensen@example.com"));
    /// # Ok::<(), scimitar_schema::ScimError>(())
    /// ```
    pub fn value(mapping: &Mapping, resource: &Resource) -> Option<String> {
        let cached = DEFAULTS
            .iter()
            .find(|entry| entry.mapping.path == mapping.path);
        let scalar = match cached {
            Some(entry) => entry.target.as_ref()?.scalar(mapping.kind, resource),
            None => Target::parse(&mapping.path)?.scalar(mapping.kind, resource),
        };
        scalar.and_then(text)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn user(value: Value) -> Resource {
        Resource::from_value(value).expect("a JSON object")
    }

    fn registry() -> SchemaRegistry {
        SchemaRegistry::core()
    }

    fn added(path: &str) -> Result<Mappings, MappingError> {
        let mut mappings = Mappings::defaults();
        mappings.add(&registry(), path, "custom")?;
        Ok(mappings)
    }

    fn invalid_reason(path: &str) -> String {
        match added(path) {
            Err(MappingError::InvalidPath {
                path: given,
                reason,
            }) => {
                assert_eq!(given, path);
                reason
            }
            other => panic!("{path}: {other:?}"),
        }
    }

    fn not_text(path: &str) {
        assert_eq!(
            added(path).err(),
            Some(MappingError::NotText {
                path: path.to_owned()
            }),
            "{path}"
        );
    }

    #[test]
    fn every_default_path_parses() {
        for entry in DEFAULTS.iter() {
            let target = entry.target.as_ref().expect("a default path parses");
            if let PatchPath::Value(..) = target.path {
                assert!(target.parent.is_some(), "{}", entry.mapping.path);
            }
            // And each would be accepted by `add`, were it not mapped already.
            let mut empty = Mappings(Arc::from(Vec::new()));
            let result = empty.add(&registry(), &entry.mapping.path, &entry.mapping.field);
            match entry.mapping.kind {
                FieldKind::Text => assert_eq!(result, Ok(()), "{}", entry.mapping.path),
                FieldKind::Reference => assert!(
                    matches!(result, Err(MappingError::NotText { .. })),
                    "the manager is complex: only a reference reads it"
                ),
            }
        }
    }

    #[test]
    fn field_names() {
        for field in [
            "a",
            "job.title",
            "cost-center",
            "x_1",
            "A9",
            &"f".repeat(64),
        ] {
            assert!(is_field_name(field), "{field}");
        }
        for field in [
            "",
            "with space",
            "ünïcode",
            "a/b",
            "a:b",
            "{x}",
            &"f".repeat(65),
        ] {
            assert!(!is_field_name(field), "{field}");
            let mut mappings = Mappings::defaults();
            assert_eq!(
                mappings.add(&registry(), "title", field),
                Err(MappingError::InvalidField {
                    field: field.to_owned()
                })
            );
        }
    }

    #[test]
    fn a_field_is_mapped_once() {
        let mut mappings = Mappings::defaults();
        assert_eq!(
            mappings.add(&registry(), "nickName", "email"),
            Err(MappingError::FieldTaken {
                field: "email".into()
            })
        );
        mappings
            .add(&registry(), "nickName", "nick")
            .expect("new field");
        assert_eq!(
            mappings.add(&registry(), "nickName", "nick"),
            Err(MappingError::FieldTaken {
                field: "nick".into()
            })
        );
        // Field names compare exactly.
        mappings
            .add(&registry(), "nickName", "Nick")
            .expect("another field");
    }

    #[test]
    fn the_field_is_checked_before_the_path() {
        let mut mappings = Mappings::defaults();
        assert!(matches!(
            mappings.add(&registry(), "no such thing", ""),
            Err(MappingError::InvalidField { .. })
        ));
        assert!(matches!(
            mappings.add(&registry(), "no such thing", "email"),
            Err(MappingError::FieldTaken { .. })
        ));
    }

    #[test]
    fn invalid_paths() {
        assert!(invalid_reason("").contains("expected"));
        assert!(invalid_reason("emails[type eq").contains("expected"));
        assert!(invalid_reason("1title").contains("expected"));
        assert_eq!(invalid_reason("nickname.first"), "no such attribute");
        assert_eq!(invalid_reason("costCentre"), "no such attribute");
        assert_eq!(invalid_reason("name.nickName"), "no such attribute");
        assert_eq!(
            invalid_reason(r#"emails[type eq "work"].label"#),
            "no such attribute"
        );
        assert_eq!(
            invalid_reason("urn:ietf:params:scim:schemas:core:2.0:Group:displayName"),
            "no such attribute"
        );
        assert_eq!(
            invalid_reason(r#"emails[kind eq "work"].value"#),
            "emails has no sub-attribute \"kind\""
        );
        assert!(
            invalid_reason(r#"emails[type.x eq "work"].value"#).contains("not a sub-attribute")
        );
        assert!(invalid_reason("emails[primary gt true].value").contains("boolean"));
        assert!(invalid_reason("password").contains("write-only"));
        assert!(invalid_reason("PASSWORD").contains("write-only"));
    }

    #[test]
    fn a_registry_without_users_has_no_paths() {
        let mut mappings = Mappings::defaults();
        assert_eq!(
            mappings.add(&SchemaRegistry::empty(), "title", "t"),
            Err(MappingError::InvalidPath {
                path: "title".into(),
                reason: "the schemas have no User resource type".into(),
            })
        );
    }

    #[test]
    fn paths_that_are_not_text() {
        for path in [
            "name",
            "emails",
            "emails.value",
            "schemas",
            "meta",
            "groups.display",
            r#"emails[type eq "work"]"#,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            "manager",
        ] {
            not_text(path);
        }
    }

    #[test]
    fn text_paths_of_every_type() {
        for path in [
            "title",
            "active",
            "profileUrl",
            "id",
            "externalId",
            "meta.created",
            "NAME.GIVENNAME",
            "urn:ietf:params:scim:schemas:core:2.0:User:nickName",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            "costCenter",
            r#"x509Certificates[primary eq true].value"#,
            r#"photos[type eq "thumbnail"].value"#,
            r#"addresses[type eq "work" and not (primary eq false)].locality"#,
            r#"emails[type eq "work" or display pr].value"#,
            r#"name[givenName eq "Babs"].familyName"#,
        ] {
            let mappings = added(path).unwrap_or_else(|err| panic!("{path}: {err}"));
            let mapping = mappings.get("custom").expect("added");
            assert_eq!(mapping, &Mapping::text(path, "custom"));
            assert_eq!(mappings.iter().count(), DEFAULTS.len() + 1);
        }
    }

    #[test]
    fn extension_attributes_of_the_registry() {
        let mut registry = registry();
        let acme = "urn:example:params:scim:schemas:extension:acme:2.0:User";
        registry
            .add_extension(
                "User",
                scimitar_schema::Schema::new(acme)
                    .attribute(scimitar_schema::AttributeDef::new(
                        "badge",
                        scimitar_schema::AttributeType::Integer,
                    ))
                    .attribute(
                        scimitar_schema::AttributeDef::new(
                            "tags",
                            scimitar_schema::AttributeType::String,
                        )
                        .multi_valued(true),
                    ),
                false,
            )
            .expect("registered");
        let mut mappings = Mappings::defaults();
        let badge = format!("{acme}:badge");
        mappings
            .add(&registry, &badge, "badge")
            .expect("an integer is text");
        assert_eq!(
            mappings.add(&registry, &format!("{acme}:tags"), "tags"),
            Err(MappingError::NotText {
                path: format!("{acme}:tags")
            })
        );
        let user = user(json!({ acme: {"badge": 1701} }));
        let mapping = mappings.get("badge").expect("added");
        assert_eq!(Mappings::value(mapping, &user).as_deref(), Some("1701"));
        assert_eq!(
            mappings.fields(None, Some(&user)),
            [FieldChange::new("badge", Some("1701".into()))]
        );
    }

    #[test]
    fn remove_and_restore() {
        let mut mappings = Mappings::defaults();
        assert_eq!(
            mappings.remove("user_name"),
            Err(MappingError::ReadOnly {
                field: "user_name".into()
            })
        );
        assert_eq!(
            mappings.remove("nope"),
            Err(MappingError::UnknownField {
                field: "nope".into()
            })
        );
        let removed = mappings.remove("email").expect("removable");
        assert_eq!(
            removed,
            Mapping::text(r#"emails[type eq "work"].value"#, "email")
        );
        assert_eq!(mappings.get("email"), None);
        assert_eq!(
            mappings.remove("email"),
            Err(MappingError::UnknownField {
                field: "email".into()
            })
        );
        let manager = mappings.remove("manager").expect("removable");
        assert_eq!(manager.kind, FieldKind::Reference);
        assert_eq!(mappings.iter().count(), DEFAULTS.len() - 2);
        assert_ne!(mappings, Mappings::defaults());
        mappings.restore();
        assert_eq!(mappings, Mappings::defaults());
    }

    #[test]
    fn serde_is_the_array_of_mappings() {
        let mut mappings = Mappings::defaults();
        mappings
            .add(&registry(), "nickName", "nick")
            .expect("added");
        let json = serde_json::to_value(&mappings).expect("serializes");
        let last = json.as_array().and_then(|all| all.last()).cloned();
        assert_eq!(
            last,
            Some(json!({"path": "nickName", "field": "nick", "read_only": false, "kind": "text"}))
        );
        let back: Mappings = serde_json::from_value(json).expect("deserializes");
        assert_eq!(back, mappings);
        let user = user(json!({"nickName": "Babs"}));
        assert_eq!(
            back.fields(None, Some(&user)),
            [FieldChange::new("nick", Some("Babs".into()))]
        );

        let defaults: Mappings = serde_json::from_str(
            &serde_json::to_string(&Mappings::defaults()).expect("serializes"),
        )
        .expect("deserializes");
        assert!(Arc::ptr_eq(&defaults.0, &Mappings::defaults().0));
    }

    #[test]
    fn a_stored_path_that_does_not_parse_has_no_value() {
        let stored =
            json!([{"path": "emails[", "field": "broken", "read_only": false, "kind": "text"}]);
        let mappings: Mappings = serde_json::from_value(stored.clone()).expect("deserializes");
        assert_eq!(serde_json::to_value(&mappings).expect("serializes"), stored);
        let user = user(json!({"emails": [{"value": "a@x"}]}));
        assert!(mappings.fields(None, Some(&user)).is_empty());
        let broken = mappings.get("broken").expect("kept");
        assert_eq!(Mappings::value(broken, &user), None);
    }

    #[test]
    fn equality_and_debug_ignore_the_parsed_paths() {
        let mut one = Mappings::defaults();
        one.add(&registry(), "title", "t").expect("added");
        let two: Mappings =
            serde_json::from_value(serde_json::to_value(&one).expect("serializes")).expect("back");
        assert_eq!(one, two);
        assert!(format!("{one:?}").starts_with("Mappings([Mapping {"));
        assert!(!format!("{one:?}").contains("target"));
    }

    fn email() -> Mapping {
        Mapping::text(r#"emails[type eq "work"].value"#, "email")
    }

    #[test]
    fn the_primary_match_wins_else_the_first() {
        let primary = user(json!({"emails": [
            {"value": "home@x", "type": "home", "primary": true},
            {"value": "first@x", "type": "work"},
            {"value": "primary@x", "type": "Work", "primary": true},
        ]}));
        assert_eq!(
            Mappings::value(&email(), &primary).as_deref(),
            Some("primary@x")
        );
        let first = user(json!({"emails": [
            {"value": "home@x", "type": "home", "primary": true},
            {"value": "first@x", "type": "WORK", "primary": false},
            {"value": "second@x", "type": "work"},
        ]}));
        assert_eq!(
            Mappings::value(&email(), &first).as_deref(),
            Some("first@x")
        );
        let lenient = user(json!({"Emails": [
            {"value": "first@x", "type": "work"},
            {"VALUE": "second@x", "TYPE": "work", "Primary": "True"},
        ]}));
        assert_eq!(
            Mappings::value(&email(), &lenient).as_deref(),
            Some("second@x")
        );
    }

    #[test]
    fn no_value_when_nothing_matches() {
        for value in [
            json!({}),
            json!({"emails": []}),
            json!({"emails": [{"value": "home@x", "type": "home"}]}),
            json!({"emails": [{"type": "work"}]}),
            json!({"emails": [{"type": "work", "value": null}]}),
            json!({"emails": [{"type": "work", "value": ["a@x"]}]}),
            json!({"emails": ["work"]}),
            json!({"emails": "a@x"}),
        ] {
            assert_eq!(
                Mappings::value(&email(), &user(value.clone())),
                None,
                "{value}"
            );
        }
    }

    #[test]
    fn a_singular_value_is_filtered_too() {
        let mapping = Mapping::text(r#"name[givenName eq "babs"].familyName"#, "x");
        let babs = user(json!({"name": {"givenName": "Babs", "familyName": "Jensen"}}));
        assert_eq!(Mappings::value(&mapping, &babs).as_deref(), Some("Jensen"));
        let other = user(json!({"name": {"givenName": "Kim", "familyName": "Jensen"}}));
        assert_eq!(Mappings::value(&mapping, &other), None);
    }

    #[test]
    fn scalars_become_text() {
        let resource = user(json!({
            "title": "Guide", "active": false, "nickName": 12.5, "locale": "",
            "timezone": null, "userType": {"value": "x"}, "name": {"givenName": "B"},
        }));
        let value = |path: &str| Mappings::value(&Mapping::text(path, "f"), &resource);
        assert_eq!(value("title").as_deref(), Some("Guide"));
        assert_eq!(value("ACTIVE").as_deref(), Some("false"));
        assert_eq!(value("nickName").as_deref(), Some("12.5"));
        assert_eq!(value("locale").as_deref(), Some(""));
        assert_eq!(value("timezone"), None);
        assert_eq!(value("userType"), None);
        assert_eq!(value("name"), None);
        assert_eq!(value("name.givenName").as_deref(), Some("B"));
        assert_eq!(value("missing"), None);
        assert_eq!(value("not a path"), None);
    }

    #[test]
    fn references_read_the_value() {
        let manager = Mappings::defaults()
            .get("manager")
            .cloned()
            .expect("default");
        let read = |extension: Value| {
            Mappings::value(&manager, &user(json!({ urn::ENTERPRISE_USER: extension })))
        };
        assert_eq!(
            read(json!({"manager": {"value": "m-1"}})).as_deref(),
            Some("m-1")
        );
        assert_eq!(read(json!({"manager": "m-2"})).as_deref(), Some("m-2"));
        assert_eq!(read(json!({"manager": {"value": ""}})), None);
        assert_eq!(read(json!({"manager": ""})), None);
        assert_eq!(read(json!({"manager": {"displayName": "Boss"}})), None);
        assert_eq!(read(json!({})), None);
        // A text mapping of the same path does not read into the object.
        let text = Mapping::text(manager.path.clone(), "m");
        assert_eq!(
            Mappings::value(
                &text,
                &user(json!({ urn::ENTERPRISE_USER: {"manager": {"value": "m-1"}} }))
            ),
            None
        );
    }

    #[test]
    fn fields_report_what_changed() {
        let mappings = Mappings::defaults();
        let before = user(json!({
            "userName": "bjensen", "title": "Guide", "name": {"givenName": "Barbara"},
            "phoneNumbers": [{"value": "555-1", "type": "work"}],
        }));
        let after = user(json!({
            "userName": "bjensen", "title": "Tour Guide", "name": {"givenName": "Barbara"},
            "phoneNumbers": [{"value": "555-1", "type": "work"}, {"value": "555-2", "type": "mobile"}],
        }));
        assert_eq!(
            mappings.fields(Some(&before), Some(&after)),
            [
                FieldChange::new("mobile_phone", Some("555-2".into())),
                FieldChange::new("job_title_text", Some("Tour Guide".into())),
            ]
        );
        assert_eq!(
            mappings.fields(Some(&after), Some(&before)),
            [
                FieldChange::new("mobile_phone", None),
                FieldChange::new("job_title_text", Some("Guide".into())),
            ]
        );
        assert!(mappings.fields(Some(&after), Some(&after)).is_empty());
        assert!(mappings.fields(None, None).is_empty());
        assert_eq!(
            mappings.fields(Some(&before), None),
            [
                FieldChange::new("user_name", None),
                FieldChange::new("first_name", None),
                FieldChange::new("office_phone", None),
                FieldChange::new("job_title_text", None),
            ]
        );
    }

    #[test]
    fn fields_compare_the_text() {
        let mappings = Mappings::defaults();
        let before = user(json!({"title": "true"}));
        let after = user(json!({"title": true}));
        assert!(mappings.fields(Some(&before), Some(&after)).is_empty());
    }

    #[test]
    fn the_quick_test_of_type_eq_agrees_with_the_compiled_filter() {
        let resource = user(json!({"emails": [
            {"type": "Home", "value": "h@example.com"},
            {"type": "WORK", "value": "w@example.com"},
            {"type": "Wörk", "value": "u@example.com"},
        ]}));
        let value = |path: &str| Mappings::value(&Mapping::text(path, "f"), &resource);
        assert_eq!(
            value(r#"emails[type eq "work"].value"#).as_deref(),
            Some("w@example.com")
        );
        assert_eq!(
            value(r#"emails[type eq "home"].value"#).as_deref(),
            Some("h@example.com")
        );
        // Beyond ASCII the compiled filter compares, whatever it decides.
        let compiled = {
            let path: PatchPath = r#"emails[type eq "wÖrk"].value"#.parse().expect("a path");
            let PatchPath::Value(value_path, _) = &path else {
                panic!("a value path")
            };
            let parent = builtin_attribute(None, &value_path.name);
            let filter =
                CompiledValueFilter::compile(&value_path.filter, parent).expect("compiles");
            let element = json!({"type": "Wörk"});
            filter.matches(element.as_object().expect("an object"))
        };
        assert_eq!(
            value(r#"emails[type eq "wÖrk"].value"#).is_some(),
            compiled,
            "the quick test and the filter agree"
        );
        // Filters of other shapes are compiled.
        assert_eq!(
            value(r#"emails[type eq "work" or type eq "home"].value"#).as_deref(),
            Some("h@example.com")
        );
    }
}
