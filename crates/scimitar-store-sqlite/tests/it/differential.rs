//! Lists of the SQLite store against the engine's in-memory store, as the engine sees
//! them: random users and groups are written to both (then some replaced, some users
//! deleted, which rewrites their groups), and random filters with random pages must
//! give the same ids and the same `totalResults` once the engine's rule is applied
//! (a `filtered` and `paged` list is taken as it is; otherwise the engine evaluates the
//! filter on the candidates, then pages).
//!
//! The SQLite store answers most of these filters in SQL, the in-memory store only
//! equality lookups: this checks the SQL, the `attr_values` rows kept through every
//! write, and the paging, against evaluation. Sorted lists (`sortBy`, `sortOrder`,
//! `startIndex`, `count`) go through an engine on each store: the memory store leaves
//! the order to the engine's comparator, the SQLite store sorts in SQL (or evaluates an
//! incomplete filter's candidates in that order), and both must give the same page.

use chrono::{Duration, TimeZone, Utc};
use pollster::block_on;
use proptest::prelude::*;
use proptest::sample::{Index, select};
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use std::sync::Arc;

use scimitar_engine::{
    Disposal, Engine, IdSource, ListPage, ListRequest, ListResult, MemoryStore, Origin, Principal,
    ResourceStore, StoredResource, Tenant, TenantId,
};
use scimitar_filter::Filter;
use scimitar_patch::Compat;
use scimitar_schema::{CompiledFilter, SchemaRegistry};
use scimitar_sql::{Dialect, translate};
use scimitar_store_sqlite::SqliteStore;
use serde_json::{Value, json};

use crate::{entry, list, stored, tenant};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const GROUP: &str = "urn:ietf:params:scim:schemas:core:2.0:Group";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// Names with look-alikes among them: NFC and NFD (`José`, `Müller`), fullwidth letters.
const GIVEN: &[&str] = &[
    "Barbara",
    "Alice",
    "bob",
    "Ünal",
    "Sigrún",
    "Anna-Lena",
    "Jos\u{E9}",
    "Jose\u{301}",
    "\u{FF22}ob",
];
const FAMILY: &[&str] = &[
    "Jensen",
    "Johnson",
    "Anderson",
    "Smith",
    "O'Neil",
    "Müller",
    "Garcia_%",
    "SON",
    "Mu\u{308}ller",
    "\u{FF33}mith",
];
const DOMAINS: &[&str] = &["example.com", "Example.COM", "x.org", "mail.example.org"];
const EMAIL_TYPES: &[&str] = &["work", "home", "other", "Work"];
const DEPARTMENTS: &[&str] = &["Tour", "tour operations", "Sales", "R&D", ""];
const TITLES: &[&str] = &["Tour Guide", "CEO", "guide", "Engineer"];
const GROUP_NAMES: &[&str] = &[
    "Admins",
    "admins team",
    "Ops",
    "Sales EMEA",
    "Tour",
    "\u{FF21}dmins",
];
/// Instants with various offsets and precisions.
const DATES: &[&str] = &[
    "2024-01-01T10:00:00Z",
    "2024-01-01T12:00:00+02:00",
    "2024-01-01T05:00:00-05:00",
    "2024-01-01T10:00:00.5Z",
    "2023-12-31T23:59:59.999Z",
    "2024-03-10T08:30:00+05:30",
    "2025-06-01T00:00:00Z",
];

