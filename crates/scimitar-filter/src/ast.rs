//! The syntax tree shared by every entry point.

use std::fmt;
use std::str::FromStr;

use crate::error::FilterError;
use crate::options::ParseOptions;
use crate::parser;

/// An attribute name: `ATTRNAME` of RFC 7644 §3.10 (`userName`, `$ref`, `x-custom_1`).
///
/// The spelling is kept as written; SCIM compares names case-insensitively, which
/// [`AttrName::matches`] does.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AttrName(Box<str>);

impl AttrName {
    /// Checks `name` against the `ATTRNAME` grammar: a letter or `$`, then letters,
    /// digits, `-`, `_` or `$`.
    ///
    /// ```
    /// use scimitar_filter::AttrName;
    /// assert!(AttrName::new("$ref").is_ok());
    /// assert!(AttrName::new("9lives").is_err());
    /// ```
    pub fn new(name: &str) -> Result<Self, FilterError> {
        match parser::name_len(name) {
            n if n > 0 && n == name.len() => Ok(Self(name.into())),
            n => Err(FilterError::invalid(
                n,
                "an attribute name is a letter or \"$\" followed by letters, digits, \"-\", \"_\" or \"$\"",
            )),
        }
    }

    /// The name as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` names the same attribute, ignoring ASCII case as SCIM requires.
    pub fn matches(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }

    pub(crate) fn from_checked(name: &str) -> Self {
        Self(name.into())
    }
}

/// A schema URN that qualifies an attribute path, such as
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SchemaUrn(Box<str>);

impl SchemaUrn {
    /// Checks that `urn` is `urn:` followed by a namespace and a specific string, made of
    /// letters, digits and `: . - _ % +`, not ending in `:`.
    ///
    /// ```
    /// use scimitar_filter::SchemaUrn;
    /// assert!(SchemaUrn::new("urn:ietf:params:scim:schemas:core:2.0:User").is_ok());
    /// assert!(SchemaUrn::new("urn:x").is_err());
    /// ```
    pub fn new(urn: &str) -> Result<Self, FilterError> {
        if parser::is_schema_urn(urn) {
            Ok(Self(urn.into()))
        } else {
            Err(FilterError::invalid(
                0,
                "a schema URN is \"urn:\", a namespace, \":\" and a name",
            ))
        }
    }

    /// The URN as written.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether `other` is the same URN, ignoring ASCII case.
    pub fn matches(&self, other: &str) -> bool {
        self.0.eq_ignore_ascii_case(other)
    }

    pub(crate) fn from_checked(urn: &str) -> Self {
        Self(urn.into())
    }
}

/// `attrPath` (RFC 7644 §3.10): an optional schema URN, an attribute name and at most one
/// sub-attribute, as in `name.familyName` or
/// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct AttrPath {
    /// The schema that qualifies the attribute, if written.
    pub urn: Option<SchemaUrn>,
    /// The attribute.
    pub name: AttrName,
    /// The sub-attribute of a complex attribute, if any.
    pub sub_attr: Option<AttrName>,
}

impl AttrPath {
    /// A path to a top-level attribute with neither URN nor sub-attribute.
    pub fn new(name: AttrName) -> Self {
        Self {
            urn: None,
            name,
            sub_attr: None,
        }
    }

    /// The same path qualified by `urn`.
    pub fn with_urn(mut self, urn: SchemaUrn) -> Self {
        self.urn = Some(urn);
        self
    }

    /// The same path with the sub-attribute `sub_attr`.
    pub fn with_sub_attr(mut self, sub_attr: AttrName) -> Self {
        self.sub_attr = Some(sub_attr);
        self
    }

    /// Parses an attribute path with the given options.
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError> {
        parser::attr_path(input, options)
    }
}

/// A comparison operator of RFC 7644 §3.4.2.2 (`pr` is [`AttrExpr::Present`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CompareOp {
    /// `eq`: equal.
    Eq,
    /// `ne`: not equal.
    Ne,
    /// `co`: contains.
    Co,
    /// `sw`: starts with.
    Sw,
    /// `ew`: ends with.
    Ew,
    /// `gt`: greater than.
    Gt,
    /// `lt`: less than.
    Lt,
    /// `ge`: greater than or equal to.
    Ge,
    /// `le`: less than or equal to.
    Le,
}

impl CompareOp {
    /// Every operator, in the RFC's order.
    pub const ALL: [CompareOp; 9] = [
        Self::Eq,
        Self::Ne,
        Self::Co,
        Self::Sw,
        Self::Ew,
        Self::Gt,
        Self::Lt,
        Self::Ge,
        Self::Le,
    ];

    /// The canonical, lower-case spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Eq => "eq",
            Self::Ne => "ne",
            Self::Co => "co",
            Self::Sw => "sw",
            Self::Ew => "ew",
            Self::Gt => "gt",
            Self::Lt => "lt",
            Self::Ge => "ge",
            Self::Le => "le",
        }
    }
}

/// `compValue`: the literal on the right of a comparison.
#[derive(Clone, Debug, PartialEq)]
pub enum CompValue {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A JSON number.
    Number(serde_json::Number),
    /// A JSON string, unescaped (or, in lenient mode, an unquoted word).
    String(String),
}

/// `attrExp`: a test on one attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum AttrExpr {
    /// `attrPath pr`: the attribute has a value.
    Present(AttrPath),
    /// `attrPath compareOp compValue`.
    Compare(AttrPath, CompareOp, CompValue),
}

impl AttrExpr {
    /// The attribute this expression tests.
    pub fn path(&self) -> &AttrPath {
        match self {
            Self::Present(path) | Self::Compare(path, ..) => path,
        }
    }
}

