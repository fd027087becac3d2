//! Filters to SQL conditions.

use scimitar_filter::{
    AttrExpr, AttrName, CompValue, CompareOp, Expr, Filter, FilterLeaf, SchemaUrn, ValueFilter,
    ValuePath,
};
use scimitar_schema::{
    AttrLocation, AttributeDef, AttributeType, CompiledFilter, ResourceType, SchemaRegistry,
    fold_for_comparison,
};

use crate::cond::{Col, Cond, Op, Outer, Renderer, RowCond, Substring};
use crate::dialect::{Dialect, SqlValue};
use crate::error::SqlError;
use crate::index::{instant_key, is_indexed, urn_prefix};

/// A filter as a SQL condition over the `resources` table aliased `r`.
///
/// - `complete`: the condition alone decides the filter; the rows it selects are exactly
///   the resources [`scimitar_schema::matches`] accepts. When `false`, parts of the
///   filter could not be written in SQL: the condition is then *weaker* (it selects every
///   match and maybe more), and the caller must evaluate the whole filter on the rows it
///   returns (for a store: report the list as not `filtered`).
/// - `sql`: the condition, or `None` when it selects every row. It is safe to join to
///   other conditions with `AND`.
/// - `params`: the values of its placeholders `?1…` (`$1…`), in order.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct Translation {
    /// The condition, or `None` for "every row".
    pub sql: Option<String>,
    /// The values bound to the placeholders, the first to `?1` (`$1`).
    pub params: Vec<SqlValue>,
    /// Whether the condition decides the filter alone (else it is a superset).
    pub complete: bool,
}

impl Translation {
    /// The condition, or a condition that is always true (`1 = 1`), for a `WHERE`.
    pub fn condition(&self) -> &str {
        self.sql.as_deref().unwrap_or("1 = 1")
    }
}

/// Translates `filter` on resources of `resource_type` into a SQL condition for
/// `dialect`, with the semantics of [`scimitar_schema::matches`] (RFC 7644 §3.4.2.2).
///
/// A filter the schemas reject (such as `active gt true`) matches nothing, as in
/// evaluation: its translation is the complete condition `1 = 0`. Use [`try_translate`]
/// to get the error instead.
///
/// ```
/// use scimitar_schema::SchemaRegistry;
/// use scimitar_sql::{translate, Dialect, SqlValue};
///
/// let registry = SchemaRegistry::core();
/// let users = registry.resource_type("User").unwrap();
/// let filter = r#"userName eq "BJensen""#.parse()?;
/// let translation = translate(&filter, users, &registry, Dialect::Sqlite);
/// assert_eq!(
///     translation.sql.as_deref(),
///     Some("EXISTS (SELECT 1 FROM attr_values v WHERE v.tenant = r.tenant \
///           AND v.resource_type = r.resource_type AND v.id = r.id \
///           AND v.path = ?1 AND v.folded = ?2)"),
/// );
/// assert_eq!(translation.params, [SqlValue::from("username"), SqlValue::from("bjensen")]);
/// assert!(translation.complete);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn translate(
    filter: &Filter,
    resource_type: &ResourceType,
    registry: &SchemaRegistry,
    dialect: Dialect,
) -> Translation {
    try_translate(filter, resource_type, registry, dialect).unwrap_or_else(|_| Translation {
        sql: Some("1 = 0".to_owned()),
        params: Vec::new(),
        complete: true,
    })
}

/// [`translate`], failing with [`SqlError::InvalidFilter`] for a filter the schemas
/// reject (an operator the attribute's type does not support, such as `gt` on a
/// boolean), as [`CompiledFilter::compile`] does.
pub fn try_translate(
    filter: &Filter,
    resource_type: &ResourceType,
    registry: &SchemaRegistry,
    dialect: Dialect,
) -> Result<Translation, SqlError> {
    CompiledFilter::compile(filter, registry, Some(resource_type)).map_err(SqlError::from)?;
    let translator = Translator {
        registry,
        resource_type,
    };
    let Part { cond, exact } = translator.filter(filter);
    let mut params = Vec::new();
    let sql = match cond {
        Cond::Const(true) => None,
        cond => {
            let mut renderer = Renderer::new(dialect, &mut params);
            renderer.cond(&cond);
            Some(renderer.finish())
        }
    };
    Ok(Translation {
        sql,
        params,
        complete: exact,
    })
}

