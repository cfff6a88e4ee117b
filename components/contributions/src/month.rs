//! A calendar month (`YYYY-MM`), the period of declarations and statements, and the calendar
//! rules contributions follow: contribution weeks end on Saturdays, monthly contributions fall
//! due on a set day of the following month.

use std::fmt;

use jiff::civil::{Date, Weekday};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A month of a year from 1900 to 2199, as `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    year: i16,
    month: i8,
}

impl Month {
    pub fn new(year: i16, month: i8) -> Option<Self> {
        ((1900..=2199).contains(&year) && (1..=12).contains(&month)).then_some(Self { year, month })
    }

    pub fn parse(raw: &str) -> Option<Self> {
        let (y, m) = raw.split_once('-')?;
        if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
            return None;
        }
        Self::new(y.parse().ok()?, m.parse().ok()?)
    }

    pub fn of(date: Date) -> Self {
        Self {
            year: date.year(),
            month: date.month(),
        }
    }

    pub fn year(self) -> i16 {
        self.year
    }

    /// 1 to 12.
    pub fn number(self) -> i8 {
        self.month
    }

    /// 1 to 4.
    pub fn quarter(self) -> usize {
        (self.month as usize - 1) / 3 + 1
    }

    pub fn first_day(self) -> Date {
        Date::new(self.year, self.month, 1).expect("a valid month")
    }

    pub fn last_day(self) -> Date {
        self.first_day().last_of_month()
    }

    pub fn next(self) -> Self {
        if self.month == 12 {
            Self {
                year: self.year + 1,
                month: 1,
            }
        } else {
            Self {
                year: self.year,
                month: self.month + 1,
            }
        }
    }

    /// The month `n` months before this one; `None` before 1900.
    pub fn back(self, n: u32) -> Option<Self> {
        let index = i64::from(self.year) * 12 + i64::from(self.month) - 1 - i64::from(n);
        let year = i16::try_from(index.div_euclid(12)).ok()?;
        Self::new(year, index.rem_euclid(12) as i8 + 1)
    }

    /// `day` of this month, or its last day when the month is shorter.
    pub fn day(self, day: i8) -> Date {
        let last = self.last_day();
        Date::new(self.year, self.month, day.min(last.day())).expect("a valid day")
    }

    /// Contribution weeks run Sunday to Saturday and count in the month of their Saturday: the
    /// weeks a full month of work pays.
    pub fn saturdays(self) -> u32 {
        let first = self.first_day();
        let offset = (Weekday::Saturday.to_sunday_zero_offset()
            - first.weekday().to_sunday_zero_offset()
            + 7)
            % 7;
        let first_saturday = first.day() + offset;
        ((self.last_day().day() - first_saturday) / 7 + 1) as u32
    }
}

impl fmt::Display for Month {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

impl Serialize for Month {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Month {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Month::parse(&raw).ok_or_else(|| serde::de::Error::custom("a month is YYYY-MM"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months() {
        assert_eq!(Month::parse("2026-03").unwrap().to_string(), "2026-03");
        assert!(Month::parse("2026-13").is_none());
        assert!(Month::parse("2026-3").is_none());
        assert!(Month::parse("26-03").is_none());
        assert_eq!(
            Month::parse("2025-12").unwrap().next().to_string(),
            "2026-01"
        );
        assert_eq!(
            Month::parse("2026-02").unwrap().day(31).to_string(),
            "2026-02-28"
        );
        assert_eq!(Month::parse("2026-11").unwrap().quarter(), 4);
        let may = Month::parse("2026-05").unwrap();
        for (n, expected) in [
            (0, Some("2026-05")),
            (4, Some("2026-01")),
            (5, Some("2025-12")),
            (36, Some("2023-05")),
            (1516, Some("1900-01")),
            (1517, None),
        ] {
            assert_eq!(
                may.back(n).map(|m| m.to_string()).as_deref(),
                expected,
                "{n}"
            );
        }
    }

    #[test]
    fn saturdays_by_hand() {
        // May 2026 starts on a Friday: Saturdays 2, 9, 16, 23, 30.
        assert_eq!(Month::parse("2026-05").unwrap().saturdays(), 5);
        // February 2026 starts on a Sunday: Saturdays 7, 14, 21, 28.
        assert_eq!(Month::parse("2026-02").unwrap().saturdays(), 4);
        // January 2026 starts on a Thursday: Saturdays 3, 10, 17, 24, 31.
        assert_eq!(Month::parse("2026-01").unwrap().saturdays(), 5);
        // November 2025 starts on a Saturday: 1, 8, 15, 22, 29.
        assert_eq!(Month::parse("2025-11").unwrap().saturdays(), 5);
    }
}
