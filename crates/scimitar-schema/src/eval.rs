//! Filter evaluation (RFC 7644 §3.4.2.2) against resources, with the types and
//! case sensitivity their schemas give.

use std::cmp::Ordering;

use chrono::{DateTime, FixedOffset};
use serde_json::{Map, Value};

use scimitar_filter::{
    AttrExpr, AttrPath, CompValue, CompareOp, Expr, Filter, FilterLeaf, ValueFilter,
};

use crate::attribute::{AttributeDef, AttributeType};
use crate::error::ScimError;
use crate::fold::fold_for_comparison;
use crate::json::get_ci;
use crate::registry::{AttrLocation, SchemaRegistry};
use crate::resource::Resource;
use crate::typed::ResourceType;

/// Whether `resource` matches `filter`, with the semantics of RFC 7644 §3.4.2.2:
///
/// - strings compare case-insensitively unless the attribute is `caseExact`, as their
///   folds ([`fold_for_comparison`]: width, case and Unicode normalisation); `co`, `sw`
///   and `ew` test substrings; `gt`/`ge`/`lt`/`le` order strings, numbers and
///   `dateTime` values (as instants, whatever their offset);
/// - booleans support only `eq` and `ne`; `pr` matches a non-empty value;
/// - a multi-valued attribute matches when any of its values does; a complex attribute
///   without a sub-attribute compares its `value` sub-attribute (`manager eq "id"`);
/// - a value path (`emails[type eq "work" and value co "@x"]`) ties all its conditions
///   to one element;
/// - `ne` matches when some value differs or there is no value; `eq null` matches an
///   unassigned attribute.
///
/// A filter the schemas reject (such as `active gt true`) matches nothing; use
/// [`CompiledFilter::compile`] to get the error, and to evaluate one filter against
/// many resources without resolving its attributes each time.
///
/// ```
/// use scimitar_schema::{matches, Resource, SchemaRegistry};
/// use serde_json::json;
///
/// let registry = SchemaRegistry::core();
/// let user = Resource::from_value(json!({
///     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
///     "userName": "BJensen",
///     "emails": [{"value": "bjensen@example.com", "type": "work"}],
/// }))?;
/// assert!(matches(&r#"userName eq "bjensen""#.parse()?, &user, &registry));
/// assert!(matches(&r#"emails[type eq "work" and value ew "@example.com"]"#.parse()?, &user, &registry));
/// assert!(!matches(&r#"emails[type eq "home"]"#.parse()?, &user, &registry));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn matches(filter: &Filter, resource: &Resource, registry: &SchemaRegistry) -> bool {
    let resource_type = registry.resource_type_of(resource);
    CompiledFilter::compile(filter, registry, resource_type)
        .is_ok_and(|compiled| compiled.matches(resource))
}

/// A filter resolved against one resource type's schemas, ready to test many resources.
#[derive(Debug)]
pub struct CompiledFilter<'a> {
    root: Node<'a>,
}

