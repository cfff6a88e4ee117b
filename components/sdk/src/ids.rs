//! Identifiers: a prefix naming the kind, then a time-ordered random part (like ULID), so ids
//! sort by creation time in store listings and cannot be guessed.

use std::time::{SystemTime, UNIX_EPOCH};

const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new id such as `app_01j9z...`: 10 characters of milliseconds, 16 of randomness (80 bits).
pub fn new_id(prefix: &str) -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default();
    let mut random = [0u8; 10];
    fill_random(&mut random);
    let mut out = String::with_capacity(prefix.len() + 27);
    out.push_str(prefix);
    out.push('_');
    for i in (0..10).rev() {
        out.push(CROCKFORD[((millis >> (i * 5)) & 31) as usize] as char);
    }
    let bits = random.iter().fold(0u128, |acc, b| (acc << 8) | *b as u128);
    for i in (0..16).rev() {
        out.push(CROCKFORD[((bits >> (i * 5)) & 31) as usize] as char);
    }
    out
}

/// True when `id` has the shape [`new_id`] gives for `prefix` (used to reject junk path ids).
pub fn is_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix)
        .and_then(|rest| rest.strip_prefix('_'))
        .is_some_and(|rest| rest.len() == 26 && rest.bytes().all(|b| CROCKFORD.contains(&b)))
}

/// When an id of kind `prefix` was made (milliseconds since the Unix epoch), read back from
/// its first ten characters; none when `id` is not such an id.
pub fn created_millis(id: &str, prefix: &str) -> Option<u64> {
    if !is_id(id, prefix) {
        return None;
    }
    let time = &id[prefix.len() + 1..prefix.len() + 11];
    Some(time.bytes().fold(0u64, |acc, b| {
        let digit = CROCKFORD.iter().position(|c| *c == b).unwrap_or(0) as u64;
        (acc << 5) | digit
    }))
}

/// `count` random decimal digits (for identifiers whose format is fixed by another system, such
/// as a pagoPA notice number's IUV). Unbiased: bytes of 250 or more are drawn again.
pub fn random_digits(count: usize) -> String {
    let mut out = String::with_capacity(count);
    let mut buf = [0u8; 16];
    while out.len() < count {
        fill_random(&mut buf);
        for b in buf.iter().filter(|b| **b < 250) {
            if out.len() == count {
                break;
            }
            out.push((b'0' + b % 10) as char);
        }
    }
    out
}

/// Random bytes from std's `RandomState`: SipHash keyed with 128 bits the WASI host draws from
/// its secure random source, over a per-call counter. A keyed PRF is unpredictable without the
/// key, which is all an id needs, and it keeps the world free of extra WASI imports.
fn fill_random(buf: &mut [u8]) {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    for chunk in buf.chunks_mut(8) {
        let word = state.hash_one(chunk.as_ptr() as usize).to_le_bytes();
        chunk.copy_from_slice(&word[..chunk.len()]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_have_their_shape() {
        let id = new_id("app");
        assert!(is_id(&id, "app"), "{id}");
        assert!(!is_id(&id, "doc"));
        assert!(!is_id("app_../../etc", "app"));
    }

    #[test]
    fn ids_tell_when_they_were_made() {
        let before = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis() as u64;
        let id = new_id("srch");
        let made = created_millis(&id, "srch").unwrap();
        assert!(
            made >= before && made < before + 60_000,
            "{made} vs {before}"
        );
        assert_eq!(created_millis("srch_junk", "srch"), None);
    }

    #[test]
    fn random_digits_are_digits() {
        let d = random_digits(13);
        assert_eq!(d.len(), 13);
        assert!(d.bytes().all(|b| b.is_ascii_digit()));
        assert_ne!(random_digits(13), random_digits(13));
    }
}
