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

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde::Serialize;
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::channels::{self, Channels, Report, SendRequest};
use crate::config::EventsConfig;
use welfare_runtime::event::Event;
use welfare_runtime::{Loaded, Runtime};
use welfare_store::sql::{Dialect, Param, Row};
use welfare_store::txn::{NewEvent, WriteSet, new_event_id};
use welfare_store::{Db, Now, Sql, StoreError, ops};

/// Deliveries claimed per round.
const CLAIM_BATCH: i64 = 64;
/// Deliveries run at once: each holds an instance and a blocking thread.
const CONCURRENT_DELIVERIES: usize = 8;
/// How long a claim holds a delivery: beyond any call deadline plus its commit.
const CLAIM_LEASE_MS: i64 = 30_000;
/// Times a delivery that met a document changed since its handler read it (refused at its
/// commit, or refused to the handler, which then failed) runs again at once, in a fresh
/// instance reading the newer state, before the conflict counts as a failed attempt. Optimistic concurrency's retry loop: deliveries that touch one shared
/// document (a campaign's counters) would otherwise spend their few attempts on each other.
const CONFLICT_RERUNS: u32 = 8;
/// How often stale idempotency records are purged.
const PURGE_EVERY: Duration = Duration::from_secs(600);

/// Counts each delivery's outcome by consumer (`done`, `rerun` after a commit conflict,
/// `retry`, `dead`, or a channel's):
/// the host's metrics.
pub trait DeliveryCounter: Send + Sync {
    fn delivery(&self, consumer: &str, outcome: &str);
}

/// One claimed delivery.
struct Claimed {
    seq: i64,
    consumer: String,
    attempts: u32,
    event: Event,
}

pub struct Dispatcher {
    pub runtime: Arc<Runtime>,
    pub db: Db,
    pub config: EventsConfig,
    pub wake: Arc<Notify>,
    pub metrics: Arc<dyn DeliveryCounter>,
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
                if let Err(e) = welfare_store::idempotency::purge(&self.db).await {
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
        let at = self.db.now();
        let leases = self.db.write(move |conn| claim(conn, at)).await?;
        if leases.is_empty() {
            return Ok(0);
        }
        // The events themselves never change: read them on a reader, not on the writer that
        // every request's commit waits for.
        let claimed = self
            .db
            .read_async(move |conn| with_events(conn, leases))
            .await?;
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
        let (started, mut reruns) = (std::time::Instant::now(), 0);
        // Within half the lease, so that a rerun never outlives the claim.
        let rerun_within = Duration::from_millis(CLAIM_LEASE_MS as u64 / 2);
        let outcome = loop {
            match self
                .run_once(&component, &consumer, seq, event.clone())
                .await
            {
                Err(Delivery::Conflict)
                    if reruns < CONFLICT_RERUNS && started.elapsed() < rerun_within =>
                {
                    reruns += 1;
                    self.metrics.delivery(&consumer, "rerun");
                }
                Err(Delivery::Conflict) => {
                    break Err(format!(
                        "commit failed: {} ({reruns} reruns)",
                        StoreError::Conflict
                    ));
                }
                Err(Delivery::Failed(message)) => break Err(message),
                Ok(()) => break Ok(()),
            }
        };
        match outcome {
            Ok(()) => self.metrics.delivery(&consumer, "done"),
            Err(message) => self.failed(seq, consumer, attempts, message, false).await,
        }
    }

