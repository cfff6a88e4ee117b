//! One request's (or one event delivery's) view of a component's documents, and the writes
//! and events it buffers: the rules of `welfare:platform/store` and `events`, written once for
//! both hosts, the gateway (over its SQLite or PostgreSQL `Db`) and the Spin platform adapter
//! (over Spin's SQLite), which differ only in how they read committed rows and commit.
//!
//! Reads see the committed state plus the unit's own writes. Writes are only buffered here;
//! each remembers the version it saw first, and the host commits the write set only if every
//! such version is still current. No lock is held while guest code runs.
//!
//! # Layout
//! - this file: the limits, [`CallError`], the [`Committed`] rows a host reads, and [`Unit`].
//! - `host` (feature `host`): the native host's side: the `Documents` its store implements,
//!   the `WriteSet` it commits, and `Txn`, a unit with the subscribers of its events.

use std::collections::BTreeMap;
use std::fmt;

#[cfg(feature = "host")]
pub mod host;

/// Longest key, in bytes.
pub const MAX_KEY_BYTES: usize = 512;
/// Largest document. Domain documents are small JSON; 1 MiB refuses accidents, not use.
pub const MAX_VALUE_BYTES: usize = 1 << 20;
/// Documents one unit may write: an application and its indexes are a handful.
pub const MAX_WRITES: usize = 1_000;
/// Events one unit may publish.
pub const MAX_EVENTS: usize = 100;
/// Largest event payload: events carry references and facts, not documents.
pub const MAX_EVENT_BYTES: usize = 64 << 10;
/// Largest page a listing returns.
pub const MAX_LIST: u32 = 1_000;
/// Longest topic name.
pub const MAX_TOPIC_BYTES: usize = 128;

/// Why a capability call was refused (each host maps it onto the WIT `error` variant).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CallError {
    Conflict,
    Invalid(String),
    LimitExceeded,
    Unavailable(String),
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CallError::Conflict => f.write_str("conflict"),
            CallError::Invalid(m) => f.write_str(m),
            CallError::LimitExceeded => f.write_str("limit exceeded"),
            CallError::Unavailable(m) => write!(f, "unavailable: {m}"),
        }
    }
}

impl std::error::Error for CallError {}

/// A stored row: its value (none for a tombstone) and version.
pub type Row = (Option<Vec<u8>>, u64);
/// A listed document: key, value, version.
pub type Listed = (String, Vec<u8>, u64);

/// The committed rows of one component, as a host reads them.
pub trait Committed {
    /// The component whose rows these are (its name is also its topics' namespace).
    fn domain(&self) -> &str;

    /// The row at `key`: its value (none for a tombstone) and version; none without a row.
    fn read(&self, key: &str) -> Result<Option<Row>, CallError>;

    /// Live documents whose keys start with `prefix` and sort after `after`, in key order,
    /// at most `limit`.
    fn list(&self, prefix: &str, after: &str, limit: usize) -> Result<Vec<Listed>, CallError>;
}

/// A buffered write: what the key held when first touched, and what it holds now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Buffered {
    /// The stored version (live or tombstone) when the unit first touched the key; `None`
    /// when there was no row at all. The commit requires it to be unchanged.
    pub observed: Option<u64>,
    /// `None` deletes.
    pub value: Option<Vec<u8>>,
    pub version: u64,
}

/// An event the unit published, for the host's outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    pub id: String,
    pub topic: String,
    pub subject: Option<String>,
    pub payload: Vec<u8>,
}

/// A unit of work over the documents of one component (`committed`'s).
pub struct Unit<C> {
    committed: C,
    read_only: bool,
    new_event_id: fn() -> String,
    writes: BTreeMap<String, Buffered>,
    events: Vec<Published>,
}

