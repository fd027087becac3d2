//! The exact SQL and parameters of representative filters, in both dialects, and the
//! escaping of literals: they only ever travel as parameters.

use scimitar_sql::{Dialect, SqlValue, escape_like};

use crate::{texts, users};

/// The correlation of `attr_values v` with the resource `r`.
const V: &str = "v.tenant = r.tenant AND v.resource_type = r.resource_type AND v.id = r.id";

/// `EXISTS` over `attr_values v` of the resource, with `rest` after the correlation.
fn exists(rest: &str) -> String {
    format!("EXISTS (SELECT 1 FROM attr_values v WHERE {V} AND {rest})")
}

#[track_caller]
fn assert_sql(filter: &str, dialect: Dialect, sql: &str, params: &[SqlValue]) {
    let translation = users(filter, dialect);
    assert_eq!(
        translation.sql.as_deref(),
        Some(sql),
        "{filter} in {dialect}"
    );
    assert_eq!(translation.params, params, "{filter} in {dialect}");
    assert!(translation.complete, "{filter} in {dialect}");
}

fn text(value: &str) -> SqlValue {
    SqlValue::from(value)
}

#[test]
fn equality_ignores_case_on_folded_text() {
    let params = [text("username"), text("bjensen")];
    assert_sql(
        r#"UserName EQ "BJensen""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.folded = ?2"),
        &params,
    );
    assert_sql(
        r#"UserName EQ "BJensen""#,
        Dialect::Postgres,
        &exists("v.path = $1 AND v.folded = $2"),
        &params,
    );
}

#[test]
fn case_exact_attributes_compare_text_as_stored() {
    let params = [text("externalid"), text("BJ")];
    assert_sql(
        r#"externalId eq "BJ""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.text = ?2"),
        &params,
    );
    // SQLite's LIKE ignores ASCII case: case-exact substrings use instr and substr.
    assert_sql(
        r#"externalId co "BJ""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND instr(v.text, ?2) > 0"),
        &params,
    );
    assert_sql(
        r#"externalId sw "BJ""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND substr(v.text, 1, length(?2)) = ?2"),
        &params,
    );
    assert_sql(
        r#"externalId ew "BJ""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND substr(v.text, length(v.text) - length(?2) + 1) = ?2"),
        &params,
    );
    // PostgreSQL's LIKE is case-sensitive.
    assert_sql(
        r#"externalId ew "BJ""#,
        Dialect::Postgres,
        &exists(r"v.path = $1 AND v.text LIKE $2 ESCAPE '\'"),
        &[text("externalid"), text("%BJ")],
    );
}

#[test]
fn substring_operators_are_like_patterns_with_wildcards_escaped() {
    for (dialect, p1, p2) in [
        (Dialect::Sqlite, "?1", "?2"),
        (Dialect::Postgres, "$1", "$2"),
    ] {
        let sql = exists(&format!(r"v.path = {p1} AND v.folded LIKE {p2} ESCAPE '\'"));
        assert_sql(
            r#"userName co "50%_off\\Now""#,
            dialect,
            &sql,
            &[text("username"), text(r"%50\%\_off\\now%")],
        );
        assert_sql(
            r#"userName sw "a_""#,
            dialect,
            &sql,
            &[text("username"), text(r"a\_%")],
        );
        assert_sql(
            r#"userName ew "%""#,
            dialect,
            &sql,
            &[text("username"), text(r"%\%")],
        );
    }
}

#[test]
fn ne_holds_for_a_differing_value_or_no_value() {
    let expected = |p: [&str; 3]| {
        format!(
            "(NOT {} OR {})",
            exists(&format!("v.path = {}", p[0])),
            exists(&format!(
                "v.path = {} AND (v.folded = {}) IS NOT TRUE",
                p[1], p[2]
            )),
        )
    };
    let params = [text("title"), text("title"), text("boss")];
    assert_sql(
        r#"title ne "Boss""#,
        Dialect::Sqlite,
        &expected(["?1", "?2", "?3"]),
        &params,
    );
    assert_sql(
        r#"title ne "Boss""#,
        Dialect::Postgres,
        &expected(["$1", "$2", "$3"]),
        &params,
    );
}

#[test]
fn ne_on_a_sub_attribute_follows_the_shape_of_its_parent() {
    // An element with another type, or no element array and no type at all.
    assert_sql(
        r#"emails.type ne "work""#,
        Dialect::Sqlite,
        &format!(
            "({} OR NOT {})",
            exists("v.path = ?1 AND (v.folded = ?2) IS NOT TRUE"),
            exists("(v.path = ?3 OR (v.path = ?4 AND v.elem > 0))"),
        ),
        &[
            text("emails.type"),
            text("work"),
            text("emails.type"),
            text("emails"),
        ],
    );
}

