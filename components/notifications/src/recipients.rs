//! What the platform knows about the people it writes to: their preferences and contacts (set
//! by them) and the categories and segments the other domains' events reveal (learned), which
//! campaigns filter on. One document per person or company, `recipients/<subject>`.
//!
//! The civil registry adds two facts: where the person lives (their region, which campaigns
//! filter on, follows each change of residence) and their death, after which nothing is written
//! or sent to them any more: see [`Recipient::is_deceased`].
//!
//! The record is written only when what it says changes: its version is the ETag of the
//! person's preferences, which must not move when a message arrives or a call-back is asked
//! for. The guard against writing to the dead, which every message and call-back request
//! writes, is a document of its own: see [`crate::people`].
//!
//! Contacts: an e-mail address or a phone number receives messages only once verified with a
//! code sent to it (the agency must not write to someone else's address); a push token is
//! registered by the authenticated app itself, so it needs no code.

use std::collections::BTreeSet;

use jiff::civil::Date;
use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use welfare_guest::http::FieldError;
use welfare_guest::region::Region;
use welfare_guest::store::{self, Doc, StoreError};

use crate::local::QuietHours;

/// How long a verification code stays valid.
pub const CODE_VALIDITY: SignedDuration = SignedDuration::from_hours(24);
/// Wrong codes accepted before the code is void (a new one comes with the next PUT).
pub const CODE_TRIES: u8 = 5;
pub const CODE_DIGITS: usize = 6;
const MAX_EMAIL_CHARS: usize = 254;
const PUSH_TOKEN_CHARS: std::ops::RangeInclusive<usize> = 16..=4096;

pub fn key(subject: &str) -> String {
    format!("recipients/{subject}")
}

/// The ways to reach someone. The inbox is always there.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Inbox,
    Email,
    Sms,
    Push,
}

impl Channel {
    /// The order in which channels are tried after the preferred one: the cheapest first.
    pub const FALLBACK_ORDER: [Channel; 3] = [Channel::Email, Channel::Push, Channel::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Inbox => "inbox",
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }
}

/// The agency's services a person may silence one by one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Service {
    IncomeSupport,
    Disability,
    Contributions,
    /// Linea INPS: answers and appointments.
    Faq,
    /// News and campaigns.
    Information,
}

/// A verification code waiting to be typed in.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PendingCode {
    pub code: String,
    pub expires_at: Timestamp,
    pub tries_left: u8,
}

/// An e-mail address or phone number, and whether its holder proved it is theirs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Contact {
    pub address: String,
    pub verified: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<PendingCode>,
}

/// The civil registry's word that the person died.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deceased {
    pub date_of_death: Date,
    /// When the registry's event was published.
    pub recorded_at: Timestamp,
}

/// Where the civil registry says the person lives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Residence {
    /// ISTAT code.
    pub municipality_code: String,
    pub municipality: String,
    pub region: Region,
    pub since: Date,
    /// When the registry's event was published: of two moves from the same day, the later
    /// news is the registry's last word. `None` in records kept before it was.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_at: Option<Timestamp>,
}

impl Residence {
    /// Whether `other` says the same as this: the same place from the same day, whenever told.
    fn same_as(&self, other: &Residence) -> bool {
        (
            &self.municipality_code,
            &self.municipality,
            &self.region,
            self.since,
        ) == (
            &other.municipality_code,
            &other.municipality,
            &other.region,
            other.since,
        )
    }
}

/// What a report of a death does to a record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeathNews {
    /// The first: the record is marked, and what was under way for them stops.
    First,
    /// Another date, published after the recorded one: the registry's correction.
    Correction,
    /// The same date again, or a report older than the recorded one: no change.
    Nothing,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Recipient {
    pub preferred_channel: Option<Channel>,
    #[serde(default)]
    pub opt_outs: BTreeSet<Service>,
    #[serde(default)]
    pub quiet_hours: Option<QuietHours>,
    #[serde(default)]
    pub region: Option<Region>,
    #[serde(default)]
    pub email: Option<Contact>,
    #[serde(default)]
    pub phone: Option<Contact>,
    #[serde(default)]
    pub push_token: Option<String>,
    /// Learned from the domains' events: `self-employed`, `disability`, `naspi`, ...
    #[serde(default)]
    pub categories: BTreeSet<String>,
    /// Seed 003's user segments, learned the same way.
    #[serde(default)]
    pub segments: BTreeSet<String>,
    #[serde(default)]
    pub updated_at: Option<Timestamp>,
    /// From the civil registry; the person's own `region` follows it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub residence: Option<Residence>,
    /// From the civil registry: never cleared; a correction changes its date. The death
    /// handler copies the date to the person's guard in the same delivery ([`crate::people`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deceased: Option<Deceased>,
}

