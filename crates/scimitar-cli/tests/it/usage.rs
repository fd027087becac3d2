//! Help, version and usage errors.

use crate::{USAGE, scimitar};

/// Asserts that `args` fail with exit status 64, saying `message` and how to use the tool.
#[track_caller]
fn assert_usage_error(args: &[&str], message: &str) {
    let run = scimitar(args);
    assert_eq!(run.code, USAGE, "{args:?} exits 64; stderr: {}", run.stderr);
    assert_eq!(run.stdout, "", "{args:?} prints nothing on stdout");
    assert!(
        run.stderr.starts_with(&format!("error: {message}\n")),
        "{args:?}: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("usage: scimitar "),
        "{args:?} shows usage: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("scimitar --help"),
        "{args:?} points to help: {}",
        run.stderr
    );
}

#[test]
fn help_prints_usage() {
    for args in [&["--help"][..], &["-h"], &["help"]] {
        let run = scimitar(args);
        assert_eq!(run.code, 0, "{args:?}");
        assert!(
            run.stdout
                .contains("scimitar filter parse [--lenient] EXPR"),
            "{args:?}"
        );
        assert!(
            run.stdout.contains("scimitar path parse [--lenient] EXPR"),
            "{args:?}"
        );
        assert!(
            run.stdout
                .contains("scimitar filter match [--lenient] EXPR FILE"),
            "{args:?}"
        );
        assert!(
            run.stdout
                .contains("scimitar validate [--lenient] [--type NAME] FILE"),
            "{args:?}"
        );
        for command in [
            "scimitar serve [--listen ADDR] [--db DB]",
            "scimitar tenant create [--compat PROFILE] [--db DB] NAME",
            "scimitar token issue --tenant NAME [--expires DAYS] [--db DB]",
            "scimitar token revoke [--db DB] ID",
        ] {
            assert!(run.stdout.contains(command), "{args:?} shows {command:?}");
        }
        assert_eq!(run.stderr, "", "{args:?}");
    }
}

#[test]
fn version_prints_the_package_version() {
    for flag in ["--version", "-V"] {
        let run = scimitar([flag]);
        assert_eq!(run.code, 0);
        assert_eq!(
            run.stdout,
            format!("scimitar {}\n", env!("CARGO_PKG_VERSION"))
        );
    }
}

#[test]
fn missing_command() {
    assert_usage_error(&[], "missing command");
    assert_usage_error(&["filter"], "missing filter command");
    assert_usage_error(&["path"], "missing path command");
}

#[test]
fn unknown_command() {
    assert_usage_error(&["frobnicate"], r#"unknown command "frobnicate""#);
    assert_usage_error(&["filter", "eval"], r#"unknown filter command "eval""#);
    assert_usage_error(&["path", "apply"], r#"unknown path command "apply""#);
}

#[test]
fn missing_expr() {
    assert_usage_error(&["filter", "parse"], "missing EXPR");
    assert_usage_error(&["filter", "parse", "--lenient"], "missing EXPR");
    assert_usage_error(&["path", "parse", "--"], "missing EXPR");
    assert_usage_error(&["filter", "match"], "missing EXPR");
}

#[test]
fn missing_file() {
    assert_usage_error(&["filter", "match", "id pr"], "missing FILE");
    assert_usage_error(&["validate"], "missing FILE");
    assert_usage_error(&["validate", "--lenient", "--type", "User"], "missing FILE");
}

#[test]
fn unknown_option() {
    assert_usage_error(&["--bogus"], r#"unknown option "--bogus""#);
    assert_usage_error(
        &["filter", "parse", "--strict", "title pr"],
        r#"unknown option "--strict""#,
    );
    assert_usage_error(&["filter", "parse", "-x"], r#"unknown option "-x""#);
    assert_usage_error(
        &["path", "parse", "--lenient=yes", "title"],
        r#"unknown option "--lenient=yes""#,
    );
}

#[test]
fn unknown_resource_type() {
    assert_usage_error(
        &["validate", "--type", "Device", "user.json"],
        r#"unknown resource type "Device" (expected User or Group)"#,
    );
}

#[test]
fn missing_option_value() {
    assert_usage_error(
        &["validate", "user.json", "--type"],
        r#"missing the value of "--type""#,
    );
}

#[test]
fn extra_arguments() {
    assert_usage_error(
        &["filter", "parse", "title pr", "extra"],
        r#"unexpected argument "extra""#,
    );
    assert_usage_error(
        &["path", "parse", "--", "title", "--lenient"],
        r#"unexpected argument "--lenient""#,
    );
    assert_usage_error(&["--help", "extra"], r#"unexpected argument "extra""#);
    assert_usage_error(&["--version", "extra"], r#"unexpected argument "extra""#);
    assert_usage_error(&["help", "filter"], r#"unexpected argument "filter""#);
    assert_usage_error(
        &["filter", "match", "id pr", "a.json", "b.json"],
        r#"unexpected argument "b.json""#,
    );
    assert_usage_error(
        &["validate", "a.json", "b.json"],
        r#"unexpected argument "b.json""#,
    );
}

#[cfg(unix)]
#[test]
fn non_utf8_argument() {
    use std::ffi::OsString;
    use std::os::unix::ffi::OsStringExt;

    let args = [
        OsString::from("filter"),
        OsString::from("parse"),
        OsString::from_vec(b"\xff".to_vec()),
    ];
    let run = scimitar(args);
    assert_eq!(run.code, USAGE);
    assert!(
        run.stderr
            .starts_with("error: argument 3 is not valid UTF-8"),
        "{}",
        run.stderr
    );
}
