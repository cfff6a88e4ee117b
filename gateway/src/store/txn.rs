//! One request's (or one event delivery's) view of a component's documents, and the write set
//! it produces.
//!
//! Reads see the committed state plus the request's own writes. Writes are only buffered here;
//! each remembers the version it saw first, and the write set commits only if every such
//! version is still current ([`super::ops::apply_write_set`]). No lock is held while guest code
//! runs.

use std::collections::BTreeMap;
use std::sync::Arc;

use super::{Db, StoreError, ops};

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest document. Domain documents are small JSON; 1 MiB refuses accidents, not use.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Documents one request may write: an application and its indexes are a handful.
pub const MAX_WRITES: usize = 1_000;
/// Events one request may publish.
pub const MAX_EVENTS: usize = 100;
/// Largest event payload: events carry references and facts, not documents.
pub const MAX_EVENT_BYTES: usize = 64 << 10;
/// Largest page a listing returns.
pub const MAX_LIST: u32 = 1_000;
/// Longest topic name.
pub const MAX_TOPIC_BYTES: usize = 128;

/// Why a capability call was refused (mapped onto the WIT `error` variant).
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    #[error("conflict")]
    Conflict,
    #[error("{0}")]
    Invalid(String),
    #[error("limit exceeded")]
    LimitExceeded,
    #[error("unavailable: {0}")]
    Unavailable(String),
}

impl From<StoreError> for CallError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict => CallError::Conflict,
            other => CallError::Unavailable(other.to_string()),
        }
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

struct Buffered {
    observed: Option<u64>,
    value: Option<Vec<u8>>,
    version: u64,
}

/// A request's transaction over one component's key space.
pub struct Txn {
    db: Db,
    domain: Arc<str>,
    writes: BTreeMap<String, Buffered>,
    events: Vec<NewEvent>,
    subscribers: Subscribers,
    read_only: bool,
}

impl Txn {
    pub fn new(db: Db, domain: Arc<str>, subscribers: Subscribers) -> Self {
        Self {
            db,
            domain,
            writes: BTreeMap::new(),
            events: Vec::new(),
            subscribers,
            read_only: false,
        }
    }

    /// A transaction whose writes are refused (for `describe` and `summary`).
    pub fn read_only(db: Db, domain: Arc<str>) -> Self {
        let mut txn = Self::new(db, domain, Arc::new(|_| Vec::new()));
        txn.read_only = true;
        txn
    }

    /// The current (raw version, live value) of `key` in this request's view.
    fn current(&self, key: &str) -> Result<(Option<u64>, Option<Vec<u8>>), CallError> {
        if let Some(b) = self.writes.get(key) {
            return Ok((Some(b.version), b.value.clone()));
        }
        let domain = self.domain.clone();
        let row = self.db.read(|conn| ops::read_doc(conn, &domain, key))?;
        Ok(match row {
            Some((value, version)) => (Some(version), value),
            None => (None, None),
        })
    }

    pub fn get(&self, key: &str) -> Result<Option<(Vec<u8>, u64)>, CallError> {
        check_key(key)?;
        let (version, value) = self.current(key)?;
        Ok(value.map(|v| (v, version.unwrap_or_default())))
    }

    fn write(
        &mut self,
        key: &str,
        value: Option<Vec<u8>>,
        expected: Option<u64>,
    ) -> Result<u64, CallError> {
        if self.read_only {
            return Err(CallError::Invalid("this call may not write".into()));
        }
        check_key(key)?;
        if !self.writes.contains_key(key) && self.writes.len() >= MAX_WRITES {
            return Err(CallError::LimitExceeded);
        }
        let (raw, live) = self.current(key)?;
        let live_version = live.as_ref().and(raw);
        if live_version != expected {
            return Err(CallError::Conflict);
        }
        let version = raw.unwrap_or(0) + 1;
        let observed = self.writes.get(key).map_or(raw, |b| b.observed);
        self.writes.insert(
            key.to_string(),
            Buffered {
                observed,
                value,
                version,
            },
        );
        Ok(version)
    }

