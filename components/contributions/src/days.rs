//! Dated work, driven by the platform's daily `platform.day-started` event: instalments that
//! fell overdue, invitations to regularise whose deadline passed, a new year's fixed
//! contributions. Each delivery does a bounded amount of it (within the call deadline and the
//! per-request write limit) and, when work remains, publishes `contributions.day-continued`
//! for the same date, which this component also subscribes to: a backlog is worked through in
//! as many deliveries as it needs, each committed on its own.

use jiff::civil::Date;
use serde::Deserialize;
use welfare_guest::{Event, Problem, events, store};

use crate::{durc, plans, self_employed};

/// The platform's daily event.
pub const DAY_STARTED: &str = "platform.day-started";
/// This component's own continuation of a day's work.
pub const DAY_CONTINUED: &str = "contributions.day-continued";
/// Events one delivery may publish: the gateway allows 100 per call; one is kept for
/// `day-continued`, the rest is margin.
pub const EVENTS_PER_DELIVERY: usize = 90;
/// Documents one delivery may write: the gateway allows 1,000 per call.
pub const WRITES_PER_DELIVERY: usize = 900;

/// What this delivery may still publish and write. Each item of work reserves its worst case
/// before it starts, so a delivery never crosses the gateway's limits (which would fail it,
/// and every retry of it, as a whole).
pub struct Budget {
    events: usize,
    writes: usize,
    exhausted: bool,
}

impl Default for Budget {
    fn default() -> Self {
        Self {
            events: EVENTS_PER_DELIVERY,
            writes: WRITES_PER_DELIVERY,
            exhausted: false,
        }
    }
}

impl Budget {
    /// Reserves room for an item of at most `events` events and `writes` writes; false (and
    /// remembered, so the day continues in another delivery) when it does not fit.
    pub fn reserve(&mut self, events: usize, writes: usize) -> bool {
        if events > self.events || writes > self.writes {
            self.exhausted = true;
            return false;
        }
        self.events -= events;
        self.writes -= writes;
        true
    }

    /// Work remains that this delivery will not start: continue in another.
    pub fn more(&mut self) {
        self.exhausted = true;
    }
}

/// The first entry of a dated index (`<prefix><YYYY-MM-DD>/…`) dated before `date`: its key,
/// the parts after the date, and its version. The sweeps delete each entry they handle, so
/// the first one is always the next to do.
pub fn first_before(
    prefix: &str,
    date: Date,
) -> Result<Option<(String, Vec<String>, u64)>, Problem> {
    let (page, _) = store::list::<serde_json::Value>(prefix, None, 1)?;
    let Some((key, entry)) = page.into_iter().next() else {
        return Ok(None);
    };
    if key >= format!("{prefix}{date}") {
        return Ok(None);
    }
    let parts = key[prefix.len()..]
        .split('/')
        .skip(1)
        .map(String::from)
        .collect();
    Ok(Some((key, parts, entry.version)))
}

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
        if budget.exhausted {
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
