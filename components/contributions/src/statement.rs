//! The contribution statement (estratto conto contributivo) of a worker: the months credited
//! by employers' declarations, by paid fixed contributions of artisans and merchants, and by
//! officers' corrections; grouped into periods, with the weeks each year credits and the gaps.
//!
//! Weeks, by fund and year:
//! - employees (FPLD): the weeks paid (Saturdays of each month worked; two employers in one
//!   month pay its weeks once), but no more than the year's taxable wages ÷ the weekly
//!   minimum, rounded down (art. 7 c.1 D.L. 463/1983);
//! - artisans and merchants: 52 × the months paid ÷ 12, rounded down;
//! - a year credits at most 52 weeks whatever the funds.
//!
//! Keys: `periods/<fiscal code>/<YYYY-MM>/<VAT number or fund>`: one month, one source.

use std::collections::{BTreeMap, BTreeSet};

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::store;
use welfare_guest::{Ctx, HandlerResult, Problem, json};

use crate::month::Month;
use crate::notices::{self, Kind, Status};
use crate::params;

/// Weeks a year can credit.
pub const WEEKS_PER_YEAR: u32 = 52;

/// One credited month.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Period {
    pub month: Month,
    /// `fpld` (employees), `artigiani` or `commercianti`.
    pub fund: String,
    /// The employer's VAT number; none for the self-employed.
    #[serde(default)]
    pub employer: Option<String>,
    #[serde(default)]
    pub employer_name: Option<String>,
    pub taxable_cents: i64,
    /// Weeks paid in the month (employees); 0 for the self-employed, credited by year.
    pub weeks: u32,
    /// The declaration, notice or report that credited it.
    pub source: String,
}

pub fn period_key(subject: &str, month: Month, source: &str) -> String {
    format!("periods/{subject}/{month}/{source}")
}

/// Whether `fund` is a self-employed one (weeks by months) rather than employees' (by wages).
fn is_self_employed(fund: &str) -> bool {
    crate::fund::Fund::from_code(fund).is_some()
}

/// Every credited month of `subject`, in month order.
pub fn months_of(subject: &str) -> Result<Vec<Period>, Problem> {
    Ok(store::list_all::<Period>(&format!("periods/{subject}/"))?
        .into_iter()
        .map(|(_, d)| d.value)
        .collect())
}

