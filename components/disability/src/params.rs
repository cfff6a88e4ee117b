//! Rule parameters by year, shipped inside the component (one TOML file per year, naming the
//! circular its figures come from).

use serde::Deserialize;

const YEARS: &[(i16, &str)] = &[
    (2025, welfare_guest::shipped!("2025")),
    (2026, welfare_guest::shipped!("2026")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The year the file is for; the build script checks it.
    #[allow(dead_code)]
    pub year: i16,
    pub source: String,
    pub pension_cents: i64,
    pub income_limit_total_cents: i64,
    pub income_limit_partial_cents: i64,
    pub attendance_cents: i64,
    pub frequency_cents: i64,
    pub recognised_above_percent: u32,
    pub placement_above_percent: u32,
    pub allowance_from_percent: u32,
    pub pension_percent: u32,
    pub adult_age: u32,
    pub pension_age: u32,
}

/// The parameters of `year`, or `None` when the component has none.
pub fn for_year(year: i16) -> Option<Params> {
    welfare_guest::yearly::for_year(YEARS, year)
}

/// The newest year's parameters, for dates past the last circular shipped.
pub fn latest() -> Params {
    welfare_guest::yearly::latest(YEARS).expect("at least one year is shipped")
}

pub fn years() -> Vec<i16> {
    welfare_guest::yearly::years(YEARS)
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_year_parses_and_names_its_circular() {
        for year in super::years() {
            assert!(super::for_year(year).unwrap().source.contains("circ."));
        }
        assert!(super::for_year(2024).is_none());
    }
}
