//! The three standard schemas of RFC 7643 §8.7.1, shipped as data in `schemas/`.
//!
//! Each file is checked against the RFC's characteristics, attribute by attribute.
//! Where the RFC contradicts itself, the files follow the verified errata or the
//! RFC's own examples; those rows carry a comment.

use scimitar_schema::{
    AttributeDef, AttributeType as T, Mutability as M, Returned as R, Schema, Uniqueness as U,
};

const USER_JSON: &str = include_str!("../../schemas/user.json");
const GROUP_JSON: &str = include_str!("../../schemas/group.json");
const ENTERPRISE_USER_JSON: &str = include_str!("../../schemas/enterprise_user.json");

const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE_USER_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// One attribute's characteristics: path, type, multiValued, required, caseExact,
/// mutability, returned, uniqueness.
type Row = (&'static str, T, bool, bool, bool, M, R, U);

fn parse(json: &str) -> Schema {
    serde_json::from_str::<Schema>(json).expect("schema file parses")
}

fn user() -> Schema {
    parse(USER_JSON)
}

fn group() -> Schema {
    parse(GROUP_JSON)
}

fn enterprise_user() -> Schema {
    parse(ENTERPRISE_USER_JSON)
}

/// The attribute at `path` (`name` or `name.sub`), with its exact spelling checked.
fn lookup<'a>(schema: &'a Schema, path: &str) -> &'a AttributeDef {
    let mut parts = path.split('.');
    let top = parts.next().unwrap_or_default();
    let mut def = schema
        .attribute_def(top)
        .unwrap_or_else(|| panic!("{}: no attribute `{top}`", schema.id));
    assert_eq!(def.name, top, "{}: spelling of `{top}`", schema.id);
    for part in parts {
        def = def
            .sub_attribute(part)
            .unwrap_or_else(|| panic!("{}: no sub-attribute `{path}`", schema.id));
        assert_eq!(def.name, part, "{}: spelling of `{path}`", schema.id);
    }
    def
}

fn check_rows(schema: &Schema, rows: &[Row]) {
    for &(path, kind, multi_valued, required, case_exact, mutability, returned, uniqueness) in rows
    {
        let def = lookup(schema, path);
        assert_eq!(
            (
                def.kind,
                def.multi_valued,
                def.required,
                def.case_exact,
                def.mutability,
                def.returned,
                def.uniqueness,
            ),
            (
                kind,
                multi_valued,
                required,
                case_exact,
                mutability,
                returned,
                uniqueness
            ),
            "{}: characteristics of `{path}`",
            schema.id,
        );
    }
}

fn names(defs: &[AttributeDef]) -> Vec<&str> {
    defs.iter().map(|def| def.name.as_str()).collect()
}

fn check_sub_attribute_names(schema: &Schema, expected: &[(&str, &[&str])]) {
    for &(path, subs) in expected {
        let def = lookup(schema, path);
        assert_eq!(def.kind, T::Complex, "{}: `{path}` is complex", schema.id);
        assert_eq!(
            names(&def.sub_attributes),
            subs,
            "{}: sub-attributes of `{path}`",
            schema.id
        );
    }
}

fn check_strings(
    schema: &Schema,
    expected: &[(&str, &[&str])],
    field: fn(&AttributeDef) -> &[String],
) {
    for &(path, values) in expected {
        assert_eq!(
            field(lookup(schema, path)),
            values,
            "{}: `{path}`",
            schema.id
        );
    }
}

fn canonical_values(def: &AttributeDef) -> &[String] {
    &def.canonical_values
}

fn reference_types(def: &AttributeDef) -> &[String] {
    &def.reference_types
}

/// Every attribute in the tree, with its dotted path.
fn walk<'a>(prefix: &str, defs: &'a [AttributeDef], out: &mut Vec<(String, &'a AttributeDef)>) {
    for def in defs {
        let path = if prefix.is_empty() {
            def.name.clone()
        } else {
            format!("{prefix}.{}", def.name)
        };
        walk(&path, &def.sub_attributes, out);
        out.push((path, def));
    }
}

// --- User -------------------------------------------------------------------------------

#[test]
fn user_schema_identity_and_attribute_order() {
    let schema = user();
    assert_eq!(schema.id, USER_URN);
    assert_eq!(schema.name.as_deref(), Some("User"));
    assert_eq!(schema.attributes.len(), 21);
    assert_eq!(
        names(&schema.attributes),
        [
            "userName",
            "name",
            "displayName",
            "nickName",
            "profileUrl",
            "title",
            "userType",
            "preferredLanguage",
            "locale",
            "timezone",
            "active",
            "password",
            "emails",
            "phoneNumbers",
            "ims",
            "photos",
            "addresses",
            "groups",
            "entitlements",
            "roles",
            "x509Certificates",
        ]
    );
}

