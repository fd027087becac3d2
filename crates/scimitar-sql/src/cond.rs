//! The SQL conditions a filter becomes, before they are written out: a small tree that
//! is simplified (constants folded) and then rendered, numbering the parameters in the
//! order they appear.

use crate::dialect::{Dialect, SqlValue};

/// A column of `attr_values`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Col {
    Text,
    Folded,
    Num,
    Ts,
    Bool,
}

impl Col {
    fn name(self) -> &'static str {
        match self {
            Self::Text => "text",
            Self::Folded => "folded",
            Self::Num => "num",
            Self::Ts => "ts",
            Self::Bool => "bool",
        }
    }

    /// Whether the column holds text, which PostgreSQL must order byte-wise.
    fn is_text(self) -> bool {
        matches!(self, Self::Text | Self::Folded | Self::Ts)
    }
}

/// A comparison operator of SQL.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Op {
    Eq,
    Gt,
    Ge,
    Lt,
    Le,
}

impl Op {
    fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "=",
            Self::Gt => ">",
            Self::Ge => ">=",
            Self::Lt => "<",
            Self::Le => "<=",
        }
    }
}

/// A substring test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Substring {
    Contains,
    StartsWith,
    EndsWith,
}

/// A condition on one row of `attr_values`.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum RowCond {
    Const(bool),
    /// `path = ?`.
    Path(String),
    /// `path = ?` or a sub-attribute path of it (`path LIKE 'p.%'`).
    PathOrSub(String),
    /// `elem > 0`: the row belongs to an array.
    InArray,
    /// A non-empty value (`pr`).
    Present,
    /// `col IS NULL`.
    IsNull(Col),
    /// `col op ?`.
    Cmp(Col, Op, SqlValue),
    /// A substring test of `col` against a literal (not a pattern).
    Substring(Col, Substring, String),
    And(Vec<RowCond>),
    Or(Vec<RowCond>),
    /// `(cond) IS NOT TRUE`: false or unknown.
    NotTrue(Box<RowCond>),
}

/// A condition tree with constants and n-ary `and`/`or`, which [`fold`] simplifies.
trait Junction: Sized {
    fn constant(value: bool) -> Self;
    fn as_constant(&self) -> Option<bool>;
    /// The operands, if `self` is an `and` (`conjunction`) or an `or` (not).
    fn operands(self, conjunction: bool) -> Result<Vec<Self>, Self>;
    fn join(items: Vec<Self>, conjunction: bool) -> Self;
}

/// `items` joined by `and` (`conjunction`) or `or`: constants folded, nested junctions
/// of the same kind flattened, and a single operand returned as it is.
fn fold<T: Junction>(items: Vec<T>, conjunction: bool) -> T {
    let mut kept = Vec::with_capacity(items.len());
    for item in items {
        match item.as_constant() {
            // `true` is the identity of `and`, `false` of `or`; the other absorbs.
            Some(value) if value == conjunction => continue,
            Some(_) => return T::constant(!conjunction),
            None => {}
        }
        match item.operands(conjunction) {
            Ok(inner) => kept.extend(inner),
            Err(other) => kept.push(other),
        }
    }
    match kept.len() {
        0 => T::constant(conjunction),
        1 => kept.pop().unwrap_or_else(|| T::constant(conjunction)),
        _ => T::join(kept, conjunction),
    }
}

macro_rules! junction {
    ($ty:ident) => {
        impl Junction for $ty {
            fn constant(value: bool) -> Self {
                Self::Const(value)
            }

            fn as_constant(&self) -> Option<bool> {
                match self {
                    Self::Const(value) => Some(*value),
                    _ => None,
                }
            }

            fn operands(self, conjunction: bool) -> Result<Vec<Self>, Self> {
                match (self, conjunction) {
                    (Self::And(inner), true) | (Self::Or(inner), false) => Ok(inner),
                    (other, _) => Err(other),
                }
            }

            fn join(items: Vec<Self>, conjunction: bool) -> Self {
                if conjunction {
                    Self::And(items)
                } else {
                    Self::Or(items)
                }
            }
        }
    };
}

junction!(RowCond);
junction!(Cond);

impl RowCond {
    pub(crate) fn and(items: Vec<RowCond>) -> Self {
        fold(items, true)
    }

    pub(crate) fn or(items: Vec<RowCond>) -> Self {
        fold(items, false)
    }

    pub(crate) fn not_true(cond: RowCond) -> Self {
        match cond {
            Self::Const(value) => Self::Const(!value),
            other => Self::NotTrue(Box::new(other)),
        }
    }
}

/// Which row an `EXISTS` is correlated with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Outer {
    /// The resource `r`.
    Resource,
    /// The element `e` of a value path (same resource, same `elem`).
    Element,
}

