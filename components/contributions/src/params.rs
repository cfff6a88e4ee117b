//! Rule parameters by year, shipped inside the component (`params/<year>.toml`, each naming the
//! circulars its figures come from).
//!
//! Most figures hold for a whole year. Rates tied to the ECB's main refinancing rate (the
//! deferment interest of instalment plans, the civil sanctions on unpaid contributions) change
//! whenever the ECB changes it, several times in a year (five times in 2025 alone), so they are
//! [`DatedRate`]s: a list of `{from = <date>, bp = <rate>}` entries, each in force from its date
//! until the next. A year's first entry is the one in force on 1 January, dated when it came
//! into force (usually in an earlier year: carried over); the others fall inside the year. A
//! file that breaks this is refused when it is loaded (a build mistake: it traps and fails the
//! unit tests), so a rule can always ask for "the rate in force on this day".

use std::sync::OnceLock;

use jiff::ToSpan;
use jiff::civil::Date;
use serde::Deserialize;

const YEARS: &[(i16, &str)] = &[
    (2025, welfare_guest::shipped!("2025")),
    (2026, welfare_guest::shipped!("2026")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The year the file is for; the build script checks it.
    pub year: i16,
    pub source: String,
    pub employees: Employees,
    pub self_employed: SelfEmployed,
    pub durc: Durc,
    pub sanctions: Sanctions,
    pub instalments: Instalments,
}

/// One entry of a [`DatedRate`]: `bp` basis points a year from `from` on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateEntry {
    /// The first day the rate is in force (a TOML date, `2025-02-05`).
    pub from: Date,
    pub bp: i64,
}

/// A yearly rate with the dates it changed on, ascending (see the module's documentation).
#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct DatedRate(Vec<RateEntry>);

impl DatedRate {
    /// Whether this is a valid rate list for the file of `year`: not empty, dates strictly
    /// ascending, the first entry in force on 1 January at the latest (carried over from an
    /// earlier year, or dated 1 January), every later entry inside the year, no negative rate.
    pub fn check(&self, year: i16) -> Result<(), String> {
        let Some(first) = self.0.first() else {
            return Err("no entry: which rate is in force on 1 January?".into());
        };
        let new_year = Date::new(year, 1, 1).map_err(|e| e.to_string())?;
        if first.from > new_year {
            return Err(format!(
                "the first entry ({}) starts after 1 January {year}: no rate would be in force before it",
                first.from
            ));
        }
        for pair in self.0.windows(2) {
            if pair[1].from <= pair[0].from {
                return Err(format!(
                    "{} does not come after {}: dates must ascend",
                    pair[1].from, pair[0].from
                ));
            }
        }
        if let Some(outside) = self.0[1..].iter().find(|e| e.from.year() != year) {
            return Err(format!(
                "{} is not in {year}: only the first entry may be carried over from an earlier year",
                outside.from
            ));
        }
        if let Some(negative) = self.0.iter().find(|e| e.bp < 0) {
            return Err(format!("the rate from {} is negative", negative.from));
        }
        Ok(())
    }

    /// The entry in force on `day`: the latest one from on or before it. For a day before
    /// every entry (a day before the file's year, asked of the earliest file shipped) the
    /// first, the rate the earliest figures start with.
    pub fn on(&self, day: Date) -> RateEntry {
        *self
            .0
            .iter()
            .rev()
            .find(|e| e.from <= day)
            .unwrap_or(&self.0[0])
    }

    /// The days from `first` to `last` (both included) cut where the rate changes: each piece's
    /// first and last day with its rate. Empty when `last` is before `first`.
    pub fn pieces(&self, first: Date, last: Date) -> Vec<(Date, Date, i64)> {
        let mut out = Vec::new();
        let mut start = first;
        while start <= last {
            let entry = self.on(start);
            let next_change = self.0.iter().map(|e| e.from).find(|&from| from > start);
            let end = match next_change {
                Some(change) if change <= last => change - 1.day(),
                _ => last,
            };
            out.push((start, end, entry.bp));
            start = end + 1.day();
        }
        out
    }
}

/// Employees' contributions to the FPLD.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Employees {
    pub fund: String,
    pub rate_bp: i64,
    pub worker_share_bp: i64,
    pub weekly_minimum_cents: i64,
    pub due_day: i8,
}

/// Artisans' and merchants' fixed contributions on the minimum income.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SelfEmployed {
    pub minimum_income_cents: i64,
    pub artigiani_yearly_cents: i64,
    pub commercianti_yearly_cents: i64,
    /// The due dates of the four quarters' instalments, as published.
    pub quarter_due_dates: [String; 4],
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Durc {
    pub tolerance_cents: i64,
    /// The dues verified are those due up to the last day of this many months before the
    /// month of the request (D.M. 30/1/2015 art. 3 c. 1: the second month).
    pub verified_months_before: u32,
    pub validity_days: i64,
    pub regularise_within_days: i64,
}

