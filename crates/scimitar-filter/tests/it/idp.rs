//! What Entra ID and Okta send (`docs/idp-behaviour.md`): lookups, PATCH paths and
//! attribute lists, including the non-RFC shapes accepted only in lenient mode.

use scimitar_filter::{
    AttrPath, AttributeList, CompValue, CompareOp, Expr, Filter, FilterError, LenientShape,
    PatchPath,
};

use crate::{
    ENTERPRISE_URN, check_fixture, compare, eq_str, leaf, lenient, name, parse, parse_lenient,
    patch_path, path, present, string, urn_path, value_path, vleaf, vp_leaf,
};

const FILTERS: &str = include_str!("../fixtures/idp_filters.txt");
const PATHS: &str = include_str!("../fixtures/idp_paths.txt");
const ATTRIBUTE_LISTS: &str = include_str!("../fixtures/idp_attribute_lists.txt");

#[test]
fn filter_fixture() {
    assert_eq!(check_fixture::<Filter>(FILTERS), 16);
}

#[test]
fn patch_path_fixture() {
    assert_eq!(check_fixture::<PatchPath>(PATHS), 14);
}

#[test]
fn attribute_list_fixture() {
    assert_eq!(check_fixture::<AttributeList>(ATTRIBUTE_LISTS), 7);
}

/// The attribute paths of a path-less `replace` (Entra with `aadOptscim062020`) and of
/// PATCH paths without brackets parse as `AttrPath` too.
#[test]
fn plain_paths_are_attr_paths() {
    for line in PATHS.lines().filter(|line| line.starts_with("strict: ")) {
        let input = &line["strict: ".len()..];
        if input.contains('[') {
            continue;
        }
        let attr_path = input
            .parse::<AttrPath>()
            .unwrap_or_else(|error| panic!("{input}: {error}"));
        assert_eq!(patch_path(input), PatchPath::Attr(attr_path.clone()));
        assert_eq!(attr_path.to_string(), input);
    }
    assert_eq!(
        "name.givenName".parse::<AttrPath>(),
        Ok(path("name.givenName"))
    );
    assert_eq!(
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"
            .parse::<AttrPath>(),
        Ok(urn_path(ENTERPRISE_URN, "employeeNumber"))
    );
}

// ---------------------------------------------------------------------------------------
// Lookups.