impl Recipient {
    /// The address to reach them on `channel`, when they gave one and (for e-mail and SMS)
    /// verified it.
    pub fn address(&self, channel: Channel) -> Option<&str> {
        fn verified(c: &Option<Contact>) -> Option<&str> {
            c.as_ref()
                .filter(|c| c.verified)
                .map(|c| c.address.as_str())
        }
        match channel {
            Channel::Inbox => None,
            Channel::Email => verified(&self.email),
            Channel::Sms => verified(&self.phone),
            Channel::Push => self.push_token.as_deref(),
        }
    }

    /// The external channels to try for a message of `service`, in order: none when the inbox
    /// is their choice or they silenced the service; otherwise the preferred channel, then the
    /// others they can be reached on.
    pub fn channel_plan(&self, service: Service) -> Vec<(Channel, String)> {
        let preferred = self.preferred_channel.unwrap_or(Channel::Inbox);
        if preferred == Channel::Inbox || self.opt_outs.contains(&service) {
            return Vec::new();
        }
        std::iter::once(preferred)
            .chain(
                Channel::FALLBACK_ORDER
                    .into_iter()
                    .filter(|c| *c != preferred),
            )
            .filter_map(|c| self.address(c).map(|a| (c, a.to_string())))
            .collect()
    }

    /// Whether the civil registry reported their death: then no message is made for them, no
    /// campaign targets them, and no attempt on any channel is asked for. What starts something
    /// new checks the guard too, which the death marks in the same delivery and which is
    /// checked at commit ([`crate::people::guard_alive`]).
    pub fn is_deceased(&self) -> bool {
        self.deceased.is_some()
    }

    /// Records a death on `date_of_death` that the registry published at `at`. A death
    /// reported again with the same date has no second effect; with another date, published
    /// later, it is the registry's correction and the date changes; an older report delivered
    /// late changes nothing.
    pub fn mark_deceased(&mut self, date_of_death: Date, at: Timestamp) -> DeathNews {
        match &mut self.deceased {
            None => {
                self.deceased = Some(Deceased {
                    date_of_death,
                    recorded_at: at,
                });
                DeathNews::First
            }
            Some(d) if d.date_of_death == date_of_death || at <= d.recorded_at => {
                DeathNews::Nothing
            }
            Some(d) => {
                d.date_of_death = date_of_death;
                d.recorded_at = at;
                DeathNews::Correction
            }
        }
    }

    /// Records a change of residence and moves `region` with it; false (and no change) when it
    /// says what is already known, or is older than it: events may arrive out of order, so a
    /// retried old move must not undo a newer one. Older means from an earlier day, or from
    /// the same day and published earlier (a same-day correction is the later news).
    pub fn move_to(&mut self, residence: Residence) -> bool {
        if self.residence.as_ref().is_some_and(|known| {
            known.same_as(&residence)
                || (known.since, known.recorded_at) >= (residence.since, residence.recorded_at)
        }) {
            return false;
        }
        self.region = Some(residence.region.clone());
        self.residence = Some(residence);
        true
    }

    /// What the person sees of their own record (no pending codes).
    pub fn view(&self) -> serde_json::Value {
        let contact = |c: &Option<Contact>| {
            c.as_ref()
                .map(|c| serde_json::json!({ "address": c.address, "verified": c.verified }))
        };
        serde_json::json!({
            "preferred_channel": self.preferred_channel.unwrap_or(Channel::Inbox),
            "opt_outs": self.opt_outs,
            "quiet_hours": self.quiet_hours,
            "region": self.region,
            "email": contact(&self.email),
            "phone": contact(&self.phone),
            "push_token_registered": self.push_token.is_some(),
            "categories": self.categories,
            "segments": self.segments,
            "residence": self.residence,
            "deceased": self.deceased.as_ref().map(|d| d.date_of_death),
        })
    }
}

pub fn load(subject: &str) -> Result<Option<Doc<Recipient>>, StoreError> {
    store::get(&key(subject))
}