/// Civil sanctions on contributions not paid by their due date (L. 388/2000 art. 116 c. 8 a).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sanctions {
    /// The yearly rate, by effective date: the ECB's main refinancing rate + 5.5 points.
    pub annual: DatedRate,
    /// The sanctions on a debt never exceed this share of it (40 %).
    pub cap_bp: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instalments {
    /// The deferment interest a year, by effective date: a plan takes the rate in force on
    /// the day it is requested.
    pub annual_interest: DatedRate,
    pub threshold_cents: i64,
    pub max_up_to_threshold: u32,
    pub max_above_threshold: u32,
    pub min_instalments: u32,
    pub lapse_after_missed: u32,
    pub due_day: i8,
}

impl Instalments {
    /// The most instalments a debt of `principal_cents` may be spread over.
    pub fn max_for(&self, principal_cents: i64) -> u32 {
        if principal_cents <= self.threshold_cents {
            self.max_up_to_threshold
        } else {
            self.max_above_threshold
        }
    }
}

impl Params {
    /// What a file must hold beyond its types: each dated rate valid for the file's year, a
    /// cap that is a share.
    fn check(&self) -> Result<(), String> {
        self.instalments
            .annual_interest
            .check(self.year)
            .map_err(|e| format!("instalments.annual_interest: {e}"))?;
        self.sanctions
            .annual
            .check(self.year)
            .map_err(|e| format!("sanctions.annual: {e}"))?;
        if !(0..=BP_IN_ONE).contains(&self.sanctions.cap_bp) {
            return Err("sanctions.cap_bp: must be from 0 to 10000".into());
        }
        Ok(())
    }
}

/// Basis points in one.
const BP_IN_ONE: i64 = 10_000;

/// Every shipped year's parameters, parsed and checked once per instance (each request runs
/// in a fresh one): rules that span years, such as sanctions accrued over two, read several.
fn shipped() -> &'static [Params] {
    static SHIPPED: OnceLock<Vec<Params>> = OnceLock::new();
    SHIPPED.get_or_init(|| {
        welfare_guest::yearly::years(YEARS)
            .into_iter()
            .map(|year| {
                let p: Params = welfare_guest::yearly::for_year(YEARS, year)
                    .expect("a shipped year has its file");
                if let Err(e) = p.check() {
                    panic!("params/{year}.toml: {e}");
                }
                p
            })
            .collect()
    })
}

/// The parameters of `year`, or `None` when the component has none.
pub fn for_year(year: i16) -> Option<Params> {
    shipped().iter().find(|p| p.year == year).cloned()
}

/// The file whose figures a day of `year` reads: that year's; before the first year shipped,
/// the first (its first entries are the rates it starts with); after the last, the last.
fn nearest(year: i16) -> &'static Params {
    let all = shipped();
    all.iter()
        .find(|p| p.year == year)
        .or_else(|| all.iter().filter(|p| p.year < year).max_by_key(|p| p.year))
        .or_else(|| all.iter().min_by_key(|p| p.year))
        .expect("a year is shipped")
}

/// The deferment interest of instalment plans, for [`rate_on`] and [`rate_pieces`].
pub fn deferment(p: &Params) -> &DatedRate {
    &p.instalments.annual_interest
}

/// The civil-sanction rate, for [`rate_on`] and [`rate_pieces`].
pub fn sanction(p: &Params) -> &DatedRate {
    &p.sanctions.annual
}

/// The entry of the dated rate `pick` chooses in force on `day`, read from `day`'s year.
pub fn rate_on(day: Date, pick: fn(&Params) -> &DatedRate) -> RateEntry {
    pick(nearest(day.year())).on(day)
}

/// The days from `first` to `last` (both included) cut where the rate `pick` chooses
/// changes, across years: each piece's first and last day and its rate.
pub fn rate_pieces(
    first: Date,
    last: Date,
    pick: fn(&Params) -> &DatedRate,
) -> Vec<(Date, Date, i64)> {
    let mut out = Vec::new();
    let mut start = first;
    while start <= last {
        let year_end = Date::new(start.year(), 12, 31).expect("31 December");
        let end = year_end.min(last);
        out.extend(pick(nearest(start.year())).pieces(start, end));
        start = end + 1.day();
    }
    out
}

/// The parameters in force in `year`: that year's, or the newest shipped for a later year (the
/// figures stay in force until a circular changes them).
pub fn in_force(year: i16) -> Params {
    for_year(year)
        .unwrap_or_else(|| welfare_guest::yearly::latest(YEARS).expect("a year is shipped"))
}

pub fn years() -> Vec<i16> {
    welfare_guest::yearly::years(YEARS)
}

/// The earliest year shipped: periods before it cannot be declared here.
pub fn first_year() -> i16 {
    years().into_iter().min().expect("a year is shipped")
}

