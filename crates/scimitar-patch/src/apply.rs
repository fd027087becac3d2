//! Applying operations to a resource, all or nothing.

use serde_json::{Map, Value};

use scimitar_filter::{
    AttrExpr, AttrName, AttrPath, CompValue, CompareOp, Expr, ParseOptions, PatchPath, SchemaUrn,
    ValueFilter, ValuePath,
};
use scimitar_schema::__private::json::{get_ci, json_kind, key_ci};
use scimitar_schema::{
    AttrLocation, AttributeDef, AttributeValidator, CompiledValueFilter, Mutability, Resource,
    ResourceType, SchemaRegistry, ScimError,
};

use crate::compat::Compat;
use crate::message::{OpKind, PatchOperation};
use crate::multi::{
    append_new, identity_case_exact, is_primary, keep_one_primary, positions_of_listed,
    remove_positions, restore_positions,
};

/// What a successful PATCH did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PatchOutcome {
    /// The attributes whose values changed, by name (URN-qualified for extension
    /// attributes): top-level attributes in the order first touched, each extension's
    /// attributes where that extension was first touched. Empty when the request changed nothing,
    /// so the caller can skip the write and keep the resource's version.
    pub changed_attributes: Vec<String>,
    /// What the compatibility profile let through (ignored unknown attributes and the
    /// like), for the host's log.
    pub warnings: Vec<String>,
}

impl PatchOutcome {
    /// Whether anything changed.
    pub fn changed(&self) -> bool {
        !self.changed_attributes.is_empty()
    }
}

/// Applies `operations` to `resource` (of `resource_type`), in order and atomically: on
/// success the resource holds every change, on error it is exactly as before.
///
/// Follows RFC 7644 §3.5.2 with the schemas' characteristics: read-only attributes
/// cannot be written (`mutability`), immutable ones only while unassigned, required ones
/// cannot be removed (`invalidValue`), values are type-checked (`invalidValue`),
/// paths must name known attributes (`invalidPath`) and a value filter that matches
/// nothing fails `add` and `replace` (`noTarget`). `compat` switches on the identity
/// providers' deviations.
///
/// ```
/// use scimitar_patch::{apply, Compat, PatchRequest};
/// use scimitar_schema::{Resource, SchemaRegistry};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::core();
/// let groups = registry.resource_type("Group").unwrap();
/// let mut group = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
///     "id": "g1",
///     "displayName": "Tour Guides",
///     "members": [{"value": "u1"}, {"value": "u2"}, {"value": "u3"}],
/// }))?;
/// // Entra ID removes members by listing them; only those are removed.
/// let request = PatchRequest::from_value(&json!({
///     "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
///     "Operations": [{"op": "Remove", "path": "members", "value": [{"value": "u2"}]}],
/// }), &Compat::ENTRA)?;
/// let outcome = apply(&mut group, request.operations, &registry, groups, &Compat::ENTRA)?;
/// assert_eq!(outcome.changed_attributes, ["members"]);
/// assert_eq!(group.get_attr("members"), Some(&json!([{"value": "u1"}, {"value": "u3"}])));
/// # Ok::<(), scimitar_schema::ScimError>(())
/// ```
pub fn apply(
    resource: &mut Resource,
    operations: impl IntoIterator<Item = PatchOperation>,
    registry: &SchemaRegistry,
    resource_type: &ResourceType,
    compat: &Compat,
) -> Result<PatchOutcome, ScimError> {
    let mut applier = Applier {
        resource,
        registry,
        resource_type,
        compat,
        undo: Vec::new(),
        changed_in_place: Vec::new(),
        validator: AttributeValidator::new(compat.coerce_values),
        warnings: Vec::new(),
    };
    for (index, operation) in operations.into_iter().enumerate() {
        if let Err(error) = applier.operation(operation) {
            applier.roll_back();
            return Err(in_operation(index + 1, error));
        }
    }
    Ok(applier.finish())
}

/// Prefixes an error's detail with the operation's number.
fn in_operation(number: usize, mut error: ScimError) -> ScimError {
    error.detail = Some(match error.detail.take() {
        Some(detail) => format!("operation {number}: {detail}"),
        None => format!("operation {number} failed"),
    });
    error
}

/// A resolved attribute: where it lives, its definition and the sub-attribute's.
struct Slot<'r> {
    location: AttrLocation<'r>,
    def: &'r AttributeDef,
    sub: Option<&'r AttributeDef>,
    /// The qualified name, for error details.
    name: String,
}

impl Slot<'_> {
    fn target(&self) -> &AttributeDef {
        self.sub.unwrap_or(self.def)
    }
}

/// Arrays at least this long are changed in place with a fine-grained undo record
/// instead of a copy: membership changes in large groups stay linear in the members
/// involved plus one pass.
const LARGE_ARRAY: usize = 1024;

/// One entry of the undo log, undone in reverse order.
enum Undo {
    /// A top-level value before its first change in the request.
    Value { key: String, before: Option<Value> },
    /// Values appended to the large array at top-level `key`, which had `len` values.
    Appended { key: String, len: usize },
    /// Values removed from the large array at top-level `key`, with their positions.
    Removed {
        key: String,
        removed: Vec<(usize, Value)>,
    },
}

