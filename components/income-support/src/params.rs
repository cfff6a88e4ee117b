//! Rule parameters by year, shipped inside the component (one TOML file per year, each figure
//! naming its circular). A fresh instance parses the year it needs for every request; the
//! Assegno Unico's ISEE tables (a decree to parse and some hundred rows to index, with 128-bit
//! arithmetic) are built only when a rule asks for them, since a NASpI request never does and
//! building them was a fifth of a NASpI simulation's time.

use std::cell::OnceCell;

use serde::Deserialize;

use crate::tables::Tables;

/// The years the component has parameters for, with their files.
const YEARS: &[(i16, &str)] = &[
    (2025, welfare_guest::shipped!("2025")),
    (2026, welfare_guest::shipped!("2026")),
];

/// A year's parameters: the file's figures, and the Assegno Unico tables indexed to that year.
#[derive(Debug, Clone)]
pub struct Params {
    pub year: i16,
    pub naspi: NaspiParams,
    pub assegno_unico: AssegnoParams,
}

/// One shipped file, as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    year: i16,
    naspi: NaspiParams,
    assegno_unico: AssegnoFigures,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NaspiParams {
    pub source: String,
    pub threshold_cents: i64,
    pub cap_cents: i64,
    pub replacement_bp: i64,
    pub excess_bp: i64,
    pub weeks_to_months_x100: i64,
    pub min_contribution_weeks: u32,
    pub claim_window_days: i32,
    pub reduction_bp: i64,
    pub reduction_from_month: u32,
    pub reduction_from_month_55: u32,
    pub reduction_age: u32,
    pub max_duration_weeks: u32,
    pub max_duration_months: u32,
    /// L. 207/2024 art. 1 c. 171: terminations from this day on, after a voluntary resignation
    /// from another job in the months before, need weeks of contributions since it.
    pub resignation_rule_from: jiff::civil::Date,
    pub resignation_lookback_months: u32,
    pub resignation_min_weeks: u32,
}

/// The Assegno Unico's rules for a year: the circular's flat amounts and the ISEE tables.
#[derive(Debug, Clone)]
pub struct AssegnoParams {
    pub figures: AssegnoFigures,
    year: i16,
    tables: OnceCell<Tables>,
}

impl AssegnoParams {
    /// The ISEE tables indexed to the year, built on first use. A shipped year without its
    /// indexation rate is a build mistake, like a file that does not parse: it traps (and fails
    /// the unit tests).
    pub fn tables(&self) -> &Tables {
        self.tables.get_or_init(|| {
            Tables::for_year(self.year)
                .expect("every year with parameters has its Assegno Unico indexation rate")
        })
    }
}

/// The Assegno Unico's flat figures, as the year's circular publishes them: amounts a month in
/// cents, rates in basis points (see the files).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssegnoFigures {
    pub source: String,
    pub disability_medium_cents: i64,
    pub disability_severe_cents: i64,
    pub disability_non_self_sufficient_cents: i64,
    pub mother_under_21_cents: i64,
    pub mother_age_limit: u32,
    pub large_family_cents: i64,
    pub large_family_children: u32,
    pub under_one_bp: i64,
    pub toddler_bp: i64,
    pub toddler_family_children: u32,
}

impl File {
    fn with_tables(self) -> Params {
        Params {
            year: self.year,
            naspi: self.naspi,
            assegno_unico: AssegnoParams {
                figures: self.assegno_unico,
                year: self.year,
                tables: OnceCell::new(),
            },
        }
    }
}

/// The parameters of `year`, or `None` when the component has none.
pub fn for_year(year: i16) -> Option<Params> {
    welfare_guest::yearly::for_year::<File>(YEARS, year).map(File::with_tables)
}

/// The newest year's parameters: for events about a year whose circular is not out yet.
pub fn latest() -> Option<Params> {
    welfare_guest::yearly::latest::<File>(YEARS).map(File::with_tables)
}

/// The years with parameters, for error messages.
pub fn years() -> Vec<i16> {
    welfare_guest::yearly::years(YEARS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_year_parses_and_names_itself() {
        for year in super::years() {
            let p = super::for_year(year).unwrap();
            assert_eq!(p.year, year);
            assert!(p.naspi.source.contains("circ."));
            assert!(p.assegno_unico.figures.source.contains("circ."));
            let t = p.assegno_unico.tables();
            assert!(t.lower_cents() < t.upper_cents());
        }
        assert!(super::for_year(2024).is_none());
    }
}
