//! Delivery policy: which attempt goes when, on which channel, and what a reported outcome
//! leads to. The gateway's channel adapters make one attempt per `delivery-requested` event and
//! report it (`platform.delivery-reported`); everything else is decided here.
//!
//! - A failure worth retrying is retried on the same channel after a delay (doubling from the
//!   configured base for ordinary messages; a campaign's retry interval, inside its windows).
//! - After `fallback_after` failures on a channel, or at once after a permanent failure, the
//!   next channel of the person's plan is tried; the last channel is retried until the
//!   message's attempts run out (`max_attempts`; a campaign sets its own).
//! - No device attempt falls in the person's quiet hours; a campaign's attempts fall in its
//!   windows. A campaign also caps the attempts per person.
//! - A report that does not match the attempt under way (a repeat) changes nothing.
//! - Once the recipient is reported dead, no attempt is asked for: their messages still
//!   being sent are cancelled ([`cancel`]), and a report of an attempt already under way is
//!   recorded without a retry or a fallback.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use welfare_guest::bindings::welfare::platform::config;
use welfare_guest::{Event, Problem, events};

use crate::local::{QuietHours, Windows};
use crate::messages::{self, Delivery, DeliveryStatus, Message, Status};
use crate::recipients::{self, Channel, Recipient, Service};
use crate::template::Content;

pub const REQUESTED: &str = "notifications.delivery-requested";
pub const REPORTED: &str = "platform.delivery-reported";
/// A report's `outcome` when the channel delivered; anything else is a failure.
const DELIVERED: &str = "delivered";

/// Defaults of the settings an operator may change (`[component_config.notifications]`).
const DEFAULT_FALLBACK_AFTER: u32 = 3;
/// Attempts per ordinary message across its channels: three on each of three channels.
const DEFAULT_MAX_ATTEMPTS: u32 = 9;
const DEFAULT_RETRY_BASE_MS: i64 = 60_000;
const DEFAULT_RETRY_MAX_MS: i64 = 3_600_000;
/// Steps a settle takes between quiet hours and windows before it stops (they always meet).
const SETTLE_STEPS: usize = 4;

fn setting<T: std::str::FromStr>(name: &str, default: T) -> T {
    config::get(name)
        .ok()
        .flatten()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// When attempts go.
#[derive(Debug, Clone)]
pub enum Timing {
    /// Ordinary messages: at once, retries after `base`, `2 × base`, ... up to `max`.
    Backoff {
        base: SignedDuration,
        max: SignedDuration,
    },
    /// Campaign messages: inside the windows, retries `retry_after` later.
    Campaign {
        windows: Windows,
        retry_after: SignedDuration,
    },
}

#[derive(Debug, Clone)]
pub struct Policy {
    pub fallback_after: u32,
    /// Attempts per message across every channel.
    pub max_attempts: u32,
    pub timing: Timing,
}

impl Policy {
    /// Failures on one channel before the next is tried: a deployment setting for every
    /// message.
    fn fallback_after() -> u32 {
        setting("fallback_after", DEFAULT_FALLBACK_AFTER).max(1)
    }

    /// The policy of ordinary messages, from the component's settings.
    pub fn ordinary() -> Self {
        Self {
            fallback_after: Self::fallback_after(),
            max_attempts: setting("max_attempts", DEFAULT_MAX_ATTEMPTS).max(1),
            timing: Timing::Backoff {
                base: SignedDuration::from_millis(setting("retry_base_ms", DEFAULT_RETRY_BASE_MS)),
                max: SignedDuration::from_millis(setting("retry_max_ms", DEFAULT_RETRY_MAX_MS)),
            },
        }
    }

    pub fn campaign(windows: Windows, retry_after: SignedDuration, max_attempts: u32) -> Self {
        Self {
            fallback_after: Self::fallback_after(),
            max_attempts,
            timing: Timing::Campaign {
                windows,
                retry_after,
            },
        }
    }

    /// The first instant from `at` outside the quiet hours and (for a campaign) inside a window.
    pub fn settle(&self, at: Timestamp, quiet: Option<&QuietHours>) -> Timestamp {
        let mut t = at;
        for _ in 0..SETTLE_STEPS {
            let mut moved = t;
            if let Timing::Campaign { windows, .. } = &self.timing {
                moved = windows.next_open(moved);
            }
            if let Some(end) = quiet.and_then(|q| q.end_after(moved)) {
                moved = end;
            }
            if moved == t {
                break;
            }
            t = moved;
        }
        t
    }

    /// When to try a channel again after its `failures`-th failure.
    fn retry_at(&self, now: Timestamp, failures: u32, quiet: Option<&QuietHours>) -> Timestamp {
        let delay = match &self.timing {
            Timing::Backoff { base, max } => {
                let factor = 1i32 << failures.saturating_sub(1).min(20);
                (*base * factor).min(*max)
            }
            Timing::Campaign { retry_after, .. } => *retry_after,
        };
        self.settle(now + delay, quiet)
    }
}

/// The policy for `message`: its campaign's, or the ordinary one.
fn policy_for(message: &Message) -> Result<Policy, Problem> {
    match &message.campaign {
        Some(id) => Ok(crate::campaign_policy(id)?.unwrap_or_else(Policy::ordinary)),
        None => Ok(Policy::ordinary()),
    }
}

/// What a new message needs besides its content.
pub struct Origin<'a> {
    pub service: Service,
    pub origin: &'a str,
    pub campaign: Option<&'a str>,
    /// When the first device attempt may go (a campaign's slot); the policy and the person's
    /// quiet hours may move it later.
    pub earliest: Timestamp,
}