/// A user, before it gets its `id` (and the `userName` built from it).
#[derive(Clone, Debug)]
struct UserSpec {
    given: &'static str,
    family: &'static str,
    with_name: bool,
    /// Local part (a given name), domain, type, primary.
    emails: Vec<(&'static str, &'static str, &'static str, Option<bool>)>,
    active: Option<bool>,
    created: &'static str,
    last_modified: &'static str,
    /// Department and manager (another user's number).
    enterprise: Option<(Option<&'static str>, Option<usize>)>,
    title: Option<&'static str>,
    external_id: Option<&'static str>,
}

fn user_spec() -> impl Strategy<Value = UserSpec> {
    let email = (
        select(GIVEN),
        select(DOMAINS),
        select(EMAIL_TYPES),
        proptest::option::of(any::<bool>()),
    );
    (
        (
            select(GIVEN),
            select(FAMILY),
            proptest::bool::weighted(0.85),
            proptest::collection::vec(email, 0..3),
            proptest::option::of(any::<bool>()),
        ),
        (
            select(DATES),
            select(DATES),
            proptest::option::of((
                proptest::option::of(select(DEPARTMENTS)),
                proptest::option::of(0usize..8),
            )),
            proptest::option::of(select(TITLES)),
            proptest::option::of(select(&["E1", "e1", "E2"][..])),
        ),
    )
        .prop_map(
            |(
                (given, family, with_name, emails, active),
                (created, last_modified, enterprise, title, external_id),
            )| UserSpec {
                given,
                family,
                with_name,
                emails,
                active,
                created,
                last_modified,
                enterprise,
                title,
                external_id,
            },
        )
}

fn user_json(number: usize, spec: &UserSpec) -> Value {
    let id = format!("u{number}");
    let mut user = json!({
        "schemas": [USER],
        "id": id,
        "userName": format!("{}.{}{number}", spec.given, spec.family),
        "meta": {
            "resourceType": "User",
            "created": spec.created,
            "lastModified": spec.last_modified,
        },
    });
    if spec.with_name {
        user["name"] = json!({
            "givenName": spec.given,
            "familyName": spec.family,
            "formatted": format!("{} {}", spec.given, spec.family),
        });
    }
    if !spec.emails.is_empty() {
        let emails: Vec<Value> = spec
            .emails
            .iter()
            .map(|(local, domain, kind, primary)| {
                let mut email =
                    json!({"value": format!("{}@{domain}", local.to_lowercase()), "type": kind});
                if let Some(primary) = primary {
                    email["primary"] = json!(primary);
                }
                email
            })
            .collect();
        user["emails"] = Value::Array(emails);
    }
    if let Some(active) = spec.active {
        user["active"] = json!(active);
    }
    if let Some(title) = spec.title {
        user["title"] = json!(title);
    }
    if let Some(external_id) = spec.external_id {
        user["externalId"] = json!(external_id);
    }
    if let Some((department, manager)) = spec.enterprise {
        user["schemas"] = json!([USER, ENTERPRISE]);
        let mut extension = json!({});
        if let Some(department) = department {
            extension["department"] = json!(department);
        }
        if let Some(manager) = manager {
            extension["manager"] = json!({"value": format!("u{manager}"), "displayName": "Boss"});
        }
        user[ENTERPRISE] = extension;
    }
    user
}

#[derive(Clone, Debug)]
struct GroupSpec {
    name: &'static str,
    external_id: Option<&'static str>,
    members: Vec<Index>,
    last_modified: &'static str,
}

fn group_spec() -> impl Strategy<Value = GroupSpec> {
    (
        select(GROUP_NAMES),
        proptest::option::of(select(&["G1", "g1"][..])),
        proptest::collection::vec(any::<Index>(), 0..5),
        select(DATES),
    )
        .prop_map(|(name, external_id, members, last_modified)| GroupSpec {
            name,
            external_id,
            members,
            last_modified,
        })
}

/// A group whose members are picked among `users` (ids of existing users).
fn group_json(number: usize, spec: &GroupSpec, users: &[String]) -> Value {
    let mut members: Vec<&String> = spec
        .members
        .iter()
        .filter(|_| !users.is_empty())
        .map(|index| index.get(users))
        .collect();
    members.sort();
    members.dedup();
    let mut group = json!({
        "schemas": [GROUP],
        "id": format!("g{number}"),
        "displayName": spec.name,
        "meta": {"resourceType": "Group", "lastModified": spec.last_modified},
    });
    if !members.is_empty() {
        let members: Vec<Value> = members
            .into_iter()
            .map(|id| json!({"value": id, "type": "User", "display": id.to_uppercase()}))
            .collect();
        group["members"] = Value::Array(members);
    }
    if let Some(external_id) = spec.external_id {
        group["externalId"] = json!(external_id);
    }
    group
}

/// A write after the first ones.
#[derive(Clone, Debug)]
enum Op {
    ReplaceUser(Index, UserSpec),
    DeleteUser(Index),
    ReplaceGroup(Index, GroupSpec),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        2 => (any::<Index>(), user_spec()).prop_map(|(index, spec)| Op::ReplaceUser(index, spec)),
        1 => any::<Index>().prop_map(Op::DeleteUser),
        1 => (any::<Index>(), group_spec()).prop_map(|(index, spec)| Op::ReplaceGroup(index, spec)),
    ]
}

/// Strings filters compare with: whole values, parts, case variants, LIKE wildcards.
const STRINGS: &[&str] = &[
    "son",
    "SON",
    "jensen",
    "Barbara.Jensen",
    "b",
    "bob.smith",
    "ünal",
    "ÜNAL",
    "U\u{308}NAL",
    "jos\u{E9}",
    "JOSE\u{301}",
    "mu\u{308}ller",
    "\u{FF2D}\u{FC}ller",
    "\u{FF53}mith",
    "\u{FF22}ob.\u{FF33}mith",
    "@example.com",
    ".org",
    "alice@x.org",
    "work",
    "Work",
    "home",
    "tour",
    "Tour Guide",
    "u1",
    "u3",
    "U3",
    "E1",
    "e1",
    "G1",
    "_",
    "%",
    "'",
    "Garcia_%",
    "admins",
    "Admins team",
    "",
    "2024",
];

const USER_STRINGS: &[&str] = &[
    "userName",
    "USERNAME",
    "urn:ietf:params:scim:schemas:core:2.0:User:userName",
    "name.familyName",
    "name.givenName",
    "name.formatted",
    "name",
    "emails",
    "emails.value",
    "emails.type",
    "title",
    "externalId",
    "id",
    "department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "manager",
    "manager.value",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
    "meta.resourceType",
    "nickName",
    "urn:example:unknown:2.0:User:title",
];
const USER_BOOLEANS: &[&str] = &["active", "emails.primary"];
const DATE_PATHS: &[&str] = &["meta.lastModified", "meta.created"];
const GROUP_STRINGS: &[&str] = &[
    "displayName",
    "externalId",
    "members",
    "members.value",
    "members.type",
    "members.display",
    "id",
    "meta.resourceType",
];

const OPS: &[&str] = &["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"];

fn quoted(text: &str) -> String {
    serde_json::to_string(text).expect("a JSON string")
}

/// `path op value`, `path pr`, `path eq null` on the attributes of `strings` and
/// `booleans`, and, at the top level, on `dateTime` attributes.
fn test(
    strings: &'static [&'static str],
    booleans: &'static [&'static str],
    top_level: bool,
) -> impl Strategy<Value = String> {
    let on_string = (select(strings), select(OPS), select(STRINGS))
        .prop_map(|(path, op, value)| format!("{path} {op} {}", quoted(value)));
    let on_date = (select(DATE_PATHS), select(OPS), select(DATES))
        .prop_map(|(path, op, value)| format!("{path} {op} {}", quoted(value)));
    let on_boolean = (
        select(booleans),
        select(&["eq", "ne", "eq", "ne", "gt"][..]),
        select(&["true", "false", "\"true\""][..]),
    )
        .prop_map(|(path, op, value)| format!("{path} {op} {value}"));
    let presence = (
        prop_oneof![
            select(strings),
            select(booleans),
            select(if top_level { DATE_PATHS } else { strings }),
        ],
        select(&["pr", "eq null", "ne null"][..]),
    )
        .prop_map(|(path, test)| format!("{path} {test}"));
    let dates = if top_level { 2 } else { 0 };
    prop_oneof![6 => on_string, dates => on_date, 2 => on_boolean, 2 => presence]
}

