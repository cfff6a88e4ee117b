//! A death reported by the civil registry (`civil-registry.death`): every application of the
//! deceased that is not yet granted is closed, and a granted benefit (approved or in payment)
//! ends on the date of death, each with a history step by `system` whose reason is `deceased`.
//! A granted benefit ends rather than closes because it was due until then: what it owed up to
//! the death is paid to the heirs. Nothing is published: every event this domain publishes
//! leads to a message to its subject, and the deceased is not to be written to.
//!
//! The death is remembered on the person's document ([`crate::people`]), so that:
//! - the same death reported again (another event id, so the platform's own once-per-event
//!   guard does not catch it) changes nothing;
//! - a report with another date, published later, is the registry's correction: the recorded
//!   date and every closure's `effective_on` move to it (an older report delivered late
//!   changes nothing);
//! - nobody starts anything in the deceased's name afterwards, even concurrently (see
//!   [`crate::people`]), and a later birth naming them as a parent offers the benefit to the
//!   living parent only.
//!
//! The whole reaction is one transaction: a malformed event, or any failed write, leaves every
//! application as it was, and the platform retries the event.

use jiff::Timestamp;
use jiff::civil::Date;
use welfare_guest::http::SYSTEM;
use welfare_guest::life_events::{self, Death};
use welfare_guest::store::{self, Doc};
use welfare_guest::{Event, Problem};

use crate::applications::{self, Application, Closure, ClosureReason, Pointer};
use crate::lifecycle::{Action, Status};
use crate::officers;
use crate::people::{self, Deceased};

/// What a death report is, given the death already recorded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    /// The first: applications close and benefits end.
    First,
    /// A later report with another date: the registry corrected it.
    Correction,
    /// The same date again, or a report older than the one recorded.
    Nothing,
}

/// What a report of a death on `date_of_death`, published at `at`, is after `recorded`.
pub fn report(recorded: Option<&Deceased>, date_of_death: Date, at: Timestamp) -> Report {
    match recorded {
        None => Report::First,
        Some(d) if d.date_of_death == date_of_death || at <= d.recorded_at => Report::Nothing,
        Some(_) => Report::Correction,
    }
}

/// What a death does to an application in `status`: a granted benefit (approved or in
/// payment) ends, anything not yet granted is closed, a final one is left as it is.
pub fn action_on_death(status: Status) -> Option<Action> {
    match status {
        s if s.is_final() => None,
        Status::Approved | Status::Paid => Some(Action::End),
        _ => Some(Action::Close),
    }
}

/// Closes `app` (or ends its benefit) for `death`, told by event `event_id` at `at`. Returns
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

/// Moves the closure a death gave `app` to the corrected `date_of_death`; false when it had
/// none, or already had that date.
pub fn correct(app: &mut Application, date_of_death: Date) -> bool {
    match &mut app.closure {
        Some(c) if c.reason == ClosureReason::Deceased && c.effective_on != date_of_death => {
            c.effective_on = date_of_death;
            true
        }
        _ => false,
    }
}

/// Handles one `civil-registry.death` event.
pub fn on_death(event: &Event) -> Result<(), String> {
    let death: Death = life_events::read(event)?;
    let at: Timestamp = event
        .occurred_at
        .parse()
        .map_err(|e| format!("an event whose occurred-at is not a timestamp: {e}"))?;
    handle(event, &death, at).map_err(|p| format!("{}: {}", p.title, p.detail.unwrap_or_default()))
}

fn handle(event: &Event, death: &Death, at: Timestamp) -> Result<(), Problem> {
    let (mut person, version) = people::load(&death.fiscal_code)?;
    let report = report(person.deceased.as_ref(), death.date_of_death, at);
    if report == Report::Nothing {
        return Ok(());
    }
    let apps: Vec<(String, Doc<Application>)> =
        store::list_all(&applications::key(&death.fiscal_code, ""))?;
    for (_, mut doc) in apps {
        if report == Report::Correction {
            if correct(&mut doc.value, death.date_of_death) {
                applications::save(&doc)?;
            }
            continue;
        }
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
    person.deceased = Some(Deceased {
        date_of_death: death.date_of_death,
        event_id: event.id.clone(),
        recorded_at: at,
    });
    people::save(&death.fiscal_code, &person, version)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::applications::sample_naspi as application;

    #[test]
    fn a_death_closes_what_is_open_and_ends_what_was_granted() {
        use Status::*;
        let table = [
            (Offered, Some(Closed)),
            (Submitted, Some(Closed)),
            (InReview, Some(Closed)),
            // Granted and not yet paid: it ends like a benefit in payment, the arrears being
            // due to the heirs.
            (Approved, Some(Ended)),
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

    fn at(rfc3339: &str) -> Timestamp {
        rfc3339.parse().unwrap()
    }

    #[test]
    fn a_second_report_corrects_the_date_only_when_it_is_newer_and_differs() {
        let recorded = Deceased {
            date_of_death: Date::constant(2026, 5, 8),
            event_id: "evt_1".into(),
            recorded_at: at("2026-05-10T09:00:00Z"),
        };
        // (recorded, reported date, published at, what it is)
        let table = [
            (None, (2026, 5, 8), "2026-05-10T09:00:00Z", Report::First),
            // The same death again, whenever reported: nothing.
            (
                Some(&recorded),
                (2026, 5, 8),
                "2026-05-12T09:00:00Z",
                Report::Nothing,
            ),
            // Another date, published later: the registry's correction.
            (
                Some(&recorded),
                (2026, 5, 7),
                "2026-05-12T09:00:00Z",
                Report::Correction,
            ),
            // Another date published before the recorded one, delivered late; or at the same
            // instant: the recorded one stands.
            (
                Some(&recorded),
                (2026, 5, 7),
                "2026-05-09T09:00:00Z",
                Report::Nothing,
            ),
            (
                Some(&recorded),
                (2026, 5, 7),
                "2026-05-10T09:00:00Z",
                Report::Nothing,
            ),
        ];
        for (recorded, (y, m, d), published, expected) in table {
            assert_eq!(
                report(recorded, Date::constant(y, m, d), at(published)),
                expected,
                "{y}-{m}-{d} published {published}"
            );
        }
    }

    #[test]
    fn a_correction_moves_the_closure_of_a_death_only() {
        let death = Death {
            fiscal_code: "RSSMRA85T10A562S".into(),
            date_of_death: Date::constant(2026, 5, 8),
        };
        let mut ended = application(Status::Paid);
        close(&mut ended, &death, "evt_1", "2026-05-10T09:00:00Z").unwrap();
        assert!(correct(&mut ended, Date::constant(2026, 5, 7)));
        assert_eq!(
            ended.closure.as_ref().unwrap().effective_on,
            Date::constant(2026, 5, 7)
        );
        // The status and history stay: the death still ended it, on another day.
        assert_eq!((ended.status, ended.history.len()), (Status::Ended, 2));
        // The same date again, or an application the death did not close: no change.
        assert!(!correct(&mut ended, Date::constant(2026, 5, 7)));
        let mut rejected = application(Status::Rejected);
        assert!(!correct(&mut rejected, Date::constant(2026, 5, 7)));
        assert!(rejected.closure.is_none());
    }
}