#[test]
fn presence_looks_at_the_value_and_its_sub_attributes() {
    let present = "(v.text <> '' OR v.num IS NOT NULL OR v.bool IS NOT NULL)";
    assert_sql(
        "name pr",
        Dialect::Sqlite,
        &exists(&format!(
            r"(v.path = ?1 OR v.path LIKE ?2 ESCAPE '\') AND {present}"
        )),
        &[text("name"), text("name.%")],
    );
    assert_sql(
        "name.familyName eq null",
        Dialect::Postgres,
        &format!("NOT {}", exists(&format!("v.path = $1 AND {present}"))),
        &[text("name.familyname")],
    );
    assert_sql(
        "x_y pr",
        Dialect::Sqlite,
        &exists(&format!(
            r"(v.path = ?1 OR v.path LIKE ?2 ESCAPE '\') AND {present}"
        )),
        &[text("x_y"), text(r"x\_y.%")],
    );
}

#[test]
fn instants_compare_as_instants_and_other_strings_as_text() {
    let params = [
        text("meta.lastmodified"),
        text("2011-05-13T02:42:34.000000000Z"),
        text("2011-05-13T04:42:34+02:00"),
    ];
    assert_sql(
        r#"meta.lastModified gt "2011-05-13T04:42:34+02:00""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND (v.ts > ?2 OR (v.ts IS NULL AND v.text > ?3))"),
        &params,
    );
    // PostgreSQL orders text byte-wise, as evaluation does, whatever the collation.
    assert_sql(
        r#"meta.lastModified gt "2011-05-13T04:42:34+02:00""#,
        Dialect::Postgres,
        &exists(
            r#"v.path = $1 AND (v.ts COLLATE "C" > $2 OR (v.ts IS NULL AND v.text COLLATE "C" > $3))"#,
        ),
        &params,
    );
}

#[test]
fn numbers_and_booleans_use_their_columns() {
    assert_sql(
        "x-score ge 1.5",
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.num >= ?2"),
        &[text("x-score"), SqlValue::Real(1.5)],
    );
    assert_sql(
        "active eq true",
        Dialect::Postgres,
        &exists("v.path = $1 AND v.bool = $2"),
        &[text("active"), SqlValue::Bool(true)],
    );
    // Lenient literals: "true" is also the boolean.
    assert_sql(
        r#"active eq "True""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND (v.folded = ?2 OR v.bool = ?3)"),
        &[text("active"), text("true"), SqlValue::Bool(true)],
    );
}

#[test]
fn complex_attributes_compare_their_value_and_extensions_their_urn_path() {
    let manager = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:manager";
    assert_sql(
        r#"manager eq "26118915""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.folded = ?2"),
        &[text(manager), text("26118915")],
    );
    assert_sql(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.folded = ?2"),
        &[text(&format!("{manager}.value")), text("26118915")],
    );
    assert_sql(
        r#"emails co "@example.com""#,
        Dialect::Sqlite,
        &exists(r"v.path = ?1 AND v.folded LIKE ?2 ESCAPE '\'"),
        &[text("emails"), text("%@example.com%")],
    );
}

#[test]
fn a_value_path_of_positive_tests_joins_the_rows_of_one_element() {
    let join = |p: [&str; 4]| {
        format!(
            "EXISTS (SELECT 1 FROM attr_values v1 JOIN attr_values v2 ON v2.tenant = v1.tenant \
             AND v2.resource_type = v1.resource_type AND v2.id = v1.id AND v2.elem = v1.elem \
             WHERE v1.tenant = r.tenant AND v1.resource_type = r.resource_type AND v1.id = r.id \
             AND v1.path = {} AND v1.folded = {} AND v2.path = {} AND v2.folded LIKE {} ESCAPE '\\')",
            p[0], p[1], p[2], p[3]
        )
    };
    let params = [
        text("emails.type"),
        text("work"),
        text("emails.value"),
        text("%@example.com"),
    ];
    let filter = r#"emails[type eq "work" and value ew "@example.com"]"#;
    assert_sql(
        filter,
        Dialect::Sqlite,
        &join(["?1", "?2", "?3", "?4"]),
        &params,
    );
    assert_sql(
        filter,
        Dialect::Postgres,
        &join(["$1", "$2", "$3", "$4"]),
        &params,
    );
    assert_sql(
        r#"emails[type eq "work"]"#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.folded = ?2"),
        &[text("emails.type"), text("work")],
    );
}

