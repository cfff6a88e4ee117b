//! A campaign's contacts and its figures: where each person stands
//! (`campaign-contacts/<id>/<subject>`), the counts kept as contacts change (the campaign's
//! own, written by its planning batches, and [`COUNTER_SHARDS`] counters its reports add their
//! changes to), and seed 000's figures made from them.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use welfare_guest::Problem;
use welfare_guest::store::{self, StoreError};

use crate::messages::{Message, Status};
use crate::recipients::Channel;

/// Counters a campaign's reports are spread over. The dispatcher runs a handful of deliveries
/// at once (8): with 64 shards two of them meet on one counter about once in nine deliveries,
/// and the loser reruns; progress reads all 64 in one listing.
const COUNTER_SHARDS: u32 = 64;

pub(super) fn contact_key(id: &str, subject: &str) -> String {
    format!("campaign-contacts/{id}/{subject}")
}

fn counters_prefix(id: &str) -> String {
    format!("campaign-counts/{id}/")
}

/// The counter shard a person's reports go to: FNV-1a of the fiscal code. Any spreading would
/// do (progress adds every shard); a fixed one keeps one person's reports on one counter.
fn counter_key(id: &str, subject: &str) -> String {
    let hash = subject.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!(
        "{}{:02}",
        counters_prefix(id),
        hash % u64::from(COUNTER_SHARDS)
    )
}

/// Where one person stands in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum Outcome {
    Pending,
    Reached,
    Unreached,
    /// The registry reported their death before any channel reached them, and the attempts
    /// stopped: not a failure to reach a living person, so counted apart from the targeted.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Contact {
    message_id: String,
    pub(super) outcome: Outcome,
    attempts: u32,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    finished_at: Option<Timestamp>,
}

impl Contact {
    pub(super) fn of(message: &Message, at: Timestamp) -> Self {
        let (outcome, attempts, channel) = if message.deliveries.is_empty() {
            // The inbox is their channel: reached at once, with one attempt.
            (Outcome::Reached, 1, Some(Channel::Inbox))
        } else {
            let outcome = match message.status {
                Status::Delivered => Outcome::Reached,
                Status::Failed => Outcome::Unreached,
                Status::Cancelled => Outcome::Cancelled,
                Status::Sending => Outcome::Pending,
            };
            (outcome, message.attempts(), message.delivered_on())
        };
        Self {
            message_id: message.id.clone(),
            outcome,
            attempts,
            channel,
            finished_at: (outcome != Outcome::Pending).then_some(at),
        }
    }
}

/// Keeps a campaign contact in step with its message after a reported attempt, and adds the
/// change to the person's counter shard.
pub fn record(campaign_id: &str, message: &Message) -> Result<(), Problem> {
    let k = contact_key(campaign_id, &message.recipient);
    let at = message
        .deliveries
        .iter()
        .map(|d| d.updated_at)
        .max()
        .unwrap_or(message.created_at);
    let current = store::get::<Contact>(&k)?;
    let contact = Contact::of(message, at);
    let mut change = Tally::default();
    change.count(&contact, 1);
    if let Some(before) = &current {
        change.count(&before.value, -1);
    }
    store::put(&k, &contact, current.map(|d| d.version))?;
    if change != Tally::default() {
        let shard = counter_key(campaign_id, &message.recipient);
        let counter = store::get::<Tally>(&shard)?;
        let version = counter.as_ref().map(|d| d.version);
        let mut total = counter.map(|d| d.value).unwrap_or_default();
        total.merge(&change);
        store::put(&shard, &total, version)?;
    }
    Ok(())
}

/// A campaign's contacts counted: the whole campaign's, or one batch's or shard's share (which
/// a report's change can take below zero: a contact counted pending by its batch is taken off
/// `pending` in the shard its report reaches).
#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub(super) struct Tally {
    pub(super) pending: i64,
    pub(super) reached: i64,
    pub(super) unreached: i64,
    /// Contacted, then reported dead before any channel reached them.
    pub(super) cancelled: i64,
    pub(super) reached_first_attempt: i64,
    /// Every attempt made, to the cancelled too: each was made and cost a call or a message.
    pub(super) attempts: i64,
    #[serde(default)]
    pub(super) by_channel: BTreeMap<String, i64>,
    /// The latest contact to finish (only ever grows: a contact finishes once).
    #[serde(default)]
    pub(super) finished_at: Option<Timestamp>,
}