struct Applier<'a> {
    resource: &'a mut Resource,
    registry: &'a SchemaRegistry,
    resource_type: &'a ResourceType,
    compat: &'a Compat,
    /// How to undo what the request did so far.
    undo: Vec<Undo>,
    /// Top-level keys of large arrays changed in place (their undo is fine-grained, so
    /// the change is recorded when made).
    changed_in_place: Vec<String>,
    validator: AttributeValidator,
    warnings: Vec<String>,
}

impl<'a> Applier<'a> {
    fn operation(&mut self, operation: PatchOperation) -> Result<(), ScimError> {
        let PatchOperation { op, path, value } = operation;
        match path {
            None if op == OpKind::Remove => Err(ScimError::no_target("'remove' needs a path")),
            None => self.resource_value(op, value.unwrap_or(Value::Null)),
            Some(PatchPath::Attr(path)) => self.attribute(op, &path, value, false),
            Some(PatchPath::Value(path, sub_attr)) => {
                self.filtered(op, &path, sub_attr.as_ref(), value)
            }
        }
    }

    // --- Resolution -------------------------------------------------------------------

    /// The extension of this resource type whose id is `id`.
    fn extension_named(&self, id: &str) -> Option<&'a str> {
        let registry: &'a SchemaRegistry = self.registry;
        registry
            .extensions(self.resource_type)
            .find(|(schema, _)| schema.is(id))
            .map(|(schema, _)| schema.id.as_str())
    }

    /// Resolves an attribute (and sub-attribute). Unknown ones fail with `invalidPath`,
    /// or are skipped with a warning under [`Compat::ignore_unknown_attributes`].
    fn resolve(
        &mut self,
        urn: Option<&SchemaUrn>,
        name: &AttrName,
        sub: Option<&AttrName>,
    ) -> Result<Option<Slot<'a>>, ScimError> {
        let registry: &'a SchemaRegistry = self.registry;
        let known = registry.top_level(
            self.resource_type,
            urn.map(SchemaUrn::as_str),
            name.as_str(),
        );
        let Some((location, def)) = known else {
            let qualified = match urn {
                Some(urn) => format!("{urn}:{name}"),
                None => name.to_string(),
            };
            return self.unknown(&qualified).map(|()| None);
        };
        if def.name == "schemas" {
            return Err(ScimError::mutability(
                "'schemas' follows from the attributes present and cannot be patched",
            ));
        }
        let name = match location {
            AttrLocation::Core => def.name.clone(),
            AttrLocation::Extension(urn) => format!("{urn}:{}", def.name),
        };
        let sub = match sub {
            None => None,
            Some(sub_name) => match def.sub_attribute(sub_name.as_str()) {
                Some(sub) => Some(sub),
                None => return self.unknown(&format!("{name}.{sub_name}")).map(|()| None),
            },
        };
        let name = match sub {
            Some(sub) => format!("{name}.{}", sub.name),
            None => name,
        };
        Ok(Some(Slot {
            location,
            def,
            sub,
            name,
        }))
    }

    fn unknown(&mut self, name: &str) -> Result<(), ScimError> {
        if self.compat.ignore_unknown_attributes {
            self.warnings
                .push(format!("ignored unknown attribute '{name}'"));
            Ok(())
        } else {
            Err(ScimError::invalid_path(format!(
                "unknown attribute '{name}'"
            )))
        }
    }

    // --- Reading and writing, with the undo log ---------------------------------------

    /// The object that holds `location`'s attributes, if present.
    fn container(&self, location: AttrLocation<'_>) -> Option<&Map<String, Value>> {
        match location {
            AttrLocation::Core => Some(self.resource.as_map()),
            AttrLocation::Extension(urn) => get_ci(self.resource.as_map(), urn)?.as_object(),
        }
    }

    /// The current value of a slot's attribute (not sub-attribute).
    fn current(&self, slot: &Slot<'_>) -> Option<&Value> {
        get_ci(self.container(slot.location)?, &slot.def.name).filter(|value| !value.is_null())
    }

    /// Records a top-level key's value before its first change.
    fn save(&mut self, key: &str) {
        if !self.saved_keys().any(|saved| saved == key) {
            let before = self.resource.as_map().get(key).cloned();
            self.undo.push(Undo::Value {
                key: key.to_owned(),
                before,
            });
        }
    }

    /// The top-level keys whose values were saved whole.
    fn saved_keys(&self) -> impl Iterator<Item = &String> {
        self.undo.iter().filter_map(|entry| match entry {
            Undo::Value { key, .. } => Some(key),
            _ => None,
        })
    }

    /// The top-level key of `slot`'s attribute when it is a large core array, which is
    /// then changed in place rather than copied.
    fn large_array_key(&self, slot: &Slot<'_>) -> Option<String> {
        if slot.location != AttrLocation::Core || !slot.def.multi_valued {
            return None;
        }
        let (key, value) =
            scimitar_schema::__private::json::entry_ci(self.resource.as_map(), &slot.def.name)?;
        value
            .as_array()
            .filter(|values| values.len() >= LARGE_ARRAY)
            .map(|_| key.clone())
    }

    /// The large array at top-level `key`.
    fn array_mut(&mut self, key: &str) -> Option<&mut Vec<Value>> {
        self.resource
            .as_map_mut()
            .get_mut(key)
            .and_then(Value::as_array_mut)
    }

    /// Appends to a large array in place, logging how to undo it.
    fn append_in_place(&mut self, key: String, elements: Vec<Value>, case_exact: bool) {
        let Some(values) = self.array_mut(&key) else {
            return;
        };
        let len = values.len();
        if append_new(values, elements, case_exact) > 0 {
            self.undo.push(Undo::Appended {
                key: key.clone(),
                len,
            });
            self.changed_in_place.push(key);
        }
    }

    /// Removes positions from a large array in place, logging how to undo it.
    fn remove_in_place(&mut self, key: String, positions: &[usize]) {
        let Some(values) = self.array_mut(&key) else {
            return;
        };
        let removed = remove_positions(values, positions);
        let emptied = values.is_empty();
        if !removed.is_empty() {
            if emptied {
                self.resource.as_map_mut().remove(&key);
            }
            self.undo.push(Undo::Removed {
                key: key.clone(),
                removed,
            });
            self.changed_in_place.push(key);
        }
    }

    /// The container of `slot` and the key of its attribute there, ready to change: the
    /// value is saved first, and a missing extension object is created and listed in
    /// `schemas`.
    fn edit(&mut self, slot: &Slot<'_>) -> (&mut Map<String, Value>, String) {
        let top_key = match slot.location {
            AttrLocation::Core => key_ci(self.resource.as_map(), &slot.def.name)
                .unwrap_or_else(|| slot.def.name.clone()),
            AttrLocation::Extension(urn) => {
                key_ci(self.resource.as_map(), urn).unwrap_or_else(|| urn.to_owned())
            }
        };
        self.save(&top_key);
        let container = match slot.location {
            AttrLocation::Core => self.resource.as_map_mut(),
            AttrLocation::Extension(urn) => {
                if !self.resource.has_schema(urn) {
                    let schemas_key = key_ci(self.resource.as_map(), "schemas")
                        .unwrap_or_else(|| "schemas".to_owned());
                    self.save(&schemas_key);
                    self.resource.add_schema(urn);
                }
                let extension = self
                    .resource
                    .as_map_mut()
                    .entry(top_key)
                    .or_insert_with(|| Value::Object(Map::new()));
                if !extension.is_object() {
                    *extension = Value::Object(Map::new());
                }
                match extension {
                    Value::Object(object) => object,
                    _ => unreachable!("made an object above"),
                }
            }
        };
        let key = key_ci(container, &slot.def.name).unwrap_or_else(|| slot.def.name.clone());
        (container, key)
    }

    fn roll_back(&mut self) {
        let map = self.resource.as_map_mut();
        for entry in self.undo.drain(..).rev() {
            match entry {
                Undo::Value {
                    key,
                    before: Some(value),
                } => {
                    map.insert(key, value);
                }
                Undo::Value { key, before: None } => {
                    map.remove(&key);
                }
                Undo::Appended { key, len } => {
                    if let Some(values) = map.get_mut(&key).and_then(Value::as_array_mut) {
                        values.truncate(len);
                    }
                }
                Undo::Removed { key, removed } => {
                    let values = map.entry(key).or_insert_with(|| Value::Array(Vec::new()));
                    if let Some(values) = values.as_array_mut() {
                        restore_positions(values, removed);
                    }
                }
            }
        }
    }

    fn finish(mut self) -> PatchOutcome {
        self.drop_empty_extensions();
        let map = self.resource.as_map();
        let mut changed_attributes = Vec::new();
        let saved = self.undo.iter().filter_map(|entry| match entry {
            Undo::Value { key, before } => Some((key, before)),
            _ => None,
        });
        for (key, before) in saved {
            let after = map.get(key);
            if after == before.as_ref() || key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            match self.extension_named(key) {
                Some(urn) => {
                    let empty = Map::new();
                    let before = before.as_ref().and_then(Value::as_object).unwrap_or(&empty);
                    let after = after.and_then(Value::as_object).unwrap_or(&empty);
                    let names = before
                        .keys()
                        .chain(after.keys().filter(|name| !before.contains_key(*name)));
                    for name in names {
                        if before.get(name) != after.get(name) {
                            changed_attributes.push(format!("{urn}:{name}"));
                        }
                    }
                }
                None => changed_attributes.push(key.clone()),
            }
        }
        for key in self.changed_in_place {
            if !changed_attributes.contains(&key) {
                changed_attributes.push(key);
            }
        }
        // A request that only listed or unlisted an extension in `schemas` changed it.
        let schemas_changed = self.undo.iter().any(|entry| {
            matches!(entry, Undo::Value { key, before } if key.eq_ignore_ascii_case("schemas") && map.get(key) != before.as_ref())
        });
        if changed_attributes.is_empty() && schemas_changed {
            changed_attributes.push("schemas".to_owned());
        }
        let mut warnings = self.warnings;
        warnings.extend(self.validator.into_warnings());
        PatchOutcome {
            changed_attributes,
            warnings,
        }
    }

    /// Extension objects emptied by the request are removed, with their `schemas` entry.
    fn drop_empty_extensions(&mut self) {
        let emptied: Vec<String> = self
            .saved_keys()
            .filter(|key| self.extension_named(key).is_some())
            .filter(|key| {
                self.resource
                    .as_map()
                    .get(key.as_str())
                    .and_then(Value::as_object)
                    .is_some_and(Map::is_empty)
            })
            .cloned()
            .collect();
        for key in emptied {
            self.resource.as_map_mut().remove(&key);
            let schemas_key =
                key_ci(self.resource.as_map(), "schemas").unwrap_or_else(|| "schemas".to_owned());
            self.save(&schemas_key);
            if let Some(Value::Array(schemas)) = self.resource.as_map_mut().get_mut(&schemas_key) {
                schemas.retain(|schema| {
                    !schema
                        .as_str()
                        .is_some_and(|schema| schema.eq_ignore_ascii_case(&key))
                });
            }
        }
    }

    // --- Values -----------------------------------------------------------------------

    /// The identity providers' shapes of complex values, when the profile allows them.
    fn reshape(&self, def: &AttributeDef, value: Value) -> Value {
        if !def.is_complex() || def.sub_attribute("value").is_none() {
            return value;
        }
        let id_object = |value: Value| match value {
            Value::String(id) => {
                Value::Object(Map::from_iter([("value".to_owned(), Value::String(id))]))
            }
            other => other,
        };
        match value {
            Value::Array(mut items)
                if !def.multi_valued && self.compat.manager_shapes && items.len() == 1 =>
            {
                id_object(items.remove(0))
            }
            Value::String(_) if !def.multi_valued && self.compat.manager_shapes => id_object(value),
            Value::String(_) if def.multi_valued && self.compat.bare_member_ids => {
                Value::Array(vec![id_object(value)])
            }
            Value::Array(items) if def.multi_valued && self.compat.bare_member_ids => {
                Value::Array(items.into_iter().map(id_object).collect())
            }
            other => other,
        }
    }

    /// The values of a multi-valued attribute given as an array or one value, each
    /// checked; at most one may be primary.
    fn elements(
        &mut self,
        def: &AttributeDef,
        name: &str,
        value: Value,
    ) -> Result<Vec<Value>, ScimError> {
        let items = match self.reshape(def, value) {
            Value::Array(items) => items,
            Value::Null => Vec::new(),
            single if self.compat.coerce_values => vec![single],
            single => {
                return Err(ScimError::invalid_value(format!(
                    "attribute '{name}' is multi-valued: expected an array, not {}",
                    json_kind(&single)
                )));
            }
        };
        let mut elements = Vec::with_capacity(items.len());
        for item in items {
            if let Some(element) = self.validator.element(def, name, item)? {
                elements.push(element);
            }
        }
        if elements
            .iter()
            .filter(|element| is_primary(element))
            .count()
            > 1
        {
            return Err(ScimError::invalid_value(format!(
                "at most one value of '{name}' may be primary"
            )));
        }
        Ok(elements)
    }

    // --- Operations -------------------------------------------------------------------

    /// `add` or `replace` without a path: the value is a partial resource.
    fn resource_value(&mut self, op: OpKind, value: Value) -> Result<(), ScimError> {
        let Value::Object(attributes) = value else {
            return Err(ScimError::invalid_syntax(format!(
                "'{}' without a path needs an object value, not {}",
                op.as_str(),
                json_kind(&value)
            )));
        };
        for (key, value) in attributes {
            // `schemas` follows from the attributes present; an echo of it changes nothing.
            if key.eq_ignore_ascii_case("schemas") {
                continue;
            }
            if let Some(urn) = self.extension_named(&key) {
                self.extension_value(op, urn, value)?;
                continue;
            }
            if self.compat.path_keys && key.contains('[') {
                match PatchPath::parse_with(&key, &ParseOptions::default().lenient(true)) {
                    Ok(PatchPath::Value(path, sub_attr)) => {
                        self.filtered(op, &path, sub_attr.as_ref(), Some(value))?
                    }
                    _ => self.unknown(&key)?,
                }
                continue;
            }
            let path = if self.compat.path_keys && key.contains(['.', ':']) {
                AttrPath::parse_with(&key, &ParseOptions::default().lenient(true))
            } else {
                AttrName::new(&key).map(AttrPath::new)
            };
            match path {
                Ok(path) => self.attribute(op, &path, Some(value), true)?,
                Err(_) => self.unknown(&key)?,
            }
        }
        Ok(())
    }

    /// A whole extension object as a value: each of its attributes.
    fn extension_value(&mut self, op: OpKind, urn: &'a str, value: Value) -> Result<(), ScimError> {
        let Value::Object(attributes) = value else {
            return Err(ScimError::invalid_value(format!(
                "extension '{urn}' must be an object, not {}",
                json_kind(&value)
            )));
        };
        let urn = SchemaUrn::new(urn).map_err(|err| ScimError::invalid_path(err.to_string()))?;
        for (name, value) in attributes {
            match AttrName::new(&name) {
                Ok(name) => self.attribute(
                    op,
                    &AttrPath::new(name).with_urn(urn.clone()),
                    Some(value),
                    true,
                )?,
                Err(_) => self.unknown(&format!("{urn}:{name}"))?,
            }
        }
        Ok(())
    }

    /// An operation on an attribute path.
    fn attribute(
        &mut self,
        op: OpKind,
        path: &AttrPath,
        value: Option<Value>,
        path_less: bool,
    ) -> Result<(), ScimError> {
        // `urn:…:enterprise:2.0:User` reads as URN `urn:…:2.0` and attribute `User`.
        if let (Some(urn), None) = (&path.urn, &path.sub_attr)
            && let Some(extension) = self.extension_named(&format!("{urn}:{}", path.name))
        {
            return match (op, value) {
                (OpKind::Remove, _) => self.remove_extension(extension),
                (_, Some(value)) => self.extension_value(op, extension, value),
                (_, None) => Err(missing_value(op)),
            };
        }
        let Some(slot) = self.resolve(path.urn.as_ref(), &path.name, path.sub_attr.as_ref())?
        else {
            return Ok(());
        };
        match (op, value) {
            (OpKind::Remove, value) => self.remove(&slot, value),
            (_, Some(value)) => self.write(op, &slot, value, path_less),
            (_, None) => Err(missing_value(op)),
        }
    }

    fn remove_extension(&mut self, urn: &'a str) -> Result<(), ScimError> {
        let registry: &'a SchemaRegistry = self.registry;
        let Some((schema, required)) = registry
            .extensions(self.resource_type)
            .find(|(schema, _)| schema.is(urn))
        else {
            return Ok(());
        };
        if required {
            return Err(ScimError::invalid_value(format!(
                "extension '{urn}' is required and cannot be removed"
            )));
        }
        for def in &schema.attributes {
            let slot = Slot {
                location: AttrLocation::Extension(&schema.id),
                def,
                sub: None,
                name: format!("{urn}:{}", def.name),
            };
            if self.current(&slot).is_some() {
                self.remove(&slot, None)?;
            }
        }
        Ok(())
    }

    /// `add` or `replace` of an attribute or sub-attribute.
    fn write(
        &mut self,
        op: OpKind,
        slot: &Slot<'a>,
        value: Value,
        path_less: bool,
    ) -> Result<(), ScimError> {
        if slot.target().mutability == Mutability::ReadOnly {
            let current = match slot.sub {
                Some(sub) => self
                    .current(slot)
                    .and_then(Value::as_object)
                    .and_then(|parent| get_ci(parent, &sub.name)),
                None => self.current(slot),
            };
            if path_less && self.compat.ignore_unchanged_read_only && current == Some(&value) {
                return Ok(());
            }
            return Err(ScimError::mutability(format!(
                "attribute '{}' is read-only",
                slot.name
            )));
        }
        if let Some(sub) = slot.sub {
            if slot.def.multi_valued {
                return Err(ScimError::invalid_path(format!(
                    "'{}' is a sub-attribute of multi-valued '{}': select values with a filter, such as {}[type eq \"work\"].{}",
                    slot.name, slot.def.name, slot.def.name, sub.name
                )));
            }
            let Some(value) = self.validator.value(sub, &slot.name, value)? else {
                return self.unassign(op, slot);
            };
            let value = Some(value);
            self.check_immutable_sub(slot, sub, value.as_ref())?;
            let (container, key) = self.edit(slot);
            set_sub_attr(container, &key, &sub.name, value);
            return Ok(());
        }
        if slot.def.multi_valued {
            let elements = self.elements(slot.def, &slot.name, value)?;
            if elements.is_empty() {
                return self.unassign(op, slot);
            }
            self.check_immutable(slot, None)?;
            let case_exact = identity_case_exact(slot.def);
            if op == OpKind::Add
                && let Some(key) = self.large_array_key(slot)
            {
                self.append_in_place(key, elements, case_exact);
                return Ok(());
            }
            let (container, key) = self.edit(slot);
            match op {
                OpKind::Add => {
                    let values = container
                        .entry(key)
                        .or_insert_with(|| Value::Array(Vec::new()));
                    if !values.is_array() {
                        *values = Value::Array(Vec::new());
                    }
                    if let Value::Array(values) = values {
                        append_new(values, elements, case_exact);
                    }
                }
                _ => set_or_remove(
                    container,
                    key,
                    (!elements.is_empty()).then_some(Value::Array(elements)),
                ),
            }
            return Ok(());
        }
        let value = self.reshape(slot.def, value);
        let Some(value) = self.validator.value(slot.def, &slot.name, value)? else {
            return self.unassign(op, slot);
        };
        self.check_immutable(slot, Some(&value))?;
        let (container, key) = self.edit(slot);
        match value {
            // Add and replace both merge the sub-attributes of a complex value.
            Value::Object(sub_attrs) => match container.get_mut(&key) {
                Some(Value::Object(existing)) => existing.extend(sub_attrs),
                _ => {
                    container.insert(key, Value::Object(sub_attrs));
                }
            },
            value => {
                container.insert(key, value);
            }
        }
        Ok(())
    }

    /// A null or empty value: `replace` unassigns the attribute, with the checks of
    /// `remove`; `add` changes nothing.
    fn unassign(&mut self, op: OpKind, slot: &Slot<'a>) -> Result<(), ScimError> {
        match op {
            OpKind::Add => Ok(()),
            _ => self.remove(slot, None),
        }
    }

    /// An immutable attribute may be set while unassigned, and "set" to its value.
    fn check_immutable(&self, slot: &Slot<'_>, new: Option<&Value>) -> Result<(), ScimError> {
        if slot.def.mutability != Mutability::Immutable {
            return Ok(());
        }
        match (self.current(slot), new) {
            (Some(current), Some(new)) if current == new => Ok(()),
            (Some(_), _) => Err(ScimError::mutability(format!(
                "attribute '{}' is immutable and already set",
                slot.name
            ))),
            (None, _) => Ok(()),
        }
    }

    fn check_immutable_sub(
        &self,
        slot: &Slot<'_>,
        sub: &AttributeDef,
        new: Option<&Value>,
    ) -> Result<(), ScimError> {
        if sub.mutability != Mutability::Immutable {
            return Ok(());
        }
        let current = self
            .current(slot)
            .and_then(Value::as_object)
            .and_then(|parent| get_ci(parent, &sub.name));
        match (current, new) {
            (Some(current), Some(new)) if current == new => Ok(()),
            (Some(_), _) => Err(ScimError::mutability(format!(
                "attribute '{}' is immutable and already set",
                slot.name
            ))),
            (None, _) => Ok(()),
        }
    }

    /// `remove` of an attribute or sub-attribute (all values), or of the listed values
    /// under [`Compat::remove_listed_values`].
    fn remove(&mut self, slot: &Slot<'a>, value: Option<Value>) -> Result<(), ScimError> {
        let target = slot.target();
        if matches!(
            target.mutability,
            Mutability::ReadOnly | Mutability::Immutable
        ) {
            return Err(ScimError::mutability(format!(
                "attribute '{}' cannot be removed: it is {}",
                slot.name,
                mutability_name(target.mutability)
            )));
        }
        if target.required {
            return Err(ScimError::invalid_value(format!(
                "attribute '{}' is required and cannot be removed",
                slot.name
            )));
        }
        if let Some(value) = value.filter(|value| !value.is_null()) {
            if slot.sub.is_none() && slot.def.multi_valued && self.compat.remove_listed_values {
                let listed = self.elements(slot.def, &slot.name, value)?;
                let case_exact = identity_case_exact(slot.def);
                let positions = match self.current(slot) {
                    Some(Value::Array(values)) => positions_of_listed(values, &listed, case_exact),
                    _ => Vec::new(),
                };
                if let Some(key) = self.large_array_key(slot) {
                    self.remove_in_place(key, &positions);
                    return Ok(());
                }
                let (container, key) = self.edit(slot);
                if let Some(Value::Array(values)) = container.get_mut(&key) {
                    remove_positions(values, &positions);
                    if values.is_empty() {
                        container.remove(&key);
                    }
                }
                return Ok(());
            }
            if slot.sub.is_none() && self.compat.remove_listed_values {
                // A single value, removed only if it is the one listed (manager).
                let listed = match self.reshape(slot.def, value) {
                    Value::Array(items) => items,
                    single => vec![single],
                };
                let case_exact = identity_case_exact(slot.def);
                let current = self
                    .current(slot)
                    .map(std::slice::from_ref)
                    .unwrap_or_default();
                if positions_of_listed(current, &listed, case_exact).is_empty() {
                    return Ok(());
                }
            } else {
                return Err(ScimError::invalid_syntax(format!(
                    "'remove' takes no value; to remove some values of '{}' select them with a filter, such as {}[value eq \"…\"]",
                    slot.name, slot.def.name
                )));
            }
        }
        if self.current(slot).is_none() {
            return Ok(());
        }
        let (container, key) = self.edit(slot);
        match slot.sub {
            None => {
                container.remove(&key);
            }
            Some(sub) => {
                match container.get_mut(&key) {
                    Some(Value::Object(parent)) => remove_key_ci(parent, &sub.name),
                    Some(Value::Array(values)) => {
                        for value in values.iter_mut().filter_map(Value::as_object_mut) {
                            remove_key_ci(value, &sub.name);
                        }
                        values.retain(|value| !value.as_object().is_some_and(Map::is_empty));
                    }
                    _ => {}
                }
                if container.get(&key).is_some_and(is_empty_value) {
                    container.remove(&key);
                }
            }
        }
        Ok(())
    }

    /// An operation on a value path: `emails[type eq "work"].value`,
    /// `members[value eq "id"]`, `manager[value eq "id"]`.
    fn filtered(
        &mut self,
        op: OpKind,
        path: &ValuePath,
        sub_attr: Option<&AttrName>,
        value: Option<Value>,
    ) -> Result<(), ScimError> {
        let Some(mut slot) = self.resolve(path.urn.as_ref(), &path.name, None)? else {
            return Ok(());
        };
        let def = slot.def;
        if !def.is_complex() {
            return Err(ScimError::invalid_path(format!(
                "'{}' is not complex: a value filter selects values of complex attributes",
                slot.name
            )));
        }
        let filter = CompiledValueFilter::compile(&path.filter, Some(def))
            .map_err(|err| ScimError::invalid_path(err.detail.unwrap_or_default()))?;
        let sub = match sub_attr {
            None => None,
            Some(name) => match def.sub_attribute(name.as_str()) {
                Some(sub) => Some(sub),
                None => return self.unknown(&format!("{}.{name}", slot.name)),
            },
        };
        let target = sub.unwrap_or(def);
        if target.mutability == Mutability::ReadOnly {
            return Err(ScimError::mutability(format!(
                "attribute '{}' is read-only",
                slot.name
            )));
        }
        let matching: Vec<usize> = match self.current(&slot) {
            Some(Value::Array(values)) => values
                .iter()
                .enumerate()
                .filter(|(_, value)| {
                    value
                        .as_object()
                        .is_some_and(|element| filter.matches(element))
                })
                .map(|(index, _)| index)
                .collect(),
            Some(Value::Object(element)) if filter.matches(element) => vec![0],
            _ => Vec::new(),
        };
        if op == OpKind::Remove {
            return self.remove_matching(&slot, sub, &matching);
        }
        let value = value.ok_or_else(|| missing_value(op))?;
        if let Some(sub) = sub {
            slot.name = format!("{}.{}", slot.name, sub.name);
            let value = self.validator.value(sub, &slot.name, value)?;
            if sub.mutability == Mutability::Immutable {
                return Err(ScimError::mutability(format!(
                    "attribute '{}' is immutable",
                    slot.name
                )));
            }
            return self.set_matching(&slot, &path.filter, &matching, |element| {
                set_sub_attr_in(element, &sub.name, value.clone())
            });
        }
        let value = self.reshape(def, value);
        let Some(Value::Object(replacement)) = self.validator.element(def, &slot.name, value)?
        else {
            return Err(ScimError::invalid_value(format!(
                "a value of '{}' must be an object",
                slot.name
            )));
        };
        // A replaced element keeps what an `eq`-only filter says of it, unless the value
        // sets it: replacing `emails[type eq "work"]` leaves a work e-mail.
        let equalities = element_from_equalities(&path.filter).unwrap_or_default();
        self.set_matching(&slot, &path.filter, &matching, |element| match op {
            OpKind::Add => element.extend(replacement.clone()),
            _ => {
                *element = replacement.clone();
                for (name, value) in &equalities {
                    if get_ci(element, name).is_none() {
                        element.insert(name.clone(), value.clone());
                    }
                }
            }
        })
    }

    fn remove_matching(
        &mut self,
        slot: &Slot<'a>,
        sub: Option<&AttributeDef>,
        matching: &[usize],
    ) -> Result<(), ScimError> {
        if matching.is_empty() {
            return Ok(());
        }
        let target = sub.unwrap_or(slot.def);
        if target.required || (sub.is_none() && slot.def.required) {
            return Err(ScimError::invalid_value(format!(
                "attribute '{}' is required and cannot be removed",
                slot.name
            )));
        }
        if target.mutability == Mutability::Immutable && sub.is_some() {
            return Err(ScimError::mutability(format!(
                "attribute '{}' is immutable",
                slot.name
            )));
        }
        if sub.is_none()
            && let Some(key) = self.large_array_key(slot)
        {
            self.remove_in_place(key, matching);
            return Ok(());
        }
        let (container, key) = self.edit(slot);
        match (container.get_mut(&key), sub) {
            (Some(Value::Array(values)), None) => {
                remove_positions(values, matching);
            }
            (Some(Value::Array(values)), Some(sub)) => {
                for &index in matching {
                    if let Some(element) = values.get_mut(index).and_then(Value::as_object_mut) {
                        remove_key_ci(element, &sub.name);
                    }
                }
                values.retain(|value| !value.as_object().is_some_and(Map::is_empty));
            }
            (Some(Value::Object(element)), Some(sub)) => remove_key_ci(element, &sub.name),
            (Some(Value::Object(_)), None) => {
                container.remove(&key);
            }
            _ => {}
        }
        if container.get(&key).is_some_and(is_empty_value) {
            container.remove(&key);
        }
        Ok(())
    }

    /// Changes the `matching` elements with `change`; when none match, creates one from
    /// an `eq`-only filter under [`Compat::create_missing_element`], else `noTarget`.
    fn set_matching(
        &mut self,
        slot: &Slot<'a>,
        filter: &ValueFilter,
        matching: &[usize],
        change: impl Fn(&mut Map<String, Value>),
    ) -> Result<(), ScimError> {
        let created = if matching.is_empty() {
            let element = self
                .compat
                .create_missing_element
                .then(|| element_from_equalities(filter))
                .flatten();
            let Some(equalities) = element.filter(|_| slot.def.multi_valued) else {
                return Err(ScimError::no_target(format!(
                    "no value of '{}' matches [{filter}]",
                    slot.def.name
                )));
            };
            // The filter's equalities hold for the new element unless the value sets them.
            let mut element = equalities.clone();
            change(&mut element);
            for (name, value) in equalities {
                if get_ci(&element, &name).is_none() {
                    element.insert(name, value);
                }
            }
            let element = self
                .validator
                .element(slot.def, &slot.name, Value::Object(element))?;
            Some(element.ok_or_else(|| {
                ScimError::invalid_value(format!("an empty value for '{}'", slot.name))
            })?)
        } else {
            None
        };
        let (container, key) = self.edit(slot);
        let changed: Vec<usize> = match (container.get_mut(&key), created) {
            (Some(Value::Array(values)), Some(element)) => {
                values.push(element);
                vec![values.len() - 1]
            }
            (_, Some(element)) => {
                container.insert(key.clone(), Value::Array(vec![element]));
                vec![0]
            }
            (Some(Value::Array(values)), None) => {
                for &index in matching {
                    if let Some(element) = values.get_mut(index).and_then(Value::as_object_mut) {
                        change(element);
                    }
                }
                matching.to_vec()
            }
            (Some(Value::Object(element)), None) => {
                change(element);
                Vec::new()
            }
            _ => Vec::new(),
        };
        if let Some(Value::Array(values)) = container.get_mut(&key)
            && let Some(&primary) = changed
                .iter()
                .rev()
                .find(|&&index| values.get(index).is_some_and(is_primary))
        {
            keep_one_primary(values, primary);
        }
        Ok(())
    }
}

