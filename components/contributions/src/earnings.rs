//! What the contribution record tells other domains: each worker's month with an employer, its
//! weeks and taxable wages, published as declarations record it and as corrections (the
//! employer's, or an officer's after a report) change it. Income support keeps its own view of
//! it to pre-fill NASpI applications: domains never read each other's data.
//!
//! The topic is `contributions.earnings-recorded`, payload `{"entries": [{fiscal_code, month,
//! employer, weeks, taxable_cents, source, recorded_at}]}`. An entry replaces whatever its
//! reader holds for the same worker, month and employer if it is not older (`recorded_at`), so
//! redelivery and late delivery are harmless; weeks and wages of 0 say the month no longer
//! counts. One event carries at most [`ENTRIES_PER_EVENT`] entries.

use serde::Serialize;
use welfare_guest::{Problem, events};

use crate::month::Month;

pub const RECORDED: &str = "contributions.earnings-recorded";
/// Entries in one event: about 150 bytes each, so 200 stay well inside the 64 KiB an event may
/// carry, and a declaration of 500 workers is three events of the 100 a request may publish.
pub const ENTRIES_PER_EVENT: usize = 200;

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub fiscal_code: String,
    pub month: Month,
    /// The employer's VAT number.
    pub employer: String,
    pub weeks: u32,
    pub taxable_cents: i64,
    /// The declaration or report that recorded it.
    pub source: String,
    /// When it was recorded (the request's time): the newer wins.
    pub recorded_at: String,
}

/// Publishes `entries`, in as many events as they need.
pub fn publish(entries: &[Entry]) -> Result<(), Problem> {
    for chunk in entries.chunks(ENTRIES_PER_EVENT) {
        events::publish(RECORDED, None, &serde_json::json!({ "entries": chunk }))?;
    }
    Ok(())
}
