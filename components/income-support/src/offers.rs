//! Inversion of control: a birth reported by the civil registry
//! ([`welfare_guest::life_events::BIRTH`], about the child) becomes, for each living parent, an
//! Assegno Unico application the platform has already filled in (all the household's known
//! children, the mother's age, the last declared ISEE) and that the citizen only confirms; an
//! event tells the notifications domain to let them know.

use jiff::civil::Date;
use welfare_guest::http::SYSTEM;
use welfare_guest::ids::new_id;
use welfare_guest::life_events::{self, Birth};
use welfare_guest::{Event, events};

use crate::applications::{self, Application, Claim, ID_PREFIX, Offer, Sibling};
use crate::assegno;
use crate::household::Known;
use crate::input::{AssegnoFacts, ChildFacts};
use crate::lifecycle::{Status, Step};
use crate::{params, people};

/// Published for each parent offered a pre-filled application.
pub const OFFERED: &str = "income-support.benefit-offered";

/// Handles one birth. A malformed event is an error (retried, then dead-lettered for an
/// operator to see), never a partial offer.
pub fn on_birth(event: &Event) -> Result<(), String> {
    let birth: Birth = life_events::read(event)?;
    let occurred: Date = event
        .occurred_at
        .parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .map_err(|e| format!("occurred-at: {e}"))?;
    let reference = occurred.max(birth.child.birth_date);
    let params = params::for_year(reference.year())
        .or_else(|| params::latest())
        .ok_or("no rule parameters")?;

    // One id per living parent first, so that each offer can name the others. A parent the
    // registry reports dead is offered nothing (and told nothing); the other parent applies.
    // A living parent's document is written back, so that their death delivered meanwhile
    // conflicts with this offer (see `people`).
    let mut offers: Vec<(String, String)> = Vec::with_capacity(birth.parents.len());
    for parent in &birth.parents {
        if people::guard_alive(parent).map_err(|p| p.title)? {
            offers.push((parent.clone(), new_id(ID_PREFIX)));
        }
    }
    let now = event.occurred_at.clone();
    for (parent, id) in &offers {
        let child = ChildFacts {
            birth_date: Some(birth.child.birth_date.to_string()),
            disability: assegno::Disability::None,
            fiscal_code: Some(birth.child.fiscal_code.clone()),
        };
        let others = birth.parents.iter().filter(|p| *p != parent).cloned();
        Known::update(parent, |k| k.add_child(child, others)).map_err(|p| p.title)?;
        let known = Known::load(parent).map_err(|p| p.title)?;
        let mut facts = AssegnoFacts {
            year: Some(params.year),
            reference_date: Some(reference.to_string()),
            ..AssegnoFacts::default()
        };
        let prefilled = known.prefill_assegno(parent, &mut facts, reference);
        let (_, household) = facts
            .validate_at(reference)
            .map_err(|p| format!("the known household does not evaluate: {}", p.title))?;
        // Offered after a life event, with no reader yet: worded in Italian, and again in the
        // reader's language whenever it is read.
        let estimate = assegno::evaluate(
            &params.assegno_unico,
            &household,
            welfare_guest::reasons::Lang::default(),
        );
        let total = estimate.monthly_total_cents;
        let application = Application {
            id: id.clone(),
            claim: Claim::AssegnoUnico {
                details: facts,
                estimate,
            },
            status: Status::Offered,
            subject: parent.clone(),
            created_at: now.clone(),
            submitted_at: None,
            submitted_by: None,
            prefilled,
            sources: Default::default(),
            corrections: Vec::new(),
            offer: Some(Offer {
                event_id: event.id.clone(),
                reason: "birth".into(),
                siblings: offers
                    .iter()
                    .filter(|(p, _)| p != parent)
                    .map(|(p, i)| Sibling {
                        subject: p.clone(),
                        id: i.clone(),
                    })
                    .collect(),
            }),
            claimed_by: None,
            decision: None,
            closure: None,
            history: vec![Step {
                status: Status::Offered,
                at: now.clone(),
                by: SYSTEM.into(),
                reason: Some("A birth in the household was registered.".into()),
            }],
        };
        applications::create(&application).map_err(|p| p.title)?;
        events::publish(
            OFFERED,
            Some(parent),
            &serde_json::json!({
                "application_id": id,
                "benefit": "assegno-unico",
                "reason": "birth",
                "monthly_total_cents": total,
                "confirm": format!("/api/v1/income-support/applications/{id}/confirm"),
            }),
        )
        .map_err(|p| p.title)?;
    }
    Ok(())
}
