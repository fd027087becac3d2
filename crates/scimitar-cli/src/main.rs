//! `scimitar`: a command-line tool for SCIM 2.0 (RFC 7643, RFC 7644).
//!
//! It parses SCIM filters and PATCH paths, in strict RFC 7644 mode or leniently as
//! identity providers send them, and prints their canonical form, so you can check what a
//! filter means and how Scimitar reads it; it tests filters against resources and
//! validates resources against their schemas, as a Scimitar server would:
//!
//! ```text
//! $ scimitar filter parse 'userName Eq "bjensen" AND title pr'
//! userName eq "bjensen" and title pr
//! $ scimitar filter parse --lenient 'emails[type eq "work"].value eq "x"'
//! emails[type eq "work" and value eq "x"]
//! $ scimitar path parse 'members[value eq "2819c223"]'
//! members[value eq "2819c223"]
//! $ scimitar filter match 'userName eq "BJENSEN@example.com"' users.json
//! 2819c223-7f76-453a-919d-413861904646
//! $ scimitar validate --lenient user.json
//! ```
//!
//! It also serves SCIM over HTTP for identity providers such as Microsoft Entra ID and
//! Okta, and manages the tenants and API keys of the server's store:
//!
//! ```text
//! $ scimitar serve --listen 127.0.0.1:8080
//! $ scimitar tenant create --compat entra acme
//! $ scimitar token issue --tenant acme --expires 365
//! ```
//!
//! It also looks after a tenant's provisioning: the accounts an app had before provisioning, imported
//! as unmanaged accounts that a create with the same name picks up; the change history
//! of every write, as a table or JSON lines (an outbox, by sequence number); and the
//! attribute mappings that say which SCIM path each host field is read from:
//!
//! ```text
//! $ scimitar import --tenant acme accounts.json
//! imported User app-42 bjensen@example.com
//! $ scimitar history --tenant acme --after 1200 --json
//! $ scimitar mapping add --tenant acme name.middleName middle_name
//! $ scimitar mapping list --tenant acme --json
//! $ scimitar serve --global-usernames --history-days 90
//! ```
//!
//! Exit status: 0 on success, 2 when the input is invalid or names no tenant (the error
//! is printed on standard error; `validate` also prints the SCIM error response on
//! standard output), 64 when the command line is wrong, 69 when something the command
//! needs is not available (the address to listen on, the store) and 74 when the output
//! cannot be written (a closed pipe, as in `scimitar ... | head`, is not an error).
//! Run `scimitar --help` for the full usage.

mod args;
mod canonical;
mod failure;
mod filter;
mod help;
mod history;
mod import;
mod input;
mod mapping;
mod patch;
mod path;
mod serve;
mod store;
mod tenant;
mod token;
mod validate;

use std::env;
use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::args::Parsed;
use crate::failure::Failure;
use crate::help::print_help;

const USAGE: &str = "\
usage: scimitar filter parse [--lenient] EXPR
       scimitar filter match [--lenient] EXPR FILE
       scimitar path parse [--lenient] EXPR
       scimitar validate [--lenient] [--type NAME] FILE
       scimitar patch apply [--compat PROFILE] RESOURCE_FILE PATCH_FILE
       scimitar serve [--listen ADDR] [--db DB] [--log-format text|json]
                      [--public-url URL] [--trust-forwarded-headers]
                      [--global-usernames] [--history-days N]
       scimitar tenant create [--compat PROFILE] [--db DB] NAME
       scimitar tenant list [--db DB]
       scimitar token issue --tenant NAME [--expires DAYS] [--db DB]
       scimitar token list --tenant NAME [--db DB]
       scimitar token revoke [--db DB] ID
       scimitar import --tenant NAME [--global-usernames] [--db DB] FILE
       scimitar history --tenant NAME [--resource ID] [--since TIME] [--after SEQ]
                        [--json] [--db DB]
       scimitar mapping list --tenant NAME [--json] [--db DB]
       scimitar mapping add --tenant NAME [--db DB] SCIM_PATH FIELD
       scimitar mapping remove --tenant NAME [--db DB] FIELD
       scimitar mapping restore --tenant NAME [--db DB]
       scimitar --help | --version";

const HELP: &str = r#"scimitar: command-line tools for SCIM 2.0 (RFC 7643, RFC 7644)

Usage:
  scimitar filter parse [--lenient] EXPR    Print the canonical form of a filter
  scimitar filter match [--lenient] EXPR FILE
                                            Print the ids of the resources in FILE (a
                                            JSON array) that a filter matches
  scimitar path parse [--lenient] EXPR      Print the canonical form of a PATCH path
  scimitar validate [--lenient] [--type NAME] FILE
                                            Validate a resource and print it normalised
  scimitar patch apply [--compat PROFILE] RESOURCE_FILE PATCH_FILE
                                            Apply a PATCH request to a resource and
                                            print the result
  scimitar serve [--listen ADDR] [--db DB] [--log-format FORMAT]
                 [--public-url URL] [--trust-forwarded-headers]
                 [--global-usernames] [--history-days N]
                                            Serve SCIM over HTTP for identity providers
  scimitar tenant create [--compat PROFILE] [--db DB] NAME
                                            Create a tenant and print its id
  scimitar tenant list [--db DB]            List the tenants
  scimitar token issue --tenant NAME [--expires DAYS] [--db DB]
                                            Issue an API key and print it, once
  scimitar token list --tenant NAME [--db DB]
                                            List a tenant's API keys (never the keys)
  scimitar token revoke [--db DB] ID        Revoke an API key
  scimitar import --tenant NAME [--global-usernames] [--db DB] FILE
                                            Import an app's accounts (a JSON array of
                                            users and groups) for creates to pick up
  scimitar history --tenant NAME [--resource ID] [--since TIME] [--after SEQ]
                   [--json] [--db DB]       Print a tenant's change history
  scimitar mapping list --tenant NAME [--json] [--db DB]
                                            List a tenant's attribute mappings
  scimitar mapping add --tenant NAME [--db DB] SCIM_PATH FIELD
                                            Map a host field to a SCIM path
  scimitar mapping remove --tenant NAME [--db DB] FIELD
                                            Remove a field's mapping
  scimitar mapping restore --tenant NAME [--db DB]
                                            Restore the default mappings
  scimitar help, -h, --help                 Print this help
  scimitar -V, --version                    Print the version

