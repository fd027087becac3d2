//! `scimitar history`: the entries a real server wrote when it picked up imported
//! accounts, as JSON lines and as a table, filtered; and its mistakes.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use crate::import::{ACCOUNTS, store_with_acme};
use crate::serve::{Server, TempDb, admin, auth};
use crate::{INVALID, USAGE, scimitar};

/// The keys of every JSON line, exactly.
const KEYS: [&str; 12] = [
    "seq",
    "time",
    "action",
    "resource_type",
    "resource_id",
    "key",
    "request",
    "changes",
    "fields",
    "warnings",
    "status",
    "error",
];

const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// The JSON lines of `scimitar history --tenant acme --json ARGS`.
fn history(db: &TempDb, args: &[&str]) -> Vec<Value> {
    let run = admin(
        &[&["history", "--tenant", "acme", "--json"], args].concat(),
        db,
    );
    run.stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("a JSON object ({error}): {line}"))
        })
        .collect()
}

#[test]
fn a_pick_up_is_in_the_history() {
    let db = store_with_acme();
    admin(
        &[
            "mapping",
            "add",
            "--tenant",
            "acme",
            &format!("{ENTERPRISE}:costCenter"),
            "cost_center",
        ],
        &db,
    );
    let accounts = crate::Fixture::new("accounts.json", ACCOUNTS);
    admin(&["import", "--tenant", "acme", accounts.arg()], &db);
    let issued = admin(&["token", "issue", "--tenant", "acme"], &db);
    let key = issued.stdout.trim_end().to_owned();

    let server = Server::start_with(&["--db", &db.0], false);
    let user = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE],
        "userName": "BJensen@example.com",
        "name": {"givenName": "Babs"},
        ENTERPRISE: {"costCenter": "4130"},
    });
    let headers = format!("{}X-Request-Id: req-1\r\n", auth(&key));
    let reply = server.request("POST", "/scim/v2/Users", &headers, &user.to_string());
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["id"], "app-42", "the imported account's id");
    let group = json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "displayName": "design",
    });
    let reply = server.request("POST", "/scim/v2/Groups", &auth(&key), &group.to_string());
    assert_eq!(reply.status, 201, "{reply:?}");
    assert_eq!(reply.json()["id"], "team-7");

    // The entries are written with the writes, before the responses: read while the
    // server runs.
    let entries = history(&db, &[]);
    assert_eq!(entries.len(), 2, "{entries:?}");
    let keys = |entry: &Value| -> BTreeSet<String> {
        entry
            .as_object()
            .expect("an object")
            .keys()
            .cloned()
            .collect()
    };
    let expected: BTreeSet<String> = KEYS.iter().map(|key| key.to_string()).collect();
    for entry in &entries {
        assert_eq!(keys(entry), expected, "{entry}");
    }
    let user = &entries[0];
    assert_eq!(user["seq"], 1, "{user}");
    assert_eq!(user["action"], "picked_up", "{user}");
    assert_eq!(user["resource_type"], "User", "{user}");
    assert_eq!(user["resource_id"], "app-42", "{user}");
    assert_eq!(user["status"], 201, "a number: {user}");
    assert_eq!(user["request"], "req-1", "{user}");
    assert_eq!(user["error"], Value::Null, "{user}");
    assert!(
        user["key"]
            .as_str()
            .is_some_and(|id| id.starts_with("key_")),
        "the key's id: {user}"
    );
    assert!(!user.to_string().contains(&key), "never the key: {user}");
    let time = user["time"].as_str().expect("a time");
    assert!(
        chrono::DateTime::parse_from_rfc3339(time).is_ok() && time.ends_with('Z'),
        "{time}"
    );
    let changes = user["changes"].as_array().expect("a list of changes");
    for change in changes {
        let names: Vec<&str> = change
            .as_object()
            .expect("an object")
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(names.len(), 3, "{change}");
        assert!(
            ["path", "before", "after"]
                .iter()
                .all(|name| names.contains(name)),
            "{change}"
        );
    }
    assert!(
        changes.contains(&json!({"path": "name.givenName", "before": "Barbara", "after": "Babs"})),
        "{changes:?}"
    );
    assert_eq!(user["fields"]["first_name"], "Babs", "{user}");
    assert_eq!(
        user["fields"]["cost_center"], "4130",
        "the custom mapping: {user}"
    );
    assert!(user["warnings"].is_array(), "{user}");
    let group = &entries[1];
    assert_eq!(group["seq"], 2, "{group}");
    assert_eq!(group["action"], "picked_up", "{group}");
    assert_eq!(group["resource_type"], "Group", "{group}");
    assert_eq!(group["resource_id"], "team-7", "{group}");

    // Filtered.
    let only = history(&db, &["--resource", "team-7"]);
    assert_eq!(only.len(), 1, "{only:?}");
    assert_eq!(only[0]["resource_id"], "team-7");
    let after = history(&db, &["--after", "1"]);
    assert_eq!(after.len(), 1, "{after:?}");
    assert_eq!(after[0]["seq"], 2);
    assert_eq!(history(&db, &["--after", "2"]), Vec::<Value>::new());
    assert_eq!(history(&db, &["--since", time]).len(), 2);
    assert_eq!(
        history(&db, &["--since", "2999-01-01T00:00:00+01:00"]),
        Vec::<Value>::new()
    );

    // As a table.
    let table = admin(&["history", "--tenant", "acme"], &db).stdout;
    let rows: Vec<Vec<&str>> = table
        .lines()
        .map(|line| line.split_whitespace().collect())
        .collect();
    assert_eq!(rows.len(), 3, "{table}");
    assert_eq!(
        rows[0],
        ["SEQ", "TIME", "ACTION", "TYPE", "ID", "STATUS", "SUMMARY"]
    );
    assert_eq!(rows[1][0], "1", "{table}");
    assert!(rows[1][1].ends_with('Z'), "{table}");
    assert_eq!(
        rows[1][2..6],
        ["picked_up", "User", "app-42", "201"],
        "{table}"
    );
    assert_eq!(rows[1][6], "changed", "{table}");
    assert!(
        table.lines().nth(1).unwrap().contains("name.givenName"),
        "{table}"
    );
    assert_eq!(
        rows[2][2..6],
        ["picked_up", "Group", "team-7", "201"],
        "{table}"
    );

    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
}

