//! The canonical `Display` contract: `parse(display(ast)) == ast`, and the canonical text
//! prints itself again. Checked on generated trees for every entry point, on hand-built
//! trees (minimal parentheses, escapes) and on hand-written inputs, lenient ones included.

use std::fmt::Debug;

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::select;

use scimitar_filter::{
    AttrExpr, AttrName, AttrPath, AttributeList, CompValue, CompareOp, Expr, Filter, FilterError,
    FilterLeaf, LenientShape, PatchPath, SchemaUrn, SortBy, ValueFilter, ValuePath,
};

use crate::{
    ENTERPRISE_URN, USER_URN, compare, float, int, leaf, lenient, name, parse, parse_lenient, path,
    present, roomy, string, urn, value_path, vleaf, vp_leaf,
};

// ---------------------------------------------------------------------------------------
// Strategies.

const URNS: [&str; 4] = [
    USER_URN,
    ENTERPRISE_URN,
    "urn:ietf:params:scim:schemas:core:2.0:Group",
    "urn:example:ext-1_a.b%41+c",
];

fn attr_name() -> impl Strategy<Value = AttrName> {
    "[a-zA-Z$][a-zA-Z0-9_$-]{0,8}".prop_map(|text| name(&text))
}

/// No URN, a well-known one, or a generated one with the characters URNs may hold.
fn schema_urn() -> impl Strategy<Value = Option<SchemaUrn>> {
    option::of(prop_oneof![
        3 => select(URNS.to_vec()).prop_map(urn),
        1 => "[uU][rR][nN]:[a-zA-Z0-9-]{1,6}(:[a-zA-Z0-9._%+-]{1,6}){1,3}"
            .prop_map(|text| urn(&text)),
    ])
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (schema_urn(), attr_name(), option::of(attr_name())).prop_map(|(urn, name, sub_attr)| {
        let mut path = AttrPath::new(name);
        if let Some(urn) = urn {
            path = path.with_urn(urn);
        }
        if let Some(sub_attr) = sub_attr {
            path = path.with_sub_attr(sub_attr);
        }
        path
    })
}

/// Any string, or one dense in characters that need escaping or look like syntax.
fn text() -> impl Strategy<Value = String> {
    let tricky = prop_oneof![
        Just('"'),
        Just('\\'),
        Just('/'),
        Just('\n'),
        Just('\r'),
        Just('\t'),
        Just('\u{8}'),
        Just('\u{c}'),
        Just('\0'),
        Just('\u{1f}'),
        Just('\u{7f}'),
        Just('é'),
        Just('😀'),
        Just('\u{2028}'),
        Just('\u{fffd}'),
        Just(' '),
        Just(']'),
        Just(')'),
        Just(','),
        any::<char>(),
    ];
    prop_oneof![
        any::<String>(),
        vec(tricky, 0..16).prop_map(String::from_iter),
    ]
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(int),
        any::<u64>().prop_map(|value| CompValue::Number(value.into())),
        any::<f64>()
            .prop_filter("JSON numbers are finite", |value| value.is_finite())
            .prop_map(float),
        text().prop_map(CompValue::String),
    ]
}

fn attr_expr() -> impl Strategy<Value = AttrExpr> {
    prop_oneof![
        attr_path().prop_map(AttrExpr::Present),
        (attr_path(), select(CompareOp::ALL.to_vec()), comp_value())
            .prop_map(|(path, op, value)| AttrExpr::Compare(path, op, value)),
    ]
}

/// `not`, `and` and `or` over `leaf`, about four levels deep.
fn logical<L: Clone + Debug + 'static>(
    leaf: impl Strategy<Value = Expr<L>> + 'static,
) -> impl Strategy<Value = Expr<L>> {
    leaf.prop_recursive(4, 24, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(Expr::negate),
            (inner.clone(), inner.clone()).prop_map(|(left, right)| Expr::and(left, right)),
            (inner.clone(), inner).prop_map(|(left, right)| Expr::or(left, right)),
        ]
    })
}

fn value_filter() -> impl Strategy<Value = ValueFilter> {
    logical(attr_expr().prop_map(Expr::Leaf))
}

