//! A death reported by the civil registry (`civil-registry.death`): every application of the
//! deceased that is still open is closed, and a benefit in payment ends on the date of death,
//! each with a history step by `system` whose reason is `deceased`. Nothing is published: every
//! event this domain publishes leads to a message to its subject, and the deceased is not to
//! be written to.
//!
//! The death is remembered (`deceased/<fiscal code>`), so that:
//! - the same death reported again (another event id, so the platform's own once-per-event
//!   guard does not catch it) changes nothing: the first report's date stands;
//! - nobody submits an application in the deceased's name afterwards, and a later birth
//!   naming them as a parent offers the benefit to the living parent only.
//!
//! The whole reaction is one transaction: a malformed event, or any failed write, leaves every
//! application as it was, and the platform retries the event.

use serde::{Deserialize, Serialize};
use welfare_guest::life_events::{self, Death};
use welfare_guest::store::{self, Doc};
use welfare_guest::{Event, Problem};

use crate::applications::{self, Application, Closure, ClosureReason, Pointer};
use crate::lifecycle::{Action, Status};
use crate::officers;

/// The platform's own name in histories.
const SYSTEM: &str = "system";

fn key(fiscal_code: &str) -> String {
    format!("deceased/{fiscal_code}")
}

/// What this domain remembers of a death.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Deceased {
    pub date_of_death: jiff::civil::Date,
    pub event_id: String,
    /// When the registry's event was published.
    pub recorded_at: String,
}

/// Whether the civil registry has reported `subject`'s death.
pub fn is_deceased(subject: &str) -> Result<bool, Problem> {
    Ok(store::get::<Deceased>(&key(subject))?.is_some())
}

/// The answer to anything done in the name of a person the registry reports dead.
pub fn refused() -> Problem {
    Problem::new(
        409,
        "deceased",
        "The civil registry reports this person as deceased.",
    )
}

/// What a death does to an application in `status`: the benefit in payment ends, anything not
/// yet final is closed, a final one is left as it is.
pub fn action_on_death(status: Status) -> Option<Action> {
    match status {
        s if s.is_final() => None,
        Status::Paid => Some(Action::End),
        _ => Some(Action::Close),
    }
}

/// Closes `app` (or ends its payment) for `death`, told by event `event_id` at `at`. Returns
/// the status it left, or `None` when it was already final.
pub fn close(
    app: &mut Application,
    death: &Death,
    event_id: &str,
    at: &str,
) -> Result<Option<Status>, Problem> {
    let Some(action) = action_on_death(app.status) else {
        return Ok(None);
    };
    let reason = ClosureReason::Deceased;
    let before = app.status;
    app.advance(action, SYSTEM, at, Some(reason.as_str().into()))?;
    app.claimed_by = None;
    app.closure = Some(Closure {
        reason,
        effective_on: death.date_of_death,
        event_id: event_id.into(),
    });
    Ok(Some(before))
}

/// Handles one `civil-registry.death` event.
pub fn on_death(event: &Event) -> Result<(), String> {
    let death = life_events::death(event)?;
    handle(event, &death).map_err(|p| format!("{}: {}", p.title, p.detail.unwrap_or_default()))
}