#[test]
fn other_value_paths_test_each_element() {
    let element = "EXISTS (SELECT 1 FROM attr_values e WHERE e.tenant = r.tenant \
                   AND e.resource_type = r.resource_type AND e.id = r.id AND e.path = ?1 AND ";
    let of_e = "SELECT 1 FROM attr_values v WHERE v.tenant = e.tenant \
                AND v.resource_type = e.resource_type AND v.id = e.id AND v.elem = e.elem";
    assert_sql(
        r#"emails[not (type eq "work")]"#,
        Dialect::Sqlite,
        &format!("{element}NOT EXISTS ({of_e} AND v.path = ?2 AND v.folded = ?3))"),
        &[text("emails."), text("emails.type"), text("work")],
    );
    assert_sql(
        r#"emails[type eq "work" or primary eq true]"#,
        Dialect::Sqlite,
        &format!(
            "{element}(EXISTS ({of_e} AND v.path = ?2 AND v.folded = ?3) \
             OR EXISTS ({of_e} AND v.path = ?4 AND v.bool = ?5)))"
        ),
        &[
            text("emails."),
            text("emails.type"),
            text("work"),
            text("emails.primary"),
            SqlValue::Bool(true),
        ],
    );
}

#[test]
fn logical_operators_nest_with_parentheses() {
    assert_sql(
        r#"not (userName eq "x") or active ne false"#,
        Dialect::Sqlite,
        &format!(
            "(NOT {} OR NOT {} OR {})",
            exists("v.path = ?1 AND v.folded = ?2"),
            exists("v.path = ?3"),
            exists("v.path = ?4 AND (v.bool = ?5) IS NOT TRUE"),
        ),
        &[
            text("username"),
            text("x"),
            text("active"),
            text("active"),
            SqlValue::Bool(false),
        ],
    );
    assert_sql(
        r#"userName eq "a" and (title pr or not (title co "b" and title co "c"))"#,
        Dialect::Sqlite,
        &format!(
            "{} AND ({} OR NOT ({} AND {}))",
            exists("v.path = ?1 AND v.folded = ?2"),
            exists(
                r"(v.path = ?3 OR v.path LIKE ?4 ESCAPE '\') AND (v.text <> '' OR v.num IS NOT NULL OR v.bool IS NOT NULL)"
            ),
            exists(r"v.path = ?5 AND v.folded LIKE ?6 ESCAPE '\'"),
            exists(r"v.path = ?7 AND v.folded LIKE ?8 ESCAPE '\'"),
        ),
        &[
            text("username"),
            text("a"),
            text("title"),
            text("title.%"),
            text("title"),
            text("%b%"),
            text("title"),
            text("%c%"),
        ],
    );
}

#[test]
fn comparisons_that_can_never_hold_fold_to_constants() {
    // A string attribute ordered against a boolean: never true, so `not` is always true.
    assert_sql("userName gt true", Dialect::Sqlite, "1 = 0", &[]);
    let translation = users("not (userName gt true)", Dialect::Sqlite);
    assert_eq!(translation.sql, None);
    assert!(translation.complete);
    assert_sql(
        r#"userName gt true or userName eq "a""#,
        Dialect::Sqlite,
        &exists("v.path = ?1 AND v.folded = ?2"),
        &[text("username"), text("a")],
    );
}

#[test]
fn literals_only_ever_travel_as_parameters() {
    let hostile = [
        "x' OR '1'='1",
        "x\"; DROP TABLE resources; --",
        r"\' OR 1=1 --",
        "100%_sure",
        "?1 $1 :name",
    ];
    for literal in hostile {
        let quoted = serde_json::to_string(literal).expect("a JSON string");
        for op in ["eq", "ne", "co", "sw", "ew", "gt"] {
            for path in ["userName", "externalId", "meta.lastModified"] {
                let filter = format!("{path} {op} {quoted}");
                for dialect in [Dialect::Sqlite, Dialect::Postgres] {
                    let translation = users(&filter, dialect);
                    let sql = translation.sql.expect("a condition");
                    for piece in ["OR '1'", "DROP", "1=1", "sure", ":name"] {
                        assert!(!sql.contains(piece), "{filter} in {dialect}: {sql}");
                    }
                    // The only quotes in the SQL are the fixed '' and '\'.
                    let stripped = sql.replace("''", "").replace(r"'\'", "");
                    assert!(!stripped.contains('\''), "{filter} in {dialect}: {sql}");
                    let all = texts(&translation.params).concat();
                    let case_exact = path != "userName";
                    let folded = literal.to_lowercase();
                    let wanted = if case_exact { literal } else { &folded };
                    let like = escape_like(wanted);
                    assert!(
                        all.contains(wanted) || all.contains(&like),
                        "{filter} in {dialect}: {all}"
                    );
                }
            }
        }
    }
}

#[test]
fn escape_like_escapes_wildcards_and_the_escape_character_only() {
    assert_eq!(escape_like("plain"), "plain");
    assert_eq!(escape_like("%"), r"\%");
    assert_eq!(escape_like("_"), r"\_");
    assert_eq!(escape_like(r"\"), r"\\");
    assert_eq!(escape_like(r"a%b_c\d'e"), r"a\%b\_c\\d'e");
    assert_eq!(escape_like("Ünï%"), r"Ünï\%");
}