impl Tally {
    /// Adds (`sign` 1) or takes away (-1) one contact.
    pub(super) fn count(&mut self, c: &Contact, sign: i64) {
        self.attempts += sign * i64::from(c.attempts);
        match c.outcome {
            Outcome::Pending => self.pending += sign,
            Outcome::Reached => {
                self.reached += sign;
                if c.attempts == 1 {
                    self.reached_first_attempt += sign;
                }
                if let Some(ch) = c.channel {
                    *self.by_channel.entry(ch.as_str().to_string()).or_default() += sign;
                    self.by_channel.retain(|_, n| *n != 0);
                }
            }
            Outcome::Unreached => self.unreached += sign,
            Outcome::Cancelled => self.cancelled += sign,
        }
        if sign > 0 {
            self.finished_at = self.finished_at.max(c.finished_at);
        }
    }

    fn merge(&mut self, other: &Tally) {
        self.pending += other.pending;
        self.reached += other.reached;
        self.unreached += other.unreached;
        self.cancelled += other.cancelled;
        self.reached_first_attempt += other.reached_first_attempt;
        self.attempts += other.attempts;
        for (channel, n) in &other.by_channel {
            *self.by_channel.entry(channel.clone()).or_default() += n;
        }
        self.by_channel.retain(|_, n| *n != 0);
        self.finished_at = self.finished_at.max(other.finished_at);
    }

    /// The people the percentages are of: everyone contacted but the cancelled (a death).
    pub(super) fn targeted(&self) -> i64 {
        self.pending + self.reached + self.unreached
    }
}

/// A count as the figures show it: a whole campaign's never goes below zero.
pub(super) fn shown(n: i64) -> u64 {
    n.max(0) as u64
}

/// Campaign `id`'s figures: what its batches counted (`planned`) plus its shards; for a
/// campaign from before counting (`None`), every contact added up.
pub(super) fn tally(id: &str, planned: Option<&Tally>) -> Result<Tally, StoreError> {
    let mut t = Tally::default();
    let Some(planned) = planned else {
        for (_, doc) in store::list_all::<Contact>(&contact_key(id, ""))? {
            t.count(&doc.value, 1);
        }
        return Ok(t);
    };
    t.merge(planned);
    let (shards, _) = store::list::<Tally>(&counters_prefix(id), None, COUNTER_SHARDS)?;
    for (_, shard) in &shards {
        t.merge(&shard.value);
    }
    Ok(t)
}

/// Seed 000's figures: percentages to one decimal, attempts per user to two, rounded half up.
#[derive(Debug, PartialEq, Serialize)]
pub(super) struct Figures {
    /// Reached ÷ targeted.
    pub reached_pct: f64,
    /// Reached at the first attempt ÷ targeted.
    pub first_attempt_pct: f64,
    /// Attempts ÷ people reached (seed 000: 1,020,816 calls ÷ 466,215 reached = 2.19).
    pub attempts_per_user: f64,
}

/// `n ÷ d` rounded half up to `1 / scale`.
fn ratio(n: u64, d: u64, scale: u64) -> f64 {
    if d == 0 {
        return 0.0;
    }
    ((n * scale * 2 + d) / (2 * d)) as f64 / scale as f64
}

