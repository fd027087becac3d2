//! The properties resource handling in `scimitar-schema` keeps, whatever JSON a client
//! sends as a POST or PUT body.
//!
//! Shared by the cargo-fuzz target `resource_json` and by the stable-toolchain test that
//! replays its committed corpus (`crates/scimitar-schema/tests/it/fuzz_corpus.rs`
//! includes this file with `#[path]`), so it uses only `scimitar_schema`,
//! `scimitar_filter`, `serde_json` and `std`.
//!
//! For any input, `Resource::from_json` never panics. For each resource it reads, against
//! the core `User` and `Group` resource types, in strict and in lenient mode:
//! - `validate` never panics;
//! - a validated resource is a fixed point: validating it again, strictly, succeeds
//!   without warnings and changes nothing (normalisation is idempotent, and lenient
//!   output is strict input);
//! - it survives a JSON round trip: serialising it and parsing the text gives an equal
//!   resource;
//! - projection (by default, and by fixed `attributes` and `excludedAttributes` lists)
//!   and evaluation of a few fixed filters never panic, and it matches a filter on its
//!   own `userName` (User) or `displayName` (Group).
//!
//! Projection and evaluation run on the unvalidated resource too, as a server does when
//! it filters stored data it did not validate itself.

use std::sync::LazyLock;

use scimitar_filter::{AttributeList, Filter, ParseOptions};
use scimitar_schema::{
    Projection, Resource, SchemaRegistry, ValidateOptions, matches, project, validate,
};

static REGISTRY: LazyLock<SchemaRegistry> = LazyLock::new(SchemaRegistry::core);

/// Filters identity providers send, and a few that reach every evaluation path:
/// value paths, extension attributes, `dateTime` ordering, `pr`, `not` and `null`.
static FILTERS: LazyLock<Vec<Filter>> = LazyLock::new(|| {
    let lenient = ParseOptions::default().lenient(true);
    [
        r#"userName eq "bjensen@example.com""#,
        r#"emails[type eq "work"].value eq "bjensen@example.com""#,
        r#"id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        r#"meta.lastModified gt "2011-05-13T04:42:34Z" or meta.created le "2010-01-23T04:56:22+02:00""#,
        r#"name.familyName co "son" and not (active eq true)"#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department sw "Tour""#,
        r#"members[value eq "2819c223-7f76-453a-919d-413861904646"] or displayName ew "ONE""#,
        r#"title pr and nickName eq null and emails.primary ne false"#,
    ]
    .into_iter()
    .map(|text| Filter::parse_with(text, &lenient).expect("a valid fixed filter"))
    .collect()
});

/// `attributes=` and `excludedAttributes=` lists: a core attribute, a sub-attribute, an
/// extension attribute and a whole extension.
static LISTS: LazyLock<[AttributeList; 2]> = LazyLock::new(|| {
    [
        "userName,name.familyName,members,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
        "emails,meta.created,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ]
    .map(|text| text.parse().expect("a valid fixed attribute list"))
});

/// Checks `Resource::from_json`, `validate`, `project` and `matches` on `data`.
pub fn resource_json(data: &[u8]) {
    let Ok(resource) = Resource::from_json(data) else {
        return;
    };
    let registry = &*REGISTRY;
    exercise(&resource);
    for type_name in ["User", "Group"] {
        let resource_type = registry
            .resource_type(type_name)
            .expect("a core resource type");
        for options in [ValidateOptions::strict(), ValidateOptions::lenient()] {
            let mode = if options.is_lenient() {
                "lenient"
            } else {
                "strict"
            };
            let Ok(validated) = validate(registry, resource_type, resource.clone(), &options)
            else {
                continue;
            };
            let valid = validated.resource;
            let again = validate(
                registry,
                resource_type,
                valid.clone(),
                &ValidateOptions::strict(),
            )
            .unwrap_or_else(|error| {
                panic!(
                    "the {mode} {type_name} {} fails strict validation: {error}",
                    to_json(&valid)
                )
            });
            assert_eq!(
                again.resource,
                valid,
                "validating the {mode} {type_name} {} again changes it",
                to_json(&valid)
            );
            assert!(
                again.warnings.is_empty(),
                "strict validation warns: {:?}",
                again.warnings
            );
            let text = to_json(&valid);
            let reparsed = Resource::from_json(text.as_bytes())
                .unwrap_or_else(|error| panic!("{text} does not parse back: {error}"));
            assert_eq!(reparsed, valid, "{text} parses back to another resource");
            exercise(&valid);
            matches_itself(type_name, &valid);
        }
    }
}

/// Projects `resource` and evaluates the fixed filters on it: nothing may panic.
fn exercise(resource: &Resource) {
    let registry = &*REGISTRY;
    for list in LISTS.iter() {
        project(resource, registry, Projection::Only(list));
        project(resource, registry, Projection::Except(list));
    }
    let projected = project(resource, registry, Projection::Default);
    for filter in FILTERS.iter() {
        matches(filter, resource, registry);
        matches(filter, &projected, registry);
    }
}

/// A valid resource matches an `eq` filter on its own name attribute.
fn matches_itself(type_name: &str, resource: &Resource) {
    let attribute = if type_name == "User" {
        "userName"
    } else {
        "displayName"
    };
    let Some(value) = resource.get_str(attribute) else {
        return;
    };
    // A filter's string literal is a JSON string (RFC 7644 §3.4.2.2).
    let literal = serde_json::to_string(value).expect("a string serialises");
    // Very long values exceed the parser's input limit; that is not this check's concern.
    let Ok(filter) = Filter::parse_with(
        &format!("{attribute} eq {literal}"),
        &ParseOptions::default(),
    ) else {
        return;
    };
    assert!(
        matches(&filter, resource, &REGISTRY),
        "{} does not match `{filter}`",
        to_json(resource)
    );
}

fn to_json(resource: &Resource) -> String {
    serde_json::to_string(resource).expect("a resource serialises")
}
