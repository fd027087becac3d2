//! Rejected inputs: the error variant, its byte offset, what was expected and found, and
//! the message.

use scimitar_filter::{
    AttrName, AttrPath, AttributeList, Expected, Filter, FilterError, Found, ParseOptions,
    PatchPath, SchemaUrn, SortBy,
};

use crate::lenient;

/// `FilterError::Unexpected`; `found` is `None` for the end of the input.
fn unexpected(offset: usize, expected: Expected, found: Option<&str>) -> FilterError {
    FilterError::Unexpected {
        offset,
        expected,
        found: found.map_or(Found::End, |text| Found::Text(text.to_owned())),
    }
}

fn invalid(offset: usize, reason: &'static str) -> FilterError {
    FilterError::Invalid { offset, reason }
}

/// The strict error for a filter.
fn filter_error(input: &str) -> FilterError {
    match input.parse::<Filter>() {
        Ok(filter) => panic!("{input:?} is not a filter, yet it parsed as {filter:?}"),
        Err(error) => error,
    }
}

#[track_caller]
fn assert_filter_error(input: &str, expected: FilterError) {
    assert_eq!(filter_error(input), expected, "{input:?}");
    // Lenient mode rejects the same way: these are not IdP shapes.
    assert_eq!(
        Filter::parse_with(input, &lenient()),
        Err(expected),
        "{input:?} (lenient)"
    );
}