fn combine(leaf: BoxedStrategy<String>) -> impl Strategy<Value = String> {
    leaf.prop_recursive(3, 10, 2, |inner| {
        prop_oneof![
            inner.clone().prop_map(|filter| format!("not ({filter})")),
            (inner.clone(), inner.clone()).prop_map(|(left, right)| format!("{left} and {right}")),
            (inner.clone(), inner).prop_map(|(left, right)| format!("({left}) or ({right})")),
        ]
    })
}

/// `emails[...]`, `name[...]`, `manager[...]`.
fn user_value_path() -> impl Strategy<Value = String> {
    let email = combine(test(&["value", "type", "display"], &["primary"], false).boxed());
    let name = combine(test(&["familyName", "givenName"], &["primary"], false).boxed());
    let manager = combine(test(&["value", "displayName"], &["primary"], false).boxed());
    prop_oneof![
        4 => email.prop_map(|inner| format!("emails[{inner}]")),
        1 => name.prop_map(|inner| format!("name[{inner}]")),
        1 => manager.prop_map(|inner| format!("manager[{inner}]")),
    ]
}

fn user_filter() -> impl Strategy<Value = String> {
    // An identity provider's lookup, alone or with other tests.
    let lookup = (select(&["userName", "externalId"][..]), select(STRINGS))
        .prop_map(|(path, value)| format!("{path} eq {}", quoted(value)));
    let leaf = prop_oneof![
        6 => test(USER_STRINGS, USER_BOOLEANS, true),
        2 => user_value_path(),
        1 => lookup,
    ]
    .boxed();
    combine(leaf)
}

