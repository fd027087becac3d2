//! `scimitar token`: the API keys of a tenant.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use scimitar_engine::{Clock, Tenant, TenantStore};

use crate::args::HelpFlag;
use crate::args::UsageError;
use crate::failure::Failure;
use crate::help::print_help;
use crate::serve::env::SystemClock;
use crate::store::{self, AnyStore, block_on, engine_failure, store_failure};
use crate::tenant::{DbArg, warn_if_not_durable};

pub(crate) const USAGE: &str = "\
usage: scimitar token issue --tenant NAME [--expires DAYS] [--db DB]
       scimitar token list --tenant NAME [--db DB]
       scimitar token revoke [--db DB] ID";

const HELP: &str = r#"Issue, list and revoke the API keys of a tenant. An identity provider sends its key as
a bearer token; a tenant may hold several keys, so that a new one can be issued before
the old one is revoked.

Usage:
  scimitar token issue --tenant NAME [--expires DAYS] [--db DB]
                        Issue a key for the tenant NAME: print the key on standard
                        output (the only time it is shown: the store keeps its hash)
                        and its id on standard error
  scimitar token list --tenant NAME [--db DB]
                        Print the tenant's keys: id, when created, when it expires,
                        when revoked ('-' for never); never the keys themselves
  scimitar token revoke [--db DB] ID
                        Revoke the key ID: the next request with it is refused

Options:
  --tenant NAME    The tenant, by name
  --expires DAYS   The key stops working DAYS days from now (default: never)
  --db DB          The store, as 'scimitar serve' takes it: a SQLite file (PATH or
                   sqlite:PATH; default: scimitar.db in the working directory), or
                   ':memory:', which keeps nothing once the command exits
  -h, --help       Print this help
  --               Read the next argument as ID even if it starts with '-'

Exit status: 0 on success; 2 when there is no such tenant or key; 64 when the command
line is wrong; 69 when the store cannot be opened.

Example:
  $ scimitar token issue --tenant acme --expires 365
"#;

/// The longest `--expires`: a hundred years.
const MAX_DAYS: i64 = 36_500;

/// The `token` commands.
#[derive(Debug, clap::Subcommand)]
#[command(override_help = HELP)]
pub(crate) enum Command {
    #[command(override_help = HELP, args_override_self = true)]
    Issue {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        tenant: TenantArg,
        /// The key stops working this many days from now.
        #[arg(long, value_name = "DAYS", allow_hyphen_values = true, value_parser = parse_days)]
        expires: Option<i64>,
        #[command(flatten)]
        db: DbArg,
    },
    #[command(override_help = HELP, args_override_self = true)]
    List {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        tenant: TenantArg,
        #[command(flatten)]
        db: DbArg,
    },
    #[command(override_help = HELP, args_override_self = true)]
    Revoke {
        #[command(flatten)]
        help: HelpFlag,
        #[command(flatten)]
        db: DbArg,
        /// The key's id.
        #[arg(value_name = "ID")]
        id: String,
    },
    /// `-h`, `--help`: the group's help; it takes no arguments.
    #[command(name = "--help", short_flag = 'h', long_flag = "help", hide = true)]
    Help,
}

/// `--tenant NAME`, which `issue` and `list` (and the tenant's other commands) require.
/// Optional to clap: a missing one is reported once the other arguments are read, as
/// before.
#[derive(Debug, clap::Args)]
pub(crate) struct TenantArg {
    /// The tenant, by name.
    #[arg(long, value_name = "NAME", allow_hyphen_values = true)]
    tenant: Option<String>,
}

impl TenantArg {
    /// The tenant's name, or the usage error of the command whose usage is `usage`.
    pub(crate) fn required(&self, usage: &'static str) -> Result<&str, UsageError> {
        self.tenant
            .as_deref()
            .ok_or_else(|| UsageError::new("missing --tenant NAME", usage))
    }
}