#[test]
fn user_sub_attribute_order() {
    const MULTI: &[&str] = &["value", "display", "type", "primary"];
    check_sub_attribute_names(
        &user(),
        &[
            (
                "name",
                &[
                    "formatted",
                    "familyName",
                    "givenName",
                    "middleName",
                    "honorificPrefix",
                    "honorificSuffix",
                ],
            ),
            ("emails", MULTI),
            ("phoneNumbers", MULTI),
            ("ims", MULTI),
            ("photos", MULTI),
            // §8.7.1 omits `primary`; §2.4 and the §8.2 example have it.
            (
                "addresses",
                &[
                    "formatted",
                    "streetAddress",
                    "locality",
                    "region",
                    "postalCode",
                    "country",
                    "type",
                    "primary",
                ],
            ),
            ("groups", &["value", "$ref", "display", "type"]),
            ("entitlements", MULTI),
            ("roles", MULTI),
            ("x509Certificates", MULTI),
        ],
    );
}

#[rustfmt::skip]
const USER_ROWS: &[Row] = &[
    ("userName", T::String, false, true, false, M::ReadWrite, R::Default, U::Server),
    ("name", T::Complex, false, false, false, M::ReadWrite, R::Default, U::None),
    ("name.formatted", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("name.familyName", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("name.givenName", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("name.middleName", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("name.honorificPrefix", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("name.honorificSuffix", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("displayName", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("nickName", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("profileUrl", T::Reference, false, false, false, M::ReadWrite, R::Default, U::None),
    ("title", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("userType", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("preferredLanguage", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("locale", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("timezone", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("active", T::Boolean, false, false, false, M::ReadWrite, R::Default, U::None),
    ("password", T::String, false, false, false, M::WriteOnly, R::Never, U::None),
    ("emails", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("emails.value", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("emails.display", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("emails.type", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("emails.primary", T::Boolean, false, false, false, M::ReadWrite, R::Default, U::None),
    ("phoneNumbers", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("phoneNumbers.value", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("phoneNumbers.type", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("ims", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("ims.type", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("photos", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("photos.value", T::Reference, false, false, false, M::ReadWrite, R::Default, U::None),
    ("addresses", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("addresses.country", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("addresses.type", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("addresses.primary", T::Boolean, false, false, false, M::ReadWrite, R::Default, U::None),
    ("groups", T::Complex, true, false, false, M::ReadOnly, R::Default, U::None),
    ("groups.value", T::String, false, false, false, M::ReadOnly, R::Default, U::None),
    ("groups.$ref", T::Reference, false, false, false, M::ReadOnly, R::Default, U::None),
    ("groups.display", T::String, false, false, false, M::ReadOnly, R::Default, U::None),
    ("groups.type", T::String, false, false, false, M::ReadOnly, R::Default, U::None),
    ("entitlements", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("entitlements.value", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("roles", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("roles.primary", T::Boolean, false, false, false, M::ReadWrite, R::Default, U::None),
    ("x509Certificates", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("x509Certificates.value", T::Binary, false, false, false, M::ReadWrite, R::Default, U::None),
];

#[test]
fn user_characteristics() {
    check_rows(&user(), USER_ROWS);
}

#[test]
fn user_canonical_values_and_reference_types() {
    let schema = user();
    check_strings(
        &schema,
        &[
            ("emails.type", &["work", "home", "other"]),
            (
                "phoneNumbers.type",
                &["work", "home", "mobile", "fax", "pager", "other"],
            ),
            (
                "ims.type",
                &["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"],
            ),
            ("photos.type", &["photo", "thumbnail"]),
            ("addresses.type", &["work", "home", "other"]),
            ("groups.type", &["direct", "indirect"]),
            ("entitlements.type", &[]),
            ("roles.type", &[]),
            ("x509Certificates.type", &[]),
        ],
        canonical_values,
    );
    check_strings(
        &schema,
        &[
            ("profileUrl", &["external"]),
            ("photos.value", &["external"]),
            // §8.7.1 says ["User", "Group"]; verified erratum 8471 (and §4.1.2) say Group only.
            ("groups.$ref", &["Group"]),
        ],
        reference_types,
    );
}

// --- Group ------------------------------------------------------------------------------

#[test]
fn group_schema_identity_and_attribute_order() {
    let schema = group();
    assert_eq!(schema.id, GROUP_URN);
    assert_eq!(schema.name.as_deref(), Some("Group"));
    assert_eq!(schema.attributes.len(), 2);
    assert_eq!(names(&schema.attributes), ["displayName", "members"]);
    // §8.7.1 lists value, $ref and type; `display` follows §2.4 and the §8.4 example.
    check_sub_attribute_names(
        &schema,
        &[("members", &["value", "$ref", "type", "display"])],
    );
}

#[rustfmt::skip]
const GROUP_ROWS: &[Row] = &[
    // §8.7.1 says required false; §4.2 and verified erratum 5368 say true.
    ("displayName", T::String, false, true, false, M::ReadWrite, R::Default, U::None),
    ("members", T::Complex, true, false, false, M::ReadWrite, R::Default, U::None),
    ("members.value", T::String, false, false, false, M::Immutable, R::Default, U::None),
    ("members.$ref", T::Reference, false, false, false, M::Immutable, R::Default, U::None),
    ("members.type", T::String, false, false, false, M::Immutable, R::Default, U::None),
    ("members.display", T::String, false, false, false, M::Immutable, R::Default, U::None),
];

#[test]
fn group_characteristics() {
    let schema = group();
    check_rows(&schema, GROUP_ROWS);
    check_strings(
        &schema,
        &[("members.type", &["User", "Group"])],
        canonical_values,
    );
    check_strings(
        &schema,
        &[("members.$ref", &["User", "Group"])],
        reference_types,
    );
}

// --- Enterprise User --------------------------------------------------------------------

#[test]
fn enterprise_user_schema_identity_and_attribute_order() {
    let schema = enterprise_user();
    assert_eq!(schema.id, ENTERPRISE_USER_URN);
    assert_eq!(schema.name.as_deref(), Some("EnterpriseUser"));
    assert_eq!(schema.attributes.len(), 6);
    assert_eq!(
        names(&schema.attributes),
        [
            "employeeNumber",
            "costCenter",
            "organization",
            "division",
            "department",
            "manager"
        ]
    );
    check_sub_attribute_names(&schema, &[("manager", &["value", "$ref", "displayName"])]);
}

#[rustfmt::skip]
const ENTERPRISE_USER_ROWS: &[Row] = &[
    ("employeeNumber", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("costCenter", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("organization", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("division", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("department", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("manager", T::Complex, false, false, false, M::ReadWrite, R::Default, U::None),
    ("manager.value", T::String, false, false, false, M::ReadWrite, R::Default, U::None),
    ("manager.$ref", T::Reference, false, false, false, M::ReadWrite, R::Default, U::None),
    ("manager.displayName", T::String, false, false, false, M::ReadOnly, R::Default, U::None),
];

#[test]
fn enterprise_user_characteristics() {
    let schema = enterprise_user();
    check_rows(&schema, ENTERPRISE_USER_ROWS);
    check_strings(&schema, &[("manager.$ref", &["User"])], reference_types);
}

// --- All three --------------------------------------------------------------------------

#[test]
fn every_attribute_is_well_formed() {
    for schema in [user(), group(), enterprise_user()] {
        assert!(schema.description.is_some(), "{}: description", schema.id);
        let mut all = Vec::new();
        walk("", &schema.attributes, &mut all);
        for (path, def) in all {
            let described = def
                .description
                .as_deref()
                .is_some_and(|text| !text.is_empty());
            assert!(described, "{}: `{path}` has a description", schema.id);
            assert_eq!(
                def.kind == T::Complex,
                !def.sub_attributes.is_empty(),
                "{}: `{path}` has sub-attributes exactly when complex",
                schema.id,
            );
            assert_eq!(
                def.kind == T::Reference,
                !def.reference_types.is_empty(),
                "{}: `{path}` has reference types exactly when a reference",
                schema.id,
            );
            // RFC 7643 §2.4: complex attributes nest one level only.
            for sub in &def.sub_attributes {
                assert_ne!(
                    sub.kind,
                    T::Complex,
                    "{}: `{path}.{}` is not complex",
                    schema.id,
                    sub.name
                );
            }
        }
    }
}

#[test]
fn files_use_only_schema_keys() {
    const SCHEMA_KEYS: &[&str] = &["id", "name", "description", "attributes"];
    const ATTRIBUTE_KEYS: &[&str] = &[
        "name",
        "type",
        "multiValued",
        "description",
        "required",
        "canonicalValues",
        "caseExact",
        "mutability",
        "returned",
        "uniqueness",
        "referenceTypes",
        "subAttributes",
    ];
    fn check_attributes(file: &str, attributes: &serde_json::Value) {
        for attribute in attributes.as_array().expect("an array of attributes") {
            let object = attribute.as_object().expect("an attribute object");
            for key in object.keys() {
                assert!(
                    ATTRIBUTE_KEYS.contains(&key.as_str()),
                    "{file}: unknown key `{key}`"
                );
            }
            if let Some(subs) = object.get("subAttributes") {
                check_attributes(file, subs);
            }
        }
    }
    for (file, json) in [
        ("user.json", USER_JSON),
        ("group.json", GROUP_JSON),
        ("enterprise_user.json", ENTERPRISE_USER_JSON),
    ] {
        let value: serde_json::Value = serde_json::from_str(json).expect("valid JSON");
        let object = value.as_object().expect("a schema object");
        for key in object.keys() {
            assert!(
                SCHEMA_KEYS.contains(&key.as_str()),
                "{file}: unknown key `{key}`"
            );
        }
        check_attributes(file, &object["attributes"]);
    }
}

#[test]
fn schemas_round_trip_through_json() {
    for schema in [user(), group(), enterprise_user()] {
        let text = serde_json::to_string(&schema).expect("schema serialises");
        let again: Schema = serde_json::from_str(&text).expect("serialised schema parses");
        assert_eq!(again, schema, "{}", schema.id);
    }
}