fn group_filter() -> impl Strategy<Value = String> {
    let members = combine(test(&["value", "type", "display"], &["primary"], false).boxed())
        .prop_map(|inner| format!("members[{inner}]"));
    let leaf = prop_oneof![
        3 => test(GROUP_STRINGS, &["members.primary"], true),
        1 => members,
    ]
    .boxed();
    combine(leaf)
}

/// A list: users or groups, a filter (or none) and a page (or none).
fn query() -> impl Strategy<Value = (&'static str, Option<String>, Option<(usize, usize)>)> {
    let page = proptest::option::weighted(0.7, (0usize..8, 0usize..6));
    prop_oneof![
        3 => (proptest::option::weighted(0.95, user_filter()), page.clone())
            .prop_map(|(filter, page)| ("User", filter, page)),
        1 => (proptest::option::weighted(0.95, group_filter()), page)
            .prop_map(|(filter, page)| ("Group", filter, page)),
    ]
}

/// `sortBy` paths: of each type, of strings, booleans, instants, multi-valued
/// attributes, extensions with and without their URN, and paths SQL cannot sort by.
const USER_SORTS: &[&str] = &[
    "userName",
    "name.familyName",
    "name.givenName",
    "emails",
    "emails.value",
    "emails.type",
    "emails.primary",
    "active",
    "meta.lastModified",
    "meta.created",
    "title",
    "externalId",
    "id",
    "department",
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
    "manager",
    "manager.displayName",
    "nickName",
    "name",
    "urn:example:unknown:2.0:User:title",
];
const GROUP_SORTS: &[&str] = &[
    "displayName",
    "externalId",
    "members",
    "members.value",
    "meta.lastModified",
    "id",
];

/// A sorted list as the engine runs it: type, filter, `sortBy`, descending, offset,
/// count.
type SortedQuery = (
    &'static str,
    Option<String>,
    &'static str,
    bool,
    usize,
    usize,
);

fn sorted_query() -> impl Strategy<Value = SortedQuery> {
    let order = (any::<bool>(), 0usize..8, 0usize..6);
    prop_oneof![
        3 => (proptest::option::weighted(0.6, user_filter()), select(USER_SORTS), order.clone())
            .prop_map(|(filter, sort, (descending, offset, count))| {
                ("User", filter, sort, descending, offset, count)
            }),
        1 => (proptest::option::weighted(0.6, group_filter()), select(GROUP_SORTS), order)
            .prop_map(|(filter, sort, (descending, offset, count))| {
                ("Group", filter, sort, descending, offset, count)
            }),
    ]
}

/// Ids for the engines, which need no more than uniqueness here.
#[derive(Default)]
struct Ids(std::sync::atomic::AtomicU64);

impl IdSource for Ids {
    fn new_id(&self) -> String {
        let next = self.0.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("id-{next}")
    }

    fn new_secret(&self) -> String {
        self.new_id()
    }
}

/// Both stores, with the same resources.
struct Stores {
    memory: Arc<MemoryStore>,
    sqlite: Arc<SqliteStore>,
    tenant: TenantId,
}

impl Stores {
    fn new() -> Self {
        let memory = Arc::new(MemoryStore::new());
        let sqlite = Arc::new(SqliteStore::open_in_memory().expect("an in-memory database"));
        let tenant = tenant(&memory, "t1");
        assert_eq!(crate::tenant(&sqlite, "t1"), tenant);
        Self {
            memory,
            sqlite,
            tenant,
        }
    }

