//! Request bodies (NASpI and Assegno Unico), validated into rule inputs. Every invalid field is reported, by name, in one
//! 400 problem; a year without parameters is a 422.

use jiff::civil::Date;
use serde::Deserialize;
use welfare_guest::{Ctx, FieldError, Problem};

use crate::assegno::{Child, Disability, Household};
use crate::naspi::{Case, TerminationReason};
use crate::params::{self, Params};

/// Wages beyond this (€10 million in four years) are a typing error, not a salary.
const MAX_WAGES_CENTS: i64 = 1_000_000_000;
/// Four years hold at most 209 ISO weeks.
const MAX_WEEKS: u32 = 209;
/// Working ages the benefit is about.
const AGE_RANGE: std::ops::RangeInclusive<u32> = 14..=100;

/// The NASpI facts, as sent in a simulation or an application.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
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
    /// The day the claimant last resigned voluntarily from another job, when that was in the
    /// 12 months before this termination (L. 207/2024 art. 1 c. 171).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_resignation_date: Option<String>,
    /// Contribution weeks since that resignation; required with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weeks_since_previous_resignation: Option<u32>,
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

/// The parameters of `year`, or a 422 naming the years there are.
fn year_params(year: i16) -> Result<Params, Problem> {
    params::for_year(year).ok_or_else(|| welfare_guest::yearly::not_supported(&params::years()))
}

/// The request's own date (UTC), the default claim date.
pub fn today(ctx: &Ctx) -> Date {
    ctx.today()
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
        let resigned = date(
            &mut errors,
            "previous_resignation_date",
            self.previous_resignation_date.as_deref(),
        );
        let weeks_since = self.weeks_since_previous_resignation;
        match (&self.previous_resignation_date, weeks_since) {
            (Some(_), None) => errors.push(FieldError::new(
                "weeks_since_previous_resignation",
                "is required with previous_resignation_date",
            )),
            (None, Some(_)) => errors.push(FieldError::new(
                "weeks_since_previous_resignation",
                "goes with previous_resignation_date",
            )),
            _ => {}
        }
        if let (Some(since), Some(all)) = (weeks_since, weeks)
            && since > all
        {
            errors.push(FieldError::new(
                "weeks_since_previous_resignation",
                "cannot exceed contribution_weeks_last_4_years, which include them",
            ));
        }
        if let (Some(r), Some(t)) = (resigned, termination)
            && r >= t
        {
            errors.push(FieldError::new(
                "previous_resignation_date",
                "must be before termination_date",
            ));
        }
        let year = if year_required {
            required(&mut errors, "year", &self.year)
        } else {
            self.year
        };
        if !errors.is_empty() {
            return Err(Problem::invalid(errors));
        }
        let termination = termination.expect("validated");
        let params = year_params(year.unwrap_or(termination.year()))?;
        let case = Case {
            termination_date: termination,
            claim_date: claim.expect("validated"),
            reason: reason.expect("validated"),
            wages_last_4_years_cents: wages.expect("validated"),
            contribution_weeks_last_4_years: weeks.expect("validated"),
            age: age.expect("validated"),
            previous_resignation: resigned
                .zip(weeks_since)
                .map(|(date, weeks_since)| crate::naspi::PreviousResignation { date, weeks_since }),
        };
        Ok((params, case))
    }
}

pub fn naspi_simulation(ctx: &Ctx) -> Result<(Params, Case), Problem> {
    ctx.json::<NaspiFacts>()?.validate(ctx, true)
}

/// Largest ISEE taken seriously (€10 million): anything above is a typing error.
const MAX_ISEE_CENTS: i64 = 1_000_000_000;
/// Children in one household a request may list.
pub const MAX_CHILDREN: usize = 20;
/// Mothers' ages the under-21 supplement can be about.
const MOTHER_AGE_RANGE: std::ops::RangeInclusive<u32> = 10..=70;
/// Oldest child (a disabled adult child counts at any age).
const MAX_CHILD_AGE_YEARS: i16 = 100;

/// One child, as sent.
#[derive(Debug, Clone, Deserialize, serde::Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ChildFacts {
    pub birth_date: Option<String>,
    #[serde(default)]
    pub disability: Disability,
    /// Known when the child came from the civil registry; optional otherwise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fiscal_code: Option<String>,
}

