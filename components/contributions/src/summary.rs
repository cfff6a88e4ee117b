//! The contributions section of the dossier: for a person, the weeks accrued, the gaps, an
//! artisan's or merchant's position, debts and plans; for a company, its regularity (the
//! latest DURC), its debts and plans. `None` when the domain holds nothing about the subject.

use jiff::civil::Date;
use welfare_guest::Problem;
use welfare_guest::bindings::welfare::platform::types::Error;
use welfare_identity::VatNumber;

use crate::{durc, notices, params, plans, self_employed, statement};

pub fn of(subject: &str) -> Result<Option<Vec<u8>>, Error> {
    build(subject, welfare_guest::dates::today())
        .map(|v| v.map(|v| serde_json::to_vec(&v).expect("serialising a summary")))
        .map_err(|p| Error::Other(format!("{}: {}", p.title, p.detail.unwrap_or_default())))
}

fn build(subject: &str, today: Date) -> Result<Option<serde_json::Value>, Problem> {
    let all = notices::all(subject)?;
    let position = notices::position(&all, today);
    let plans = plans::brief(subject)?;
    let tolerance = params::in_force(today.year()).durc.tolerance_cents;
    let debt = serde_json::json!({
        "open_cents": position.open_cents,
        "overdue_cents": position.overdue_cents,
        "in_plan_cents": position.in_plan_cents,
        "regular": position.overdue_cents <= tolerance,
    });
    if VatNumber::parse(subject).is_ok() {
        let durc = durc::brief(subject, today)?;
        if all.is_empty() && durc.is_none() {
            return Ok(None);
        }
        return Ok(Some(serde_json::json!({
            "durc": durc,
            "debt": debt,
            "plans": plans,
        })));
    }
    let statement = statement::of(subject)?;
    let position_se = self_employed::position_of(subject)?;
    if statement.periods.is_empty() && all.is_empty() && position_se.is_none() {
        return Ok(None);
    }
    let last_year = statement.years.last();
    Ok(Some(serde_json::json!({
        "total_weeks": statement.total_weeks,
        "last_year": last_year.map(|y| serde_json::json!({ "year": y.year, "weeks": y.weeks })),
        "gaps": statement.gaps.len(),
        "self_employment": position_se.map(|p| serde_json::json!({ "fund": p.fund, "start_date": p.start_date })),
        "debt": debt,
        "plans": plans,
    })))
}
