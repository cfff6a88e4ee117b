//! Calendar arithmetic the rules share.

use jiff::civil::Date;
use welfare_identity::FiscalCode;

/// Years a fiscal code's two-digit year cannot tell apart.
const CENTURY_YEARS: i16 = 100;

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

/// The birth date `code` encodes, as seen on `on`: the latest date with the code's day, month
/// and last two digits of the year that is on or before `on`.
///
/// A fiscal code does not say the century, and nobody is born after the day they are seen, so
/// the century is the one that puts the birth on or before `on`, stepping back 100 years when
/// the same day in `on`'s century is still to come: someone born on 20 May 1926 is 99 on
/// 8 May 2026, not born twelve days later. Picking the century by the year alone would take
/// them for a baby, or a death on 8 May 2026 for one before their birth. (A code cannot tell a
/// centenarian from a newborn; the younger reading is the likelier.)
///
/// `None` when the code's date is impossible, or does not exist in the year found: 29 February
/// of a year that is not a leap one (1900, 2100).
pub fn birth_date(code: &FiscalCode, on: Date) -> Option<Date> {
    let birth = code.birth()?;
    let (month, day) = (birth.month as i8, birth.day as i8);
    let mut year = i16::try_from(birth.year(on.year().into())).ok()?;
    if (month, day) > (on.month(), on.day()) && year == on.year() {
        year -= CENTURY_YEARS;
    }
    Date::new(year, month, day).ok()
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

    /// A valid code from its first fifteen characters: the check character is the one letter
    /// of 26 that parses.
    fn code(stem: &str) -> FiscalCode {
        ('A'..='Z')
            .find_map(|c| FiscalCode::parse(&format!("{stem}{c}")).ok())
            .unwrap()
    }

    #[test]
    fn births_take_the_century_that_puts_them_on_or_before_the_day() {
        let d = Date::constant;
        // (code's first 15 characters, seen on, birth date)
        let table = [
            // Born 20 May 1926, seen twelve days before their 100th birthday: 99, not a baby.
            ("RSSMRA26E20H501", d(2026, 5, 8), Some(d(1926, 5, 20))),
            // Seen on the day itself, or after it in the same year: born that day, this century.
            ("RSSMRA26E20H501", d(2026, 5, 20), Some(d(2026, 5, 20))),
            ("RSSMRA26E20H501", d(2026, 12, 31), Some(d(2026, 5, 20))),
            // A year still to come in this century is last century's.
            ("RSSMRA85T10A562", d(2026, 5, 8), Some(d(1985, 12, 10))),
            // A woman's code adds 40 to the day: 29 February 1996.
            ("BNCLRA96B69H501", d(2026, 5, 8), Some(d(1996, 2, 29))),
            // 29 February 2024 seen on the day; the day before, it is 1924's (a leap year too).
            ("RSSMRA24B29H501", d(2024, 2, 29), Some(d(2024, 2, 29))),
            ("RSSMRA24B29H501", d(2024, 2, 28), Some(d(1924, 2, 29))),
            // 29 February 2000 seen the day before: 1900 was no leap year, so no such birth.
            ("RSSMRA00B29H501", d(2000, 2, 28), None),
            ("RSSMRA00B29H501", d(2026, 5, 8), Some(d(2000, 2, 29))),
            // 1 January seen on 31 December of the year before the century turns.
            ("RSSMRA00A01H501", d(1999, 12, 31), Some(d(1900, 1, 1))),
        ];
        for (stem, on, expected) in table {
            assert_eq!(birth_date(&code(stem), on), expected, "{stem} on {on}");
        }
    }
}