#[test]
fn unknown_operator() {
    let error = filter_error(r#"userName equals "x""#);
    assert_eq!(error, unexpected(9, Expected::CompareOp, Some("equals")));
    assert_eq!(error.offset(), 9);
    assert_eq!(
        error.to_string(),
        r#"expected a comparison operator at byte 9, found "equals""#
    );
    assert_filter_error(
        r#"userName equals "x""#,
        unexpected(9, Expected::CompareOp, Some("equals")),
    );
    // A name glued to its operator is one name.
    assert_filter_error(
        r#"userNameeq "x""#,
        unexpected(11, Expected::CompareOp, Some(r#""x""#)),
    );
    assert_filter_error("title", unexpected(5, Expected::CompareOp, None));
    assert_filter_error("title ", unexpected(6, Expected::CompareOp, None));
}

#[test]
fn missing_value() {
    assert_filter_error("userName eq", unexpected(11, Expected::Value, None));
    assert_filter_error("userName eq ", unexpected(12, Expected::Value, None));
    assert_filter_error("(userName eq)", unexpected(12, Expected::Value, Some(")")));
    assert_filter_error(
        "emails[value eq]",
        unexpected(15, Expected::Value, Some("]")),
    );
    assert_eq!(
        filter_error("userName eq").to_string(),
        "expected a value (a JSON string, a number, true, false or null) at byte 11, \
         found the end of the input"
    );
}

#[test]
fn trailing_text_after_a_filter() {
    assert_filter_error(
        r#"userName eq "x" extra"#,
        unexpected(16, Expected::LogicalOrEnd, Some("extra")),
    );
    assert_filter_error(
        "title pr)",
        unexpected(8, Expected::LogicalOrEnd, Some(")")),
    );
    assert_filter_error(
        "title pr andx pr",
        unexpected(9, Expected::LogicalOrEnd, Some("andx")),
    );
    assert_filter_error(
        r#"emails[type eq "work"]]"#,
        unexpected(22, Expected::LogicalOrEnd, Some("]")),
    );
    assert_eq!(
        filter_error(r#"userName eq "x" extra"#).to_string(),
        r#"expected "and", "or" or the end of the filter at byte 16, found "extra""#
    );
}

#[test]
fn missing_filter() {
    assert_filter_error("", unexpected(0, Expected::Filter, None));
    assert_filter_error("   ", unexpected(3, Expected::Filter, None));
    assert_filter_error(
        r#"userName eq "x" and"#,
        unexpected(19, Expected::Filter, None),
    );
    assert_filter_error(
        r#"userName eq "x" or "#,
        unexpected(19, Expected::Filter, None),
    );
    assert_filter_error("()", unexpected(1, Expected::Filter, Some(")")));
    assert_filter_error("emails[]", unexpected(7, Expected::Filter, Some("]")));
    assert_filter_error(
        r#""x" eq x"#,
        unexpected(0, Expected::Filter, Some(r#""x""#)),
    );
    assert_filter_error("9lives pr", unexpected(0, Expected::Filter, Some("9lives")));
    assert_eq!(
        filter_error("").to_string(),
        r#"expected an attribute path, "not (" or "(" at byte 0, found the end of the input"#
    );
}

#[test]
fn unclosed_parenthesis() {
    assert_filter_error("(a pr", unexpected(5, Expected::LogicalOrCloseParen, None));
    assert_filter_error(
        "not (a pr",
        unexpected(9, Expected::LogicalOrCloseParen, None),
    );
    assert_filter_error(
        "(a pr b pr)",
        unexpected(6, Expected::LogicalOrCloseParen, Some("b")),
    );
    assert_filter_error(
        "(a pr]",
        unexpected(5, Expected::LogicalOrCloseParen, Some("]")),
    );
    assert_eq!(
        filter_error("(a pr").to_string(),
        r#"expected "and", "or" or ")" at byte 5, found the end of the input"#
    );
}

#[test]
fn unclosed_bracket() {
    assert_filter_error(
        r#"emails[type eq "x""#,
        unexpected(18, Expected::LogicalOrCloseBracket, None),
    );
    assert_filter_error(
        r#"emails[type eq "x")"#,
        unexpected(18, Expected::LogicalOrCloseBracket, Some(")")),
    );
    assert_eq!(
        filter_error(r#"emails[type eq "x""#).to_string(),
        r#"expected "and", "or" or "]" at byte 18, found the end of the input"#
    );
}

#[test]
fn not_without_parenthesis() {
    assert_filter_error("not a pr", unexpected(4, Expected::OpenParen, Some("a")));
    assert_filter_error(
        "a pr and not b pr",
        unexpected(13, Expected::OpenParen, Some("b")),
    );
    assert_eq!(
        filter_error("not a pr").to_string(),
        r#"expected "(" after "not" at byte 4, found "a""#
    );
}

/// A `not` without `(` is an attribute called "not": when that leaf is broken, the error
/// is the leaf's own, not "expected ( after not".
#[test]
fn errors_in_a_leaf_named_not_are_not_masked() {
    assert_filter_error(r#"not eq "abc"#, unexpected(11, Expected::CloseQuote, None));
    assert_filter_error(
        r#"not eq "\x""#,
        invalid(8, "an unknown escape in a string"),
    );
    assert_filter_error("not[a[b pr]]", invalid(5, "value filters cannot be nested"));
    assert_eq!(
        "not eq jyoung".parse::<Filter>(),
        Err(FilterError::LenientOnly {
            offset: 7,
            shape: scimitar_filter::LenientShape::UnquotedValue,
        })
    );
    assert_eq!(
        Filter::parse_with("not eq jyoung", &lenient()),
        Ok(crate::leaf(crate::eq_str("not", "jyoung")))
    );
}

#[test]
fn unterminated_string() {
    assert_filter_error(
        r#"userName eq "abc"#,
        unexpected(16, Expected::CloseQuote, None),
    );
    assert_filter_error(
        r#"userName eq "abc\""#,
        unexpected(18, Expected::CloseQuote, None),
    );
    assert_eq!(
        filter_error(r#"userName eq "abc"#).to_string(),
        r#"expected a closing '"' at byte 16, found the end of the input"#
    );
}

#[test]
fn bad_string_contents() {
    let control = "a control character in a string must be escaped";
    assert_filter_error("userName eq \"a\nb\"", invalid(14, control));
    assert_filter_error("userName eq \"\u{0}\"", invalid(13, control));
    assert_filter_error("userName eq \"\u{1f}\"", invalid(13, control));
    let unpaired = "an unpaired surrogate in a \\u escape";
    assert_filter_error(r#"x eq "\ud83d""#, invalid(6, unpaired));
    assert_filter_error(r#"x eq "\ude00""#, invalid(6, unpaired));
    assert_filter_error(r#"x eq "\ud83d\u0041""#, invalid(6, unpaired));
    assert_filter_error(r#"x eq "\ud83dx""#, invalid(6, unpaired));
    let bad_hex = "a \\u escape needs four hex digits";
    assert_filter_error(r#"x eq "\u12G4""#, invalid(6, bad_hex));
    assert_filter_error(r#"x eq "\u12""#, invalid(6, bad_hex));
    assert_filter_error(r#"x eq "\u00é9""#, invalid(6, bad_hex));
    let unknown = "an unknown escape in a string";
    assert_filter_error(r#"x eq "\x""#, invalid(6, unknown));
    assert_filter_error(r#"x eq "\'""#, invalid(6, unknown));
    assert_eq!(
        filter_error(r#"x eq "\ud83d""#).to_string(),
        r#"an unpaired surrogate in a \u escape at byte 6"#
    );
}

#[test]
fn bad_numbers() {
    assert_filter_error("x eq 1e400", invalid(5, "a number out of range"));
    assert_filter_error("x eq -1e400", invalid(5, "a number out of range"));
    // Not JSON numbers: unquoted words, accepted only in lenient mode.
    for input in [
        "x eq 01", "x eq 1.", "x eq .5", "x eq +1", "x eq 1e", "x eq tru",
    ] {
        assert_eq!(
            input.parse::<Filter>(),
            Err(FilterError::LenientOnly {
                offset: 5,
                shape: scimitar_filter::LenientShape::UnquotedValue,
            }),
            "{input}"
        );
    }
}

#[test]
fn attribute_path_errors() {
    let one_sub = "an attribute path has at most one sub-attribute";
    assert_filter_error("a.b.c pr", invalid(3, one_sub));
    assert_eq!("a.b.c".parse::<AttrPath>(), Err(invalid(3, one_sub)));
    assert_eq!("a.b.c".parse::<PatchPath>(), Err(invalid(3, one_sub)));
    assert_filter_error("a. pr", unexpected(2, Expected::AttrName, Some(" ")));
    assert_eq!(
        "a.".parse::<AttrPath>(),
        Err(unexpected(2, Expected::AttrName, None))
    );
    assert_eq!(
        ".a".parse::<AttrPath>(),
        Err(unexpected(0, Expected::AttrPath, Some(".a")))
    );
    assert_eq!(
        "".parse::<AttrPath>(),
        Err(unexpected(0, Expected::AttrPath, None))
    );
    assert_eq!(
        "".parse::<SortBy>(),
        Err(unexpected(0, Expected::AttrPath, None))
    );
    assert_eq!(
        "userName desc".parse::<SortBy>(),
        Err(unexpected(9, Expected::PathEnd, Some("desc")))
    );
    // A URN with nothing after it.
    assert_eq!(
        "urn:ietf:params:scim:schemas:core:2.0:User:".parse::<AttrPath>(),
        Err(unexpected(43, Expected::AttrName, None))
    );
    let bad_urn =
        "a schema URN is \"urn:\", a namespace, \":\" and a name, then \":\" and an attribute";
    assert_eq!("urn:x".parse::<AttrPath>(), Err(invalid(0, bad_urn)));
    assert_filter_error("urn:userName pr", invalid(0, bad_urn));
    // The validating constructors.
    assert!(matches!(
        AttrName::new("9lives"),
        Err(FilterError::Invalid { offset: 0, .. })
    ));
    assert!(matches!(
        AttrName::new("user name"),
        Err(FilterError::Invalid { offset: 4, .. })
    ));
    assert!(matches!(
        AttrName::new(""),
        Err(FilterError::Invalid { offset: 0, .. })
    ));
    assert_eq!(
        AttrName::new("$ref").map(|name| name.to_string()),
        Ok("$ref".to_owned())
    );
    assert!(matches!(
        SchemaUrn::new("urn:x"),
        Err(FilterError::Invalid { offset: 0, .. })
    ));
    assert!(matches!(
        SchemaUrn::new("urn:ietf:params:scim:schemas:core:2.0:User:"),
        Err(FilterError::Invalid { offset: 0, .. })
    ));
}

#[test]
fn nested_value_paths_are_rejected() {
    let nested = "value filters cannot be nested";
    assert_filter_error("a[b[c pr]]", invalid(3, nested));
    assert_eq!("a[b[c pr]]".parse::<PatchPath>(), Err(invalid(3, nested)));
    assert_filter_error(r#"emails[type eq "x" and b[c pr]]"#, invalid(24, nested));
}

#[test]
fn sub_attribute_before_brackets_is_rejected() {
    assert_filter_error(
        "name.x[y pr]",
        unexpected(6, Expected::CompareOp, Some("[")),
    );
    assert_eq!(
        "name.x[y pr]".parse::<PatchPath>(),
        Err(unexpected(6, Expected::PathEnd, Some("[")))
    );
}

#[test]
fn trailing_text_after_a_patch_path() {
    assert_eq!(
        "name.familyName extra".parse::<PatchPath>(),
        Err(unexpected(16, Expected::PathEnd, Some("extra")))
    );
    assert_eq!(
        r#"emails[type eq "work"]x"#.parse::<PatchPath>(),
        Err(unexpected(22, Expected::PathEnd, Some("x")))
    );
    assert_eq!(
        r#"emails[type eq "work"].value.x"#.parse::<PatchPath>(),
        Err(invalid(
            28,
            "an attribute path has at most one sub-attribute"
        ))
    );
    assert_eq!(
        r#"emails[type eq "work"]."#.parse::<PatchPath>(),
        Err(unexpected(23, Expected::AttrName, None))
    );
    assert_eq!(
        "name.familyName extra"
            .parse::<PatchPath>()
            .map_err(|error| error.to_string()),
        Err(r#"expected the end of the path at byte 16, found "extra""#.to_owned())
    );
    assert_eq!(
        "".parse::<PatchPath>(),
        Err(unexpected(0, Expected::AttrPath, None))
    );
    // A PATCH path is not a filter.
    assert_eq!(
        r#"userName eq "x""#.parse::<PatchPath>(),
        Err(unexpected(9, Expected::PathEnd, Some("eq")))
    );
}

#[test]
fn attribute_list_errors() {
    assert_eq!(
        "id name".parse::<AttributeList>(),
        Err(unexpected(3, Expected::CommaOrEnd, Some("name")))
    );
    assert_eq!(
        "id,,name".parse::<AttributeList>(),
        Err(unexpected(3, Expected::AttrPath, Some(",")))
    );
    assert_eq!(
        "id,".parse::<AttributeList>(),
        Err(unexpected(3, Expected::AttrPath, None))
    );
    assert_eq!(
        ",id".parse::<AttributeList>(),
        Err(unexpected(0, Expected::AttrPath, Some(",")))
    );
    assert_eq!(
        "id;name"
            .parse::<AttributeList>()
            .map_err(|error| error.to_string()),
        Err(r#"expected "," or the end of the list at byte 2, found ";name""#.to_owned())
    );
}

#[test]
fn found_excerpts_are_short() {
    let long = format!("title pr {}", "x".repeat(100));
    let FilterError::Unexpected {
        offset: 9,
        expected: Expected::LogicalOrEnd,
        found: Found::Text(text),
    } = filter_error(&long)
    else {
        panic!("{:?}", filter_error(&long));
    };
    assert!(text.len() <= 32, "{text:?}");
    assert!(text.starts_with("xxx"), "{text:?}");
    // Cut at a character boundary.
    let accents = format!("title pr {}", "é".repeat(40));
    let FilterError::Unexpected {
        found: Found::Text(text),
        ..
    } = filter_error(&accents)
    else {
        panic!("{:?}", filter_error(&accents));
    };
    assert!(!text.is_empty() && text.len() <= 32, "{text:?}");
    assert!(text.chars().all(|c| c == 'é'), "{text:?}");
}

#[test]
fn every_error_converts_to_a_message_with_its_offset() {
    let options = ParseOptions::default().max_depth(2);
    for (error, message) in [
        (
            Filter::parse_with("(((a pr)))", &options),
            "nesting deeper than 2 levels at byte 2",
        ),
        (
            Filter::parse_with("a pr", &ParseOptions::default().max_len(3)),
            "input of 4 bytes is longer than the limit of 3 bytes",
        ),
    ] {
        assert_eq!(
            error.map_err(|error| error.to_string()),
            Err(message.to_owned())
        );
    }
}