/// A logical expression over leaves of type `L`: the shape shared by a whole [`Filter`]
/// and the [`ValueFilter`] inside brackets.
///
/// `and` and `or` are binary and left-associative: `a and b and c` is
/// `And(And(a, b), c)`. Parentheses leave no node of their own.
#[derive(Clone, Debug, PartialEq)]
pub enum Expr<L> {
    /// A single test.
    Leaf(L),
    /// `not (…)`.
    Not(Box<Expr<L>>),
    /// `… and …`.
    And(Box<Expr<L>>, Box<Expr<L>>),
    /// `… or …`.
    Or(Box<Expr<L>>, Box<Expr<L>>),
}

impl<L> Expr<L> {
    /// `left and right`.
    pub fn and(left: Self, right: Self) -> Self {
        Self::And(Box::new(left), Box::new(right))
    }

    /// `left or right`.
    pub fn or(left: Self, right: Self) -> Self {
        Self::Or(Box::new(left), Box::new(right))
    }

    /// `not (inner)`.
    pub fn negate(inner: Self) -> Self {
        Self::Not(Box::new(inner))
    }
}

/// A leaf of a full [`Filter`]: an attribute test, or a value path that ties several
/// tests to one element of a multi-valued attribute.
#[derive(Clone, Debug, PartialEq)]
pub enum FilterLeaf {
    /// `attrExp`.
    Attr(AttrExpr),
    /// `valuePath`, such as `emails[type eq "work"]`.
    ValuePath(ValuePath),
}

/// A SCIM filter (RFC 7644 §3.4.2.2), as given in `filter=`.
///
/// ```
/// use scimitar_filter::Filter;
/// let filter: Filter = r#"userName Eq "bjensen" AND not(title pr)"#.parse()?;
/// assert_eq!(filter.to_string(), r#"userName eq "bjensen" and not (title pr)"#);
/// # Ok::<(), scimitar_filter::FilterError>(())
/// ```
pub type Filter = Expr<FilterLeaf>;

/// The filter inside a value path's brackets: attribute tests only, no nested brackets.
pub type ValueFilter = Expr<AttrExpr>;

impl Expr<FilterLeaf> {
    /// Parses a filter with the given options (for instance lenient IdP shapes).
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError> {
        parser::filter(input, options)
    }
}

/// `valuePath`: a multi-valued (or complex) attribute with a filter on its elements,
/// such as `emails[type eq "work" and value co "@example.com"]`.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct ValuePath {
    /// The schema that qualifies the attribute, if written.
    pub urn: Option<SchemaUrn>,
    /// The attribute whose elements are filtered.
    pub name: AttrName,
    /// The filter each matching element satisfies.
    pub filter: Box<ValueFilter>,
}

impl ValuePath {
    /// `name[filter]`.
    pub fn new(name: AttrName, filter: ValueFilter) -> Self {
        Self {
            urn: None,
            name,
            filter: Box::new(filter),
        }
    }

    /// The same value path qualified by `urn`.
    pub fn with_urn(mut self, urn: SchemaUrn) -> Self {
        self.urn = Some(urn);
        self
    }
}

/// The target of a PATCH operation (RFC 7644 §3.5.2): `attrPath`, or `valuePath` with an
/// optional sub-attribute.
///
/// ```
/// use scimitar_filter::PatchPath;
/// let path: PatchPath = r#"emails[type eq "work"].value"#.parse()?;
/// assert_eq!(path.to_string(), r#"emails[type eq "work"].value"#);
/// # Ok::<(), scimitar_filter::FilterError>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum PatchPath {
    /// A plain attribute path: `name.givenName`.
    Attr(AttrPath),
    /// Filtered elements, and optionally one sub-attribute of them:
    /// `members[value eq "2819c223"]`, `emails[type eq "work"].value`.
    Value(ValuePath, Option<AttrName>),
}

impl PatchPath {
    /// Parses a PATCH path with the given options.
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError> {
        parser::patch_path(input, options)
    }
}

/// An `attributes` or `excludedAttributes` list (RFC 7644 §3.4.2.5): comma-separated
/// attribute paths. Lenient mode also accepts value paths (`emails[type eq "work"]`).
///
/// An empty or blank list parses to no paths.
#[derive(Clone, Debug, Default, PartialEq)]
#[non_exhaustive]
pub struct AttributeList {
    /// The paths, in the order given.
    pub paths: Vec<PatchPath>,
}

impl AttributeList {
    /// A list of the given paths.
    pub fn new(paths: Vec<PatchPath>) -> Self {
        Self { paths }
    }

    /// Parses a list with the given options.
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError> {
        parser::attribute_list(input, options)
    }
}

/// The `sortBy` parameter (RFC 7644 §3.4.2.3): one attribute path.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct SortBy(pub AttrPath);

impl SortBy {
    /// Parses a `sortBy` value with the given options.
    pub fn parse_with(input: &str, options: &ParseOptions) -> Result<Self, FilterError> {
        parser::attr_path(input, options).map(Self)
    }
}

macro_rules! from_str_via_parse_with {
    ($($ty:ty),*) => {$(
        impl FromStr for $ty {
            type Err = FilterError;

            /// Parses strictly, with the default limits.
            fn from_str(input: &str) -> Result<Self, Self::Err> {
                Self::parse_with(input, &ParseOptions::default())
            }
        }
    )*};
}

from_str_via_parse_with!(Expr<FilterLeaf>, PatchPath, AttributeList, AttrPath, SortBy);

impl FromStr for AttrName {
    type Err = FilterError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::new(input)
    }
}

impl FromStr for SchemaUrn {
    type Err = FilterError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        Self::new(input)
    }
}

impl AsRef<str> for AttrName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for SchemaUrn {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AttrName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Display for SchemaUrn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
