//! The depth and length limits, and inputs built to blow up a naive parser: they must
//! fail (or parse) in linear time without overflowing the stack. Timing belongs to the
//! benches; a test that completes shows there is no blow-up.

use scimitar_filter::{
    AttrPath, AttributeList, Expr, Filter, FilterError, FilterLeaf, ParseOptions, PatchPath, SortBy,
};

use crate::{Syntax, leaf, lenient, parse, path, present, value_path, vleaf, vp_leaf};

/// `(`×n `title pr` `)`×n.
fn parens(n: usize) -> String {
    format!("{}title pr{}", "(".repeat(n), ")".repeat(n))
}

/// `not (`×n `title pr` `)`×n.
fn nots(n: usize) -> String {
    format!("{}title pr{}", "not (".repeat(n), ")".repeat(n))
}

fn title() -> Filter {
    leaf(present(path("title")))
}

fn too_deep(offset: usize, max: usize) -> FilterError {
    FilterError::TooDeep { offset, max }
}

fn too_long(len: usize, max: usize) -> FilterError {
    FilterError::TooLong { len, max }
}

/// A MiB of input allowed, the depth limit unchanged.
fn big() -> ParseOptions {
    ParseOptions::default().max_len(1 << 20)
}

#[test]
fn defaults() {
    let options = ParseOptions::default();
    assert!(!options.is_lenient());
    assert_eq!(options.depth_limit(), 64);
    assert_eq!(options.length_limit(), 8192);
    assert_eq!(ParseOptions::DEFAULT_MAX_DEPTH, 64);
    assert_eq!(ParseOptions::DEFAULT_MAX_LEN, 8 * 1024);
    assert_eq!(ParseOptions::new(), options);
    let custom = ParseOptions::default()
        .lenient(true)
        .max_depth(3)
        .max_len(100);
    assert!(custom.is_lenient());
    assert_eq!(custom.depth_limit(), 3);
    assert_eq!(custom.length_limit(), 100);
}

#[test]
fn sixty_four_levels_of_parentheses_pass_by_default() {
    assert_eq!(parse(&parens(64)), title());
    assert_eq!(parens(65).parse::<Filter>(), Err(too_deep(64, 64)));
    assert_eq!(
        parens(65)
            .parse::<Filter>()
            .map_err(|error| error.to_string()),
        Err("nesting deeper than 64 levels at byte 64".to_owned())
    );
}

#[test]
fn sixty_four_levels_of_not_pass_by_default() {
    let mut expected = title();
    for _ in 0..64 {
        expected = Expr::negate(expected);
    }
    assert_eq!(parse(&nots(64)), expected);
    // The 65th `not (` starts at byte 320; its `(` is at 324.
    assert_eq!(nots(65).parse::<Filter>(), Err(too_deep(324, 64)));
}

#[test]
fn brackets_count_as_a_level() {
    // 63 parentheses and a bracket: 64 levels.
    let inside = format!("{}a[b pr]{}", "(".repeat(63), ")".repeat(63));
    assert_eq!(
        parse(&inside),
        vp_leaf(value_path("a", vleaf(present(path("b")))))
    );
    let over = format!("{}a[b pr]{}", "(".repeat(64), ")".repeat(64));
    assert_eq!(over.parse::<Filter>(), Err(too_deep(65, 64)));
    // Parentheses inside the brackets count too.
    let inner = format!("a[{}b pr{}]", "(".repeat(63), ")".repeat(63));
    assert_eq!(
        parse(&inner),
        vp_leaf(value_path("a", vleaf(present(path("b")))))
    );
    let inner_over = format!("a[{}b pr{}]", "(".repeat(64), ")".repeat(64));
    assert_eq!(inner_over.parse::<Filter>(), Err(too_deep(65, 64)));
}

