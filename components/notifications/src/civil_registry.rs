//! What the civil registry tells this domain about the people it writes to:
//!
//! - `civil-registry.death`: the person's record is marked deceased with the date (created if
//!   this domain never wrote to them, so that no later event creates a living one), and their
//!   guard with it, in the same delivery ([`crate::people`]: a message or call-back request
//!   racing the death conflicts with it); their messages still being sent are cancelled, and
//!   their open call-back requests closed. From then on no event makes a message for them, no
//!   campaign targets them and no attempt is asked for
//!   ([`crate::recipients::Recipient::is_deceased`]). A later report with another date is the
//!   registry's correction: only the recorded date changes, on both.
//! - `civil-registry.residence-changed`: the record's residence and region follow the move,
//!   which is what campaigns filter on; of two moves from the same day, the one the registry
//!   published later stands, whatever order they arrive in. Nothing changes for the deceased:
//!   no campaign targets them, and a move would only create or touch a record nobody reads.
//!
//! A malformed event is an error (retried, then dead-lettered) and changes nothing; the same
//! news twice changes nothing the second time.

use jiff::Timestamp;
use welfare_guest::life_events::{self, Death, ResidenceChanged};
use welfare_guest::{Event, Problem};

use crate::recipients::{self, DeathNews, Residence};
use crate::{callbacks, campaigns, delivery, messages, people};

fn malformed(reason: String) -> Problem {
    Problem::new(422, "malformed-event", "The life event is malformed.").with_detail(reason)
}

fn occurred_at(event: &Event) -> Result<Timestamp, Problem> {
    event
        .occurred_at
        .parse()
        .map_err(|e| malformed(format!("occurred-at: {e}")))
}

/// `civil-registry.death`.
pub fn on_death(event: &Event) -> Result<(), Problem> {
    let death: Death = life_events::read(event).map_err(malformed)?;
    let at = occurred_at(event)?;
    let subject = death.fiscal_code.as_str();
    let current = recipients::load(subject)?;
    let version = current.as_ref().map(|d| d.version);
    let mut recipient = current.map(|d| d.value).unwrap_or_default();
    let news = recipient.mark_deceased(death.date_of_death, at);
    if news == DeathNews::Nothing {
        return Ok(());
    }
    recipients::save(subject, &recipient, version)?;
    // Written whenever the record is, so the two never disagree; written over the version
    // read, so a message or call-back made meanwhile conflicts with this delivery.
    let (mut person, person_version) = people::load(subject)?;
    person.follow(&recipient);
    people::save(subject, &person, person_version)?;
    if news == DeathNews::Correction {
        return Ok(());
    }
    for mut doc in messages::sending(subject)? {
        if delivery::cancel(&mut doc.value, at) {
            messages::save(&doc.value, Some(doc.version))?;
            if let Some(campaign) = &doc.value.campaign {
                campaigns::record(campaign, &doc.value)?;
            }
        }
    }
    callbacks::cancel_open(subject, at)?;
    Ok(())
}

/// `civil-registry.residence-changed`.
pub fn on_residence_changed(event: &Event) -> Result<(), Problem> {
    let news: ResidenceChanged = life_events::read(event).map_err(malformed)?;
    let at = occurred_at(event)?;
    let subject = news.fiscal_code.as_str();
    let current = recipients::load(subject)?;
    if current.as_ref().is_some_and(|d| d.value.is_deceased()) {
        return Ok(());
    }
    let version = current.as_ref().map(|d| d.version);
    let mut recipient = current.map(|d| d.value).unwrap_or_default();
    let moved = recipient.move_to(Residence {
        municipality_code: news.municipality_code,
        municipality: news.municipality,
        region: news.region,
        since: news.since,
        recorded_at: Some(at),
    });
    if moved {
        recipients::save(subject, &recipient, version)?;
    }
    Ok(())
}