    pub fn put(
        &mut self,
        key: &str,
        value: Vec<u8>,
        expected: Option<u64>,
    ) -> Result<u64, CallError> {
        if value.len() > MAX_VALUE_BYTES {
            return Err(CallError::Invalid(format!(
                "a value may hold at most {MAX_VALUE_BYTES} bytes"
            )));
        }
        self.write(key, Some(value), expected)
    }

    pub fn delete(&mut self, key: &str, expected: u64) -> Result<(), CallError> {
        self.write(key, None, Some(expected)).map(|_| ())
    }

    /// Keys under `prefix` after `cursor`, merging committed rows with this request's writes.
    pub fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<(String, Vec<u8>, u64)>, Option<String>), CallError> {
        if prefix.len() > MAX_KEY_BYTES || !prefix.bytes().all(is_key_byte) {
            return Err(CallError::Invalid(
                "the prefix has characters keys cannot have".into(),
            ));
        }
        let limit = limit.clamp(1, MAX_LIST) as usize;
        let after = cursor.unwrap_or("");
        let in_range = |k: &str| k.starts_with(prefix) && k > after;
        let pending = self.writes.keys().filter(|k| in_range(k)).count();
        let domain = self.domain.clone();
        let fetch = limit + pending + 1;
        let committed = self
            .db
            .read(|conn| ops::list_docs(conn, &domain, prefix, after, fetch))?;
        let mut merged: BTreeMap<String, (Vec<u8>, u64)> = committed
            .into_iter()
            .map(|(k, v, ver)| (k, (v, ver)))
            .collect();
        for (key, b) in self.writes.iter().filter(|(k, _)| in_range(k)) {
            match &b.value {
                Some(v) => merged.insert(key.clone(), (v.clone(), b.version)),
                None => merged.remove(key),
            };
        }
        let mut items: Vec<_> = merged
            .into_iter()
            .map(|(k, (v, ver))| (k, v, ver))
            .collect();
        let next = if items.len() > limit {
            items.truncate(limit);
            items.last().map(|(k, _, _)| k.clone())
        } else {
            None
        };
        Ok((items, next))
    }

    /// Buffers an event on `topic`; returns its id.
    pub fn publish(
        &mut self,
        topic: &str,
        subject: Option<String>,
        payload: Vec<u8>,
    ) -> Result<String, CallError> {
        if self.read_only {
            return Err(CallError::Invalid(
                "this call may not publish events".into(),
            ));
        }
        let namespace_ok = topic
            .strip_prefix(&*self.domain)
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|name| !name.is_empty());
        let shape_ok = topic.len() <= MAX_TOPIC_BYTES
            && topic
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !namespace_ok || !shape_ok {
            return Err(CallError::Invalid(format!(
                "topic {topic:?} must be `{}.<name>` in lower case",
                self.domain
            )));
        }
        if payload.len() > MAX_EVENT_BYTES
            || serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err()
        {
            return Err(CallError::Invalid(format!(
                "a payload is a JSON document of at most {MAX_EVENT_BYTES} bytes"
            )));
        }
        if self.events.len() >= MAX_EVENTS {
            return Err(CallError::LimitExceeded);
        }
        let id = new_event_id();
        self.events.push(NewEvent {
            id: id.clone(),
            topic: topic.to_string(),
            source: self.domain.to_string(),
            subject,
            payload,
            consumers: (self.subscribers)(topic),
        });
        Ok(id)
    }

    /// The buffered writes and events, to commit.
    pub fn into_write_set(self) -> WriteSet {
        WriteSet {
            domain: self.domain.to_string(),
            docs: self
                .writes
                .into_iter()
                .map(|(key, b)| DocWrite {
                    key,
                    observed: b.observed,
                    value: b.value,
                    version: b.version,
                })
                .collect(),
            events: self.events,
        }
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_graphic()
}

/// Keys are 1..=512 bytes of printable ASCII without spaces, so that listings can bound a
/// prefix range by appending the byte after `~`.
fn check_key(key: &str) -> Result<(), CallError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES || !key.bytes().all(is_key_byte) {
        return Err(CallError::Invalid(format!(
            "a key is 1 to {MAX_KEY_BYTES} printable ASCII characters without spaces"
        )));
    }
    Ok(())
}
