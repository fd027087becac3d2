//! A deterministic directory of enterprise users, and the lookups benchmarked against it
//! with the number of users each must match.

use chrono::{DateTime, FixedOffset, SecondsFormat};
use scimitar_schema::Resource;
use serde_json::{Map, json};

use crate::Rng;

/// The index of the user the equality lookups look for: `user73021@example.com` in the
/// directory of 100,000 the benchmark scans (in a smaller directory, the index modulo its
/// size).
pub const NEEDLE: usize = 73_021;

const SEED: u64 = 0x5C13_17A2_2025;
const USER_URN: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE_URN: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// 2025-01-01T00:00:00Z: `meta.lastModified` spreads over the year from here.
const YEAR_START: i64 = 1_735_689_600;
const YEAR_SECONDS: i64 = 365 * 24 * 3600;
/// The delta-sync threshold of the `meta.lastModified gt` lookup (a quarter of the year
/// remains after it).
const SINCE: &str = "2025-10-01T00:00:00Z";

/// Managers are drawn from the first users, so a few hundred managers lead everyone.
const MANAGERS: usize = 800;

const GIVEN_NAMES: &[&str] = &[
    "Barbara",
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Susan",
    "Richard",
    "Jessica",
    "Joseph",
    "Sarah",
    "Thomas",
    "Karen",
    "Wei",
    "Priya",
    "Ahmed",
    "Yuki",
    "José",
    "Zoë",
    "Björn",
    "Chiara",
    "Olusegun",
];

/// Family names: nine of the 40 contain `son` in some case (`Jónsson` is not ASCII,
/// `Sonnenberg` starts with a capital), and five more are not ASCII.
const FAMILY_NAMES: &[&str] = &[
    "Jensen",
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Anderson",
    "Wilson",
    "Taylor",
    "Thomas",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Thompson",
    "White",
    "Harris",
    "Robinson",
    "Clark",
    "Lewis",
    "Walker",
    "Hall",
    "Allen",
    "Young",
    "Nguyễn",
    "Patel",
    "Kim",
    "Müller",
    "García",
    "Sørensen",
    "Svensson",
    "Jónsson",
    "Åberg",
    "Sonnenberg",
    "O'Brien",
    "Okafor",
    "Tanaka",
];

const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Engineering",
    "Marketing",
    "Finance",
    "Support",
    "Operations",
    "Human Resources",
    "Legal",
    "Research",
    "IT",
];

const TITLES: &[&str] = &[
    "Account Executive",
    "Software Engineer",
    "Senior Software Engineer",
    "Product Manager",
    "Analyst",
    "Support Specialist",
    "Director",
    "Consultant",
];

/// One generated user: the facts the lookups test, kept apart from its resource so the
/// expected number of matches is computed without the evaluator under test.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct GeneratedUser {
    /// Its position in the directory; `userName` is `user{index}@example.com`.
    pub index: usize,
    /// The server's id, a GUID.
    pub id: String,
    /// The identity provider's id (Entra's object id), a GUID.
    pub external_id: String,
    /// `user{index}@example.com`, also the work e-mail address.
    pub user_name: String,
    /// `name.givenName`.
    pub given_name: &'static str,
    /// `name.familyName`.
    pub family_name: &'static str,
    /// `active`: about nine in ten users.
    pub active: bool,
    /// The enterprise `department`, absent for one in twenty, upper-cased (a legacy HR
    /// import) for one in twenty.
    pub department: Option<String>,
    /// The `id` of the enterprise `manager`, absent for the first user and one in thirty.
    pub manager: Option<String>,
    /// `meta.lastModified`, in 2025, written with `Z` or an offset, with or without
    /// milliseconds.
    pub last_modified: DateTime<FixedOffset>,
    /// The whole resource, as a store would hold it.
    pub resource: Resource,
}

/// `count` enterprise users, the same on every run: core User and Enterprise User
/// attributes as Entra ID provisions them, with work and home e-mails, a phone number,
/// a manager among the first users, and `meta`.
pub fn enterprise_users(count: usize) -> Vec<GeneratedUser> {
    let mut rng = Rng::new(SEED);
    let mut users: Vec<GeneratedUser> = Vec::with_capacity(count);
    for index in 0..count {
        let manager = match index {
            0 => None,
            _ if rng.percent(3) => None,
            _ => {
                let pool = u64::try_from(index.min(MANAGERS)).expect("a small pool");
                let chosen = usize::try_from(rng.below(pool)).expect("an index");
                Some(&users[chosen])
            }
        };
        let manager = manager.map(|manager| {
            (
                manager.id.clone(),
                format!("{} {}", manager.given_name, manager.family_name),
            )
        });
        let user = generate(&mut rng, index, manager);
        users.push(user);
    }
    users
}

