//! Delivers the outbox: every event to every component subscribed to its topic, each delivery
//! in a fresh instance and its own transaction.
//!
//! A delivery is claimed under a lease (so it is never run twice at once, and a crashed
//! gateway's claims come back), run, and then either committed together with the consumer's
//! writes and the `done` mark — guarded so a second success for the same (consumer, event) rolls
//! back and has no effect — or recorded as a failure with exponential backoff, until
//! `max_attempts`, when it becomes a dead letter an operator can list and replay.
//!
//! Deliveries to the consumer [`channels::CONSUMER`] run the gateway's channel adapters instead
//! of a component: one send, its outcome committed as an event with the done mark.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use rusqlite::{Connection, params};
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::channels::{self, Channels, Report, SendRequest};
use crate::config::EventsConfig;
use crate::metrics::Metrics;
use crate::runtime::Runtime;
use crate::runtime::bindings::types;
use crate::store::txn::{NewEvent, WriteSet, new_event_id};
use crate::store::{Db, StoreError, now_ms, now_rfc3339, ops};

/// Deliveries claimed per round.
const CLAIM_BATCH: i64 = 64;
/// Deliveries run at once: each holds an instance and a blocking thread.
const CONCURRENT_DELIVERIES: usize = 8;
/// How long a claim holds a delivery: beyond any call deadline plus its commit.
const CLAIM_LEASE_MS: i64 = 30_000;
/// How often stale idempotency records are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// One claimed delivery.
struct Claimed {
    seq: i64,
    consumer: String,
    attempts: u32,
    event: types::Event,
}

pub struct Dispatcher {
    pub runtime: Arc<Runtime>,
    pub db: Db,
    pub config: EventsConfig,
    pub wake: Arc<Notify>,
    pub metrics: Arc<Metrics>,
    /// Where `notifications.delivery-requested` events go instead of a component.
    pub channels: Arc<Channels>,
}

impl Dispatcher {
    /// Runs until `shutdown` is cancelled.
    pub async fn run(self, shutdown: CancellationToken) {
        let poll = Duration::from_millis(self.config.poll_interval_ms);
        let mut last_purge = tokio::time::Instant::now();
        loop {
            loop {
                match self.round().await {
                    Ok(0) => break,
                    Ok(_) => continue,
                    Err(e) => {
                        tracing::error!(error = %e, "outbox round failed");
                        break;
                    }
                }
            }
            if last_purge.elapsed() > PURGE_EVERY {
                last_purge = tokio::time::Instant::now();
                if let Err(e) = crate::idempotency::purge(&self.db).await {
                    tracing::warn!(error = %e, "purging idempotency records failed");
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = self.wake.notified() => {}
                _ = tokio::time::sleep(poll) => {}
            }
        }
    }

    /// Claims and runs one batch of due deliveries; returns how many.
    async fn round(&self) -> Result<usize, StoreError> {
        let claimed = self.db.write(claim).await?;
        let count = claimed.len();
        futures::stream::iter(claimed)
            .for_each_concurrent(CONCURRENT_DELIVERIES, |c| self.deliver(c))
            .await;
        Ok(count)
    }

    async fn deliver(&self, claimed: Claimed) {
        let Claimed {
            seq,
            consumer,
            attempts,
            event,
        } = claimed;
        if consumer == channels::CONSUMER {
            return self.send(seq, attempts, event).await;
        }
        let Some(component) = self.runtime.component(&consumer).cloned() else {
            self.failed(
                seq,
                consumer,
                attempts,
                "the consumer is not loaded".into(),
                true,
            )
            .await;
            return;
        };
        let outcome = match self.runtime.on_event(component, event).await {
            Ok((Ok(()), writes)) => {
                let consumer = consumer.clone();
                let committed = self
                    .db
                    .write(move |conn| {
                        let seqs = ops::apply_write_set(conn, &writes)?;
                        mark_done(conn, seq, &consumer)?;
                        Ok(seqs)
                    })
                    .await;
                match committed {
                    Ok(seqs) => {
                        if !seqs.is_empty() {
                            self.wake.notify_one();
                        }
                        Ok(())
                    }
                    Err(StoreError::AlreadyProcessed) => Ok(()),
                    Err(e) => Err(format!("commit failed: {e}")),
                }
            }
            Ok((Err(message), _)) => Err(message),
            Err(fault) => Err(fault.to_string()),
        };
        match outcome {
            Ok(()) => self.metrics.delivery(&consumer, "done"),
            Err(message) => self.failed(seq, consumer, attempts, message, false).await,
        }
    }

    /// One channel attempt: the adapter sends, and the outcome is committed as a
    /// `platform.delivery-reported` event with the delivery's "done" mark. A failed send is an
    /// outcome, not a delivery failure; only a request that cannot be read is dead-lettered, and
    /// only a failed commit is retried (which may send again: at least once on the wire).
    async fn send(&self, seq: i64, attempts: u32, event: types::Event) {
        let consumer = channels::CONSUMER.to_string();
        let request = match SendRequest::parse(&event.payload) {
            Ok(r) => r,
            Err(message) => return self.failed(seq, consumer, attempts, message, true).await,
        };
        if let Some(at) = request.not_before {
            let due = at.as_millisecond();
            if due > now_ms() {
                return self.defer(seq, due).await;
            }
        }
        let outcome = self.channels.send(&request).await;
        self.metrics.delivery(
            &format!("channels/{}", request.channel.as_str()),
            outcome.metric_label(),
        );
        let payload = serde_json::to_vec(&Report::new(&request, &outcome, now_rfc3339()))
            .expect("serialising a report");
        let report = WriteSet {
            domain: "platform".into(),
            docs: Vec::new(),
            events: vec![NewEvent {
                id: new_event_id(),
                topic: channels::REPORTED.into(),
                source: "platform".into(),
                subject: event.subject,
                payload,
                consumers: self.runtime.subscribers()(channels::REPORTED),
            }],
        };
        let committed = self
            .db
            .write(move |conn| {
                ops::apply_write_set(conn, &report)?;
                mark_done(conn, seq, channels::CONSUMER)
            })
            .await;
        match committed {
            Ok(()) => self.wake.notify_one(),
            Err(StoreError::AlreadyProcessed) => {}
            Err(e) => {
                self.failed(
                    seq,
                    consumer,
                    attempts,
                    format!("commit failed: {e}"),
                    false,
                )
                .await
            }
        }
    }

    /// Leaves a delivery queued until `due` (milliseconds) without counting an attempt.
    async fn defer(&self, seq: i64, due: i64) {
        let result = self
            .db
            .write(move |conn| {
                conn.prepare_cached(
                    "UPDATE deliveries SET next_attempt_at = ?3
                     WHERE event_seq = ?1 AND consumer = ?2 AND status = 'pending'",
                )?
                .execute(params![seq, channels::CONSUMER, due])?;
                Ok(())
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "could not defer a delivery; its lease will expire");
        }
    }

    async fn failed(
        &self,
        seq: i64,
        consumer: String,
        attempts: u32,
        message: String,
        fatal: bool,
    ) {
        let attempts = attempts + 1;
        let dead = fatal || attempts >= self.config.max_attempts;
        let next = now_ms() + self.config.backoff(attempts).as_millis() as i64;
        tracing::warn!(%consumer, seq, attempts, dead, error = %message, "event delivery failed");
        self.metrics
            .delivery(&consumer, if dead { "dead" } else { "retry" });
        let result =
            self.db
                .write(move |conn| {
                    conn.prepare_cached(
                    "UPDATE deliveries SET attempts = ?3, next_attempt_at = ?4, last_error = ?5,
                       status = CASE WHEN ?6 THEN 'dead' ELSE status END, updated_at = ?7
                     WHERE event_seq = ?1 AND consumer = ?2 AND status = 'pending'",
                )?
                .execute(params![seq, consumer, attempts, next, message, dead, now_rfc3339()])?;
                    Ok(())
                })
                .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "could not record a delivery failure; its lease will expire");
        }
    }
}

