//! The SQL against in-memory evaluation: random users (with names in any case, nulls,
//! empty strings, values of unexpected types, instants with offsets) stored as a store
//! would, random filters over every operator, value paths and `and`/`or`/`not`; the
//! rows a complete translation selects must be exactly the users
//! [`scimitar_schema::matches`] accepts, and an incomplete one must select all of them.
//!
//! Every user is stored a second time under another tenant and another resource type
//! with the same id and other data, so a condition that escaped its resource would show.

use std::collections::BTreeSet;

use proptest::prelude::*;
use proptest::sample::select;
use scimitar_filter::Filter;
use scimitar_schema::{Resource, matches};
use scimitar_sql::{Dialect, translate};
use serde_json::{Map, Value, json};

use crate::{ACME, Db, ENTERPRISE, USER, resource};

/// Strings users hold and filters compare with: case variants, LIKE wildcards, the
/// escape character, quotes, non-ASCII text, look-alikes (NFC and NFD, fullwidth).
const WORDS: &[&str] = &[
    "bjensen",
    "BJensen",
    "alice",
    "Alice%",
    "a_b",
    "axb",
    r"a\b",
    "o'neil",
    "\"q\"",
    "Ünïcödé",
    "ünïcödé",
    "U\u{308}ni\u{308}co\u{308}de\u{301}",
    "\u{FF22}\u{FF2A}ensen",
    "\u{FF42}jensen",
    "\u{212B}sa",
    "\u{C5}sa",
    "",
    "b",
    "true",
    "True",
    "İstanbul",
    "ΑΣ",
];

const EMAILS: &[&str] = &[
    "bjensen@example.com",
    "BJensen@Example.com",
    "alice@x.org",
    "a_b%c@x.org",
    "",
];

const TYPES: &[&str] = &["work", "home", "Work", "other", ""];

/// Instants written with various offsets and precisions, and strings that are not
/// instants.
const DATES: &[&str] = &[
    "2024-01-01T10:00:00Z",
    "2024-01-01T12:00:00+02:00",
    "2024-01-01T05:00:00-05:00",
    "2024-01-01T10:00:00.5Z",
    "2024-01-01T10:00:00.000000001Z",
    "2023-12-31T23:59:59.999Z",
    "2024-01-01T10:00:00+00:00",
    "2024-01-01t10:00:00z",
    "not a date",
    "2024-01-01",
    "2016-12-31T23:59:60Z",
    "0000-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
];

/// Strings filters compare with beyond the data: substrings and wildcard characters.
const FRAGMENTS: &[&str] = &[
    "b",
    "B",
    "%",
    "_",
    r"\",
    "'",
    "@x.org",
    "@EXAMPLE.COM",
    "work",
    "WORK",
    "a",
    "ü",
    "Ü",
    "2024",
    "10:00",
    "i",
    "σ",
    "ς",
    "u\u{308}",
    "\u{308}",
    "\u{FF42}",
    "\u{FF2A}ENSEN",
    "a\u{30A}",
    "\u{E5}",
];

fn one_of_keys(keys: &'static [&'static str]) -> impl Strategy<Value = &'static str> {
    select(keys)
}

/// A value that is usually a string of `pool`, sometimes `null` or of another type.
fn loose(pool: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => select(pool).prop_map(Value::from),
        1 => Just(Value::Null),
        1 => prop_oneof![Just(json!(5)), Just(json!(true)), Just(json!(["x", "B"]))],
    ]
}

/// [`loose`] without arrays, for the elements of an array: SCIM has no arrays in arrays.
fn loose_scalar(pool: &'static [&'static str]) -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => select(pool).prop_map(Value::from),
        1 => Just(Value::Null),
        1 => prop_oneof![Just(json!(5)), Just(json!(true))],
    ]
}

fn object(entries: Vec<Option<(&'static str, Value)>>) -> Value {
    Value::Object(
        entries
            .into_iter()
            .flatten()
            .map(|(key, value)| (key.to_owned(), value))
            .collect::<Map<_, _>>(),
    )
}

fn name() -> impl Strategy<Value = Value> {
    (
        proptest::option::of((one_of_keys(&["familyName", "FAMILYNAME"]), loose(WORDS))),
        proptest::option::of((one_of_keys(&["givenName", "givenname"]), loose(WORDS))),
    )
        .prop_map(|(family, given)| object(vec![family, given]))
}

fn email() -> impl Strategy<Value = Value> {
    let element = (
        proptest::option::of((one_of_keys(&["value", "Value"]), loose(EMAILS))),
        proptest::option::of((
            one_of_keys(&["type", "TYPE"]),
            select(TYPES).prop_map(Value::from),
        )),
        proptest::option::of((
            one_of_keys(&["primary"]),
            prop_oneof![Just(json!(true)), Just(json!(false))],
        )),
        proptest::option::of((one_of_keys(&["display"]), loose(WORDS))),
    )
        .prop_map(|(value, kind, primary, display)| object(vec![value, kind, primary, display]));
    prop_oneof![
        12 => element,
        1 => Just(Value::Null),
        1 => select(EMAILS).prop_map(Value::from),
    ]
}

fn emails() -> impl Strategy<Value = Value> {
    prop_oneof![
        8 => proptest::collection::vec(email(), 0..4).prop_map(Value::Array),
        1 => email(),
    ]
}

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        (-3i64..4).prop_map(Value::from),
        select(&[1.5f64, 2.0, -0.5, 1e300][..]).prop_map(Value::from),
        Just(json!(9_007_199_254_740_993u64)),
        Just(json!("2")),
    ]
}

