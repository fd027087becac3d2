//! Truth tables for filter evaluation.

use scimitar_filter::{Filter, ParseOptions};
use scimitar_schema::{CompiledFilter, Resource, SchemaRegistry, ScimType, matches};
use serde_json::json;

fn barbara() -> Resource {
    Resource::from_value(json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "2819c223-7f76-453a-919d-413861904646",
        "externalId": "bjensen-EXT",
        "userName": "BJensen@example.com",
        "name": {"familyName": "Jensen", "givenName": "Bárbara", "honorificPrefix": ""},
        "title": "Tour Guide",
        "userType": "Employee",
        "active": true,
        "emails": [
            {"value": "bjensen@example.com", "type": "work", "primary": true},
            {"value": "babs@jensen.org", "type": "home"}
        ],
        "phoneNumbers": [],
        "meta": {
            "resourceType": "User",
            "created": "2010-01-23T04:56:22Z",
            "lastModified": "2011-05-13T04:42:34-07:00",
            "version": "W/\"a330bc54f0671c9\""
        },
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": {"value": "26118915-6090-4610-87e4-49d8ca9f808d", "displayName": "John Smith"}
        }
    }))
    .unwrap()
}

fn group() -> Resource {
    Resource::from_value(json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
        "displayName": "Tour Guides",
        "members": [
            {"value": "2819c223-7f76-453a-919d-413861904646", "display": "Babs Jensen"},
            {"value": "902c246b-6245-4190-8e05-00816be7344a", "display": "Mandy Pepperidge"}
        ]
    }))
    .unwrap()
}

fn check(resource: &Resource, table: &[(&str, bool)]) {
    let registry = SchemaRegistry::core();
    let lenient = ParseOptions::default().lenient(true);
    for (filter, expected) in table {
        let parsed =
            Filter::parse_with(filter, &lenient).unwrap_or_else(|err| panic!("{filter}: {err}"));
        assert_eq!(matches(&parsed, resource, &registry), *expected, "{filter}");
    }
}

