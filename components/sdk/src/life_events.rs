//! The civil registry's life events, as the gateway publishes them (source `interop`) after an
//! agency posts them to `POST /interop/v1/life-events`: their topics and payloads.
//!
//! Only the gateway publishes under `civil-registry.` (a namespace no component may publish
//! in), and it builds each payload from values it has validated (fiscal codes, dates not in
//! the future, a region's slug), so a domain reads them as they come. The one check left here
//! is that the payload's fiscal code is the event's subject: a domain keys the person's
//! documents by it, and the two disagreeing would change one person's record on another's news.
//!
//! A payload that does not read is an error for the subscriber to return: the platform retries
//! it, then dead-letters it for an operator to see, and the domain changes nothing meanwhile.

use jiff::civil::Date;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use welfare_identity::FiscalCode;

use crate::Event;
use crate::region::Region;

/// About the child: `{"child": {"fiscal_code", "birth_date"}, "parents": [fiscal codes]}`.
pub const BIRTH: &str = "civil-registry.birth";
/// About the deceased: `{"fiscal_code", "date_of_death"}`.
pub const DEATH: &str = "civil-registry.death";
/// About the resident: `{"fiscal_code", "municipality_code", "municipality", "region", "since"}`.
pub const RESIDENCE_CHANGED: &str = "civil-registry.residence-changed";
/// Why the platform closed or stopped something of a person: the registry reported their death.
pub const DECEASED: &str = "deceased";

#[derive(Debug, Clone, Deserialize)]
pub struct Birth {
    pub child: Child,
    /// One or two parents' fiscal codes.
    pub parents: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Child {
    pub fiscal_code: String,
    pub birth_date: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Death {
    pub fiscal_code: String,
    pub date_of_death: Date,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct ResidenceChanged {
    pub fiscal_code: String,
    /// The municipality's ISTAT code.
    pub municipality_code: String,
    pub municipality: String,
    pub region: Region,
    /// From when the new residence holds.
    pub since: Date,
}

/// A life event's payload: whom it is about.
pub trait LifeEvent: DeserializeOwned {
    fn fiscal_code(&self) -> &str;
}

impl LifeEvent for Birth {
    fn fiscal_code(&self) -> &str {
        &self.child.fiscal_code
    }
}

impl LifeEvent for Death {
    fn fiscal_code(&self) -> &str {
        &self.fiscal_code
    }
}

impl LifeEvent for ResidenceChanged {
    fn fiscal_code(&self) -> &str {
        &self.fiscal_code
    }
}

/// Reads `event`'s payload, whose fiscal code must be valid and be the event's subject.
pub fn read<T: LifeEvent>(event: &Event) -> Result<T, String> {
    let topic = &event.topic;
    let payload: T = serde_json::from_slice(&event.payload)
        .map_err(|e| format!("a {topic} event that does not parse: {e}"))?;
    let code = FiscalCode::parse(payload.fiscal_code())
        .map_err(|e| format!("a {topic} event whose fiscal code is not valid: {e}"))?;
    if event.subject.as_deref() != Some(code.as_str()) {
        return Err(format!(
            "a {topic} event whose fiscal code is not its subject"
        ));
    }
    Ok(payload)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
    fn payloads_read_when_they_name_their_subject() {
        let death = json!({"fiscal_code": MARIO, "date_of_death": "2026-05-08"});
        let table: &[(Option<&str>, serde_json::Value, Result<(), &str>)] = &[
            (Some(MARIO), death.clone(), Ok(())),
            (
                Some("BNCLRA90A41F205I"),
                death.clone(),
                Err("not its subject"),
            ),
            (None, death, Err("not its subject")),
            (
                Some(MARIO),
                json!({"fiscal_code": "RSSMRA85T10A562T", "date_of_death": "2026-05-08"}),
                Err("not valid"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO, "date_of_death": "2026-02-30"}),
                Err("does not parse"),
            ),
            (
                Some(MARIO),
                json!({"fiscal_code": MARIO}),
                Err("does not parse"),
            ),
        ];
        for (subject, payload, expected) in table {
            let got = read::<Death>(&event(DEATH, *subject, payload.clone()));
            match (expected, &got) {
                (Ok(()), Ok(d)) => {
                    assert_eq!(d.date_of_death, Date::constant(2026, 5, 8), "{payload}")
                }
                (Err(why), Err(e)) => assert!(e.contains(why), "{payload}: {e}"),
                _ => panic!("{payload}: expected {expected:?}, got {got:?}"),
            }
        }
        let moved = read::<ResidenceChanged>(&event(
            RESIDENCE_CHANGED,
            Some(MARIO),
            json!({"fiscal_code": MARIO, "municipality_code": "058091", "municipality": "Roma",
                   "region": "lazio", "since": "2026-05-01"}),
        ))
        .unwrap();
        assert_eq!(
            (moved.region.as_str(), moved.since),
            ("lazio", Date::constant(2026, 5, 1))
        );
        // A birth is about the child.
        let birth = json!({"child": {"fiscal_code": MARIO, "birth_date": "2026-05-01"},
                           "parents": ["BNCLRA90A41F205I"]});
        assert!(read::<Birth>(&event(BIRTH, Some(MARIO), birth.clone())).is_ok());
        assert!(read::<Birth>(&event(BIRTH, Some("BNCLRA90A41F205I"), birth)).is_err());
    }
}