fn manager() -> impl Strategy<Value = Value> {
    prop_oneof![
        4 => (
            proptest::option::of((one_of_keys(&["value", "VALUE"]), select(&["m1", "M1", "m2"][..]).prop_map(Value::from))),
            proptest::option::of((one_of_keys(&["displayName"]), loose(WORDS))),
        )
            .prop_map(|(value, display)| object(vec![value, display])),
        1 => Just(json!("m1")),
    ]
}

fn enterprise() -> impl Strategy<Value = Value> {
    (
        proptest::option::of((one_of_keys(&["department", "Department"]), loose(WORDS))),
        proptest::option::of((one_of_keys(&["manager", "MANAGER"]), manager())),
    )
        .prop_map(|(department, manager)| object(vec![department, manager]))
}

fn acme() -> impl Strategy<Value = Value> {
    (
        proptest::option::of((one_of_keys(&["level", "LEVEL"]), number())),
        proptest::option::of((one_of_keys(&["since"]), loose(DATES))),
        proptest::option::of((
            one_of_keys(&["tags", "Tags"]),
            proptest::collection::vec(loose_scalar(WORDS), 0..3).prop_map(Value::Array),
        )),
        proptest::option::of((one_of_keys(&["badge"]), loose(WORDS))),
        proptest::option::of((
            one_of_keys(&["flags"]),
            proptest::collection::vec(prop_oneof![Just(json!(true)), Just(json!(false))], 0..3)
                .prop_map(Value::Array),
        )),
    )
        .prop_map(|(level, since, tags, badge, flags)| {
            object(vec![level, since, tags, badge, flags])
        })
}

fn meta() -> impl Strategy<Value = Value> {
    (
        one_of_keys(&["lastModified", "LASTMODIFIED"]),
        select(DATES).prop_map(Value::from),
    )
        .prop_map(|(key, value)| object(vec![Some((key, value))]))
}

/// A user, without `id` (added when stored).
fn user() -> impl Strategy<Value = Value> {
    (
        (
            proptest::option::of((
                one_of_keys(&["userName", "username", "USERNAME"]),
                loose(WORDS),
            )),
            proptest::option::of((one_of_keys(&["name", "Name"]), name())),
            proptest::option::of((one_of_keys(&["emails", "Emails"]), emails())),
            proptest::option::of((
                one_of_keys(&["active", "Active"]),
                prop_oneof![
                    Just(json!(true)),
                    Just(json!(false)),
                    Just(Value::Null),
                    Just(json!("True"))
                ],
            )),
            proptest::option::of((one_of_keys(&["meta", "META"]), meta())),
            proptest::option::of((one_of_keys(&["title"]), loose(WORDS))),
        ),
        (
            proptest::option::of((one_of_keys(&["externalId", "EXTERNALID"]), loose(WORDS))),
            proptest::option::of((one_of_keys(&["x-score", "X-Score"]), number())),
            proptest::option::of((
                one_of_keys(&[
                    ENTERPRISE,
                    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user",
                ]),
                enterprise(),
            )),
            proptest::option::of((one_of_keys(&[ACME]), acme())),
        ),
    )
        .prop_map(
            |(
                (user_name, name, emails, active, meta, title),
                (external_id, score, enterprise, acme),
            )| {
                let mut user = object(vec![
                    user_name,
                    name,
                    emails,
                    active,
                    meta,
                    title,
                    external_id,
                    score,
                    enterprise,
                    acme,
                ]);
                user["schemas"] = json!([USER, ENTERPRISE, ACME]);
                user
            },
        )
}

/// Attribute paths of the top level, in the case filters happen to use.
const PATHS: &[&str] = &[
    "userName",
    "USERNAME",
    "name.familyName",
    "Name.GIVENNAME",
    "name.middleName",
    "emails",
    "Emails.value",
    "emails.type",
    "emails.primary",
    "emails.display",
    "active",
    "meta.lastModified",
    "META.lastmodified",
    "title",
    "externalId",
    "x-score",
    "X-SCORE.sub",
    "nosuch",
    "schemas",
    "department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "manager",
    "MANAGER.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
    "level",
    "urn:example:params:scim:schemas:extension:acme:2.0:User:since",
    "tags",
    "badge",
    "flags",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "urn:example:unknown:2.0:User:title",
];

