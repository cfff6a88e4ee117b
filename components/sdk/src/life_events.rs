//! The civil registry's life events, as the gateway publishes them (source `interop`) after an
//! agency posts them to `POST /interop/v1/life-events`: their topics, and their payloads read
//! and checked once here, so that every domain reacting to a death or a move agrees on what a
//! well-formed event is.
//!
//! A malformed event is an error for the subscriber to return: the platform retries it, then
//! dead-letters it for an operator to see, and the domain changes nothing meanwhile. Reading
//! an event never writes, so a domain checks it whole before its first write.
//!
//! - `civil-registry.birth` (about the child): read by income-support's offers.
//! - `civil-registry.death` (about the deceased): `{"fiscal_code", "date_of_death"}`.
//! - `civil-registry.residence-changed` (about the resident): `{"fiscal_code",
//!   "municipality_code", "municipality", "region", "since"}`.

use std::ops::RangeInclusive;

use jiff::civil::Date;
use serde::Deserialize;
use welfare_identity::FiscalCode;

use crate::Event;
use crate::region::Region;

pub const BIRTH: &str = "civil-registry.birth";
pub const DEATH: &str = "civil-registry.death";
pub const RESIDENCE_CHANGED: &str = "civil-registry.residence-changed";

/// Days a registry date may lie after the UTC day the event was published: the registry dates
/// by the Italian calendar, which runs up to two hours ahead of UTC, so just after midnight in
/// Italy "today" there is still "yesterday" in UTC. Anything later is a date still to come,
/// which no registry records.
pub const FUTURE_TOLERANCE_DAYS: i32 = 1;
/// An ISTAT municipality code: the province's three digits and the municipality's three.
pub const MUNICIPALITY_CODE_DIGITS: usize = 6;
/// A municipality's name: the longest Italian one has under 40 characters; more is not a name.
pub const MUNICIPALITY_CHARS: RangeInclusive<usize> = 1..=100;

/// `civil-registry.death`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Death {
    /// The deceased's fiscal code, upper case; the event's subject.
    pub fiscal_code: String,
    pub date_of_death: Date,
}

/// `civil-registry.residence-changed`, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResidenceChanged {
    /// The resident's fiscal code, upper case; the event's subject.
    pub fiscal_code: String,
    pub municipality_code: String,
    pub municipality: String,
    pub region: Region,
    /// From when the new residence holds.
    pub since: Date,
}

// Dates are read as text and checked by hand: a lenient date parser would take a date-time
// and drop its time, and a registry that sends one is malformed.
#[derive(Deserialize)]
struct RawDeath {
    fiscal_code: String,
    date_of_death: String,
}

#[derive(Deserialize)]
struct RawResidence {
    fiscal_code: String,
    municipality_code: String,
    municipality: String,
    region: String,
    since: String,
}

/// Reads and checks a `civil-registry.death` event.
pub fn death(event: &Event) -> Result<Death, String> {
    let raw: RawDeath = payload(event, DEATH)?;
    let code = subject_code(event, DEATH, &raw.fiscal_code)?;
    let date_of_death = date(DEATH, "date_of_death", &raw.date_of_death)?;
    not_after_publication(event, DEATH, "date_of_death", date_of_death)?;
    if birth_date(&code, date_of_death).is_some_and(|born| born > date_of_death) {
        return Err(format!(
            "a {DEATH} event whose date_of_death is before the birth its fiscal code encodes"
        ));
    }
    Ok(Death {
        fiscal_code: code.as_str().to_string(),
        date_of_death,
    })
}

