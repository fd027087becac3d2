//! `scimitar mapping`: a tenant's attribute mappings listed, added, removed and restored
//! on a SQLite file; its refusals and mistakes. `history.rs` sees a custom mapping's
//! field in the history.

use serde_json::{Value, json};

use crate::import::store_with_acme;
use crate::serve::{TempDb, admin};
use crate::{INVALID, USAGE, scimitar};

const COST_CENTER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter";

/// The JSON lines of `scimitar mapping list --tenant acme --json`.
fn listed(db: &TempDb) -> Vec<Value> {
    let run = admin(&["mapping", "list", "--tenant", "acme", "--json"], db);
    run.stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("a JSON object ({error}): {line}"))
        })
        .collect()
}

/// The fields of `mappings`, in order.
fn fields(mappings: &[Value]) -> Vec<&str> {
    mappings
        .iter()
        .map(|mapping| mapping["field"].as_str().expect("a field"))
        .collect()
}

/// Runs `scimitar mapping ARGS --tenant acme --db DB`, which must fail with exit 2 and
/// say `message`.
#[track_caller]
fn assert_refused(db: &TempDb, args: &[&str], message: &str) {
    let run = scimitar([args, &["--tenant", "acme", "--db", &db.0]].concat());
    assert_eq!(run.code, INVALID, "{args:?}: {}", run.stderr);
    assert_eq!(run.stdout, "", "{args:?}");
    assert!(
        run.stderr.starts_with(&format!("error: {message}")),
        "{args:?}: {}",
        run.stderr
    );
}

#[test]
fn mappings_are_listed_added_removed_and_restored() {
    let db = store_with_acme();
    let defaults = listed(&db);
    assert_eq!(
        fields(&defaults),
        [
            "user_name",
            "display_name",
            "email",
            "first_name",
            "last_name",
            "office_phone",
            "mobile_phone",
            "manager",
            "job_title_text",
        ]
    );
    assert_eq!(
        defaults[0],
        json!({"path": "userName", "field": "user_name", "read_only": true, "kind": "text"})
    );
    assert_eq!(
        defaults[2],
        json!({"path": r#"emails[type eq "work"].value"#, "field": "email", "read_only": false, "kind": "text"})
    );
    assert_eq!(defaults[7]["kind"], "reference");
    for mapping in &defaults {
        assert_eq!(
            mapping.as_object().map(|object| object.len()),
            Some(4),
            "{mapping}"
        );
    }

    let table = admin(&["mapping", "list", "--tenant", "acme"], &db).stdout;
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 10, "{table}");
    assert_eq!(rows[0], ["FIELD", "KIND", "READ-ONLY", "PATH"]);
    assert_eq!(rows[1], ["user_name", "text", "yes", "userName"]);
    assert_eq!(
        rows[8],
        [
            "manager",
            "reference",
            "no",
            &COST_CENTER.replace(":costCenter", ":manager")
        ]
    );

    let run = admin(
        &[
            "mapping",
            "add",
            "--tenant",
            "acme",
            COST_CENTER,
            "cost_center",
        ],
        &db,
    );
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        format!("mapped the field \"cost_center\" to \"{COST_CENTER}\" for the tenant \"acme\"\n")
    );
    let run = admin(
        &["mapping", "remove", "--tenant", "acme", "office_phone"],
        &db,
    );
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr
            .starts_with(r#"removed the mapping of the field "office_phone""#),
        "{}",
        run.stderr
    );
    let changed = listed(&db);
    assert!(!fields(&changed).contains(&"office_phone"), "{changed:?}");
    assert_eq!(
        changed.last(),
        Some(
            &json!({"path": COST_CENTER, "field": "cost_center", "read_only": false, "kind": "text"})
        )
    );

    // Refused: the store keeps what it had.
    assert_refused(
        &db,
        &["mapping", "remove", "user_name"],
        r#"the field "user_name" is read-only"#,
    );
    assert_refused(
        &db,
        &["mapping", "remove", "display_name"],
        r#"the field "display_name" is read-only"#,
    );
    assert_refused(
        &db,
        &["mapping", "remove", "office_phone"],
        r#"the tenant "acme" has no mapping of the field "office_phone""#,
    );
    assert_refused(
        &db,
        &["mapping", "add", "title", "cost_center"],
        r#"the field "cost_center" is already mapped"#,
    );
    assert_refused(
        &db,
        &["mapping", "add", "emails.value", "any_email"],
        r#""emails.value" is not a single text value"#,
    );
    assert_refused(
        &db,
        &["mapping", "add", "nickName", "nick name"],
        r#""nick name" is not a field name"#,
    );
    assert_refused(
        &db,
        &["mapping", "add", "bogus", "bogus"],
        r#""bogus" is not a SCIM path of a user"#,
    );
    assert_eq!(listed(&db), changed);

    let run = admin(&["mapping", "restore", "--tenant", "acme"], &db);
    assert_eq!(run.stdout, "");
    assert_eq!(
        run.stderr,
        "restored the default mappings for the tenant \"acme\"\n"
    );
    assert_eq!(listed(&db), defaults);
}

#[test]
fn mapping_needs_a_tenant_that_exists() {
    for args in [
        &["mapping", "list", "--tenant", "acme", "--db", ":memory:"][..],
        &["mapping", "restore", "--tenant", "acme", "--db", ":memory:"],
        &[
            "mapping", "add", "--tenant", "acme", "--db", ":memory:", "title", "t",
        ],
    ] {
        let run = scimitar(args);
        assert_eq!(run.code, INVALID, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.contains(r#"error: no tenant called "acme""#),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn mapping_usage_mistakes() {
    for (args, message) in [
        (&["mapping"][..], "missing mapping command"),
        (
            &["mapping", "rename"],
            r#"unknown mapping command "rename""#,
        ),
        (&["mapping", "list"], "missing --tenant NAME"),
        (&["mapping", "restore"], "missing --tenant NAME"),
        (&["mapping", "remove", "email"], "missing --tenant NAME"),
        (
            &["mapping", "add", "--tenant", "acme", "title"],
            "missing FIELD",
        ),
        (&["mapping", "add", "--tenant", "acme"], "missing SCIM_PATH"),
        (&["mapping", "remove", "--tenant", "acme"], "missing FIELD"),
        (
            &["mapping", "restore", "--tenant", "acme", "--json"],
            r#"unknown option "--json""#,
        ),
    ] {
        let run = scimitar(args);
        assert_eq!(run.code, USAGE, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("error: {message}\n")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr
                .contains("usage: scimitar mapping list --tenant NAME [--json] [--db DB]"),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn mapping_help() {
    for args in [&["mapping", "--help"][..], &["mapping", "add", "-h"]] {
        let run = scimitar(args);
        assert_eq!(run.code, 0, "{args:?}");
        for text in [
            "scimitar mapping add --tenant NAME [--db DB] SCIM_PATH FIELD",
            r#"{"path":"userName","field":"user_name","read_only":true,"kind":"text"}"#,
            "':memory:'",
        ] {
            assert!(
                run.stdout.contains(text),
                "{args:?} {text:?}: {}",
                run.stdout
            );
        }
    }
    let run = scimitar(["--help"]);
    assert!(
        run.stdout
            .contains("scimitar mapping restore --tenant NAME"),
        "{}",
        run.stdout
    );
}
