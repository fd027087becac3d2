//! RFC 7644: every filter example of §3.4.2.2, the PATCH path examples of §3.5.2, and the
//! grammar (operators, precedence, values, paths) checked against expected trees.

use scimitar_filter::{
    AttrPath, AttributeList, CompValue, CompareOp, Expr, Filter, PatchPath, SortBy, ValuePath,
};

use crate::{
    ENTERPRISE_URN, USER_URN, canonical, check_fixture, compare, eq_str, float, int, leaf, lenient,
    name, parse, patch_path, path, present, string, urn, urn_path, value_path, vleaf, vp_leaf,
};

const FILTERS: &str = include_str!("../fixtures/rfc7644_filters.txt");
const PATHS: &str = include_str!("../fixtures/rfc7644_paths.txt");

#[test]
fn filter_examples_fixture() {
    assert_eq!(check_fixture::<Filter>(FILTERS), 20);
}

#[test]
fn patch_path_examples_fixture() {
    assert_eq!(check_fixture::<PatchPath>(PATHS), 11);
}

// ---------------------------------------------------------------------------------------
// Figure 3, tree by tree.

fn last_modified(op: CompareOp) -> Filter {
    leaf(compare(
        path("meta.lastModified"),
        op,
        string("2011-05-13T04:42:34Z"),
    ))
}

