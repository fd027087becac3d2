//! Criterion benchmarks of Scimitar's hot paths, and the corpora they measure.
//!
//! Not published. Run them with
//!
//! ```text
//! cargo bench -p scimitar-benches --bench filter_parse
//! cargo bench -p scimitar-benches --bench filter_eval
//! cargo bench -p scimitar-benches --bench user_serde
//! cargo bench -p scimitar-benches --bench patch_apply
//! cargo bench -p scimitar-benches --bench engine
//! ```
//!
//! CI runs every one of them in Criterion's quick mode, which stops each benchmark once
//! its estimate is stable, from the build `cargo bench --workspace --no-run` made:
//!
//! ```text
//! cargo bench --workspace --bench '*' -- --quick --noplot
//! ```
//!
//! - `filter_parse`: parsing throughput (bytes per second) of the lookups identity
//!   providers really send (Entra ID, Okta), the examples of RFC 7644 §3.4.2.2, and
//!   deliberately deep inputs that show how the parser scales ([`filters`],
//!   [`patch_paths`]).
//! - `filter_eval`: a full scan of a generated directory of 100,000 enterprise users with
//!   each typical lookup, in users per second ([`enterprise_users`], [`eval_cases`]).
//! - `user_serde`: reading and writing the RFC 7643 §8.3 enterprise user, typed and
//!   dynamic, in bytes per second.
//! - `patch_apply`: PATCH requests as Entra ID sends them, applied to the RFC 7643 §8.3
//!   enterprise user, and membership changes of a generated group of 100,000 members
//!   ([`large_group`], [`new_member_ids`]).
//! - `engine`: `scimitar_engine::Engine::handle` in process over a `MemoryStore` of
//!   100,000 generated users ([`enterprise_users`]), in requests per second: `GET` by id,
//!   the `userName eq` lookup, `POST`, Entra ID's six-operation `PATCH`, and `GET` of a
//!   group of 10,000 members without them; and the same over a `SqliteStore` on a
//!   temporary file (`engine_sqlite`).
//!
//! This library holds only the corpora and the generators, so benchmarks and tests share
//! them; it measures nothing itself.

mod groups;
mod users;

pub use groups::{GeneratedGroup, large_group, new_member_ids};
pub use users::{EvalCase, GeneratedUser, NEEDLE, enterprise_users, eval_cases};

/// A small deterministic pseudo-random generator, xorshift64* (Marsaglia's xorshift with
/// Vigna's multiplicative output scrambler), so generated corpora are the same on every
/// machine and every run without a `rand` dependency.
///
/// Statistically good enough to spread test data; not for anything that needs
/// unpredictability.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (a zero seed, which xorshift cannot leave, is
    /// replaced by a fixed non-zero one).
    pub fn new(seed: u64) -> Self {
        Self(if seed == 0 {
            0x9E37_79B9_7F4A_7C15
        } else {
            seed
        })
    }

    /// The next 64 pseudo-random bits.
    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// A number in `0..bound` (`bound` at least 1), by Lemire's multiply-shift: nearly
    /// uniform for the small bounds a corpus needs.
    pub fn below(&mut self, bound: u64) -> u64 {
        assert!(bound > 0, "an empty range");
        let product = u128::from(self.next_u64()) * u128::from(bound);
        u64::try_from(product >> 64).expect("below bound")
    }

    /// `true` with a probability of `percent` in 100.
    pub fn percent(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One element of `items` (not empty), uniformly.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        let len = u64::try_from(items.len()).expect("a short slice");
        &items[usize::try_from(self.below(len)).expect("an index")]
    }

    /// A random version-4 GUID in its usual lower-case text form, as identity providers
    /// and directories write object ids.
    pub fn guid(&mut self) -> String {
        let high = self.next_u64();
        let low = self.next_u64();
        format!(
            "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
            high >> 32,
            (high >> 16) & 0xffff,
            high & 0x0fff,
            0x8000 | ((low >> 48) & 0x3fff),
            low & 0xffff_ffff_ffff,
        )
    }
}

/// One input of a benchmark corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Input {
    /// The benchmark's name within its group, such as `idp_username_eq`.
    pub name: &'static str,
    /// The text to parse.
    pub text: String,
    /// Whether it needs lenient parsing (an identity provider's non-RFC shape).
    pub lenient: bool,
}

impl Input {
    /// An input that strict parsing accepts.
    pub fn strict(name: &'static str, text: impl Into<String>) -> Self {
        Self {
            name,
            text: text.into(),
            lenient: false,
        }
    }

