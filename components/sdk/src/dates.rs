//! Calendar arithmetic the rules share.

use jiff::civil::Date;

/// Today in UTC, the platform's calendar day, from the WASI clock: for work outside a request
/// (a dossier summary). A request's "today" is [`crate::Ctx::today`], the day it was received.
pub fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// Full years from `born` to `on` (an age): a birthday counts from its day.
pub fn full_years(born: Date, on: Date) -> u32 {
    let mut years = on.year() - born.year();
    if (on.month(), on.day()) < (born.month(), born.day()) {
        years -= 1;
    }
    years.max(0) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages() {
        let born = Date::constant(2008, 6, 1);
        assert_eq!(full_years(born, Date::constant(2026, 5, 31)), 17);
        assert_eq!(full_years(born, Date::constant(2026, 6, 1)), 18);
        assert_eq!(full_years(born, Date::constant(2000, 1, 1)), 0);
    }
}
