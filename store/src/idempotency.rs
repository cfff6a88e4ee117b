//! `Idempotency-Key` on POST: a retried request gets the saved response instead of a second
//! effect.
//!
//! Records are scoped to the caller (two callers may use the same key) and bound to the request
//! they first came with: the same key with another method, path or body is a 422. While the
//! first request runs, the record is `in-flight` under a lease, and a concurrent retry gets 409;
//! a lease that outlives a crashed gateway expires and the key can be used again, and a gateway
//! restarted on its own SQLite file frees its predecessor's leases at once ([`take_over`]). The final
//! response is saved in the same transaction as the request's writes, so a saved response
//! always means its effects committed. Failures (5xx, conflicts) release the key.

use crate::{Db, Sql, StoreError};

pub use welfare_exchange::MAX_IDEMPOTENCY_KEY_LEN as MAX_KEY_LEN;
use welfare_exchange::{request_fingerprint, valid_idempotency_key};
/// How long an in-flight record blocks retries: far beyond any request deadline, so it only
/// matters when a gateway died mid-request.
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
    /// First use (or an expired lease): run the request.
    Proceed,
    /// Done before: answer with this.
    Replay(Saved),
    /// Used before with another request.
    Mismatch,
    /// The first request is still running.
    InFlight,
}

/// Claims `key` for a new request, or says why not. Safe with several gateways on one
/// database: of concurrent first uses exactly one inserts the record, and an expired lease is
/// taken over only by the request whose update still finds it expired.
pub async fn begin(db: &Db, key: IdemKey) -> Result<Begin, StoreError> {
    let now = db.now().ms();
    db.write(move |conn| {
        let inserted = conn.exec(
            "INSERT INTO idempotency (scope, key, request_hash, state, locked_until, created_at)
             VALUES ($1, $2, $3, 'in-flight', $4, $5) ON CONFLICT (scope, key) DO NOTHING",
            &[
                &key.scope,
                &key.key,
                &key.request_hash,
                &(now + LEASE_MS),
                &now,
            ],
        )?;
        if inserted == 1 {
            return Ok(Begin::Proceed);
        }
        let Some(row) = conn.row(
            "SELECT request_hash, state, locked_until, status, headers, body FROM idempotency
             WHERE scope = $1 AND key = $2",
            &[&key.scope, &key.key],
        )?
        else {
            // Released between the two statements: the first request failed; the client's
            // retry will claim it.
            return Ok(Begin::InFlight);
        };
        if row.text(0) != key.request_hash {
            return Ok(Begin::Mismatch);
        }
        if row.text(1) == "done" {
            return Ok(Begin::Replay(Saved {
                status: row.opt_int(3).unwrap_or(200) as u16,
                headers: row
                    .opt_text(4)
                    .and_then(|h| serde_json::from_str(&h).ok())
                    .unwrap_or_default(),
                body: row.opt_bytes(5).unwrap_or_default(),
            }));
        }
        let until = row.opt_int(2).unwrap_or(0);
        if until > now {
            return Ok(Begin::InFlight);
        }
        // The first request's lease ran out (its gateway died): take the key over.
        let taken = conn.exec(
            "UPDATE idempotency SET locked_until = $3, created_at = $4
             WHERE scope = $1 AND key = $2 AND state = 'in-flight' AND locked_until = $5",
            &[&key.scope, &key.key, &(now + LEASE_MS), &now, &until],
        )?;
        Ok(if taken == 1 {
            Begin::Proceed
        } else {
            Begin::InFlight
        })
    })
    .await
}

/// Saves the final response; runs inside the request's commit.
pub fn finish(conn: &dyn Sql, key: &IdemKey, saved: &Saved) -> Result<(), StoreError> {
    let headers = serde_json::to_string(&saved.headers).unwrap_or_else(|_| "[]".into());
    conn.exec(
        "UPDATE idempotency SET state = 'done', locked_until = NULL, status = $3, headers = $4, body = $5
         WHERE scope = $1 AND key = $2",
        &[&key.scope, &key.key, &saved.status, &headers, &saved.body],
    )?;
    Ok(())
}

