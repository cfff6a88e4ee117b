//! Life events from the civil registry (ANPR): a birth, a death, a change of residence. The
//! platform validates each and publishes it as an event the domains react to — a birth becomes
//! a pre-filled child-benefit offer, a death closes what was open and silences messages, a
//! new residence moves the person's region. The events are the gateway's (source `interop`),
//! under topics no component may publish.

use jiff::civil::Date;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::identity::FiscalCode;
use crate::problem::FieldError;

/// The namespace of the registry's events: a reserved component name, so no component can
/// publish a birth.
pub const NAMESPACE: &str = welfare_runtime::manifest::LIFE_EVENTS_NAMESPACE;
pub const BIRTH: &str = "civil-registry.birth";
pub const DEATH: &str = "civil-registry.death";
pub const RESIDENCE: &str = "civil-registry.residence-changed";
/// The source the events carry.
pub const SOURCE: &str = "interop";
/// Parents a birth may name.
const MAX_PARENTS: usize = 2;
/// Length bound of a municipality's name ("San Valentino in Abruzzo Citeriore" is 34).
const MAX_MUNICIPALITY_LEN: usize = 64;

#[derive(Debug, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum LifeEvent {
    Birth {
        child: Child,
        parents: Vec<String>,
    },
    Death {
        fiscal_code: String,
        date_of_death: Date,
    },
    ResidenceChange {
        fiscal_code: String,
        /// The municipality's 6-digit ISTAT code.
        municipality_code: String,
        municipality: String,
        region: String,
        since: Date,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Child {
    pub fiscal_code: String,
    pub birth_date: Date,
}

/// A validated event, ready to publish.
#[derive(Debug, PartialEq)]
pub struct Publishable {
    pub topic: &'static str,
    pub subject: String,
    pub payload: Value,
}

/// Parses and checks a life event against `today`, naming every field at fault.
pub fn validate(body: &[u8], today: Date) -> Result<Publishable, Vec<FieldError>> {
    let event: LifeEvent = serde_json::from_slice(body).map_err(|e| {
        vec![FieldError {
            field: "body".into(),
            message: format!("not a life event (kind birth, death or residence-change): {e}"),
        }]
    })?;
    let mut errors = Vec::new();
    let mut code = |field: &str, raw: &str| match FiscalCode::parse(raw) {
        Ok(c) => Some(c.to_string()),
        Err(e) => {
            errors.push(FieldError {
                field: field.into(),
                message: e.to_string(),
            });
            None
        }
    };
    let published = match event {
        LifeEvent::Birth { child, parents } => {
            let child_code = code("child.fiscal_code", &child.fiscal_code);
            let parent_codes: Vec<Option<String>> = parents
                .iter()
                .enumerate()
                .map(|(i, p)| code(&format!("parents[{i}]"), p))
                .collect();
            if parents.is_empty() || parents.len() > MAX_PARENTS {
                errors.push(field("parents", format!("1 to {MAX_PARENTS} parents")));
            }
            if child.birth_date > today {
                errors.push(field("child.birth_date", "is in the future".into()));
            }
            let parents: Vec<String> = parent_codes.into_iter().flatten().collect();
            if parents.len() == 2 && parents[0] == parents[1] {
                errors.push(field("parents[1]", "the same person as parents[0]".into()));
            }
            if child_code.as_ref().is_some_and(|c| parents.contains(c)) {
                errors.push(field("parents", "a child is not their own parent".into()));
            }
            child_code.map(|c| Publishable {
                topic: BIRTH,
                subject: c.clone(),
                payload: json!({
                    "child": { "fiscal_code": c, "birth_date": child.birth_date },
                    "parents": parents,
                }),
            })
        }
        LifeEvent::Death {
            fiscal_code,
            date_of_death,
        } => {
            let c = code("fiscal_code", &fiscal_code);
            if date_of_death > today {
                errors.push(field("date_of_death", "is in the future".into()));
            }
            c.map(|c| Publishable {
                topic: DEATH,
                subject: c.clone(),
                payload: json!({ "fiscal_code": c, "date_of_death": date_of_death }),
            })
        }
        LifeEvent::ResidenceChange {
            fiscal_code,
            municipality_code,
            municipality,
            region,
            since,
        } => {
            let c = code("fiscal_code", &fiscal_code);
            if municipality_code.len() != 6
                || !municipality_code.bytes().all(|b| b.is_ascii_digit())
            {
                errors.push(field(
                    "municipality_code",
                    "the municipality's 6-digit ISTAT code".into(),
                ));
            }
            let name = municipality.trim();
            if name.is_empty() || name.chars().count() > MAX_MUNICIPALITY_LEN {
                errors.push(field(
                    "municipality",
                    format!("1 to {MAX_MUNICIPALITY_LEN} characters"),
                ));
            }
            if !welfare_identity::region::is_region(&region) {
                errors.push(field(
                    "region",
                    "one of the 20 regions, e.g. lazio, emilia-romagna".into(),
                ));
            }
            if since > today {
                errors.push(field("since", "is in the future".into()));
            }
            c.map(|c| Publishable {
                topic: RESIDENCE,
                subject: c.clone(),
                payload: json!({
                    "fiscal_code": c,
                    "municipality_code": municipality_code,
                    "municipality": name,
                    "region": region,
                    "since": since,
                }),
            })
        }
    };
    match published {
        Some(p) if errors.is_empty() => Ok(p),
        _ => Err(errors),
    }
}

fn field(name: &str, message: String) -> FieldError {
    FieldError {
        field: name.into(),
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TODAY: Date = jiff::civil::date(2026, 11, 23);

    fn fields(body: Value) -> Vec<String> {
        validate(&serde_json::to_vec(&body).unwrap(), TODAY)
            .unwrap_err()
            .into_iter()
            .map(|e| e.field)
            .collect()
    }

    #[test]
    fn valid_events_become_their_topics() {
        let birth = validate(
            br#"{"kind":"birth","child":{"fiscal_code":"rssmra85t10a562s","birth_date":"2026-11-20"},
                 "parents":["BNCLRA90A41F205I"]}"#,
            TODAY,
        );
        // The child's code is normalised to upper case.
        assert_eq!(
            birth.as_ref().map(|p| (p.topic, p.subject.as_str())).ok(),
            Some((BIRTH, "RSSMRA85T10A562S"))
        );
        let death = validate(
            br#"{"kind":"death","fiscal_code":"RSSMRA85T10A562S","date_of_death":"2026-11-01"}"#,
            TODAY,
        )
        .unwrap();
        assert_eq!(death.topic, DEATH);
        let moved = validate(
            br#"{"kind":"residence-change","fiscal_code":"RSSMRA85T10A562S","municipality_code":"037006",
                 "municipality":"Bologna","region":"emilia-romagna","since":"2026-10-01"}"#,
            TODAY,
        )
        .unwrap();
        assert_eq!(moved.payload["region"], "emilia-romagna");
    }

    #[test]
    fn every_field_at_fault_is_named() {
        let cases = [
            (
                json!({"kind":"birth","child":{"fiscal_code":"RSSMRA85T10A562X","birth_date":"2026-12-01"},"parents":[]}),
                vec!["child.fiscal_code", "parents", "child.birth_date"],
            ),
            (
                json!({"kind":"birth","child":{"fiscal_code":"RSSMRA85T10A562S","birth_date":"2026-11-01"},
                       "parents":["BNCLRA90A41F205I","BNCLRA90A41F205I"]}),
                vec!["parents[1]"],
            ),
            (
                json!({"kind":"death","fiscal_code":"RSSMRA85T10A562S","date_of_death":"2027-01-01"}),
                vec!["date_of_death"],
            ),
            (
                json!({"kind":"residence-change","fiscal_code":"RSSMRA85T10A562S","municipality_code":"37006",
                       "municipality":"","region":"padania","since":"2026-10-01"}),
                vec!["municipality_code", "municipality", "region"],
            ),
            (json!({"kind":"marriage"}), vec!["body"]),
        ];
        for (body, expected) in cases {
            assert_eq!(fields(body.clone()), expected, "{body}");
        }
    }
}
