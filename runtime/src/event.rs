//! An event as the host hands it to a subscriber's `on-event`: the outbox's row, in host types,
//! so that the dispatcher never builds the generated bindings' types (they stay the runtime's).

use crate::bindings::types;

/// One delivery of a committed event to a subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Unique id; a subscriber sees each id at most once with effect.
    pub id: String,
    /// `<publishing-domain>.<name>`.
    pub topic: String,
    /// The publishing component (or `platform`, `interop`, `civil-registry`).
    pub source: String,
    /// The person or company the event is about, if any.
    pub subject: Option<String>,
    /// JSON document.
    pub payload: Vec<u8>,
    /// When the publishing request committed (RFC 3339, UTC).
    pub occurred_at: String,
    /// 1 for the first delivery attempt, then 2, 3... after failures.
    pub attempt: u32,
}

impl From<Event> for types::Event {
    fn from(e: Event) -> Self {
        Self {
            id: e.id,
            topic: e.topic,
            source: e.source,
            subject: e.subject,
            payload: e.payload,
            occurred_at: e.occurred_at,
            attempt: e.attempt,
        }
    }
}

/// What a subscriber's `on-event` answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// Its answer: an error fails the delivery (its writes are discarded).
    pub result: Result<(), String>,
    /// Whether the store refused one of its writes as a conflict during the call: a failure
    /// then may be that race, worth running again on the newer state.
    pub met_conflict: bool,
}