#[derive(Debug)]
enum Node<'a> {
    Test(Test<'a>),
    ValuePath {
        scope: Scope<'a>,
        name: &'a str,
        filter: Box<Node<'a>>,
    },
    Not(Box<Node<'a>>),
    And(Box<Node<'a>>, Box<Node<'a>>),
    Or(Box<Node<'a>>, Box<Node<'a>>),
}

/// Where a top-level attribute is found.
#[derive(Clone, Copy, Debug)]
enum Scope<'a> {
    /// In the object being tested (the resource, or one element in a value path).
    Here,
    /// In this extension's object of the resource.
    Extension(&'a str),
    /// Behind a URN the schemas do not know: resolved against the resource itself.
    Unresolved(&'a str),
}

#[derive(Debug)]
struct Test<'a> {
    scope: Scope<'a>,
    name: &'a str,
    sub_attr: Option<&'a str>,
    condition: Condition,
}

#[derive(Debug)]
enum Condition {
    Present,
    Absent,
    Compare(CompareOp, Operand),
}

#[derive(Debug)]
enum Operand {
    Bool(bool),
    Number(serde_json::Number),
    /// A string, folded ([`fold_for_comparison`]) unless `case_exact`, and its instant
    /// when the attribute is a `dateTime`.
    Text {
        text: String,
        case_exact: bool,
        instant: Option<DateTime<FixedOffset>>,
    },
}

impl<'a> CompiledFilter<'a> {
    /// Resolves `filter` against `resource_type` (or against nothing, treating every
    /// attribute as a case-insensitive string). Fails with `400 invalidFilter` for an
    /// operator the attribute's type does not support, such as `gt` on a boolean.
    pub fn compile(
        filter: &'a Filter,
        registry: &'a SchemaRegistry,
        resource_type: Option<&'a ResourceType>,
    ) -> Result<Self, ScimError> {
        let compiler = Compiler {
            registry,
            resource_type,
        };
        Ok(Self {
            root: compiler.filter(filter)?,
        })
    }

    /// Whether `resource` matches.
    pub fn matches(&self, resource: &Resource) -> bool {
        self.root.eval(resource.as_map(), Some(resource))
    }
}

/// The filter of a value path (`type eq "work" and primary eq true`), resolved against
/// the sub-attributes of its multi-valued or complex attribute, to select elements.
///
/// ```
/// use scimitar_filter::PatchPath;
/// use scimitar_schema::{CompiledValueFilter, SchemaRegistry};
/// use serde_json::json;
///
/// let PatchPath::Value(path, _) = r#"emails[type eq "WORK"]"#.parse()? else { unreachable!() };
/// let emails = SchemaRegistry::user_schema().attribute_def("emails");
/// let filter = CompiledValueFilter::compile(&path.filter, emails)?;
/// let element = json!({"value": "b@example.com", "type": "work"});
/// assert!(filter.matches(element.as_object().unwrap()));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug)]
pub struct CompiledValueFilter<'a> {
    root: Node<'a>,
}

impl<'a> CompiledValueFilter<'a> {
    /// Resolves `filter` against the sub-attributes of `parent` (or against nothing).
    /// Fails with `400 invalidFilter` like [`CompiledFilter::compile`].
    pub fn compile(
        filter: &'a ValueFilter,
        parent: Option<&'a AttributeDef>,
    ) -> Result<Self, ScimError> {
        let root = expr(filter, &|test| element_test(test, parent))?;
        Ok(Self { root })
    }

    /// Whether one element (a complex value) matches.
    pub fn matches(&self, element: &Map<String, Value>) -> bool {
        self.root.eval(element, None)
    }
}

struct Compiler<'a> {
    registry: &'a SchemaRegistry,
    resource_type: Option<&'a ResourceType>,
}

/// The definition whose type governs a comparison on `attr` itself: its own, or the
/// implicit `value` sub-attribute's for a complex attribute.
fn compared_def(attr: &AttributeDef) -> &AttributeDef {
    match attr.sub_attribute("value") {
        Some(value) if attr.is_complex() => value,
        _ => attr,
    }
}