/// A key claimed for a request ([`Begin::Proceed`]). The request's commit records its answer
/// and [settles](Claim::settle) it; a request that ends any other way (a refusal, a fault, a
/// failed commit) frees the key with [`Claim::release`], awaited before the answer leaves, so
/// that the client's retry runs again. Dropped unsettled (the client went away and the request
/// future with it), the claim queues the release on the store's writer: the key never waits
/// for its lease to run out.
pub struct Claim {
    db: Db,
    key: IdemKey,
    settled: bool,
}

impl Claim {
    pub fn new(db: &Db, key: IdemKey) -> Self {
        Self {
            db: db.clone(),
            key,
            settled: false,
        }
    }

    pub fn key(&self) -> &IdemKey {
        &self.key
    }

    /// The request's commit recorded the answer under the key ([`finish`]): nothing to free.
    pub fn settle(&mut self) {
        self.settled = true;
    }

    /// Frees the key unless it was settled, and waits until it is free.
    pub async fn release(mut self) {
        if self.settled {
            return;
        }
        self.settled = true;
        let key = self.key.clone();
        let result = self
            .db
            .write(move |conn| delete_in_flight(conn, &key))
            .await;
        if let Err(e) = result {
            tracing::warn!(error = %e, "could not release an idempotency key; it expires with its lease");
        }
    }
}

fn delete_in_flight(conn: &dyn Sql, key: &IdemKey) -> Result<(), StoreError> {
    conn.exec(
        "DELETE FROM idempotency WHERE scope = $1 AND key = $2 AND state = 'in-flight'",
        &[&key.scope, &key.key],
    )?;
    Ok(())
}

impl Drop for Claim {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        let key = self.key.clone();
        self.db
            .write_detached("releasing an idempotency key", move |conn| {
                delete_in_flight(conn, &key)
            });
    }
}

/// Frees every key left in flight by a predecessor on a database this process owns alone (the
/// SQLite file, locked by [`Db::connect`]), so that the retries of requests cut short by a
/// crash run at once instead of getting 409 until their lease runs out. Returns how many.
///
/// Why no request can run twice: a record is claimed (`in-flight`) by [`begin`] in a
/// transaction of its own, before the handler runs, and becomes `done` only through
/// [`finish`], which runs inside the commit that applies the request's write set (documents,
/// events, audit row: `http::dispatch::commit`, and the native routes' commits). So a record
/// still `in-flight` means its request's commit never happened: nothing it did is durable, and
/// running it again is its first run. A request whose commit happened is `done` and is
/// replayed, never run. The lock is what makes this safe: the predecessor cannot commit later,
/// because it is gone (the kernel frees the lock only with the process). Where the database is
/// shared (PostgreSQL), another replica's in-flight record may belong to a request still
/// running, so there keys are freed only when their lease expires ([`LEASE_MS`]).
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

    /// A claim dropped without its answer frees the key for the retry; a settled one, whose
    /// answer the commit recorded, replays it.
    #[tokio::test]
    async fn a_claim_frees_its_key_unless_settled() {
        let dir = tempfile::tempdir().unwrap();
        let db = Db::connect(&crate::Location::Sqlite(dir.path().join("idem.db"))).unwrap();
        let key = IdemKey::new("citizen:X".into(), "k1", "POST", "/a", b"{}").unwrap();

        let begun = begin(&db, key.clone()).await.unwrap();
        assert!(matches!(begun, Begin::Proceed));
        // While the first request runs, the same key waits.
        assert!(matches!(
            begin(&db, key.clone()).await.unwrap(),
            Begin::InFlight
        ));
        Claim::new(&db, key.clone()).release().await;
        assert!(matches!(
            begin(&db, key.clone()).await.unwrap(),
            Begin::Proceed
        ));
        drop(Claim::new(&db, key.clone()));
        // Dropped unsettled: queued before this write, so this one finds the key free.
        assert!(matches!(
            begin(&db, key.clone()).await.unwrap(),
            Begin::Proceed
        ));

        let mut claim = Claim::new(&db, key.clone());
        let saved = Saved {
            status: 201,
            headers: vec![],
            body: b"{}".to_vec(),
        };
        let (k, answer) = (claim.key().clone(), saved.clone());
        db.write(move |conn| finish(conn, &k, &answer))
            .await
            .unwrap();
        claim.settle();
        claim.release().await;
        match begin(&db, key).await.unwrap() {
            Begin::Replay(replayed) => assert_eq!(replayed.status, 201),
            _ => panic!("a settled key replays its answer"),
        }
    }
}
