//! `scimitar history`: a tenant's change history, as a table or as JSON lines.

use std::collections::BTreeMap;
use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use serde_json::Value;

use scimitar_engine::{HistoryQuery, HistoryStore};
use scimitar_policy::HistoryEntry;

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::store::{self, block_on, store_failure};
use crate::tenant::{DbArg, warn_if_not_durable};
use crate::token::{TenantArg, tenant_called, timestamp};

pub(crate) const USAGE: &str = "\
usage: scimitar history --tenant NAME [--resource ID] [--since TIME] [--after SEQ]
                        [--json] [--db DB]";

const HELP: &str = r#"Print a tenant's change history: one entry for each write to each resource, and for
each refused write, oldest first.

Usage: scimitar history --tenant NAME [--resource ID] [--since TIME] [--after SEQ]
                        [--json] [--db DB]

Without --json, a table: the entry's number (SEQ), its time (UTC, to the second), its
action, the resource's type and id ('-' for a refused create), the HTTP status
answered, and a summary: the paths that changed, each warning and the error of a
refused write ('-' when there is none of them).

With --json, one JSON object a line, with these keys:

  seq            1, 2, 3... per tenant, in the order of the writes; never reused
  time           when, in RFC 3339 (UTC)
  action         created, picked_up, updated, suspended, reactivated, deleted or failed
  resource_type  User or Group
  resource_id    the resource's id, or null for a refused create
  key            the id of the API key that made the request (never the key), or null
  request        the request's X-Request-Id, or null
  changes        [{"path": ..., "before": ..., "after": ...}]: each changed attribute's
                 SCIM path with its values before and after (null: unassigned); a
                 password is "[redacted]"; a group's members list the ids removed
                 (before) and added (after)
  fields         {"FIELD": "VALUE"}: the mapped host fields that changed, with their
                 new values (null: cleared); see 'scimitar mapping'
  warnings       ["..."]: what was let through or set aside
  status         the HTTP status answered, a number
  error          the detail of a refused write, or null

Because seq only grows, a consumer can keep the last one it handled and ask for the
entries after it with --after.

Options:
  --tenant NAME    The tenant, by name
  --resource ID    Only the entries of the resource ID
  --since TIME     Only the entries at or after TIME, in RFC 3339, such as
                   2026-01-02T03:04:05Z or 2026-01-02T04:04:05+01:00
  --after SEQ      Only the entries whose seq is greater than SEQ
  --json           Print JSON lines instead of a table
  --db DB          The store, as 'scimitar serve' takes it: a SQLite file (PATH or
                   sqlite:PATH; default: scimitar.db in the working directory), or
                   ':memory:', which keeps nothing once the command exits
  -h, --help       Print this help

Exit status: 0 on success; 2 when there is no such tenant; 64 when the command line is
wrong (an invalid TIME or SEQ among them); 69 when the store cannot be opened.

Examples:
  $ scimitar history --tenant acme
  $ scimitar history --tenant acme --resource app-42 --json
  $ scimitar history --tenant acme --after 1200 --json
"#;

/// The most changed paths a summary names.
const SUMMARY_PATHS: usize = 5;

/// The arguments of `scimitar history`.
#[derive(Debug, clap::Args)]
#[command(override_help = HELP, args_override_self = true)]
pub(crate) struct Args {
    #[command(flatten)]
    help: HelpFlag,
    #[command(flatten)]
    tenant: TenantArg,
    /// Only the entries of this resource.
    #[arg(long, value_name = "ID", allow_hyphen_values = true)]
    resource: Option<String>,
    /// Only the entries at or after this time.
    #[arg(long, value_name = "TIME", allow_hyphen_values = true, value_parser = parse_since)]
    since: Option<DateTime<Utc>>,
    /// Only the entries after this sequence number.
    #[arg(long, value_name = "SEQ", allow_hyphen_values = true, value_parser = parse_after)]
    after: Option<u64>,
    /// JSON lines instead of a table.
    #[arg(long)]
    json: bool,
    #[command(flatten)]
    db: DbArg,
}

/// Runs `scimitar history`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let name = args.tenant.required(USAGE)?;
    let store = store::open_store(args.db.get())?;
    warn_if_not_durable(&store, err)?;
    let mut query = HistoryQuery::new();
    if let Some(id) = &args.resource {
        query = query.resource(id);
    }
    if let Some(since) = args.since {
        query = query.since(since);
    }
    if let Some(after) = args.after {
        query = query.after(after);
    }
    let entries = block_on(async {
        let tenant = tenant_called(&store, name).await?;
        store
            .history(&tenant.id, &query)
            .await
            .map_err(store_failure)
    })??;
    if args.json {
        for entry in &entries {
            serde_json::to_writer(&mut *out, &Line::of(entry))?;
            writeln!(out)?;
        }
        Ok(())
    } else {
        table(&entries, out)
    }
}

/// `--since TIME`: an RFC 3339 time.
fn parse_since(text: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(text)
        .map(|time| time.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "invalid --since {text:?}: expected an RFC 3339 time, such as 2026-01-02T03:04:05Z"
            )
        })
}

/// `--after SEQ`: a sequence number, 0 or more.
fn parse_after(text: &str) -> Result<u64, String> {
    text.parse().map_err(|_| {
        format!("invalid --after {text:?}: expected a sequence number (a whole number, 0 or more)")
    })
}

/// An entry as a JSON line: its keys are the command's contract, whatever the serde
/// form of [`HistoryEntry`] becomes.
#[derive(Serialize)]
struct Line<'a> {
    seq: u64,
    time: String,
    action: &'static str,
    resource_type: &'a str,
    resource_id: Option<&'a str>,
    key: Option<&'a str>,
    request: Option<&'a str>,
    changes: Vec<Change<'a>>,
    fields: &'a BTreeMap<String, Option<String>>,
    warnings: &'a [String],
    status: u16,
    error: Option<&'a str>,
}