impl<'a> Compiler<'a> {
    fn filter(&self, filter: &'a Filter) -> Result<Node<'a>, ScimError> {
        expr(filter, &|leaf| match leaf {
            FilterLeaf::Attr(expr) => self.top_level_test(expr),
            FilterLeaf::ValuePath(path) => {
                let (scope, def) = self.locate(
                    path.urn.as_ref().map(|urn| urn.as_str()),
                    path.name.as_str(),
                );
                let inner = expr(&path.filter, &|test| element_test(test, def))?;
                Ok(Node::ValuePath {
                    scope,
                    name: path.name.as_str(),
                    filter: Box::new(inner),
                })
            }
        })
    }

    /// Where the top-level attribute `name` lives, and its definition if known.
    fn locate(&self, urn: Option<&'a str>, name: &str) -> (Scope<'a>, Option<&'a AttributeDef>) {
        let known = self
            .resource_type
            .and_then(|resource_type| self.registry.top_level(resource_type, urn, name));
        match (known, urn) {
            (Some((AttrLocation::Core, def)), _) => (Scope::Here, Some(def)),
            (Some((AttrLocation::Extension(urn), def)), _) => (Scope::Extension(urn), Some(def)),
            (None, None) => (Scope::Here, None),
            (None, Some(urn)) => (Scope::Unresolved(urn), None),
        }
    }

    fn top_level_test(&self, expr: &'a AttrExpr) -> Result<Node<'a>, ScimError> {
        let path = expr.path();
        let (scope, def) = self.locate(
            path.urn.as_ref().map(|urn| urn.as_str()),
            path.name.as_str(),
        );
        let sub_def = match (def, &path.sub_attr) {
            (Some(def), Some(sub_attr)) => def.sub_attribute(sub_attr.as_str()),
            _ => None,
        };
        let compared = match (def, &path.sub_attr) {
            (Some(_), Some(_)) => sub_def,
            (Some(def), None) => Some(compared_def(def)),
            (None, _) => None,
        };
        let names = (
            def.map(|def| def.name.as_str()),
            sub_def.map(|sub| sub.name.as_str()),
        );
        test(scope, expr, names, compared)
    }
}

/// Compiles an expression, leaf by leaf.
fn expr<'a, L>(
    expr_: &'a Expr<L>,
    leaf: &dyn Fn(&'a L) -> Result<Node<'a>, ScimError>,
) -> Result<Node<'a>, ScimError> {
    Ok(match expr_ {
        Expr::Leaf(inner) => leaf(inner)?,
        Expr::Not(inner) => Node::Not(Box::new(expr(inner, leaf)?)),
        Expr::And(left, right) => {
            Node::And(Box::new(expr(left, leaf)?), Box::new(expr(right, leaf)?))
        }
        Expr::Or(left, right) => {
            Node::Or(Box::new(expr(left, leaf)?), Box::new(expr(right, leaf)?))
        }
    })
}

/// A test inside a value path: its name is a sub-attribute of `parent`.
fn element_test<'a>(
    test_: &'a AttrExpr,
    parent: Option<&'a AttributeDef>,
) -> Result<Node<'a>, ScimError> {
    let path = test_.path();
    let def = parent.and_then(|parent| parent.sub_attribute(path.name.as_str()));
    test(
        Scope::Here,
        test_,
        (def.map(|def| def.name.as_str()), None),
        def,
    )
}

/// A test of `expr`. `names` are the attribute's and sub-attribute's names in their
/// schema spelling when resolved (stored resources use it, so lookups hit exactly);
/// `def` governs the comparison.
fn test<'a>(
    scope: Scope<'a>,
    expr: &'a AttrExpr,
    names: (Option<&'a str>, Option<&'a str>),
    def: Option<&AttributeDef>,
) -> Result<Node<'a>, ScimError> {
    let path: &'a AttrPath = expr.path();
    let condition = match expr {
        AttrExpr::Present(_) => Condition::Present,
        AttrExpr::Compare(_, CompareOp::Eq, CompValue::Null) => Condition::Absent,
        AttrExpr::Compare(_, CompareOp::Ne, CompValue::Null) => Condition::Present,
        AttrExpr::Compare(_, op, value) => Condition::Compare(*op, operand(path, *op, value, def)?),
    };
    Ok(Node::Test(Test {
        scope,
        name: names.0.unwrap_or(path.name.as_str()),
        sub_attr: names.1.or(path.sub_attr.as_ref().map(|sub| sub.as_str())),
        condition,
    }))
}

fn operand(
    path: &AttrPath,
    op: CompareOp,
    value: &CompValue,
    def: Option<&AttributeDef>,
) -> Result<Operand, ScimError> {
    let kind = def.map(|def| def.kind);
    let ordering = matches!(
        op,
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le
    );
    let substring = matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew);
    match kind {
        Some(AttributeType::Boolean) if ordering || substring => {
            return Err(ScimError::invalid_filter(format!(
                "'{path}' is a boolean: only eq and ne apply"
            )));
        }
        Some(AttributeType::Binary) if ordering => {
            return Err(ScimError::invalid_filter(format!(
                "'{path}' is binary: it has no order"
            )));
        }
        Some(AttributeType::Complex) => {
            return Err(ScimError::invalid_filter(format!(
                "'{path}' is complex: compare one of its sub-attributes"
            )));
        }
        _ => {}
    }
    Ok(match value {
        CompValue::Null => {
            return Err(ScimError::invalid_filter(format!(
                "'{op}' cannot compare '{path}' with null"
            )));
        }
        CompValue::Bool(value) => Operand::Bool(*value),
        CompValue::Number(number) => Operand::Number(number.clone()),
        CompValue::String(text) => {
            let case_exact = def.is_some_and(|def| def.case_exact);
            let instant = match kind {
                Some(AttributeType::DateTime) => DateTime::parse_from_rfc3339(text).ok(),
                _ => None,
            };
            let text = if case_exact {
                text.clone()
            } else {
                fold_for_comparison(text).into_owned()
            };
            Operand::Text {
                text,
                case_exact,
                instant,
            }
        }
    })
}