#[test]
fn depth_is_configurable() {
    let three = ParseOptions::default().max_depth(3);
    assert_eq!(Filter::parse_with(&parens(3), &three), Ok(title()));
    assert_eq!(Filter::parse_with(&parens(4), &three), Err(too_deep(3, 3)));
    assert_eq!(
        Filter::parse_with(&nots(3), &three),
        Ok(Expr::negate(Expr::negate(Expr::negate(title()))))
    );
    assert_eq!(Filter::parse_with(&nots(4), &three), Err(too_deep(19, 3)));
    // Mixed: `(`, `not (`, `[`.
    assert_eq!(
        Filter::parse_with("(not (a[b pr]))", &three),
        Ok(Expr::negate(vp_leaf(value_path(
            "a",
            vleaf(present(path("b")))
        ))))
    );
    assert_eq!(
        Filter::parse_with("(not (a[(b pr)]))", &three),
        Err(too_deep(8, 3))
    );
    // Zero forbids any nesting.
    let zero = ParseOptions::default().max_depth(0);
    assert_eq!(Filter::parse_with("title pr", &zero), Ok(title()));
    assert_eq!(Filter::parse_with("(title pr)", &zero), Err(too_deep(0, 0)));
    assert_eq!(Filter::parse_with("a[b pr]", &zero), Err(too_deep(1, 0)));
    // Also for a value path whose attribute is called "not".
    assert_eq!(Filter::parse_with("not[b pr]", &zero), Err(too_deep(3, 0)));
    assert_eq!(
        PatchPath::parse_with(r#"emails[type eq "work"]"#, &zero),
        Err(too_deep(6, 0))
    );
    assert_eq!(
        PatchPath::parse_with(
            r#"emails[((type eq "work"))]"#,
            &ParseOptions::default().max_depth(2)
        ),
        Err(too_deep(8, 2))
    );
    // Lenient mode has the same limit.
    assert_eq!(
        Filter::parse_with(&parens(4), &three.clone().lenient(true)),
        Err(too_deep(3, 3))
    );
}

/// Lenient mode rewrites `x[a or b].v eq 1` as `x[(a or b) and v eq 1]`, which adds a
/// level of parentheses. At the depth limit, the lenient parser must either reject the
/// input or produce a tree whose canonical text parses strictly within the same limit.
#[test]
fn canonical_text_of_lenient_input_stays_within_the_depth_limit() {
    for depth in [3, 64] {
        let options = ParseOptions::default().max_depth(depth);
        // `[` and depth - 1 `not (`: exactly at the limit.
        let nots = depth - 1;
        let input = format!(
            "x[a pr or {}b pr{}].v eq 1",
            "not (".repeat(nots),
            ")".repeat(nots)
        );
        match Filter::parse_with(&input, &options.clone().lenient(true)) {
            Err(FilterError::TooDeep { max, .. }) => assert_eq!(max, depth),
            Err(error) => panic!("{input}: {error}"),
            Ok(ast) => {
                let canonical = ast.to_string();
                assert_eq!(
                    Filter::parse_with(&canonical, &options),
                    Ok(ast),
                    "{input} prints as {canonical}"
                );
            }
        }
    }
}

#[test]
fn depth_is_nesting_not_count() {
    let one = ParseOptions::default().max_depth(1);
    let siblings = vec!["(a pr)"; 200].join(" and ");
    let filter = Filter::parse_with(&siblings, &one).expect("200 groups side by side");
    assert_eq!(filter.to_string(), vec!["a pr"; 200].join(" and "));
    let brackets = vec!["a[b pr]"; 200].join(" or ");
    let filter = Filter::parse_with(&brackets, &one).expect("200 value paths side by side");
    assert_eq!(filter.to_string(), brackets);
    let not_siblings = vec!["not (a pr)"; 200].join(" or ");
    assert_eq!(
        Filter::parse_with(&not_siblings, &one).map(|filter| filter.to_string()),
        Ok(not_siblings)
    );
}

#[test]
fn length_limit() {
    // `x eq "…"` of exactly 8192 bytes passes; one byte more does not.
    let exact = format!("x eq \"{}\"", "a".repeat(8192 - 7));
    assert_eq!(exact.len(), 8192);
    assert_eq!(parse(&exact).to_string(), exact);
    let over = format!("x eq \"{}\"", "a".repeat(8192 - 6));
    assert_eq!(over.parse::<Filter>(), Err(too_long(8193, 8192)));
    assert_eq!(
        over.parse::<Filter>().map_err(|error| error.to_string()),
        Err("input of 8193 bytes is longer than the limit of 8192 bytes".to_owned())
    );
    assert_eq!(
        Filter::parse_with(&over, &lenient()),
        Err(too_long(8193, 8192))
    );
    assert_eq!(too_long(8193, 8192).offset(), 0);
    // Bytes, not characters.
    let accents = format!("x eq \"{}\"", "é".repeat(4094));
    assert_eq!(accents.chars().count(), 4101);
    assert_eq!(accents.parse::<Filter>(), Err(too_long(8195, 8192)));
    // Configurable.
    let ten = ParseOptions::default().max_len(10);
    assert_eq!(
        Filter::parse_with("a pr and b pr", &ten),
        Err(too_long(13, 10))
    );
    assert_eq!(
        Filter::parse_with("a pr or b", &ten).map(|_| ()),
        Err(FilterError::Unexpected {
            offset: 9,
            expected: scimitar_filter::Expected::CompareOp,
            found: scimitar_filter::Found::End,
        })
    );
    assert_eq!(
        Filter::parse_with(&over, &big()).map(|filter| filter.to_string()),
        Ok(over.clone())
    );
}

#[test]
fn the_length_limit_applies_before_parsing_to_every_entry_point() {
    let garbage = ")]\"".repeat(3000);
    assert_eq!(garbage.parse::<Filter>(), Err(too_long(9000, 8192)));
    assert_eq!(garbage.parse::<PatchPath>(), Err(too_long(9000, 8192)));
    assert_eq!(garbage.parse::<AttrPath>(), Err(too_long(9000, 8192)));
    assert_eq!(garbage.parse::<AttributeList>(), Err(too_long(9000, 8192)));
    assert_eq!(garbage.parse::<SortBy>(), Err(too_long(9000, 8192)));
    let zero = ParseOptions::default().max_len(0);
    assert_eq!(
        AttributeList::parse_with("", &zero),
        Ok(AttributeList::default())
    );
    assert_eq!(AttributeList::parse_with("a", &zero), Err(too_long(1, 0)));
    assert_eq!(SortBy::parse_with("a", &zero), Err(too_long(1, 0)));
}

#[test]
fn a_hundred_thousand_open_parentheses_fail_quickly() {
    let input = "(".repeat(100_000);
    assert_eq!(input.parse::<Filter>(), Err(too_long(100_000, 8192)));
    assert_eq!(Filter::parse_with(&input, &big()), Err(too_deep(64, 64)));
    let closed = parens(100_000);
    assert_eq!(Filter::parse_with(&closed, &big()), Err(too_deep(64, 64)));
    let inside = format!("a[{}", "(".repeat(100_000));
    assert_eq!(Filter::parse_with(&inside, &big()), Err(too_deep(65, 64)));
    assert_eq!(
        PatchPath::parse_with(&inside, &big()),
        Err(too_deep(65, 64))
    );
}

#[test]
fn a_hundred_thousand_nots_fail_quickly() {
    let input = "not(".repeat(100_000);
    // The 65th `not(` starts at byte 256; its `(` is at 259.
    assert_eq!(Filter::parse_with(&input, &big()), Err(too_deep(259, 64)));
    let spaced = "not (".repeat(100_000);
    assert_eq!(Filter::parse_with(&spaced, &big()), Err(too_deep(324, 64)));
    // Alternating `(` and `not(`: level 65 is a `(`, at byte 5 × 32.
    let mixed = "(not(".repeat(50_000);
    assert_eq!(Filter::parse_with(&mixed, &big()), Err(too_deep(160, 64)));
}

#[test]
fn many_brackets_and_closers_fail_quickly() {
    let brackets = "a[".repeat(100_000);
    assert_eq!(
        Filter::parse_with(&brackets, &big()),
        Err(FilterError::Invalid {
            offset: 3,
            reason: "value filters cannot be nested",
        })
    );
    let closers = ")".repeat(100_000);
    assert_eq!(
        Filter::parse_with(&closers, &big()),
        Err(FilterError::Unexpected {
            offset: 0,
            expected: scimitar_filter::Expected::Filter,
            found: scimitar_filter::Found::Text(")".to_owned()),
        })
    );
}

/// Follows the left spine of a left-associative chain and checks every right operand.
fn chain_length(mut filter: &Filter, is_link: fn(&Filter) -> Option<(&Filter, &Filter)>) -> usize {
    let mut terms = 1;
    while let Some((left, right)) = is_link(filter) {
        assert_eq!(*right, leaf(present(path("a"))));
        filter = left;
        terms += 1;
    }
    assert_eq!(*filter, leaf(present(path("a"))));
    terms
}

fn and_link(filter: &Filter) -> Option<(&Filter, &Filter)> {
    match filter {
        Expr::And(left, right) => Some((left, right)),
        _ => None,
    }
}

fn or_link(filter: &Filter) -> Option<(&Filter, &Filter)> {
    match filter {
        Expr::Or(left, right) => Some((left, right)),
        _ => None,
    }
}

#[test]
fn long_chains_parse_within_the_default_limit() {
    let and_chain = vec!["a pr"; 900].join(" and ");
    assert!(and_chain.len() <= 8192);
    let filter = parse(&and_chain);
    assert_eq!(chain_length(&filter, and_link), 900);
    assert_eq!(filter.to_string(), and_chain);
    let or_chain = vec!["a pr"; 1000].join(" or ");
    assert!(or_chain.len() <= 8192);
    let filter = parse(&or_chain);
    assert_eq!(chain_length(&filter, or_link), 1000);
    assert_eq!(filter.to_string(), or_chain);
    // Inside brackets, too.
    let bracketed = format!("x[{}]", vec!["a pr"; 900].join(" and "));
    let Expr::Leaf(FilterLeaf::ValuePath(value_path)) = parse(&bracketed) else {
        panic!("a value path");
    };
    assert_eq!(value_path.filter.to_string(), and_chain);
}

#[test]
fn long_tokens_parse_in_linear_time() {
    let big = big();
    let spaces = format!("{}a pr{}", " ".repeat(500_000), " ".repeat(500_000));
    assert_eq!(
        Filter::parse_with(&spaces, &big),
        Ok(leaf(present(path("a"))))
    );
    let long_name = format!("a{}", "b".repeat(900_000));
    assert_eq!(
        Filter::parse_with(&format!("{long_name} pr"), &big),
        Ok(leaf(present(path(&long_name))))
    );
    let escapes = format!("x eq \"{}\"", "\\n".repeat(400_000));
    assert_eq!(
        Filter::parse_with(&escapes, &big),
        Ok(leaf(crate::eq_str("x", &"\n".repeat(400_000))))
    );
    let unquoted = format!("x eq {}", "w".repeat(900_000));
    assert_eq!(
        Filter::parse_with(&unquoted, &big.clone().lenient(true)),
        Ok(leaf(crate::eq_str("x", &"w".repeat(900_000))))
    );
    let colons = format!("urn:{}b pr", "a:".repeat(400_000));
    let Ok(Expr::Leaf(FilterLeaf::Attr(test))) = Filter::parse_with(&colons, &big) else {
        panic!("a URN path");
    };
    assert_eq!(test.path().name.as_str(), "b");
    let commas = vec!["id"; 200_000].join(",");
    assert_eq!(
        AttributeList::parse_with(&commas, &big).map(|list| list.paths.len()),
        Ok(200_000)
    );
}

/// A deterministic generator of "random-ish" bytes (a 64-bit LCG).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// `len` bytes of filter-ish tokens and punctuation.
    fn garbage(&mut self, len: usize) -> String {
        const PIECES: [&str; 24] = [
            "(", ")", "[", "]", "\"", "\\", " ", ".", ":", ",", "a", "eq", " pr", " and ", " or ",
            "not", "not (", "urn:x:y:", "1", "-", "e", "\\u", "true", "é",
        ];
        let mut text = String::with_capacity(len + 8);
        while text.len() < len {
            let index = usize::try_from(self.next() % 24).expect("a small index");
            text.push_str(PIECES[index]);
        }
        while text.len() > len {
            text.pop();
        }
        text
    }
}