#[cfg(test)]
mod tests {
    use super::{DatedRate, RateEntry};
    use jiff::civil::{Date, date};

    fn rate(entries: &[(Date, i64)]) -> DatedRate {
        DatedRate(
            entries
                .iter()
                .map(|&(from, bp)| RateEntry { from, bp })
                .collect(),
        )
    }

    #[test]
    fn every_year_parses_and_names_its_circulars() {
        for year in super::years() {
            let p = super::for_year(year).unwrap();
            assert!(p.source.contains("circ."));
            for date in &p.self_employed.quarter_due_dates {
                date.parse::<jiff::civil::Date>().expect("a due date");
            }
            assert!(p.employees.worker_share_bp < p.employees.rate_bp);
        }
        assert!(super::for_year(2024).is_none());
        assert_eq!(super::in_force(2031).year, 2026);
    }

    #[test]
    fn rate_lists_must_ascend_inside_their_year() {
        let carried = date(2024, 12, 18);
        assert_eq!(
            rate(&[(carried, 915), (date(2025, 2, 5), 890)]).check(2025),
            Ok(())
        );
        assert_eq!(rate(&[(date(2025, 1, 1), 915)]).check(2025), Ok(()));
        for (bad, why) in [
            (rate(&[]), "no entry"),
            (rate(&[(date(2025, 1, 2), 915)]), "starts after 1 January"),
            (
                rate(&[
                    (carried, 915),
                    (date(2025, 3, 12), 865),
                    (date(2025, 2, 5), 890),
                ]),
                "dates must ascend",
            ),
            (
                rate(&[
                    (carried, 915),
                    (date(2025, 2, 5), 890),
                    (date(2025, 2, 5), 865),
                ]),
                "dates must ascend",
            ),
            (
                rate(&[(date(2024, 6, 12), 965), (carried, 915)]),
                "only the first entry",
            ),
            (
                rate(&[(carried, 915), (date(2026, 1, 1), 890)]),
                "only the first entry",
            ),
            (rate(&[(carried, -1)]), "negative"),
        ] {
            let e = bad.check(2025).unwrap_err();
            assert!(e.contains(why), "{e}");
        }
    }

    #[test]
    fn the_rate_in_force_by_day_across_changes_and_years() {
        // The 2025 deferment rates (DOMAIN.md): 9.15 % to 4 February, 8.90 % from 5 February,
        // 8.65 % from 12 March, 8.40 % from 23 April, 8.15 % from 11 June; 2026 carries 8.15 %.
        let deferment = super::deferment;
        for (day, bp) in [
            (date(2025, 1, 1), 915),
            (date(2025, 2, 4), 915),
            (date(2025, 2, 5), 890),
            (date(2025, 3, 11), 890),
            (date(2025, 3, 12), 865),
            (date(2025, 4, 22), 865),
            (date(2025, 4, 23), 840),
            (date(2025, 6, 10), 840),
            (date(2025, 6, 11), 815),
            (date(2025, 12, 31), 815),
            (date(2026, 1, 1), 815),
            (date(2031, 5, 1), 815),
        ] {
            assert_eq!(super::rate_on(day, deferment).bp, bp, "{day}");
        }
        // Sanctions from 1 March 2025 to 10 January 2026: 8.40 % (1–11 March), 8.15 %
        // (12 March–22 April), 7.90 % (23 April–10 June), 7.65 % from 11 June, cut at the new
        // year because each year's file holds its own list.
        let sanction = super::sanction;
        assert_eq!(
            super::rate_pieces(date(2025, 3, 1), date(2026, 1, 10), sanction),
            vec![
                (date(2025, 3, 1), date(2025, 3, 11), 840),
                (date(2025, 3, 12), date(2025, 4, 22), 815),
                (date(2025, 4, 23), date(2025, 6, 10), 790),
                (date(2025, 6, 11), date(2025, 12, 31), 765),
                (date(2026, 1, 1), date(2026, 1, 10), 765),
            ]
        );
        assert!(super::rate_pieces(date(2025, 3, 2), date(2025, 3, 1), sanction).is_empty());
    }

    #[test]
    fn sanctions_and_deferment_follow_the_same_reference_rate() {
        // Both are the ECB's main refinancing rate plus a spread: 6 points for deferment,
        // 5.5 for sanctions; so they differ by 50 bp on every day, and change on the same days.
        let mut day = date(2025, 1, 1);
        while day <= date(2026, 12, 31) {
            let deferment = super::rate_on(day, super::deferment);
            let sanction = super::rate_on(day, super::sanction);
            assert_eq!(deferment.bp - sanction.bp, 50, "{day}");
            assert_eq!(deferment.from, sanction.from, "{day}");
            day = day.tomorrow().unwrap();
        }
    }
}
