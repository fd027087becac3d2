//! The default table on real payloads, and editing a table.

use scimitar_policy::{FieldChange, FieldKind, Mapping, MappingError, Mappings, Policy};
use scimitar_schema::SchemaRegistry;
use serde_json::json;

use crate::fixtures::{ENTERPRISE, entra_user, okta_user, resource, with};

fn values(user: &scimitar_schema::Resource) -> Vec<(String, Option<String>)> {
    Mappings::defaults()
        .iter()
        .map(|mapping| (mapping.field.clone(), Mappings::value(mapping, user)))
        .collect()
}

fn pairs(expected: &[(&str, Option<&str>)]) -> Vec<(String, Option<String>)> {
    expected
        .iter()
        .map(|(field, value)| ((*field).to_owned(), value.map(str::to_owned)))
        .collect()
}

#[test]
fn the_defaults_read_an_entra_user() {
    assert_eq!(
        values(&entra_user()),
        pairs(&[
            ("user_name", Some("AdeleV@contoso.onmicrosoft.com")),
            ("display_name", Some("Adele Vance")),
            ("email", Some("AdeleV@contoso.com")),
            ("first_name", Some("Adele")),
            ("last_name", Some("Vance")),
            ("office_phone", Some("+1 425 555 0109")),
            ("mobile_phone", Some("+1 425 555 0110")),
            ("manager", Some("8a2c6f3b-6f1e-4f51-9d8e-2bfb1d3e1c44")),
            ("job_title_text", Some("Retail Manager")),
        ])
    );
}

#[test]
fn the_defaults_read_an_okta_user() {
    assert_eq!(
        values(&okta_user()),
        pairs(&[
            ("user_name", Some("isaiah.langer@example.com")),
            ("display_name", Some("Isaiah Langer")),
            ("email", Some("isaiah.langer@example.com")),
            ("first_name", Some("Isaiah")),
            ("last_name", Some("Langer")),
            ("office_phone", None),
            ("mobile_phone", Some("555-0123")),
            ("manager", Some("00u1ab2cd3EF4gh5ij6k")),
            ("job_title_text", Some("Sales Rep")),
        ])
    );
}

#[test]
fn the_default_table() {
    let mappings = Mappings::defaults();
    let read_only: Vec<&str> = mappings
        .iter()
        .filter(|mapping| mapping.read_only)
        .map(|mapping| mapping.field.as_str())
        .collect();
    assert_eq!(read_only, ["user_name", "display_name"]);
    let references: Vec<&str> = mappings
        .iter()
        .filter(|mapping| mapping.kind == FieldKind::Reference)
        .map(|mapping| mapping.path.as_str())
        .collect();
    assert_eq!(references, [format!("{ENTERPRISE}:manager")]);
    assert_eq!(Mappings::default(), mappings);
}

#[test]
fn fields_on_a_create() {
    let fields = Mappings::defaults().fields(None, Some(&okta_user()));
    assert_eq!(
        fields,
        [
            FieldChange::new("user_name", Some("isaiah.langer@example.com".into())),
            FieldChange::new("display_name", Some("Isaiah Langer".into())),
            FieldChange::new("email", Some("isaiah.langer@example.com".into())),
            FieldChange::new("first_name", Some("Isaiah".into())),
            FieldChange::new("last_name", Some("Langer".into())),
            FieldChange::new("mobile_phone", Some("555-0123".into())),
            FieldChange::new("manager", Some("00u1ab2cd3EF4gh5ij6k".into())),
            FieldChange::new("job_title_text", Some("Sales Rep".into())),
        ]
    );
}

#[test]
fn fields_on_a_change() {
    let before = entra_user();
    let after = with(
        &before,
        json!({
            "emails": [
                {"type": "work", "value": "adele.vance@contoso.com", "primary": true},
                {"type": "other", "value": "adele@example.org"},
            ],
            "phoneNumbers": [
                {"type": "mobile", "value": "+1 425 555 0110"},
                {"type": "work", "value": "+1 425 555 0200"},
            ],
            "name": {"familyName": "Vance", "givenName": "Adèle"},
            "displayName": "Adèle Vance",
        }),
    );
    assert_eq!(
        Mappings::defaults().fields(Some(&before), Some(&after)),
        [
            FieldChange::new("display_name", Some("Adèle Vance".into())),
            FieldChange::new("email", Some("adele.vance@contoso.com".into())),
            FieldChange::new("first_name", Some("Adèle".into())),
            FieldChange::new("office_phone", Some("+1 425 555 0200".into())),
        ]
    );
}

#[test]
fn fields_on_clearing() {
    let before = entra_user();
    let mut after = with(&before, json!({"title": null, "phoneNumbers": []}));
    assert!(scimitar_policy::clear_manager(&mut after));
    assert_eq!(
        Mappings::defaults().fields(Some(&before), Some(&after)),
        [
            FieldChange::new("office_phone", None),
            FieldChange::new("mobile_phone", None),
            FieldChange::new("manager", None),
            FieldChange::new("job_title_text", None),
        ]
    );
}

#[test]
fn a_manager_change_is_the_new_id() {
    let before = okta_user();
    let mut after = before.clone();
    scimitar_policy::set_manager(&mut after, "00u9zz");
    assert_eq!(
        Mappings::defaults().fields(Some(&before), Some(&after)),
        [FieldChange::new("manager", Some("00u9zz".into()))]
    );
}