fn handle(event: &Event, death: &Death) -> Result<(), Problem> {
    if is_deceased(&death.fiscal_code)? {
        return Ok(());
    }
    let apps: Vec<(String, Doc<Application>)> =
        store::list_all(&applications::key(&death.fiscal_code, ""))?;
    for (_, mut doc) in apps {
        let claimed_by = doc.value.claimed_by.clone();
        let Some(before) = close(&mut doc.value, death, &event.id, &event.occurred_at)? else {
            continue;
        };
        // Out of the officers' sight: the queue and the claim point at it no more.
        let id = doc.value.id.clone();
        let pointer = match (before, claimed_by) {
            (Status::Submitted, _) => Some(applications::queue_key(&id)),
            (Status::InReview, Some(officer)) => Some(officers::claim_key(&officer, &id)),
            _ => None,
        };
        if let Some(k) = pointer
            && let Some(p) = store::get::<Pointer>(&k)?
        {
            store::delete(&k, p.version)?;
        }
        applications::save(&doc)?;
    }
    store::create(
        &key(&death.fiscal_code),
        &Deceased {
            date_of_death: death.date_of_death,
            event_id: event.id.clone(),
            recorded_at: event.occurred_at.clone(),
        },
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::Claim;
    use crate::input::NaspiFacts;
    use crate::lifecycle::Step;
    use crate::naspi::{self, TerminationReason};
    use jiff::civil::Date;

    fn application(status: Status) -> Application {
        let params = crate::params::latest().unwrap();
        let estimate = naspi::evaluate(
            &params.naspi,
            &naspi::Case {
                termination_date: Date::constant(2026, 1, 15),
                claim_date: Date::constant(2026, 1, 20),
                reason: TerminationReason::Dismissal,
                wages_last_4_years_cents: 6_000_000,
                contribution_weeks_last_4_years: 200,
                age: 40,
            },
        );
        Application {
            id: "app_01jz0000000000000000000000".into(),
            claim: Claim::Naspi {
                details: NaspiFacts::default(),
                estimate,
            },
            status,
            subject: "RSSMRA85T10A562S".into(),
            created_at: "2026-01-20T10:00:00Z".into(),
            submitted_at: None,
            submitted_by: None,
            prefilled: Vec::new(),
            offer: None,
            claimed_by: (status == Status::InReview).then(|| "officer-1".into()),
            decision: None,
            closure: None,
            history: vec![Step {
                status,
                at: "2026-01-20T10:00:00Z".into(),
                by: "citizen:RSSMRA85T10A562S".into(),
                reason: None,
            }],
        }
    }

    #[test]
    fn a_death_closes_what_is_open_and_ends_what_is_paid() {
        use Status::*;
        let table = [
            (Offered, Some(Closed)),
            (Submitted, Some(Closed)),
            (InReview, Some(Closed)),
            (Approved, Some(Closed)),
            (Paid, Some(Ended)),
            (Rejected, None),
            (Withdrawn, None),
            (Closed, None),
            (Ended, None),
        ];
        let death = Death {
            fiscal_code: "RSSMRA85T10A562S".into(),
            date_of_death: Date::constant(2026, 5, 8),
        };
        for (status, expected) in table {
            let mut app = application(status);
            let got = close(&mut app, &death, "evt_1", "2026-05-10T09:00:00Z").unwrap();
            match expected {
                None => {
                    assert_eq!(got, None, "{status:?}");
                    assert_eq!(app.status, status);
                    assert_eq!(app.history.len(), 1);
                    assert!(app.closure.is_none());
                }
                Some(after) => {
                    assert_eq!(got, Some(status));
                    assert_eq!(app.status, after, "{status:?}");
                    let step = app.history.last().unwrap();
                    assert_eq!(
                        (step.status, step.by.as_str(), step.reason.as_deref()),
                        (after, "system", Some("deceased"))
                    );
                    assert_eq!(step.at, "2026-05-10T09:00:00Z");
                    let closure = app.closure.as_ref().unwrap();
                    assert_eq!(closure.effective_on, death.date_of_death);
                    assert_eq!(closure.event_id, "evt_1");
                    assert!(app.claimed_by.is_none());
                    // Closing again is no second effect.
                    let again = close(&mut app, &death, "evt_2", "2026-05-11T09:00:00Z").unwrap();
                    assert_eq!(again, None);
                    assert_eq!(app.history.len(), 2);
                    assert_eq!(app.closure.as_ref().unwrap().event_id, "evt_1");
                }
            }
        }
    }

    #[test]
    fn the_closure_reads_back() {
        let mut app = application(Status::Paid);
        let death = Death {
            fiscal_code: "RSSMRA85T10A562S".into(),
            date_of_death: Date::constant(2026, 5, 8),
        };
        close(&mut app, &death, "evt_1", "2026-05-10T09:00:00Z").unwrap();
        let json = serde_json::to_value(&app).unwrap();
        assert_eq!(json["status"], "ended");
        assert_eq!(json["closure"]["reason"], "deceased");
        assert_eq!(json["closure"]["effective_on"], "2026-05-08");
        let back: Application = serde_json::from_value(json).unwrap();
        assert_eq!(back.status, Status::Ended);
    }
}