/// Writes `recipient` over `version` (`None`: a new record).
pub fn save(subject: &str, recipient: &Recipient, version: Option<u64>) -> Result<u64, StoreError> {
    store::put(&key(subject), recipient, version)
}

/// Adds what an event revealed about someone (the record is created if needed, and written
/// only when something new was learned) and returns their record; nothing is learned about the
/// deceased. A concurrent change makes the delivery fail and come again, so nothing learned is
/// lost.
pub fn learn(
    subject: &str,
    category: Option<&str>,
    segment: Option<&str>,
) -> Result<Recipient, StoreError> {
    let current = load(subject)?;
    let version = current.as_ref().map(|d| d.version);
    let mut recipient = current.map(|d| d.value).unwrap_or_default();
    if recipient.is_deceased() {
        return Ok(recipient);
    }
    let mut changed = false;
    if let Some(c) = category {
        changed |= recipient.categories.insert(c.to_string());
    }
    if let Some(s) = segment {
        changed |= recipient.segments.insert(s.to_string());
    }
    if changed {
        save(subject, &recipient, version)?;
    }
    Ok(recipient)
}

/// `local@domain.tld`, no spaces, at most 254 characters: enough to refuse typos; the code sent
/// to it proves the rest.
pub fn check_email(raw: &str) -> Result<String, FieldError> {
    let address = raw.trim().to_ascii_lowercase();
    let shape_ok = address.len() <= MAX_EMAIL_CHARS
        && !address.contains(char::is_whitespace)
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if shape_ok {
        Ok(address)
    } else {
        Err(FieldError::new("email", "is not an e-mail address"))
    }
}