#[test]
fn figure_3_simple_comparisons() {
    assert_eq!(
        parse(r#"userName eq "bjensen""#),
        leaf(eq_str("userName", "bjensen"))
    );
    assert_eq!(
        parse(r#"name.familyName co "O'Malley""#),
        leaf(compare(
            path("name.familyName"),
            CompareOp::Co,
            string("O'Malley")
        ))
    );
    assert_eq!(
        parse(r#"userName sw "J""#),
        leaf(compare(path("userName"), CompareOp::Sw, string("J")))
    );
    assert_eq!(
        parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#),
        leaf(compare(
            urn_path(USER_URN, "userName"),
            CompareOp::Sw,
            string("J")
        ))
    );
    assert_eq!(parse("title pr"), leaf(present(path("title"))));
    for (op, text) in [
        (CompareOp::Gt, "gt"),
        (CompareOp::Ge, "ge"),
        (CompareOp::Lt, "lt"),
        (CompareOp::Le, "le"),
    ] {
        let input = format!(r#"meta.lastModified {text} "2011-05-13T04:42:34Z""#);
        assert_eq!(parse(&input), last_modified(op), "{input}");
    }
    assert_eq!(
        parse(r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#),
        leaf(eq_str("schemas", ENTERPRISE_URN))
    );
}

#[test]
fn figure_3_logical_expressions() {
    assert_eq!(
        parse(r#"title pr and userType eq "Employee""#),
        Expr::and(
            leaf(present(path("title"))),
            leaf(eq_str("userType", "Employee"))
        )
    );
    assert_eq!(
        parse(r#"title pr or userType eq "Intern""#),
        Expr::or(
            leaf(present(path("title"))),
            leaf(eq_str("userType", "Intern"))
        )
    );
    let emails_or = Expr::or(
        leaf(compare(
            path("emails"),
            CompareOp::Co,
            string("example.com"),
        )),
        leaf(compare(
            path("emails.value"),
            CompareOp::Co,
            string("example.org"),
        )),
    );
    assert_eq!(
        parse(
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#
        ),
        Expr::and(leaf(eq_str("userType", "Employee")), emails_or.clone())
    );
    assert_eq!(
        parse(
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#
        ),
        Expr::and(
            leaf(compare(path("userType"), CompareOp::Ne, string("Employee"))),
            Expr::negate(emails_or)
        )
    );
    // Parentheses leave no node.
    assert_eq!(
        parse(r#"userType eq "Employee" and (emails.type eq "work")"#),
        Expr::and(
            leaf(eq_str("userType", "Employee")),
            leaf(eq_str("emails.type", "work"))
        )
    );
}

#[test]
fn figure_3_value_paths() {
    let work_at_example = value_path(
        "emails",
        Expr::and(
            vleaf(eq_str("type", "work")),
            vleaf(compare(
                path("value"),
                CompareOp::Co,
                string("@example.com"),
            )),
        ),
    );
    assert_eq!(
        parse(r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#),
        Expr::and(
            leaf(eq_str("userType", "Employee")),
            vp_leaf(work_at_example.clone())
        )
    );
    let xmpp_at_foo = value_path(
        "ims",
        Expr::and(
            vleaf(eq_str("type", "xmpp")),
            vleaf(compare(path("value"), CompareOp::Co, string("@foo.com"))),
        ),
    );
    assert_eq!(
        parse(
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#
        ),
        Expr::or(vp_leaf(work_at_example), vp_leaf(xmpp_at_foo))
    );
}

#[test]
fn attribute_names_and_operators_are_case_insensitive() {
    let lower = parse(r#"userName eq "john""#);
    let upper_op = parse(r#"userName Eq "john""#);
    assert_eq!(upper_op, lower);
    // Names keep their spelling; `AttrName::matches` compares them.
    let Filter::Leaf(scimitar_filter::FilterLeaf::Attr(other_case)) =
        parse(r#"Username eq "john""#)
    else {
        panic!("a single comparison");
    };
    assert_eq!(other_case.path().name.as_str(), "Username");
    assert!(other_case.path().name.matches("userName"));
    assert_eq!(other_case, eq_str("Username", "john"));
}

// ---------------------------------------------------------------------------------------
// The grammar.

#[test]
fn all_ten_operators_in_any_case() {
    for op in CompareOp::ALL {
        let lower = op.as_str();
        let upper = lower.to_ascii_uppercase();
        let mixed = format!("{}{}", &upper[..1], &lower[1..]);
        for spelling in [lower.to_owned(), upper, mixed] {
            let input = format!("userName {spelling} \"x\"");
            assert_eq!(
                parse(&input),
                leaf(compare(path("userName"), op, string("x"))),
                "{input}"
            );
            assert_eq!(canonical(&input), format!("userName {lower} \"x\""));
        }
    }
    for spelling in ["pr", "PR", "Pr", "pR"] {
        let input = format!("title {spelling}");
        assert_eq!(parse(&input), leaf(present(path("title"))), "{input}");
        assert_eq!(canonical(&input), "title pr");
    }
}

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
fn and_and_or_are_left_associative() {
    assert_eq!(
        parse("a pr and b pr and c pr"),
        Expr::and(Expr::and(a(), b()), c())
    );
    assert_eq!(
        parse("a pr or b pr or c pr"),
        Expr::or(Expr::or(a(), b()), c())
    );
    assert_eq!(
        canonical("a pr and b pr and c pr"),
        "a pr and b pr and c pr"
    );
    // Explicit right grouping is kept, with its parentheses.
    assert_eq!(
        parse("a pr and (b pr and c pr)"),
        Expr::and(a(), Expr::and(b(), c()))
    );
    assert_eq!(
        canonical("a pr and (b pr and c pr)"),
        "a pr and (b pr and c pr)"
    );
    assert_eq!(
        canonical("(a pr and b pr) and c pr"),
        "a pr and b pr and c pr"
    );
    assert_eq!(
        canonical("a pr or (b pr or c pr)"),
        "a pr or (b pr or c pr)"
    );
}

#[test]
fn precedence_is_not_then_and_then_or() {
    assert_eq!(
        parse("a pr or b pr and c pr"),
        Expr::or(a(), Expr::and(b(), c()))
    );
    assert_eq!(
        parse("a pr and b pr or c pr"),
        Expr::or(Expr::and(a(), b()), c())
    );
    assert_eq!(
        parse("(a pr or b pr) and c pr"),
        Expr::and(Expr::or(a(), b()), c())
    );
    assert_eq!(
        parse("not (a pr) and b pr or c pr"),
        Expr::or(Expr::and(Expr::negate(a()), b()), c())
    );
    assert_eq!(
        parse("a pr or not (b pr) and c pr"),
        Expr::or(a(), Expr::and(Expr::negate(b()), c()))
    );
    assert_eq!(
        canonical("a pr or (b pr and c pr)"),
        "a pr or b pr and c pr"
    );
    assert_eq!(
        canonical("(a pr or b pr) and c pr"),
        "(a pr or b pr) and c pr"
    );
    assert_eq!(canonical("((a pr) or ((b pr)))"), "a pr or b pr");
}

#[test]
fn keywords_are_case_insensitive() {
    let expected = Expr::or(Expr::and(a(), Expr::negate(b())), c());
    for input in [
        "a pr and not (b pr) or c pr",
        "a pr AND NOT (b pr) OR c pr",
        "a pr And Not(b pr) Or c pr",
        "a PR aNd nOt (b Pr) oR c pR",
    ] {
        assert_eq!(parse(input), expected, "{input}");
        assert_eq!(canonical(input), "a pr and not (b pr) or c pr", "{input}");
    }
}

#[test]
fn not_needs_parentheses_and_is_otherwise_a_name() {
    assert_eq!(
        parse("not (title pr)"),
        Expr::negate(leaf(present(path("title"))))
    );
    assert_eq!(
        parse("not(title pr)"),
        Expr::negate(leaf(present(path("title"))))
    );
    assert_eq!(
        parse("NOT  (title pr)"),
        Expr::negate(leaf(present(path("title"))))
    );
    assert_eq!(canonical("not(title pr)"), "not (title pr)");
    assert_eq!(
        parse("not (not (title pr))"),
        Expr::negate(Expr::negate(leaf(present(path("title")))))
    );
    // `not` not followed by `(` is an attribute called "not".
    assert_eq!(parse("not pr"), leaf(present(path("not"))));
    assert_eq!(parse(r#"not eq "x""#), leaf(eq_str("not", "x")));
    assert_eq!(parse("not.value pr"), leaf(present(path("not.value"))));
    assert_eq!(parse("nothing pr"), leaf(present(path("nothing"))));
    assert_eq!(
        parse("a pr and not pr"),
        Expr::and(a(), leaf(present(path("not"))))
    );
    assert_eq!(
        parse(r#"not[type eq "x"]"#),
        vp_leaf(value_path("not", vleaf(eq_str("type", "x"))))
    );
    // And so are `and`, `or` and the operators, where a name is expected.
    assert_eq!(
        parse("and pr and or pr"),
        Expr::and(leaf(present(path("and"))), leaf(present(path("or"))))
    );
    assert_eq!(parse("pr pr"), leaf(present(path("pr"))));
    assert_eq!(
        parse("eq eq 1"),
        leaf(compare(path("eq"), CompareOp::Eq, int(1)))
    );
}

#[test]
fn parentheses_leave_no_node() {
    assert_eq!(parse("(title pr)"), leaf(present(path("title"))));
    assert_eq!(parse("(((title pr)))"), leaf(present(path("title"))));
    assert_eq!(canonical("(title pr)"), "title pr");
    assert_eq!(canonical("( ( title pr ) )"), "title pr");
    assert_eq!(canonical("not ((title pr))"), "not (title pr)");
}

#[test]
fn white_space_is_normalised() {
    for input in [
        r#"userName  eq   "x"  and  title  pr"#,
        "  userName eq \"x\" and title pr  ",
        "userName\teq \"x\"\nand\r\ntitle pr",
        r#"(userName eq "x")and(title pr)"#,
    ] {
        assert_eq!(
            parse(input),
            Expr::and(leaf(eq_str("userName", "x")), leaf(present(path("title")))),
            "{input:?}"
        );
        assert_eq!(
            canonical(input),
            r#"userName eq "x" and title pr"#,
            "{input:?}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// compValue.

/// The value of `x eq <value>`.
fn value_of(input: &str) -> CompValue {
    match parse(&format!("x eq {input}")) {
        Filter::Leaf(scimitar_filter::FilterLeaf::Attr(scimitar_filter::AttrExpr::Compare(
            _,
            CompareOp::Eq,
            value,
        ))) => value,
        other => panic!("{input}: {other:?}"),
    }
}

/// The canonical text of `x eq <value>`, without the `x eq `.
fn canonical_value(input: &str) -> String {
    let text = canonical(&format!("x eq {input}"));
    text.strip_prefix("x eq ")
        .unwrap_or_else(|| panic!("{text}"))
        .to_owned()
}

#[test]
fn strings_with_every_json_escape() {
    let cases: [(&str, &str, &str); 14] = [
        (r#""""#, "", r#""""#),
        (r#""plain""#, "plain", r#""plain""#),
        (r#""a\"b""#, "a\"b", r#""a\"b""#),
        (r#""a\\b""#, "a\\b", r#""a\\b""#),
        (r#""a\/b""#, "a/b", r#""a/b""#),
        (r#""a/b""#, "a/b", r#""a/b""#),
        (r#""\b\f\n\r\t""#, "\u{8}\u{c}\n\r\t", r#""\b\f\n\r\t""#),
        (r#""\u0041\u00e9\u00E9""#, "Aéé", r#""Aéé""#),
        (
            r#""\u0000\u001f\u001F""#,
            "\0\u{1f}\u{1f}",
            r#""\u0000\u001f\u001f""#,
        ),
        (r#""\u007f""#, "\u{7f}", "\"\u{7f}\""),
        (r#""\ud83d\ude00""#, "😀", r#""😀""#),
        (r#""\uD83D\uDE00""#, "😀", r#""😀""#),
        (r#""é😀 raw""#, "é😀 raw", r#""é😀 raw""#),
        (r#""\u2028""#, "\u{2028}", "\"\u{2028}\""),
    ];
    for (input, value, printed) in cases {
        assert_eq!(value_of(input), string(value), "{input}");
        assert_eq!(canonical_value(input), printed, "{input}");
    }
}

#[test]
fn numbers() {
    let cases: [(&str, CompValue, &str); 14] = [
        ("0", int(0), "0"),
        ("42", int(42), "42"),
        ("-7", int(-7), "-7"),
        ("9223372036854775807", int(i64::MAX), "9223372036854775807"),
        (
            "-9223372036854775808",
            int(i64::MIN),
            "-9223372036854775808",
        ),
        (
            "18446744073709551615",
            CompValue::Number(u64::MAX.into()),
            "18446744073709551615",
        ),
        ("1.5", float(1.5), "1.5"),
        ("-0.25", float(-0.25), "-0.25"),
        ("1.5e3", float(1500.0), "1500.0"),
        ("1E2", float(100.0), "100.0"),
        ("2.5e-3", float(0.0025), "0.0025"),
        ("1e+2", float(100.0), "100.0"),
        ("100000000000000000000", float(1e20), "1e+20"),
        ("0.1", float(0.1), "0.1"),
    ];
    for (input, value, printed) in cases {
        assert_eq!(value_of(input), value, "{input}");
        assert_eq!(canonical_value(input), printed, "{input}");
    }
    // Integers and floats are different values.
    assert_ne!(value_of("1"), value_of("1.0"));
}

#[test]
fn literals_in_any_case() {
    for (input, value, printed) in [
        ("true", CompValue::Bool(true), "true"),
        ("True", CompValue::Bool(true), "true"),
        ("TRUE", CompValue::Bool(true), "true"),
        ("false", CompValue::Bool(false), "false"),
        ("False", CompValue::Bool(false), "false"),
        ("null", CompValue::Null, "null"),
        ("NULL", CompValue::Null, "null"),
        ("Null", CompValue::Null, "null"),
    ] {
        assert_eq!(value_of(input), value, "{input}");
        assert_eq!(canonical_value(input), printed, "{input}");
    }
    // Quoted, they are strings.
    assert_eq!(value_of(r#""true""#), string("true"));
}

#[test]
fn values_next_to_closing_parentheses_and_brackets() {
    assert_eq!(
        parse("(x eq 1)"),
        leaf(compare(path("x"), CompareOp::Eq, int(1)))
    );
    assert_eq!(
        parse("a[x eq true]"),
        vp_leaf(value_path(
            "a",
            vleaf(compare(path("x"), CompareOp::Eq, CompValue::Bool(true)))
        ))
    );
    assert_eq!(parse(r#"(x eq "v")"#), leaf(eq_str("x", "v")));
}

// ---------------------------------------------------------------------------------------
// attrPath.

#[test]
fn attribute_paths() {
    assert_eq!("userName".parse::<AttrPath>(), Ok(path("userName")));
    assert_eq!(
        "name.familyName".parse::<AttrPath>(),
        Ok(path("name.familyName"))
    );
    assert_eq!("$ref".parse::<AttrPath>(), Ok(path("$ref")));
    assert_eq!("members.$ref".parse::<AttrPath>(), Ok(path("members.$ref")));
    assert_eq!(
        "x-custom_1$.sub-attr_2".parse::<AttrPath>(),
        Ok(path("x-custom_1$.sub-attr_2"))
    );
    assert_eq!(
        "urn:ietf:params:scim:schemas:core:2.0:User:userName".parse::<AttrPath>(),
        Ok(urn_path(USER_URN, "userName"))
    );
    let manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        .parse::<AttrPath>()
        .expect("a URN path");
    assert_eq!(manager.urn, Some(urn(ENTERPRISE_URN)));
    assert_eq!(manager.name, name("manager"));
    assert_eq!(manager.sub_attr, Some(name("value")));
    assert_eq!(
        manager.to_string(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
    );
    // Other schemas, such as a custom extension with `-`, `_`, `.`, `%` and `+`.
    assert_eq!(
        "urn:example:ext-1_a.b%41+c:attr".parse::<AttrPath>(),
        Ok(urn_path("urn:example:ext-1_a.b%41+c", "attr"))
    );
}

#[test]
fn urn_paths_in_filters() {
    assert_eq!(
        parse(
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#
        ),
        leaf(compare(
            urn_path(ENTERPRISE_URN, "manager.value"),
            CompareOp::Eq,
            string("26118915-6090-4610-87e4-49d8ca9f808d")
        ))
    );
    assert_eq!(
        parse(r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#),
        vp_leaf(value_path("emails", vleaf(eq_str("type", "work"))).with_urn(urn(USER_URN)))
    );
    assert_eq!(
        parse(r#"emails[urn:ietf:params:scim:schemas:core:2.0:User:emails.type eq "work"]"#),
        vp_leaf(value_path(
            "emails",
            vleaf(compare(
                urn_path(USER_URN, "emails.type"),
                CompareOp::Eq,
                string("work")
            ))
        ))
    );
}

#[test]
fn sort_by() {
    assert_eq!("userName".parse::<SortBy>(), Ok(SortBy(path("userName"))));
    assert_eq!(
        "meta.lastModified".parse::<SortBy>(),
        Ok(SortBy(path("meta.lastModified")))
    );
    let qualified = "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName";
    assert_eq!(
        qualified.parse::<SortBy>(),
        Ok(SortBy(urn_path(USER_URN, "name.familyName")))
    );
    assert_eq!(
        qualified.parse::<SortBy>().map(|sort| sort.to_string()),
        Ok(qualified.to_owned())
    );
    assert_eq!(
        SortBy::parse_with(" userName ", &lenient()),
        Ok(SortBy(path("userName")))
    );
}

// ---------------------------------------------------------------------------------------
// valuePath.

#[test]
fn value_paths_with_not_and_parentheses() {
    let expected = vp_leaf(value_path(
        "emails",
        Expr::and(
            vleaf(eq_str("type", "work")),
            Expr::negate(Expr::or(
                vleaf(compare(path("value"), CompareOp::Ew, string(".org"))),
                vleaf(present(path("primary"))),
            )),
        ),
    ));
    let input = r#"emails[type eq "work" and not (value ew ".org" or primary pr)]"#;
    assert_eq!(parse(input), expected);
    assert_eq!(canonical(input), input);
    assert_eq!(
        canonical(r#"emails[ (type eq "work") ]"#),
        r#"emails[type eq "work"]"#
    );
    assert_eq!(
        parse(r#"emails[(type eq "work" or type eq "home") and primary eq true]"#),
        vp_leaf(value_path(
            "emails",
            Expr::and(
                Expr::or(vleaf(eq_str("type", "work")), vleaf(eq_str("type", "home"))),
                vleaf(compare(
                    path("primary"),
                    CompareOp::Eq,
                    CompValue::Bool(true)
                ))
            )
        ))
    );
    // Sub-attributes inside brackets are allowed.
    assert_eq!(
        parse(r#"x[a.b eq 1]"#),
        vp_leaf(value_path(
            "x",
            vleaf(compare(path("a.b"), CompareOp::Eq, int(1)))
        ))
    );
}

// ---------------------------------------------------------------------------------------
// PATCH paths and attribute lists.

#[test]
fn patch_paths() {
    assert_eq!(patch_path("members"), PatchPath::Attr(path("members")));
    assert_eq!(
        patch_path("name.familyName"),
        PatchPath::Attr(path("name.familyName"))
    );
    assert_eq!(
        patch_path(r#"members[value eq "2819c223"]"#),
        PatchPath::Value(
            value_path("members", vleaf(eq_str("value", "2819c223"))),
            None
        )
    );
    assert_eq!(
        patch_path(r#"emails[type eq "work"].value"#),
        PatchPath::Value(
            value_path("emails", vleaf(eq_str("type", "work"))),
            Some(name("value"))
        )
    );
    assert_eq!(
        patch_path(
            r#"urn:ietf:params:scim:schemas:core:2.0:User:addresses[type eq "work"].streetAddress"#
        ),
        PatchPath::Value(
            value_path("addresses", vleaf(eq_str("type", "work"))).with_urn(urn(USER_URN)),
            Some(name("streetAddress"))
        )
    );
    assert_eq!(
        patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
        PatchPath::Attr(urn_path(ENTERPRISE_URN, "employeeNumber"))
    );
    assert_eq!(
        PatchPath::parse_with(" name.givenName ", &lenient()),
        Ok(PatchPath::Attr(path("name.givenName")))
    );
}

#[test]
fn attribute_lists() {
    assert_eq!("".parse::<AttributeList>(), Ok(AttributeList::default()));
    assert_eq!(
        "   ".parse::<AttributeList>(),
        Ok(AttributeList::new(vec![]))
    );
    assert_eq!(
        "displayName".parse::<AttributeList>(),
        Ok(AttributeList::new(vec![PatchPath::Attr(path(
            "displayName"
        ))]))
    );
    let list = AttributeList::new(vec![
        PatchPath::Attr(path("userName")),
        PatchPath::Attr(path("name.familyName")),
        PatchPath::Attr(urn_path(ENTERPRISE_URN, "manager")),
    ]);
    for input in [
        "userName,name.familyName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
        "userName , name.familyName,  urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager ",
    ] {
        assert_eq!(input.parse::<AttributeList>(), Ok(list.clone()), "{input}");
    }
    assert_eq!(
        list.to_string(),
        "userName,name.familyName,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"
    );
    assert_eq!(AttributeList::default().to_string(), "");
    // Lenient mode also takes value paths.
    assert_eq!(
        AttributeList::parse_with(r#"id,emails[type eq "work"]"#, &lenient()),
        Ok(AttributeList::new(vec![
            PatchPath::Attr(path("id")),
            PatchPath::Value(value_path("emails", vleaf(eq_str("type", "work"))), None),
        ]))
    );
    // A comma inside a value filter's string does not split the list.
    assert_eq!(
        AttributeList::parse_with(r#"emails[value eq "a,b"],id"#, &lenient())
            .map(|list| list.paths),
        Ok(vec![
            PatchPath::Value(value_path("emails", vleaf(eq_str("value", "a,b"))), None),
            PatchPath::Attr(path("id")),
        ])
    );
}

#[test]
fn constructors_print_like_the_parser_reads() {
    let manager = AttrPath::new(name("manager"))
        .with_urn(urn(ENTERPRISE_URN))
        .with_sub_attr(name("value"));
    assert_eq!(
        manager.to_string(),
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
    );
    let emails =
        ValuePath::new(name("emails"), vleaf(eq_str("type", "work"))).with_urn(urn(USER_URN));
    assert_eq!(
        emails.to_string(),
        r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]"#
    );
}
