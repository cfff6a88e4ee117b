//! Seed 003's segments this domain's data supports, as pure rules over facts the summary reads
//! from the store: a person's credited months, self-employment and age; a company's
//! declarations, debts, plans and DURC.
//!
//! People:
//! - `starting-career`: the first contribution month is within the last [`STARTING_CAREER_MONTHS`];
//! - `worker`: "contributing" — weeks credited or paid in the current or previous year, or an
//!   artisan's or merchant's position open;
//! - `about-to-retire`: [`ABOUT_TO_RETIRE_AGE`] or older and contributing;
//! - `pensioner`: [`PENSION_AGE`] or older and not contributing.
//!
//! Companies:
//! - `start-up`: the first declared month is within the last [`START_UP_MONTHS`];
//! - `active`: a month declared within the last [`ACTIVE_WITHIN_MONTHS`];
//! - `in-difficulty`: an instalment plan running, or overdue debt beyond the DURC tolerance;
//! - `in-crisis`: the latest DURC irregular (the company was invited to regularise and did not
//!   in time, D.M. 30 January 2015), with the overdue debt still beyond the tolerance. The DURC
//!   is the agency's own finding, so this domain sets no deadline of its own; the debt still
//!   owed is what makes an old finding current: a company that paid, or spread the debt over a
//!   plan, since is no longer in crisis, and the plan keeps it `in-difficulty`.
//!
//! "Within the last N months" is the current month and the N whole months before it: a
//! contribution month is credited (or declared) only once it is over, so counting from the
//! current month alone would leave out the month just ended.

use std::collections::BTreeSet;

use jiff::civil::Date;
use welfare_guest::dates::full_years;
use welfare_guest::segments::{self, Segments};

use crate::month::Month;

/// A career "starts" for its first three years (seed 003).
pub const STARTING_CAREER_MONTHS: u32 = 36;
/// Contributions this many years back still make a worker: the current year's are credited
/// only as employers declare its months, so in January nobody would have any.
pub const CONTRIBUTING_YEARS_BACK: i16 = 1;
/// From 62 the early-retirement routes open (Quota 103: 62 years of age and 41 of
/// contributions, L. 197/2022), so a contributor of that age is preparing to retire.
pub const ABOUT_TO_RETIRE_AGE: u32 = 62;
/// The old-age pension age (art. 24 c. 6 D.L. 201/2011, 67 since 2019): past it, someone who no
/// longer contributes is taken to be retired.
pub const PENSION_AGE: u32 = 67;
/// A company is a start-up for its first three years (seed 003).
pub const START_UP_MONTHS: u32 = 36;
/// Declarations are monthly, each due on the 16th of the month after: a company that declared
/// none of the last three months has stopped declaring, rather than being one month late.
pub const ACTIVE_WITHIN_MONTHS: u32 = 3;

/// What the summary knows about a person.
#[derive(Debug, Clone, Default)]
pub struct Person {
    /// The first month credited to the statement, or the start of a self-employment position
    /// if that is earlier (its first months may be owed, not yet paid and credited).
    pub first_contribution: Option<Month>,
    /// Years in which weeks were credited or paid.
    pub years_with_weeks: BTreeSet<i16>,
    /// An artisan's or merchant's position is open: they contribute whether or not the
    /// quarter's notice is paid yet.
    pub self_employed: bool,
    /// From the fiscal code; `None` when it encodes an impossible date.
    pub born: Option<Date>,
}

/// What the summary knows about a company.
#[derive(Debug, Clone, Default)]
pub struct Company {
    pub first_declared: Option<Month>,
    /// A month on or after [`active_from`] is declared.
    pub declared_recently: bool,
    pub active_plan: bool,
    /// Open notices past their due date, in all (the debt position's figure).
    pub overdue_cents: i64,
    /// Overdue debt up to this is regular (the DURC's tolerance, €150).
    pub tolerance_cents: i64,
    /// The outcome of the latest DURC request.
    pub durc_irregular: bool,
}

/// The first month of the last `months` (and the current one) on `today`; `None` before 1900,
/// when every month is within.
fn window_from(today: Date, months: u32) -> Option<Month> {
    Month::of(today).back(months)
}

