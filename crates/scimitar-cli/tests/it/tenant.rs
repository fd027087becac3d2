//! `scimitar tenant` and `scimitar token` on the in-memory store, which keeps nothing
//! between runs: what each command prints, and its mistakes. `serve.rs` runs them on a
//! SQLite file with a server.

use crate::{INVALID, USAGE, scimitar};

/// `EX_UNAVAILABLE`: the store cannot be opened.
const UNAVAILABLE: i32 = 69;

/// The warning that a command's work is lost with the in-memory store.
const NOT_KEPT: &str = "warning: --db :memory: keeps nothing";

#[test]
fn tenant_create_prints_the_id() {
    let run = scimitar([
        "tenant", "create", "--db", ":memory:", "--compat", "entra", "acme",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let id = run.stdout.trim_end();
    assert_eq!(id.len(), 36, "a UUID: {id:?}");
    assert_eq!(id.matches('-').count(), 4, "a UUID: {id:?}");
    assert!(run.stderr.starts_with(NOT_KEPT), "{}", run.stderr);
    assert!(
        run.stderr
            .contains(r#"created the tenant "acme" (profile entra)"#),
        "{}",
        run.stderr
    );
}

#[test]
fn tenant_create_refuses_blank_names_and_unknown_profiles() {
    let run = scimitar(["tenant", "create", "--db", ":memory:", "  "]);
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: a tenant needs a name"),
        "{}",
        run.stderr
    );
    let run = scimitar([
        "tenant", "create", "--db", ":memory:", "--compat", "azure", "acme",
    ]);
    assert_eq!(run.code, USAGE, "{}", run.stderr);
    assert!(
        run.stderr
            .starts_with(r#"error: unknown compatibility profile "azure""#),
        "{}",
        run.stderr
    );
}

#[test]
fn tenant_list_has_a_header() {
    let run = scimitar(["tenant", "list", "--db", ":memory:"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.stdout, "NAME  PROFILE   ID\n");
}

#[test]
fn token_commands_need_a_tenant_or_key_that_exists() {
    let run = scimitar([
        "token",
        "issue",
        "--db",
        ":memory:",
        "--tenant",
        "acme",
        "--expires",
        "30",
    ]);
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert_eq!(run.stdout, "", "no secret");
    assert!(
        run.stderr.contains(r#"error: no tenant called "acme""#),
        "{}",
        run.stderr
    );
    let run = scimitar(["token", "list", "--db", ":memory:", "--tenant", "acme"]);
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    let run = scimitar(["token", "revoke", "--db", ":memory:", "key_1"]);
    assert_eq!(run.code, INVALID, "{}", run.stderr);
    assert!(run.stderr.contains("error: no key key_1"), "{}", run.stderr);
}

#[test]
fn token_usage_mistakes() {
    for (args, message) in [
        (&["token", "issue"][..], "missing --tenant NAME"),
        (&["token", "list"], "missing --tenant NAME"),
        (&["token", "revoke"], "missing ID"),
        (
            &["token", "issue", "--tenant", "acme", "--expires", "0"],
            r#"invalid --expires "0""#,
        ),
        (
            &["token", "revoke", "--tenant", "acme", "key_1"],
            r#"unknown option "--tenant""#,
        ),
        (&["token", "rotate"], r#"unknown token command "rotate""#),
        (&["tenant", "delete"], r#"unknown tenant command "delete""#),
        (
            &["serve", "--listen", "localhost"],
            r#"invalid --listen address "localhost""#,
        ),
        (&["serve", "extra"], r#"unexpected argument "extra""#),
    ] {
        let run = scimitar(args);
        assert_eq!(run.code, USAGE, "{args:?}: {}", run.stderr);
        assert!(
            run.stderr.starts_with(&format!("error: {message}")),
            "{args:?}: {}",
            run.stderr
        );
    }
}

#[test]
fn stores_that_cannot_be_opened_are_unavailable() {
    let missing = std::env::temp_dir()
        .join(format!("scimitar-cli-it-{}-missing", std::process::id()))
        .join("scim.db");
    let missing = missing.to_str().expect("a UTF-8 temporary directory");
    for db in ["postgres://localhost/scim", missing] {
        for args in [
            &["tenant", "create", "--db", db, "acme"][..],
            &["token", "list", "--db", db, "--tenant", "acme"],
            &["serve", "--db", db, "--listen", "127.0.0.1:0"],
        ] {
            let run = scimitar(args);
            assert_eq!(run.code, UNAVAILABLE, "{args:?}: {}", run.stderr);
            assert!(
                run.stderr
                    .starts_with(&format!("error: cannot open the store {db:?}: ")),
                "{args:?}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn helps() {
    for (args, text) in [
        (
            &["serve", "--help"][..],
            "Usage: scimitar serve [--listen ADDR] [--db DB]",
        ),
        (
            &["tenant", "--help"],
            "scimitar tenant create [--compat PROFILE] [--db DB] NAME",
        ),
        (
            &["tenant", "create", "-h"],
            "scimitar tenant list [--db DB]",
        ),
        (&["token", "--help"], "scimitar token revoke [--db DB] ID"),
        (&["token", "issue", "--help"], "--expires DAYS"),
    ] {
        let run = scimitar(args);
        assert_eq!(run.code, 0, "{args:?}");
        assert!(run.stdout.contains(text), "{args:?}: {}", run.stdout);
        assert!(
            run.stdout.contains("':memory:'"),
            "{args:?} explains the store"
        );
    }
}
