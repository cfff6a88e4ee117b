//! The audit trail: every access by someone other than the person concerned — an intermediary
//! under a delegation, an agency under a PDND purpose — and every refusal of the gateway's
//! checks, with who, for whom, what, for which purpose, when and with what outcome.
//!
//! Rows are only ever appended: the table's triggers refuse updates and deletes, and each row
//! carries a SHA-256 hash over its content and the previous row's hash, so a change made
//! behind the database's back breaks the chain ([`verify`]). Rows are appended by the single
//! store writer, so the chain has no races.

use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use welfare_store::sql::Dialect;
use welfare_store::{Sql, StoreError};

/// The advisory lock that serialises appends on PostgreSQL.
const CHAIN_LOCK: i64 = 0x6175_6469_74;
/// The hash the first row chains to.
const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Outcome {
    Allowed,
    Refused,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Allowed => "allowed",
            Outcome::Refused => "refused",
        }
    }

    /// A response's outcome: an answer the caller may not have is a refusal, whoever gave it.
    pub fn of_status(status: u16) -> Self {
        if status == 401 || status == 403 {
            Outcome::Refused
        } else {
            Outcome::Allowed
        }
    }
}

/// One access, as recorded.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub at: String,
    pub request_id: String,
    /// `intermediary`, `agency`, `operator`, `citizen`, `company` or `anonymous`.
    pub actor_kind: String,
    /// The organisation, operator id, fiscal code or VAT number; empty for anonymous callers.
    pub actor: String,
    /// Whose data: the fiscal code or VAT number, when the request names one.
    pub subject: Option<String>,
    pub method: String,
    pub path: String,
    /// The route template (`GET /api/v1/disability/applications/{id}`).
    pub operation: Option<String>,
    /// The delegation id, or the PDND `purposeId`.
    pub purpose: Option<String>,
    pub outcome: Outcome,
    pub status: u16,
    pub reason: Option<String>,
    /// What proves the access was legitimate: the delegation's scopes, the voucher's id, the
    /// ModI tracking evidence (AUDIT_REST_01) with the end user and their location.
    pub evidence: Option<Value>,
}

/// A stored entry, with its place in the chain.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub seq: i64,
    #[serde(flatten)]
    pub entry: Entry,
    pub hash: String,
}

fn content_hash(previous: &str, e: &Entry) -> String {
    let content = serde_json::to_vec(e).expect("serialising an audit entry");
    let mut h = Sha256::new();
    h.update(previous.as_bytes());
    h.update(b"\n");
    h.update(&content);
    hex::encode(h.finalize())
}

/// Appends `entry`, chained to the last row; returns its sequence number. On PostgreSQL,
/// where several gateways append at once, a transaction-scoped advisory lock serialises the
/// appends so that each row chains to the one before it.
pub fn append(conn: &dyn Sql, entry: &Entry) -> Result<i64, StoreError> {
    if conn.dialect() == Dialect::Postgres {
        conn.exec("SELECT pg_advisory_xact_lock($1)", &[&CHAIN_LOCK])?;
    }
    let previous = conn
        .row("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1", &[])?
        .map(|r| r.text(0))
        .unwrap_or_else(|| GENESIS.to_string());
    let hash = content_hash(&previous, entry);
    let evidence = entry.evidence.as_ref().map(Value::to_string);
    conn.row(
        "INSERT INTO audit (at, request_id, actor_kind, actor, subject, method, path, operation,
                            purpose, outcome, status, reason, evidence, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING seq",
        &[
            &entry.at,
            &entry.request_id,
            &entry.actor_kind,
            &entry.actor,
            &entry.subject,
            &entry.method,
            &entry.path,
            &entry.operation,
            &entry.purpose,
            &entry.outcome.as_str(),
            &entry.status,
            &entry.reason,
            &evidence,
            &hash,
        ],
    )?
    .map(|r| r.int(0))
    .ok_or(StoreError::Conflict)
}

/// What to read.
#[derive(Debug, Default)]
pub struct Filter {
    pub subject: Option<String>,
    pub actor: Option<String>,
    pub outcome: Option<Outcome>,
    /// Rows after this sequence number (the cursor).
    pub after: i64,
}

const SELECT: &str =
    "SELECT seq, at, request_id, actor_kind, actor, subject, method, path, operation,
     purpose, outcome, status, reason, evidence, hash FROM audit";

