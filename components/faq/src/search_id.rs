//! Search ids that cannot be forged: a search is anonymous and read-only, so recording each one
//! would cost a durable write per anonymous request; instead the id carries its own proof.
//!
//! A search id is `srch_<time><random>_<mac>`: the sortable id [`welfare_guest::ids::new_id`]
//! gives (10 characters of milliseconds, 16 of randomness), then `_` and 32 lowercase hex
//! digits, the first 128 bits of HMAC-SHA256 keyed with the deployment's secret over
//! everything before that `_`. Changing the time or the random part, or signing with another
//! deployment's secret, gives an id that [`SearchKey::verify`] refuses; the tag is compared in
//! constant time.
//!
//! The secret is the configuration key `search_id_secret` (the gateway's
//! `[component_config.faq]`, the Spin variable `faq_search_id_secret`), at least
//! [`MIN_SECRET_CHARS`] characters. Without one the component signs nothing: a search answers
//! `search_id: null`, and a vote or a question naming a search id is refused, since no id
//! can be checked. (The gateway provides a per-deployment random secret when none is
//! configured; see the README, "Configuration".)

use hmac::{Hmac, Mac};
use sha2::Sha256;
use welfare_guest::bindings::welfare::platform::config;

pub const SEARCH_ID_PREFIX: &str = "srch";
/// Shortest secret accepted: 32 characters (such as 32 bytes of randomness in base64, or 16
/// in hex at the very least) keep an HMAC key beyond guessing; a shorter one is a
/// misconfiguration, and the component then signs nothing rather than sign weakly.
pub const MIN_SECRET_CHARS: usize = 32;
/// Bytes of the HMAC-SHA256 tag kept in an id: 128 bits, beyond forging by trial, and 32 hex
/// digits in the id.
const TAG_BYTES: usize = 16;
/// The id before its tag: the prefix, `_`, and 26 characters of time and randomness.
const BODY_CHARS: usize = SEARCH_ID_PREFIX.len() + 1 + 26;

type HmacSha256 = Hmac<Sha256>;

/// The deployment's signing key; only [`SearchKey::configured`] makes one.
pub struct SearchKey {
    secret: Vec<u8>,
}

/// A search id that [`SearchKey::verify`] checked: this deployment gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchId(String);

impl SearchKey {
    /// The key from the configuration; none when it is unset or shorter than
    /// [`MIN_SECRET_CHARS`].
    pub fn configured() -> Option<Self> {
        // Written out, as tests/spin reads the keys the domains read from these calls.
        config::get("search_id_secret")
            .ok()
            .flatten()
            .and_then(|s| Self::from_secret(&s))
    }

    fn from_secret(secret: &str) -> Option<Self> {
        (secret.chars().count() >= MIN_SECRET_CHARS).then(|| Self {
            secret: secret.as_bytes().to_vec(),
        })
    }

    fn mac(&self, body: &str) -> HmacSha256 {
        let mut mac = HmacSha256::new_from_slice(&self.secret).expect("HMAC takes any key length");
        mac.update(body.as_bytes());
        mac
    }

    /// A new id for a search made now.
    pub fn issue(&self) -> SearchId {
        self.sign(&welfare_guest::ids::new_id(SEARCH_ID_PREFIX))
    }

    fn sign(&self, body: &str) -> SearchId {
        let tag = self.mac(body).finalize().into_bytes();
        let mut id = String::with_capacity(body.len() + 1 + 2 * TAG_BYTES);
        id.push_str(body);
        id.push('_');
        for b in &tag[..TAG_BYTES] {
            id.push_str(&format!("{b:02x}"));
        }
        SearchId(id)
    }