impl Node<'_> {
    /// Evaluates against `here` (the resource's object, or one element of a value path).
    fn eval(&self, here: &Map<String, Value>, resource: Option<&Resource>) -> bool {
        match self {
            Self::Test(test) => test.eval(here, resource),
            Self::ValuePath {
                scope,
                name,
                filter,
            } => {
                let Some(value) = scope
                    .container(here, resource)
                    .and_then(|map| get_ci(map, name))
                else {
                    return false;
                };
                match value {
                    Value::Array(items) => items
                        .iter()
                        .filter_map(Value::as_object)
                        .any(|element| filter.eval(element, resource)),
                    Value::Object(element) => filter.eval(element, resource),
                    _ => false,
                }
            }
            Self::Not(inner) => !inner.eval(here, resource),
            Self::And(left, right) => left.eval(here, resource) && right.eval(here, resource),
            Self::Or(left, right) => left.eval(here, resource) || right.eval(here, resource),
        }
    }
}

impl<'a> Scope<'a> {
    fn container<'r>(
        &self,
        here: &'r Map<String, Value>,
        resource: Option<&'r Resource>,
    ) -> Option<&'r Map<String, Value>> {
        match self {
            Self::Here => Some(here),
            Self::Extension(urn) => get_ci(here, urn)?.as_object(),
            Self::Unresolved(urn) => {
                let urn = scimitar_filter::SchemaUrn::new(urn).ok()?;
                resource?.container(Some(&urn))
            }
        }
    }
}

impl Test<'_> {
    fn eval(&self, here: &Map<String, Value>, resource: Option<&Resource>) -> bool {
        let value = self
            .scope
            .container(here, resource)
            .and_then(|map| get_ci(map, self.name));
        let value = match (value, self.sub_attr) {
            (None, _) => None,
            (Some(value), None) => Some(value),
            (Some(value), Some(sub_attr)) => return self.eval_sub_attr(value, sub_attr),
        };
        self.eval_value(value)
    }

    /// `attr.sub`: over every element of a multi-valued attribute, or the one object.
    fn eval_sub_attr(&self, value: &Value, sub_attr: &str) -> bool {
        match value {
            Value::Array(items) => {
                let mut values = items
                    .iter()
                    .filter_map(|item| get_ci(item.as_object()?, sub_attr));
                match self.condition {
                    Condition::Absent => !values.any(is_present),
                    _ => values.any(|value| self.eval_value(Some(value))),
                }
            }
            Value::Object(object) => self.eval_value(get_ci(object, sub_attr)),
            _ => self.eval_value(None),
        }
    }

    fn eval_value(&self, value: Option<&Value>) -> bool {
        match &self.condition {
            Condition::Present => value.is_some_and(is_present),
            Condition::Absent => !value.is_some_and(is_present),
            Condition::Compare(CompareOp::Ne, operand) => {
                let mut values = scalars(value);
                let mut any = false;
                let differs = values.any(|scalar| {
                    any = true;
                    !compare(CompareOp::Eq, scalar, operand)
                });
                differs || !any
            }
            Condition::Compare(op, operand) => {
                scalars(value).any(|scalar| compare(*op, scalar, operand))
            }
        }
    }
}

