//! The contributions section of the dossier: for a person, the weeks accrued, the gaps, an
//! artisan's or merchant's position, debts and plans; for a company, its regularity (the
//! latest DURC), its debts and plans; for both, the segments their data supports
//! ([`crate::segments`]). `None` when the domain holds nothing about the subject.

use jiff::civil::Date;
use welfare_guest::Problem;
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::dates::birth_date;
use welfare_identity::{FiscalCode, VatNumber};

use crate::month::Month;
use crate::{declarations, durc, notices, params, plans, segments, self_employed, statement};

pub fn of(subject: &str) -> Result<Option<Vec<u8>>, Error> {
    build(subject, crate::today_now())
        .map(|v| v.map(|v| serde_json::to_vec(&v).expect("serialising a summary")))
        .map_err(|p| Error::Other(format!("{}: {}", p.title, p.detail.unwrap_or_default())))
}

fn build(subject: &str, today: Date) -> Result<Option<serde_json::Value>, Problem> {
    let all = notices::all(subject)?;
    let position = notices::position(&all, today);
    let plans = plans::of(subject)?;
    let in_force = params::in_force(today.year());
    let tolerance = in_force.durc.tolerance_cents;
    // Regular as a DURC requested today would find it (the dues up to its cut-off, with their
    // sanctions); the segments below keep weighing all the overdue debt.
    let values: Vec<notices::Notice> = all.iter().map(|d| d.value.clone()).collect();
    let verification = durc::verify(&values, today, today);
    let debt = serde_json::json!({
        "open_cents": position.open_cents,
        "overdue_cents": position.overdue_cents,
        "in_plan_cents": position.in_plan_cents,
        "regular": durc::within_tolerance(&verification, today),
    });
    if VatNumber::parse(subject).is_ok() {
        let durc = durc::latest(subject)?;
        if all.is_empty() && durc.is_none() {
            return Ok(None);
        }
        let first_declared = declarations::first_declared(subject)?;
        let facts = segments::Company {
            first_declared,
            declared_recently: match segments::active_from(today) {
                Some(from) => declarations::declared_since(subject, from)?,
                None => first_declared.is_some(),
            },
            active_plan: plans::any_active(&plans),
            overdue_cents: position.overdue_cents,
            tolerance_cents: tolerance,
            durc_irregular: durc
                .as_ref()
                .is_some_and(|d| d.status == durc::Status::Irregular),
        };
        return Ok(Some(serde_json::json!({
            "durc": durc.map(|d| durc::view(&d, today)),
            "debt": debt,
            "plans": plans::brief(&plans),
            "segments": segments::company(&facts, today),
        })));
    }
    let statement = statement::of(subject)?;
    let position_se = self_employed::position_of(subject)?;
    if statement.periods.is_empty() && all.is_empty() && position_se.is_none() {
        return Ok(None);
    }
    let last_year = statement.years.last();
    let first_credited = statement.periods.iter().map(|g| Month::of(g.from)).min();
    let self_employed_from = position_se.as_ref().map(|p| Month::of(p.start_date));
    let facts = segments::Person {
        first_contribution: first_credited.into_iter().chain(self_employed_from).min(),
        years_with_weeks: statement
            .years
            .iter()
            .filter(|y| y.weeks > 0 || y.paid_weeks > 0)
            .map(|y| y.year)
            .collect(),
        self_employed: position_se.is_some(),
        born: FiscalCode::parse(subject)
            .ok()
            .and_then(|code| birth_date(&code, today)),
    };
    Ok(Some(serde_json::json!({
        "total_weeks": statement.total_weeks,
        "last_year": last_year.map(|y| serde_json::json!({ "year": y.year, "weeks": y.weeks })),
        "gaps": statement.gaps.len(),
        "self_employment": position_se.map(|p| serde_json::json!({ "fund": p.fund, "start_date": p.start_date })),
        "debt": debt,
        "plans": plans::brief(&plans),
        "segments": segments::person(&facts, today),
    })))
}