    /// A sorted list through an engine on each store: the memory store leaves the
    /// order to the engine, the SQLite store sorts and pages in SQL.
    fn sorted(&self, query: &SortedQuery) -> [Result<(Vec<String>, usize), String>; 2] {
        let (resource_type, text, sort, descending, offset, count) = query;
        let mut request = ListRequest::new();
        request.filter = text.as_deref().map(crate::filter);
        request.sort_by = Some(sort.parse().expect("a sortBy"));
        request.descending = *descending;
        request.offset = *offset;
        request.count = Some(*count);
        let principal = Principal::new(
            Tenant::new(self.tenant.clone(), "t1", Compat::LENIENT),
            None,
        );
        let clock = || Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap();
        let run = |listed: Result<ListResult, scimitar_schema::ScimError>| {
            listed
                .map(|listed| {
                    let ids = listed
                        .resources
                        .into_iter()
                        .map(|resource| resource.id)
                        .collect();
                    (ids, listed.total)
                })
                .map_err(|error| error.to_string())
        };
        let memory = Engine::new(Arc::clone(&self.memory), clock, Ids::default());
        let sqlite = Engine::new(Arc::clone(&self.sqlite), clock, Ids::default());
        [
            run(block_on(
                memory.operations(&principal).list(resource_type, &request),
            )),
            run(block_on(
                sqlite.operations(&principal).list(resource_type, &request),
            )),
        ]
    }

    fn create(&self, resource: StoredResource) {
        block_on(self.memory.create(
            &self.tenant,
            std::sync::Arc::new(resource.clone()),
            Origin::New,
            entry(),
        ))
        .expect("create in memory");
        block_on(self.sqlite.create(
            &self.tenant,
            std::sync::Arc::new(resource),
            Origin::New,
            entry(),
        ))
        .expect("create in SQLite");
    }

    fn current(&self, resource_type: &str, id: &str) -> Option<StoredResource> {
        let memory = block_on(self.memory.get(&self.tenant, resource_type, id)).expect("get");
        let sqlite = block_on(self.sqlite.get(&self.tenant, resource_type, id)).expect("get");
        assert_eq!(memory, sqlite, "{resource_type} {id} is the same in both");
        memory.map(std::sync::Arc::unwrap_or_clone)
    }

    /// Replaces `id` with `value` if it exists.
    fn replace(&self, resource_type: &str, value: Value) {
        let mut next = stored(resource_type, value);
        let Some(current) = self.current(resource_type, &next.id) else {
            return;
        };
        next.version = current.version + 1;
        let memory = block_on(self.memory.replace(
            &self.tenant,
            std::sync::Arc::new(next.clone()),
            current.version,
            entry(),
        ));
        let sqlite = block_on(self.sqlite.replace(
            &self.tenant,
            std::sync::Arc::new(next),
            current.version,
            entry(),
        ));
        assert!(memory.is_ok(), "{memory:?}");
        assert!(sqlite.is_ok(), "{sqlite:?}");
    }

    fn delete(&self, resource_type: &str, id: &str, seconds: i64) {
        let at = Utc.with_ymd_and_hms(2025, 1, 1, 0, 0, 0).unwrap() + Duration::seconds(seconds);
        let memory = block_on(self.memory.delete(
            &self.tenant,
            resource_type,
            id,
            None,
            at,
            Disposal::Delete,
            entry(),
        ));
        let sqlite = block_on(self.sqlite.delete(
            &self.tenant,
            resource_type,
            id,
            None,
            at,
            Disposal::Delete,
            entry(),
        ));
        assert_eq!(memory, sqlite, "delete {id}");
    }

    fn ids(&self, resource_type: &str) -> Vec<String> {
        list(&self.memory, &self.tenant, resource_type, None, None)
            .into_resources()
            .into_iter()
            .map(|resource| resource.id)
            .collect()
    }
}

fn populate(users: &[UserSpec], groups: &[GroupSpec], ops: &[Op]) -> Stores {
    let stores = Stores::new();
    for (number, spec) in users.iter().enumerate() {
        stores.create(stored("User", user_json(number, spec)));
    }
    let user_ids = stores.ids("User");
    for (number, spec) in groups.iter().enumerate() {
        stores.create(stored("Group", group_json(number, spec, &user_ids)));
    }
    for (step, op) in ops.iter().enumerate() {
        match op {
            Op::ReplaceUser(index, spec) => {
                let number = index.index(users.len().max(1));
                stores.replace("User", user_json(number, spec));
            }
            Op::DeleteUser(index) => {
                let number = index.index(users.len().max(1));
                let seconds = i64::try_from(step).unwrap_or_default();
                stores.delete("User", &format!("u{number}"), seconds);
            }
            Op::ReplaceGroup(index, spec) => {
                let number = index.index(groups.len().max(1));
                let user_ids = stores.ids("User");
                stores.replace("Group", group_json(number, spec, &user_ids));
            }
        }
    }
    stores
}

