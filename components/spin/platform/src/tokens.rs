//! The tokens whose signatures a request verified, so that the next request presenting the
//! same token (each in a fresh instance, which remembers nothing) checks its claims but not
//! its signature again: ES256 in portable Rust was a third of a Spin request's time. The HTTP
//! adapter decides what a fingerprint covers (the token and the trusted keys) and what a
//! remembered token is still checked for (`welfare_auth::verified::SignatureMemo`); this
//! module only keeps the rows.

use spin_sdk::sqlite::Connection;

use crate::db::{self, blob, int};

/// Whether `fingerprint` was remembered with an expiry after `now`; `false` when unreadable
/// (also before the schema exists: the lookup runs before the request is admitted, on a
/// connection whose schema was not checked, so that a refused request creates nothing).
pub fn verified(conn: &Connection, fingerprint: &[u8], now: u64) -> bool {
    db::run(
        conn,
        "SELECT 1 FROM verified_tokens WHERE fingerprint = ?1 AND expires_at > ?2",
        &[blob(fingerprint), int(seconds(now))],
    )
    .is_ok_and(|r| !r.rows.is_empty())
}

/// Remembers `fingerprint` until `expires_at`; the insert's trigger removes the expired rows.
pub fn remember(conn: &Connection, fingerprint: &[u8], expires_at: u64) {
    if let Err(e) = db::run(
        conn,
        "INSERT OR REPLACE INTO verified_tokens (fingerprint, expires_at) VALUES (?1, ?2)",
        &[blob(fingerprint), int(seconds(expires_at))],
    ) {
        eprintln!("welfare-spin-platform: a verified token was not remembered: {e:?}");
    }
}

/// Unix seconds as SQLite's integer; far-future values are clamped, never wrapped negative.
fn seconds(s: u64) -> i64 {
    i64::try_from(s).unwrap_or(i64::MAX)
}