fn value_path_strategy() -> impl Strategy<Value = ValuePath> {
    (schema_urn(), attr_name(), value_filter()).prop_map(|(urn, name, filter)| {
        let value_path = ValuePath::new(name, filter);
        match urn {
            Some(urn) => value_path.with_urn(urn),
            None => value_path,
        }
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    logical(prop_oneof![
        3 => attr_expr().prop_map(|expr| Expr::Leaf(FilterLeaf::Attr(expr))),
        1 => value_path_strategy().prop_map(|path| Expr::Leaf(FilterLeaf::ValuePath(path))),
    ])
}

fn patch_path() -> impl Strategy<Value = PatchPath> {
    prop_oneof![
        attr_path().prop_map(PatchPath::Attr),
        (value_path_strategy(), option::of(attr_name()))
            .prop_map(|(path, sub_attr)| PatchPath::Value(path, sub_attr)),
    ]
}

// ---------------------------------------------------------------------------------------
// Properties.

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn filters_round_trip(ast in filter()) {
        let text = ast.to_string();
        let reparsed = Filter::parse_with(&text, &roomy());
        prop_assert_eq!(reparsed.as_ref(), Ok(&ast), "{}", text);
        prop_assert_eq!(reparsed.map(|filter| filter.to_string()), Ok(text.clone()));
        // Lenient mode reads canonical text the same way.
        prop_assert_eq!(Filter::parse_with(&text, &roomy().lenient(true)), Ok(ast));
    }

    #[test]
    fn value_filters_round_trip_inside_brackets(filter in value_filter()) {
        let ast = vp_leaf(ValuePath::new(name("x"), filter));
        let text = ast.to_string();
        prop_assert_eq!(Filter::parse_with(&text, &roomy()), Ok(ast), "{}", text);
    }

    #[test]
    fn patch_paths_round_trip(ast in patch_path()) {
        let text = ast.to_string();
        let reparsed = PatchPath::parse_with(&text, &roomy());
        prop_assert_eq!(reparsed.as_ref(), Ok(&ast), "{}", text);
        prop_assert_eq!(reparsed.map(|path| path.to_string()), Ok(text));
    }

    #[test]
    fn attr_paths_and_sort_by_round_trip(ast in attr_path()) {
        let text = ast.to_string();
        prop_assert_eq!(text.parse::<AttrPath>(), Ok(ast.clone()), "{}", text);
        prop_assert_eq!(text.parse::<SortBy>(), Ok(SortBy(ast.clone())));
        prop_assert_eq!(SortBy(ast.clone()).to_string(), text.clone());
        prop_assert_eq!(text.parse::<PatchPath>(), Ok(PatchPath::Attr(ast)));
    }

    #[test]
    fn strict_attribute_lists_round_trip(paths in vec(attr_path().prop_map(PatchPath::Attr), 0..6)) {
        let ast = AttributeList::new(paths);
        let text = ast.to_string();
        prop_assert!(!text.contains(' '), "{}", text);
        let reparsed = AttributeList::parse_with(&text, &roomy());
        prop_assert_eq!(reparsed.as_ref(), Ok(&ast), "{}", text);
        prop_assert_eq!(reparsed.map(|list| list.to_string()), Ok(text));
    }

    #[test]
    fn lenient_attribute_lists_round_trip(paths in vec(patch_path(), 0..6)) {
        let ast = AttributeList::new(paths);
        let text = ast.to_string();
        let reparsed = AttributeList::parse_with(&text, &roomy().lenient(true));
        prop_assert_eq!(reparsed.as_ref(), Ok(&ast), "{}", text);
        prop_assert_eq!(reparsed.map(|list| list.to_string()), Ok(text.clone()));
        // Strict mode rejects the first value path, at its start.
        let first_value_path = ast
            .paths
            .iter()
            .position(|path| matches!(path, PatchPath::Value(..)));
        if let Some(index) = first_value_path {
            let offset: usize = ast.paths[..index]
                .iter()
                .map(|path| path.to_string().len() + 1)
                .sum();
            prop_assert_eq!(
                AttributeList::parse_with(&text, &roomy()),
                Err(FilterError::LenientOnly { offset, shape: LenientShape::ValuePathInList })
            );
        }
    }

    #[test]
    fn strings_round_trip(value in text()) {
        let ast = leaf(compare(path("x"), CompareOp::Eq, CompValue::String(value)));
        let text = ast.to_string();
        prop_assert!(!text.chars().any(|c| c < ' '), "{:?}", text);
        prop_assert_eq!(Filter::parse_with(&text, &roomy()), Ok(ast));
    }
}

// ---------------------------------------------------------------------------------------
// Hand-built trees.

fn a() -> Filter {
    leaf(present(path("a")))
}

fn b() -> Filter {
    leaf(present(path("b")))
}

fn c() -> Filter {
    leaf(present(path("c")))
}

#[test]
fn minimal_parentheses() {
    let cases = [
        (
            Expr::and(Expr::and(a(), b()), c()),
            "a pr and b pr and c pr",
        ),
        (
            Expr::and(a(), Expr::and(b(), c())),
            "a pr and (b pr and c pr)",
        ),
        (Expr::or(Expr::or(a(), b()), c()), "a pr or b pr or c pr"),
        (Expr::or(a(), Expr::or(b(), c())), "a pr or (b pr or c pr)"),
        (
            Expr::and(Expr::or(a(), b()), c()),
            "(a pr or b pr) and c pr",
        ),
        (
            Expr::and(a(), Expr::or(b(), c())),
            "a pr and (b pr or c pr)",
        ),
        (Expr::or(Expr::and(a(), b()), c()), "a pr and b pr or c pr"),
        (Expr::or(a(), Expr::and(b(), c())), "a pr or b pr and c pr"),
        (Expr::negate(a()), "not (a pr)"),
        (Expr::negate(Expr::or(a(), b())), "not (a pr or b pr)"),
        (Expr::negate(Expr::negate(a())), "not (not (a pr))"),
        (
            Expr::and(Expr::negate(a()), Expr::negate(b())),
            "not (a pr) and not (b pr)",
        ),
        (
            Expr::or(Expr::and(a(), Expr::negate(b())), Expr::and(c(), a())),
            "a pr and not (b pr) or c pr and a pr",
        ),
        (
            Expr::and(Expr::or(a(), b()), Expr::or(c(), a())),
            "(a pr or b pr) and (c pr or a pr)",
        ),
    ];
    for (ast, text) in cases {
        assert_eq!(ast.to_string(), text);
        assert_eq!(parse(text), ast, "{text}");
    }
}

#[test]
fn value_filters_print_with_the_same_rules() {
    let inner = Expr::and(
        Expr::or(vleaf(present(path("a"))), vleaf(present(path("b")))),
        Expr::negate(vleaf(present(path("c")))),
    );
    let ast = vp_leaf(value_path("x", inner));
    assert_eq!(ast.to_string(), "x[(a pr or b pr) and not (c pr)]");
    assert_eq!(parse("x[(a pr or b pr) and not (c pr)]"), ast);
    let in_chain = Expr::or(a(), ast);
    assert_eq!(
        in_chain.to_string(),
        "a pr or x[(a pr or b pr) and not (c pr)]"
    );
}

#[test]
fn strings_are_printed_as_json() {
    let value = "q\"b\\s/c\u{1}\u{8}\u{c}\n\r\t\u{1f}é😀\u{7f}\u{2028}";
    let ast = leaf(compare(path("x"), CompareOp::Eq, string(value)));
    let text = r#"x eq "q\"b\\s/c\u0001\b\f\n\r\t\u001fé😀"#.to_owned() + "\u{7f}\u{2028}\"";
    assert_eq!(ast.to_string(), text);
    assert_eq!(parse(&text), ast);
}

#[test]
fn values_are_printed_canonically() {
    let cases = [
        (CompValue::Null, "null"),
        (CompValue::Bool(true), "true"),
        (CompValue::Bool(false), "false"),
        (int(-12), "-12"),
        (CompValue::Number(u64::MAX.into()), "18446744073709551615"),
        (float(1500.0), "1500.0"),
        (float(-0.5), "-0.5"),
        (float(1e-7), "1e-7"),
        (float(1.7976931348623157e308), "1.7976931348623157e+308"),
        (float(1e21), "1e+21"),
    ];
    for (value, printed) in cases {
        let ast = leaf(compare(path("x"), CompareOp::Ge, value));
        let text = format!("x ge {printed}");
        assert_eq!(ast.to_string(), text);
        assert_eq!(parse(&text), ast, "{text}");
    }
}

#[test]
fn paths_print_canonically() {
    let qualified = AttrPath::new(name("manager"))
        .with_urn(urn(ENTERPRISE_URN))
        .with_sub_attr(name("value"));
    let patch = PatchPath::Value(
        value_path(
            "emails",
            vleaf(compare(path("type"), CompareOp::Eq, string("work"))),
        )
        .with_urn(urn(USER_URN)),
        Some(name("value")),
    );
    let list = AttributeList::new(vec![PatchPath::Attr(qualified.clone()), patch.clone()]);
    assert_eq!(
        list.to_string(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value,\
         urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq \"work\"].value"
    );
    assert_eq!(
        AttributeList::parse_with(&list.to_string(), &lenient()),
        Ok(list)
    );
    assert_eq!(SortBy(qualified.clone()).to_string(), qualified.to_string());
}

// ---------------------------------------------------------------------------------------
// Hand-written inputs: the canonical form is a fixed point.

/// Strict inputs and their canonical forms.
const STRICT: [(&str, &str); 14] = [
    (r#"userName eq "bjensen""#, r#"userName eq "bjensen""#),
    (
        r#"  userName   EQ  "bjensen"  "#,
        r#"userName eq "bjensen""#,
    ),
    (
        r#"title pr AND NOT (userType eq "x") OR emails[type eq "work"]"#,
        r#"title pr and not (userType eq "x") or emails[type eq "work"]"#,
    ),
    ("((a pr or b pr)) and (c pr)", "(a pr or b pr) and c pr"),
    ("x eq 1.5e3", "x eq 1500.0"),
    ("x eq -0.0", "x eq -0.0"),
    (
        r#"x eq "\u00e9\/\ud83d\ude00\u0001""#,
        r#"x eq "é/😀\u0001""#,
    ),
    ("x eq True and y ne NULL", "x eq true and y ne null"),
    (
        r#"emails[ type eq "work" and (value co "@x" or primary eq TRUE) ]"#,
        r#"emails[type eq "work" and (value co "@x" or primary eq true)]"#,
    ),
    ("not(not(a pr))", "not (not (a pr))"),
    (
        "a pr and (b pr and (c pr and d pr))",
        "a pr and (b pr and (c pr and d pr))",
    ),
    (
        "a pr or (b pr or c pr) or d pr",
        "a pr or (b pr or c pr) or d pr",
    ),
    (
        "URN:IETF:params:scim:schemas:core:2.0:User:userName pr",
        "URN:IETF:params:scim:schemas:core:2.0:User:userName pr",
    ),
    (
        r#"members[value eq "a"] or not (members[value eq "b"])"#,
        r#"members[value eq "a"] or not (members[value eq "b"])"#,
    ),
];

/// Lenient-only inputs and their (strict) canonical forms.
const LENIENT: [(&str, &str); 4] = [
    (
        r#"emails[type eq "work"].value eq "x""#,
        r#"emails[type eq "work" and value eq "x"]"#,
    ),
    ("externalId eq jyoung", r#"externalId eq "jyoung""#),
    (
        "meta.created gt 2015-10-10T14:38:21.8617979-07:00",
        r#"meta.created gt "2015-10-10T14:38:21.8617979-07:00""#,
    ),
    (
        r#"emails[type eq "work" or primary eq true].value sw j"#,
        r#"emails[(type eq "work" or primary eq true) and value sw "j"]"#,
    ),
];

#[test]
fn canonical_form_is_a_fixed_point() {
    for (input, expected) in STRICT {
        let ast = parse(input);
        let text = ast.to_string();
        assert_eq!(text, expected, "{input}");
        assert_eq!(parse(&text), ast, "{input}");
        assert_eq!(parse(&text).to_string(), text, "{input}");
        assert_eq!(parse_lenient(input), ast, "{input}");
    }
}

#[test]
fn canonical_form_of_lenient_input_is_strict() {
    for (input, expected) in LENIENT {
        assert!(
            matches!(
                input.parse::<Filter>(),
                Err(FilterError::LenientOnly { .. })
            ),
            "{input}"
        );
        let ast = parse_lenient(input);
        let text = ast.to_string();
        assert_eq!(text, expected, "{input}");
        assert_eq!(parse(&text), ast, "{input}");
        assert_eq!(parse(&text).to_string(), text, "{input}");
    }
}
