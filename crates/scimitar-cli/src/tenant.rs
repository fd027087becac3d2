//! `scimitar tenant`: the tenants of a store.

use std::io::Write;

use scimitar_engine::TenantStore;
use scimitar_patch::Compat;

use crate::args::{Args, UsageError};
use crate::failure::Failure;
use crate::group::{self, Run, print_help};
use crate::store::{self, block_on, engine_failure, store_failure};

const USAGE: &str = "\
usage: scimitar tenant create [--compat strict|entra|okta|lenient] [--db DB] NAME
       scimitar tenant list [--db DB]";

const HELP: &str = r#"Create and list the tenants of a store. A tenant is one customer instance: its users
and groups are seen only through its own API keys.

Usage:
  scimitar tenant create [--compat PROFILE] [--db DB] NAME
                        Create the tenant NAME (unique) and print its id
  scimitar tenant list [--db DB]
                        Print each tenant: name, profile and id

Options:
  --compat PROFILE  Which identity-provider deviations the tenant's requests may use:
                    strict (RFC 7644 only), entra, okta or lenient (all of them, the
                    default)
  --db DB           The store, as 'scimitar serve' takes it: a SQLite file (PATH or
                    sqlite:PATH; default: scimitar.db in the working directory), or
                    ':memory:', which keeps nothing once the command exits
  -h, --help        Print this help

Then issue the tenant a key with 'scimitar token issue --tenant NAME'.

Exit status: 0 on success; 2 when the tenant exists already or NAME is blank; 64 when
the command line is wrong; 69 when the store cannot be opened.

Example:
  $ scimitar tenant create --compat entra acme
"#;

/// Runs `scimitar tenant` with the arguments after `tenant`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    group::run(args, "tenant", USAGE, HELP, command, out, err)
}

/// The command called `name`.
fn command(name: &str) -> Option<Run> {
    match name {
        "create" => Some(create),
        "list" => Some(list),
        _ => None,
    }
}

fn create(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let mut compat = Compat::LENIENT;
    let mut db = None;
    let Some([name]) = args.operands(["NAME"], USAGE, |option, args| {
        match option {
            "--compat" => {
                compat = args.value(option, USAGE)?.parse().map_err(
                    |error: scimitar_patch::UnknownProfile| {
                        UsageError::new(error.to_string(), USAGE)
                    },
                )?;
            }
            "--db" => db = Some(args.value(option, USAGE)?),
            _ => return Ok(false),
        }
        Ok(true)
    })?
    else {
        return print_help(HELP, out);
    };
    let db = db.as_deref().unwrap_or(store::DEFAULT_DB);
    let engine = store::open_engine(db)?;
    warn_if_not_durable(engine.store(), err)?;
    let tenant = block_on(engine.create_tenant(&name, compat))?.map_err(engine_failure)?;
    writeln!(out, "{}", tenant.id)?;
    let db_option = if db == store::DEFAULT_DB {
        String::new()
    } else {
        format!(" --db {db}")
    };
    writeln!(
        err,
        "created the tenant {:?} (profile {}); issue it a key with 'scimitar token issue --tenant {}{db_option}'",
        tenant.name, tenant.compat, tenant.name
    )?;
    Ok(())
}

fn list(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let mut db = None;
    if args
        .operands([], USAGE, |option, args| {
            if option != "--db" {
                return Ok(false);
            }
            db = Some(args.value(option, USAGE)?);
            Ok(true)
        })?
        .is_none()
    {
        return print_help(HELP, out);
    }
    let store = store::open_store(db.as_deref().unwrap_or(store::DEFAULT_DB))?;
    warn_if_not_durable(&store, err)?;
    let tenants = block_on(store.tenants())?.map_err(store_failure)?;
    let width = tenants
        .iter()
        .map(|tenant| tenant.name.chars().count())
        .max()
        .unwrap_or(0)
        .max("NAME".len());
    writeln!(out, "{:<width$}  {:<8}  ID", "NAME", "PROFILE")?;
    for tenant in tenants {
        writeln!(
            out,
            "{:<width$}  {:<8}  {}",
            tenant.name,
            tenant.compat.to_string(),
            tenant.id
        )?;
    }
    Ok(())
}

/// Warns on `err` that what the command does is lost when it exits, for a store in
/// memory.
pub(crate) fn warn_if_not_durable(
    store: &store::AnyStore,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    if !store.is_durable() {
        writeln!(
            err,
            "warning: --db {} keeps nothing: what this command does is lost when it exits",
            store::MEMORY
        )?;
    }
    Ok(())
}
