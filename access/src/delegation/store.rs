//! Delegations in the platform's database: the `delegations` table's rows, the grant (one
//! active mandate per organisation, a bounded number per grantor), the reads the gate and the
//! routes make, and the revocation, a timestamp that never deletes the row.

use serde_json::Value;

use super::{Delegation, MAX_ACTIVE_PER_GRANTOR, Scope};
use welfare_store::{Sql, StoreError};

/// Why a grant or a revocation could not be stored.
#[derive(Debug, thiserror::Error)]
pub enum Refused {
    #[error("an active delegation to this organisation exists already: {0}")]
    Exists(String),
    #[error("at most {MAX_ACTIVE_PER_GRANTOR} active delegations at once")]
    TooMany,
    #[error("no such delegation")]
    NotFound,
    #[error("the delegation is no longer active")]
    NotActive,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The columns every query reads, in the order [`from_row`] takes them: a macro, so that the
/// statements are constant strings, built once at compile time rather than per request.
macro_rules! columns {
    () => {
        "id, grantor, grantor_kind, intermediary_org, intermediary_kind, scopes, \
     expires_at, created_at, created_by, document_ref, revoked_at, revoked_by"
    };
}

fn from_row(r: &welfare_store::sql::Row) -> Delegation {
    Delegation {
        id: r.text(0),
        grantor: r.text(1),
        grantor_kind: r.text(2),
        intermediary_org: r.text(3),
        intermediary_kind: r
            .opt_text(4)
            .and_then(|k| serde_json::from_value(Value::String(k)).ok()),
        scopes: r
            .text(5)
            .split(' ')
            .filter_map(|s| Scope::parse(s).ok())
            .collect(),
        expires_at: r.int(6),
        created_at: r.int(7),
        created_by: r.text(8),
        document_ref: r.opt_text(9),
        revoked_at: r.opt_int(10),
        revoked_by: r.opt_text(11),
    }
}

/// Stores `d` unless the grantor already has an active delegation to the same organisation
/// (revoke it first: one mandate per intermediary keeps "who may act for me" unambiguous) or
/// too many active ones.
pub fn insert(conn: &dyn Sql, d: &Delegation) -> Result<(), Refused> {
    let active = active_of(conn, &d.grantor, d.created_at)?;
    if let Some(same) = active
        .iter()
        .find(|a| a.intermediary_org == d.intermediary_org)
    {
        return Err(Refused::Exists(same.id.clone()));
    }
    if active.len() >= MAX_ACTIVE_PER_GRANTOR {
        return Err(Refused::TooMany);
    }
    let kind = d.intermediary_kind.map(|k| {
        serde_json::to_value(k)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    });
    conn.exec(
        concat!(
            "INSERT INTO delegations (",
            columns!(),
            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, NULL, NULL)"
        ),
        &[
            &d.id,
            &d.grantor,
            &d.grantor_kind,
            &d.intermediary_org,
            &kind,
            &d.scope_names().join(" "),
            &d.expires_at,
            &d.created_at,
            &d.created_by,
            &d.document_ref,
        ],
    )?;
    Ok(())
}

/// The grantor's active delegations.
fn active_of(conn: &dyn Sql, grantor: &str, now_ms: i64) -> Result<Vec<Delegation>, StoreError> {
    let rows = conn.rows(
        concat!(
            "SELECT ",
            columns!(),
            " FROM delegations WHERE grantor = $1 AND revoked_at IS NULL AND expires_at > $2"
        ),
        &[&grantor, &now_ms],
    )?;
    Ok(rows.iter().map(from_row).collect())
}

/// The active delegation from `grantor` to `org`, if any.
pub fn active_between(
    conn: &dyn Sql,
    grantor: &str,
    org: &str,
    now_ms: i64,
) -> Result<Option<Delegation>, StoreError> {
    Ok(conn
        .row(
            concat!("SELECT ", columns!(), " FROM delegations WHERE intermediary_org = $1 AND grantor = $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY created_at DESC LIMIT 1"),
            &[&org, &grantor, &now_ms],
        )?
        .as_ref()
        .map(from_row))
}

/// One page of the grantor's delegations, newest first, before the cursor `before` (an id).
pub fn of_grantor(
    conn: &dyn Sql,
    grantor: &str,
    before: Option<&str>,
    limit: usize,
) -> Result<Vec<Delegation>, StoreError> {
    let rows = conn.rows(
        concat!(
            "SELECT ",
            columns!(),
            " FROM delegations WHERE grantor = $1 AND id < $2 ORDER BY id DESC LIMIT $3"
        ),
        &[&grantor, &before.unwrap_or("\u{10FFFF}"), &(limit as i64)],
    )?;
    Ok(rows.iter().map(from_row).collect())
}

/// One page of the active delegations to `org`, by grantor, after the cursor `after` (a
/// grantor).
pub fn active_to_org(
    conn: &dyn Sql,
    org: &str,
    now_ms: i64,
    after: Option<&str>,
    limit: usize,
) -> Result<Vec<Delegation>, StoreError> {
    let rows = conn.rows(
        concat!("SELECT ", columns!(), " FROM delegations WHERE intermediary_org = $1 AND grantor > $2 AND revoked_at IS NULL AND expires_at > $3 ORDER BY grantor LIMIT $4"),
        &[&org, &after.unwrap_or(""), &now_ms, &(limit as i64)],
    )?;
    Ok(rows.iter().map(from_row).collect())
}

/// The grantor's delegation `id`, whatever its status; `None` for another grantor's.
pub fn one_of_grantor(
    conn: &dyn Sql,
    grantor: &str,
    id: &str,
) -> Result<Option<Delegation>, StoreError> {
    Ok(conn
        .row(
            concat!(
                "SELECT ",
                columns!(),
                " FROM delegations WHERE id = $1 AND grantor = $2"
            ),
            &[&id, &grantor],
        )?
        .as_ref()
        .map(from_row))
}

/// Revokes the grantor's delegation `id`, returning it as it now stands.
pub fn revoke(
    conn: &dyn Sql,
    grantor: &str,
    id: &str,
    by: &str,
    now_ms: i64,
) -> Result<Delegation, Refused> {
    let current = one_of_grantor(conn, grantor, id)?.ok_or(Refused::NotFound)?;
    if !current.is_active(now_ms) {
        return Err(Refused::NotActive);
    }
    // Conditional on still being active: of two concurrent revocations, one wins.
    let changed = conn.exec(
        "UPDATE delegations SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL",
        &[&now_ms, &by, &id],
    )?;
    if changed == 0 {
        return Err(Refused::NotActive);
    }
    Ok(Delegation {
        revoked_at: Some(now_ms),
        revoked_by: Some(by.to_string()),
        ..current
    })
}
