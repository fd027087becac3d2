//! `scimitar import`: an app's accounts loaded into a tenant on a SQLite file, what it
//! prints, and where it stops. `history.rs` has a server pick them up.

use crate::serve::{TempDb, admin};
use crate::{Fixture, INVALID, Run, USAGE, scimitar, scimitar_with_stdin};

pub(crate) const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";

/// What an app exports: a user and a group with the app's ids, and a user without one.
pub(crate) const ACCOUNTS: &str = r#"[
  {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "id": "app-42",
   "userName": "bjensen@example.com", "name": {"givenName": "Barbara"},
   "meta": {"resourceType": "User", "created": "2020-01-01T00:00:00Z"}},
  {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "team-7",
   "displayName": "Design", "members": [{"value": "app-42"}]},
  {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "jsmith@example.com"}
]"#;

/// A JSON array of users with these `(id, userName)`.
fn users(list: &[(&str, &str)]) -> String {
    let users: Vec<serde_json::Value> = list
        .iter()
        .map(|(id, user_name)| {
            serde_json::json!({"schemas": [USER_URN], "id": id, "userName": user_name})
        })
        .collect();
    serde_json::Value::Array(users).to_string()
}

/// A store with the tenant `acme`.
pub(crate) fn store_with_acme() -> TempDb {
    let db = TempDb::new();
    admin(&["tenant", "create", "acme"], &db);
    db
}

/// Runs `scimitar import --tenant acme --db DB FILE` with `accounts` in FILE.
fn import(db: &TempDb, accounts: &str) -> Run {
    let file = Fixture::new("accounts.json", accounts);
    scimitar(["import", "--tenant", "acme", "--db", &db.0, file.arg()])
}

#[test]
fn imports_each_account_and_records_no_history() {
    let db = store_with_acme();
    let run = import(&db, ACCOUNTS);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stderr, "");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(lines[0], "imported User app-42 bjensen@example.com");
    assert_eq!(lines[1], "imported Group team-7 Design");
    let words: Vec<&str> = lines[2].split(' ').collect();
    assert_eq!(words.len(), 4, "{}", lines[2]);
    assert_eq!(words[..2], ["imported", "User"]);
    assert_eq!(words[2].len(), 36, "a new id, a UUID: {}", lines[2]);
    assert_eq!(words[3], "jsmith@example.com");

    // Unmanaged accounts are not written to the history: nothing happened through SCIM.
    let history = admin(&["history", "--tenant", "acme", "--json"], &db);
    assert_eq!(history.stdout, "");
    let table = admin(&["history", "--tenant", "acme"], &db);
    assert_eq!(
        table.stdout,
        "SEQ  TIME  ACTION  TYPE  ID  STATUS  SUMMARY\n"
    );
}

#[test]
fn import_reads_standard_input() {
    let db = store_with_acme();
    let accounts = users(&[("u1", "a@example.com")]);
    let run = scimitar_with_stdin(
        &["import", "--db", &db.0, "--tenant", "acme", "-"],
        &accounts,
    );
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "imported User u1 a@example.com\n");
}

#[test]
fn an_invalid_account_imports_nothing() {
    let db = store_with_acme();
    let untyped = format!(
        r#"[{{"schemas": ["{USER_URN}"], "id": "u1", "userName": "a"}}, {{"userName": "b"}}]"#
    );
    let nameless = format!(
        r#"[{{"schemas": ["{USER_URN}"], "id": "u1", "userName": "a"}}, {{"schemas": ["{USER_URN}"]}}]"#
    );
    for (accounts, message) in [
        (untyped.as_str(), "error: account 1: "),
        (nameless.as_str(), "error: account 1: "),
        ("[1]", "error: account 0: "),
        (r#"{"schemas": []}"#, "is not a JSON array of accounts"),
        ("[", "is not JSON"),
    ] {
        let run = import(&db, accounts);
        assert_eq!(run.code, INVALID, "{accounts}: {}", run.stderr);
        assert_eq!(run.stdout, "", "{accounts}: nothing imported");
        assert!(run.stderr.starts_with("error: "), "{}", run.stderr);
        assert!(run.stderr.contains(message), "{accounts}: {}", run.stderr);
    }
    let run = import(&db, &untyped);
    assert!(
        run.stderr.contains("'schemas'"),
        "names the cause: {}",
        run.stderr
    );
    let run = import(&db, &nameless);
    assert!(
        run.stderr.contains("userName"),
        "names the cause: {}",
        run.stderr
    );

    // u1 was not imported by any of them.
    let run = import(&db, &users(&[("u1", "a")]));
    assert_eq!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_refused_account_stops_the_import_and_the_earlier_ones_stay() {
    let db = store_with_acme();
    let run = import(&db, &users(&[("u1", "a@example.com")]));
    assert_eq!(run.code, 0, "{}", run.stderr);

    // The second one's userName is taken (ignoring case): the third is not imported.
    let run = import(
        &db,
        &users(&[
            ("u2", "b@example.com"),
            ("u3", "A@example.com"),
            ("u4", "d@example.com"),
        ]),
    );
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert_eq!(run.stdout, "imported User u2 b@example.com\n");
    assert!(
        run.stderr.starts_with("error: account 1: 409 uniqueness"),
        "{}",
        run.stderr
    );

    // An id that is taken is refused too.
    let run = import(&db, &users(&[("u2", "e@example.com")]));
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert!(
        run.stderr.starts_with("error: account 0: 409 uniqueness"),
        "{}",
        run.stderr
    );

    let run = import(&db, &users(&[("u4", "d@example.com")]));
    assert_eq!(run.code, 0, "u4 was not imported: {}", run.stderr);
}

#[test]
fn import_needs_a_tenant_and_a_file() {
    for (args, message) in [
        (&["import", "accounts.json"][..], "missing --tenant NAME"),
        (&["import", "--tenant", "acme"], "missing FILE"),
        (
            &["import", "--tenant", "acme", "a.json", "b.json"],
            r#"unexpected argument "b.json""#,
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
            run.stderr.contains("usage: scimitar import --tenant NAME"),
            "{args:?}: {}",
            run.stderr
        );
    }
    let file = Fixture::new("accounts.json", "[]");
    let run = scimitar(["import", "--db", ":memory:", "--tenant", "acme", file.arg()]);
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert!(
        run.stderr.contains(r#"error: no tenant called "acme""#),
        "{}",
        run.stderr
    );
}

#[test]
fn import_help() {
    let run = scimitar(["import", "--help"]);
    assert_eq!(run.code, 0);
    assert!(
        run.stdout
            .contains("Usage: scimitar import --tenant NAME [--global-usernames] [--db DB] FILE"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("imported User ID USERNAME"));
    assert!(run.stdout.contains("error: account N: ...'"));
    let run = scimitar(["--help"]);
    assert!(
        run.stdout
            .contains("scimitar import --tenant NAME [--global-usernames] [--db DB] FILE"),
        "{}",
        run.stdout
    );
}
