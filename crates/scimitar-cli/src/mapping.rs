//! `scimitar mapping`: which SCIM path each of a tenant's host fields is read from.

use std::io::Write;

use serde::Serialize;

use scimitar_engine::Engine;
use scimitar_policy::{FieldKind, Mapping, MappingError, Mappings};

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::help::print_help;
use crate::store::{self, AnyStore, block_on, engine_failure};
use crate::tenant::{DbArg, warn_if_not_durable};
use crate::token::{TenantArg, tenant_called};

pub(crate) const USAGE: &str = "\
usage: scimitar mapping list --tenant NAME [--json] [--db DB]
       scimitar mapping add --tenant NAME [--db DB] SCIM_PATH FIELD
       scimitar mapping remove --tenant NAME [--db DB] FIELD
       scimitar mapping restore --tenant NAME [--db DB]";

const HELP: &str = r#"List and change a tenant's attribute mappings: which SCIM path of a user each host field
is read from. Every change history entry lists the mapped fields a write changed, with
their new values ('fields' in 'scimitar history --json'); a host's code receives them
too. The server uses a change from its next request on.

Usage:
  scimitar mapping list --tenant NAME [--json] [--db DB]
                        Print the mappings: field, kind (text, or reference: the id
                        of another user), whether read-only, and SCIM path
  scimitar mapping add --tenant NAME [--db DB] SCIM_PATH FIELD
                        Map the new text field FIELD to SCIM_PATH
  scimitar mapping remove --tenant NAME [--db DB] FIELD
                        Remove the mapping of FIELD (not a read-only one)
  scimitar mapping restore --tenant NAME [--db DB]
                        Go back to the default mappings: custom ones go, removed
                        defaults return

With --json, list prints one JSON object a line:
  {"path":"userName","field":"user_name","read_only":true,"kind":"text"}

The defaults map userName to user_name and displayName to display_name (both read-only),
the work e-mail to email, name.givenName and name.familyName to first_name and
last_name, the work and mobile phones to office_phone and mobile_phone, the enterprise
extension's manager to manager (a reference) and title to job_title_text.

SCIM_PATH is a PATCH path (RFC 7644) that names a single value of a user, such as
title, name.middleName, emails[type eq "home"].value or
urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter; custom fields
hold text. FIELD is 1 to 64 letters, digits, '_', '-' or '.', not mapped yet.

add, remove and restore print what they did on standard error.

Options:
  --tenant NAME    The tenant, by name
  --json           list: print JSON lines instead of a table
  --db DB          The store, as 'scimitar serve' takes it: a SQLite file (PATH or
                   sqlite:PATH; default: scimitar.db in the working directory), or
                   ':memory:', which keeps nothing once the command exits
  -h, --help       Print this help
  --               Read the next arguments as SCIM_PATH and FIELD even if they start
                   with '-'

Exit status: 0 on success; 2 when there is no such tenant, SCIM_PATH or FIELD is
invalid, FIELD is mapped already (add), or it is not mapped or read-only (remove); 64
when the command line is wrong; 69 when the store cannot be opened.

Example:
  $ scimitar mapping add --tenant acme 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter' cost_center
"#;

/// The `mapping` commands.
#[derive(Debug, clap::Subcommand)]
#[command(override_help = HELP)]
pub(crate) enum Command {
    #[command(override_help = HELP, args_override_self = true)]
    List {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        tenant: TenantArg,
        /// JSON lines instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        db: DbArg,
    },
    #[command(override_help = HELP, args_override_self = true)]
    Add {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        db: DbArg,
        /// The SCIM path the field is read from.
        #[arg(value_name = "SCIM_PATH")]
        path: String,
        /// The host field.
        #[arg(value_name = "FIELD")]
        field: String,
    },
    #[command(override_help = HELP, args_override_self = true)]
    Remove {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        db: DbArg,
        /// The host field.
        #[arg(value_name = "FIELD")]
        field: String,
    },
    #[command(override_help = HELP, args_override_self = true)]
    Restore {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        db: DbArg,
    },
    /// `-h`, `--help`: the group's help; it takes no arguments.
    #[command(name = "--help", short_flag = 'h', long_flag = "help", hide = true)]
    Help,
}

/// What a change does to the mappings.
enum Edit<'a> {
    Add { path: &'a str, field: &'a str },
    Remove { field: &'a str },
    Restore,
}