pub(super) fn figures(targeted: u64, reached: u64, first: u64, attempts: u64) -> Figures {
    Figures {
        reached_pct: ratio(reached * 100, targeted, 10),
        first_attempt_pct: ratio(first * 100, targeted, 10),
        attempts_per_user: ratio(attempts, reached, 100),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recipients::Service;
    use crate::template::Content;

    /// A contact at `outcome` after `attempts`, reached on `channel`.
    fn contact(outcome: Outcome, attempts: u32, channel: Option<Channel>) -> Contact {
        Contact {
            message_id: "msg_01jz0000000000000000000000".into(),
            outcome,
            attempts,
            channel,
            finished_at: None,
        }
    }

    #[test]
    fn the_deceased_are_counted_apart_from_the_targeted() {
        let mut t = Tally::default();
        for c in [
            contact(Outcome::Reached, 1, Some(Channel::Sms)),
            contact(Outcome::Reached, 3, Some(Channel::Email)),
            contact(Outcome::Unreached, 9, None),
            contact(Outcome::Pending, 2, None),
            contact(Outcome::Cancelled, 2, None),
        ] {
            t.count(&c, 1);
        }
        assert_eq!(
            (t.targeted(), t.reached, t.unreached, t.pending, t.cancelled),
            (4, 2, 1, 1, 1)
        );
        // 1 + 3 + 9 + 2 + 2 attempts; the first-attempt reach is the SMS one.
        assert_eq!((t.attempts, t.reached_first_attempt), (17, 1));
        // 2 of 4 reached = 50 %, not 2 of 5 = 40 %; 1 of 4 at the first attempt = 25 %;
        // 17 attempts ÷ 2 reached = 8.5.
        assert_eq!(
            figures(
                shown(t.targeted()),
                shown(t.reached),
                shown(t.reached_first_attempt),
                shown(t.attempts)
            ),
            Figures {
                reached_pct: 50.0,
                first_attempt_pct: 25.0,
                attempts_per_user: 8.5,
            }
        );
        // A message cancelled at a death is the contact's outcome.
        let message = Message {
            id: "msg_01jz0000000000000000000000".into(),
            recipient: "RSSMRA85T10A562S".into(),
            service: Service::Information,
            origin: "campaign".into(),
            campaign: Some("cmp_01jz0000000000000000000000".into()),
            content: Content {
                subject: "Novità".into(),
                body: "Le novità dell'anno.".into(),
                due_date: None,
                payment: None,
            },
            created_at: "2026-05-10T09:00:00Z".parse().unwrap(),
            read_at: None,
            status: Status::Cancelled,
            opted_out: false,
            deliveries: vec![crate::messages::Delivery {
                channel: Channel::Sms,
                to: "+393331234567".into(),
                status: crate::messages::DeliveryStatus::Cancelled,
                attempts: 1,
                next_attempt_at: None,
                last_error: None,
                updated_at: "2026-05-10T09:05:00Z".parse().unwrap(),
            }],
        };
        let at = "2026-05-10T09:05:00Z".parse().unwrap();
        assert_eq!(Contact::of(&message, at).outcome, Outcome::Cancelled);
    }

    #[test]
    fn contacts_counted_as_they_change_add_up_to_the_contacts() {
        let change = |before: &Contact, after: &Contact| {
            let mut t = Tally::default();
            t.count(after, 1);
            t.count(before, -1);
            t
        };
        // The batch: A and B pending on a device (no attempt yet), C reached in the inbox.
        let a0 = contact(Outcome::Pending, 0, None);
        let b0 = contact(Outcome::Pending, 0, None);
        let c0 = contact(Outcome::Reached, 1, Some(Channel::Inbox));
        let mut total = Tally::default();
        for c in [&a0, &b0, &c0] {
            total.count(c, 1);
        }
        // The reports: A fails once, then is reached by SMS at the second attempt; B is
        // unreached after three.
        let a1 = contact(Outcome::Pending, 1, None);
        let a2 = contact(Outcome::Reached, 2, Some(Channel::Sms));
        let b3 = contact(Outcome::Unreached, 3, None);
        let mut shard_a = change(&a0, &a1);
        shard_a.merge(&change(&a1, &a2));
        // A's shard holds -1 pending: A was counted pending by its batch, not by the shard.
        assert_eq!(
            (shard_a.pending, shard_a.reached, shard_a.attempts),
            (-1, 1, 2)
        );
        total.merge(&shard_a);
        total.merge(&change(&b0, &b3));
        // By hand: reached A and C (2), unreached B (1), none pending; attempts 2 + 3 + 1 = 6;
        // reached at the first attempt C only; by channel one inbox, one SMS.
        assert_eq!(
            (
                total.targeted(),
                total.pending,
                total.reached,
                total.unreached,
                total.attempts,
                total.reached_first_attempt
            ),
            (3, 0, 2, 1, 6, 1)
        );
        assert_eq!(
            total.by_channel,
            BTreeMap::from([("inbox".to_string(), 1), ("sms".to_string(), 1)])
        );
    }

    #[test]
    fn seed_000_figures() {
        // 550,392 artisans and merchants; 466,215 reached (84.7 %); 1,020,816 calls (2.19 per
        // user reached); 58.3 % at the first call, i.e. 320,879 of 550,392 (320,878.5 rounded).
        let f = figures(550_392, 466_215, 320_879, 1_020_816);
        assert_eq!(
            f,
            Figures {
                reached_pct: 84.7,
                first_attempt_pct: 58.3,
                attempts_per_user: 2.19,
            }
        );
    }

    #[test]
    fn figures_round_half_up_and_survive_zero() {
        // 1 of 8 = 12.5 % exactly; 1 of 3 = 33.33 %, to 33.3.
        assert_eq!(figures(8, 1, 1, 1).reached_pct, 12.5);
        assert_eq!(figures(3, 1, 0, 1).reached_pct, 33.3);
        // 2 of 3 = 66.67 %, to 66.7; 5 attempts for 3 people = 1.666..., to 1.67.
        assert_eq!(figures(3, 2, 0, 5).reached_pct, 66.7);
        assert_eq!(figures(3, 3, 0, 5).attempts_per_user, 1.67);
        assert_eq!(figures(0, 0, 0, 0).reached_pct, 0.0);
    }
}