/// One changed attribute of a [`Line`].
#[derive(Serialize)]
struct Change<'a> {
    path: &'a str,
    before: Option<&'a Value>,
    after: Option<&'a Value>,
}

impl<'a> Line<'a> {
    fn of(entry: &'a HistoryEntry) -> Self {
        Self {
            seq: entry.seq,
            time: entry.time.to_rfc3339_opts(SecondsFormat::AutoSi, true),
            action: entry.action.as_str(),
            resource_type: &entry.resource_type,
            resource_id: entry.resource_id.as_deref(),
            key: entry.key.as_deref(),
            request: entry.request.as_deref(),
            changes: entry
                .changes
                .iter()
                .map(|change| Change {
                    path: &change.path,
                    before: change.before.as_ref(),
                    after: change.after.as_ref(),
                })
                .collect(),
            fields: &entry.fields,
            warnings: &entry.warnings,
            status: entry.status,
            error: entry.error.as_deref(),
        }
    }
}

/// The entries as a table with a header.
fn table(entries: &[HistoryEntry], out: &mut dyn Write) -> Result<(), Failure> {
    let rows: Vec<[String; 7]> = entries
        .iter()
        .map(|entry| {
            [
                entry.seq.to_string(),
                timestamp(entry.time),
                entry.action.as_str().to_owned(),
                entry.resource_type.clone(),
                entry.resource_id.clone().unwrap_or_else(|| "-".to_owned()),
                entry.status.to_string(),
                summary(entry),
            ]
        })
        .collect();
    let header = ["SEQ", "TIME", "ACTION", "TYPE", "ID", "STATUS", "SUMMARY"];
    let mut widths = header.map(|title| title.chars().count());
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let header = header.map(str::to_owned);
    for row in std::iter::once(&header).chain(&rows) {
        let mut line = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            if index + 1 == row.len() {
                line.push_str(cell);
            } else {
                let pad = width.saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.extend(std::iter::repeat_n(' ', pad + 2));
            }
        }
        writeln!(out, "{line}")?;
    }
    Ok(())
}

/// What an entry changed, in short: the changed paths (the first few), each warning and
/// the error; `-` for none.
fn summary(entry: &HistoryEntry) -> String {
    let mut parts = Vec::new();
    if !entry.changes.is_empty() {
        let paths: Vec<&str> = entry
            .changes
            .iter()
            .take(SUMMARY_PATHS)
            .map(|change| change.path.as_str())
            .collect();
        let mut changed = format!("changed {}", paths.join(", "));
        let more = entry.changes.len().saturating_sub(SUMMARY_PATHS);
        if more > 0 {
            changed.push_str(&format!(" and {more} more"));
        }
        parts.push(changed);
    }
    parts.extend(
        entry
            .warnings
            .iter()
            .map(|warning| format!("warning: {warning}")),
    );
    if let Some(error) = &entry.error {
        parts.push(format!("error: {error}"));
    }
    if parts.is_empty() {
        "-".to_owned()
    } else {
        parts.join("; ")
    }
}

#[cfg(test)]
mod tests {
    use scimitar_policy::{Action, AttributeChange};
    use serde_json::json;

    use super::*;

    fn entry() -> HistoryEntry {
        let time = DateTime::parse_from_rfc3339("2026-01-02T03:04:05.5Z")
            .unwrap()
            .with_timezone(&Utc);
        let mut entry = HistoryEntry::new(time, Action::PickedUp, "User", Some("u1".into()), 201);
        entry.seq = 7;
        entry.changes = vec![AttributeChange::new(
            "userName",
            Some(json!("a")),
            Some(json!("b")),
        )];
        entry.fields.insert("user_name".into(), Some("b".into()));
        entry.warnings.push("ignored x".into());
        entry
    }

    #[test]
    fn a_line_has_the_contract_keys() {
        let line = serde_json::to_value(Line::of(&entry())).unwrap();
        assert_eq!(
            line,
            json!({
                "seq": 7,
                "time": "2026-01-02T03:04:05.500Z",
                "action": "picked_up",
                "resource_type": "User",
                "resource_id": "u1",
                "key": null,
                "request": null,
                "changes": [{"path": "userName", "before": "a", "after": "b"}],
                "fields": {"user_name": "b"},
                "warnings": ["ignored x"],
                "status": 201,
                "error": null,
            })
        );
    }

    #[test]
    fn the_table_summarises() {
        let mut failed = entry();
        failed.seq = 10;
        failed.action = Action::Failed;
        failed.resource_id = None;
        failed.status = 409;
        failed.changes.clear();
        failed.warnings.clear();
        failed.error = Some("taken".into());
        let mut out = Vec::new();
        table(&[entry(), failed], &mut out).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "\
SEQ  TIME                  ACTION     TYPE  ID  STATUS  SUMMARY
7    2026-01-02T03:04:05Z  picked_up  User  u1  201     changed userName; warning: ignored x
10   2026-01-02T03:04:05Z  failed     User  -   409     error: taken
"
        );
    }

    #[test]
    fn since_and_after_are_checked() {
        assert!(parse_since("2026-01-02T03:04:05+01:00").is_ok());
        assert!(
            parse_since("2026-01-02")
                .unwrap_err()
                .starts_with("invalid --since")
        );
        assert_eq!(parse_after("0"), Ok(0));
        assert!(
            parse_after("-1")
                .unwrap_err()
                .starts_with("invalid --after")
        );
    }
}
