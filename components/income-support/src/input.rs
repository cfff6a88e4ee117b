//! Request bodies, validated into rule inputs. Every invalid field is reported, by name, in one
//! 400 problem; a year without parameters is a 422.

use jiff::civil::Date;
use serde::Deserialize;
use welfare_guest::{Ctx, FieldError, Problem};

use crate::naspi::{Case, TerminationReason};
use crate::params::{self, Params};

/// Wages beyond this (€10 million in four years) are a typing error, not a salary.
const MAX_WAGES_CENTS: i64 = 1_000_000_000;
/// Four years hold at most 209 ISO weeks.
const MAX_WEEKS: u32 = 209;
/// Working ages the benefit is about.
const AGE_RANGE: std::ops::RangeInclusive<u32> = 14..=100;

/// The NASpI facts, as sent in a simulation or an application.
#[derive(Debug, Clone, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct NaspiFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i16>,
    pub termination_date: Option<String>,
    pub termination_reason: Option<TerminationReason>,
    pub wages_last_4_years_cents: Option<i64>,
    pub contribution_weeks_last_4_years: Option<u32>,
    pub age: Option<u32>,
    /// When the claim is (or was) made; the request's date when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_date: Option<String>,
}

fn required<T: Clone>(errors: &mut Vec<FieldError>, field: &str, value: &Option<T>) -> Option<T> {
    if value.is_none() {
        errors.push(FieldError::new(field, "is required"));
    }
    value.clone()
}

fn date(errors: &mut Vec<FieldError>, field: &str, raw: Option<&str>) -> Option<Date> {
    let raw = raw?;
    match raw.parse::<Date>() {
        Ok(d) => Some(d),
        Err(_) => {
            errors.push(FieldError::new(field, "must be a date as YYYY-MM-DD"));
            None
        }
    }
}

/// The request's own date (UTC), the default claim date.
fn today(ctx: &Ctx) -> Date {
    ctx.req
        .received_at
        .parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .unwrap_or(Date::constant(2026, 1, 1))
}

impl NaspiFacts {
    /// The rule inputs, and the year whose parameters apply (`year`, else the termination's).
    pub fn validate(&self, ctx: &Ctx, year_required: bool) -> Result<(Params, Case), Problem> {
        let mut errors = Vec::new();
        let termination = required(&mut errors, "termination_date", &self.termination_date);
        let termination = date(&mut errors, "termination_date", termination.as_deref());
        let reason = required(&mut errors, "termination_reason", &self.termination_reason);
        let wages = required(
            &mut errors,
            "wages_last_4_years_cents",
            &self.wages_last_4_years_cents,
        );
        if wages.is_some_and(|w| !(0..=MAX_WAGES_CENTS).contains(&w)) {
            errors.push(FieldError::new(
                "wages_last_4_years_cents",
                &format!("must be from 0 to {MAX_WAGES_CENTS}"),
            ));
        }
        let weeks = required(
            &mut errors,
            "contribution_weeks_last_4_years",
            &self.contribution_weeks_last_4_years,
        );
        if weeks.is_some_and(|w| w > MAX_WEEKS) {
            errors.push(FieldError::new(
                "contribution_weeks_last_4_years",
                &format!("must be from 0 to {MAX_WEEKS}"),
            ));
        }
        let age = required(&mut errors, "age", &self.age);
        if age.is_some_and(|a| !AGE_RANGE.contains(&a)) {
            errors.push(FieldError::new(
                "age",
                &format!("must be from {} to {}", AGE_RANGE.start(), AGE_RANGE.end()),
            ));
        }
        let claim = match &self.claim_date {
            Some(raw) => date(&mut errors, "claim_date", Some(raw)),
            None => Some(today(ctx)),
        };
        let year = if year_required {
            required(&mut errors, "year", &self.year)
        } else {
            self.year
        };
        if !errors.is_empty() {
            return Err(Problem::invalid(errors));
        }
        let termination = termination.expect("validated");
        let year = year.unwrap_or(termination.year());
        let params = params::for_year(year).ok_or_else(|| {
            Problem::new(
                422,
                "year-not-supported",
                "There are no rule parameters for that year.",
            )
            .with_detail(format!("Supported years: {:?}.", params::years()))
        })?;
        let case = Case {
            termination_date: termination,
            claim_date: claim.expect("validated"),
            reason: reason.expect("validated"),
            wages_last_4_years_cents: wages.expect("validated"),
            contribution_weeks_last_4_years: weeks.expect("validated"),
            age: age.expect("validated"),
        };
        Ok((params, case))
    }
}

pub fn naspi_simulation(ctx: &Ctx) -> Result<(Params, Case), Problem> {
    ctx.json::<NaspiFacts>()?.validate(ctx, true)
}