    /// One run of a delivery: the handler in a fresh instance, then its writes committed with
    /// the delivery's done mark.
    async fn run_once(
        &self,
        component: &Arc<Loaded>,
        consumer: &str,
        seq: i64,
        event: Event,
    ) -> Result<(), Delivery> {
        let writes = match self.runtime.on_event(component.clone(), event).await {
            Ok((handled, writes)) => match handled.result {
                Ok(()) => writes,
                // The handler gave up on a write the store refused as a conflict.
                Err(_) if handled.met_conflict => return Err(Delivery::Conflict),
                Err(message) => return Err(Delivery::Failed(message)),
            },
            Err(fault) => return Err(Delivery::Failed(fault.to_string())),
        };
        let consumer = consumer.to_string();
        let at = self.db.now();
        let committed = self
            .db
            .write(move |conn| {
                let seqs = ops::apply_write_set(conn, &writes, at)?;
                mark_done(conn, seq, &consumer, at)?;
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
            Err(StoreError::Conflict) => Err(Delivery::Conflict),
            Err(e) => Err(Delivery::Failed(format!("commit failed: {e}"))),
        }
    }

    /// One channel attempt: the adapter sends, and the outcome is committed as a
    /// `platform.delivery-reported` event with the delivery's "done" mark. A failed send is an
    /// outcome, not a delivery failure; only a request that cannot be read is dead-lettered, and
    /// only a failed commit is retried (which may send again: at least once on the wire).
    async fn send(&self, seq: i64, attempts: u32, event: Event) {
        let consumer = channels::CONSUMER.to_string();
        let request = match SendRequest::parse(&event.payload) {
            Ok(r) => r,
            Err(message) => return self.failed(seq, consumer, attempts, message, true).await,
        };
        if let Some(at) = request.not_before {
            let due = at.as_millisecond();
            if due > self.db.now().ms() {
                return self.defer(seq, due).await;
            }
        }
        let outcome = self.channels.send(&request).await;
        self.metrics.delivery(
            &format!("channels/{}", request.channel.as_str()),
            outcome.metric_label(),
        );
        let at = self.db.now();
        let payload = serde_json::to_vec(&Report::new(&request, &outcome, at.rfc3339()))
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
                ops::apply_write_set(conn, &report, at)?;
                mark_done(conn, seq, channels::CONSUMER, at)
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
                conn.exec(
                    "UPDATE deliveries SET next_attempt_at = $3
                     WHERE event_seq = $1 AND consumer = $2 AND status = 'pending'",
                    &[&seq, &channels::CONSUMER, &due],
                )?;
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
        let now = self.db.now();
        let next = now.ms() + self.config.backoff(attempts).as_millis() as i64;
        tracing::warn!(%consumer, seq, attempts, dead, error = %message, "event delivery failed");
        self.metrics
            .delivery(&consumer, if dead { "dead" } else { "retry" });
        let result = self
            .db
            .write(move |conn| {
                let status = if dead { "dead" } else { "pending" };
                conn.exec(
                    "UPDATE deliveries SET attempts = $3, next_attempt_at = $4, last_error = $5,
                           status = $6, updated_at = $7
                         WHERE event_seq = $1 AND consumer = $2 AND status = 'pending'",
                    &[
                        &seq,
                        &consumer,
                        &(attempts as i64),
                        &next,
                        &message,
                        &status,
                        &now.rfc3339(),
                    ],
                )?;
                Ok(())
            })
            .await;
        if let Err(e) = result {
            tracing::error!(error = %e, "could not record a delivery failure; its lease will expire");
        }
    }
}

/// Why one run of a delivery did not take effect.
enum Delivery {
    /// A document changed since the handler read it (refused at the commit, or to the handler,
    /// which then failed): worth running again.
    Conflict,
    /// The handler failed, the instance faulted, or the commit failed otherwise.
    Failed(String),
}

/// A claimed delivery before its event is read: outbox position, consumer, attempts so far.
type Lease = (i64, String, u32);

/// The claim, with the row lock PostgreSQL takes (SQLite's single writer needs none).
const CLAIM_SQLITE: &str = "UPDATE deliveries SET next_attempt_at = $2
     WHERE (event_seq, consumer) IN (
         SELECT event_seq, consumer FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, event_seq LIMIT $3)
     RETURNING event_seq, consumer, attempts";
const CLAIM_POSTGRES: &str = "UPDATE deliveries SET next_attempt_at = $2
     WHERE (event_seq, consumer) IN (
         SELECT event_seq, consumer FROM deliveries
         WHERE status = 'pending' AND next_attempt_at <= $1
         ORDER BY next_attempt_at, event_seq LIMIT $3 FOR UPDATE SKIP LOCKED)
     RETURNING event_seq, consumer, attempts";

/// Claims up to [`CLAIM_BATCH`] due deliveries by moving them a lease ahead. On PostgreSQL
/// the rows are locked `FOR UPDATE SKIP LOCKED`, so gateways claiming at the same moment take
/// different deliveries instead of waiting for (or repeating) each other's.
fn claim(conn: &dyn Sql, at: Now) -> Result<Vec<Lease>, StoreError> {
    let now = at.ms();
    let sql = match conn.dialect() {
        Dialect::Postgres => CLAIM_POSTGRES,
        Dialect::Sqlite => CLAIM_SQLITE,
    };
    let rows = conn.rows(sql, &[&now, &(now + CLAIM_LEASE_MS), &CLAIM_BATCH])?;
    Ok(rows
        .into_iter()
        .map(|row| (row.int(0), row.text(1), row.int(2) as u32))
        .collect())
}

/// The claimed deliveries with their events, read in one query.
fn with_events(conn: &dyn Sql, leases: Vec<Lease>) -> Result<Vec<Claimed>, StoreError> {
    let seqs: Vec<i64> = leases.iter().map(|(seq, _, _)| *seq).collect();
    let placeholders: Vec<String> = (1..=seqs.len()).map(|i| format!("${i}")).collect();
    let params: Vec<&dyn Param> = seqs.iter().map(|s| s as &dyn Param).collect();
    let rows = conn.rows(
        &format!(
            "SELECT seq, id, topic, source, subject, payload, occurred_at FROM outbox
             WHERE seq IN ({})",
            placeholders.join(", ")
        ),
        &params,
    )?;
    let events: HashMap<i64, Row> = rows.into_iter().map(|r| (r.int(0), r)).collect();
    leases
        .into_iter()
        .map(|(seq, consumer, attempts)| {
            // A delivery row always has its outbox row (a foreign key).
            let e = events.get(&seq).ok_or(StoreError::Conflict)?;
            Ok(Claimed {
                seq,
                consumer,
                attempts,
                event: Event {
                    id: e.text(1),
                    topic: e.text(2),
                    source: e.text(3),
                    subject: e.opt_text(4),
                    payload: e.opt_bytes(5).unwrap_or_default(),
                    occurred_at: e.text(6),
                    attempt: attempts + 1,
                },
            })
        })
        .collect()
}

/// Marks a delivery processed; `AlreadyProcessed` (rolling back the consumer's writes) when it
/// is no longer pending.
fn mark_done(conn: &dyn Sql, seq: i64, consumer: &str, at: Now) -> Result<(), StoreError> {
    let changed = conn.exec(
        "UPDATE deliveries SET status = 'done', attempts = attempts + 1, last_error = NULL, updated_at = $3
         WHERE event_seq = $1 AND consumer = $2 AND status = 'pending'",
        &[&seq, &consumer, &at.rfc3339()],
    )?;
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
    conn: &dyn Sql,
    after_seq: i64,
    limit: u32,
) -> Result<Vec<(i64, DeadLetter)>, StoreError> {
    let rows = conn.rows(
        "SELECT d.event_seq, o.id, o.topic, o.source, d.consumer, d.attempts, d.last_error, o.occurred_at, d.updated_at
         FROM deliveries d JOIN outbox o ON o.seq = d.event_seq
         WHERE d.status = 'dead' AND d.event_seq > $1 ORDER BY d.event_seq, d.consumer LIMIT $2",
        &[&after_seq, &(limit as i64)],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.int(0),
                DeadLetter {
                    event_id: r.text(1),
                    topic: r.text(2),
                    source: r.text(3),
                    consumer: r.text(4),
                    attempts: r.int(5) as u32,
                    last_error: r.opt_text(6),
                    occurred_at: r.text(7),
                    failed_at: r.text(8),
                },
            )
        })
        .collect())
}

/// Puts a dead letter back in the queue with a fresh attempt count, due `at`; false when there
/// is none.
pub fn replay(conn: &dyn Sql, event_id: &str, consumer: &str, at: Now) -> Result<bool, StoreError> {
    let changed = conn.exec(
        "UPDATE deliveries SET status = 'pending', attempts = 0, next_attempt_at = $3, updated_at = $4
         WHERE consumer = $2 AND status = 'dead' AND event_seq = (SELECT seq FROM outbox WHERE id = $1)",
        &[&event_id, &consumer, &at.ms(), &at.rfc3339()],
    )?;
    Ok(changed > 0)
}