/// A translated part of a filter: its condition and whether it is exact (else a
/// superset).
struct Part {
    cond: Cond,
    exact: bool,
}

impl Part {
    fn exact(cond: Cond) -> Self {
        Self { cond, exact: true }
    }

    /// What cannot be written in SQL: true, which every match satisfies.
    fn unknown() -> Self {
        Self {
            cond: Cond::Const(true),
            exact: false,
        }
    }

    /// `not`: the negation of a superset is a subset, so only an exact part negates.
    fn negate(self) -> Self {
        if self.exact {
            Self::exact(Cond::not(self.cond))
        } else {
            Self::unknown()
        }
    }

    /// `and`, `or`: a combination of supersets is a superset of the combination.
    fn combine(self, other: Self, op: fn(Vec<Cond>) -> Cond) -> Self {
        Self {
            cond: op(vec![self.cond, other.cond]),
            exact: self.exact && other.exact,
        }
    }
}

/// What a test checks, on the rows of one path.
enum Check {
    /// `pr`, `ne null`: a non-empty value.
    Present,
    /// `eq null`: no non-empty value.
    Absent,
    /// `ne`: some value is not equal (the row condition is equality), or no value.
    NotEqual(RowCond),
    /// Some value satisfies the row condition.
    Any(RowCond),
}

/// A comparison literal, prepared as filter evaluation prepares it.
enum Operand {
    Bool(bool),
    Number(f64),
    Text {
        /// Folded ([`fold_for_comparison`]) unless `case_exact`, as `folded` is.
        text: String,
        case_exact: bool,
        /// The `ts` key of the literal, when the attribute is a `dateTime` and the
        /// literal an RFC 3339 date-time.
        instant: Option<String>,
    },
}

/// Integers at or beyond 2^53 do not survive the `num` column's doubles; evaluation
/// compares them exactly.
const EXACT_DOUBLE_LIMIT: u64 = 1 << 53;

struct Translator<'a> {
    registry: &'a SchemaRegistry,
    resource_type: &'a ResourceType,
}

impl<'a> Translator<'a> {
    fn filter(&self, filter: &Filter) -> Part {
        match filter {
            Expr::Leaf(FilterLeaf::Attr(test)) => self.attr_test(test),
            Expr::Leaf(FilterLeaf::ValuePath(path)) => self.value_path(path),
            Expr::Not(inner) => self.filter(inner).negate(),
            Expr::And(left, right) => self.filter(left).combine(self.filter(right), Cond::and),
            Expr::Or(left, right) => self.filter(left).combine(self.filter(right), Cond::or),
        }
    }

    /// `attrPath op value` at the top level.
    fn attr_test(&self, test: &AttrExpr) -> Part {
        let path = test.path();
        let Some((attr_path, def)) = locate(
            self.registry,
            self.resource_type,
            path.urn.as_ref(),
            &path.name,
        ) else {
            return Part::unknown();
        };
        let Some(check) = check(test, compared(def, path.sub_attr.as_ref())) else {
            return Part::unknown();
        };
        let cond = match &path.sub_attr {
            None => attribute_check(&attr_path, check),
            Some(sub_attr) => {
                let sub_path = format!("{attr_path}.{}", sub_attr.as_str().to_ascii_lowercase());
                sub_attribute_check(&attr_path, &sub_path, check)
            }
        };
        Part::exact(cond)
    }

    /// `attr[filter]`: some element satisfies the whole filter.
    fn value_path(&self, value_path: &ValuePath) -> Part {
        let Some((attr_path, def)) = locate(
            self.registry,
            self.resource_type,
            value_path.urn.as_ref(),
            &value_path.name,
        ) else {
            return Part::unknown();
        };
        let Part { cond, exact } = self.value_filter(&value_path.filter, &attr_path, def);
        let conjuncts = match &cond {
            Cond::And(items) => items.as_slice(),
            other => std::slice::from_ref(other),
        };
        let element_rows: Option<Vec<RowCond>> = conjuncts
            .iter()
            .map(|conjunct| conjunct.as_element_row().cloned())
            .collect();
        let cond = match (cond, element_rows) {
            (Cond::Const(false), _) => Cond::Const(false),
            // Tests that each need a row of the element: one join of those rows.
            (Cond::Exists { .. } | Cond::And(_), Some(rows)) => {
                Cond::exists_all(Outer::Resource, rows, None)
            }
            // Otherwise: an element for which the filter holds.
            (cond, _) => Cond::exists_all(
                Outer::Resource,
                vec![RowCond::Path(format!("{attr_path}."))],
                Some(cond),
            ),
        };
        Part { cond, exact }
    }