/// What the engine makes of a list: the ids of the page, and `totalResults`.
fn as_the_engine_sees(
    listed: ListPage,
    compiled: Option<&CompiledFilter<'_>>,
    page: Option<(usize, usize)>,
) -> (Vec<String>, usize) {
    let id = |resource: StoredResource| resource.id;
    if let ListPage::Page { resources, total } = listed {
        return (resources.into_iter().map(id).collect(), total);
    }
    let filtered = listed.is_filtered();
    let matches: Vec<StoredResource> = listed
        .into_resources()
        .into_iter()
        .filter(|candidate| {
            filtered || compiled.is_none_or(|compiled| compiled.matches(&candidate.resource))
        })
        .collect();
    let total = matches.len();
    let (start, count) = page.unwrap_or((0, usize::MAX));
    let ids = matches
        .into_iter()
        .skip(start)
        .take(count)
        .map(id)
        .collect();
    (ids, total)
}

fn check(
    stores: &Stores,
    registry: &SchemaRegistry,
    resource_type: &str,
    text: Option<&str>,
    page: Option<(usize, usize)>,
) -> Result<(), TestCaseError> {
    let filter: Option<Filter> = text.map(crate::filter);
    let compiled = match &filter {
        Some(filter) => {
            match CompiledFilter::compile(filter, registry, registry.resource_type(resource_type)) {
                Ok(compiled) => Some(compiled),
                // The engine refuses the filter before it lists.
                Err(_) => return Ok(()),
            }
        }
        None => None,
    };
    let seen = |listed: ListPage| as_the_engine_sees(listed, compiled.as_ref(), page);
    let memory = seen(list(
        &stores.memory,
        &stores.tenant,
        resource_type,
        filter.as_ref(),
        page,
    ));
    let sqlite = seen(list(
        &stores.sqlite,
        &stores.tenant,
        resource_type,
        filter.as_ref(),
        page,
    ));
    prop_assert_eq!(
        sqlite,
        memory,
        "{}s with filter {:?} and page {:?}: SQLite (left) and memory (right) differ",
        resource_type,
        text,
        page
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]

    #[test]
    fn lists_agree_with_the_in_memory_store(
        users in proptest::collection::vec(user_spec(), 0..16),
        groups in proptest::collection::vec(group_spec(), 0..5),
        ops in proptest::collection::vec(op(), 0..6),
        queries in proptest::collection::vec(query(), 12),
        sorted in proptest::collection::vec(sorted_query(), 6),
    ) {
        let stores = populate(&users, &groups, &ops);
        let registry = SchemaRegistry::core();
        for (resource_type, text, page) in &queries {
            check(&stores, &registry, resource_type, text.as_deref(), *page)?;
        }
        for query in &sorted {
            let [memory, sqlite] = stores.sorted(query);
            prop_assert_eq!(
                sqlite,
                memory,
                "{:?}: SQLite (left) and memory (right) differ",
                query
            );
        }
    }
}

/// The grammar reaches both sides of the SQLite store: most filters are translated
/// completely (answered in SQL), some are not (left to the engine).
#[test]
fn most_generated_filters_are_answered_in_sql() {
    let registry = SchemaRegistry::core();
    let mut runner = TestRunner::deterministic();
    let (mut complete, mut incomplete, mut invalid) = (0, 0, 0);
    for _ in 0..400 {
        let (resource_type, text, _) = query().new_tree(&mut runner).unwrap().current();
        let Some(text) = text else { continue };
        let filter = crate::filter(&text);
        let kind = registry.resource_type(resource_type).unwrap();
        if CompiledFilter::compile(&filter, &registry, Some(kind)).is_err() {
            invalid += 1;
        } else if translate(&filter, kind, &registry, Dialect::Sqlite).complete {
            complete += 1;
        } else {
            incomplete += 1;
        }
    }
    assert!(complete >= 200, "complete {complete}");
    assert!(incomplete >= 5, "incomplete {incomplete}");
    assert!(invalid <= 80, "invalid {invalid}");
}