/// Reads and checks a `civil-registry.residence-changed` event.
pub fn residence_changed(event: &Event) -> Result<ResidenceChanged, String> {
    let raw: RawResidence = payload(event, RESIDENCE_CHANGED)?;
    let code = subject_code(event, RESIDENCE_CHANGED, &raw.fiscal_code)?;
    let bad = |field: &str, why: &str| format!("a {RESIDENCE_CHANGED} event whose {field} {why}");
    if raw.municipality_code.len() != MUNICIPALITY_CODE_DIGITS
        || !raw.municipality_code.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad(
            "municipality_code",
            &format!("is not {MUNICIPALITY_CODE_DIGITS} digits (an ISTAT code)"),
        ));
    }
    let municipality = raw.municipality.trim();
    if !MUNICIPALITY_CHARS.contains(&municipality.chars().count()) {
        return Err(bad(
            "municipality",
            &format!(
                "is not {} to {} characters",
                MUNICIPALITY_CHARS.start(),
                MUNICIPALITY_CHARS.end()
            ),
        ));
    }
    let region = Region::parse(&raw.region)
        .ok_or_else(|| bad("region", "is not an Italian region's slug"))?;
    let since = date(RESIDENCE_CHANGED, "since", &raw.since)?;
    not_after_publication(event, RESIDENCE_CHANGED, "since", since)?;
    Ok(ResidenceChanged {
        fiscal_code: code.as_str().to_string(),
        municipality_code: raw.municipality_code,
        municipality: municipality.to_string(),
        region,
        since,
    })
}

fn payload<T: for<'de> Deserialize<'de>>(event: &Event, topic: &str) -> Result<T, String> {
    serde_json::from_slice(&event.payload)
        .map_err(|e| format!("a {topic} event that does not parse: {e}"))
}

/// The payload's fiscal code, which must be valid and name the event's subject: a store key
/// is made of the subject, so the two disagreeing would change one person's record on
/// another's news.
fn subject_code(event: &Event, topic: &str, raw: &str) -> Result<FiscalCode, String> {
    let code = FiscalCode::parse(raw)
        .map_err(|e| format!("a {topic} event whose fiscal_code is not valid: {e}"))?;
    let subject = event
        .subject
        .as_deref()
        .map(FiscalCode::parse)
        .transpose()
        .map_err(|e| format!("a {topic} event whose subject is not a fiscal code: {e}"))?;
    match subject {
        Some(s) if s == code => Ok(code),
        Some(_) => Err(format!(
            "a {topic} event whose fiscal_code is not its subject"
        )),
        None => Err(format!("a {topic} event without a subject")),
    }
}

/// `YYYY-MM-DD` and nothing else.
fn date(topic: &str, field: &str, raw: &str) -> Result<Date, String> {
    let shaped = raw.len() == 10
        && raw.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shaped
        .then(|| raw.parse::<Date>().ok())
        .flatten()
        .ok_or_else(|| format!("a {topic} event whose {field} is not a date (YYYY-MM-DD)"))
}

/// The day the event was published, in UTC.
fn published_on(event: &Event) -> Result<Date, String> {
    event
        .occurred_at
        .parse::<jiff::Timestamp>()
        .map(|t| t.to_zoned(jiff::tz::TimeZone::UTC).date())
        .map_err(|e| format!("an event whose occurred-at is not a timestamp: {e}"))
}

fn not_after_publication(event: &Event, topic: &str, field: &str, day: Date) -> Result<(), String> {
    let latest = published_on(event)?
        .checked_add(jiff::Span::new().days(FUTURE_TOLERANCE_DAYS))
        .map_err(|e| e.to_string())?;
    if day > latest {
        return Err(format!(
            "a {topic} event whose {field} ({day}) is after the day it was published"
        ));
    }
    Ok(())
}