    fn value_filter(
        &self,
        filter: &ValueFilter,
        attr_path: &str,
        parent: Option<&AttributeDef>,
    ) -> Part {
        match filter {
            Expr::Leaf(test) => element_test(test, attr_path, parent),
            Expr::Not(inner) => self.value_filter(inner, attr_path, parent).negate(),
            Expr::And(left, right) => self
                .value_filter(left, attr_path, parent)
                .combine(self.value_filter(right, attr_path, parent), Cond::and),
            Expr::Or(left, right) => self
                .value_filter(left, attr_path, parent)
                .combine(self.value_filter(right, attr_path, parent), Cond::or),
        }
    }
}

/// A test inside a value path, on the element `e`.
fn element_test(test: &AttrExpr, attr_path: &str, parent: Option<&AttributeDef>) -> Part {
    let path = test.path();
    if path.sub_attr.is_some() {
        // `emails[value.x eq 1]`: a level below what is indexed.
        return Part::unknown();
    }
    let def = parent.and_then(|parent| parent.sub_attribute(path.name.as_str()));
    let Some(check) = check(test, def) else {
        return Part::unknown();
    };
    let sub_path = format!("{attr_path}.{}", path.name.as_str().to_ascii_lowercase());
    Part::exact(value_check(Outer::Element, &sub_path, check))
}

/// The path of a top-level attribute of `resource_type` and its definition, resolved as
/// evaluation resolves it; `None` for a URN the resource type does not know, which
/// evaluation resolves against each resource's own data, and for an attribute without
/// rows ([`crate::UNINDEXED`]).
pub(crate) fn locate<'a>(
    registry: &'a SchemaRegistry,
    resource_type: &'a ResourceType,
    urn: Option<&SchemaUrn>,
    name: &AttrName,
) -> Option<(String, Option<&'a AttributeDef>)> {
    let urn = urn.map(SchemaUrn::as_str);
    let lower = name.as_str().to_ascii_lowercase();
    match (registry.top_level(resource_type, urn, name.as_str()), urn) {
        (Some((AttrLocation::Core, _)), _) | (None, None) if !is_indexed(resource_type, &lower) => {
            None
        }
        (Some((AttrLocation::Core, def)), _) => Some((lower, Some(def))),
        (Some((AttrLocation::Extension(id), def)), _) => {
            Some((format!("{}{lower}", urn_prefix(id)), Some(def)))
        }
        (None, None) => Some((lower, None)),
        (None, Some(_)) => None,
    }
}

/// The definition whose type governs a comparison on the attribute `attr` (or its
/// `sub_attr`), if the schemas define it.
pub(crate) fn compared<'a>(
    attr: Option<&'a AttributeDef>,
    sub_attr: Option<&AttrName>,
) -> Option<&'a AttributeDef> {
    match (attr, sub_attr) {
        (Some(attr), Some(sub_attr)) => attr.sub_attribute(sub_attr.as_str()),
        (Some(attr), None) => Some(compared_def(attr)),
        (None, _) => None,
    }
}

/// The definition whose type governs a comparison on `attr` itself: its own, or the
/// implicit `value` sub-attribute's for a complex attribute.
fn compared_def(attr: &AttributeDef) -> &AttributeDef {
    match attr.sub_attribute("value") {
        Some(value) if attr.is_complex() => value,
        _ => attr,
    }
}

/// The check `test` makes, compared as `def` says; `None` if SQL cannot make it exactly.
fn check(test: &AttrExpr, def: Option<&AttributeDef>) -> Option<Check> {
    Some(match test {
        AttrExpr::Present(_) => Check::Present,
        AttrExpr::Compare(_, CompareOp::Eq, CompValue::Null) => Check::Absent,
        AttrExpr::Compare(_, CompareOp::Ne, CompValue::Null) => Check::Present,
        AttrExpr::Compare(_, op, value) => {
            let operand = operand(value, def)?;
            match op {
                CompareOp::Ne => Check::NotEqual(compare(CompareOp::Eq, &operand)),
                op => Check::Any(compare(*op, &operand)),
            }
        }
    })
}

