//! Italian local time, in which citizens set quiet hours and campaigns set their windows.
//!
//! Europe/Rome is CET (UTC+1), and CEST (UTC+2) from 01:00 UTC on the last Sunday of March to
//! 01:00 UTC on the last Sunday of October (Directive 2000/84/EC). The rule is written out here
//! rather than read from a time-zone database, which a component has no files to hold.

use jiff::civil::{Date, DateTime, Time};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};

/// Minutes in a day; `24:00` is a valid end of a window.
const DAY_MINUTES: u16 = 24 * 60;
/// How far ahead a window is looked for before giving up (windows always recur daily).
const MAX_DAYS_AHEAD: i32 = 3;

/// The last Sunday of a 31-day month.
fn last_sunday(year: i16, month: i8) -> Date {
    let last = Date::new(year, month, 31).expect("March and October have 31 days");
    let back = last.weekday().to_sunday_zero_offset();
    Date::new(year, month, 31 - back).expect("a day of the same month")
}

fn switch(year: i16, month: i8) -> Timestamp {
    last_sunday(year, month)
        .at(1, 0, 0, 0)
        .to_zoned(TimeZone::UTC)
        .expect("a valid UTC instant")
        .timestamp()
}

/// Italy's offset from UTC at `at`.
pub fn offset(at: Timestamp) -> Offset {
    let year = at.to_zoned(TimeZone::UTC).year();
    if at >= switch(year, 3) && at < switch(year, 10) {
        Offset::constant(2)
    } else {
        Offset::constant(1)
    }
}

/// The wall-clock time in Italy at `at`.
pub fn to_local(at: Timestamp) -> DateTime {
    at.to_zoned(TimeZone::fixed(offset(at))).datetime()
}

/// The instant a wall-clock time in Italy names. In the autumn hour that happens twice the
/// first is taken; a time skipped in spring is read with winter time (an hour later in summer
/// time), so every wall-clock time names some instant.
pub fn from_local(local: DateTime) -> Timestamp {
    for hours in [2, 1] {
        let candidate = local
            .to_zoned(TimeZone::fixed(Offset::constant(hours)))
            .expect("a representable instant")
            .timestamp();
        if offset(candidate) == Offset::constant(hours) {
            return candidate;
        }
    }
    local
        .to_zoned(TimeZone::fixed(Offset::constant(1)))
        .expect("a representable instant")
        .timestamp()
}

/// A time of day, `HH:MM`, from `00:00` to `24:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime(u16);

impl ClockTime {
    pub fn minutes(self) -> u16 {
        self.0
    }

    fn on(self, day: Date) -> Timestamp {
        let midnight = from_local(day.to_datetime(Time::midnight()));
        // Whole minutes after local midnight; on the two switch days this is off by the hour
        // that changed, which only moves a window edge on those two nights.
        midnight + SignedDuration::from_mins(i64::from(self.0))
    }
}

impl TryFrom<String> for ClockTime {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, String> {
        let bad = || format!("{raw:?} is not a time of day HH:MM from 00:00 to 24:00");
        let (h, m) = raw.split_once(':').ok_or_else(bad)?;
        if h.len() != 2 || m.len() != 2 {
            return Err(bad());
        }
        let h: u16 = h.parse().map_err(|_| bad())?;
        let m: u16 = m.parse().map_err(|_| bad())?;
        let minutes = h * 60 + m;
        if m >= 60 || minutes > DAY_MINUTES {
            return Err(bad());
        }
        Ok(Self(minutes))
    }
}

impl From<ClockTime> for String {
    fn from(t: ClockTime) -> String {
        format!("{:02}:{:02}", t.0 / 60, t.0 % 60)
    }
}

fn minute_of_day(local: DateTime) -> u16 {
    local.hour() as u16 * 60 + local.minute() as u16
}

/// Hours in which a citizen wants no e-mail, SMS or push: `from` to `to`, possibly over
/// midnight (`22:00`–`08:00`), and never the whole day (messages would never leave).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, try_from = "RawQuietHours")]
pub struct QuietHours {
    pub from: ClockTime,
    pub to: ClockTime,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuietHours {
    from: ClockTime,
    to: ClockTime,
}

impl TryFrom<RawQuietHours> for QuietHours {
    type Error = String;

    fn try_from(raw: RawQuietHours) -> Result<Self, String> {
        if raw.from.minutes() % DAY_MINUTES == raw.to.minutes() % DAY_MINUTES {
            return Err(
                "quiet hours must end at another time than they start, and not last the whole day"
                    .into(),
            );
        }
        Ok(Self {
            from: raw.from,
            to: raw.to,
        })
    }
}

impl QuietHours {
    /// When the quiet hours around `at` end; none when `at` is not in them.
    pub fn end_after(&self, at: Timestamp) -> Option<Timestamp> {
        let local = to_local(at);
        let now = minute_of_day(local);
        let (from, to) = (self.from.minutes(), self.to.minutes());
        let inside = if from <= to {
            from <= now && now < to
        } else {
            now >= from || now < to
        };
        if !inside {
            return None;
        }
        let day = if to <= now {
            local.date().tomorrow().ok()?
        } else {
            local.date()
        };
        Some(self.to.on(day))
    }
}

/// A daily sending window, `from` before `to`, in Italian time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Window {
    pub from: ClockTime,
    pub to: ClockTime,
}

/// A campaign's daily windows: non-empty, each `from` < `to`, in order and not overlapping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Window>", into = "Vec<Window>")]
pub struct Windows(Vec<Window>);

impl TryFrom<Vec<Window>> for Windows {
    type Error = String;

