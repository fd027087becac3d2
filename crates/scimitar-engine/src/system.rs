//! The operating system's clock and random source, for hosts that need nothing else: the
//! engine itself never reads either, it is handed these (or a test's) as a [`Clock`] and
//! an [`IdSource`].

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, Utc};

use crate::env::{Clock, IdSource};

/// The system's clock, in UTC.
#[cfg_attr(docsrs, doc(cfg(feature = "system")))]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Identifiers and secrets from the operating system's cryptographically secure random
/// source (`getrandom`).
///
/// - Ids ([`IdSource::new_id`]) are UUIDs of version 7 (RFC 9562 §5.7) in lower-case
///   hex with hyphens: 48 bits of Unix time in milliseconds, then 74 random bits. They
///   are time-ordered, so new rows land at the end of the B-tree indexes of SQLite and
///   PostgreSQL, next to each other, instead of on a random page each; the time they
///   carry is the one `meta.created` already shows to whoever can read the resource.
///   (Version 4 would reveal nothing, but the creation time is not a secret here, and
///   74 random bits keep ids unguessable as well as unique.)
/// - Secrets ([`IdSource::new_secret`]) are 256 random bits in URL-safe base64 without
///   padding (RFC 4648 §5): 43 characters.
///
/// [`UuidIds::new`] checks the random source, so that a host without one fails when it
/// starts rather than on a request.
///
/// ```
/// use scimitar_engine::{IdSource, UuidIds};
///
/// let ids = UuidIds::new()?;
/// assert_eq!(ids.new_id().len(), 36);
/// assert_eq!(ids.new_secret().len(), 43);
/// # Ok::<(), scimitar_engine::RandomSourceError>(())
/// ```
#[cfg_attr(docsrs, doc(cfg(feature = "system")))]
#[derive(Clone, Copy, Debug)]
pub struct UuidIds(());

/// The length of a secret [`UuidIds`] makes: 256 bits in base64.
#[cfg(test)]
const SECRET_LEN: usize = 43;

/// The operating system gave no random bytes.
#[cfg_attr(docsrs, doc(cfg(feature = "system")))]
#[derive(Clone, Debug, thiserror::Error)]
#[error("the operating system's random source failed: {0}")]
pub struct RandomSourceError(getrandom::Error);

impl UuidIds {
    /// The source, once the operating system has given it random bytes.
    pub fn new() -> Result<Self, RandomSourceError> {
        try_random::<1>().map_err(RandomSourceError)?;
        Ok(Self(()))
    }
}

impl IdSource for UuidIds {
    /// A UUID of version 7.
    ///
    /// # Panics
    ///
    /// If the random source, which worked when [`UuidIds::new`] checked it, fails now
    /// (the systems `getrandom` supports do not): there is no safe id to return.
    fn new_id(&self) -> String {
        uuid_v7(unix_millis(SystemTime::now()), &random())
    }

    /// 256 random bits in URL-safe base64 without padding.
    ///
    /// # Panics
    ///
    /// As [`new_id`](Self::new_id) does.
    fn new_secret(&self) -> String {
        URL_SAFE_NO_PAD.encode(random::<32>())
    }
}

fn try_random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// `N` random bytes; see [`UuidIds::new_id`] for why a failure panics.
fn random<const N: usize>() -> [u8; N] {
    try_random().unwrap_or_else(|error| panic!("the random source failed: {error}"))
}

/// Milliseconds since the Unix epoch; 0 for a clock set before it.
fn unix_millis(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |since| {
        u64::try_from(since.as_millis()).unwrap_or(u64::MAX)
    })
}

/// The version 7 UUID of `millis` and `random` (whose version and variant bits are
/// replaced), hyphenated.
fn uuid_v7(millis: u64, random: &[u8; 10]) -> String {
    // The `uuid` crate sets the layout; the bytes come from the source checked at start
    // rather than from its own generator.
    uuid::Builder::from_unix_timestamp_millis(millis, random)
        .into_uuid()
        .hyphenated()
        .to_string()
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    /// Whether `id` is a version 7, variant 10 UUID in lower-case hex.
    fn is_uuid_v7(id: &str) -> bool {
        let groups: Vec<&str> = id.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
        lengths == [8, 4, 4, 4, 12]
            && groups.iter().all(|group| {
                group
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
            })
            && groups[2].starts_with('7')
            && groups[3].starts_with(['8', '9', 'a', 'b'])
    }

    #[test]
    fn ids_are_uuid_v7() {
        let ids = UuidIds::new().unwrap();
        let first = ids.new_id();
        assert!(is_uuid_v7(&first), "{first}");
        let second = ids.new_id();
        assert!(is_uuid_v7(&second), "{second}");
        assert_ne!(first, second);
        let parsed = uuid::Uuid::parse_str(&first).unwrap();
        assert_eq!(parsed.get_version_num(), 7);
    }

    #[test]
    fn uuids_carry_the_time_first() {
        let random = [0xff; 10];
        assert_eq!(uuid_v7(0, &[0; 10]), "00000000-0000-7000-8000-000000000000");
        assert_eq!(uuid_v7(0, &random), "00000000-0000-7fff-bfff-ffffffffffff");
        // 2026-01-01T00:00:00Z is 1767225600000 ms = 0x019b76da_a800.
        assert!(uuid_v7(1_767_225_600_000, &random).starts_with("019b76da-a800-7"));
        // Later times sort later, whatever the random bits.
        assert!(uuid_v7(1_767_225_600_000, &random) < uuid_v7(1_767_225_600_001, &[0; 10]));
    }

    #[test]
    fn clocks_before_the_epoch_give_zero() {
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(unix_millis(before), 0);
        assert_eq!(unix_millis(UNIX_EPOCH + Duration::from_millis(1500)), 1500);
    }

    #[test]
    fn secrets_are_256_bits_url_safe() {
        let ids = UuidIds::new().unwrap();
        let secret = ids.new_secret();
        assert_eq!(secret.len(), SECRET_LEN);
        assert!(
            secret
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'),
            "{secret}"
        );
        assert_eq!(URL_SAFE_NO_PAD.decode(&secret).unwrap().len(), 32);
        assert_ne!(secret, ids.new_secret());
    }

    #[test]
    fn the_encoding_is_rfc_4648_url_safe() {
        // RFC 4648 §10, without padding.
        assert_eq!(URL_SAFE_NO_PAD.encode("foobar"), "Zm9vYmFy");
        assert_eq!(URL_SAFE_NO_PAD.encode("fo"), "Zm8");
        // The URL-safe letters, where standard base64 has '+' and '/'.
        assert_eq!(URL_SAFE_NO_PAD.encode([0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(URL_SAFE_NO_PAD.encode([0; 32]).len(), SECRET_LEN);
    }

    #[test]
    fn the_system_clock_is_near_the_system_time() {
        // Within a day, so that a clock stepped by NTP between the readings passes.
        let system = i64::try_from(unix_millis(SystemTime::now())).unwrap();
        let now = SystemClock.now().timestamp_millis();
        assert!((now - system).abs() < 24 * 3600 * 1000, "{now} {system}");
    }

    #[test]
    fn random_source_errors_say_what_failed() {
        let error = RandomSourceError(getrandom::Error::UNSUPPORTED);
        assert!(
            error
                .to_string()
                .starts_with("the operating system's random source failed: "),
            "{error}"
        );
    }
}
