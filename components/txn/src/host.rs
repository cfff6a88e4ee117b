//! One request's (or one event delivery's) view of a component's documents, and the write set
//! it produces.
//!
//! Reads see the committed state plus the request's own writes. Writes are only buffered here;
//! each remembers the version it saw first, and the host commits the write set only if every
//! such version is still current. No lock is held while guest code runs.
//!
//! The committed state is read through [`Documents`], which the native host's store implements
//! over its database; the runtime reads nothing but what it is given. Here (the `host`
//! feature) rather than in the runtime, so that the store and the runtime both depend on these
//! types and neither on the other.

use std::sync::Arc;

pub use crate::{
    CallError, Listed, MAX_EVENT_BYTES, MAX_EVENTS, MAX_KEY_BYTES, MAX_LIST, MAX_TOPIC_BYTES,
    MAX_VALUE_BYTES, MAX_WRITES, Row,
};
use crate::{Committed, Unit};

/// The committed documents of every component, as the host keeps them.
pub trait Documents: Send + Sync {
    fn read(&self, domain: &str, key: &str) -> Result<Option<Row>, CallError>;
    fn list(
        &self,
        domain: &str,
        prefix: &str,
        after: &str,
        limit: usize,
    ) -> Result<Vec<Listed>, CallError>;
}

/// Documents that hold nothing: for reading manifests (`describe`) where no store is needed.
pub struct NoDocuments;

impl Documents for NoDocuments {
    fn read(&self, _: &str, _: &str) -> Result<Option<Row>, CallError> {
        Ok(None)
    }

    fn list(&self, _: &str, _: &str, _: &str, _: usize) -> Result<Vec<Listed>, CallError> {
        Ok(Vec::new())
    }
}

/// A buffered write: what the key held when first touched, and what it holds now.
#[derive(Debug, Clone)]
pub struct DocWrite {
    pub key: String,
    /// The stored version (live or tombstone) when the request first touched the key;
    /// `None` when there was no row at all. The commit requires it to be unchanged.
    pub observed: Option<u64>,
    /// `None` deletes.
    pub value: Option<Vec<u8>>,
    pub version: u64,
}

/// An event to add to the outbox.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    pub topic: String,
    pub source: String,
    pub subject: Option<String>,
    pub payload: Vec<u8>,
    /// Components subscribed to `topic`; one delivery row each.
    pub consumers: Vec<String>,
}

/// Everything a successful request commits.
#[derive(Debug, Default)]
pub struct WriteSet {
    pub domain: String,
    pub docs: Vec<DocWrite>,
    pub events: Vec<NewEvent>,
}

impl WriteSet {
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty() && self.events.is_empty()
    }
}

/// A fresh event id: time-ordered, so the outbox reads in publishing order.
pub fn new_event_id() -> String {
    format!("evt_{}", uuid::Uuid::now_v7().simple())
}

/// Resolves which components consume a topic (from the loaded manifests).
pub type Subscribers = Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// One component's committed rows.
struct View {
    documents: Arc<dyn Documents>,
    domain: Arc<str>,
}

impl Committed for View {
    fn domain(&self) -> &str {
        &self.domain
    }

    fn read(&self, key: &str) -> Result<Option<Row>, CallError> {
        self.documents.read(&self.domain, key)
    }

    fn list(&self, prefix: &str, after: &str, limit: usize) -> Result<Vec<Listed>, CallError> {
        self.documents.list(&self.domain, prefix, after, limit)
    }
}

/// A request's transaction over one component's key space: the shared rules
/// (this crate's [`Unit`]), and the subscribers each published event is delivered to.
pub struct Txn {
    unit: Unit<View>,
    subscribers: Subscribers,
    /// Whether a write was refused as a conflict (the document changed since it was read).
    met_conflict: bool,
}

impl Txn {
    pub fn new(documents: Arc<dyn Documents>, domain: Arc<str>, subscribers: Subscribers) -> Self {
        Self {
            unit: Unit::new(View { documents, domain }, false, new_event_id),
            subscribers,
            met_conflict: false,
        }
    }

    /// A transaction whose writes are refused (for `describe` and `summary`).
    pub fn read_only(documents: Arc<dyn Documents>, domain: Arc<str>) -> Self {
        Self {
            unit: Unit::new(View { documents, domain }, true, new_event_id),
            subscribers: Arc::new(|_| Vec::new()),
            met_conflict: false,
        }
    }

    pub fn get(&self, key: &str) -> Result<Option<(Vec<u8>, u64)>, CallError> {
        self.unit.get(key)
    }

    pub fn put(
        &mut self,
        key: &str,
        value: Vec<u8>,
        expected: Option<u64>,
    ) -> Result<u64, CallError> {
        let written = self.unit.put(key, value, expected);
        self.note(&written);
        written
    }

    pub fn delete(&mut self, key: &str, expected: u64) -> Result<(), CallError> {
        let deleted = self.unit.delete(key, expected);
        self.note(&deleted);
        deleted
    }

    fn note<T>(&mut self, result: &Result<T, CallError>) {
        self.met_conflict |= matches!(result, Err(CallError::Conflict));
    }

    /// Whether the call was told that a document it wrote had changed since it read it: a
    /// failure that follows may be that race, which a run reading the newer state can win.
    pub fn met_conflict(&self) -> bool {
        self.met_conflict
    }

    /// Keys under `prefix` after `cursor`, merging committed rows with this request's writes.
    pub fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<Listed>, Option<String>), CallError> {
        self.unit.list(prefix, cursor, limit)
    }

    /// Buffers an event on `topic`; returns its id.
    pub fn publish(
        &mut self,
        topic: &str,
        subject: Option<String>,
        payload: Vec<u8>,
    ) -> Result<String, CallError> {
        self.unit.publish(topic, subject, payload)
    }

    /// The buffered writes and events, to commit.
    pub fn into_write_set(self) -> WriteSet {
        let domain = self.unit.domain().to_string();
        let (writes, events) = self.unit.into_parts();
        WriteSet {
            docs: writes
                .into_iter()
                .map(|(key, b)| DocWrite {
                    key,
                    observed: b.observed,
                    value: b.value,
                    version: b.version,
                })
                .collect(),
            events: events
                .into_iter()
                .map(|e| NewEvent {
                    consumers: (self.subscribers)(&e.topic),
                    id: e.id,
                    topic: e.topic,
                    source: domain.clone(),
                    subject: e.subject,
                    payload: e.payload,
                })
                .collect(),
            domain,
        }
    }
}