fn operand(value: &CompValue, def: Option<&AttributeDef>) -> Option<Operand> {
    Some(match value {
        // Rejected by compilation (`gt null`), so never reached.
        CompValue::Null => return None,
        CompValue::Bool(flag) => Operand::Bool(*flag),
        CompValue::Number(number) => {
            let too_wide = match (number.as_i64(), number.as_u64()) {
                (Some(integer), _) => integer.unsigned_abs() >= EXACT_DOUBLE_LIMIT,
                (None, Some(_)) => true,
                (None, None) => false,
            };
            if too_wide {
                return None;
            }
            Operand::Number(number.as_f64()?)
        }
        CompValue::String(text) => {
            let case_exact = def.is_some_and(|def| def.case_exact);
            let instant = match def.map(|def| def.kind) {
                Some(AttributeType::DateTime) => instant_key(text),
                _ => None,
            };
            Operand::Text {
                text: if case_exact {
                    text.clone()
                } else {
                    fold_for_comparison(text).into_owned()
                },
                case_exact,
                instant,
            }
        }
    })
}

/// The row condition for `op` (not `ne`) against `operand`, per the JSON type of the
/// stored value: text with text, numbers with numbers, booleans with booleans.
fn compare(op: CompareOp, operand: &Operand) -> RowCond {
    let ordering = match op {
        CompareOp::Eq | CompareOp::Ne => Some(Op::Eq),
        CompareOp::Gt => Some(Op::Gt),
        CompareOp::Ge => Some(Op::Ge),
        CompareOp::Lt => Some(Op::Lt),
        CompareOp::Le => Some(Op::Le),
        CompareOp::Co | CompareOp::Sw | CompareOp::Ew => None,
    };
    match operand {
        Operand::Bool(flag) => match op {
            CompareOp::Eq => RowCond::Cmp(Col::Bool, Op::Eq, SqlValue::Bool(*flag)),
            _ => RowCond::Const(false),
        },
        Operand::Number(number) => match ordering {
            Some(op) => RowCond::Cmp(Col::Num, op, SqlValue::Real(*number)),
            None => RowCond::Const(false),
        },
        Operand::Text {
            text,
            case_exact,
            instant,
        } => {
            let col = if *case_exact { Col::Text } else { Col::Folded };
            let textual = match (ordering, op) {
                (Some(op), _) => RowCond::Cmp(col, op, SqlValue::Text(text.clone())),
                (None, CompareOp::Co) => RowCond::Substring(col, Substring::Contains, text.clone()),
                (None, CompareOp::Sw) => {
                    RowCond::Substring(col, Substring::StartsWith, text.clone())
                }
                (None, _) => RowCond::Substring(col, Substring::EndsWith, text.clone()),
            };
            let mut cond = match (instant, ordering) {
                // Instants compare as instants; other strings as text.
                (Some(instant), Some(op)) => RowCond::or(vec![
                    RowCond::Cmp(Col::Ts, op, SqlValue::Text(instant.clone())),
                    RowCond::and(vec![RowCond::IsNull(Col::Ts), textual]),
                ]),
                _ => textual,
            };
            // Lenient data: "true"/"false" equals a stored boolean.
            if op == CompareOp::Eq
                && let Ok(flag) = text.parse::<bool>()
            {
                cond = RowCond::or(vec![
                    cond,
                    RowCond::Cmp(Col::Bool, Op::Eq, SqlValue::Bool(flag)),
                ]);
            }
            cond
        }
    }
}

/// A check on a top-level attribute (`userName`, `emails`, `manager`): its rows are the
/// values a comparison sees (each element's `value` for a complex attribute).
fn attribute_check(attr_path: &str, check: Check) -> Cond {
    let path = || RowCond::Path(attr_path.to_owned());
    let exists = |row| Cond::exists(Outer::Resource, row);
    match check {
        // Non-empty: a value of its own or of any sub-attribute.
        Check::Present => present_anywhere(attr_path),
        Check::Absent => Cond::not(present_anywhere(attr_path)),
        Check::NotEqual(equal) => Cond::or(vec![
            Cond::not(exists(path())),
            exists(RowCond::and(vec![path(), RowCond::not_true(equal)])),
        ]),
        Check::Any(cond) => exists(RowCond::and(vec![path(), cond])),
    }
}

fn present_anywhere(attr_path: &str) -> Cond {
    Cond::exists(
        Outer::Resource,
        RowCond::and(vec![
            RowCond::PathOrSub(attr_path.to_owned()),
            RowCond::Present,
        ]),
    )
}