/// Whether a value is "non-empty" in the sense of `pr`.
fn is_present(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(text) => !text.is_empty(),
        Value::Array(items) => items.iter().any(is_present),
        Value::Object(object) => object.values().any(is_present),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// The scalars a comparison looks at: each element of an array, and the `value` of a
/// complex value.
fn scalars(value: Option<&Value>) -> impl Iterator<Item = &Value> {
    let items = match value {
        Some(Value::Array(items)) => items.as_slice(),
        Some(value) => std::slice::from_ref(value),
        None => &[],
    };
    items.iter().filter_map(|item| match item {
        Value::Object(object) => get_ci(object, "value"),
        Value::Null => None,
        scalar => Some(scalar),
    })
}

fn compare(op: CompareOp, value: &Value, operand: &Operand) -> bool {
    match (value, operand) {
        (
            Value::String(text),
            Operand::Text {
                text: wanted,
                case_exact,
                instant,
            },
        ) => {
            if let (Some(wanted_instant), true) = (instant, is_ordering_or_eq(op))
                && let Ok(actual) = DateTime::parse_from_rfc3339(text)
            {
                return ordered(op, actual.cmp(wanted_instant));
            }
            compare_text(op, text, wanted, *case_exact)
        }
        (Value::Bool(actual), Operand::Bool(wanted)) => op == CompareOp::Eq && actual == wanted,
        // Lenient input: "True"/"False" against a boolean attribute.
        (Value::Bool(actual), Operand::Text { text, .. }) => {
            op == CompareOp::Eq && text.parse::<bool>().is_ok_and(|wanted| wanted == *actual)
        }
        (Value::Number(actual), Operand::Number(wanted)) => {
            compare_numbers(actual, wanted).is_some_and(|ordering| ordered(op, ordering))
        }
        _ => false,
    }
}

fn is_ordering_or_eq(op: CompareOp) -> bool {
    !matches!(op, CompareOp::Co | CompareOp::Sw | CompareOp::Ew)
}

/// Whether `ordering` (actual versus wanted) satisfies `op`; substring operators never do.
fn ordered(op: CompareOp, ordering: Ordering) -> bool {
    match op {
        CompareOp::Eq => ordering.is_eq(),
        CompareOp::Ne => ordering.is_ne(),
        CompareOp::Gt => ordering.is_gt(),
        CompareOp::Ge => ordering.is_ge(),
        CompareOp::Lt => ordering.is_lt(),
        CompareOp::Le => ordering.is_le(),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => false,
    }
}

fn compare_numbers(actual: &serde_json::Number, wanted: &serde_json::Number) -> Option<Ordering> {
    if let (Some(actual), Some(wanted)) = (actual.as_i64(), wanted.as_i64()) {
        return Some(actual.cmp(&wanted));
    }
    if let (Some(actual), Some(wanted)) = (actual.as_u64(), wanted.as_u64()) {
        return Some(actual.cmp(&wanted));
    }
    actual.as_f64()?.partial_cmp(&wanted.as_f64()?)
}

/// Compares `text` with `wanted`, which is already folded ([`fold_for_comparison`])
/// unless `case_exact`. ASCII text is folded on the fly, without allocating: its fold
/// is its lower case.
fn compare_text(op: CompareOp, text: &str, wanted: &str, case_exact: bool) -> bool {
    if case_exact {
        return compare_bytes(op, text.as_bytes(), wanted.as_bytes(), |byte| byte);
    }
    if text.is_ascii() {
        return compare_bytes(op, text.as_bytes(), wanted.as_bytes(), |byte| {
            byte.to_ascii_lowercase()
        });
    }
    let folded = fold_for_comparison(text);
    compare_bytes(op, folded.as_bytes(), wanted.as_bytes(), |byte| byte)
}

fn compare_bytes(
    op: CompareOp,
    text: &[u8],
    wanted: &[u8],
    fold: impl Fn(u8) -> u8 + Copy,
) -> bool {
    let same = |left: &[u8]| {
        left.len() == wanted.len() && left.iter().zip(wanted).all(|(a, b)| fold(*a) == *b)
    };
    match op {
        CompareOp::Eq => same(text),
        CompareOp::Ne => !same(text),
        CompareOp::Sw => text.len() >= wanted.len() && same(&text[..wanted.len()]),
        CompareOp::Ew => text.len() >= wanted.len() && same(&text[text.len() - wanted.len()..]),
        CompareOp::Co => wanted.is_empty() || text.windows(wanted.len()).any(same),
        CompareOp::Gt | CompareOp::Ge | CompareOp::Lt | CompareOp::Le => ordered(
            op,
            text.iter()
                .map(|byte| fold(*byte))
                .cmp(wanted.iter().copied()),
        ),
    }
}