/// Puts a message in `subject`'s inbox and asks for its first device attempt, per their
/// preferences (`recipient`, which the caller has read). Returns it, or `None` when the
/// registry has reported their death meanwhile.
///
/// The person's guard is written back over the version read ([`crate::people::guard_alive`]): a death
/// delivered meanwhile writes it too, so one of the two conflicts, and no message is made for
/// someone whose death has already cancelled their messages. The recipient record itself is
/// not written: its version is the ETag of their preferences, which a message must not move.
pub fn deliver(
    subject: &str,
    recipient: &Recipient,
    content: Content,
    origin: Origin,
    policy: &Policy,
    now: Timestamp,
) -> Result<Option<Message>, Problem> {
    if recipient.is_deceased() || !crate::people::guard_alive(subject)? {
        return Ok(None);
    }
    let plan = recipient.channel_plan(origin.service);
    let opted_out = recipient.opt_outs.contains(&origin.service);
    let mut message = Message {
        id: welfare_guest::ids::new_id(messages::ID_PREFIX),
        recipient: subject.to_string(),
        service: origin.service,
        origin: origin.origin.to_string(),
        campaign: origin.campaign.map(str::to_string),
        content,
        created_at: now,
        read_at: None,
        status: if plan.is_empty() {
            Status::Delivered
        } else {
            Status::Sending
        },
        opted_out,
        deliveries: plan
            .into_iter()
            .map(|(channel, to)| Delivery {
                channel,
                to,
                status: DeliveryStatus::Waiting,
                attempts: 0,
                next_attempt_at: None,
                last_error: None,
                updated_at: now,
            })
            .collect(),
    };
    if !message.deliveries.is_empty() {
        let at = policy.settle(origin.earliest.max(now), recipient.quiet_hours.as_ref());
        start(&mut message, 0, at, now)?;
    }
    messages::save(&message, None)?;
    Ok(Some(message))
}

/// What the gateway's adapters receive.
#[derive(Debug, Serialize)]
struct Request<'a> {
    message_id: &'a str,
    channel: Channel,
    to: &'a str,
    subject: &'a str,
    body: &'a str,
    attempt: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    not_before: Option<Timestamp>,
    context: serde_json::Value,
}

/// The text a channel carries: the whole message by e-mail, a pointer to the inbox by SMS and
/// push.
fn body_for(channel: Channel, content: &Content) -> String {
    match channel {
        Channel::Email => content.as_text(),
        _ => content.as_short_text(),
    }
}

/// Marks delivery `index` as sending and asks for its next attempt at `at`.
pub fn start(
    message: &mut Message,
    index: usize,
    at: Timestamp,
    now: Timestamp,
) -> Result<(), Problem> {
    let d = &mut message.deliveries[index];
    d.status = DeliveryStatus::Sending;
    d.next_attempt_at = Some(at);
    d.updated_at = now;
    let request = Request {
        message_id: &message.id,
        channel: d.channel,
        to: &d.to,
        subject: &message.content.subject,
        body: &body_for(d.channel, &message.content),
        attempt: d.attempts + 1,
        not_before: (at > now).then_some(at),
        context: serde_json::Value::Null,
    };
    events::publish(REQUESTED, Some(&message.recipient), &request)?;
    Ok(())
}

/// Sends a verification code to a new address, outside any inbox and preference.
pub fn send_code(subject: &str, channel: Channel, to: &str, code: &str) -> Result<(), Problem> {
    let body = format!(
        "Il tuo codice di verifica INPS è {code}. Scade tra 24 ore. Se non hai chiesto tu di aggiungere questo recapito, ignora questo messaggio."
    );
    let request = Request {
        message_id: &welfare_guest::ids::new_id("vrf"),
        channel,
        to,
        subject: "Codice di verifica INPS",
        body: &body,
        attempt: 1,
        not_before: None,
        context: serde_json::json!({ "kind": "verification" }),
    };
    events::publish(REQUESTED, Some(subject), &request)?;
    Ok(())
}