#[test]
fn user_lookups() {
    assert_eq!(
        parse(r#"userName eq "bjensen@example.com""#),
        leaf(eq_str("userName", "bjensen@example.com"))
    );
    assert_eq!(
        parse(r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef""#),
        leaf(eq_str("externalId", "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"))
    );
    assert_eq!(
        parse(r#"displayName eq "Sales Team""#),
        leaf(eq_str("displayName", "Sales Team"))
    );
    assert_eq!(
        parse(r#"id eq "2819c223" and manager eq "902c246b""#),
        Expr::and(
            leaf(eq_str("id", "2819c223")),
            leaf(eq_str("manager", "902c246b"))
        )
    );
}

#[test]
fn entra_email_lookup_is_a_value_filter_in_lenient_mode() {
    let entra = r#"emails[type eq "work"].value eq "bjensen@example.com""#;
    let expected = vp_leaf(value_path(
        "emails",
        Expr::and(
            vleaf(eq_str("type", "work")),
            vleaf(eq_str("value", "bjensen@example.com")),
        ),
    ));
    assert_eq!(parse_lenient(entra), expected);
    assert_eq!(
        parse_lenient(entra),
        parse(r#"emails[type eq "work" and value eq "bjensen@example.com"]"#)
    );
    assert_eq!(
        entra.parse::<Filter>(),
        Err(FilterError::LenientOnly {
            offset: 22,
            shape: LenientShape::ValuePathSubAttr,
        })
    );
}

#[test]
fn value_path_sub_attribute_variants_in_lenient_mode() {
    // Any comparison operator, and `pr`.
    assert_eq!(
        parse_lenient(r#"emails[type eq "work"].value co "@example.com""#),
        vp_leaf(value_path(
            "emails",
            Expr::and(
                vleaf(eq_str("type", "work")),
                vleaf(compare(
                    path("value"),
                    CompareOp::Co,
                    string("@example.com")
                )),
            )
        ))
    );
    assert_eq!(
        parse_lenient(r#"emails[type eq "work"].value pr"#),
        vp_leaf(value_path(
            "emails",
            Expr::and(vleaf(eq_str("type", "work")), vleaf(present(path("value"))))
        ))
    );
    // The bracket's own filter stays grouped.
    let grouped = parse_lenient(r#"emails[type eq "work" or type eq "home"].value eq "x""#);
    assert_eq!(
        grouped,
        vp_leaf(value_path(
            "emails",
            Expr::and(
                Expr::or(vleaf(eq_str("type", "work")), vleaf(eq_str("type", "home"))),
                vleaf(eq_str("value", "x")),
            )
        ))
    );
    assert_eq!(
        grouped.to_string(),
        r#"emails[(type eq "work" or type eq "home") and value eq "x"]"#
    );
    // Inside a larger filter.
    assert_eq!(
        parse_lenient(r#"active eq true and emails[type eq "work"].value eq "x""#),
        Expr::and(
            leaf(compare(
                path("active"),
                CompareOp::Eq,
                CompValue::Bool(true)
            )),
            vp_leaf(value_path(
                "emails",
                Expr::and(vleaf(eq_str("type", "work")), vleaf(eq_str("value", "x")))
            ))
        )
    );
}

#[test]
fn unquoted_values_are_strings_in_lenient_mode() {
    assert_eq!(
        parse_lenient("externalId eq jyoung"),
        leaf(eq_str("externalId", "jyoung"))
    );
    assert_eq!(
        parse_lenient("meta.created gt 2015-10-10T14:38:21.8617979-07:00"),
        leaf(compare(
            path("meta.created"),
            CompareOp::Gt,
            string("2015-10-10T14:38:21.8617979-07:00")
        ))
    );
    // An unquoted value ends at white space, `)` or `]`.
    assert_eq!(
        parse_lenient("(externalId eq jyoung) or emails[value eq bjensen@example.com]"),
        Expr::or(
            leaf(eq_str("externalId", "jyoung")),
            vp_leaf(value_path(
                "emails",
                vleaf(eq_str("value", "bjensen@example.com"))
            ))
        )
    );
    // JSON literals keep their meaning.
    assert_eq!(
        parse_lenient("active eq true"),
        leaf(compare(
            path("active"),
            CompareOp::Eq,
            CompValue::Bool(true)
        ))
    );
    assert_eq!(parse_lenient("x eq 42"), parse("x eq 42"));
    assert_eq!(parse_lenient("x eq null"), parse("x eq null"));
    // Words that merely start like numbers are strings.
    assert_eq!(parse_lenient("x eq 12ab"), leaf(eq_str("x", "12ab")));
}

#[test]
fn unquoted_values_are_rejected_in_strict_mode() {
    assert_eq!(
        "externalId eq jyoung".parse::<Filter>(),
        Err(FilterError::LenientOnly {
            offset: 14,
            shape: LenientShape::UnquotedValue,
        })
    );
    assert_eq!(
        "meta.created gt 2015-10-10T14:38:21.8617979-07:00".parse::<Filter>(),
        Err(FilterError::LenientOnly {
            offset: 16,
            shape: LenientShape::UnquotedValue,
        })
    );
    assert_eq!(
        r#"userName eq "x" and externalId eq jyoung"#.parse::<Filter>(),
        Err(FilterError::LenientOnly {
            offset: 34,
            shape: LenientShape::UnquotedValue,
        })
    );
    assert_eq!(
        "externalId eq jyoung"
            .parse::<Filter>()
            .map_err(|error| error.to_string()),
        Err("an unquoted value at byte 14 is accepted only in lenient mode".to_owned())
    );
}

#[test]
fn attribute_names_keep_their_case() {
    let Filter::Leaf(scimitar_filter::FilterLeaf::Attr(test)) = parse(r#"UserName eq "x""#) else {
        panic!("a single comparison");
    };
    assert_eq!(test.path().name.as_str(), "UserName");
    assert!(test.path().name.matches("username"));
    assert!(test.path().name.matches("USERNAME"));
    let family = parse(r#"name.FamilyName eq "Jensen""#);
    assert_eq!(family, leaf(eq_str("name.FamilyName", "Jensen")));
    assert_ne!(family, leaf(eq_str("name.familyName", "Jensen")));
}

// ---------------------------------------------------------------------------------------
// PATCH paths.

#[test]
fn entra_patch_paths() {
    assert_eq!(patch_path("active"), PatchPath::Attr(path("active")));
    assert_eq!(
        patch_path(r#"emails[type eq "work"].value"#),
        PatchPath::Value(
            value_path("emails", vleaf(eq_str("type", "work"))),
            Some(name("value"))
        )
    );
    assert_eq!(
        patch_path("name.familyName"),
        PatchPath::Attr(path("name.familyName"))
    );
    assert_eq!(
        patch_path("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber"),
        PatchPath::Attr(urn_path(ENTERPRISE_URN, "employeeNumber"))
    );
    assert_eq!(
        patch_path(r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#),
        PatchPath::Value(
            value_path(
                "members",
                vleaf(eq_str("value", "2819c223-7f76-453a-919d-413861904646"))
            ),
            None
        )
    );
    assert_eq!(
        patch_path(r#"manager[value eq "902c246b"]"#),
        PatchPath::Value(
            value_path("manager", vleaf(eq_str("value", "902c246b"))),
            None
        )
    );
}

// ---------------------------------------------------------------------------------------
// Attribute lists.

#[test]
fn attribute_lists() {
    assert_eq!(
        "id".parse::<AttributeList>(),
        Ok(AttributeList::new(vec![PatchPath::Attr(path("id"))]))
    );
    assert_eq!(
        "members".parse::<AttributeList>(),
        Ok(AttributeList::new(vec![PatchPath::Attr(path("members"))]))
    );
    let work_emails = r#"emails[type eq "work"]"#;
    assert_eq!(
        AttributeList::parse_with(work_emails, &lenient()),
        Ok(AttributeList::new(vec![PatchPath::Value(
            value_path("emails", vleaf(eq_str("type", "work"))),
            None
        )]))
    );
    assert_eq!(
        work_emails.parse::<AttributeList>(),
        Err(FilterError::LenientOnly {
            offset: 0,
            shape: LenientShape::ValuePathInList,
        })
    );
    assert_eq!(
        r#"id, emails[type eq "work"]"#.parse::<AttributeList>(),
        Err(FilterError::LenientOnly {
            offset: 4,
            shape: LenientShape::ValuePathInList,
        })
    );
    assert_eq!(
        work_emails
            .parse::<AttributeList>()
            .map_err(|error| error.to_string()),
        Err(
            "a value filter in an attribute list at byte 0 is accepted only in lenient mode"
                .to_owned()
        )
    );
}
