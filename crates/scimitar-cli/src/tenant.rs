//! `scimitar tenant`: the tenants of a store.

use std::io::Write;

use scimitar_engine::TenantStore;
use scimitar_patch::Compat;

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::help::print_help;
use crate::patch::profile;
use crate::store::{self, block_on, engine_failure, store_failure};

pub(crate) const USAGE: &str = "\
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

/// `--db DB`, the store of the commands that use one.
#[derive(Debug, clap::Args)]
pub(crate) struct DbArg {
    /// The store: a SQLite file or `:memory:`.
    #[arg(long, value_name = "DB", default_value = store::DEFAULT_DB, allow_hyphen_values = true)]
    db: String,
}

impl DbArg {
    /// `--db`, or its default.
    pub(crate) fn get(&self) -> &str {
        &self.db
    }
}

/// The `tenant` commands.
#[derive(Debug, clap::Subcommand)]
#[command(override_help = HELP)]
pub(crate) enum Command {
    #[command(override_help = HELP, args_override_self = true)]
    Create {
        #[command(flatten)]
        help: HelpFlag,
        /// The profile of the tenant's requests.
        #[arg(long, value_name = "PROFILE", allow_hyphen_values = true, value_parser = profile)]
        compat: Option<Compat>,
        #[command(flatten)]
        db: DbArg,
        /// The tenant's name, unique in the store.
        #[arg(value_name = "NAME")]
        name: String,
    },
    #[command(override_help = HELP, args_override_self = true)]
    List {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        db: DbArg,
    },
    /// `-h`, `--help`: the group's help; it takes no arguments.
    #[command(name = "--help", short_flag = 'h', long_flag = "help", hide = true)]
    Help,
}

/// Runs a `scimitar tenant` command.
pub(crate) fn run(
    command: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        Command::Create {
            compat, db, name, ..
        } => create(compat.unwrap_or(Compat::LENIENT), db.get(), &name, out, err),
        Command::List { db, .. } => list(db.get(), out, err),
        Command::Help => print_help(HELP, out),
    }
}

fn create(
    compat: Compat,
    db: &str,
    name: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let engine = store::open_engine(db)?;
    warn_if_not_durable(engine.store(), err)?;
    let tenant = block_on(engine.create_tenant(name, compat))?.map_err(engine_failure)?;
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

fn list(db: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let store = store::open_store(db)?;
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
