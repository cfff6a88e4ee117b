//! Budgets for traffic that names no caller: the writes of anonymous callers (knowledge-base
//! votes) and the log lines of refused, unauthenticated requests.
//!
//! Authenticated callers have a limit each ([`crate::rate`], counted in the database so that it
//! holds on every replica). Anonymous callers cannot be told apart, so they share one budget,
//! kept in memory: its purpose is to protect this replica's single store writer and its log,
//! not to be exact across replicas.

use std::borrow::Cow;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Log lines a second about unauthenticated refusals; the rest are only counted in the
/// metrics. Enough to see an attack begin, too few for one to fill a disk.
pub const REFUSAL_LOG_LINES_PER_SECOND: u32 = 5;
/// Unauthenticated refusals logged at once before the per-second budget applies.
pub const REFUSAL_LOG_BURST: u32 = 20;

/// A token bucket: `rate` tokens a second, at most `burst` saved up.
pub struct Bucket {
    rate: f64,
    burst: f64,
    /// Tokens left and when they were counted.
    state: Mutex<(f64, Instant)>,
}

impl Bucket {
    /// A bucket that starts full; a `rate` of 0 never runs out.
    pub fn new(rate: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            rate: f64::from(rate),
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes one token, or says how long until the next one.
    pub fn take(&self) -> Result<(), Duration> {
        if self.rate == 0.0 {
            return Ok(());
        }
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let (tokens, since) = *state;
        let tokens = (tokens + now.duration_since(since).as_secs_f64() * self.rate).min(self.burst);
        if tokens >= 1.0 {
            *state = (tokens - 1.0, now);
            Ok(())
        } else {
            *state = (tokens, now);
            Err(Duration::from_secs_f64((1.0 - tokens) / self.rate))
        }
    }
}

/// Cuts `text` to at most `max` bytes on a character boundary, marking the cut with `…`, so
/// that what a client sent can be stored or logged at a bounded size. Borrowed when it fits,
/// so the request span of every request allocates nothing for it.
pub fn bounded(text: &str, max: usize) -> Cow<'_, str> {
    if text.len() <= max {
        return Cow::Borrowed(text);
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    Cow::Owned(format!("{}…", &text[..end]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bucket_spends_its_burst_then_its_rate() {
        let bucket = Bucket::new(1, 3);
        for _ in 0..3 {
            assert!(bucket.take().is_ok());
        }
        let wait = bucket.take().unwrap_err();
        // One token a second, none left: the next one is at most a second away.
        assert!(wait <= Duration::from_secs(1), "{wait:?}");
        assert!(Bucket::new(0, 0).take().is_ok(), "a rate of 0 is unlimited");
    }

    #[test]
    fn bounded_cuts_on_a_character() {
        assert_eq!(bounded("abc", 3), "abc");
        // "àbcdef" is 7 bytes; 6 leave 3 for the text after the 3-byte '…': "à" + "b".
        assert_eq!(bounded("àbcdef", 6), "àb…");
        assert!(bounded(&"x".repeat(30_000), 512).len() <= 512);
    }
}