fn claim(conn: &Connection) -> Result<Vec<Claimed>, StoreError> {
    let now = now_ms();
    let mut stmt = conn.prepare_cached(
        "UPDATE deliveries SET next_attempt_at = ?2
         WHERE rowid IN (SELECT rowid FROM deliveries WHERE status = 'pending' AND next_attempt_at <= ?1
                         ORDER BY next_attempt_at, event_seq LIMIT ?3)
         RETURNING event_seq, consumer, attempts",
    )?;
    let rows = stmt
        .query_map(params![now, now + CLAIM_LEASE_MS, CLAIM_BATCH], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, u32>(2)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut event = conn.prepare_cached(
        "SELECT id, topic, source, subject, payload, occurred_at FROM outbox WHERE seq = ?1",
    )?;
    let mut claimed = Vec::with_capacity(rows.len());
    for (seq, consumer, attempts) in rows {
        let e = event.query_row([seq], |r| {
            Ok(types::Event {
                id: r.get(0)?,
                topic: r.get(1)?,
                source: r.get(2)?,
                subject: r.get(3)?,
                payload: r.get(4)?,
                occurred_at: r.get(5)?,
                attempt: attempts + 1,
            })
        })?;
        claimed.push(Claimed {
            seq,
            consumer,
            attempts,
            event: e,
        });
    }
    Ok(claimed)
}

/// Marks a delivery processed; `AlreadyProcessed` (rolling back the consumer's writes) when it
/// is no longer pending.
fn mark_done(conn: &Connection, seq: i64, consumer: &str) -> Result<(), StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE deliveries SET status = 'done', attempts = attempts + 1, last_error = NULL, updated_at = ?3
             WHERE event_seq = ?1 AND consumer = ?2 AND status = 'pending'",
        )?
        .execute(params![seq, consumer, now_rfc3339()])?;
    if changed == 0 {
        Err(StoreError::AlreadyProcessed)
    } else {
        Ok(())
    }
}

/// A dead letter, as an operator sees it.
#[derive(Debug, Serialize)]
pub struct DeadLetter {
    pub event_id: String,
    pub topic: String,
    pub source: String,
    pub consumer: String,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub occurred_at: String,
    pub failed_at: String,
}

/// Dead letters after `cursor` (an event id), oldest first.
pub fn dead_letters(
    conn: &Connection,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<(i64, DeadLetter)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT d.event_seq, o.id, o.topic, o.source, d.consumer, d.attempts, d.last_error, o.occurred_at, d.updated_at
         FROM deliveries d JOIN outbox o ON o.seq = d.event_seq
         WHERE d.status = 'dead' AND d.event_seq > ?1 ORDER BY d.event_seq, d.consumer LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![after_seq, limit], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            DeadLetter {
                event_id: r.get(1)?,
                topic: r.get(2)?,
                source: r.get(3)?,
                consumer: r.get(4)?,
                attempts: r.get(5)?,
                last_error: r.get(6)?,
                occurred_at: r.get(7)?,
                failed_at: r.get(8)?,
            },
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Puts a dead letter back in the queue with a fresh attempt count; false when there is none.
pub fn replay(conn: &Connection, event_id: &str, consumer: &str) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = ?3, updated_at = ?4
             WHERE consumer = ?2 AND status = 'dead' AND event_seq = (SELECT seq FROM outbox WHERE id = ?1)",
        )?
        .execute(params![event_id, consumer, now_ms(), now_rfc3339()])?;
    Ok(changed > 0)
}