/// E.164: `+`, a country code and the number, 8 to 15 digits in all.
pub fn check_phone(raw: &str) -> Result<String, FieldError> {
    let compact: String = raw.chars().filter(|c| *c != ' ').collect();
    let digits = compact.strip_prefix('+').unwrap_or("");
    if (8..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
    {
        Ok(compact)
    } else {
        Err(FieldError::new(
            "phone",
            "is not a phone number in international form (+39...)",
        ))
    }
}

pub fn check_push_token(raw: &str) -> Result<String, FieldError> {
    if PUSH_TOKEN_CHARS.contains(&raw.len()) && raw.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(raw.to_string())
    } else {
        Err(FieldError::new(
            "push_token",
            &format!(
                "must be {} to {} printable characters",
                PUSH_TOKEN_CHARS.start(),
                PUSH_TOKEN_CHARS.end()
            ),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contacts_are_checked() {
        assert_eq!(
            check_email(" Mario.Rossi@Esempio.IT ").unwrap(),
            "mario.rossi@esempio.it"
        );
        for bad in [
            "mario",
            "mario@",
            "@esempio.it",
            "mario@esempio",
            "ma rio@esempio.it",
            "a@b@c.it",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
        assert_eq!(check_phone("+39 333 1234567").unwrap(), "+393331234567");
        for bad in ["3331234567", "+39abc", "+0123456789", "+1234567"] {
            assert!(check_phone(bad).is_err(), "{bad}");
        }
        assert!(check_push_token("short").is_err());
        assert!(check_push_token(&"t".repeat(64)).is_ok());
    }

    fn contact(address: &str, verified: bool) -> Option<Contact> {
        Some(Contact {
            address: address.into(),
            verified,
            pending: None,
        })
    }

    fn at(rfc3339: &str) -> Timestamp {
        rfc3339.parse().unwrap()
    }

    /// A move to `region` from `since`, published at 09:00 UTC on 10 May 2026 plus `hours`.
    fn residence(region: &str, since: Date, hours: i64) -> Residence {
        Residence {
            municipality_code: "058091".into(),
            municipality: "Roma".into(),
            region: Region::parse(region).unwrap(),
            since,
            recorded_at: Some(at("2026-05-10T09:00:00Z") + SignedDuration::from_hours(hours)),
        }
    }

    #[test]
    fn moves_follow_the_registry_in_date_then_publication_order() {
        let (may, june) = (Date::constant(2026, 5, 1), Date::constant(2026, 6, 1));
        // (known residence, the registry's news, whether it changes the record, region after)
        let table = [
            (None, residence("lazio", may, 0), true, "lazio"),
            // The same news again, even published again later: no second effect.
            (
                Some(residence("lazio", may, 0)),
                residence("lazio", may, 5),
                false,
                "lazio",
            ),
            (
                Some(residence("lazio", may, 0)),
                residence("toscana", june, 1),
                true,
                "toscana",
            ),
            // An older move delivered late does not undo the newer one, even if published
            // later (a retried old event).
            (
                Some(residence("toscana", june, 0)),
                residence("lazio", may, 1),
                false,
                "toscana",
            ),
            // Two moves from the same day: the one published later wins, whichever arrives
            // last.
            (
                Some(residence("lazio", may, 0)),
                residence("umbria", may, 1),
                true,
                "umbria",
            ),
            (
                Some(residence("umbria", may, 1)),
                residence("lazio", may, 0),
                false,
                "umbria",
            ),
            // A record kept before publication times were: same-day news replaces it.
            (
                Some(Residence {
                    recorded_at: None,
                    ..residence("lazio", may, 0)
                }),
                residence("umbria", may, 0),
                true,
                "umbria",
            ),
        ];
        for (known, news, changes, region) in table {
            let mut r = Recipient {
                region: known.as_ref().map(|k| k.region.clone()),
                residence: known.clone(),
                ..Default::default()
            };
            assert_eq!(r.move_to(news.clone()), changes, "{known:?} then {news:?}");
            assert_eq!(r.region.as_ref().map(Region::as_str), Some(region));
            assert_eq!(r.residence.as_ref().unwrap().region.as_str(), region);
        }
    }

    #[test]
    fn a_death_is_recorded_once_and_corrected_by_later_news() {
        let mut r = Recipient::default();
        assert!(!r.is_deceased());
        let d = Date::constant;
        // (reported date, published at, what it is, recorded date after)
        let table = [
            (
                d(2026, 5, 8),
                "2026-05-10T09:00:00Z",
                DeathNews::First,
                d(2026, 5, 8),
            ),
            // The same death again: nothing.
            (
                d(2026, 5, 8),
                "2026-05-11T09:00:00Z",
                DeathNews::Nothing,
                d(2026, 5, 8),
            ),
            // Another date published at the same instant, or before: the first stands.
            (
                d(2026, 5, 9),
                "2026-05-10T09:00:00Z",
                DeathNews::Nothing,
                d(2026, 5, 8),
            ),
            (
                d(2026, 5, 9),
                "2026-05-09T09:00:00Z",
                DeathNews::Nothing,
                d(2026, 5, 8),
            ),
            // Another date published later: the registry corrected it.
            (
                d(2026, 5, 7),
                "2026-05-12T09:00:00Z",
                DeathNews::Correction,
                d(2026, 5, 7),
            ),
            // The first report delivered again after the correction: the correction stands.
            (
                d(2026, 5, 8),
                "2026-05-10T09:00:00Z",
                DeathNews::Nothing,
                d(2026, 5, 7),
            ),
        ];
        for (date, published, news, after) in table {
            assert_eq!(
                r.mark_deceased(date, at(published)),
                news,
                "{date} at {published}"
            );
            assert!(r.is_deceased());
            assert_eq!(r.deceased.as_ref().unwrap().date_of_death, after);
        }
        assert_eq!(r.view()["deceased"], "2026-05-07");
    }

    #[test]
    fn the_plan_follows_preferences() {
        let mut r = Recipient {
            preferred_channel: Some(Channel::Sms),
            email: contact("a@b.it", true),
            phone: contact("+393331234567", true),
            push_token: Some("t".repeat(32)),
            ..Default::default()
        };
        let plan: Vec<_> = r
            .channel_plan(Service::Disability)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(plan, [Channel::Sms, Channel::Email, Channel::Push]);
        // An unverified address is not used.
        r.email = contact("a@b.it", false);
        let plan: Vec<_> = r
            .channel_plan(Service::Disability)
            .into_iter()
            .map(|(c, _)| c)
            .collect();
        assert_eq!(plan, [Channel::Sms, Channel::Push]);
        // A silenced service, or the inbox as the choice: nothing outside the inbox.
        r.opt_outs.insert(Service::Disability);
        assert!(r.channel_plan(Service::Disability).is_empty());
        assert!(!r.channel_plan(Service::Contributions).is_empty());
        r.preferred_channel = Some(Channel::Inbox);
        assert!(r.channel_plan(Service::Contributions).is_empty());
    }
}