#[test]
fn strings_compare_case_insensitively_unless_case_exact() {
    check(
        &barbara(),
        &[
            (r#"userName eq "bjensen@EXAMPLE.com""#, true),
            (r#"UserName Eq "bjensen@example.com""#, true),
            (r#"userName eq "bjensen""#, false),
            (r#"userName ne "bjensen""#, true),
            (r#"userName ne "BJENSEN@example.com""#, false),
            // externalId and id are caseExact.
            (r#"externalId eq "bjensen-EXT""#, true),
            (r#"externalId eq "BJENSEN-ext""#, false),
            (r#"id eq "2819C223-7F76-453A-919D-413861904646""#, false),
            (r#"id eq "2819c223-7f76-453a-919d-413861904646""#, true),
            // Non-ASCII text folds too.
            (r#"name.givenName eq "BÁRBARA""#, true),
            (r#"name.givenName co "ÁRB""#, true),
        ],
    );
}

#[test]
fn substring_operators() {
    check(
        &barbara(),
        &[
            (r#"userName sw "BJ""#, true),
            (r#"userName sw "example""#, false),
            (r#"userName ew "@EXAMPLE.COM""#, true),
            (r#"userName ew "bjensen""#, false),
            (r#"userName co "sen@ex""#, true),
            (r#"userName co "nobody""#, false),
            (r#"userName co """#, true),
            (r#"name.familyName co "ens""#, true),
            (r#"title sw "Tour guide and more""#, false),
        ],
    );
}

#[test]
fn ordering_of_strings_numbers_and_date_times() {
    check(
        &barbara(),
        &[
            (r#"userName gt "a""#, true),
            (r#"userName gt "C""#, false),
            (r#"userName lt "c""#, true),
            (r#"userName ge "bjensen@example.com""#, true),
            (r#"userName le "BJENSEN@example.com""#, true),
            // Instants, not text: 04:42:34-07:00 is 11:42:34Z.
            (r#"meta.lastModified gt "2011-05-13T11:00:00Z""#, true),
            (r#"meta.lastModified lt "2011-05-13T12:00:00Z""#, true),
            (r#"meta.lastModified eq "2011-05-13T11:42:34Z""#, true),
            (r#"meta.lastModified ge "2011-05-13T11:42:34.000Z""#, true),
            (r#"meta.created gt "2011-05-13T04:42:34Z""#, false),
            (r#"meta.created le "2010-01-23T05:56:22+01:00""#, true),
            // Lenient unquoted date-times still compare as instants.
            ("meta.created gt 2009-10-10T14:38:21.8617979-07:00", true),
        ],
    );
}

#[test]
fn numbers_compare_as_numbers() {
    let resource = Resource::from_value(
        json!({"schemas": ["urn:example:Thing"], "size": 10, "ratio": 0.5, "tags": [1, 20]}),
    )
    .unwrap();
    check(
        &resource,
        &[
            ("size eq 10", true),
            ("size eq 10.0", true),
            ("size gt 9", true),
            ("size gt 10", false),
            ("size ge 10", true),
            ("size lt 100", true),
            ("ratio lt 1", true),
            ("ratio gt 0.25", true),
            ("tags gt 15", true),
            ("tags gt 25", false),
            (r#"size eq "10""#, false),
            ("size co 1", false),
        ],
    );
}

#[test]
fn booleans_support_only_eq_and_ne() {
    check(
        &barbara(),
        &[
            ("active eq true", true),
            ("active eq false", false),
            ("active ne false", true),
            ("active ne true", false),
            // Lenient string booleans.
            (r#"active eq "True""#, true),
            (r#"active eq "false""#, false),
        ],
    );
    let registry = SchemaRegistry::core();
    let users = registry.resource_type("User");
    for filter in ["active gt true", "active co true", r#"active sw "t""#] {
        let filter: Filter = filter.parse().unwrap();
        let error = CompiledFilter::compile(&filter, &registry, users).unwrap_err();
        assert_eq!(error.scim_type, Some(ScimType::InvalidFilter), "{filter}");
        assert!(!matches(&filter, &barbara(), &registry), "{filter}");
    }
}

#[test]
fn present() {
    check(
        &barbara(),
        &[
            ("title pr", true),
            ("nickName pr", false),
            ("emails pr", true),
            ("emails.type pr", true),
            ("emails.display pr", false),
            // Empty strings and arrays are not values.
            ("phoneNumbers pr", false),
            ("name.honorificPrefix pr", false),
            ("name pr", true),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr",
                true,
            ),
            (
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr",
                false,
            ),
            ("nickName eq null", true),
            ("title eq null", false),
            ("title ne null", true),
        ],
    );
}

#[test]
fn multi_valued_attributes_match_when_any_value_does() {
    check(
        &barbara(),
        &[
            (r#"emails.value eq "babs@jensen.org""#, true),
            (r#"emails.type eq "home""#, true),
            (r#"emails.type eq "other""#, false),
            // Without a sub-attribute, a complex attribute compares its value.
            (r#"emails co "jensen.org""#, true),
            (r#"emails eq "BJENSEN@example.com""#, true),
            (r#"emails ew ".net""#, false),
            // ne: some value differs.
            (r#"emails.type ne "work""#, true),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User""#,
                true,
            ),
            (
                r#"schemas eq "urn:ietf:params:scim:schemas:core:2.0:Group""#,
                false,
            ),
        ],
    );
    check(
        &group(),
        &[
            (r#"members eq "902c246b-6245-4190-8e05-00816be7344a""#, true),
            (r#"members.value eq "unknown""#, false),
            (r#"members.display sw "mandy""#, true),
        ],
    );
}

#[test]
fn a_value_path_ties_its_conditions_to_one_element() {
    check(
        &barbara(),
        &[
            (
                r#"emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            // Each condition holds for some element, but not for the same one.
            (
                r#"emails[type eq "home" and value co "@example.com"]"#,
                false,
            ),
            (
                r#"emails.type eq "home" and emails.value co "@example.com""#,
                true,
            ),
            (r#"emails[type eq "home" or primary eq true]"#, true),
            (r#"emails[not (type eq "work")]"#, true),
            (r#"emails[primary eq true and not (type eq "work")]"#, false),
            (
                r#"emails[type eq "work"].value eq "bjensen@example.com""#,
                true,
            ),
            (
                r#"emails[type eq "home"].value eq "bjensen@example.com""#,
                false,
            ),
            (r#"phoneNumbers[type eq "work"]"#, false),
            // A value filter on a single-valued complex attribute.
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager[value eq "26118915-6090-4610-87e4-49d8ca9f808d"]"#,
                true,
            ),
            (r#"name[familyName eq "jensen"]"#, true),
        ],
    );
}

#[test]
fn urn_paths_and_extension_attributes() {
    check(
        &barbara(),
        &[
            (
                r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj""#,
                true,
            ),
            (
                r#"URN:IETF:params:scim:schemas:core:2.0:User:UserName sw "bj""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "tour""#,
                true,
            ),
            // A complex attribute compares its value: `manager eq` means `manager.value eq`.
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
                true,
            ),
            (
                r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName eq "john smith""#,
                true,
            ),
            // Unqualified names not in the core schema fall back to the extensions.
            (r#"department eq "Tour Operations""#, true),
            (r#"manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#, true),
            (
                r#"urn:example:unknown:2.0:User:department eq "Tour Operations""#,
                false,
            ),
        ],
    );
}

#[test]
fn logic_and_precedence() {
    check(
        &barbara(),
        &[
            (r#"title pr and userType eq "Employee""#, true),
            (r#"title pr and userType eq "Intern""#, false),
            (r#"title pr or userType eq "Intern""#, true),
            (r#"nickName pr or userType eq "Intern""#, false),
            (
                r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
                true,
            ),
            (
                r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
                false,
            ),
            (
                r#"userType eq "Employee" and (emails.type eq "work")"#,
                true,
            ),
            (
                r#"userType eq "Employee" and emails[type eq "work" and value co "@example.com"]"#,
                true,
            ),
            (
                r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
                true,
            ),
            // and binds tighter than or.
            (r#"nickName pr and title pr or active eq true"#, true),
            (r#"nickName pr and (title pr or active eq true)"#, false),
            (r#"not (nickName pr)"#, true),
            (r#"not (not (title pr))"#, true),
        ],
    );
}

#[test]
fn idp_lookups() {
    let table = [
        (r#"userName eq "bjensen@example.com""#, true),
        (r#"externalId eq "bjensen-EXT""#, true),
        (
            r#"emails[type eq "work"].value eq "BJENSEN@example.com""#,
            true,
        ),
        (
            r#"id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            true,
        ),
        (
            r#"id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "someone-else""#,
            false,
        ),
        (
            r#"userName eq "5b1c1b4e-5f2a-4bd1-9a1a-2d7e8f1c0c11""#,
            false,
        ),
        ("externalId eq bjensen-EXT", true),
    ];
    check(&barbara(), &table);
    check(
        &group(),
        &[
            (r#"displayName eq "tour guides""#, true),
            (r#"displayName eq "Tour""#, false),
        ],
    );
}

#[test]
fn a_compiled_filter_gives_the_same_answers() {
    let registry = SchemaRegistry::core();
    let users = registry.resource_type("User");
    let filter: Filter = r#"emails[type eq "work" and value co "@example.com"] and active eq true"#
        .parse()
        .unwrap();
    let compiled = CompiledFilter::compile(&filter, &registry, users).unwrap();
    assert!(compiled.matches(&barbara()));
    let mut inactive = barbara();
    inactive.as_map_mut().insert("active".into(), json!(false));
    assert!(!compiled.matches(&inactive));
}