/// A condition on a resource (or, inside a value path, on one element).
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Cond {
    Const(bool),
    Not(Box<Cond>),
    And(Vec<Cond>),
    Or(Vec<Cond>),
    /// Rows of `attr_values` exist that satisfy `rows[0]`, `rows[1]`, … — all in the
    /// same element when there are several — and, if given, `nested` (correlated with
    /// the first row as the element `e`).
    Exists {
        outer: Outer,
        rows: Vec<RowCond>,
        nested: Option<Box<Cond>>,
    },
}

impl Cond {
    /// `EXISTS` one row satisfying `row`.
    pub(crate) fn exists(outer: Outer, row: RowCond) -> Self {
        Self::exists_all(outer, vec![row], None)
    }

    pub(crate) fn exists_all(outer: Outer, rows: Vec<RowCond>, nested: Option<Cond>) -> Self {
        if rows.contains(&RowCond::Const(false)) {
            return Self::Const(false);
        }
        match nested {
            Some(Self::Const(false)) => Self::Const(false),
            Some(Self::Const(true)) | None => Self::Exists {
                outer,
                rows,
                nested: None,
            },
            Some(nested) => Self::Exists {
                outer,
                rows,
                nested: Some(Box::new(nested)),
            },
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub(crate) fn not(cond: Cond) -> Self {
        match cond {
            Self::Const(value) => Self::Const(!value),
            Self::Not(inner) => *inner,
            other => Self::Not(Box::new(other)),
        }
    }

    pub(crate) fn and(items: Vec<Cond>) -> Self {
        fold(items, true)
    }

    pub(crate) fn or(items: Vec<Cond>) -> Self {
        fold(items, false)
    }

    /// The single row condition of an `EXISTS` on one element with nothing nested: the
    /// shape that can join other such tests on the same element.
    pub(crate) fn as_element_row(&self) -> Option<&RowCond> {
        match self {
            Self::Exists {
                outer: Outer::Element,
                rows,
                nested: None,
            } if rows.len() == 1 => rows.first(),
            _ => None,
        }
    }
}

/// Writes conditions as SQL, collecting the parameters.
pub(crate) struct Renderer<'p> {
    dialect: Dialect,
    params: &'p mut Vec<SqlValue>,
    out: String,
}

impl<'p> Renderer<'p> {
    pub(crate) fn new(dialect: Dialect, params: &'p mut Vec<SqlValue>) -> Self {
        Self {
            dialect,
            params,
            out: String::new(),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.out
    }

    pub(crate) fn push(&mut self, sql: &str) {
        self.out.push_str(sql);
    }

    pub(crate) fn bind(&mut self, value: SqlValue) -> String {
        self.dialect.bind(self.params, value)
    }

    fn push_bound(&mut self, value: SqlValue) {
        let placeholder = self.bind(value);
        self.out.push_str(&placeholder);
    }

    /// A condition that can be joined to others with `AND`: `OR` lists are in
    /// parentheses.
    pub(crate) fn cond(&mut self, cond: &Cond) {
        match cond {
            Cond::Const(true) => self.push("1 = 1"),
            Cond::Const(false) => self.push("1 = 0"),
            Cond::Not(inner) => match inner.as_ref() {
                Cond::Exists { .. } | Cond::Or(_) => {
                    self.push("NOT ");
                    self.cond(inner);
                }
                other => {
                    self.push("NOT (");
                    self.cond(other);
                    self.push(")");
                }
            },
            Cond::And(items) => {
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.push(" AND ");
                    }
                    self.cond(item);
                }
            }
            Cond::Or(items) => {
                self.push("(");
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.push(" OR ");
                    }
                    let nested_and = matches!(item, Cond::And(_));
                    if nested_and {
                        self.push("(");
                    }
                    self.cond(item);
                    if nested_and {
                        self.push(")");
                    }
                }
                self.push(")");
            }
            Cond::Exists {
                outer,
                rows,
                nested,
            } => self.exists(*outer, rows, nested.as_deref()),
        }
    }

    fn exists(&mut self, outer: Outer, rows: &[RowCond], nested: Option<&Cond>) {
        let (correlate_to, correlate_elem) = match outer {
            Outer::Resource => ("r", false),
            Outer::Element => ("e", true),
        };
        let aliases: Vec<String> = match (rows.len(), nested.is_some()) {
            (1, true) => vec!["e".to_owned()],
            (1, false) => vec!["v".to_owned()],
            (n, _) => (1..=n).map(|i| format!("v{i}")).collect(),
        };
        let first = &aliases[0];
        self.push("EXISTS (SELECT 1 FROM attr_values ");
        self.push(first);
        for alias in &aliases[1..] {
            self.push(&format!(
                " JOIN attr_values {alias} ON {alias}.tenant = {first}.tenant \
                 AND {alias}.resource_type = {first}.resource_type AND {alias}.id = {first}.id \
                 AND {alias}.elem = {first}.elem"
            ));
        }
        self.push(&format!(
            " WHERE {first}.tenant = {correlate_to}.tenant \
             AND {first}.resource_type = {correlate_to}.resource_type \
             AND {first}.id = {correlate_to}.id"
        ));
        if correlate_elem {
            self.push(&format!(" AND {first}.elem = {correlate_to}.elem"));
        }
        for (alias, row) in aliases.iter().zip(rows) {
            if *row != RowCond::Const(true) {
                self.push(" AND ");
                self.row(alias, row);
            }
        }
        if let Some(nested) = nested {
            self.push(" AND ");
            self.cond(nested);
        }
        self.push(")");
    }

    /// A row condition that can be joined to others with `AND`.
    pub(crate) fn row(&mut self, alias: &str, row: &RowCond) {
        match row {
            RowCond::Const(true) => self.push("1 = 1"),
            RowCond::Const(false) => self.push("1 = 0"),
            RowCond::Path(path) => {
                self.push(&format!("{alias}.path = "));
                self.push_bound(SqlValue::Text(path.clone()));
            }
            RowCond::PathOrSub(path) => {
                self.push(&format!("({alias}.path = "));
                self.push_bound(SqlValue::Text(path.clone()));
                self.push(&format!(" OR {alias}.path LIKE "));
                self.push_bound(SqlValue::Text(format!("{}.%", escape_like(path))));
                self.push(" ESCAPE '\\')");
            }
            RowCond::InArray => self.push(&format!("{alias}.elem > 0")),
            RowCond::Present => self.push(&format!(
                "({alias}.text <> '' OR {alias}.num IS NOT NULL OR {alias}.bool IS NOT NULL)"
            )),
            RowCond::IsNull(col) => self.push(&format!("{alias}.{} IS NULL", col.name())),
            RowCond::Cmp(col, op, value) => {
                self.push(&format!("{alias}.{}", col.name()));
                if *op != Op::Eq && col.is_text() && self.dialect == Dialect::Postgres {
                    self.push(" COLLATE \"C\"");
                }
                self.push(&format!(" {} ", op.as_str()));
                self.push_bound(value.clone());
            }
            RowCond::Substring(col, test, literal) => self.substring(alias, *col, *test, literal),
            RowCond::And(items) => {
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.push(" AND ");
                    }
                    self.row(alias, item);
                }
            }
            RowCond::Or(items) => {
                self.push("(");
                for (index, item) in items.iter().enumerate() {
                    if index > 0 {
                        self.push(" OR ");
                    }
                    // `a AND b` inside `OR` reads unambiguously only in parentheses.
                    let nested_and = matches!(item, RowCond::And(_));
                    if nested_and {
                        self.push("(");
                    }
                    self.row(alias, item);
                    if nested_and {
                        self.push(")");
                    }
                }
                self.push(")");
            }
            RowCond::NotTrue(inner) => {
                if matches!(inner.as_ref(), RowCond::Or(_)) {
                    self.row(alias, inner);
                } else {
                    self.push("(");
                    self.row(alias, inner);
                    self.push(")");
                }
                self.push(" IS NOT TRUE");
            }
        }
    }

    fn substring(&mut self, alias: &str, col: Col, test: Substring, literal: &str) {
        let column = format!("{alias}.{}", col.name());
        // SQLite's LIKE ignores ASCII case: fine on `folded`, wrong on case-exact text.
        if self.dialect == Dialect::Sqlite && col != Col::Folded {
            let placeholder = self.bind(SqlValue::Text(literal.to_owned()));
            self.push(&match test {
                Substring::Contains => format!("instr({column}, {placeholder}) > 0"),
                Substring::StartsWith => {
                    format!("substr({column}, 1, length({placeholder})) = {placeholder}")
                }
                Substring::EndsWith => format!(
                    "substr({column}, length({column}) - length({placeholder}) + 1) = {placeholder}"
                ),
            });
            return;
        }
        let escaped = escape_like(literal);
        let pattern = match test {
            Substring::Contains => format!("%{escaped}%"),
            Substring::StartsWith => format!("{escaped}%"),
            Substring::EndsWith => format!("%{escaped}"),
        };
        self.push(&format!("{column} LIKE "));
        self.push_bound(SqlValue::Text(pattern));
        self.push(" ESCAPE '\\'");
    }
}

