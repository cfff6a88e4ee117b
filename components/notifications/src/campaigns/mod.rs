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
//! other), and a report adds its change to one of [`counts`]' shard counters chosen by the
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

mod counts;

use crate::delivery::{self, Origin, Policy};
use crate::local::Windows;
use crate::recipients::{Recipient, Service};
use crate::template::{Content, Draft};
pub use counts::record;
use counts::{Contact, Tally, contact_key, figures, shown, tally};

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
fn key(id: &str) -> String {
    format!("campaigns/{id}")
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
    let t = tally(&c.id, c.planning.counts.as_ref())?;
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

pub fn report(ctx: &Ctx) -> HandlerResult {
    let c = own(ctx)?;
    let t = tally(&c.id, c.planning.counts.as_ref())?;
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
}