Options:
  --lenient    Also accept the shapes identity providers send that RFC 7643 and
               RFC 7644 do not allow, such as emails[type eq "work"].value eq "x",
               unquoted values or "True" for a boolean
  --type NAME  The resource type of the resource to validate: User or Group
               (default: the one its 'schemas' names)
  --compat PROFILE
               The identity-provider deviations a PATCH (or a tenant's requests) may
               use: strict, entra, okta or lenient (the default)
  --listen ADDR
               The IP address and port the server listens on (default: 127.0.0.1:8080)
  --db DB      The store of tenants, keys, users and groups: a SQLite file (PATH or
               sqlite:PATH, created if missing; default: scimitar.db in the working
               directory), or ':memory:', which keeps them in the process only
  --log-format FORMAT
               The server's request log: text (the default) or json, one object a line
  --global-usernames
               A userName must be unique among every tenant's users, not only within
               its own tenant (serve, and import for the server that uses it)
  --history-days N
               The server keeps N days of change history (default: all of it)
  --tenant NAME
               The tenant a command is about, by name
  --json       Print JSON, one object a line, instead of a table
  --           Read the next arguments as operands even if they start with '-'

FILE is a path, or '-' for standard input.

Exit status:
  0   Success
  2   The input (EXPR, FILE or the resource) is invalid, or there is no such
      tenant; the error is printed on standard error
  64  The command line is wrong
  69  Something the command needs is not available: the address to listen on,
      the store
  74  The output cannot be written

Run 'scimitar <command> --help' for the help of one command.
"#;

/// `scimitar`: its commands, as clap reads them; [`args::parse`] tells its mistakes.
#[derive(Debug, Parser)]
#[command(
    name = "scimitar",
    override_help = HELP,
    disable_help_flag = true,
    disable_help_subcommand = true
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The commands and command groups.
#[derive(Debug, Subcommand)]
enum Command {
    #[command(subcommand)]
    Filter(filter::Command),
    #[command(subcommand)]
    Path(path::Command),
    Validate(validate::Args),
    #[command(subcommand)]
    Patch(patch::Command),
    Serve(serve::Args),
    #[command(subcommand)]
    Tenant(tenant::Command),
    #[command(subcommand)]
    Token(token::Command),
    Import(import::Args),
    History(history::Args),
    #[command(subcommand)]
    Mapping(mapping::Command),
    /// `help`, `-h`, `--help`: this help; they take no arguments.
    #[command(short_flag = 'h', long_flag = "help")]
    Help,
    /// `-V`, `--version`; `version` is no command.
    #[command(
        name = "--version",
        short_flag = 'V',
        long_flag = "version",
        hide = true
    )]
    Version,
}

/// The usage text of the command at `path`, for its usage errors.
fn usage_of(path: &[&str]) -> &'static str {
    match path {
        ["filter", "parse"] => filter::PARSE_USAGE,
        ["filter", "match"] => filter::MATCH_USAGE,
        ["filter", ..] => filter::USAGE,
        ["path", ..] => path::USAGE,
        ["validate", ..] => validate::USAGE,
        ["patch", ..] => patch::USAGE,
        ["serve", ..] => serve::USAGE,
        ["tenant", ..] => tenant::USAGE,
        ["token", ..] => token::USAGE,
        ["import", ..] => import::USAGE,
        ["history", ..] => history::USAGE,
        ["mapping", ..] => mapping::USAGE,
        _ => USAGE,
    }
}

fn main() -> ExitCode {
    // Not locked for the whole run: the server's threads write its log on standard error.
    let mut stdout = io::stdout();
    let mut stderr = io::stderr();
    let result = args::parse::<Cli>(env::args_os().skip(1), usage_of)
        .map_err(Failure::from)
        .and_then(|parsed| match parsed {
            Parsed::Run(cli) => run(cli.command, &mut stdout, &mut stderr),
            Parsed::Help(text) => print_help(&text, &mut stdout),
        })
        .and_then(|()| stdout.flush().map_err(Failure::from));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        // A closed pipe (`scimitar ... | head`) means the reader has all it wants.
        Err(Failure::Output(error)) if error.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(failure) => {
            // Nothing is left to report a failure to write standard error on.
            let _ = failure.report(&mut stderr);
            failure.exit_code()
        }
    }
}

/// Runs `command`, writing its output to `out` and its warnings to `err`.
fn run(command: Command, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    match command {
        Command::Filter(command) => filter::run(command, out, err),
        Command::Path(command) => path::run(command, out),
        Command::Validate(args) => validate::run(args, out, err),
        Command::Patch(command) => patch::run(command, out, err),
        Command::Serve(args) => serve::run(args, out, err),
        Command::Tenant(command) => tenant::run(command, out, err),
        Command::Token(command) => token::run(command, out, err),
        Command::Import(args) => import::run(args, out, err),
        Command::History(args) => history::run(args, out, err),
        Command::Mapping(command) => mapping::run(command, out, err),
        Command::Help => print_help(HELP, out),
        Command::Version => print_help(concat!("scimitar ", env!("CARGO_PKG_VERSION"), "\n"), out),
    }
}