/// The birth date a fiscal code encodes, with the century that puts it not after `on`.
fn birth_date(code: &FiscalCode, on: Date) -> Option<Date> {
    let birth = code.birth()?;
    let year = i16::try_from(birth.year(on.year().into())).ok()?;
    Date::new(year, birth.month as i8, birth.day as i8).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    const MARIO: &str = "RSSMRA85T10A562S";

    fn event(topic: &str, subject: Option<&str>, payload: serde_json::Value) -> Event {
        Event {
            id: "evt_1".into(),
            topic: topic.into(),
            source: "interop".into(),
            subject: subject.map(str::to_string),
            payload: serde_json::to_vec(&payload).unwrap(),
            occurred_at: "2026-05-10T09:00:00Z".into(),
            attempt: 1,
        }
    }

    #[test]
    fn deaths() {
        use serde_json::json;
        let table: &[(Option<&str>, serde_json::Value, Result<&str, &str>)] = &[
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-05-08"}),
                Ok("2026-05-08"),
            ),
            // Lower case is the same code; unknown fields are tolerated.
            (
                Some(MARIO),
                json!({"fiscal_code": "rssmra85t10a562s", "date_of_death": "2026-05-08", "place": "Roma"}),
                Ok("2026-05-08"),
            ),
            // Italy's tomorrow-morning is still today in UTC: one day of tolerance.
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-05-11"}),
                Ok("2026-05-11"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-05-12"}),
                Err("after the day it was published"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-05-08T10:00:00"}),
                Err("not a date"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-02-30"}),
                Err("not a date"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO}),
                Err("does not parse"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": "RSSMRA85T10A562T", "date_of_death": "2026-05-08"}),
                Err("fiscal_code is not valid"),
            ),
            (
                Some("BNCLRA90A41F205I"),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-05-08"}),
                Err("not its subject"),
            ),
            (
                None,
                json!({"fiscal_code": MARIO, "date_of_death": "2026-05-08"}),
                Err("without a subject"),
            ),
            // Mario was born on 10 December 1985.
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "1985-12-09"}),
                Err("before the birth"),
            ),
            (Some(MARIO), json!("not an object"), Err("does not parse")),
        ];
        for (subject, payload, expected) in table {
            let got = death(&event(DEATH, *subject, payload.clone()));
            match (expected, &got) {
                (Ok(day), Ok(d)) => {
                    assert_eq!(d.fiscal_code, MARIO);
                    assert_eq!(d.date_of_death.to_string(), *day, "{payload}");
                }
                (Err(why), Err(e)) => assert!(e.contains(why), "{payload}: {e}"),
                _ => panic!("{payload}: expected {expected:?}, got {got:?}"),
            }
        }
    }

    #[test]
    fn moves() {
        use serde_json::json;
        let good = json!({"fiscal_code": MARIO, "municipality_code": "058091",
            "municipality": " Roma ", "region": "lazio", "since": "2026-05-01"});
        let with = |field: &str, value: serde_json::Value| {
            let mut p = good.clone();
            p[field] = value;
            p
        };
        let without = |field: &str| {
            let mut p = good.clone();
            p.as_object_mut().unwrap().remove(field);
            p
        };
        let table: Vec<(serde_json::Value, Option<&str>)> = vec![
            (good.clone(), None),
            (
                with("municipality_code", json!("58091")),
                Some("municipality_code"),
            ),
            (
                with("municipality_code", json!("05809A")),
                Some("municipality_code"),
            ),
            (
                with("municipality_code", json!(58091)),
                Some("does not parse"),
            ),
            (with("municipality", json!("  ")), Some("municipality")),
            (
                with("municipality", json!("x".repeat(101))),
                Some("municipality"),
            ),
            (with("region", json!("Lazio")), Some("region")),
            (with("region", json!("padania")), Some("region")),
            (with("since", json!("01/05/2026")), Some("since")),
            (with("since", json!("2026-06-01")), Some("after the day")),
            (
                with("fiscal_code", json!("BNCLRA90A41F205I")),
                Some("not its subject"),
            ),
            (without("region"), Some("does not parse")),
            (without("since"), Some("does not parse")),
        ];
        for (payload, expected) in table {
            let got = residence_changed(&event(RESIDENCE_CHANGED, Some(MARIO), payload.clone()));
            match (expected, got) {
                (None, Ok(r)) => {
                    assert_eq!(r.municipality, "Roma");
                    assert_eq!(r.municipality_code, "058091");
                    assert_eq!(r.region.as_str(), "lazio");
                    assert_eq!(r.since, Date::constant(2026, 5, 1));
                }
                (Some(why), Err(e)) => assert!(e.contains(why), "{payload}: {e}"),
                (expected, got) => panic!("{payload}: expected {expected:?}, got {got:?}"),
            }
        }
    }
}
