//! What the platform already knows about a citizen, so that applications come pre-filled: the
//! children the civil registry reported, the other parent, and what the citizen declared last
//! time (ISEE, whether both parents work). The fiscal code itself gives the age and sex; the
//! contribution record income support keeps from the contributions domain's events gives a
//! NASpI claim's wages and weeks ([`earnings`]).
//!
//! Key: `households/<fiscal code>`.

use std::collections::BTreeMap;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::dates::birth_date;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json, json_in};
use welfare_identity::FiscalCode;

use crate::assegno::{self, age_on};
use crate::earnings;
use crate::input::{AssegnoFacts, ChildFacts, NaspiFacts, today};
use crate::naspi;

fn key(subject: &str) -> String {
    format!("households/{subject}")
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Known {
    /// Children reported by the civil registry, oldest first.
    #[serde(default)]
    pub children: Vec<ChildFacts>,
    /// The children's other parents.
    #[serde(default)]
    pub co_parents: Vec<String>,
    /// The last ISEE declared in an application; `None` when none was.
    #[serde(default)]
    pub isee_cents: Option<i64>,
    #[serde(default)]
    pub both_parents_working: Option<bool>,
    /// The last declaration of being a widowed parent who works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub widowed_parent_working: Option<bool>,
}

/// Birth date (as seen on `on`) and whether the code is a woman's.
fn birth_from_code(code: &str, on: Date) -> Option<(Date, bool)> {
    let code = FiscalCode::parse(code).ok()?;
    Some((birth_date(&code, on)?, code.birth()?.female))
}

impl Known {
    pub fn load(subject: &str) -> Result<Self, Problem> {
        Ok(Self::load_doc(subject)?
            .map(|d| d.value)
            .unwrap_or_default())
    }

    pub fn load_doc(subject: &str) -> Result<Option<Doc<Self>>, Problem> {
        Ok(store::get::<Self>(&key(subject))?)
    }

    /// Reads, changes and writes `subject`'s record in one compare-and-swap.
    pub fn update(subject: &str, change: impl FnOnce(&mut Self)) -> Result<(), Problem> {
        let (mut known, version) = match Self::load_doc(subject)? {
            Some(doc) => (doc.value, Some(doc.version)),
            None => (Self::default(), None),
        };
        change(&mut known);
        store::put(&key(subject), &known, version)?;
        Ok(())
    }

    /// Remembers an Assegno Unico declaration, to pre-fill the next offer.
    pub fn remember_declaration(subject: &str, facts: &AssegnoFacts) -> Result<(), Problem> {
        Self::update(subject, |k| {
            k.isee_cents = facts.isee_cents;
            k.both_parents_working = facts.both_parents_working;
            k.widowed_parent_working = facts.widowed_parent_working;
        })
    }

    /// Adds a child the civil registry reported (once, however often it is reported).
    pub fn add_child(&mut self, child: ChildFacts, co_parents: impl Iterator<Item = String>) {
        if !self
            .children
            .iter()
            .any(|c| c.fiscal_code == child.fiscal_code)
        {
            self.children.push(child);
            self.children
                .sort_by(|a, b| a.birth_date.cmp(&b.birth_date));
        }
        for parent in co_parents {
            if !self.co_parents.contains(&parent) {
                self.co_parents.push(parent);
            }
        }
    }

    /// The mother's age on `on`: the citizen's own if her code is a woman's, else the first
    /// co-parent's who is a woman; `None` when no code says.
    pub fn mother_age(&self, subject: &str, on: Date) -> Option<u32> {
        std::iter::once(subject)
            .chain(self.co_parents.iter().map(String::as_str))
            .filter_map(|code| birth_from_code(code, on))
            .find(|(_, female)| *female)
            .map(|(birth, _)| age_on(birth, on))
    }

    /// What the platform knows of a NASpI claim: the age on the claim date (`claim_date`, else
    /// `today`), from the fiscal code; and, when the termination date is known, the wages and
    /// weeks of the four years before it, from the employers' declarations ([`earnings`]).
    /// Fills what `facts` leaves out; where the citizen gave a value of their own that differs
    /// from the platform's, that is recorded as their correction.
    pub fn prefill_naspi(
        &self,
        subject: &str,
        facts: &mut NaspiFacts,
        today: Date,
    ) -> Result<NaspiPrefill, Problem> {
        let mut out = NaspiPrefill::default();
        let claim_date = facts
            .claim_date
            .as_deref()
            .and_then(|d| d.parse::<Date>().ok())
            .unwrap_or(today);
        if let Some((birth, _)) = birth_from_code(subject, claim_date) {
            let age = age_on(birth, claim_date);
            out.offer(
                "age",
                &mut facts.age,
                age,
                Source::FiscalCode { on: claim_date },
            );
        }
        let termination = facts
            .termination_date
            .as_deref()
            .and_then(|d| d.parse::<Date>().ok());
        if let Some(termination) = termination
            && let Some(record) = earnings::four_years_before(subject, termination)?
        {
            let source = Source::ContributionRecord {
                declarations: record.sources.clone(),
                from_month: record.from_month.clone(),
                to_month: record.to_month.clone(),
            };
            out.offer(
                "wages_last_4_years_cents",
                &mut facts.wages_last_4_years_cents,
                record.wages_cents,
                source.clone(),
            );
            out.offer(
                "contribution_weeks_last_4_years",
                &mut facts.contribution_weeks_last_4_years,
                record.weeks,
                source,
            );
        }
        Ok(out)
    }

    /// Fills what an Assegno Unico application left out and the platform knows: the children,
    /// the mother's age, the last declared ISEE and work status. Returns the fields it filled.
    pub fn prefill_assegno(
        &self,
        subject: &str,
        facts: &mut AssegnoFacts,
        today: Date,
    ) -> Vec<String> {
        let mut filled = Vec::new();
        if facts.children.is_none() && !self.children.is_empty() {
            facts.children = Some(self.children.clone());
            filled.push("children".into());
        }
        if facts.mother_age.is_none() {
            let on = facts
                .reference_date
                .as_deref()
                .and_then(|d| d.parse::<Date>().ok())
                .unwrap_or(today);
            if let Some(age) = self.mother_age(subject, on) {
                facts.mother_age = Some(age);
                filled.push("mother_age".into());
            }
        }
        if facts.isee_cents.is_none() && self.isee_cents.is_some() {
            facts.isee_cents = self.isee_cents;
            filled.push("isee_cents".into());
        }
        // The two work statuses exclude each other: one the citizen gives now wins over the
        // other remembered from before.
        if facts.both_parents_working.is_none()
            && self.both_parents_working.is_some()
            && facts.widowed_parent_working != Some(true)
        {
            facts.both_parents_working = self.both_parents_working;
            filled.push("both_parents_working".into());
        }
        if facts.widowed_parent_working.is_none()
            && self.widowed_parent_working.is_some()
            && facts.both_parents_working != Some(true)
        {
            facts.widowed_parent_working = self.widowed_parent_working;
            filled.push("widowed_parent_working".into());
        }
        filled
    }
}

/// Where a pre-filled value comes from, so that the citizen can check it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Source {
    /// The birth date in the fiscal code, the age taken on `on`.
    FiscalCode { on: Date },
    /// The employers' monthly declarations (and officers' corrections after a report) for the
    /// months `from_month` to `to_month`.
    ContributionRecord {
        declarations: Vec<String>,
        from_month: String,
        to_month: String,
    },
}

