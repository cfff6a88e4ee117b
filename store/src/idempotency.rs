//! `Idempotency-Key` on POST: a retried request gets the saved response instead of a second
//! effect.
//!
//! Records are scoped to the caller (two callers may use the same key) and bound to the request
//! they first came with: the same key with another method, path or body is a 422. A request's
//! answer is saved in the same transaction as its writes ([`finish`]), so a saved answer always
//! means its effects committed, and the record's uniqueness in that transaction is what makes
//! a key take effect once: of two requests that ran with one key (on two gateways sharing a
//! database), only the first to commit keeps its writes; the other's roll back.
//!
//! While a request runs, its key is held in this process's memory ([`Claim`]), so a concurrent
//! retry on the same gateway gets 409 at once instead of running too; nothing is written until
//! the commit. A request that fails, or a gateway that dies mid-request, leaves nothing behind:
//! the client's retry runs at once. (Before, the claim was an `in-flight` row written in a
//! transaction of its own and deleted again after the answer: two more fsync'd commits on every
//! idempotent write's path. Rows such a gateway left are still honoured while their lease runs.)

use std::collections::HashSet;
use std::sync::Mutex;

use crate::{Db, Sql, StoreError};

pub use welfare_exchange::MAX_IDEMPOTENCY_KEY_LEN as MAX_KEY_LEN;
use welfare_exchange::{request_fingerprint, valid_idempotency_key};
/// How long an `in-flight` row written by an earlier gateway blocks retries.
pub const LEASE_MS: i64 = 60_000;
/// How long saved responses are kept (and so how long a retry is recognised).
pub const RETENTION_MS: i64 = 24 * 60 * 60 * 1_000;

/// An idempotency key bound to its caller and request.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

impl IdemKey {
    /// `None` when `key` is not 1..=255 printable ASCII characters.
    pub fn new(
        scope: String,
        key: &str,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> Option<Self> {
        if !valid_idempotency_key(key) {
            return None;
        }
        Some(Self {
            scope,
            key: key.to_string(),
            request_hash: request_fingerprint(method, path_and_query, body),
        })
    }
}

/// A response saved for replay.
#[derive(Debug, Clone)]
pub struct Saved {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

pub enum Begin {
    /// First use: run the request under this claim.
    Proceed(Claim),
    /// Done before: answer with this.
    Replay(Saved),
    /// Used before with another request.
    Mismatch,
    /// The first request is still running.
    InFlight,
}

/// The keys this process is running a request for, by (scope, key).
#[derive(Debug, Default)]
pub(crate) struct Running(Mutex<HashSet<(String, String)>>);

impl Running {
    fn take(&self, key: &IdemKey) -> bool {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        held.insert((key.scope.clone(), key.key.clone()))
    }