fn missing_value(op: OpKind) -> ScimError {
    ScimError::invalid_syntax(format!("'{}' needs a value", op.as_str()))
}

fn mutability_name(mutability: Mutability) -> &'static str {
    match mutability {
        Mutability::ReadOnly => "read-only",
        Mutability::Immutable => "immutable",
        Mutability::ReadWrite => "read-write",
        Mutability::WriteOnly => "write-only",
    }
}

fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Array(values) => values.is_empty(),
        Value::Object(object) => object.is_empty(),
        _ => false,
    }
}

fn remove_key_ci(object: &mut Map<String, Value>, name: &str) {
    if let Some(key) = key_ci(object, name) {
        object.remove(&key);
    }
}

fn set_or_remove(container: &mut Map<String, Value>, key: String, value: Option<Value>) {
    match value {
        Some(value) => {
            container.insert(key, value);
        }
        None => {
            container.remove(&key);
        }
    }
}

/// Sets (or, for `None`, removes) sub-attribute `name` of the complex value at `key`,
/// creating the value; a value left empty is removed.
fn set_sub_attr(container: &mut Map<String, Value>, key: &str, name: &str, value: Option<Value>) {
    let parent = container
        .entry(key.to_owned())
        .or_insert_with(|| Value::Object(Map::new()));
    if !parent.is_object() {
        *parent = Value::Object(Map::new());
    }
    if let Value::Object(parent) = parent {
        match value {
            Some(value) => set_sub_attr_in(parent, name, Some(value)),
            None => remove_key_ci(parent, name),
        }
    }
    if container.get(key).is_some_and(is_empty_value) {
        container.remove(key);
    }
}

fn set_sub_attr_in(element: &mut Map<String, Value>, name: &str, value: Option<Value>) {
    match value {
        Some(value) => scimitar_schema::__private::json::insert_ci(element, name, value),
        None => remove_key_ci(element, name),
    }
}

/// The element an `eq`-only filter describes: `type eq "work" and primary eq true`
/// gives `{"type": "work", "primary": true}`. `None` for any other filter.
fn element_from_equalities(filter: &ValueFilter) -> Option<Map<String, Value>> {
    let mut element = Map::new();
    let mut pending = vec![filter];
    while let Some(filter) = pending.pop() {
        match filter {
            Expr::And(left, right) => pending.extend([left.as_ref(), right.as_ref()]),
            Expr::Leaf(AttrExpr::Compare(path, CompareOp::Eq, value))
                if path.sub_attr.is_none() && path.urn.is_none() =>
            {
                let value = match value {
                    CompValue::String(text) => Value::String(text.clone()),
                    CompValue::Bool(flag) => Value::Bool(*flag),
                    CompValue::Number(number) => Value::Number(number.clone()),
                    CompValue::Null => return None,
                };
                element.insert(path.name.as_str().to_owned(), value);
            }
            _ => return None,
        }
    }
    Some(element)
}