/// Runs a `scimitar mapping` command.
pub(crate) fn run(
    command: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        Command::List {
            tenant, json, db, ..
        } => list(tenant.required(USAGE)?, json, db.get(), out, err),
        Command::Add {
            tenant,
            db,
            path,
            field,
            ..
        } => edit(
            tenant.required(USAGE)?,
            db.get(),
            Edit::Add {
                path: &path,
                field: &field,
            },
            err,
        ),
        Command::Remove {
            tenant, db, field, ..
        } => edit(
            tenant.required(USAGE)?,
            db.get(),
            Edit::Remove { field: &field },
            err,
        ),
        Command::Restore { tenant, db, .. } => {
            edit(tenant.required(USAGE)?, db.get(), Edit::Restore, err)
        }
        Command::Help => print_help(HELP, out),
    }
}

/// A mapping as a JSON line: its keys are the command's contract.
#[derive(Serialize)]
struct Line<'a> {
    path: &'a str,
    field: &'a str,
    read_only: bool,
    kind: &'static str,
}

/// How `list` names a field's kind.
fn kind_name(kind: FieldKind) -> &'static str {
    match kind {
        FieldKind::Reference => "reference",
        // Text, and whatever kinds come later until they are named here.
        _ => "text",
    }
}

fn list(
    name: &str,
    json: bool,
    db: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let store = store::open_store(db)?;
    warn_if_not_durable(&store, err)?;
    let tenant = block_on(tenant_called(&store, name))??;
    let mappings: Vec<&Mapping> = tenant.policy.mappings.iter().collect();
    if json {
        for mapping in mappings {
            let line = Line {
                path: &mapping.path,
                field: &mapping.field,
                read_only: mapping.read_only,
                kind: kind_name(mapping.kind),
            };
            serde_json::to_writer(&mut *out, &line)?;
            writeln!(out)?;
        }
        return Ok(());
    }
    let width = mappings
        .iter()
        .map(|mapping| mapping.field.chars().count())
        .max()
        .unwrap_or(0)
        .max("FIELD".len());
    writeln!(
        out,
        "{:<width$}  {:<9}  {:<9}  PATH",
        "FIELD", "KIND", "READ-ONLY"
    )?;
    for mapping in mappings {
        let read_only = if mapping.read_only { "yes" } else { "no" };
        writeln!(
            out,
            "{:<width$}  {:<9}  {:<9}  {}",
            mapping.field,
            kind_name(mapping.kind),
            read_only,
            mapping.path
        )?;
    }
    Ok(())
}

/// Changes the tenant's mappings as `change` says, and reports it on `err`.
fn edit(name: &str, db: &str, change: Edit<'_>, err: &mut dyn Write) -> Result<(), Failure> {
    let engine = store::open_engine(db)?;
    warn_if_not_durable(engine.store(), err)?;
    let done = block_on(apply(&engine, name, &change))??;
    writeln!(err, "{done}")?;
    Ok(())
}

/// Reads the tenant, changes its mappings and stores its policy; returns what was done.
async fn apply(
    engine: &Engine<AnyStore>,
    name: &str,
    change: &Edit<'_>,
) -> Result<String, Failure> {
    let tenant = tenant_called(engine.store(), name).await?;
    let mut policy = tenant.policy.clone();
    let mappings: &mut Mappings = &mut policy.mappings;
    let done = match *change {
        Edit::Add { path, field } => {
            mappings
                .add(engine.registry(), path, field)
                .map_err(|error| refused(&error, name))?;
            format!("mapped the field {field:?} to {path:?} for the tenant {name:?}")
        }
        Edit::Remove { field } => {
            let removed = mappings
                .remove(field)
                .map_err(|error| refused(&error, name))?;
            format!(
                "removed the mapping of the field {field:?} (from {:?}) for the tenant {name:?}",
                removed.path
            )
        }
        Edit::Restore => {
            mappings.restore();
            format!("restored the default mappings for the tenant {name:?}")
        }
    };
    engine
        .set_policy(&tenant.id, policy)
        .await
        .map_err(engine_failure)?;
    Ok(done)
}

/// The failure for a change the mappings refuse, said for the tenant `name`.
fn refused(error: &MappingError, name: &str) -> Failure {
    match error {
        MappingError::ReadOnly { field } => Failure::invalid(format!(
            "the field {field:?} is read-only: its mapping cannot be removed"
        )),
        MappingError::UnknownField { field } => Failure::invalid(format!(
            "the tenant {name:?} has no mapping of the field {field:?}; 'scimitar mapping list --tenant {name}' lists them"
        )),
        other => Failure::invalid(other.to_string()),
    }
}
