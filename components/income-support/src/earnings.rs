//! Income support's own view of the contribution record: per worker, month and employer, the
//! weeks and taxable wages the contributions domain published as declarations recorded them or
//! corrections changed them (`contributions.earnings-recorded`). Components stay isolated: this
//! is a projection kept from events, never a read of another domain's data. It pre-fills a NASpI
//! claim's wages and weeks of the last four years, with the declarations they come from.
//!
//! Keys: `earnings/<fiscal code>/<YYYY-MM>/<employer VAT>`: the latest entry for that month.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::store;
use welfare_guest::{Event, Problem};
use welfare_identity::FiscalCode;

pub const RECORDED: &str = "contributions.earnings-recorded";
/// D.Lgs. 22/2015 art. 3 c. 1 b) and art. 4 c. 1: the wages and weeks of the four years before
/// the unemployment. The record is monthly, so the window is the termination's month and the
/// 47 before it.
pub const WINDOW_MONTHS: i32 = 48;
/// Entries one projection read returns: 48 months with a few employers each.
const MAX_ENTRIES: u32 = 1_000;

/// One worker's month with one employer, as published.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    pub fiscal_code: String,
    /// `YYYY-MM`.
    pub month: String,
    pub employer: String,
    pub weeks: u32,
    pub taxable_cents: i64,
    /// The declaration or report that recorded it.
    pub source: String,
    pub recorded_at: String,
}

#[derive(Deserialize)]
struct Payload {
    entries: Vec<Entry>,
}

fn key(fiscal_code: &str, month: &str, employer: &str) -> String {
    format!("earnings/{fiscal_code}/{month}/{employer}")
}

/// A `YYYY-MM` month, checked.
fn month(raw: &str) -> Option<(i16, i8)> {
    let (y, m) = raw.split_once('-')?;
    if y.len() != 4 || m.len() != 2 {
        return None;
    }
    let (y, m) = (y.parse::<i16>().ok()?, m.parse::<i8>().ok()?);
    (1..=12).contains(&m).then_some((y, m))
}

fn timestamp(raw: &str) -> Option<jiff::Timestamp> {
    raw.parse().ok()
}

/// Keeps each entry unless the projection holds a newer one for its month and employer, so
/// that a redelivered or late event changes nothing. An entry that does not read (a bad code or
/// month) fails the event: it is retried, then parked for an operator, not half applied.
pub fn on_recorded(event: &Event) -> Result<(), String> {
    let payload: Payload = serde_json::from_slice(&event.payload)
        .map_err(|e| format!("a {RECORDED} payload does not read: {e}"))?;
    for entry in payload.entries {
        if FiscalCode::parse(&entry.fiscal_code).is_err()
            || month(&entry.month).is_none()
            || entry.employer.is_empty()
            || entry.employer.contains('/')
        {
            return Err(format!(
                "a {RECORDED} entry names no valid worker, month or employer"
            ));
        }
        let at = timestamp(&entry.recorded_at)
            .ok_or_else(|| format!("a {RECORDED} entry has no valid recorded_at"))?;
        let k = key(&entry.fiscal_code, &entry.month, &entry.employer);
        let current = store::get::<Entry>(&k).map_err(|e| format!("{e:?}"))?;
        if current
            .as_ref()
            .is_some_and(|c| timestamp(&c.value.recorded_at).is_some_and(|t| t > at))
        {
            continue;
        }
        store::put(&k, &entry, current.map(|c| c.version)).map_err(|e| format!("{e:?}"))?;
    }
    Ok(())
}

/// What the record says of the four years before a termination.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FourYears {
    pub wages_cents: i64,
    pub weeks: u32,
    /// The declarations (and officers' report resolutions) the figures come from.
    pub sources: Vec<String>,
    /// The window read, `YYYY-MM` to `YYYY-MM`.
    pub from_month: String,
    pub to_month: String,
}

fn month_string(d: Date) -> String {
    format!("{:04}-{:02}", d.year(), d.month())
}

/// The wages and weeks the record holds for `subject` in the 48 months up to the termination's,
/// or `None` when it holds none. Wages add up across employers; a week worked for two employers
/// at once is one week of contributions, so a month counts its most weeks with any employer.
pub fn four_years_before(subject: &str, termination: Date) -> Result<Option<FourYears>, Problem> {
    let last = termination.first_of_month();
    let first = last
        .checked_sub(jiff::Span::new().months(WINDOW_MONTHS - 1))
        .unwrap_or(last);
    let (from_month, to_month) = (month_string(first), month_string(last));
    let prefix = format!("earnings/{subject}/");
    // Keys of a month sort after the bare month, so listing from it starts at the window.
    let start = format!("{prefix}{from_month}");
    let (docs, _) = store::list::<Entry>(&prefix, Some(&start), MAX_ENTRIES)?;
    let mut wages = 0;
    let mut weeks = 0;
    let mut month_weeks: Option<(String, u32)> = None;
    let mut sources: Vec<String> = Vec::new();
    for (_, doc) in docs {
        let e = doc.value;
        if e.month > to_month {
            break;
        }
        if e.weeks == 0 && e.taxable_cents == 0 {
            continue;
        }
        wages += e.taxable_cents;
        match &mut month_weeks {
            Some((m, w)) if *m == e.month => *w = (*w).max(e.weeks),
            _ => {
                if let Some((_, w)) = month_weeks.take() {
                    weeks += w;
                }
                month_weeks = Some((e.month.clone(), e.weeks));
            }
        }
        if !sources.contains(&e.source) {
            sources.push(e.source);
        }
    }
    if let Some((_, w)) = month_weeks {
        weeks += w;
    }
    Ok((!sources.is_empty()).then_some(FourYears {
        wages_cents: wages,
        weeks,
        sources,
        from_month,
        to_month,
    }))
}

#[cfg(test)]
mod tests {
    #[test]
    fn months_are_checked() {
        assert_eq!(super::month("2026-03"), Some((2026, 3)));
        for bad in ["2026-13", "2026-3", "26-03", "2026/03", "2026-00", "x"] {
            assert_eq!(super::month(bad), None, "{bad}");
        }
    }
}