/// `text` with the `LIKE` wildcards `%` and `_` and the escape character `\` escaped by
/// `\`, so that it matches itself in a pattern with `ESCAPE '\'`.
///
/// ```
/// assert_eq!(scimitar_sql::escape_like(r"50%_off\now"), r"50\%\_off\\now");
/// ```
pub fn escape_like(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(cond: &Cond, dialect: Dialect) -> (String, Vec<SqlValue>) {
        let mut params = Vec::new();
        let mut renderer = Renderer::new(dialect, &mut params);
        renderer.cond(cond);
        (renderer.finish(), params)
    }

    fn test(path: &str) -> Cond {
        Cond::exists(Outer::Resource, RowCond::Path(path.to_owned()))
    }

    #[test]
    fn constants_fold_away() {
        let a = || test("a");
        assert_eq!(Cond::and(vec![Cond::Const(true), a()]), a());
        assert_eq!(
            Cond::and(vec![a(), Cond::Const(false), a()]),
            Cond::Const(false)
        );
        assert_eq!(Cond::or(vec![Cond::Const(false), a()]), a());
        assert_eq!(Cond::or(vec![a(), Cond::Const(true)]), Cond::Const(true));
        assert_eq!(Cond::and(Vec::new()), Cond::Const(true));
        assert_eq!(Cond::or(Vec::new()), Cond::Const(false));
        assert_eq!(Cond::not(Cond::not(a())), a());
        assert_eq!(Cond::not(Cond::Const(true)), Cond::Const(false));
        assert_eq!(
            Cond::exists(Outer::Resource, RowCond::and(vec![RowCond::Const(false)])),
            Cond::Const(false)
        );
        assert_eq!(
            RowCond::not_true(RowCond::Const(false)),
            RowCond::Const(true)
        );
        assert_eq!(
            RowCond::or(vec![RowCond::InArray, RowCond::Const(true)]),
            RowCond::Const(true)
        );
    }

    #[test]
    fn nested_lists_flatten_and_parenthesise() {
        let nested = Cond::and(vec![
            test("a"),
            Cond::and(vec![test("b"), Cond::or(vec![test("c"), test("d")])]),
        ]);
        let Cond::And(items) = &nested else {
            panic!("an and");
        };
        assert_eq!(items.len(), 3);
        let (sql, params) = render(
            &Cond::not(Cond::or(vec![test("a"), nested])),
            Dialect::Sqlite,
        );
        let e = |n: usize| {
            format!(
                "EXISTS (SELECT 1 FROM attr_values v WHERE v.tenant = r.tenant \
                 AND v.resource_type = r.resource_type AND v.id = r.id AND v.path = ?{n})"
            )
        };
        assert_eq!(
            sql,
            format!(
                "NOT ({} OR ({} AND {} AND ({} OR {})))",
                e(1),
                e(2),
                e(3),
                e(4),
                e(5)
            )
        );
        assert_eq!(params.len(), 5);
    }

    #[test]
    fn row_conditions_render_per_dialect() {
        let row = |cond: &RowCond, dialect| {
            let mut params = Vec::new();
            let mut renderer = Renderer::new(dialect, &mut params);
            renderer.row("v", cond);
            (renderer.finish(), params)
        };
        let ordered = RowCond::Cmp(Col::Folded, Op::Le, SqlValue::from("m"));
        assert_eq!(row(&ordered, Dialect::Sqlite).0, "v.folded <= ?1");
        assert_eq!(
            row(&ordered, Dialect::Postgres).0,
            "v.folded COLLATE \"C\" <= $1"
        );
        let number = RowCond::Cmp(Col::Num, Op::Gt, SqlValue::Real(2.5));
        assert_eq!(row(&number, Dialect::Postgres).0, "v.num > $1");
        let not_true = RowCond::not_true(RowCond::or(vec![
            RowCond::Cmp(Col::Bool, Op::Eq, SqlValue::Bool(true)),
            RowCond::and(vec![RowCond::IsNull(Col::Ts), RowCond::InArray]),
        ]));
        assert_eq!(
            row(&not_true, Dialect::Sqlite).0,
            "(v.bool = ?1 OR (v.ts IS NULL AND v.elem > 0)) IS NOT TRUE"
        );
        let contains = RowCond::Substring(Col::Text, Substring::Contains, "a%".into());
        assert_eq!(
            row(&contains, Dialect::Sqlite),
            (
                "instr(v.text, ?1) > 0".to_owned(),
                vec![SqlValue::from("a%")]
            )
        );
        assert_eq!(
            row(&contains, Dialect::Postgres),
            (
                "v.text LIKE $1 ESCAPE '\\'".to_owned(),
                vec![SqlValue::from("%a\\%%")]
            )
        );
    }
}
