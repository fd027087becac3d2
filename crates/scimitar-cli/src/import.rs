//! `scimitar import`: the accounts an app had before provisioning, loaded into a tenant
//! as unmanaged accounts for creates to pick up.

use std::io::Write;

use serde_json::Value;

use scimitar_engine::{Engine, EngineConfig, Principal, ResourceStore};
use scimitar_schema::{Resource, ScimError, ValidateOptions, validate};

use crate::args::HelpFlag;
use crate::failure::Failure;
use crate::input;
use crate::serve::env::{SystemClock, UuidIds};
use crate::store::{self, AnyStore, block_on};
use crate::tenant::{DbArg, warn_if_not_durable};
use crate::token::{TenantArg, tenant_called};
use crate::validate::type_of;

pub(crate) const USAGE: &str =
    "usage: scimitar import --tenant NAME [--global-usernames] [--db DB] FILE";

const HELP: &str = r#"Import the accounts an app had before provisioning into a tenant, as unmanaged
accounts: they are invisible through SCIM until a create with the same userName (a
user) or displayName (a group), ignoring case, picks one up. The create is then
answered with the account's own id, and the history records it as 'picked_up'.

Usage: scimitar import --tenant NAME [--global-usernames] [--db DB] FILE

FILE holds a JSON array of SCIM User and Group resources, as the app exports them; '-'
reads standard input. An element's type is the one whose core schema its 'schemas'
lists (urn:ietf:params:scim:schemas:core:2.0:User or
urn:ietf:params:scim:schemas:core:2.0:Group). Each keeps its 'id' when it has one (so
the identity provider ends up with the app's ids) and gets a new one otherwise; each is
validated as the body of a create would be, under the tenant's profile. A group's
'members' are not carried into the pick-up: memberships come from the identity
provider.

It prints one line for each account imported, in the order of the file:

  imported User ID USERNAME
  imported Group ID DISPLAYNAME

Errors: the whole file is read, and every element typed and validated, before anything
is imported: a file that is not a JSON array, or an element that is not a valid User or
Group, imports nothing. Then the accounts are imported one at a time, in order; the
first one the store refuses (its id, userName or displayName is taken) stops the import.
Either way the error is printed as 'error: account N: ...', N being the element's index
in the array, from 0 (as jq's '.[N]'), and the accounts printed before it stay
imported: import the rest from a file without them.

Options:
  --tenant NAME        The tenant, by name
  --global-usernames   Make the users' userNames unique among every tenant's, as
                       'scimitar serve --global-usernames' does: give it when the
                       server runs with it
  --db DB              The store, as 'scimitar serve' takes it: a SQLite file (PATH or
                       sqlite:PATH; default: scimitar.db in the working directory), or
                       ':memory:', which keeps nothing once the command exits
  -h, --help           Print this help
  --                   Read the next argument as FILE even if it starts with '-'

Exit status: 0 when every account was imported; 2 when there is no such tenant, FILE
cannot be read or an account is invalid or taken; 64 when the command line is wrong;
69 when the store cannot be opened or fails.

Example:
  $ scimitar import --tenant acme accounts.json
  imported User app-42 bjensen@example.com
  imported Group team-7 Design
"#;

/// The arguments of `scimitar import`.
#[derive(Debug, clap::Args)]
#[command(override_help = HELP, args_override_self = true)]
pub(crate) struct Args {
    #[command(flatten)]
    help: HelpFlag,
    #[command(flatten)]
    tenant: TenantArg,
    /// Make userNames unique among every tenant's.
    #[arg(long = "global-usernames")]
    global_usernames: bool,
    #[command(flatten)]
    db: DbArg,
    /// The accounts: a JSON array, or `-` for standard input.
    #[arg(value_name = "FILE")]
    file: String,
}

/// One element of the file, typed.
struct Account {
    /// Its index in the array.
    index: usize,
    /// Its resource type's name.
    resource_type: String,
    /// The element as written.
    resource: Resource,
}

/// Runs `scimitar import`.
pub(crate) fn run(args: Args, out: &mut dyn Write, err: &mut dyn Write) -> Result<(), Failure> {
    let name = args.tenant.required(USAGE)?;
    let store = store::open_store(args.db.get())?;
    let config = EngineConfig::default().global_usernames(args.global_usernames);
    let engine = Engine::new(store, SystemClock, UuidIds::new()?).with_config(config);
    warn_if_not_durable(engine.store(), err)?;
    let tenant = block_on(tenant_called(engine.store(), name))??;
    let lenient = tenant.compat != scimitar_patch::Compat::STRICT;
    let input = input::read(&args.file)?;
    let accounts = read_accounts(&engine, &input, &args.file, lenient)?;
    let principal = Principal::new(tenant, None);
    block_on(import(&engine, &principal, accounts, out))?
}

/// The elements of `input`, each typed and checked as a create body, or the error of
/// the first that is not a valid account.
fn read_accounts<S: ResourceStore>(
    engine: &Engine<S>,
    input: &[u8],
    file: &str,
    lenient: bool,
) -> Result<Vec<Account>, Failure> {
    let value: Value = serde_json::from_slice(input)
        .map_err(|error| Failure::invalid(format!("{} is not JSON: {error}", input::name(file))))?;
    let Value::Array(elements) = value else {
        return Err(Failure::invalid(format!(
            "{} is not a JSON array of accounts",
            input::name(file)
        )));
    };
    let registry = engine.registry();
    let options = ValidateOptions::default().with_lenient(lenient);
    elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| {
            let failed = |error: ScimError| Failure::invalid(format!("account {index}: {error}"));
            let resource = Resource::from_value(element).map_err(failed)?;
            let resource_type = type_of(registry, &resource, "").map_err(failed)?;
            validate(registry, resource_type, resource.clone(), &options).map_err(failed)?;
            Ok(Account {
                index,
                resource_type: resource_type.name.clone(),
                resource,
            })
        })
        .collect()
}

/// Imports `accounts` in order, printing a line for each; stops at the first the
/// engine refuses.
async fn import(
    engine: &Engine<AnyStore>,
    principal: &Principal,
    accounts: Vec<Account>,
    out: &mut dyn Write,
) -> Result<(), Failure> {
    let operations = engine.operations(principal);
    for account in accounts {
        let index = account.index;
        let stored = operations
            .add_unmanaged(&account.resource_type, account.resource)
            .await
            .map_err(|error| refused(index, &error))?;
        let name_attribute = if stored.resource_type == "User" {
            "userName"
        } else {
            "displayName"
        };
        let name = stored.resource.get_str(name_attribute).unwrap_or("-");
        writeln!(
            out,
            "imported {} {} {name}",
            stored.resource_type, stored.id
        )?;
    }
    Ok(())
}

/// The failure for the account at `index` that the engine refused: the store's failure
/// makes the store unavailable, anything else is invalid input.
fn refused(index: usize, error: &ScimError) -> Failure {
    let message = format!("account {index}: {error}");
    if error.status.is_server_error() {
        Failure::unavailable(message)
    } else {
        Failure::invalid(message)
    }
}
