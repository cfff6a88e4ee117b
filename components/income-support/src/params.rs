//! Rule parameters by year, shipped inside the component (one TOML file per year, each figure
//! naming its circular). Parsing a few hundred bytes per instance costs microseconds.

use serde::Deserialize;

/// The years the component has parameters for, with their files.
const YEARS: &[(i16, &str)] = &[
    (2025, include_str!("../params/2025.toml")),
    (2026, include_str!("../params/2026.toml")),
];

#[derive(Debug, Clone, Deserialize)]
pub struct Params {
    pub year: i16,
    pub naspi: NaspiParams,
    pub assegno_unico: AssegnoParams,
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
}

/// Assegno Unico figures: amounts a month in cents, rates in basis points (see the files).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AssegnoParams {
    pub source: String,
    pub isee_lower_cents: i64,
    pub isee_upper_cents: i64,
    pub isee_steps: i64,
    pub table_rounding_cents: i64,
    pub minor_max_cents: i64,
    pub minor_min_cents: i64,
    pub young_adult_max_cents: i64,
    pub young_adult_min_cents: i64,
    pub third_child_max_cents: i64,
    pub third_child_min_cents: i64,
    pub disability_medium_cents: i64,
    pub disability_severe_cents: i64,
    pub disability_non_self_sufficient_cents: i64,
    pub mother_under_21_cents: i64,
    pub mother_age_limit: u32,
    pub both_working_max_cents: i64,
    pub large_family_cents: i64,
    pub large_family_children: u32,
    pub under_one_bp: i64,
    pub toddler_bp: i64,
    pub toddler_family_children: u32,
    pub toddler_isee_limit_cents: i64,
}

/// The parameters of `year`, or `None` when the component has none.
pub fn for_year(year: i16) -> Option<Params> {
    welfare_guest::yearly::for_year(YEARS, year)
}

/// The newest year's parameters: for events about a year whose circular is not out yet.
pub fn latest() -> Option<Params> {
    welfare_guest::yearly::latest(YEARS)
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
            assert!(p.assegno_unico.source.contains("circ."));
            let a = &p.assegno_unico;
            assert!(a.isee_lower_cents < a.isee_upper_cents && a.isee_steps > 0);
            assert!(a.minor_min_cents < a.minor_max_cents);
        }
        assert!(super::for_year(2024).is_none());
    }
}