/// Value paths and the sub-attributes their filters test.
const VALUE_PATHS: &[&str] = &[
    "emails",
    "Emails",
    "urn:ietf:params:scim:schemas:core:2.0:User:emails",
    "manager",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
    "name",
    "tags",
    "title",
    "urn:example:unknown:2.0:User:manager",
];
const SUB_ATTRS: &[&str] = &[
    "value",
    "Value",
    "type",
    "TYPE",
    "primary",
    "display",
    "familyName",
    "displayName",
    "nosuch",
    "value.deeper",
];

const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "lt", "ge", "le"];

fn literal() -> impl Strategy<Value = String> {
    let string = prop_oneof![
        select(WORDS),
        select(EMAILS),
        select(TYPES),
        select(DATES),
        select(FRAGMENTS),
        select(&["m1", "M1"][..]),
    ]
    .prop_map(|text| serde_json::to_string(text).expect("a JSON string"));
    prop_oneof![
        6 => string,
        1 => select(&["0", "1", "2", "1.5", "-1", "2.0", "9007199254740993", "1e300"][..]).prop_map(str::to_owned),
        1 => select(&["true", "false", "null"][..]).prop_map(str::to_owned),
    ]
}

/// Boolean attributes, which take `eq` and `ne` only: other operators make the filter
/// invalid (matching nothing), which a few tests should be, not most.
const BOOLEANS: &[&str] = &["active", "emails.primary", "flags", "primary"];

fn test(paths: &'static [&'static str]) -> impl Strategy<Value = String> {
    let compare = (
        select(paths),
        select(OPS),
        literal(),
        proptest::bool::weighted(0.8),
    )
        .prop_map(|(path, mut op, value, tame)| {
            if value == "null" && !matches!(op, "eq" | "ne") {
                op = "eq";
            }
            if tame && BOOLEANS.contains(&path) && !matches!(op, "eq" | "ne") {
                op = "ne";
            }
            format!("{path} {op} {value}")
        });
    prop_oneof![
        1 => select(paths).prop_map(|path| format!("{path} pr")),
        6 => compare,
    ]
}

fn combine(leaf: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    leaf.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|filter| format!("not ({filter})")),
            (inner.clone(), inner.clone())
                .prop_map(|(left, right)| format!("({left}) and ({right})")),
            (inner.clone(), inner).prop_map(|(left, right)| format!("({left}) or ({right})")),
        ]
    })
}

fn value_path() -> impl Strategy<Value = String> {
    (select(VALUE_PATHS), combine(test(SUB_ATTRS).boxed()))
        .prop_map(|(attr, inner)| format!("{attr}[{inner}]"))
}

fn filter_text() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![3 => test(PATHS), 1 => value_path()].boxed();
    prop_oneof![1 => leaf.clone(), 2 => combine(leaf)]
}

fn store(users: &[Value]) -> (Db, Vec<(String, Resource)>) {
    let mut db = Db::new();
    let mut stored = Vec::new();
    db.conn.execute_batch("BEGIN").expect("begin");
    for (index, user) in users.iter().enumerate() {
        let id = format!("u{index}");
        let mut user = user.clone();
        user["id"] = json!(id);
        let user = resource(user);
        db.insert("t1", "User", &id, &user);
        // Other data under the same id, elsewhere.
        let other = resource(users[(index + 1) % users.len()].clone());
        db.insert("t2", "User", &id, &other);
        db.insert("t1", "Group", &id, &other);
        stored.push((id, user));
    }
    db.conn.execute_batch("COMMIT").expect("commit");
    (db, stored)
}