fn within(month: Month, today: Date, months: u32) -> bool {
    window_from(today, months).is_none_or(|from| month >= from)
}

/// The first month a declaration must be for to make a company `active` on `today`.
pub fn active_from(today: Date) -> Option<Month> {
    window_from(today, ACTIVE_WITHIN_MONTHS)
}

pub fn person(p: &Person, today: Date) -> Segments {
    let mut out = Segments::new();
    let recent_years = today.year() - CONTRIBUTING_YEARS_BACK..=today.year();
    let contributing =
        p.self_employed || p.years_with_weeks.iter().any(|y| recent_years.contains(y));
    if p.first_contribution
        .is_some_and(|m| within(m, today, STARTING_CAREER_MONTHS))
    {
        out.insert(segments::STARTING_CAREER);
    }
    if contributing {
        out.insert(segments::WORKER);
    }
    let age = p.born.map(|b| full_years(b, today));
    if contributing && age.is_some_and(|a| a >= ABOUT_TO_RETIRE_AGE) {
        out.insert(segments::ABOUT_TO_RETIRE);
    }
    if !contributing && age.is_some_and(|a| a >= PENSION_AGE) {
        out.insert(segments::PENSIONER);
    }
    out
}

pub fn company(c: &Company, today: Date) -> Segments {
    let mut out = Segments::new();
    if c.first_declared
        .is_some_and(|m| within(m, today, START_UP_MONTHS))
    {
        out.insert(segments::START_UP);
    }
    if c.declared_recently {
        out.insert(segments::ACTIVE);
    }
    let beyond_tolerance = c.overdue_cents > c.tolerance_cents;
    if c.active_plan || beyond_tolerance {
        out.insert(segments::IN_DIFFICULTY);
    }
    if c.durc_irregular && beyond_tolerance {
        out.insert(segments::IN_CRISIS);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = Date::constant(2026, 5, 10);

    fn month(raw: &str) -> Option<Month> {
        Some(Month::parse(raw).unwrap())
    }

    fn set(list: &[&'static str]) -> Segments {
        list.iter().copied().collect()
    }

    #[test]
    fn people() {
        use welfare_guest::segments::*;
        let years = |list: &[i16]| list.iter().copied().collect::<BTreeSet<i16>>();
        // (first contribution, years with weeks, self-employed, born, expected)
        type Row = (Option<Month>, BTreeSet<i16>, bool, Date, Segments);
        let table: Vec<Row> = vec![
            // Started in 2024, works now, 25 years old.
            (
                month("2024-09"),
                years(&[2024, 2025, 2026]),
                false,
                Date::constant(2001, 3, 1),
                set(&[STARTING_CAREER, WORKER]),
            ),
            // The window's first month (May 2023) is in; April 2023 is not.
            (
                month("2023-05"),
                years(&[2023]),
                false,
                Date::constant(2001, 3, 1),
                set(&[STARTING_CAREER]),
            ),
            (
                month("2023-04"),
                years(&[2023]),
                false,
                Date::constant(2001, 3, 1),
                set(&[]),
            ),
            // Only last year's weeks still make a worker (nothing credited yet this year).
            (
                month("2010-01"),
                years(&[2010, 2025]),
                false,
                Date::constant(1980, 1, 1),
                set(&[WORKER]),
            ),
            (
                month("2010-01"),
                years(&[2010, 2024]),
                false,
                Date::constant(1980, 1, 1),
                set(&[]),
            ),
            // A self-employed position open counts as contributing, even before a payment.
            (
                month("2026-01"),
                years(&[]),
                true,
                Date::constant(1990, 1, 1),
                set(&[STARTING_CAREER, WORKER]),
            ),
            // 62 on this very day and contributing; the day before, not yet.
            (
                month("1990-01"),
                years(&[2026]),
                false,
                Date::constant(1964, 5, 10),
                set(&[WORKER, ABOUT_TO_RETIRE]),
            ),
            (
                month("1990-01"),
                years(&[2026]),
                false,
                Date::constant(1964, 5, 11),
                set(&[WORKER]),
            ),
            // 62 and no longer contributing: neither about to retire nor a pensioner.
            (
                month("1990-01"),
                years(&[2020]),
                false,
                Date::constant(1962, 1, 1),
                set(&[]),
            ),
            // 67 and not contributing: a pensioner; still contributing: about to retire.
            (
                month("1980-01"),
                years(&[2018]),
                false,
                Date::constant(1959, 5, 10),
                set(&[PENSIONER]),
            ),
            (
                month("1980-01"),
                years(&[2025]),
                false,
                Date::constant(1959, 5, 10),
                set(&[WORKER, ABOUT_TO_RETIRE]),
            ),
            (
                month("1980-01"),
                years(&[2018]),
                false,
                Date::constant(1959, 5, 11),
                set(&[]),
            ),
        ];
        for (i, (first, years, self_employed, born, expected)) in table.into_iter().enumerate() {
            let p = Person {
                first_contribution: first,
                years_with_weeks: years,
                self_employed,
                born: Some(born),
            };
            assert_eq!(person(&p, TODAY), expected, "row {i}: {p:?}");
        }
        // A code with an impossible date: no age, so no age segments.
        let p = Person {
            years_with_weeks: [2026].into(),
            ..Person::default()
        };
        assert_eq!(person(&p, TODAY), set(&[WORKER]));
    }

    #[test]
    fn companies() {
        use welfare_guest::segments::*;
        let base = Company {
            first_declared: month("2015-01"),
            declared_recently: true,
            tolerance_cents: 15_000,
            ..Company::default()
        };
        let table: Vec<(Company, Segments)> = vec![
            (base.clone(), set(&[ACTIVE])),
            (
                Company {
                    first_declared: month("2023-05"),
                    ..base.clone()
                },
                set(&[START_UP, ACTIVE]),
            ),
            (
                Company {
                    first_declared: month("2023-04"),
                    ..base.clone()
                },
                set(&[ACTIVE]),
            ),
            (
                Company {
                    declared_recently: false,
                    ..base.clone()
                },
                set(&[]),
            ),
            (
                Company {
                    active_plan: true,
                    ..base.clone()
                },
                set(&[ACTIVE, IN_DIFFICULTY]),
            ),
            // €150 overdue is within the tolerance; €150.01 is not.
            (
                Company {
                    overdue_cents: 15_000,
                    ..base.clone()
                },
                set(&[ACTIVE]),
            ),
            (
                Company {
                    overdue_cents: 15_001,
                    ..base.clone()
                },
                set(&[ACTIVE, IN_DIFFICULTY]),
            ),
            // However long overdue, debt without an irregular DURC is difficulty, not crisis.
            (
                Company {
                    overdue_cents: 500_000,
                    ..base.clone()
                },
                set(&[ACTIVE, IN_DIFFICULTY]),
            ),
            // An irregular DURC with the debt still beyond the tolerance: crisis.
            (
                Company {
                    overdue_cents: 15_001,
                    durc_irregular: true,
                    ..base.clone()
                },
                set(&[ACTIVE, IN_DIFFICULTY, IN_CRISIS]),
            ),
            // An irregular DURC whose debt was paid since (within the tolerance again), or
            // spread over a plan (no longer overdue): no longer in crisis.
            (
                Company {
                    overdue_cents: 15_000,
                    durc_irregular: true,
                    ..base.clone()
                },
                set(&[ACTIVE]),
            ),
            (
                Company {
                    active_plan: true,
                    durc_irregular: true,
                    ..base.clone()
                },
                set(&[ACTIVE, IN_DIFFICULTY]),
            ),
        ];
        for (i, (c, expected)) in table.into_iter().enumerate() {
            assert_eq!(company(&c, TODAY), expected, "row {i}: {c:?}");
        }
    }

    #[test]
    fn the_activity_window() {
        // On 10 May 2026: February, March, April and May.
        assert_eq!(active_from(TODAY), month("2026-02"));
        assert_eq!(active_from(Date::constant(2026, 1, 31)), month("2025-10"));
    }
}