/// Consecutive months with one employer (or one self-employed fund).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Group {
    pub from: Date,
    pub to: Date,
    pub fund: String,
    pub employer: Option<String>,
    pub employer_name: Option<String>,
    pub months: u32,
    pub taxable_cents: i64,
    /// Weeks paid in these months (employees) or credited by them (self-employed), before the
    /// yearly rules.
    pub weeks: u32,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Year {
    pub year: i16,
    pub taxable_cents: i64,
    /// Weeks paid by employers in the year.
    pub paid_weeks: u32,
    /// Weeks the year credits after the rules.
    pub weeks: u32,
    pub weekly_minimum_cents: i64,
    /// True when wages below the weekly minimum credited fewer weeks than were paid.
    pub below_minimum: bool,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Gap {
    pub from: Month,
    pub to: Month,
    pub months: u32,
    /// `no-contributions`, or `contributions-unpaid` when a fixed-contribution notice for those
    /// months is still open.
    pub reason: &'static str,
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct Statement {
    pub subject: String,
    pub periods: Vec<Group>,
    pub years: Vec<Year>,
    pub gaps: Vec<Gap>,
    pub total_weeks: u32,
}

fn self_employed_weeks(months: u32) -> u32 {
    WEEKS_PER_YEAR * months / 12
}

/// The statement of `subject` from its credited months; `unpaid` are months whose fixed
/// contributions are still owed.
pub fn build(subject: &str, months: &[Period], unpaid: &BTreeSet<Month>) -> Statement {
    // Periods: runs of consecutive months with the same fund and employer.
    let mut by_source: BTreeMap<(String, Option<String>), Vec<&Period>> = BTreeMap::new();
    for p in months {
        by_source
            .entry((p.fund.clone(), p.employer.clone()))
            .or_default()
            .push(p);
    }
    let mut periods = Vec::new();
    for ((fund, employer), mut list) in by_source {
        list.sort_by_key(|p| p.month);
        let mut run: Vec<&Period> = Vec::new();
        for p in list {
            if run.last().is_some_and(|last| last.month.next() != p.month) {
                periods.push(group(&fund, &employer, &run));
                run.clear();
            }
            run.push(p);
        }
        if !run.is_empty() {
            periods.push(group(&fund, &employer, &run));
        }
    }
    periods.sort_by(|a, b| (a.from, &a.employer).cmp(&(b.from, &b.employer)));

    // Years: each fund's weeks by its rule, at most 52 in all.
    let mut years_map: BTreeMap<i16, Vec<&Period>> = BTreeMap::new();
    for p in months {
        years_map.entry(p.month.year()).or_default().push(p);
    }
    let years: Vec<Year> = years_map
        .into_iter()
        .map(|(year, list)| {
            let minimum = params::in_force(year).employees.weekly_minimum_cents;
            let employed: Vec<&&Period> =
                list.iter().filter(|p| !is_self_employed(&p.fund)).collect();
            let taxable: i64 = employed.iter().map(|p| p.taxable_cents).sum();
            // A week is paid once however many employers paid it: per month, the most weeks
            // any employer paid.
            let mut by_month: BTreeMap<Month, u32> = BTreeMap::new();
            for p in &employed {
                let weeks = by_month.entry(p.month).or_default();
                *weeks = (*weeks).max(p.weeks);
            }
            let paid: u32 = by_month.values().sum();
            let by_wages = (taxable / minimum).max(0) as u32;
            let employed_weeks = paid.min(by_wages);
            let self_months: BTreeSet<Month> = list
                .iter()
                .filter(|p| is_self_employed(&p.fund))
                .map(|p| p.month)
                .collect();
            let weeks = (employed_weeks + self_employed_weeks(self_months.len() as u32))
                .min(WEEKS_PER_YEAR);
            Year {
                year,
                taxable_cents: list.iter().map(|p| p.taxable_cents).sum(),
                paid_weeks: paid,
                weeks,
                weekly_minimum_cents: minimum,
                below_minimum: employed_weeks < paid,
            }
        })
        .collect();

    // Gaps: months without contributions from the first month credited or owed to the last.
    let covered: BTreeSet<Month> = months.iter().map(|p| p.month).collect();
    let span: BTreeSet<Month> = covered.union(unpaid).copied().collect();
    let mut gaps = Vec::new();
    if let (Some(&first), Some(&last)) = (span.first(), span.last()) {
        let mut m = first;
        let mut open: Option<(Month, Month, bool)> = None;
        while m <= last {
            if covered.contains(&m) {
                if let Some((from, to, owed)) = open.take() {
                    gaps.push(gap(from, to, owed));
                }
            } else {
                let owed = unpaid.contains(&m);
                open = Some(match open {
                    Some((from, _, was)) => (from, m, was || owed),
                    None => (m, m, owed),
                });
            }
            m = m.next();
        }
        if let Some((from, to, owed)) = open {
            gaps.push(gap(from, to, owed));
        }
    }

    let total_weeks = years.iter().map(|y| y.weeks).sum();
    Statement {
        subject: subject.into(),
        periods,
        years,
        gaps,
        total_weeks,
    }
}

fn group(fund: &str, employer: &Option<String>, run: &[&Period]) -> Group {
    let months = run.len() as u32;
    let weeks = if is_self_employed(fund) {
        self_employed_weeks(months)
    } else {
        run.iter().map(|p| p.weeks).sum()
    };
    Group {
        from: run[0].month.first_day(),
        to: run[run.len() - 1].month.last_day(),
        fund: fund.into(),
        employer: employer.clone(),
        employer_name: run.iter().rev().find_map(|p| p.employer_name.clone()),
        months,
        taxable_cents: run.iter().map(|p| p.taxable_cents).sum(),
        weeks,
    }
}

fn gap(from: Month, to: Month, owed: bool) -> Gap {
    let months = ((to.year() - from.year()) as i32 * 12 + to.number() as i32 - from.number() as i32
        + 1) as u32;
    Gap {
        from,
        to,
        months,
        reason: if owed {
            "contributions-unpaid"
        } else {
            "no-contributions"
        },
    }
}

/// The months whose fixed contributions `subject` still owes (open or in a plan).
pub fn unpaid_months(subject: &str) -> Result<BTreeSet<Month>, Problem> {
    Ok(notices::all(subject)?
        .into_iter()
        .map(|d| d.value)
        .filter(|n| {
            n.kind == Kind::FixedContribution
                && matches!(n.status, Status::Open | Status::InPlan | Status::Replaced)
        })
        .flat_map(|n| n.months)
        .collect())
}

/// The statement of `subject` as stored now.
pub fn of(subject: &str) -> Result<Statement, Problem> {
    Ok(build(
        subject,
        &months_of(subject)?,
        &unpaid_months(subject)?,
    ))
}

/// `GET /statement`: the caller's contribution statement.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let subject = crate::person(ctx, "A contribution statement is a person's.")?;
    Ok(json(200, &of(&subject)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn month(employer: &str, m: &str, taxable: i64, weeks: u32) -> Period {
        Period {
            month: Month::parse(m).unwrap(),
            fund: "fpld".into(),
            employer: Some(employer.into()),
            employer_name: None,
            taxable_cents: taxable,
            weeks,
            source: "dec".into(),
        }
    }

    #[test]
    fn weeks_gaps_and_periods_by_hand() {
        // 2025: January to March at €2,000 (5 + 4 + 5 weeks), nothing in April and May, June at
        // €100 (4 weeks paid, but €100 < one weekly minimum of €241.36: no week).
        let months = vec![
            month("01114601006", "2025-01", 200_000, 5),
            month("01114601006", "2025-02", 200_000, 4),
            month("01114601006", "2025-03", 200_000, 5),
            month("12345678903", "2025-06", 10_000, 4),
        ];
        let s = build("RSSMRA85T10A562S", &months, &BTreeSet::new());
        assert_eq!(s.periods.len(), 2);
        assert_eq!(s.periods[0].months, 3);
        assert_eq!(s.periods[0].weeks, 14);
        assert_eq!(s.periods[0].to.to_string(), "2025-03-31");
        // Taxable €6,100 ÷ €241.36 = 25.27 → 25 weeks at most; 18 were paid: 18 credited.
        assert_eq!(s.years[0].paid_weeks, 18);
        assert_eq!(s.years[0].weeks, 18);
        assert!(!s.years[0].below_minimum);
        assert_eq!(
            s.gaps,
            vec![Gap {
                from: Month::parse("2025-04").unwrap(),
                to: Month::parse("2025-05").unwrap(),
                months: 2,
                reason: "no-contributions"
            }]
        );
        assert_eq!(s.total_weeks, 18);
    }

    #[test]
    fn two_employers_in_a_month_pay_its_weeks_once_and_owed_months_are_gaps() {
        // March 2025 (5 Saturdays) with two part-time employers: 5 weeks, not 10.
        let months = vec![
            month("01114601006", "2025-03", 60_000, 5),
            month("12345678903", "2025-03", 60_000, 5),
        ];
        // January and February owed (an unpaid first quarter), April owed too.
        let unpaid: BTreeSet<Month> = ["2025-01", "2025-02", "2025-04"]
            .iter()
            .map(|m| Month::parse(m).unwrap())
            .collect();
        let s = build("RSSMRA85T10A562S", &months, &unpaid);
        assert_eq!(s.years[0].paid_weeks, 5);
        assert_eq!(s.years[0].weeks, 4, "€1,200 ÷ €241.36 = 4.97 → 4");
        assert_eq!(s.gaps.len(), 2);
        assert_eq!(s.gaps[0].from.to_string(), "2025-01");
        assert_eq!(s.gaps[0].months, 2);
        assert_eq!(s.gaps[0].reason, "contributions-unpaid");
        assert_eq!(s.gaps[1].from.to_string(), "2025-04");
    }

    #[test]
    fn low_wages_credit_fewer_weeks() {
        // 2026: 12 months at €800 with 52 weeks paid: €9,600 ÷ €244.74 = 39.2 → 39 weeks.
        let months: Vec<Period> = (1..=12)
            .map(|m| {
                month(
                    "01114601006",
                    &format!("2026-{m:02}"),
                    80_000,
                    if m == 1 { 8 } else { 4 },
                )
            })
            .collect();
        let s = build("RSSMRA85T10A562S", &months, &BTreeSet::new());
        assert_eq!(s.years[0].paid_weeks, 52);
        assert_eq!(s.years[0].weeks, 39);
        assert!(s.years[0].below_minimum);
    }
}