/// The Assegno Unico facts, as sent in a simulation or an application.
#[derive(Debug, Clone, Default, Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct AssegnoFacts {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub year: Option<i16>,
    /// `null` or absent: no valid ISEE.
    #[serde(default)]
    pub isee_cents: Option<i64>,
    #[serde(default)]
    pub children: Option<Vec<ChildFacts>>,
    #[serde(default)]
    pub both_parents_working: Option<bool>,
    /// The applicant is a widowed parent, the household's only one, and earns from work.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widowed_parent_working: Option<bool>,
    #[serde(default)]
    pub mother_age: Option<u32>,
    /// The day ages are taken on; the request's date when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference_date: Option<String>,
}

impl AssegnoFacts {
    /// The rule inputs, and the year whose parameters apply (`year`, else the reference date's).
    pub fn validate(&self, ctx: &Ctx) -> Result<(Params, Household), Problem> {
        self.validate_at(today(ctx))
    }

    /// As [`Self::validate`], with `today` the default reference date.
    pub fn validate_at(&self, today: Date) -> Result<(Params, Household), Problem> {
        let mut errors = Vec::new();
        if self
            .isee_cents
            .is_some_and(|i| !(0..=MAX_ISEE_CENTS).contains(&i))
        {
            errors.push(FieldError::new(
                "isee_cents",
                &format!("must be from 0 to {MAX_ISEE_CENTS}, or null for no ISEE"),
            ));
        }
        if self
            .mother_age
            .is_some_and(|a| !MOTHER_AGE_RANGE.contains(&a))
        {
            errors.push(FieldError::new(
                "mother_age",
                &format!(
                    "must be from {} to {}",
                    MOTHER_AGE_RANGE.start(),
                    MOTHER_AGE_RANGE.end()
                ),
            ));
        }
        if self.both_parents_working == Some(true) && self.widowed_parent_working == Some(true) {
            errors.push(FieldError::new(
                "widowed_parent_working",
                "a widowed parent is the household's only parent: not with both_parents_working",
            ));
        }
        let reference = match &self.reference_date {
            Some(raw) => date(&mut errors, "reference_date", Some(raw)),
            None => Some(today),
        };
        let children = required(&mut errors, "children", &self.children).unwrap_or_default();
        if self.children.is_some() && !(1..=MAX_CHILDREN).contains(&children.len()) {
            errors.push(FieldError::new(
                "children",
                &format!("must list from 1 to {MAX_CHILDREN} children"),
            ));
        }
        let mut parsed = Vec::with_capacity(children.len());
        for (i, child) in children.iter().enumerate() {
            let field = format!("children[{i}].birth_date");
            let birth = required(&mut errors, &field, &child.birth_date);
            let Some(birth) = date(&mut errors, &field, birth.as_deref()) else {
                continue;
            };
            if let Some(reference) = reference {
                if birth > reference {
                    errors.push(FieldError::new(
                        &field,
                        "must not be after the reference date: the benefit starts at birth",
                    ));
                } else if reference.year() - birth.year() > MAX_CHILD_AGE_YEARS {
                    errors.push(FieldError::new(&field, "is not a plausible birth date"));
                }
            }
            if let Some(code) = &child.fiscal_code
                && welfare_identity::FiscalCode::parse(code).is_err()
            {
                errors.push(FieldError::new(
                    &format!("children[{i}].fiscal_code"),
                    "is not a valid fiscal code",
                ));
            }
            parsed.push(Child {
                birth_date: birth,
                disability: child.disability,
            });
        }
        if !errors.is_empty() {
            return Err(Problem::invalid(errors));
        }
        let reference = reference.expect("validated");
        let params = year_params(self.year.unwrap_or(reference.year()))?;
        Ok((
            params,
            Household {
                isee_cents: self.isee_cents,
                children: parsed,
                both_parents_working: self.both_parents_working.unwrap_or(false),
                widowed_parent_working: self.widowed_parent_working.unwrap_or(false),
                mother_age: self.mother_age,
                reference_date: reference,
            },
        ))
    }
}

pub fn assegno_simulation(ctx: &Ctx) -> Result<(Params, Household), Problem> {
    ctx.json::<AssegnoFacts>()?.validate(ctx)
}
