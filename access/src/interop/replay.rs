//! One-time token ids: a voucher (when single-use), a ModI signature or tracking evidence seen
//! once is refused the second time, for as long as it could otherwise be accepted.

use welfare_store::{Now, Sql, StoreError};

/// Kept past a token's `exp`: longer than any sensible clock-skew leeway, during which an
/// expired token is still accepted.
const MARGIN_MS: i64 = 5 * 60_000;
/// Expired ids pruned by each consumption: spreads the clean-up over the traffic that causes it.
const PRUNE_PER_CALL: i64 = 64;

/// Records every `(id, expires_at seconds)`; `Err(Conflict)` (and nothing recorded, since the
/// caller's savepoint rolls back) when one was seen before; `at` is when they are presented.
pub fn consume(conn: &dyn Sql, ids: &[(String, u64)], at: Now) -> Result<(), StoreError> {
    let now = at.ms();
    conn.exec(
        "DELETE FROM used_tokens WHERE jti IN
         (SELECT jti FROM used_tokens WHERE expires_at < $1 LIMIT $2)",
        &[&now, &PRUNE_PER_CALL],
    )?;
    for (id, expires_at) in ids {
        let keep_until = (*expires_at as i64).saturating_mul(1000) + MARGIN_MS;
        let added = conn.exec(
            "INSERT INTO used_tokens (jti, expires_at) VALUES ($1, $2) ON CONFLICT (jti) DO NOTHING",
            &[id, &keep_until],
        )?;
        if added == 0 {
            return Err(StoreError::Conflict);
        }
    }
    Ok(())
}
