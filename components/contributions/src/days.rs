//! Dated work, driven by the platform's daily `platform.day-started` event: instalments that
//! fell overdue, invitations to regularise whose deadline passed, a new year's fixed
//! contributions. Each delivery does a bounded amount of it (within the call deadline and the
//! per-request write limit) and, when work remains, publishes `contributions.day-continued`
//! for the same date, which this component also subscribes to: a backlog is worked through in
//! as many deliveries as it needs, each committed on its own.

use jiff::civil::Date;
use serde::Deserialize;
use welfare_guest::{Event, Problem, events};

use crate::sweep::Budget;
use crate::{durc, plans, self_employed};

/// The platform's daily event.
pub const DAY_STARTED: &str = "platform.day-started";
/// This component's own continuation of a day's work.
pub const DAY_CONTINUED: &str = "contributions.day-continued";
#[derive(Deserialize)]
struct Day {
    date: Date,
}

/// Handles `platform.day-started` and `contributions.day-continued`.
pub fn on_day(event: &Event) -> Result<(), String> {
    let day: Day = serde_json::from_slice(&event.payload)
        .map_err(|e| format!("{}: the payload has no date: {e}", event.topic))?;
    let now = &event.occurred_at;
    let mut budget = Budget::default();
    let run = |budget: &mut Budget| -> Result<(), Problem> {
        plans::sweep(day.date, now, budget)?;
        durc::sweep(day.date, now, budget)?;
        self_employed::sweep(day.date, now, budget)?;
        if budget.exhausted() {
            events::publish(
                DAY_CONTINUED,
                None,
                &serde_json::json!({ "date": day.date }),
            )?;
        }
        Ok(())
    };
    run(&mut budget).map_err(|p| format!("{}: {}", p.title, p.detail.unwrap_or_default()))
}
