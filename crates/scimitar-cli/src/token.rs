//! `scimitar token`: the API keys of a tenant.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use scimitar_engine::{Clock, Tenant, TenantStore};

use crate::args::{Args, UsageError};
use crate::failure::Failure;
use crate::group::{self, Run, print_help};
use crate::serve::env::SystemClock;
use crate::store::{self, AnyStore, block_on, engine_failure, store_failure};
use crate::tenant::warn_if_not_durable;

const USAGE: &str = "\
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

/// Runs `scimitar token` with the arguments after `token`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    group::run(args, "token", USAGE, HELP, command, out, err)
}

/// The command called `name`.
fn command(name: &str) -> Option<Run> {
    match name {
        "issue" => Some(issue),
        "list" => Some(list),
        "revoke" => Some(revoke),
        _ => None,
    }
}

/// The options of the `token` commands; each takes some of them.
#[derive(Default)]
struct Options {
    tenant: Option<String>,
    expires: Option<i64>,
    db: Option<String>,
}

impl Options {
    /// Reads the arguments of a command that takes the options `accepted` and the
    /// operands `operands`; `None` for help.
    fn read<const N: usize>(
        args: Args,
        accepted: &[&str],
        operands: [&str; N],
    ) -> Result<Option<(Self, [String; N])>, UsageError> {
        let mut options = Self::default();
        let operands = args.operands(operands, USAGE, |option, args| {
            if !accepted.contains(&option) {
                return Ok(false);
            }
            let value = args.value(option, USAGE)?;
            match option {
                "--tenant" => options.tenant = Some(value),
                "--expires" => options.expires = Some(parse_days(&value)?),
                _ => options.db = Some(value),
            }
            Ok(true)
        })?;
        Ok(operands.map(|operands| (options, operands)))
    }

    /// `--tenant`, which the command requires.
    fn tenant(&self) -> Result<&str, UsageError> {
        self.tenant
            .as_deref()
            .ok_or_else(|| UsageError::new("missing --tenant NAME", USAGE))
    }

    /// `--db`, or its default.
    fn db(&self) -> &str {
        self.db.as_deref().unwrap_or(store::DEFAULT_DB)
    }
}

/// `--expires DAYS`: a whole number of days from 1 to [`MAX_DAYS`].
fn parse_days(text: &str) -> Result<i64, UsageError> {
    text.parse()
        .ok()
        .filter(|days| (1..=MAX_DAYS).contains(days))
        .ok_or_else(|| {
            let message = format!(
                "invalid --expires {text:?}: expected a number of days from 1 to {MAX_DAYS}"
            );
            UsageError::new(message, USAGE)
        })
}

fn issue(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let Some((options, [])) = Options::read(args, &["--tenant", "--expires", "--db"], [])? else {
        return print_help(HELP, out);
    };
    let name = options.tenant()?;
    let engine = store::open_engine(options.db())?;
    warn_if_not_durable(engine.store(), err)?;
    let expires = options
        .expires
        .map(|days| SystemClock.now() + TimeDelta::days(days));
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

fn list(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let Some((options, [])) = Options::read(args, &["--tenant", "--db"], [])? else {
        return print_help(HELP, out);
    };
    let name = options.tenant()?;
    let store = store::open_store(options.db())?;
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

fn revoke(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let Some((options, [id])) = Options::read(args, &["--db"], ["ID"])? else {
        return print_help(HELP, out);
    };
    let engine = store::open_engine(options.db())?;
    warn_if_not_durable(engine.store(), err)?;
    block_on(engine.revoke_key(&id))?.map_err(engine_failure)?;
    writeln!(err, "revoked the key {id}")?;
    Ok(())
}

/// The tenant called `name`.
async fn tenant_called(store: &AnyStore, name: &str) -> Result<Tenant, Failure> {
    store
        .tenant_by_name(name)
        .await
        .map_err(store_failure)?
        .ok_or_else(|| Failure::invalid(format!("no tenant called {name:?}")))
}

/// `time` in RFC 3339 to the second, in UTC.
fn timestamp(time: DateTime<Utc>) -> String {
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
