//! A unit of work's view of one component's documents, and the writes and events it buffers.
//!
//! The rules are the gateway's (`gateway/src/store/txn.rs`) and so are the limits: reads see
//! the committed state plus the unit's own writes; each write remembers the version it saw
//! first, and the commit requires that version to be current.

use std::collections::BTreeMap;

use spin_sdk::sqlite::Value;

use crate::db::{self, int, text};
use crate::exports::welfare::platform::types::Error;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest document.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Documents one unit may write.
pub const MAX_WRITES: usize = 1_000;
/// Events one unit may publish.
pub const MAX_EVENTS: usize = 100;
/// Largest event payload.
pub const MAX_EVENT_BYTES: usize = 64 << 10;
/// Largest page a listing returns.
pub const MAX_LIST: u32 = 1_000;
/// Longest topic name.
pub const MAX_TOPIC_BYTES: usize = 128;

/// A buffered write.
pub struct Buffered {
    /// The stored version (live or tombstone) when the unit first touched the key; none when
    /// there was no row.
    pub observed: Option<u64>,
    /// None deletes.
    pub value: Option<Vec<u8>>,
    pub version: u64,
}

/// An event to add to the outbox at commit.
pub struct NewEvent {
    pub id: String,
    pub topic: String,
    pub subject: Option<String>,
    pub payload: Vec<u8>,
}

pub struct Unit {
    pub component: String,
    read_only: bool,
    pub writes: BTreeMap<String, Buffered>,
    pub events: Vec<NewEvent>,
}

impl Unit {
    pub fn new(component: String, read_only: bool) -> Self {
        Self {
            component,
            read_only,
            writes: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// (raw version, live value) of `key` in this unit's view.
    fn current(&self, key: &str) -> Result<(Option<u64>, Option<Vec<u8>>), Error> {
        if let Some(b) = self.writes.get(key) {
            return Ok((Some(b.version), b.value.clone()));
        }
        let conn = db::open()?;
        let rows = db::run(
            &conn,
            "SELECT value, version FROM documents WHERE domain = ?1 AND key = ?2",
            &[text(&self.component), text(key)],
        )
        .map_err(db::unavailable)?;
        Ok(match rows.rows.first() {
            Some(row) => (
                row.values.get(1).and_then(db::integer).map(|v| v as u64),
                row.values.first().and_then(db::bytes),
            ),
            None => (None, None),
        })
    }

    pub fn get(&self, key: &str) -> Result<Option<(Vec<u8>, u64)>, Error> {
        check_key(key)?;
        let (version, value) = self.current(key)?;
        Ok(value.map(|v| (v, version.unwrap_or_default())))
    }

    fn write(
        &mut self,
        key: &str,
        value: Option<Vec<u8>>,
        expected: Option<u64>,
    ) -> Result<u64, Error> {
        if self.read_only {
            return Err(Error::Invalid("this call may not write".into()));
        }
        check_key(key)?;
        if !self.writes.contains_key(key) && self.writes.len() >= MAX_WRITES {
            return Err(Error::LimitExceeded);
        }
        let (raw, live) = self.current(key)?;
        if live.as_ref().and(raw) != expected {
            return Err(Error::Conflict);
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

    pub fn put(&mut self, key: &str, value: Vec<u8>, expected: Option<u64>) -> Result<u64, Error> {
        if value.len() > MAX_VALUE_BYTES {
            return Err(Error::Invalid(format!(
                "a value may hold at most {MAX_VALUE_BYTES} bytes"
            )));
        }
        self.write(key, Some(value), expected)
    }

    pub fn delete(&mut self, key: &str, expected: u64) -> Result<(), Error> {
        self.write(key, None, Some(expected)).map(|_| ())
    }

    /// Keys under `prefix` after `cursor`, merging committed rows with the unit's writes.
    #[allow(clippy::type_complexity)]
    pub fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<(String, Vec<u8>, u64)>, Option<String>), Error> {
        if prefix.len() > MAX_KEY_BYTES || !prefix.bytes().all(is_key_byte) {
            return Err(Error::Invalid(
                "the prefix has characters keys cannot have".into(),
            ));
        }
        let limit = limit.clamp(1, MAX_LIST) as usize;
        let after = cursor.unwrap_or("");
        let in_range = |k: &str| k.starts_with(prefix) && k > after;
        let pending = self.writes.keys().filter(|k| in_range(k)).count();
        let fetch = (limit + pending + 1) as i64;
        // Keys are printable ASCII, so every key with the prefix sorts before prefix + DEL.
        let upper = format!("{prefix}\u{7f}");
        let conn = db::open()?;
        let rows = db::run(
            &conn,
            "SELECT key, value, version FROM documents
             WHERE domain = ?1 AND key >= ?2 AND key < ?3 AND key > ?4 AND value IS NOT NULL
             ORDER BY key LIMIT ?5",
            &[
                text(&self.component),
                text(prefix),
                text(&upper),
                text(after),
                int(fetch),
            ],
        )
        .map_err(db::unavailable)?;
        let mut merged: BTreeMap<String, (Vec<u8>, u64)> = BTreeMap::new();
        for row in &rows.rows {
            let v = &row.values;
            if let (Some(Value::Text(k)), Some(value), Some(version)) = (
                v.first(),
                v.get(1).and_then(db::bytes),
                v.get(2).and_then(db::integer),
            ) {
                merged.insert(k.clone(), (value, version as u64));
            }
        }
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
    ) -> Result<String, Error> {
        if self.read_only {
            return Err(Error::Invalid("this call may not publish events".into()));
        }
        let namespace_ok = topic
            .strip_prefix(self.component.as_str())
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|name| !name.is_empty());
        let shape_ok = topic.len() <= MAX_TOPIC_BYTES
            && topic
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !namespace_ok || !shape_ok {
            return Err(Error::Invalid(format!(
                "topic {topic:?} must be `{}.<name>` in lower case",
                self.component
            )));
        }
        if payload.len() > MAX_EVENT_BYTES
            || serde_json::from_slice::<serde::de::IgnoredAny>(&payload).is_err()
        {
            return Err(Error::Invalid(format!(
                "a payload is a JSON document of at most {MAX_EVENT_BYTES} bytes"
            )));
        }
        if self.events.len() >= MAX_EVENTS {
            return Err(Error::LimitExceeded);
        }
        let id = db::new_id("evt");
        self.events.push(NewEvent {
            id: id.clone(),
            topic: topic.to_string(),
            subject,
            payload,
        });
        Ok(id)
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_graphic()
}

/// Keys are 1..=512 bytes of printable ASCII without spaces.
fn check_key(key: &str) -> Result<(), Error> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES || !key.bytes().all(is_key_byte) {
        return Err(Error::Invalid(format!(
            "a key is 1 to {MAX_KEY_BYTES} printable ASCII characters without spaces"
        )));
    }
    Ok(())
}
