//! One document per person, `people/<fiscal code>`: what the civil registry told this domain
//! about them (their death), and the guard that keeps new work away from the dead.
//!
//! Why every path that starts something in a person's name writes this document: the store
//! checks at commit only the versions of the documents a request writes, not of those it merely
//! read. A submission that only read "not deceased" could commit alongside the death's
//! delivery, which listed the person's applications before the new one existed, and leave an
//! open application for a dead person. So a submission, and a birth's offer to a parent, write
//! this document back over the version they read, even unchanged ([`guard_alive`]), and the
//! death writes it too. Of two such requests racing, one commits and the other conflicts: a
//! request is answered 409 and an event is delivered again, and then sees the death.

use jiff::Timestamp;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::Problem;
use welfare_guest::store::{self, Doc};

fn key(fiscal_code: &str) -> String {
    format!("people/{fiscal_code}")
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Person {
    /// Set by the registry's death; a later report corrects the date.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased: Option<Deceased>,
}

/// What this domain remembers of a death.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deceased {
    pub date_of_death: Date,
    /// The event that reported the date that stands.
    pub event_id: String,
    /// When that event was published: an older report arriving late changes nothing.
    pub recorded_at: Timestamp,
}

/// `fiscal_code`'s document and the version to write it over (`None`: none yet).
pub fn load(fiscal_code: &str) -> Result<(Person, Option<u64>), Problem> {
    Ok(match store::get::<Person>(&key(fiscal_code))? {
        Some(Doc { value, version }) => (value, Some(version)),
        None => (Person::default(), None),
    })
}

/// Writes `person` over `version` (`None`: creates the document).
pub fn save(fiscal_code: &str, person: &Person, version: Option<u64>) -> Result<(), Problem> {
    store::put(&key(fiscal_code), person, version)?;
    Ok(())
}

/// Whether the registry has not reported `fiscal_code`'s death; when so, their document is
/// written back over the version read, so that a death delivered meanwhile makes this request
/// conflict (see the module's documentation). Nothing is written for the dead.
pub fn guard_alive(fiscal_code: &str) -> Result<bool, Problem> {
    let (person, version) = load(fiscal_code)?;
    if person.deceased.is_some() {
        return Ok(false);
    }
    save(fiscal_code, &person, version)?;
    Ok(true)
}