/// The payload of `platform.delivery-reported`.
#[derive(Debug, Deserialize)]
struct Report {
    message_id: String,
    channel: Channel,
    attempt: u32,
    outcome: String,
    permanent: bool,
    error: Option<String>,
    at: Timestamp,
    #[serde(default)]
    context: serde_json::Value,
}

/// Applies one attempt's outcome to its message (and its campaign's contact).
pub fn on_report(event: &Event) -> Result<(), Problem> {
    let report: Report = serde_json::from_slice(&event.payload)
        .map_err(|e| Problem::internal(format!("a delivery report that does not decode: {e}")))?;
    if report.context.get("kind").and_then(|k| k.as_str()) == Some("verification") {
        return Ok(());
    }
    let Some(subject) = event.subject.as_deref() else {
        return Ok(());
    };
    let Some(mut doc) = messages::load(subject, &report.message_id)? else {
        return Ok(());
    };
    let message = &mut doc.value;
    let Some(index) = message.deliveries.iter().position(|d| {
        d.channel == report.channel
            && d.status == DeliveryStatus::Sending
            && d.attempts + 1 == report.attempt
    }) else {
        return Ok(());
    };
    let recipient = recipients::load(subject)?.map(|d| d.value);
    if recipient.as_ref().is_some_and(|r| r.is_deceased()) {
        record_last(message, index, &report);
    } else {
        let policy = policy_for(message)?;
        let quiet = recipient.and_then(|r| r.quiet_hours);
        apply(message, index, &report, &policy, quiet.as_ref())?;
    }
    messages::save(message, Some(doc.version))?;
    if let Some(campaign) = &message.campaign {
        crate::record_in_campaign(campaign, message)?;
    }
    Ok(())
}

/// Counts the reported attempt on delivery `index` and returns whether it delivered, which
/// settles the delivery and the message. A failure is only noted (its error): what follows it
/// (a retry, the next channel, giving up, nothing at all) is the caller's to decide.
fn record_attempt(message: &mut Message, index: usize, report: &Report) -> bool {
    let d = &mut message.deliveries[index];
    d.attempts += 1;
    d.updated_at = report.at;
    d.next_attempt_at = None;
    if report.outcome == DELIVERED {
        d.status = DeliveryStatus::Delivered;
        d.last_error = None;
        message.status = Status::Delivered;
        true
    } else {
        d.last_error = report.error.clone();
        false
    }
}

/// Records an attempt that was under way when the recipient's death was reported: as it went,
/// with nothing after it (the message is cancelled unless this attempt delivered it).
fn record_last(message: &mut Message, index: usize, report: &Report) {
    if !record_attempt(message, index, report) {
        message.deliveries[index].status = DeliveryStatus::Failed;
    }
    cancel(message, report.at);
}

/// Stops a message's delivery for good (its recipient died): every channel waiting or under
/// way is cancelled, and the message too unless a channel already delivered it. An attempt the
/// gateway already holds may still go out; its report then finds nothing under way and changes
/// nothing. Returns whether anything changed.
pub fn cancel(message: &mut Message, now: Timestamp) -> bool {
    let mut changed = false;
    for d in &mut message.deliveries {
        if matches!(d.status, DeliveryStatus::Waiting | DeliveryStatus::Sending) {
            d.status = DeliveryStatus::Cancelled;
            d.next_attempt_at = None;
            d.updated_at = now;
            changed = true;
        }
    }
    if message.status == Status::Sending {
        message.status = Status::Cancelled;
        changed = true;
    }
    changed
}

fn apply(
    message: &mut Message,
    index: usize,
    report: &Report,
    policy: &Policy,
    quiet: Option<&QuietHours>,
) -> Result<(), Problem> {
    let now = report.at;
    if record_attempt(message, index, report) {
        skip_after(message, index);
        return Ok(());
    }
    let failures = message.deliveries[index].attempts;
    if message.attempts() >= policy.max_attempts {
        message.deliveries[index].status = DeliveryStatus::Failed;
        give_up(message, index);
        return Ok(());
    }
    let next = message.deliveries[index + 1..]
        .iter()
        .position(|d| d.status == DeliveryStatus::Waiting)
        .map(|offset| index + 1 + offset);
    let channel_spent = report.permanent || failures >= policy.fallback_after;
    if !report.permanent && (!channel_spent || next.is_none()) {
        // Worth another try here: the channel has failures left, or it is the last one.
        let at = policy.retry_at(now, failures, quiet);
        return start(message, index, at, now);
    }
    message.deliveries[index].status = DeliveryStatus::Failed;
    match next {
        Some(next) => {
            let at = policy.settle(now, quiet);
            start(message, next, at, now)
        }
        None => {
            give_up(message, index);
            Ok(())
        }
    }
}

