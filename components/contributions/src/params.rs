//! Rule parameters by year, shipped inside the component (`params/<year>.toml`, each naming the
//! circulars its figures come from).

use serde::Deserialize;

const YEARS: &[(i16, &str)] = &[
    (2025, include_str!("../params/2025.toml")),
    (2026, include_str!("../params/2026.toml")),
];

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
    /// The year the file is for; `yearly::for_year` checks it on load.
    pub year: i16,
    pub source: String,
    pub employees: Employees,
    pub self_employed: SelfEmployed,
    pub durc: Durc,
    pub instalments: Instalments,
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
    pub validity_days: i64,
    pub regularise_within_days: i64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instalments {
    pub annual_interest_bp: i64,
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

/// The parameters of `year`, or `None` when the component has none.
pub fn for_year(year: i16) -> Option<Params> {
    welfare_guest::yearly::for_year(YEARS, year)
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
}