    /// An input that only lenient parsing accepts.
    pub fn lenient(name: &'static str, text: impl Into<String>) -> Self {
        Self {
            name,
            text: text.into(),
            lenient: true,
        }
    }
}

const ENTERPRISE_USER: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/// `filter=` values (RFC 7644 §3.4.2.2), each a valid filter in its mode.
pub fn filters() -> Vec<Input> {
    vec![
        // The lookups Entra ID and Okta make before each create or update.
        Input::strict("idp_username_eq", r#"userName eq "bjensen@example.com""#),
        Input::strict(
            "idp_externalid_eq",
            r#"externalId eq "0a21f0f2-8d2a-4f8e-bf98-7d2c4b6a1a2e""#,
        ),
        Input::lenient(
            "idp_entra_email_lenient",
            r#"emails[type eq "work"].value eq "bjensen@example.com""#,
        ),
        Input::strict(
            "idp_id_and_manager",
            r#"id eq "2819c223-7f76-453a-919d-413861904646" and manager eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
        ),
        Input::strict("idp_group_displayname", r#"displayName eq "Group One""#),
        Input::lenient(
            "idp_unquoted_datetime_lenient",
            "meta.created gt 2015-10-10T14:38:21.8617979-07:00",
        ),
        // RFC 7644 §3.4.2.2.
        Input::strict("rfc_title_pr", "title pr"),
        Input::strict(
            "rfc_urn_username_sw",
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J""#,
        ),
        Input::strict(
            "rfc_precedence",
            r#"userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")"#,
        ),
        Input::strict(
            "rfc_longest_not",
            r#"userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")"#,
        ),
        Input::strict(
            "rfc_two_valuepaths",
            r#"emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]"#,
        ),
        // How the parser scales.
        Input::strict("deep_parens_30", nested_parens("title pr", 30)),
        Input::strict(
            "valuepath_8_clauses",
            r#"emails[type eq "work" and value co "@example.com" and primary eq true and display sw "B" and not (value ew ".org") and type ne "home" and value pr and display ne null]"#,
        ),
        Input::strict(
            "enterprise_urn_eq",
            format!(r#"{ENTERPRISE_USER}:employeeNumber eq "701984""#),
        ),
    ]
}

/// PATCH `path` values (RFC 7644 §3.5.2), each a valid path in strict mode.
pub fn patch_paths() -> Vec<Input> {
    vec![
        Input::strict("name_familyname", "name.familyName"),
        Input::strict("entra_email_value", r#"emails[type eq "work"].value"#),
        Input::strict(
            "members_value_eq",
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
        ),
        Input::strict(
            "enterprise_employeenumber",
            format!("{ENTERPRISE_USER}:employeeNumber"),
        ),
    ]
}

/// `inner` wrapped in `depth` pairs of parentheses.
pub fn nested_parens(inner: &str, depth: usize) -> String {
    format!("{}{inner}{}", "(".repeat(depth), ")".repeat(depth))
}

#[cfg(test)]
mod tests {
    use scimitar_filter::{Filter, ParseOptions, PatchPath};

    use super::*;

    fn options(input: &Input) -> ParseOptions {
        ParseOptions::default().lenient(input.lenient)
    }

    /// A benchmark of an error path would measure the wrong thing: every input parses in
    /// its mode, and the lenient ones need that mode.
    #[test]
    fn every_input_parses_in_its_mode_only() {
        for input in filters() {
            let parsed = Filter::parse_with(&input.text, &options(&input));
            assert!(parsed.is_ok(), "{}: {parsed:?}", input.name);
            if input.lenient {
                assert!(
                    input.text.parse::<Filter>().is_err(),
                    "{} is strict",
                    input.name
                );
            }
        }
        for input in patch_paths() {
            let parsed = PatchPath::parse_with(&input.text, &options(&input));
            assert!(parsed.is_ok(), "{}: {parsed:?}", input.name);
        }
    }

    #[test]
    fn rng_is_deterministic_and_spread() {
        let mut first = Rng::new(7);
        let mut second = Rng::new(7);
        let draws: Vec<u64> = (0..1000).map(|_| first.below(10)).collect();
        assert!(draws.iter().all(|&draw| draw == second.below(10)));
        for digit in 0..10 {
            let count = draws.iter().filter(|&&draw| draw == digit).count();
            assert!((60..140).contains(&count), "{digit} drawn {count} times");
        }
        let guid = Rng::new(0).guid();
        assert_eq!(guid.len(), 36);
        assert_eq!(guid.as_bytes()[14], b'4');
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = filters()
            .iter()
            .chain(&patch_paths())
            .map(|i| i.name)
            .collect();
        let count = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), count);
    }
}
