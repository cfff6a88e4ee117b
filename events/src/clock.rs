//! The platform's calendar: one `platform.day-started` event per UTC day, delivered through the
//! outbox to the components that subscribe to it, so that a domain can do its dated work
//! (instalments falling overdue, invitations expiring, quarterly contributions coming due)
//! without a timer of its own: components only ever run inside a request or an event delivery.
//!
//! Each day's event has an id made from the date, and the outbox refuses a second event with
//! the same id, so a day is published once however many gateways start or restart that day.
//! A `platform-operator` can also run a given day (`POST /api/v1/admin/days/{date}`): the
//! days missed while the platform was down, or — where the configuration allows future days, in
//! test and training environments — a day still to come.

use std::sync::Arc;
use std::time::Duration;

use jiff::civil::Date;

use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use welfare_store::txn::{NewEvent, Subscribers, WriteSet};
use welfare_store::{Db, StoreError, ops};

/// The topic of the daily event; its payload is `{"date": "YYYY-MM-DD"}`.
pub const DAY_STARTED: &str = "platform.day-started";
/// The event's source: the platform itself (a reserved component name).
pub const SOURCE: &str = "platform";
/// How often the clock looks whether a new UTC day has begun.
const CHECK_EVERY: Duration = Duration::from_secs(60);

/// The outbox id of `date`'s event: one per day.
pub fn event_id(date: Date) -> String {
    format!("day-{date}")
}

/// Publishes `date`'s event to its subscribers unless it was published before; true when
/// this call published it.
pub async fn publish_day(
    db: &Db,
    subscribers: &Subscribers,
    date: Date,
) -> Result<bool, StoreError> {
    let id = event_id(date);
    let at = db.now();
    let set = WriteSet {
        domain: SOURCE.into(),
        docs: Vec::new(),
        events: vec![NewEvent {
            id,
            topic: DAY_STARTED.into(),
            source: SOURCE.into(),
            subject: None,
            payload: serde_json::to_vec(&serde_json::json!({ "date": date.to_string() }))
                .expect("serialising a date"),
            consumers: subscribers(DAY_STARTED),
        }],
    };
    let published = db
        .write(move |conn| ops::apply_write_set(conn, &set, at).map(|_| true))
        .await;
    match published {
        // The day's event id is taken: this or another gateway on the same database published
        // it already (the outbox's unique id refuses the second; its job rolls back).
        Err(StoreError::Conflict) => Ok(false),
        other => other,
    }
}

/// Publishes each new UTC day's event, until `shutdown`.
pub struct Clock {
    pub db: Db,
    pub subscribers: Subscribers,
    pub wake: Arc<Notify>,
}

impl Clock {
    pub async fn run(self, shutdown: CancellationToken) {
        let mut published: Option<Date> = None;
        loop {
            let day = self.db.now().date();
            if published != Some(day) {
                match publish_day(&self.db, &self.subscribers, day).await {
                    Ok(new) => {
                        published = Some(day);
                        if new {
                            tracing::info!(%day, "a new day started");
                            self.wake.notify_one();
                        }
                    }
                    Err(e) => tracing::error!(error = %e, %day, "publishing the day failed"),
                }
            }
            tokio::select! {
                _ = shutdown.cancelled() => return,
                _ = tokio::time::sleep(CHECK_EVERY) => {}
            }
        }
    }
}