/// Ends a message's device delivery as failed; the channels not yet tried are skipped.
fn give_up(message: &mut Message, index: usize) {
    message.status = Status::Failed;
    skip_after(message, index);
}

fn skip_after(message: &mut Message, index: usize) {
    for later in &mut message.deliveries[index + 1..] {
        later.status = DeliveryStatus::Skipped;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::messages::Delivery;
    use crate::recipients::Service;

    /// `second` seconds after 09:00 UTC on 10 May 2026.
    fn at(second: i64) -> Timestamp {
        "2026-05-10T09:00:00Z".parse::<Timestamp>().unwrap() + SignedDuration::from_secs(second)
    }

    fn message(statuses: &[DeliveryStatus], status: Status) -> Message {
        let channels = [Channel::Email, Channel::Push, Channel::Sms];
        Message {
            id: "msg_01jz0000000000000000000000".into(),
            recipient: "RSSMRA85T10A562S".into(),
            service: Service::IncomeSupport,
            origin: "income-support.payment-started".into(),
            campaign: None,
            content: Content {
                subject: "Pagamento avviato".into(),
                body: "Il pagamento è stato avviato.".into(),
                due_date: None,
                payment: None,
            },
            created_at: at(0),
            read_at: None,
            status,
            opted_out: false,
            deliveries: statuses
                .iter()
                .zip(channels)
                .map(|(s, channel)| Delivery {
                    channel,
                    to: "x".into(),
                    status: *s,
                    attempts: u32::from(*s != DeliveryStatus::Waiting),
                    next_attempt_at: (*s == DeliveryStatus::Sending).then(|| at(60)),
                    last_error: None,
                    updated_at: at(0),
                })
                .collect(),
        }
    }

    #[test]
    fn a_death_cancels_what_is_still_to_be_sent() {
        use DeliveryStatus::*;
        // (deliveries, message status) → (deliveries after, message status after, changed)
        let table = [
            (
                vec![Sending, Waiting, Waiting],
                Status::Sending,
                vec![Cancelled, Cancelled, Cancelled],
                Status::Cancelled,
                true,
            ),
            (
                vec![Failed, Sending, Waiting],
                Status::Sending,
                vec![Failed, Cancelled, Cancelled],
                Status::Cancelled,
                true,
            ),
            // Finished messages stay as they are: cancelling twice changes nothing.
            (
                vec![Delivered, Skipped, Skipped],
                Status::Delivered,
                vec![Delivered, Skipped, Skipped],
                Status::Delivered,
                false,
            ),
            (
                vec![Failed, Failed, Failed],
                Status::Failed,
                vec![Failed, Failed, Failed],
                Status::Failed,
                false,
            ),
            (
                vec![Cancelled, Cancelled, Cancelled],
                Status::Cancelled,
                vec![Cancelled, Cancelled, Cancelled],
                Status::Cancelled,
                false,
            ),
            // The inbox only: nothing to stop.
            (vec![], Status::Delivered, vec![], Status::Delivered, false),
        ];
        for (before, status, after, status_after, changed) in table {
            let mut m = message(&before, status);
            assert_eq!(cancel(&mut m, at(10)), changed, "{before:?}");
            let got: Vec<_> = m.deliveries.iter().map(|d| d.status).collect();
            assert_eq!(got, after, "{before:?}");
            assert_eq!(m.status, status_after, "{before:?}");
            assert!(
                m.deliveries
                    .iter()
                    .all(|d| d.next_attempt_at.is_none() || d.status != DeliveryStatus::Cancelled)
            );
        }
    }

    #[test]
    fn an_attempt_under_way_at_a_death_is_recorded_without_a_retry() {
        use DeliveryStatus::*;
        for (outcome, first, status) in [
            ("delivered", Delivered, Status::Delivered),
            ("failed", Failed, Status::Cancelled),
        ] {
            let mut m = message(&[Sending, Waiting], Status::Sending);
            let report = Report {
                message_id: m.id.clone(),
                channel: Channel::Email,
                attempt: 2,
                outcome: outcome.into(),
                permanent: false,
                error: None,
                at: at(30),
                context: serde_json::Value::Null,
            };
            record_last(&mut m, 0, &report);
            let got: Vec<_> = m.deliveries.iter().map(|d| d.status).collect();
            assert_eq!(got, [first, Cancelled], "{outcome}");
            assert_eq!(m.status, status, "{outcome}");
            assert_eq!(m.deliveries[0].attempts, 2);
        }
    }
}
