//! One small document per person, `people/<subject>`: the guard that keeps new messages and
//! call-back requests away from the dead.
//!
//! Why every path that starts something in a person's name writes it: the store checks at
//! commit only the versions of the documents a request writes, not of those it merely read. A
//! message made from "not deceased" read just before the death committed would escape the
//! death's cancellation of what was under way. So a message ([`crate::delivery::deliver`]) and
//! a call-back request write this document back over the version they read, even unchanged
//! ([`guard_alive`]), and the death writes it too: of two such requests racing, one commits and
//! the other conflicts (an event is delivered again, a request is answered 409), and then sees
//! the death.
//!
//! Why not the recipient record (`recipients/<subject>`), which the death marks anyway: its
//! version is the ETag of the person's preferences. Written back with every message, it would
//! move the ETag whenever a message arrived, and an app's `If-Match` taken before would get 412
//! for a change the person cannot see. So the recipient record is written only when what it
//! says changes, and this document takes the conflicts.
//!
//! One death, two places: the recipient's `deceased` is the record (its date, and when the
//! registry published it, which orders corrections; the person, campaigns and delivery read
//! it), and `deceased` here is its date, copied in the same delivery of the death event
//! ([`Person::follow`]), so the two never disagree once committed. The guard reads its own copy,
//! not the recipient's: the recipient may have been read earlier in the request (a campaign
//! reads a page of records at once), before the death committed, and only the document
//! written is checked at commit.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::store::{self, Doc, StoreError};

use crate::recipients::Recipient;

fn key(subject: &str) -> String {
    format!("people/{subject}")
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    /// The date of death the recipient record holds (see the module's documentation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased: Option<Date>,
}

impl Person {
    /// Takes the recipient's date of death (the registry's first report, or its correction).
    pub fn follow(&mut self, recipient: &Recipient) {
        self.deceased = recipient.deceased.as_ref().map(|d| d.date_of_death);
    }
}

/// `subject`'s guard and the version to write it over (`None`: none yet).
pub fn load(subject: &str) -> Result<(Person, Option<u64>), StoreError> {
    Ok(match store::get::<Person>(&key(subject))? {
        Some(Doc { value, version }) => (value, Some(version)),
        None => (Person::default(), None),
    })
}

/// Writes `person` over `version` (`None`: creates the document).
pub fn save(subject: &str, person: &Person, version: Option<u64>) -> Result<u64, StoreError> {
    store::put(&key(subject), person, version)
}

/// Whether the registry has not reported `subject`'s death; when so, their guard is written
/// back over the version read, so that a death delivered meanwhile makes this request conflict
/// (see the module's documentation). Nothing is written for the dead.
pub fn guard_alive(subject: &str) -> Result<bool, StoreError> {
    let (person, version) = load(subject)?;
    if person.deceased.is_some() {
        return Ok(false);
    }
    save(subject, &person, version)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use jiff::Timestamp;

    use super::*;

    #[test]
    fn the_guard_follows_the_recipients_death_and_its_corrections() {
        let mut recipient = Recipient::default();
        let mut person = Person::default();
        person.follow(&recipient);
        assert_eq!(person, Person::default());
        let at = |s: &str| s.parse::<Timestamp>().unwrap();
        recipient.mark_deceased(Date::constant(2026, 5, 8), at("2026-05-10T09:00:00Z"));
        person.follow(&recipient);
        assert_eq!(person.deceased, Some(Date::constant(2026, 5, 8)));
        recipient.mark_deceased(Date::constant(2026, 5, 7), at("2026-05-12T09:00:00Z"));
        person.follow(&recipient);
        assert_eq!(person.deceased, Some(Date::constant(2026, 5, 7)));
    }

    #[test]
    fn a_living_persons_guard_is_an_empty_document() {
        assert_eq!(
            serde_json::to_value(Person::default()).unwrap(),
            serde_json::json!({})
        );
        let dead: Person = serde_json::from_str(r#"{"deceased":"2026-05-08"}"#).unwrap();
        assert_eq!(dead.deceased, Some(Date::constant(2026, 5, 8)));
        assert_eq!(
            serde_json::from_str::<Person>("{}").unwrap(),
            Person::default()
        );
    }
}
