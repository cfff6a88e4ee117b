//! Campaigns (seed 000): one message to everyone in a segment, sent at a rate inside daily
//! windows, each person tried up to a maximum number of attempts, and the operation's figures.
//!
//! A campaign is planned in batches, each its own event delivery
//! (`notifications.campaign-batch`), so that no single transaction grows with the segment: a
//! batch reads the next page of recipients, puts the message in each matching inbox, asks for
//! the first device attempt at that person's slot (the n-th send of the campaign goes after n
//! sends' worth of window time at the campaign's rate), and publishes the next batch. Outcomes
//! are kept per person (`campaign-contacts/<id>/<subject>`), and counted as they change: a
//! batch counts the people it contacts in the campaign document (batches run one after the
//! other), and a report adds its change to one of [`COUNTER_SHARDS`] counters chosen by the
//! person, so that the deliveries reporting at once rarely write the same document (and
//! rerun when they do: the dispatcher's conflict reruns). Progress and report read the
//! campaign and its shards, never every contact, so they stay as cheap at a million people
//! as at ten.

use std::collections::BTreeMap;
use std::ops::RangeInclusive;

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use welfare_guest::region::Region;
use welfare_guest::store::{self, Doc, StoreError};
use welfare_guest::{Ctx, Event, FieldError, HandlerResult, Problem, events, http, ids, json};

use crate::delivery::{self, Origin, Policy};
use crate::local::Windows;
use crate::messages::{Message, Status};
use crate::recipients::{Channel, Recipient, Service};
use crate::template::{Content, Draft};

pub const BATCH: &str = "notifications.campaign-batch";
const ID_PREFIX: &str = "cmp";
/// Recipients read per batch.
const SCAN_PAGE: u32 = 500;
/// People one batch contacts: three documents each (the message, the contact, and the person's
/// guard written back against a concurrent death, see [`crate::people`]), well inside a
/// transaction's write limit (1,000).
const MAX_CONTACTS_PER_BATCH: usize = 200;
/// Device attempts one batch asks for: one event each, inside the per-transaction event limit
/// with room for the next batch's event.
const MAX_SENDS_PER_BATCH: usize = 95;
pub const MAX_ATTEMPTS: RangeInclusive<u32> = 1..=10;
pub const RATE_PER_MINUTE: RangeInclusive<u32> = 1..=600_000;
pub const RETRY_AFTER_SECONDS: RangeInclusive<u32> = 1..=7 * 24 * 3600;
const NAME_CHARS: RangeInclusive<usize> = 1..=120;
const DEFAULT_RETRY_AFTER_SECONDS: u32 = 3600;
/// Counters a campaign's reports are spread over. The dispatcher runs a handful of deliveries
/// at once (8): with 64 shards two of them meet on one counter about once in nine deliveries,
/// and the loser reruns; progress reads all 64 in one listing.
const COUNTER_SHARDS: u32 = 64;

fn key(id: &str) -> String {
    format!("campaigns/{id}")
}

fn contact_key(id: &str, subject: &str) -> String {
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

/// Whom a campaign is for: every filter given must match.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    #[serde(default)]
    pub region: Option<Region>,
    /// A category the platform learned (`self-employed`, `disability`, `naspi`, `family`).
    #[serde(default)]
    pub category: Option<String>,
    /// A user segment (seed 003: `worker`, `assisted`, ...).
    #[serde(default)]
    pub segment: Option<String>,
}

impl Segment {
    fn matches(&self, r: &Recipient) -> bool {
        self.region
            .as_ref()
            .is_none_or(|want| r.region.as_ref() == Some(want))
            && self
                .category
                .as_ref()
                .is_none_or(|c| r.categories.contains(c))
            && self.segment.as_ref().is_none_or(|s| r.segments.contains(s))
    }
}