/// A check on `attr.sub` at the top level. Evaluation treats `ne` (and so `not`) apart
/// for a multi-valued attribute: it holds for an element that has the sub-attribute with
/// another value (or none), and never when no element has the sub-attribute; for a
/// single complex value, or no value, it holds when the sub-attribute is missing.
fn sub_attribute_check(attr_path: &str, sub_path: &str, check: Check) -> Cond {
    match check {
        Check::NotEqual(equal) => Cond::or(vec![
            Cond::exists(
                Outer::Resource,
                RowCond::and(vec![
                    RowCond::Path(sub_path.to_owned()),
                    RowCond::not_true(equal),
                ]),
            ),
            Cond::not(Cond::exists(
                Outer::Resource,
                RowCond::or(vec![
                    RowCond::Path(sub_path.to_owned()),
                    RowCond::and(vec![RowCond::Path(attr_path.to_owned()), RowCond::InArray]),
                ]),
            )),
        ]),
        check => value_check(Outer::Resource, sub_path, check),
    }
}

/// A check on the rows of `path`: the values of one sub-attribute (of the resource's
/// elements, or of the element `e` of a value path).
fn value_check(outer: Outer, path: &str, check: Check) -> Cond {
    let on_path = |cond| RowCond::and(vec![RowCond::Path(path.to_owned()), cond]);
    let exists = |row| Cond::exists(outer, row);
    match check {
        Check::Present => exists(on_path(RowCond::Present)),
        Check::Absent => Cond::not(exists(on_path(RowCond::Present))),
        Check::NotEqual(equal) => Cond::or(vec![
            Cond::not(exists(RowCond::Path(path.to_owned()))),
            exists(on_path(RowCond::not_true(equal))),
        ]),
        Check::Any(cond) => exists(on_path(cond)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn exists(path: &str) -> Cond {
        Cond::exists(Outer::Resource, RowCond::Path(path.to_owned()))
    }

    #[test]
    fn only_exact_parts_negate_and_combinations_keep_supersets() {
        let not_unknown = Part::unknown().negate();
        assert_eq!(
            (not_unknown.cond, not_unknown.exact),
            (Cond::Const(true), false)
        );
        let not_exact = Part::exact(exists("a")).negate();
        assert_eq!(
            (not_exact.cond, not_exact.exact),
            (Cond::not(exists("a")), true)
        );
        let and = Part::exact(exists("a")).combine(Part::unknown(), Cond::and);
        assert_eq!((and.cond, and.exact), (exists("a"), false));
        let or = Part::exact(exists("a")).combine(Part::unknown(), Cond::or);
        assert_eq!((or.cond, or.exact), (Cond::Const(true), false));
    }

    #[test]
    fn integers_are_exact_below_two_to_the_53() {
        let number = |text: &str| CompValue::Number(text.parse().unwrap());
        for exact in ["9007199254740991", "-9007199254740991", "0", "1.5", "1e300"] {
            assert!(operand(&number(exact), None).is_some(), "{exact}");
        }
        for wide in [
            "9007199254740992",
            "-9007199254740992",
            "18446744073709551615",
        ] {
            assert!(operand(&number(wide), None).is_none(), "{wide}");
        }
    }

    #[test]
    fn text_operands_are_prepared_as_evaluation_prepares_them() {
        let registry = SchemaRegistry::core();
        let last_modified = SchemaRegistry::common_attributes()
            .iter()
            .find(|def| def.name == "meta")
            .and_then(|meta| meta.sub_attribute("lastModified"));
        let user_name = registry
            .core_schema(registry.resource_type("User").unwrap())
            .and_then(|schema| schema.attribute_def("userName"));
        let text = |value: &str, def| match operand(&CompValue::String(value.into()), def) {
            Some(Operand::Text {
                text,
                case_exact,
                instant,
            }) => (text, case_exact, instant),
            _ => panic!("a text operand"),
        };
        assert_eq!(text("BJensen", user_name), ("bjensen".into(), false, None));
        assert_eq!(
            text("2011-05-13T04:42:34-01:00", last_modified),
            (
                "2011-05-13T04:42:34-01:00".into(),
                true,
                Some("2011-05-13T05:42:34.000000000Z".into())
            )
        );
        // Only a dateTime attribute compares instants.
        assert_eq!(text("2011-05-13T04:42:34Z", None).2, None);
    }
}
