//! What the engine leaves to its host: the system clock, and identifiers and secrets from
//! the operating system's cryptographically secure random source.

use chrono::{DateTime, Utc};

use scimitar_engine::{Clock, IdSource};

use crate::failure::Failure;

/// The clock of the system, in UTC.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// Identifiers and secrets from the operating system's random source (`getrandom`):
/// ids are random UUIDs (version 4, RFC 9562), secrets 256 random bits in URL-safe
/// base64 without padding (43 characters).
#[derive(Clone, Copy, Debug)]
pub(crate) struct RandomIds(());

/// The length of a secret [`RandomIds`] makes: 256 bits in base64.
#[cfg(test)]
pub(crate) const SECRET_LEN: usize = 43;

impl RandomIds {
    /// The source, once the operating system has given it random bytes: it fails here,
    /// at start, rather than on a later request.
    pub(crate) fn new() -> Result<Self, Failure> {
        try_random::<1>()
            .map_err(|error| Failure::unavailable(format!("no random source: {error}")))?;
        Ok(Self(()))
    }
}

impl IdSource for RandomIds {
    fn new_id(&self) -> String {
        uuid_v4(random())
    }

    fn new_secret(&self) -> String {
        base64_url(&random::<32>())
    }
}

fn try_random<const N: usize>() -> Result<[u8; N], getrandom::Error> {
    let mut bytes = [0; N];
    getrandom::fill(&mut bytes)?;
    Ok(bytes)
}

/// `N` random bytes. The source worked when [`RandomIds::new`] checked it, and the
/// operating systems `getrandom` supports do not fail later: if one does, there is no
/// safe identifier to return, and the request fails.
fn random<const N: usize>() -> [u8; N] {
    try_random().unwrap_or_else(|error| panic!("the random source failed: {error}"))
}

/// The UUID of version 4 (random) made of `bytes`, in lower-case hex with hyphens.
fn uuid_v4(mut bytes: [u8; 16]) -> String {
    bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
    bytes[8] = (bytes[8] & 0x3f) | 0x80; // variant 10 (RFC 9562)
    let mut text = String::with_capacity(36);
    for (index, byte) in bytes.iter().enumerate() {
        if matches!(index, 4 | 6 | 8 | 10) {
            text.push('-');
        }
        text.push(HEX[usize::from(byte >> 4)] as char);
        text.push(HEX[usize::from(byte & 0x0f)] as char);
    }
    text
}

const HEX: &[u8; 16] = b"0123456789abcdef";

/// The URL-safe base64 alphabet (RFC 4648 §5).
const BASE64_URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// `bytes` in URL-safe base64 without padding.
fn base64_url(bytes: &[u8]) -> String {
    let mut text = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let group = chunk
            .iter()
            .enumerate()
            .fold(0u32, |group, (index, &byte)| {
                group | (u32::from(byte) << (16 - 8 * index))
            });
        // One byte gives two characters, two give three, three give four.
        for index in 0..=chunk.len() {
            let sextet = (group >> (18 - 6 * index)) & 0x3f;
            text.push(BASE64_URL[sextet as usize] as char);
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Whether `id` is a version 4, variant 10 UUID in lower-case hex.
    fn is_uuid_v4(id: &str) -> bool {
        let groups: Vec<&str> = id.split('-').collect();
        let lengths: Vec<usize> = groups.iter().map(|group| group.len()).collect();
        lengths == [8, 4, 4, 4, 12]
            && groups.iter().all(|group| {
                group
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
            })
            && groups[2].starts_with('4')
            && groups[3].starts_with(['8', '9', 'a', 'b'])
    }

    #[test]
    fn ids_are_uuid_v4() {
        let ids = RandomIds::new().unwrap();
        let first = ids.new_id();
        assert!(is_uuid_v4(&first), "{first}");
        assert_ne!(first, ids.new_id());
    }

    #[test]
    fn uuid_sets_version_and_variant() {
        assert_eq!(uuid_v4([0; 16]), "00000000-0000-4000-8000-000000000000");
        assert_eq!(uuid_v4([0xff; 16]), "ffffffff-ffff-4fff-bfff-ffffffffffff");
        let bytes = core::array::from_fn(|index| index as u8 * 17);
        assert_eq!(uuid_v4(bytes), "00112233-4455-4677-8899-aabbccddeeff");
    }

    #[test]
    fn secrets_are_256_bits_url_safe() {
        let ids = RandomIds::new().unwrap();
        let secret = ids.new_secret();
        assert_eq!(secret.len(), SECRET_LEN);
        assert!(
            secret
                .bytes()
                .all(|byte| byte.is_ascii_alphanumeric() || byte == b'-' || byte == b'_'),
            "{secret}"
        );
        assert_ne!(secret, ids.new_secret());
    }

    #[test]
    fn base64_url_matches_rfc_4648() {
        // RFC 4648 §10, without padding.
        let vectors = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (input, output) in vectors {
            assert_eq!(base64_url(input.as_bytes()), output, "{input:?}");
        }
        // The URL-safe letters, where standard base64 has '+' and '/'.
        assert_eq!(base64_url(&[0xfb, 0xff, 0xbf]), "-_-_");
        assert_eq!(base64_url(&[0; 32]).len(), SECRET_LEN);
    }
}
