//! What the platform already knows about a citizen, so that applications come pre-filled: the
//! children the civil registry reported, the other parent, and what the citizen declared last
//! time (ISEE, whether both parents work). The fiscal code itself gives the age and sex.
//!
//! Key: `households/<fiscal code>`.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::dates::birth_date;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, HandlerResult, Problem, json};
use welfare_identity::FiscalCode;

use crate::assegno::{self, age_on};
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

    /// Fills what a NASpI application left out and the platform knows: the age, from the
    /// fiscal code, at the termination date. Returns the fields it filled.
    pub fn prefill_naspi(&self, subject: &str, facts: &mut NaspiFacts) -> Vec<String> {
        let mut filled = Vec::new();
        if facts.age.is_none() {
            let on = facts
                .termination_date
                .as_deref()
                .and_then(|d| d.parse::<Date>().ok());
            if let Some(on) = on
                && let Some((birth, _)) = birth_from_code(subject, on)
            {
                facts.age = Some(age_on(birth, on));
                filled.push("age".into());
            }
        }
        filled
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
        if facts.both_parents_working.is_none() && self.both_parents_working.is_some() {
            facts.both_parents_working = self.both_parents_working;
            filled.push("both_parents_working".into());
        }
        filled
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
                    Some(assegno::evaluate(&params.assegno_unico, &household))
                }
                None => None,
            };
            Ok(json(
                200,
                &serde_json::json!({ "benefit": "assegno-unico", "details": facts, "prefilled": prefilled, "estimate": estimate }),
            ))
        }
        "naspi" => {
            let mut facts = NaspiFacts::default();
            facts.termination_date = Some(today(ctx).to_string());
            let prefilled = known.prefill_naspi(subject, &mut facts);
            facts.termination_date = None;
            Ok(json(
                200,
                &serde_json::json!({ "benefit": "naspi", "details": facts, "prefilled": prefilled, "estimate": Option::<naspi::Outcome>::None }),
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
        // Born 20 May 1926; the job ended on 8 May 2026, twelve days before the 100th birthday.
        let elder = code("RSSMRA26E20H501");
        let mut facts = NaspiFacts {
            termination_date: Some("2026-05-08".into()),
            ..NaspiFacts::default()
        };
        let filled = Known::default().prefill_naspi(&elder, &mut facts);
        assert_eq!((facts.age, filled), (Some(99), vec!["age".to_string()]));
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