/// Parses `input` as a `T`: an error must point inside the input, and a success must
/// survive the round trip.
fn survives<T: Syntax>(input: &str, options: &ParseOptions) {
    match T::parse_with(input, options) {
        Ok(ast) => {
            let text = ast.to_string();
            assert_eq!(T::parse_with(&text, &crate::roomy()), Ok(ast), "{input:?}");
        }
        Err(error) => {
            assert!(error.offset() <= input.len(), "{input:?}: {error:?}");
            assert!(!error.to_string().is_empty());
        }
    }
}

#[test]
fn eight_kib_of_garbage_is_an_error() {
    let mut lcg = Lcg(7);
    let input = lcg.garbage(8192);
    assert_eq!(input.len(), 8192);
    let error = input
        .parse::<Filter>()
        .expect_err("garbage is not a filter");
    assert!(error.offset() < input.len(), "{error:?}");
    assert!(error.to_string().contains(" at byte "), "{error}");
    // Many more, through every entry point, in both modes.
    for seed in 0..64 {
        let mut lcg = Lcg(seed);
        let input = lcg.garbage(8192);
        for options in [ParseOptions::default(), lenient()] {
            survives::<Filter>(&input, &options);
            survives::<PatchPath>(&input, &options);
            survives::<AttrPath>(&input, &options);
            survives::<AttributeList>(&input, &options);
            survives::<SortBy>(&input, &options);
        }
    }
}

#[test]
fn the_number_of_attribute_tests_is_limited() {
    let chain = |n: usize| vec!["a pr"; n].join(" and ");
    let options = ParseOptions::default().max_len(1 << 20);
    assert!(Filter::parse_with(&chain(1024), &options).is_ok());
    assert_eq!(
        Filter::parse_with(&chain(1025), &options),
        Err(FilterError::TooManyTerms {
            offset: 1024 * 9,
            max: 1024
        })
    );
    // A value path counts as a term of its own, besides the tests inside it.
    let four = ParseOptions::default().max_terms(4);
    assert!(Filter::parse_with(r#"emails[type eq "work" and value pr] or x pr"#, &four).is_ok());
    assert_eq!(
        Filter::parse_with(
            r#"emails[type eq "work" and value pr] or x pr and y pr"#,
            &four
        ),
        Err(FilterError::TooManyTerms { offset: 48, max: 4 })
    );
    // A long chain within the limits drops, clones and prints without trouble.
    let parsed = Filter::parse_with(&chain(1024), &options).unwrap();
    assert_eq!(parsed.clone().to_string(), chain(1024));
}
