//! When an office can receive a citizen: appointment slots.
//!
//! Offices receive by appointment on working days (Monday to Friday, not a national holiday),
//! in half-hour slots from 08:30 to 12:30 (the last one starting at 12:00), from tomorrow to
//! [`BOOKING_HORIZON_DAYS`] ahead. Times are the office's local time, written
//! `YYYY-MM-DDTHH:MM`: an appointment is a time on the office's wall clock, not an instant.

use jiff::civil::{Date, DateTime, Weekday};

/// The first and last slot of a morning, in minutes after midnight.
const FIRST_SLOT_MINUTES: i32 = 8 * 60 + 30;
const LAST_SLOT_MINUTES: i32 = 12 * 60;
/// Slots are this long.
const SLOT_MINUTES: i32 = 30;
/// How far ahead an appointment may be booked.
pub const BOOKING_HORIZON_DAYS: i64 = 60;

/// Why a time is not a bookable slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotASlot {
    Format,
    NotAWorkingDay,
    OutsideHours,
    OutsideHorizon,
}

impl NotASlot {
    pub fn message(self) -> String {
        match self {
            Self::Format => "must be a local time, YYYY-MM-DDTHH:MM".into(),
            Self::NotAWorkingDay => {
                "falls on a weekend or a national holiday: offices are closed".into()
            }
            Self::OutsideHours => {
                "must be a half-hour slot from 08:30 to 12:00 (the office receives 08:30–12:30)"
                    .into()
            }
            Self::OutsideHorizon => {
                format!("must be from tomorrow to {BOOKING_HORIZON_DAYS} days ahead")
            }
        }
    }
}

/// `raw` as a bookable slot, seen from `today`.
pub fn slot(raw: &str, today: Date) -> Result<DateTime, NotASlot> {
    if raw.len() != 16 || raw.as_bytes()[10] != b'T' {
        return Err(NotASlot::Format);
    }
    let at: DateTime = raw.parse().map_err(|_| NotASlot::Format)?;
    let date = at.date();
    let ahead = (date - today).get_days() as i64;
    if !(1..=BOOKING_HORIZON_DAYS).contains(&ahead) {
        return Err(NotASlot::OutsideHorizon);
    }
    if !is_working_day(date) {
        return Err(NotASlot::NotAWorkingDay);
    }
    let minutes = i32::from(at.hour()) * 60 + i32::from(at.minute());
    if !(FIRST_SLOT_MINUTES..=LAST_SLOT_MINUTES).contains(&minutes)
        || (minutes - FIRST_SLOT_MINUTES) % SLOT_MINUTES != 0
    {
        return Err(NotASlot::OutsideHours);
    }
    Ok(at)
}

/// Monday to Friday, and not a national holiday.
pub fn is_working_day(date: Date) -> bool {
    !matches!(date.weekday(), Weekday::Saturday | Weekday::Sunday) && !is_holiday(date)
}

/// Italy's national holidays (L. 260/1949 and later laws): the fixed ones and Easter Monday.
pub fn is_holiday(date: Date) -> bool {
    const FIXED: &[(i8, i8)] = &[
        (1, 1),   // Capodanno
        (1, 6),   // Epifania
        (4, 25),  // Festa della Liberazione
        (5, 1),   // Festa del Lavoro
        (6, 2),   // Festa della Repubblica
        (8, 15),  // Ferragosto
        (10, 4),  // San Francesco (L. 151/2025, from 2026)
        (11, 1),  // Ognissanti
        (12, 8),  // Immacolata
        (12, 25), // Natale
        (12, 26), // Santo Stefano
    ];
    let fixed = FIXED
        .iter()
        .any(|(m, d)| date.month() == *m && date.day() == *d)
        && !(date.month() == 10 && date.year() < 2026);
    fixed || easter_sunday(date.year()).tomorrow().ok() == Some(date)
}

/// Easter Sunday of `year` (the anonymous Gregorian computus).
pub fn easter_sunday(year: i16) -> Date {
    let y = i32::from(year);
    let a = y % 19;
    let b = y / 100;
    let c = y % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    Date::new(year, month as i8, day as i8).expect("the computus gives a date in March or April")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i16, m: i8, day: i8) -> Date {
        Date::new(y, m, day).unwrap()
    }

    #[test]
    fn easter_dates() {
        // Published dates of Easter Sunday.
        assert_eq!(easter_sunday(2024), d(2024, 3, 31));
        assert_eq!(easter_sunday(2025), d(2025, 4, 20));
        assert_eq!(easter_sunday(2026), d(2026, 4, 5));
        assert_eq!(easter_sunday(2027), d(2027, 3, 28));
    }

    #[test]
    fn holidays_and_weekends_are_closed() {
        assert!(is_holiday(d(2026, 4, 6))); // Easter Monday 2026
        assert!(is_holiday(d(2026, 12, 8)));
        assert!(is_holiday(d(2026, 10, 4)));
        assert!(!is_holiday(d(2025, 10, 4)));
        assert!(!is_working_day(d(2026, 11, 28))); // a Saturday
        assert!(is_working_day(d(2026, 11, 30))); // a Monday
    }

    #[test]
    fn slots() {
        let today = d(2026, 11, 23); // a Monday
        assert!(slot("2026-11-24T08:30", today).is_ok());
        assert!(slot("2026-11-24T12:00", today).is_ok());
        assert_eq!(slot("2026-11-24T12:30", today), Err(NotASlot::OutsideHours));
        assert_eq!(slot("2026-11-24T08:00", today), Err(NotASlot::OutsideHours));
        assert_eq!(slot("2026-11-24T09:15", today), Err(NotASlot::OutsideHours));
        assert_eq!(
            slot("2026-11-23T10:00", today),
            Err(NotASlot::OutsideHorizon)
        );
        assert_eq!(
            slot("2026-11-28T10:00", today),
            Err(NotASlot::NotAWorkingDay)
        );
        assert_eq!(
            slot("2026-12-08T10:00", today),
            Err(NotASlot::NotAWorkingDay)
        );
        assert_eq!(
            slot("2027-01-22T10:00", today),
            Ok("2027-01-22T10:00".parse().unwrap())
        );
        assert_eq!(
            slot("2027-01-25T10:00", today),
            Err(NotASlot::OutsideHorizon)
        );
        assert_eq!(slot("2026-11-24 10:00", today), Err(NotASlot::Format));
        assert_eq!(slot("2026-11-24T10:00:00", today), Err(NotASlot::Format));
    }
}