    fn free(&self, key: &IdemKey) {
        let mut held = self.0.lock().unwrap_or_else(|e| e.into_inner());
        held.remove(&(key.scope.clone(), key.key.clone()));
    }
}

/// Claims `key` for a new request, or says why not. The key is taken in memory first and the
/// saved answer looked up after, so that on one gateway a request that finds the key free and
/// no answer saved can only meet a concurrent use at its own commit if that use came from
/// another gateway ([`finish`] refuses the second).
pub async fn begin(db: &Db, key: IdemKey) -> Result<Begin, StoreError> {
    if !db.running().take(&key) {
        return Ok(Begin::InFlight);
    }
    let claim = Claim {
        db: db.clone(),
        key,
    };
    let (scope, name) = (claim.key.scope.clone(), claim.key.key.clone());
    let row = db
        .read_async(move |conn| {
            Ok(conn
                .row(
                    "SELECT request_hash, state, locked_until, status, headers, body
                     FROM idempotency WHERE scope = $1 AND key = $2",
                    &[&scope, &name],
                )?
                .map(|row| {
                    (
                        row.text(0),
                        row.text(1),
                        row.opt_int(2),
                        row.opt_int(3),
                        row.opt_text(4),
                        row.opt_bytes(5),
                    )
                }))
        })
        .await?;
    let Some((hash, state, locked_until, status, headers, body)) = row else {
        return Ok(Begin::Proceed(claim));
    };
    if hash != claim.key.request_hash {
        return Ok(Begin::Mismatch);
    }
    if state == "done" {
        return Ok(Begin::Replay(Saved {
            status: status.unwrap_or(200) as u16,
            headers: headers
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            body: body.unwrap_or_default(),
        }));
    }
    // An earlier gateway's `in-flight` row: its request may still be running there.
    if locked_until.unwrap_or(0) > db.now().ms() {
        return Ok(Begin::InFlight);
    }
    Ok(Begin::Proceed(claim))
}

/// Saves the final response; runs inside the request's commit. [`StoreError::KeyUsed`]
/// (rolling the commit back) when another request with the key committed first.
pub fn finish(
    conn: &dyn Sql,
    key: &IdemKey,
    saved: &Saved,
    at: crate::Now,
) -> Result<(), StoreError> {
    let headers = serde_json::to_string(&saved.headers).unwrap_or_else(|_| "[]".into());
    // An earlier gateway's expired `in-flight` row is taken over; a `done` one is not.
    let changed = conn.exec(
        "INSERT INTO idempotency (scope, key, request_hash, state, locked_until, created_at, status, headers, body)
         VALUES ($1, $2, $3, 'done', NULL, $4, $5, $6, $7)
         ON CONFLICT (scope, key) DO UPDATE SET request_hash = excluded.request_hash,
             state = 'done', locked_until = NULL, created_at = excluded.created_at,
             status = excluded.status, headers = excluded.headers, body = excluded.body
         WHERE idempotency.state = 'in-flight'",
        &[
            &key.scope,
            &key.key,
            &key.request_hash,
            &at.ms(),
            &saved.status,
            &headers,
            &saved.body,
        ],
    )?;
    if changed == 1 {
        Ok(())
    } else {
        Err(StoreError::KeyUsed)
    }
}

/// A key claimed for a request ([`Begin::Proceed`]), held in this process's memory until the
/// claim is dropped: after the request's commit recorded its answer, or however else it ended
/// (a refusal, a fault, a failed commit, the client going away), so that the client's retry
/// finds the saved answer or runs again.
pub struct Claim {
    db: Db,
    key: IdemKey,
}

impl Claim {
    pub fn key(&self) -> &IdemKey {
        &self.key
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.db.running().free(&self.key);
    }
}

/// Frees every `in-flight` row an earlier gateway left on a database this process owns alone
/// (the SQLite file, locked by [`Db::connect`]): gateways of this version write none, and the
/// one that did is gone (the kernel frees the lock only with the process), so none of them can
/// belong to a request still running. Returns how many. A row is `done` only through
/// [`finish`], inside the commit that applied its request's writes, so an `in-flight` row means
/// nothing of its request is durable and running it again is its first run. Where the database
/// is shared (PostgreSQL), such a row may belong to a request still running on an older
/// replica, so there it blocks its key until its lease expires ([`LEASE_MS`]).
pub async fn take_over(db: &Db) -> Result<usize, StoreError> {
    if !db.exclusive() {
        return Ok(0);
    }
    db.write(|conn| {
        Ok(conn.exec("DELETE FROM idempotency WHERE state = 'in-flight'", &[])? as usize)
    })
    .await
}

/// Deletes records older than [`RETENTION_MS`].
pub async fn purge(db: &Db) -> Result<usize, StoreError> {
    let before = db.now().ms() - RETENTION_MS;
    db.write(move |conn| {
        Ok(conn.exec(
            "DELETE FROM idempotency WHERE created_at < $1 AND state = 'done'",
            &[&before],
        )? as usize)
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_bound_to_their_request() {
        let a = IdemKey::new("citizen:X".into(), "k1", "POST", "/a", b"{}").unwrap();
        let b = IdemKey::new("citizen:X".into(), "k1", "POST", "/a", b"{ }").unwrap();
        let c = IdemKey::new("citizen:X".into(), "k1", "POST", "/b", b"{}").unwrap();
        assert_ne!(a.request_hash, b.request_hash);
        assert_ne!(a.request_hash, c.request_hash);
        assert!(IdemKey::new("s".into(), "", "POST", "/a", b"").is_none());
        assert!(IdemKey::new("s".into(), "bad\nkey", "POST", "/a", b"").is_none());
        assert!(IdemKey::new("s".into(), &"x".repeat(256), "POST", "/a", b"").is_none());
    }

    /// A key held by a running request waits; a dropped claim, whose request did not commit,
    /// leaves nothing behind; a committed answer is replayed, and a second commit under the key
    /// (another gateway's) is refused.
    #[tokio::test]
    async fn a_key_takes_effect_once() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&crate::Location::Sqlite(dir.path().join("idem.db"))).unwrap();
        let key = IdemKey::new("citizen:X".into(), "k1", "POST", "/a", b"{}").unwrap();
        let proceed = |begun| match begun {
            Begin::Proceed(claim) => claim,
            _ => panic!("the key is free"),
        };

        let first = proceed(begin(&db, key.clone()).await.unwrap());
        // While the first request runs, the same key waits.
        assert!(matches!(
            begin(&db, key.clone()).await.unwrap(),
            Begin::InFlight
        ));
        drop(first);
        let claim = proceed(begin(&db, key.clone()).await.unwrap());
        let saved = Saved {
            status: 201,
            headers: vec![],
            body: b"{}".to_vec(),
        };
        let save = |db: &Db, key: &IdemKey| {
            let (key, answer, at) = (key.clone(), saved.clone(), db.now());
            let db = db.clone();
            async move { db.write(move |conn| finish(conn, &key, &answer, at)).await }
        };
        save(&db, claim.key()).await.unwrap();
        drop(claim);
        match begin(&db, key.clone()).await.unwrap() {
            Begin::Replay(replayed) => assert_eq!(replayed.status, 201),
            _ => panic!("a committed key replays its answer"),
        }
        // Another request with another body under the same key.
        let other = IdemKey::new("citizen:X".into(), "k1", "POST", "/a", b"{ }").unwrap();
        assert!(matches!(begin(&db, other).await.unwrap(), Begin::Mismatch));
        // A request that ran at the same time elsewhere and commits second.
        assert!(matches!(save(&db, &key).await, Err(StoreError::KeyUsed)));
    }
}
