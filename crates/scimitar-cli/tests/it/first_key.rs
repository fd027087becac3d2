//! Where `scimitar serve` puts the first start's key: never on a standard output that
//! is no terminal (a service manager's log) unless `--print-first-key` asks, but in a
//! file only its owner can read.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;
use std::{fs, thread};

use crate::Run;
use crate::serve::{Server, TempDb, auth};

/// Runs `scimitar ARGS`, which must exit within a minute (it is killed otherwise).
fn exit_of(args: &[&str]) -> Run {
    let child = Command::new(env!("CARGO_BIN_EXE_scimitar"))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("scimitar starts");
    let pid = child.id().to_string();
    let (sender, exited) = mpsc::channel();
    thread::spawn(move || sender.send(child.wait_with_output()));
    match exited.recv_timeout(Duration::from_secs(60)) {
        Ok(output) => Run::from(output.expect("scimitar exits")),
        Err(_) => {
            let _ = Command::new("kill").args(["-KILL", &pid]).status();
            panic!("scimitar {args:?} still runs after a minute");
        }
    }
}

/// The `Secret Token` line's value for a key in the file `path` of a durable store.
fn in_file(path: &str) -> String {
    format!(
        "in {path} (readable by its owner only; delete it once the identity provider has the key)"
    )
}

#[test]
fn the_first_key_goes_to_an_owner_only_file_beside_the_database() {
    let db = TempDb::new();
    let key_file = format!("{}.first-key", db.0);
    let server = Server::start_with(&["--db", &db.0], true);
    assert_eq!(server.printed("Secret Token"), in_file(&key_file));
    let key = server.key().to_owned();
    assert!(key.starts_with("scim_"), "{key}");
    assert_eq!(fs::read_to_string(&key_file).unwrap(), format!("{key}\n"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    let reply = server.request("GET", "/scim/v2/Users", &auth(&key), "");
    assert_eq!(reply.status, 200, "{reply:?}");
    let stopped = server.stop("TERM");
    assert!(stopped.status.success(), "{:?}", stopped.log);
    let said = [stopped.stdout, stopped.log].concat();
    assert!(said.iter().all(|line| !line.contains(&key)), "{said:?}");
    // The file outlives the server: the key opens the store it stays with.
    assert!(Path::new(&key_file).exists());
}

#[test]
fn print_first_key_prints_it() {
    let db = TempDb::new();
    let server = Server::start_with(&["--db", &db.0, "--print-first-key"], true);
    let printed = server.printed("Secret Token").to_owned();
    assert!(printed.starts_with("scim_"), "{printed}");
    assert!(!Path::new(&format!("{}.first-key", db.0)).exists());
    let reply = server.request("GET", "/scim/v2/Users", &auth(&printed), "");
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(server.stop("TERM").status.success());
}

#[test]
fn a_memory_store_keeps_its_key_file_while_it_runs() {
    let server = Server::start_with(&[], true);
    let printed = server.printed("Secret Token").to_owned();
    let path = printed
        .strip_prefix("in ")
        .and_then(|rest| {
            rest.strip_suffix(" (readable by its owner only; removed when the server stops)")
        })
        .unwrap_or_else(|| panic!("{printed}"))
        .to_owned();
    assert!(Path::new(&path).starts_with(std::env::temp_dir()), "{path}");
    let key = server.key().to_owned();
    let reply = server.request("GET", "/scim/v2/Users", &auth(&key), "");
    assert_eq!(reply.status, 200, "{reply:?}");
    assert!(server.stop("TERM").status.success());
    assert!(!Path::new(&path).exists(), "{path} is removed");
}

#[cfg(unix)]
#[test]
fn a_key_file_that_cannot_be_written_stops_the_first_start() {
    // A store in a directory the key file cannot go to: the key file's name is taken
    // by a directory, which is not replaced.
    let db = TempDb::new();
    let key_file = format!("{}.first-key", db.0);
    fs::create_dir(&key_file).unwrap();
    let run = exit_of(&["serve", "--listen", "127.0.0.1:0", "--db", &db.0]);
    fs::remove_dir(&key_file).unwrap();
    assert_eq!(run.code, 69, "{}", run.stderr);
    let message = format!("error: cannot write the first API key to {key_file}: ");
    assert!(run.stderr.starts_with(&message), "{}", run.stderr);
    assert!(run.stderr.contains("--print-first-key"), "{}", run.stderr);
    assert_eq!(run.stdout, "");
    // No tenant was made whose key nobody has: the next start is a first start.
    let server = Server::start_with(&["--db", &db.0], true);
    assert!(server.key().starts_with("scim_"));
    assert!(server.stop("TERM").status.success());
}
