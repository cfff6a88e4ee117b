//! The wall clock the store stamps its rows with, injectable so that a test can move time on
//! (a delegation lapsing, a rate window rolling over, an idempotency record ageing out) without
//! waiting for it.
//!
//! Every reading of "now" in the host's stateful code goes through the [`Db`](crate::Db) that
//! owns the rows: one clock per database, so the writer, the gate and the dispatcher agree on
//! what time it is. A caller reads it once per operation ([`Now`]) and passes that instant down,
//! so one request's checks and its rows carry the same time.

use std::sync::Mutex;
use std::time::Duration;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;

/// A source of the current time.
pub trait WallClock: Send + Sync + 'static {
    fn now(&self) -> Now;
}

/// One reading of the clock, in the units the store's columns use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Now(Timestamp);

impl Now {
    pub fn at(timestamp: Timestamp) -> Self {
        Self(timestamp)
    }

    pub fn timestamp(self) -> Timestamp {
        self.0
    }

    /// Milliseconds since the Unix epoch: the unit of the scheduling and expiry columns.
    pub fn ms(self) -> i64 {
        self.0.as_millisecond()
    }

    /// RFC 3339 in UTC, for the `*_at` text columns and the WIT `*-at` fields.
    pub fn rfc3339(self) -> String {
        self.0.to_string()
    }

    /// The UTC calendar day: the platform's day.
    pub fn date(self) -> Date {
        self.0.to_zoned(TimeZone::UTC).date()
    }
}

/// The operating system's clock: what production runs on.
#[derive(Debug, Default, Clone, Copy)]
pub struct System;

impl WallClock for System {
    fn now(&self) -> Now {
        Now(Timestamp::now())
    }
}

/// A clock that only moves when told: for tests of what happens when time passes.
#[derive(Debug)]
pub struct Manual(Mutex<Timestamp>);

impl Manual {
    pub fn at(start: Timestamp) -> Self {
        Self(Mutex::new(start))
    }

    /// Moves the clock forward by `by`.
    pub fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap_or_else(|e| e.into_inner());
        *now = *now + by;
    }
}

impl WallClock for Manual {
    fn now(&self) -> Now {
        Now(*self.0.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_reads_in_the_columns_units_and_moves_only_when_told() {
        let clock = Manual::at("2026-02-28T23:59:59.500Z".parse().unwrap());
        let before = clock.now();
        assert_eq!(before.date().to_string(), "2026-02-28");
        clock.advance(Duration::from_millis(500));
        let now = clock.now();
        // 2026-03-01T00:00:00Z: 56 years from 1970 with 14 leap days (1972..=2024) is
        // 56*365+14 = 20,454 days, plus January's 31 and February's 28 = 20,513 days;
        // 20,513 * 86,400,000 ms = 1,772,323,200,000 ms.
        assert_eq!(now.ms(), 1_772_323_200_000);
        assert_eq!(now.rfc3339(), "2026-03-01T00:00:00Z");
        assert_eq!(now.date().to_string(), "2026-03-01");
        assert_eq!(clock.now(), now, "it does not move by itself");
        assert!(before < now);
    }
}