/// Runs a `scimitar token` command.
pub(crate) fn run(
    command: Command,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    match command {
        Command::Issue {
            tenant,
            expires,
            db,
            ..
        } => issue(tenant.required(USAGE)?, expires, db.get(), out, err),
        Command::List { tenant, db, .. } => list(tenant.required(USAGE)?, db.get(), out, err),
        Command::Revoke { db, id, .. } => revoke(db.get(), &id, err),
        Command::Help => print_help(HELP, out),
    }
}

/// `--expires DAYS`: a whole number of days from 1 to [`MAX_DAYS`].
fn parse_days(text: &str) -> Result<i64, String> {
    text.parse()
        .ok()
        .filter(|days| (1..=MAX_DAYS).contains(days))
        .ok_or_else(|| {
            format!("invalid --expires {text:?}: expected a number of days from 1 to {MAX_DAYS}")
        })
}

fn issue(
    name: &str,
    expires: Option<i64>,
    db: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), Failure> {
    let engine = store::open_engine(db)?;
    warn_if_not_durable(engine.store(), err)?;
    let expires = expires.map(|days| SystemClock.now() + TimeDelta::days(days));
    let issued = block_on(async {
        let tenant = tenant_called(engine.store(), name).await?;
        engine
            .issue_key(&tenant.id, expires)
            .await
            .map_err(engine_failure)
    })??;
    writeln!(out, "{}", issued.secret)?;
    let expiry = match issued.key.expires {
        Some(expires) => format!("expires {}", timestamp(expires)),
        None => "never expires".to_owned(),
    };
    writeln!(
        err,
        "issued the key {} for the tenant {name:?} ({expiry}); it is shown only this once",
        issued.key.id
    )?;
    Ok(())
}

fn list(name: &str, db: &str, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let store = store::open_store(db)?;
    warn_if_not_durable(&store, err)?;
    let keys = block_on(async {
        let tenant = tenant_called(&store, name).await?;
        store.keys(&tenant.id).await.map_err(store_failure)
    })??;
    let width = keys
        .iter()
        .map(|key| key.id.chars().count())
        .max()
        .unwrap_or(0)
        .max("ID".len());
    let never = |time: Option<DateTime<Utc>>| time.map_or_else(|| "-".to_owned(), timestamp);
    writeln!(
        out,
        "{:<width$}  {:<20}  {:<20}  REVOKED",
        "ID", "CREATED", "EXPIRES"
    )?;
    for key in keys {
        writeln!(
            out,
            "{:<width$}  {:<20}  {:<20}  {}",
            key.id,
            timestamp(key.created),
            never(key.expires),
            never(key.revoked)
        )?;
    }
    Ok(())
}

fn revoke(db: &str, id: &str, err: &mut dyn Write) -> Result<(), Failure> {
    let engine = store::open_engine(db)?;
    warn_if_not_durable(engine.store(), err)?;
    block_on(engine.revoke_key(id))?.map_err(engine_failure)?;
    writeln!(err, "revoked the key {id}")?;
    Ok(())
}

/// The tenant called `name`; none is invalid input.
pub(crate) async fn tenant_called(store: &AnyStore, name: &str) -> Result<Tenant, Failure> {
    store
        .tenant_by_name(name)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| Failure::invalid(format!("no tenant called {name:?}")))
}

/// `time` in RFC 3339 to the second, in UTC.
pub(crate) fn timestamp(time: DateTime<Utc>) -> String {
    time.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_whole_and_bounded() {
        assert_eq!(parse_days("1"), Ok(1));
        assert_eq!(parse_days("36500"), Ok(MAX_DAYS));
        for bad in ["0", "-1", "36501", "1.5", "", "ten"] {
            let error = parse_days(bad).unwrap_err();
            assert!(
                error.to_string().starts_with("invalid --expires"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn timestamps_are_utc_seconds() {
        let time = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.678+01:00")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(timestamp(time), "2026-01-02T02:04:05Z");
    }
}