#[test]
fn add_remove_and_restore() {
    let registry = SchemaRegistry::core();
    let mut mappings = Mappings::defaults();
    mappings
        .add(
            &registry,
            r#"emails[type eq "other"].value"#,
            "private_email",
        )
        .expect("a filtered sub-attribute");
    mappings
        .add(
            &registry,
            &format!("{ENTERPRISE}:employeeNumber"),
            "employee_no",
        )
        .expect("an extension attribute");
    mappings
        .add(&registry, r#"addresses[type eq "work"].locality"#, "city")
        .expect("an address part");
    mappings
        .add(&registry, "preferredLanguage", "language")
        .expect("a string");
    assert_eq!(
        mappings.fields(None, Some(&entra_user())).split_off(8),
        [
            FieldChange::new("job_title_text", Some("Retail Manager".into())),
            FieldChange::new("private_email", Some("adele@example.org".into())),
            FieldChange::new("employee_no", Some("701984".into())),
            FieldChange::new("city", Some("Bellevue".into())),
            FieldChange::new("language", Some("en-US".into())),
        ]
    );

    assert_eq!(
        mappings.remove("city"),
        Ok(Mapping::text(
            r#"addresses[type eq "work"].locality"#,
            "city"
        ))
    );
    mappings
        .remove("office_phone")
        .expect("a default is removable");
    mappings
        .remove("mobile_phone")
        .expect("a default is removable");
    let fields: Vec<String> = mappings
        .iter()
        .map(|mapping| mapping.field.clone())
        .collect();
    assert_eq!(
        fields,
        [
            "user_name",
            "display_name",
            "email",
            "first_name",
            "last_name",
            "manager",
            "job_title_text",
            "private_email",
            "employee_no",
            "language",
        ]
    );
    // A removed default's field is free again.
    mappings
        .add(
            &registry,
            r#"phoneNumbers[type eq "fax"].value"#,
            "office_phone",
        )
        .expect("a freed field");
    assert_eq!(
        Mappings::value(
            mappings.get("office_phone").expect("re-added"),
            &entra_user()
        )
        .as_deref(),
        Some("+1 425 555 0111")
    );
    mappings.restore();
    assert_eq!(mappings, Mappings::defaults());
}

#[test]
fn each_error() {
    let registry = SchemaRegistry::core();
    let mut mappings = Mappings::defaults();
    let error = |mappings: &mut Mappings, path: &str, field: &str| {
        mappings.add(&registry, path, field).expect_err("refused")
    };
    assert_eq!(
        error(&mut mappings, "title", "job title"),
        MappingError::InvalidField {
            field: "job title".into()
        }
    );
    assert_eq!(
        error(&mut mappings, "title", "job_title_text"),
        MappingError::FieldTaken {
            field: "job_title_text".into()
        }
    );
    assert!(matches!(
        error(&mut mappings, "emails[type eq \"work\"", "x"),
        MappingError::InvalidPath { .. }
    ));
    assert!(matches!(
        error(&mut mappings, "jobTitle", "x"),
        MappingError::InvalidPath { .. }
    ));
    assert_eq!(
        error(&mut mappings, "phoneNumbers", "x"),
        MappingError::NotText {
            path: "phoneNumbers".into()
        }
    );
    assert_eq!(
        mappings.remove("display_name"),
        Err(MappingError::ReadOnly {
            field: "display_name".into()
        })
    );
    assert_eq!(
        mappings.remove("x"),
        Err(MappingError::UnknownField { field: "x".into() })
    );
    assert_eq!(mappings, Mappings::defaults(), "nothing changed");

    let messages = [
        MappingError::InvalidField {
            field: "a b".into(),
        }
        .to_string(),
        MappingError::NotText {
            path: "name".into(),
        }
        .to_string(),
        MappingError::ReadOnly {
            field: "user_name".into(),
        }
        .to_string(),
    ];
    assert_eq!(
        messages,
        [
            "\"a b\" is not a field name: use letters, digits, '_', '-' or '.', at most 64",
            "\"name\" is not a single text value; custom fields are strings",
            "the field \"user_name\" is read-only",
        ]
    );
}

#[test]
fn mappings_round_trip_through_a_policy() {
    let registry = SchemaRegistry::core();
    let mut mappings = Mappings::defaults();
    mappings.remove("email").expect("removable");
    mappings
        .add(&registry, "nickName", "nick")
        .expect("a string");
    let policy = Policy::default().with_mappings(mappings.clone());
    let json = serde_json::to_string(&policy).expect("serializes");
    let back: Policy = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back, policy);
    assert!(!back.is_default());
    let user = resource(json!({"nickName": "Babs", "emails": [{"type": "work", "value": "b@x"}]}));
    assert_eq!(
        back.mappings.fields(None, Some(&user)),
        [FieldChange::new("nick", Some("Babs".into()))]
    );

    let defaults: Policy = serde_json::from_str("{}").expect("every switch has a default");
    assert!(defaults.is_default());
    let stored = serde_json::to_value(Mappings::defaults()).expect("serializes");
    assert_eq!(stored.as_array().map(Vec::len), Some(9));
    assert_eq!(
        stored.get(7),
        Some(&json!({
            "path": format!("{ENTERPRISE}:manager"),
            "field": "manager",
            "read_only": false,
            "kind": "reference",
        }))
    );
}