/// Whether a campaign for `segment` on `service` writes to `r`: they are in the segment, have
/// not silenced the service, and are alive (the registry reported no death).
fn targets(segment: &Segment, service: Service, r: &Recipient) -> bool {
    !r.is_deceased() && segment.matches(r) && !r.opt_outs.contains(&service)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCampaign {
    name: String,
    service: Service,
    #[serde(default)]
    segment: Segment,
    template: Draft,
    windows: Windows,
    max_attempts: u32,
    rate_per_minute: u32,
    #[serde(default)]
    retry_after_seconds: Option<u32>,
    #[serde(default)]
    starts_at: Option<Timestamp>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Planning {
    done: bool,
    /// The last recipient key examined.
    cursor: Option<String>,
    targeted: u32,
    /// Device attempts planned so far: the next one's slot.
    sends: u32,
    /// The contacts as the batches made them; the reports' changes are in the shards. `None`
    /// for a campaign created before contacts were counted: its figures add every contact up.
    #[serde(default)]
    counts: Option<Tally>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Campaign {
    id: String,
    name: String,
    service: Service,
    segment: Segment,
    template: Content,
    windows: Windows,
    max_attempts: u32,
    rate_per_minute: u32,
    retry_after_seconds: u32,
    starts_at: Timestamp,
    created_at: Timestamp,
    created_by: String,
    planning: Planning,
}

impl Campaign {
    fn policy(&self) -> Policy {
        Policy::campaign(
            self.windows.clone(),
            SignedDuration::from_secs(self.retry_after_seconds.into()),
            self.max_attempts,
        )
    }

    /// The first instant the campaign may send.
    fn opening(&self) -> Timestamp {
        self.windows.next_open(self.starts_at)
    }

    /// The slot of the `n`-th device attempt (0-based).
    fn slot(&self, n: u32) -> Timestamp {
        let ms = i64::from(n) * 60_000 / i64::from(self.rate_per_minute);
        self.windows
            .advance(self.opening(), SignedDuration::from_millis(ms))
    }
}

/// Where one person stands in a campaign.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Pending,
    Reached,
    Unreached,
    /// The registry reported their death before any channel reached them, and the attempts
    /// stopped: not a failure to reach a living person, so counted apart from the targeted.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Contact {
    message_id: String,
    outcome: Outcome,
    attempts: u32,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    finished_at: Option<Timestamp>,
}

impl Contact {
    fn of(message: &Message, at: Timestamp) -> Self {
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

pub fn create(ctx: &Ctx) -> HandlerResult {
    let body: NewCampaign = ctx.json()?;
    let mut errors = Vec::new();
    let name = body.name.trim().to_string();
    if !NAME_CHARS.contains(&name.chars().count()) {
        errors.push(FieldError::new("name", "must be 1 to 120 characters"));
    }
    let range = |field: &str, value: u32, r: &RangeInclusive<u32>, errors: &mut Vec<FieldError>| {
        if !r.contains(&value) {
            errors.push(FieldError::new(
                field,
                &format!("must be from {} to {}", r.start(), r.end()),
            ));
        }
    };
    range(
        "max_attempts",
        body.max_attempts,
        &MAX_ATTEMPTS,
        &mut errors,
    );
    range(
        "rate_per_minute",
        body.rate_per_minute,
        &RATE_PER_MINUTE,
        &mut errors,
    );
    let retry = body
        .retry_after_seconds
        .unwrap_or(DEFAULT_RETRY_AFTER_SECONDS);
    range(
        "retry_after_seconds",
        retry,
        &RETRY_AFTER_SECONDS,
        &mut errors,
    );
    let template = body.template.check("template.");
    if let Err(e) = &template {
        errors.extend(e.iter().cloned());
    }
    let now = ctx.received_at();
    let (Ok(template), true) = (template, errors.is_empty()) else {
        return Err(Problem::invalid(errors));
    };
    let campaign = Campaign {
        id: ids::new_id(ID_PREFIX),
        name,
        service: body.service,
        segment: body.segment,
        template,
        windows: body.windows,
        max_attempts: body.max_attempts,
        rate_per_minute: body.rate_per_minute,
        retry_after_seconds: retry,
        starts_at: body.starts_at.unwrap_or(now).max(now),
        created_at: now,
        created_by: ctx.actor(),
        planning: Planning {
            counts: Some(Tally::default()),
            ..Planning::default()
        },
    };
    store::create(&key(&campaign.id), &campaign)?;
    events::publish(
        BATCH,
        None,
        &serde_json::json!({ "campaign_id": campaign.id }),
    )?;
    Ok(json(201, &progress_view(&campaign, &Tally::default())))
}

fn load(id: &str) -> Result<Option<Doc<Campaign>>, StoreError> {
    if !ids::is_id(id, ID_PREFIX) {
        return Ok(None);
    }
    store::get(&key(id))
}

/// The delivery policy of campaign `id`.
pub fn policy(id: &str) -> Result<Option<Policy>, Problem> {
    Ok(load(id)?.map(|d| d.value.policy()))
}

/// Plans the next batch of campaign `campaign_id`.
pub fn on_batch(event: &Event) -> Result<(), Problem> {
    let payload: serde_json::Value = serde_json::from_slice(&event.payload)
        .map_err(|e| Problem::internal(format!("batch payload: {e}")))?;
    let id = payload["campaign_id"].as_str().unwrap_or_default();
    let Some(mut doc) = load(id)? else {
        return Ok(());
    };
    let campaign = &mut doc.value;
    if campaign.planning.done {
        return Ok(());
    }
    let now = event
        .occurred_at
        .parse::<Timestamp>()
        .unwrap_or_else(|_| Timestamp::now());
    let policy = campaign.policy();
    let (page, next) = store::list::<Recipient>(
        "recipients/",
        campaign.planning.cursor.as_deref(),
        SCAN_PAGE,
    )?;
    let (mut contacts, mut sends) = (0, 0);
    let mut stopped_early = false;
    for (k, r) in &page {
        if contacts == MAX_CONTACTS_PER_BATCH || sends == MAX_SENDS_PER_BATCH {
            stopped_early = true;
            break;
        }
        campaign.planning.cursor = Some(k.clone());
        let subject = k.trim_start_matches("recipients/");
        let recipient = &r.value;
        if !targets(&campaign.segment, campaign.service, recipient) {
            continue;
        }
        let device = !recipient.channel_plan(campaign.service).is_empty();
        let earliest = if device {
            campaign.slot(campaign.planning.sends)
        } else {
            now
        };
        let Some(message) = delivery::deliver(
            subject,
            recipient,
            campaign.template.clone(),
            Origin {
                service: campaign.service,
                origin: "campaign",
                campaign: Some(&campaign.id),
                earliest,
            },
            &policy,
            now,
        )?
        else {
            // Reported dead since the page was read: not targeted.
            continue;
        };
        let contact = Contact::of(&message, now);
        store::create(&contact_key(&campaign.id, subject), &contact)?;
        if let Some(counts) = &mut campaign.planning.counts {
            counts.count(&contact, 1);
        }
        contacts += 1;
        campaign.planning.targeted += 1;
        if device {
            sends += 1;
            campaign.planning.sends += 1;
        }
    }
    campaign.planning.done = !stopped_early && next.is_none();
    store::put(&key(&campaign.id), &*campaign, Some(doc.version))?;
    if !campaign.planning.done {
        events::publish(
            BATCH,
            None,
            &serde_json::json!({ "campaign_id": campaign.id }),
        )?;
    }
    Ok(())
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
struct Tally {
    pending: i64,
    reached: i64,
    unreached: i64,
    /// Contacted, then reported dead before any channel reached them.
    cancelled: i64,
    reached_first_attempt: i64,
    /// Every attempt made, to the cancelled too: each was made and cost a call or a message.
    attempts: i64,
    #[serde(default)]
    by_channel: BTreeMap<String, i64>,
    /// The latest contact to finish (only ever grows: a contact finishes once).
    #[serde(default)]
    finished_at: Option<Timestamp>,
}

impl Tally {
    /// Adds (`sign` 1) or takes away (-1) one contact.
    fn count(&mut self, c: &Contact, sign: i64) {
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
    fn targeted(&self) -> i64 {
        self.pending + self.reached + self.unreached
    }
}

/// A count as the figures show it: a whole campaign's never goes below zero.
fn shown(n: i64) -> u64 {
    n.max(0) as u64
}

/// The campaign's figures: what its batches counted plus its shards (or, for a campaign from
/// before counting, every contact added up).
fn tally(c: &Campaign) -> Result<Tally, StoreError> {
    let mut t = Tally::default();
    let Some(planned) = &c.planning.counts else {
        for (_, doc) in store::list_all::<Contact>(&format!("campaign-contacts/{}/", c.id))? {
            t.count(&doc.value, 1);
        }
        return Ok(t);
    };
    t.merge(planned);
    let (shards, _) = store::list::<Tally>(&counters_prefix(&c.id), None, COUNTER_SHARDS)?;
    for (_, shard) in &shards {
        t.merge(&shard.value);
    }
    Ok(t)
}

fn status(c: &Campaign, t: &Tally) -> &'static str {
    if !c.planning.done {
        "planning"
    } else if shown(t.pending) > 0 {
        "sending"
    } else {
        "completed"
    }
}

fn progress_view(c: &Campaign, t: &Tally) -> serde_json::Value {
    let status = status(c, t);
    serde_json::json!({
        "id": c.id,
        "name": c.name,
        "service": c.service,
        "segment": c.segment,
        "template": c.template,
        "windows": c.windows,
        "max_attempts": c.max_attempts,
        "rate_per_minute": c.rate_per_minute,
        "retry_after_seconds": c.retry_after_seconds,
        "starts_at": c.starts_at,
        "created_at": c.created_at,
        "created_by": c.created_by,
        "status": status,
        "progress": {
            "planned": c.planning.targeted,
            "pending": shown(t.pending),
            "reached": shown(t.reached),
            "unreached": shown(t.unreached),
            "cancelled": shown(t.cancelled),
            "attempts": shown(t.attempts),
        },
        "finished_at": (status == "completed").then_some(t.finished_at).flatten(),
    })
}

fn own(ctx: &Ctx) -> Result<Campaign, Problem> {
    load(ctx.param("id"))?
        .map(|d| d.value)
        .ok_or_else(|| Problem::not_found("campaign"))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let c = own(ctx)?;
    let t = tally(&c)?;
    Ok(json(200, &progress_view(&c, &t)))
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let limit = ctx.page_size()?;
    let cursor = ctx.cursor("campaigns/", ID_PREFIX)?;
    let (docs, next) = store::list::<Campaign>("campaigns/", cursor.as_deref(), limit)?;
    let items: Vec<_> = docs
        .iter()
        .map(|(_, d)| {
            serde_json::json!({
                "id": d.value.id,
                "name": d.value.name,
                "service": d.value.service,
                "created_at": d.value.created_at,
                "planned": d.value.planning.targeted,
            })
        })
        .collect();
    Ok(http::page(&items, next.as_deref(), "campaigns/"))
}

/// Seed 000's figures: percentages to one decimal, attempts per user to two, rounded half up.
#[derive(Debug, PartialEq, Serialize)]
pub struct Figures {
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

pub fn figures(targeted: u64, reached: u64, first: u64, attempts: u64) -> Figures {
    Figures {
        reached_pct: ratio(reached * 100, targeted, 10),
        first_attempt_pct: ratio(first * 100, targeted, 10),
        attempts_per_user: ratio(attempts, reached, 100),
    }
}

pub fn report(ctx: &Ctx) -> HandlerResult {
    let c = own(ctx)?;
    let t = tally(&c)?;
    let (targeted, reached, first, attempts) = (
        shown(t.targeted()),
        shown(t.reached),
        shown(t.reached_first_attempt),
        shown(t.attempts),
    );
    let f = figures(targeted, reached, first, attempts);
    let by_channel: BTreeMap<&str, u64> = t
        .by_channel
        .iter()
        .map(|(channel, n)| (channel.as_str(), shown(*n)))
        .collect();
    let started = c.opening();
    let duration = t
        .finished_at
        .filter(|_| status(&c, &t) == "completed")
        .map(|end| end.duration_since(started).as_secs().max(0));
    Ok(json(
        200,
        &serde_json::json!({
            "campaign_id": c.id,
            "status": status(&c, &t),
            "targeted": targeted,
            "reached": reached,
            "reached_pct": f.reached_pct,
            "reached_first_attempt": first,
            "first_attempt_pct": f.first_attempt_pct,
            "unreached": shown(t.unreached),
            "cancelled": shown(t.cancelled),
            "pending": shown(t.pending),
            "attempts": attempts,
            "attempts_per_user": f.attempts_per_user,
            "reached_by_channel": by_channel,
            "windows": c.windows,
            "started_at": started,
            "finished_at": duration.and(t.finished_at),
            "duration_seconds": duration,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn who_a_campaign_targets() {
        let lazio = || Region::parse("lazio");
        let living = Recipient {
            region: lazio(),
            segments: ["worker".to_string()].into(),
            ..Recipient::default()
        };
        let deceased = {
            let mut r = living.clone();
            r.mark_deceased(
                jiff::civil::Date::constant(2026, 5, 8),
                "2026-05-10T09:00:00Z".parse().unwrap(),
            );
            r
        };
        let silenced = Recipient {
            opt_outs: [Service::Information].into(),
            ..living.clone()
        };
        let elsewhere = Recipient {
            region: Region::parse("toscana"),
            ..living.clone()
        };
        let in_lazio = Segment {
            region: lazio(),
            ..Segment::default()
        };
        let workers = Segment {
            segment: Some("worker".into()),
            ..Segment::default()
        };
        let table = [
            (&living, Segment::default(), true),
            (&living, in_lazio.clone(), true),
            (&living, workers.clone(), true),
            (&elsewhere, in_lazio.clone(), false),
            (&silenced, Segment::default(), false),
            (&deceased, Segment::default(), false),
            (&deceased, in_lazio, false),
            (&deceased, workers, false),
        ];
        for (i, (r, segment, expected)) in table.into_iter().enumerate() {
            assert_eq!(
                targets(&segment, Service::Information, r),
                expected,
                "row {i}"
            );
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