fn from_row(r: &welfare_store::sql::Row) -> Row {
    Row {
        seq: r.int(0),
        entry: Entry {
            at: r.text(1),
            request_id: r.text(2),
            actor_kind: r.text(3),
            actor: r.text(4),
            subject: r.opt_text(5),
            method: r.text(6),
            path: r.text(7),
            operation: r.opt_text(8),
            purpose: r.opt_text(9),
            outcome: if r.text(10) == "allowed" {
                Outcome::Allowed
            } else {
                Outcome::Refused
            },
            status: r.int(11) as u16,
            reason: r.opt_text(12),
            evidence: r.opt_text(13).and_then(|e| serde_json::from_str(&e).ok()),
        },
        hash: r.text(14),
    }
}

/// Up to `limit` rows matching `filter`, oldest first.
pub fn list(conn: &dyn Sql, filter: &Filter, limit: usize) -> Result<Vec<Row>, StoreError> {
    let outcome = filter.outcome.map(Outcome::as_str);
    let rows = conn.rows(
        // The casts name the parameters' type, which PostgreSQL cannot infer from `IS NULL`.
        &format!(
            "{SELECT} WHERE seq > $1 AND (CAST($2 AS TEXT) IS NULL OR subject = $2)
             AND (CAST($3 AS TEXT) IS NULL OR actor = $3)
             AND (CAST($4 AS TEXT) IS NULL OR outcome = $4) ORDER BY seq LIMIT $5"
        ),
        &[
            &filter.after,
            &filter.subject,
            &filter.actor,
            &outcome,
            &(limit as i64),
        ],
    )?;
    Ok(rows.iter().map(from_row).collect())
}

/// Rows the verification reads at a time: the trail grows without end, memory must not.
const VERIFY_PAGE: usize = 1_000;

/// Checks the whole chain, a page at a time; `Err(seq)` names the first row whose hash does
/// not match.
pub fn verify(conn: &dyn Sql) -> Result<Result<u64, i64>, StoreError> {
    let mut filter = Filter::default();
    let mut previous = GENESIS.to_string();
    let mut checked = 0;
    loop {
        let page = list(conn, &filter, VERIFY_PAGE)?;
        let Some(last) = page.last() else {
            return Ok(Ok(checked));
        };
        filter.after = last.seq;
        for row in page {
            if content_hash(&previous, &row.entry) != row.hash {
                return Ok(Err(row.seq));
            }
            previous = row.hash;
            checked += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(subject: &str, outcome: Outcome) -> Entry {
        Entry {
            at: "2026-11-23T10:00:00Z".into(),
            request_id: "r".into(),
            actor_kind: "intermediary".into(),
            actor: "caf-1".into(),
            subject: Some(subject.into()),
            method: "GET".into(),
            path: "/api/v1/me".into(),
            operation: None,
            purpose: None,
            outcome,
            status: if outcome == Outcome::Allowed {
                200
            } else {
                403
            },
            reason: None,
            evidence: Some(serde_json::json!({ "scopes": ["disability:read"] })),
        }
    }

    #[test]
    fn the_trail_is_append_only_and_chained() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        welfare_store::schema::migrate_sqlite(&mut conn).unwrap();
        for (s, o) in [
            ("A", Outcome::Allowed),
            ("B", Outcome::Refused),
            ("A", Outcome::Refused),
        ] {
            append(&conn, &entry(s, o)).unwrap();
        }
        let of_a = list(
            &conn,
            &Filter {
                subject: Some("A".into()),
                ..Filter::default()
            },
            10,
        )
        .unwrap();
        assert_eq!(of_a.iter().map(|r| r.seq).collect::<Vec<_>>(), [1, 3]);
        assert_eq!(
            of_a[0].entry.evidence,
            entry("A", Outcome::Allowed).evidence
        );
        assert_eq!(verify(&conn).unwrap(), Ok(3));

        assert!(
            conn.execute("UPDATE audit SET actor = 'x' WHERE seq = 2", [])
                .is_err()
        );
        assert!(conn.execute("DELETE FROM audit WHERE seq = 2", []).is_err());

        // An edit that gets past the triggers (someone dropped them) shows in the chain.
        conn.execute_batch(
            "DROP TRIGGER audit_append_only_update; UPDATE audit SET actor = 'x' WHERE seq = 2;",
        )
        .unwrap();
        assert_eq!(verify(&conn).unwrap(), Err(2));
    }
}