    /// The id, when `raw` is one this deployment signed; none for anything else (junk, a
    /// changed time or random part, another deployment's id).
    pub fn verify(&self, raw: &str) -> Option<SearchId> {
        let (body, hex) = (
            raw.get(..BODY_CHARS)?,
            raw.get(BODY_CHARS..)?.strip_prefix('_')?,
        );
        if !welfare_guest::ids::is_id(body, SEARCH_ID_PREFIX) {
            return None;
        }
        let tag = parse_hex(hex)?;
        self.mac(body).verify_truncated_left(&tag).ok()?;
        Some(SearchId(raw.to_string()))
    }
}

/// Exactly `2 × TAG_BYTES` lowercase hex digits (one spelling per tag, so one search has one
/// id and one record).
fn parse_hex(hex: &str) -> Option<[u8; TAG_BYTES]> {
    let digits = hex.as_bytes();
    if digits.len() != 2 * TAG_BYTES {
        return None;
    }
    let value = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    let mut tag = [0u8; TAG_BYTES];
    for (i, byte) in tag.iter_mut().enumerate() {
        *byte = (value(digits[2 * i])? << 4) | value(digits[2 * i + 1])?;
    }
    Some(tag)
}

impl SearchId {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// When the search was made, in milliseconds since the Unix epoch.
    pub fn created_millis(&self) -> u64 {
        welfare_guest::ids::created_millis(&self.0[..BODY_CHARS], SEARCH_ID_PREFIX)
            .expect("a verified id has the shape")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef0123456789abcdef";

    fn key(secret: &str) -> SearchKey {
        SearchKey::from_secret(secret).unwrap()
    }

    #[test]
    fn a_signed_id_verifies_and_keeps_its_time() {
        let k = key(SECRET);
        let millis = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_millis() as u64
        };
        let before = millis();
        let id = k.issue();
        let after = millis();
        assert_eq!(id.as_str().len(), BODY_CHARS + 1 + 32, "{}", id.as_str());
        assert_eq!(k.verify(id.as_str()), Some(id.clone()));
        // The id carries the time it was issued at: between the clock's readings around it.
        assert!(
            (before..=after).contains(&id.created_millis()),
            "{before} {after}"
        );
    }

    #[test]
    fn the_tag_is_hmac_sha256_over_the_body() {
        // Worked out with `printf %s srch_00000000000000000000000000 | openssl dgst -sha256
        // -hmac 0123456789abcdef0123456789abcdef`: its first 32 hex digits.
        let k = key(SECRET);
        let id = k.sign("srch_00000000000000000000000000");
        assert_eq!(
            id.as_str(),
            "srch_00000000000000000000000000_0be82ce4ff6307916cc6ca630e61d85c"
        );
    }

    #[test]
    fn anything_else_is_refused() {
        let k = key(SECRET);
        let id = k.issue().0;
        let other = key("another deployment's secret, 32+ chars").issue().0;
        let swap = |at: usize| {
            let mut b = id.clone().into_bytes();
            b[at] = if b[at] == b'0' { b'1' } else { b'0' };
            String::from_utf8(b).unwrap()
        };
        let upper = format!("{}{}", &id[..BODY_CHARS], id[BODY_CHARS..].to_uppercase());
        for (what, raw) in [
            ("another deployment's", other.as_str()),
            ("time changed", swap(6).as_str()),
            ("random part changed", swap(BODY_CHARS - 1).as_str()),
            ("tag changed", swap(id.len() - 1).as_str()),
            ("tag in upper case", upper.as_str()),
            ("tag cut short", &id[..id.len() - 2]),
            ("no tag", &id[..BODY_CHARS]),
            ("junk", "srch_forged"),
            ("empty", ""),
            ("multibyte", "srch_èèèèèèèèèèèèèèèèèèèèèèèèèè_00"),
        ] {
            assert_eq!(k.verify(raw), None, "{what}: {raw}");
        }
    }

    #[test]
    fn short_secrets_are_not_keys() {
        assert!(SearchKey::from_secret(&"x".repeat(MIN_SECRET_CHARS - 1)).is_none());
        assert!(SearchKey::from_secret(&"x".repeat(MIN_SECRET_CHARS)).is_some());
    }
}
