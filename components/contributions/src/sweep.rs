//! What every dated sweep shares (the instalments, the invitations to regularise, the fixed
//! contributions): the budget one delivery may spend, and the next entry of a dated index. A
//! leaf: the sweeps use it, [`crate::days`] drives them, and neither imports the other for it.

use jiff::civil::Date;
use welfare_guest::{Problem, store};

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

    /// Whether work was left for another delivery.
    pub fn exhausted(&self) -> bool {
        self.exhausted
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