    fn try_from(windows: Vec<Window>) -> Result<Self, String> {
        if windows.is_empty() {
            return Err("name at least one window".into());
        }
        for w in &windows {
            if w.from >= w.to {
                return Err("each window must start before it ends".into());
            }
        }
        for pair in windows.windows(2) {
            if pair[1].from < pair[0].to {
                return Err("windows must be in order and must not overlap".into());
            }
        }
        Ok(Self(windows))
    }
}

impl From<Windows> for Vec<Window> {
    fn from(w: Windows) -> Self {
        w.0
    }
}

impl Windows {
    /// `at` if it falls in a window, otherwise the start of the next window.
    pub fn next_open(&self, at: Timestamp) -> Timestamp {
        self.advance(at, SignedDuration::ZERO)
    }

    /// The instant reached by spending `sending` of window time from `start`: sending paced at
    /// a rate only runs while a window is open, and resumes at the next one.
    pub fn advance(&self, start: Timestamp, sending: SignedDuration) -> Timestamp {
        let mut left = sending;
        let mut day = to_local(start).date();
        let daily: i64 = self
            .0
            .iter()
            .map(|w| i64::from(w.to.minutes() - w.from.minutes()))
            .sum();
        let days = MAX_DAYS_AHEAD as i64 + sending.as_mins() / daily.max(1);
        for _ in 0..=days {
            for w in &self.0 {
                let open = w.from.on(day).max(start);
                let close = w.to.on(day);
                if open >= close {
                    continue;
                }
                let span = close.duration_since(open);
                if left < span {
                    return open + left;
                }
                left -= span;
            }
            day = match day.tomorrow() {
                Ok(d) => d,
                Err(_) => break,
            };
        }
        start + sending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn t(s: &str) -> ClockTime {
        ClockTime::try_from(s.to_string()).unwrap()
    }

    #[test]
    fn summer_time_follows_the_eu_rule() {
        // 2026: last Sundays are 29 March and 25 October.
        let cases = [
            ("2026-03-29T00:59:59Z", 1),
            ("2026-03-29T01:00:00Z", 2),
            ("2026-07-01T12:00:00Z", 2),
            ("2026-10-25T00:59:59Z", 2),
            ("2026-10-25T01:00:00Z", 1),
            ("2026-12-31T23:30:00Z", 1),
        ];
        for (at, hours) in cases {
            assert_eq!(offset(ts(at)), Offset::constant(hours), "{at}");
        }
        assert_eq!(
            to_local(ts("2026-07-01T08:00:00Z")).to_string(),
            "2026-07-01T10:00:00"
        );
        assert_eq!(
            from_local("2026-01-15T10:00:00".parse().unwrap()),
            ts("2026-01-15T09:00:00Z")
        );
    }

    #[test]
    fn clock_times_are_checked() {
        assert_eq!(t("24:00").minutes(), 1440);
        for bad in ["24:01", "9:00", "10:60", "ab:cd", "1000"] {
            assert!(ClockTime::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn quiet_hours_over_midnight() {
        let quiet = QuietHours {
            from: t("22:00"),
            to: t("08:00"),
        };
        // 23:30 in Rome (winter) ends at 08:00 the next morning, 07:00 UTC.
        assert_eq!(
            quiet.end_after(ts("2026-01-15T22:30:00Z")),
            Some(ts("2026-01-16T07:00:00Z"))
        );
        // 06:00 in Rome ends the same morning.
        assert_eq!(
            quiet.end_after(ts("2026-01-16T05:00:00Z")),
            Some(ts("2026-01-16T07:00:00Z"))
        );
        // 12:00 in Rome is not quiet.
        assert_eq!(quiet.end_after(ts("2026-01-16T11:00:00Z")), None);
        // Quiet hours that never end are refused.
        for (from, to) in [("00:00", "24:00"), ("09:00", "09:00")] {
            let raw = serde_json::json!({ "from": from, "to": to });
            assert!(
                serde_json::from_value::<QuietHours>(raw).is_err(),
                "{from}-{to}"
            );
        }
    }

    #[test]
    fn windows_pace_sending() {
        // Seed 000's windows: 10-12 and 16-18, Italian time (winter: UTC+1).
        let windows = Windows::try_from(vec![
            Window {
                from: t("10:00"),
                to: t("12:00"),
            },
            Window {
                from: t("16:00"),
                to: t("18:00"),
            },
        ])
        .unwrap();
        let start = ts("2026-01-15T07:00:00Z"); // 08:00 in Rome
        assert_eq!(windows.next_open(start), ts("2026-01-15T09:00:00Z"));
        // 3 hours of sending: 10-12, then 16-17.
        assert_eq!(
            windows.advance(start, SignedDuration::from_hours(3)),
            ts("2026-01-15T16:00:00Z")
        );
        // 5 hours: 10-12, 16-18, then 10-11 the next day.
        assert_eq!(
            windows.advance(start, SignedDuration::from_hours(5)),
            ts("2026-01-16T10:00:00Z")
        );
        // Inside a window, sending starts at once.
        assert_eq!(
            windows.next_open(ts("2026-01-15T10:30:00Z")),
            ts("2026-01-15T10:30:00Z")
        );
        // After the last window of the day: the next morning.
        assert_eq!(
            windows.next_open(ts("2026-01-15T17:30:00Z")),
            ts("2026-01-16T09:00:00Z")
        );
    }

    #[test]
    fn windows_are_checked() {
        let w = |a, b| Window {
            from: t(a),
            to: t(b),
        };
        assert!(Windows::try_from(vec![]).is_err());
        assert!(Windows::try_from(vec![w("12:00", "10:00")]).is_err());
        assert!(Windows::try_from(vec![w("10:00", "12:00"), w("11:00", "13:00")]).is_err());
        assert!(Windows::try_from(vec![w("00:00", "24:00")]).is_ok());
    }
}
