//! The first start of `scimitar serve`: on a store without tenants, the tenant
//! `default` and its first API key, and what an identity provider needs to connect.
//!
//! Service managers collect a server's standard output into their logs, so the key is
//! printed only to a terminal or when `--print-first-key` asks for it; otherwise it is
//! written to a file that only its owner can read, and the file's name is printed.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use scimitar_engine::{Engine, TenantStore};
use scimitar_patch::Compat;

use crate::failure::Failure;
use crate::store::{self, AnyStore, engine_failure, store_failure};

/// The name of the tenant made on the first start.
const FIRST_TENANT: &str = "default";

/// Where the first start puts the new key.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum KeyOutput {
    /// On standard output, with the rest.
    Printed,
    /// In this file, made readable by its owner only.
    File(PathBuf),
}

impl KeyOutput {
    /// Where the key of the store `db` goes: printed when `print` (standard output is a
    /// terminal, or `--print-first-key`); else in the file `PATH.first-key` beside the
    /// SQLite file, or, for `:memory:`, whose key lives only as long as the process, in
    /// `scimitar-first-key-PID` in the temporary directory.
    pub(crate) fn for_store(db: &str, print: bool) -> Self {
        if print {
            return Self::Printed;
        }
        Self::File(match store::file_path(db) {
            Some(path) => PathBuf::from(format!("{path}.first-key")),
            None => std::env::temp_dir().join(format!("scimitar-first-key-{}", std::process::id())),
        })
    }

    /// Removes the key file of a store kept in memory, whose key ends with the process.
    pub(crate) fn remove_if_memory(&self, engine: &Engine<AnyStore>) {
        if let Self::File(path) = self
            && !engine.store().is_durable()
        {
            // A file the server could not remove only holds a key that opens nothing.
            let _ = fs::remove_file(path);
        }
    }
}

/// On a store without tenants, creates the tenant [`FIRST_TENANT`], issues a key for it
/// and tells on `out` what an identity provider needs, the key put where `key_output`
/// says. Returns whether it was a first start.
pub(crate) async fn first_start(
    engine: &Engine<AnyStore>,
    local: SocketAddr,
    key_output: &KeyOutput,
    out: &mut dyn Write,
) -> Result<bool, Failure> {
    let tenants = engine.store().tenants().await.map_err(store_failure)?;
    if !tenants.is_empty() {
        return Ok(false);
    }
    // Made before the tenant, so that a file that cannot be written leaves no tenant
    // whose only key nobody has.
    let key_file = match key_output {
        KeyOutput::Printed => None,
        KeyOutput::File(path) => Some(create_owner_only(path).map_err(|error| {
            Failure::unavailable(format!(
                "cannot write the first API key to {}: {error} (--print-first-key prints it instead)",
                path.display()
            ))
        })?),
    };
    let tenant = engine
        .create_tenant(FIRST_TENANT, Compat::LENIENT)
        .await
        .map_err(engine_failure)?;
    let issued = engine
        .issue_key(&tenant.id, None)
        .await
        .map_err(engine_failure)?;
    let url = match engine.config().public() {
        Some(url) => url.to_owned(),
        None => format!("http://{local}{}", engine.config().base()),
    };
    let token = match (key_output, key_file) {
        (KeyOutput::File(path), Some(mut file)) => {
            writeln!(file, "{}", issued.secret)
                .and_then(|()| file.sync_all())
                .map_err(|error| {
                    Failure::unavailable(format!(
                        "cannot write the first API key to {}: {error}; issue another with 'scimitar token issue --tenant {FIRST_TENANT}'",
                        path.display()
                    ))
                })?;
            let after = if engine.store().is_durable() {
                "delete it once the identity provider has the key"
            } else {
                "removed when the server stops"
            };
            format!(
                "in {} (readable by its owner only; {after})",
                path.display()
            )
        }
        _ => issued.secret,
    };
    writeln!(
        out,
        "Created the tenant {FIRST_TENANT:?} and an API key ({}) for it.",
        issued.key.id
    )?;
    writeln!(
        out,
        "Paste these into Microsoft Entra ID (Tenant URL, Secret Token) or Okta (Base URL, API Token):"
    )?;
    writeln!(out, "  Tenant URL:   {url}")?;
    writeln!(out, "  Secret Token: {token}")?;
    writeln!(
        out,
        "The key is shown only this once. Behind a reverse proxy, give its public HTTPS URL instead."
    )?;
    out.flush()?;
    Ok(true)
}

/// A new, empty file at `path` that only its owner can read and write (0600). A file
/// already there is the key file of an earlier first start, on a store since removed:
/// it is replaced, not opened, so that neither a link there nor its old permissions
/// decide where the key goes or who reads it.
fn create_owner_only(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(error) if error.kind() == io::ErrorKind::NotFound => {}
        Err(error) => return Err(error),
    }
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_goes_beside_a_sqlite_file() {
        for db in [
            "data/scim.db",
            "sqlite:data/scim.db",
            "sqlite://data/scim.db",
        ] {
            assert_eq!(
                KeyOutput::for_store(db, false),
                KeyOutput::File(PathBuf::from("data/scim.db.first-key")),
                "{db}"
            );
        }
        assert_eq!(KeyOutput::for_store("scim.db", true), KeyOutput::Printed);
    }

    #[test]
    fn the_key_of_a_memory_store_goes_to_the_temporary_directory() {
        let KeyOutput::File(path) = KeyOutput::for_store(store::MEMORY, false) else {
            panic!("a file");
        };
        assert_eq!(path.parent(), Some(std::env::temp_dir().as_path()));
        assert_eq!(
            KeyOutput::for_store(store::MEMORY, true),
            KeyOutput::Printed
        );
    }

    #[cfg(unix)]
    #[test]
    fn a_key_file_is_new_and_owner_only() {
        use std::os::unix::fs::{MetadataExt, symlink};

        let dir = std::env::temp_dir().join(format!("scimitar-key-file-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap();
        let path = dir.join("scim.db.first-key");
        let elsewhere = dir.join("elsewhere");
        fs::write(&elsewhere, "kept").unwrap();
        // A link left where the file goes is replaced, not followed.
        symlink(&elsewhere, &path).unwrap();
        let mut file = create_owner_only(&path).unwrap();
        file.write_all(b"scim_secret\n").unwrap();
        drop(file);
        let metadata = fs::symlink_metadata(&path).unwrap();
        assert!(metadata.is_file());
        assert_eq!(metadata.mode() & 0o777, 0o600);
        assert_eq!(fs::read_to_string(&path).unwrap(), "scim_secret\n");
        assert_eq!(fs::read_to_string(&elsewhere).unwrap(), "kept");
        fs::remove_dir_all(&dir).unwrap();
    }
}