#[test]
fn a_refused_write_is_a_failed_entry() {
    let db = store_with_acme();
    let issued = admin(&["token", "issue", "--tenant", "acme"], &db);
    let key = issued.stdout.trim_end().to_owned();
    let server = Server::start_with(&["--db", &db.0], false);
    let nameless = r#"{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]}"#;
    let reply = server.request("POST", "/scim/v2/Users", &auth(&key), nameless);
    assert_eq!(reply.status, 400, "{reply:?}");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);

    let entries = history(&db, &[]);
    assert_eq!(entries.len(), 1, "{entries:?}");
    assert_eq!(entries[0]["action"], "failed");
    assert_eq!(entries[0]["status"], 400);
    assert_eq!(entries[0]["resource_id"], Value::Null);
    let error = entries[0]["error"].as_str().expect("the error's detail");
    let table = admin(&["history", "--tenant", "acme"], &db).stdout;
    let row = table.lines().nth(1).expect("a row");
    assert!(row.contains(" failed "), "{table}");
    assert!(row.ends_with(&format!("error: {error}")), "{table}");
}

#[test]
fn history_usage_mistakes() {
    for (args, message) in [
        (&["history"][..], "missing --tenant NAME"),
        (&["history", "--json"], "missing --tenant NAME"),
        (
            &["history", "--tenant", "acme", "--since", "yesterday"],
            r#"invalid --since "yesterday": expected an RFC 3339 time"#,
        ),
        (
            &["history", "--tenant", "acme", "--since", "2026-01-02"],
            r#"invalid --since "2026-01-02""#,
        ),
        (
            &["history", "--tenant", "acme", "--after", "-1"],
            r#"invalid --after "-1": expected a sequence number"#,
        ),
        (
            &["history", "--tenant", "acme", "--after", "x"],
            r#"invalid --after "x""#,
        ),
        (
            &["history", "--tenant", "acme", "--follow"],
            r#"unknown option "--follow""#,
        ),
        (
            &["history", "--tenant", "acme", "extra"],
            r#"unexpected argument "extra""#,
        ),
    ] {
        let run = scimitar(args);
        assert_eq!(run.code, USAGE, "{args:?}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{args:?}");
        assert!(
            run.stderr.starts_with(&format!("error: {message}")),
            "{args:?}: {}",
            run.stderr
        );
        assert!(
            run.stderr.contains("usage: scimitar history --tenant NAME"),
            "{args:?} shows the usage: {}",
            run.stderr
        );
    }
}

#[test]
fn history_needs_a_tenant_that_exists() {
    let run = scimitar(["history", "--db", ":memory:", "--tenant", "acme"]);
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert_eq!(run.stdout, "");
    assert!(
        run.stderr.contains(r#"error: no tenant called "acme""#),
        "{}",
        run.stderr
    );
}

#[test]
fn history_help() {
    let run = scimitar(["history", "-h"]);
    assert_eq!(run.code, 0);
    for text in [
        "Usage: scimitar history --tenant NAME [--resource ID] [--since TIME] [--after SEQ]",
        "resource_type",
        "--after SEQ",
        "':memory:'",
    ] {
        assert!(run.stdout.contains(text), "{text:?}: {}", run.stdout);
    }
    let run = scimitar(["--help"]);
    assert!(
        run.stdout.contains("scimitar history --tenant NAME"),
        "{}",
        run.stdout
    );
}
