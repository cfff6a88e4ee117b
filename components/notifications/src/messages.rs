//! Messages: what the agency tells someone, kept in their app inbox, with the state of its
//! delivery on every other channel.
//!
//! Inbox keys put the newest message first: `inbox/<subject>/<rank>-<id>`, where the rank
//! counts down with the id's creation time, so a key is computed from the id alone and a page of
//! the listing is one prefix read.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use welfare_guest::store::{self, Doc, StoreError};
use welfare_guest::{Ctx, HandlerResult, Problem, ids, json};

use crate::recipients::{Channel, Service};
use crate::template::Content;

pub const ID_PREFIX: &str = "msg";
/// Ranks count down from here (milliseconds: the year 2286), so newer messages sort first.
const RANK_BASE: u64 = 9_999_999_999_999;
/// Messages the dossier shows.
const SUMMARY_LATEST: u32 = 5;
/// Messages counted for the dossier's unread figure: one page.
const SUMMARY_SCAN: u32 = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// In the inbox, and delivered on a device channel if one was planned.
    Delivered,
    /// A device channel is still being tried.
    Sending,
    /// Every planned device channel failed; the message is still in the inbox.
    Failed,
    /// Delivery was stopped before any channel delivered: the recipient died.
    Cancelled,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum DeliveryStatus {
    /// A later channel, tried only if the ones before it fail.
    Waiting,
    /// An attempt is queued or under way.
    Sending,
    Delivered,
    Failed,
    /// Never tried: an earlier channel delivered or the attempts ran out.
    Skipped,
    /// Stopped, tried or not: the recipient died.
    Cancelled,
}

/// One channel's part in delivering a message.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Delivery {
    pub channel: Channel,
    pub to: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<Timestamp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    pub updated_at: Timestamp,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub id: String,
    pub recipient: String,
    pub service: Service,
    /// The event that caused it (`disability.assessed`), or `campaign`.
    pub origin: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
    #[serde(flatten)]
    pub content: Content,
    pub created_at: Timestamp,
    #[serde(default)]
    pub read_at: Option<Timestamp>,
    pub status: Status,
    /// The person silenced this service: the message is in the inbox only.
    #[serde(default)]
    pub opted_out: bool,
    pub deliveries: Vec<Delivery>,
}

impl Message {
    /// Attempts made on every channel so far.
    pub fn attempts(&self) -> u32 {
        self.deliveries.iter().map(|d| d.attempts).sum()
    }

    /// The channel that delivered it, if one did.
    pub fn delivered_on(&self) -> Option<Channel> {
        self.deliveries
            .iter()
            .find(|d| d.status == DeliveryStatus::Delivered)
            .map(|d| d.channel)
    }
}

pub fn key(subject: &str, id: &str) -> Option<String> {
    let millis = ids::created_millis(id, ID_PREFIX)?;
    Some(format!(
        "{}{:013}-{id}",
        prefix(subject),
        RANK_BASE.saturating_sub(millis)
    ))
}

fn prefix(subject: &str) -> String {
    format!("inbox/{subject}/")
}

pub fn load(subject: &str, id: &str) -> Result<Option<Doc<Message>>, StoreError> {
    match key(subject, id) {
        Some(k) => store::get(&k),
        None => Ok(None),
    }
}

pub fn save(message: &Message, version: Option<u64>) -> Result<u64, StoreError> {
    let key = key(&message.recipient, &message.id)
        .ok_or_else(|| StoreError::Failed("a message id this domain did not make".into()))?;
    store::put(&key, message, version)
}

/// `subject`'s messages still being sent on a device channel.
pub fn sending(subject: &str) -> Result<Vec<Doc<Message>>, StoreError> {
    Ok(store::list_all::<Message>(&prefix(subject))?
        .into_iter()
        .map(|(_, d)| d)
        .filter(|d| d.value.status == Status::Sending)
        .collect())
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let limit = ctx.page_size()?;
    let unread_only = match ctx.query("unread") {
        None | Some("false") => false,
        Some("true") => true,
        Some(_) => {
            return Err(Problem::invalid(vec![welfare_guest::FieldError::new(
                "unread",
                "must be true or false",
            )]));
        }
    };
    let cursor = match ctx.query("cursor") {
        None => None,
        Some(c) => Some(key(subject, c).ok_or_else(|| {
            Problem::invalid(vec![welfare_guest::FieldError::new(
                "cursor",
                "is not a cursor this API gave",
            )])
        })?),
    };
    let (docs, next) = store::list::<Message>(&prefix(subject), cursor.as_deref(), limit)?;
    let items: Vec<_> = docs
        .iter()
        .filter(|(_, d)| !unread_only || d.value.read_at.is_none())
        .map(|(_, d)| &d.value)
        .collect::<Vec<_>>();
    let next_cursor = next.and_then(|_| docs.last().map(|(_, d)| d.value.id.clone()));
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": next_cursor }),
    ))
}

fn own(ctx: &Ctx) -> Result<Doc<Message>, Problem> {
    let subject = ctx.subject()?;
    load(subject, ctx.param("id"))?.ok_or_else(|| Problem::not_found("message"))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(json(200, &own(ctx)?.value))
}

/// Marks a message read; reading it again keeps the first time.
pub fn read(ctx: &Ctx) -> HandlerResult {
    let mut doc = own(ctx)?;
    if doc.value.read_at.is_none() {
        doc.value.read_at = Some(ctx.received_at());
        save(&doc.value, Some(doc.version))?;
    }
    Ok(json(200, &doc.value))
}

/// The dossier's part: unread messages and the latest few.
pub fn summary(subject: &str) -> Result<Option<serde_json::Value>, StoreError> {
    let (docs, _) = store::list::<Message>(&prefix(subject), None, SUMMARY_SCAN)?;
    if docs.is_empty() {
        return Ok(None);
    }
    let unread = docs
        .iter()
        .filter(|(_, d)| d.value.read_at.is_none())
        .count();
    let latest: Vec<_> = docs
        .iter()
        .take(SUMMARY_LATEST as usize)
        .map(|(_, d)| {
            serde_json::json!({
                "id": d.value.id,
                "subject": d.value.content.subject,
                "service": d.value.service,
                "created_at": d.value.created_at,
                "read": d.value.read_at.is_some(),
                "due_date": d.value.content.due_date,
            })
        })
        .collect();
    Ok(Some(serde_json::json!({
        "unread": unread,
        "unread_counted_up_to": SUMMARY_SCAN,
        "latest": latest,
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn newer_messages_sort_first() {
        let older = ids::new_id(ID_PREFIX);
        // Ids carry milliseconds; wait for the next one.
        let start = std::time::Instant::now();
        while start.elapsed().as_millis() < 2 {}
        let newer = ids::new_id(ID_PREFIX);
        assert!(key("X", &newer).unwrap() < key("X", &older).unwrap());
        assert!(key("X", "not-an-id").is_none());
    }
}