impl<C: Committed> Unit<C> {
    /// A unit reading `committed`; `read_only` refuses writes and events (`describe`,
    /// `summary`); `new_event_id` names published events.
    pub fn new(committed: C, read_only: bool, new_event_id: fn() -> String) -> Self {
        Self {
            committed,
            read_only,
            new_event_id,
            writes: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    pub fn domain(&self) -> &str {
        self.committed.domain()
    }

    /// The current (raw version, live value) of `key` in this unit's view.
    fn current(&self, key: &str) -> Result<(Option<u64>, Option<Vec<u8>>), CallError> {
        if let Some(b) = self.writes.get(key) {
            return Ok((Some(b.version), b.value.clone()));
        }
        Ok(match self.committed.read(key)? {
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
        if live.as_ref().and(raw) != expected {
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

    /// Keys under `prefix` after `cursor`, merging committed rows with this unit's writes;
    /// the next cursor when more remain.
    pub fn list(
        &self,
        prefix: &str,
        cursor: Option<&str>,
        limit: u32,
    ) -> Result<(Vec<Listed>, Option<String>), CallError> {
        if prefix.len() > MAX_KEY_BYTES || !prefix.bytes().all(is_key_byte) {
            return Err(CallError::Invalid(
                "the prefix has characters keys cannot have".into(),
            ));
        }
        let limit = limit.clamp(1, MAX_LIST) as usize;
        let after = cursor.unwrap_or("");
        let in_range = |k: &str| k.starts_with(prefix) && k > after;
        let pending = self.writes.keys().filter(|k| in_range(k)).count();
        let committed = self.committed.list(prefix, after, limit + pending + 1)?;
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

    /// Buffers an event on `topic`, which must be in the component's namespace; returns its id.
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
            .strip_prefix(self.domain())
            .and_then(|rest| rest.strip_prefix('.'))
            .is_some_and(|name| !name.is_empty());
        let shape_ok = topic.len() <= MAX_TOPIC_BYTES
            && topic
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'-');
        if !namespace_ok || !shape_ok {
            return Err(CallError::Invalid(format!(
                "topic {topic:?} must be `{}.<name>` in lower case",
                self.domain()
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
        let id = (self.new_event_id)();
        self.events.push(Published {
            id: id.clone(),
            topic: topic.to_string(),
            subject,
            payload,
        });
        Ok(id)
    }

    /// The buffered writes (in key order) and events (in publishing order), to commit.
    pub fn into_parts(self) -> (BTreeMap<String, Buffered>, Vec<Published>) {
        (self.writes, self.events)
    }
}

fn is_key_byte(b: u8) -> bool {
    b.is_ascii_graphic()
}

/// Keys are 1..=512 bytes of printable ASCII without spaces, so that listings can bound a
/// prefix range by appending a byte after `~`.
fn check_key(key: &str) -> Result<(), CallError> {
    if key.is_empty() || key.len() > MAX_KEY_BYTES || !key.bytes().all(is_key_byte) {
        return Err(CallError::Invalid(format!(
            "a key is 1 to {MAX_KEY_BYTES} printable ASCII characters without spaces"
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Committed rows held in memory, to exercise the rules alone.
    struct Rows(BTreeMap<String, (Option<Vec<u8>>, u64)>);

    impl Committed for Rows {
        fn domain(&self) -> &str {
            "dom"
        }

        fn read(&self, key: &str) -> Result<Option<(Option<Vec<u8>>, u64)>, CallError> {
            Ok(self.0.get(key).cloned())
        }

        fn list(
            &self,
            prefix: &str,
            after: &str,
            limit: usize,
        ) -> Result<Vec<(String, Vec<u8>, u64)>, CallError> {
            Ok(self
                .0
                .iter()
                .filter(|(k, _)| k.starts_with(prefix) && k.as_str() > after)
                .filter_map(|(k, (v, ver))| v.clone().map(|v| (k.clone(), v, *ver)))
                .take(limit)
                .collect())
        }
    }

    fn unit() -> Unit<Rows> {
        let rows = Rows(BTreeMap::from([
            ("a/1".to_string(), (Some(b"1".to_vec()), 3)),
            ("a/2".to_string(), (None, 5)),
            ("a/3".to_string(), (Some(b"3".to_vec()), 1)),
        ]));
        Unit::new(rows, false, || "evt_1".into())
    }

    #[test]
    fn versions_follow_the_row_including_tombstones() {
        let mut u = unit();
        // A live row needs its version; a tombstone counts as absent but keeps counting.
        assert_eq!(u.put("a/1", b"x".to_vec(), None), Err(CallError::Conflict));
        assert_eq!(u.put("a/1", b"x".to_vec(), Some(3)), Ok(4));
        assert_eq!(
            u.put("a/2", b"y".to_vec(), Some(5)),
            Err(CallError::Conflict)
        );
        assert_eq!(u.put("a/2", b"y".to_vec(), None), Ok(6));
        assert_eq!(u.put("new", b"z".to_vec(), None), Ok(1));
        // Writing a key twice keeps the version first observed, for the commit's check.
        assert_eq!(u.put("a/1", b"xx".to_vec(), Some(4)), Ok(5));
        assert_eq!(u.delete("a/3", 1), Ok(()));
        let (writes, _) = u.into_parts();
        let observed: Vec<(&str, Option<u64>, u64)> = writes
            .iter()
            .map(|(k, b)| (k.as_str(), b.observed, b.version))
            .collect();
        assert_eq!(
            observed,
            [
                ("a/1", Some(3), 5),
                ("a/2", Some(5), 6),
                ("a/3", Some(1), 2),
                ("new", None, 1)
            ]
        );
    }

    #[test]
    fn listings_merge_the_units_writes() {
        let mut u = unit();
        u.put("a/0", b"0".to_vec(), None).unwrap();
        u.delete("a/3", 1).unwrap();
        let (items, next) = u.list("a/", None, 1).unwrap();
        assert_eq!(items, [("a/0".to_string(), b"0".to_vec(), 1)]);
        let (items, next) = u.list("a/", next.as_deref(), 10).unwrap();
        assert_eq!(items, [("a/1".to_string(), b"1".to_vec(), 3)]);
        assert_eq!(next, None, "a/2 is a tombstone and a/3 was deleted");
        assert!(matches!(u.list("a b", None, 1), Err(CallError::Invalid(_))));
    }

    #[test]
    fn limits_and_namespaces_hold() {
        let mut u = unit();
        for key in ["", "has space", &"k".repeat(MAX_KEY_BYTES + 1)] {
            assert!(matches!(u.get(key), Err(CallError::Invalid(_))), "{key:?}");
        }
        assert!(matches!(
            u.put("big", vec![b'x'; MAX_VALUE_BYTES + 1], None),
            Err(CallError::Invalid(_))
        ));
        assert_eq!(
            u.publish("dom.done", None, b"{}".to_vec()),
            Ok("evt_1".into())
        );
        for (topic, payload) in [
            ("other.done", "{}"),
            ("dom.", "{}"),
            ("dom.Done", "{}"),
            ("dom.done", "not json"),
        ] {
            assert!(
                matches!(
                    u.publish(topic, None, payload.into()),
                    Err(CallError::Invalid(_))
                ),
                "{topic} {payload}"
            );
        }
        for _ in 1..MAX_EVENTS {
            u.publish("dom.done", None, b"{}".to_vec()).unwrap();
        }
        assert_eq!(
            u.publish("dom.done", None, b"{}".to_vec()),
            Err(CallError::LimitExceeded)
        );
        let mut read_only = Unit::new(Rows(BTreeMap::new()), true, || "e".into());
        assert!(matches!(
            read_only.put("k", vec![], None),
            Err(CallError::Invalid(_))
        ));
        assert!(matches!(
            read_only.publish("dom.x", None, b"{}".to_vec()),
            Err(CallError::Invalid(_))
        ));
    }
}