/// A value the citizen gave in place of the platform's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Correction {
    pub field: String,
    pub platform_value: serde_json::Value,
    pub citizen_value: serde_json::Value,
    pub source: Source,
}

/// What pre-filling a NASpI claim did: the fields it filled, where each known value comes from,
/// and the citizen's corrections of them.
#[derive(Debug, Clone, Default)]
pub struct NaspiPrefill {
    pub filled: Vec<String>,
    pub sources: BTreeMap<String, Source>,
    pub corrections: Vec<Correction>,
}

impl NaspiPrefill {
    /// Offers the platform's `known` value for `field`: it fills an empty field; a different
    /// value the citizen gave is their correction.
    fn offer<T>(&mut self, field: &str, value: &mut Option<T>, known: T, source: Source)
    where
        T: PartialEq + Serialize + Copy,
    {
        match value {
            None => {
                *value = Some(known);
                self.filled.push(field.into());
                self.sources.insert(field.into(), source);
            }
            Some(given) if *given != known => self.corrections.push(Correction {
                field: field.into(),
                platform_value: serde_json::json!(known),
                citizen_value: serde_json::json!(*given),
                source,
            }),
            Some(_) => {
                self.sources.insert(field.into(), source);
            }
        }
    }
}

/// `GET /drafts/{benefit}`: the application as the platform would pre-fill it, and, where the
/// facts suffice, its estimate, so that an app can show the citizen a form to confirm.
pub fn draft(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let known = Known::load(subject)?;
    match ctx.param("benefit") {
        "assegno-unico" => {
            let mut facts = AssegnoFacts::default();
            let prefilled = known.prefill_assegno(subject, &mut facts, today(ctx));
            let estimate = match facts.children {
                Some(_) => {
                    let (params, household) = facts.validate(ctx)?;
                    Some(assegno::evaluate(
                        &params.assegno_unico,
                        &household,
                        ctx.lang(),
                    ))
                }
                None => None,
            };
            Ok(json(
                200,
                &serde_json::json!({ "benefit": "assegno-unico", "details": facts, "prefilled": prefilled, "estimate": estimate }),
            ))
        }
        "naspi" => {
            // The termination the citizen is asking about (today's when absent), and its reason
            // when they give it, for an estimate.
            let mut facts = NaspiFacts::default();
            let mut errors = Vec::new();
            let termination = match ctx.query("termination_date") {
                Some(raw) => match raw.parse::<Date>() {
                    Ok(d) => Some(d),
                    Err(_) => {
                        errors.push(FieldError::new(
                            "termination_date",
                            "must be a date as YYYY-MM-DD",
                        ));
                        None
                    }
                },
                None => Some(today(ctx)),
            };
            if let Some(raw) = ctx.query("claim_date") {
                match raw.parse::<Date>() {
                    Ok(d) => facts.claim_date = Some(d.to_string()),
                    Err(_) => errors.push(FieldError::new(
                        "claim_date",
                        "must be a date as YYYY-MM-DD",
                    )),
                }
            }
            if let Some(raw) = ctx.query("termination_reason") {
                match serde_json::from_value::<naspi::TerminationReason>(raw.into()) {
                    Ok(r) => facts.termination_reason = Some(r),
                    Err(_) => errors.push(FieldError::new(
                        "termination_reason",
                        "must be one of: dismissal, contract-end, resignation-just-cause, consensual, resignation",
                    )),
                }
            }
            if !errors.is_empty() {
                return Err(Problem::invalid(errors));
            }
            facts.termination_date = termination.map(|d| d.to_string());
            let prefill = known.prefill_naspi(subject, &mut facts, today(ctx))?;
            let lang = ctx.lang();
            let estimate = match facts.validate(ctx, false) {
                Ok((params, case)) => Some(naspi::evaluate(&params.naspi, &case, lang)),
                Err(_) => None,
            };
            Ok(json_in(
                200,
                &serde_json::json!({ "benefit": "naspi", "details": facts, "prefilled": prefill.filled, "sources": prefill.sources, "estimate": estimate }),
                lang,
            ))
        }
        _ => Err(Problem::not_found("benefit")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid code from its first fifteen characters: the one check letter that parses.
    fn code(stem: &str) -> String {
        ('A'..='Z')
            .map(|c| format!("{stem}{c}"))
            .find(|c| FiscalCode::parse(c).is_ok())
            .unwrap()
    }

    #[test]
    fn ages_come_from_the_code_in_the_century_before_the_day() {
        // Born 20 May 1926; the claim is made on 8 May 2026, twelve days before the 100th
        // birthday (the age on the claim date, not on the request's day). No termination date:
        // nothing is read from the contribution record.
        let elder = code("RSSMRA26E20H501");
        let mut facts = NaspiFacts {
            claim_date: Some("2026-05-08".into()),
            ..NaspiFacts::default()
        };
        let prefill = Known::default()
            .prefill_naspi(&elder, &mut facts, Date::constant(2026, 6, 1))
            .unwrap();
        assert_eq!(
            (facts.age, prefill.filled),
            (Some(99), vec!["age".to_string()])
        );
        // The mother is the co-parent whose code is a woman's (day 69 = 29 + 40): born on
        // 29 February 1996, 30 on 1 March 2026.
        let known = Known {
            co_parents: vec![code("BNCLRA96B69H501")],
            ..Known::default()
        };
        assert_eq!(
            known.mother_age("RSSMRA85T10A562S", Date::constant(2026, 3, 1)),
            Some(30)
        );
        assert_eq!(
            known.mother_age("RSSMRA85T10A562S", Date::constant(2026, 2, 28)),
            Some(29)
        );
    }
}