fn generate(rng: &mut Rng, index: usize, manager: Option<(String, String)>) -> GeneratedUser {
    let id = rng.guid();
    let external_id = rng.guid();
    let user_name = format!("user{index}@example.com");
    let given_name = *rng.pick(GIVEN_NAMES);
    let family_name = *rng.pick(FAMILY_NAMES);
    let display_name = format!("{given_name} {family_name}");
    let active = rng.percent(89);
    let department = match rng.below(20) {
        0 => None,
        1 => Some(rng.pick(DEPARTMENTS).to_uppercase()),
        _ => Some((*rng.pick(DEPARTMENTS)).to_owned()),
    };
    let modified_at = YEAR_START + i64_below(rng, YEAR_SECONDS);
    let last_modified = timestamp(rng, modified_at);
    let created_at = modified_at - i64_below(rng, 2 * YEAR_SECONDS);
    let created = timestamp(rng, created_at);

    let mut emails = vec![json!({"value": user_name, "type": "work", "primary": true})];
    if rng.percent(60) {
        let home = format!("{}.{index}@mail.example.net", given_name.to_lowercase());
        emails.push(json!({"value": home, "type": "home"}));
    }
    let mut enterprise = Map::new();
    enterprise.insert(
        "employeeNumber".into(),
        json!(format!("{}", 100_000 + index)),
    );
    enterprise.insert(
        "costCenter".into(),
        json!(format!("CC-{}", rng.below(90) + 10)),
    );
    enterprise.insert("organization".into(), json!("Example Corp"));
    if let Some(department) = &department {
        enterprise.insert("department".into(), json!(department));
    }
    if let Some((manager_id, manager_name)) = &manager {
        enterprise.insert(
            "manager".into(),
            json!({
                "value": manager_id,
                "$ref": format!("https://scim.example.com/v2/Users/{manager_id}"),
                "displayName": manager_name,
            }),
        );
    }
    let resource = json!({
        "schemas": [USER_URN, ENTERPRISE_URN],
        "id": id,
        "externalId": external_id,
        "userName": user_name,
        "name": {
            "formatted": display_name,
            "familyName": family_name,
            "givenName": given_name,
        },
        "displayName": display_name,
        "title": rng.pick(TITLES),
        "userType": if rng.percent(85) { "Employee" } else { "Contractor" },
        "preferredLanguage": "en-US",
        "active": active,
        "emails": emails,
        "phoneNumbers": [{"value": format!("+1 555 01{:05}", index % 100_000), "type": "work"}],
        ENTERPRISE_URN: enterprise,
        "meta": {
            "resourceType": "User",
            "created": format_timestamp(rng, &created),
            "lastModified": format_timestamp(rng, &last_modified),
            "version": format!("W/\"{:016x}\"", rng.next_u64()),
            "location": format!("https://scim.example.com/v2/Users/{id}"),
        },
    });
    GeneratedUser {
        index,
        id,
        external_id,
        user_name,
        given_name,
        family_name,
        active,
        department,
        manager: manager.map(|(id, _)| id),
        last_modified,
        resource: Resource::from_value(resource).expect("an object"),
    }
}

fn i64_below(rng: &mut Rng, bound: i64) -> i64 {
    let bound = u64::try_from(bound).expect("a positive bound");
    i64::try_from(rng.below(bound)).expect("a small number")
}

/// The instant `seconds` after the epoch, plus some milliseconds, in one of the offsets
/// directory nodes write (mostly UTC).
fn timestamp(rng: &mut Rng, seconds: i64) -> DateTime<FixedOffset> {
    let millis = u32::try_from(rng.below(1000)).expect("a small number");
    let offset_hours = match rng.below(20) {
        0 | 1 => 2,
        2 => -7,
        _ => 0,
    };
    let offset = FixedOffset::east_opt(offset_hours * 3600).expect("a valid offset");
    DateTime::from_timestamp(seconds, millis * 1_000_000)
        .expect("a representable instant")
        .with_timezone(&offset)
}

/// RFC 3339 text of `instant`, with milliseconds for one in three values.
fn format_timestamp(rng: &mut Rng, instant: &DateTime<FixedOffset>) -> String {
    let precision = if rng.percent(33) {
        SecondsFormat::Millis
    } else {
        SecondsFormat::Secs
    };
    instant.to_rfc3339_opts(precision, true)
}

/// A filter to scan the directory with, and how many users it must match.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct EvalCase {
    /// The benchmark's name within its group, such as `username_eq`.
    pub name: &'static str,
    /// The `filter=` value.
    pub text: String,
    /// Whether it needs lenient parsing (an identity provider's non-RFC shape).
    pub lenient: bool,
    /// How many of the users match, computed from [`GeneratedUser`]'s fields rather than
    /// by the evaluator.
    pub expected: usize,
}