fn check(db: &Db, stored: &[(String, Resource)], text: &str) -> Result<(), TestCaseError> {
    let Ok(filter) = text.parse::<Filter>() else {
        return Ok(());
    };
    let users = db.registry.resource_type("User").expect("User");
    let expected: BTreeSet<String> = stored
        .iter()
        .filter(|(_, user)| matches(&filter, user, &db.registry))
        .map(|(id, _)| id.clone())
        .collect();
    for dialect in [Dialect::Sqlite, Dialect::Postgres] {
        let translation = translate(&filter, users, &db.registry, dialect);
        let selected = db.ids(&translation, dialect, "t1");
        if translation.complete {
            let differing: Vec<String> = stored
                .iter()
                .filter(|(id, _)| selected.contains(id) != expected.contains(id))
                .map(|(id, user)| {
                    format!(
                        "{id}: {}",
                        serde_json::to_string(user.as_map()).unwrap_or_default()
                    )
                })
                .collect();
            prop_assert!(
                differing.is_empty(),
                "{} in {}: SQL and evaluation differ on {:#?}\n{:?} {:?}",
                text,
                dialect,
                differing,
                translation.sql,
                translation.params
            );
        } else {
            let missing: Vec<_> = expected.difference(&selected).collect();
            prop_assert!(
                missing.is_empty(),
                "{} in {} misses {:?}: {:?} {:?}",
                text,
                dialect,
                missing,
                translation.sql,
                translation.params
            );
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sql_selects_exactly_what_evaluation_matches(
        users in proptest::collection::vec(user(), 20..40),
        filters in proptest::collection::vec(filter_text(), 8),
    ) {
        let (db, stored) = store(&users);
        for text in &filters {
            check(&db, &stored, text)?;
        }
    }
}

/// Filters written by hand for the shapes random ones reach rarely, against fixed users.
#[test]
fn representative_filters_agree_with_evaluation() {
    let users = vec![
        json!({"userName": "BJensen", "name": {"familyName": "Jensen"}, "active": true,
               "emails": [{"value": "bjensen@example.com", "type": "work", "primary": true},
                          {"value": "babs@home.org", "type": "home"}],
               "meta": {"lastModified": "2011-05-13T04:42:34Z"},
               ENTERPRISE: {"department": "Tour", "manager": {"value": "m1"}}}),
        json!({"USERNAME": "alice", "emails": [{"type": "work"}], "active": "True",
               "meta": {"LastModified": "2011-05-13T06:42:34+02:00"}, "title": ""}),
        json!({"userName": "50%_off\\now", "emails": [], "title": "Boss",
               "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user": {"Manager": "m2"}}),
        json!({"userName": "o'neil", "emails": {"value": "single@x.org", "type": "work"},
               "name": {"familyName": null}, ACME: {"level": 3, "tags": ["A", "b"], "since": "2020-02-29T12:00:00-08:00"}}),
        json!({"userName": "Ünïcödé", "emails": [null, {"value": null, "type": "other"}],
               ACME: {"level": 3.5, "flags": [true, false], "badge": "XY"}}),
        json!({"userName": "", "x-score": 9_007_199_254_740_993u64}),
    ];
    let users: Vec<Value> = users
        .into_iter()
        .map(|mut user| {
            user["schemas"] = json!([USER, ENTERPRISE, ACME]);
            user
        })
        .collect();
    let (db, stored) = store(&users);
    for text in [
        r#"userName eq "bjensen""#,
        r#"userName ne "bjensen""#,
        r#"userName co "%_""#,
        r#"userName sw "50%""#,
        r#"userName ew "\\now""#,
        r#"userName co "'""#,
        r#"userName co "ÏC""#,
        r#"userName gt "b""#,
        "userName pr",
        "title pr",
        "title eq null",
        "title ne null",
        r#"emails co "example""#,
        r#"emails ne "bjensen@example.com""#,
        r#"emails.value ne "bjensen@example.com""#,
        r#"emails.type ne "work""#,
        r#"emails[type eq "work" and value co "@"]"#,
        r#"emails[type eq "work" and not (value pr)]"#,
        r#"emails[not (type eq "work")]"#,
        r#"emails[type ne "work" or primary eq true]"#,
        "emails[value eq null]",
        "emails pr",
        "emails eq null",
        "emails.value pr",
        r#"active eq true"#,
        r#"active ne true"#,
        r#"active eq "TRUE""#,
        r#"meta.lastModified eq "2011-05-13T04:42:34Z""#,
        r#"meta.lastModified gt "2011-05-13T04:00:00+00:00""#,
        r#"meta.lastModified ge "2011-05-13T06:42:34+02:00""#,
        r#"meta.lastModified co "+02""#,
        r#"manager eq "m1""#,
        r#"manager eq "M2""#,
        r#"manager.value pr"#,
        r#"department sw "t""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value ne "m1""#,
        "level gt 3",
        "level ge 3",
        "level eq 3.5",
        "x-score gt 9007199254740992",
        r#"tags eq "a""#,
        r#"tags eq "A""#,
        r#"tags co "B""#,
        r#"badge sw "x""#,
        r#"badge ew "Y""#,
        "flags eq false",
        "flags ne true",
        r#"since lt "2020-03-01T00:00:00Z""#,
        r#"urn:example:unknown:2.0:User:title pr"#,
        r#"active gt true"#,
        r#"name.familyName ne "x""#,
        r#"name[familyName eq null]"#,
        r#"not (userName eq "alice") and emails[type eq "work"]"#,
    ] {
        check(&db, &stored, text).unwrap_or_else(|err| panic!("{err}"));
    }
}