/// The lookups identity providers make, for a full scan of `users` (not empty): equality
/// lookups of the [`NEEDLE`] user as Entra ID and Okta send them, a delta-sync
/// `meta.lastModified gt`, a substring search and a two-attribute conjunction.
pub fn eval_cases(users: &[GeneratedUser]) -> Vec<EvalCase> {
    let needle = &users[NEEDLE % users.len()];
    let count = |matches: &dyn Fn(&GeneratedUser) -> bool| {
        users.iter().filter(|user| matches(user)).count()
    };
    let manager = needle.manager.as_deref().unwrap_or("no-manager");
    let since = DateTime::parse_from_rfc3339(SINCE).expect("a valid instant");
    vec![
        EvalCase {
            name: "username_eq",
            text: format!(r#"userName eq "{}""#, needle.user_name),
            lenient: false,
            expected: count(&|user| user.user_name.eq_ignore_ascii_case(&needle.user_name)),
        },
        EvalCase {
            name: "externalid_eq",
            text: format!(r#"externalId eq "{}""#, needle.external_id),
            lenient: false,
            // `externalId` is case-exact.
            expected: count(&|user| user.external_id == needle.external_id),
        },
        EvalCase {
            name: "entra_work_email_lenient",
            text: format!(r#"emails[type eq "work"].value eq "{}""#, needle.user_name),
            lenient: true,
            expected: count(&|user| user.user_name.eq_ignore_ascii_case(&needle.user_name)),
        },
        EvalCase {
            name: "id_and_manager",
            text: format!(r#"id eq "{}" and manager eq "{manager}""#, needle.id),
            lenient: false,
            expected: count(&|user| {
                user.id == needle.id
                    && user
                        .manager
                        .as_deref()
                        .is_some_and(|id| id.eq_ignore_ascii_case(manager))
            }),
        },
        EvalCase {
            name: "lastmodified_gt",
            text: format!(r#"meta.lastModified gt "{SINCE}""#),
            lenient: false,
            expected: count(&|user| user.last_modified > since),
        },
        EvalCase {
            name: "familyname_co",
            text: r#"name.familyName co "son""#.into(),
            lenient: false,
            expected: count(&|user| user.family_name.to_lowercase().contains("son")),
        },
        EvalCase {
            name: "active_and_department",
            text: r#"active eq true and department eq "Sales""#.into(),
            lenient: false,
            expected: count(&|user| {
                user.active
                    && user
                        .department
                        .as_deref()
                        .is_some_and(|department| department.eq_ignore_ascii_case("Sales"))
            }),
        },
    ]
}

#[cfg(test)]
mod tests {
    use scimitar_filter::{Filter, ParseOptions};
    use scimitar_schema::{CompiledFilter, SchemaRegistry, ValidateOptions, matches, validate};

    use super::*;

    #[test]
    fn generation_is_deterministic() {
        let first = enterprise_users(50);
        let second = enterprise_users(50);
        for (first, second) in first.iter().zip(&second) {
            assert_eq!(first.resource, second.resource);
        }
        assert_eq!(
            first[7].resource.get_str("userName"),
            Some("user7@example.com")
        );
    }

    #[test]
    fn generated_users_are_valid() {
        let registry = SchemaRegistry::core();
        let users = registry.resource_type("User").unwrap();
        for user in enterprise_users(200) {
            let result = validate(
                &registry,
                users,
                user.resource.clone(),
                &ValidateOptions::strict(),
            );
            assert!(result.is_ok(), "user {}: {result:?}", user.index);
        }
    }

    /// The benchmark asserts the same on the full directory; here a smaller one keeps the
    /// debug-mode test fast.
    #[test]
    fn evaluator_matches_the_expected_counts() {
        let users = enterprise_users(3_000);
        let registry = SchemaRegistry::core();
        let user_type = registry.resource_type("User");
        for case in eval_cases(&users) {
            let options = ParseOptions::default().lenient(case.lenient);
            let filter = Filter::parse_with(&case.text, &options).unwrap();
            let compiled = CompiledFilter::compile(&filter, &registry, user_type).unwrap();
            let compiled_count = users
                .iter()
                .filter(|user| compiled.matches(&user.resource))
                .count();
            assert_eq!(compiled_count, case.expected, "{}", case.name);
            let plain_count = users
                .iter()
                .filter(|user| matches(&filter, &user.resource, &registry))
                .count();
            assert_eq!(plain_count, case.expected, "{}", case.name);
        }
    }

    #[test]
    fn every_case_selects_some_users_but_not_all() {
        let users = enterprise_users(3_000);
        for case in eval_cases(&users) {
            assert!(
                (1..users.len() / 2).contains(&case.expected),
                "{} matches {} users",
                case.name,
                case.expected
            );
        }
    }
}
