//! Write limits per caller: how many requests that change something one person (or one
//! intermediary for one person, or one company) may make in a minute.
//!
//! The count lives in the database, so it holds across every gateway sharing it: a client
//! cannot multiply its allowance by spreading requests over replicas. A request other than a
//! GET is checked before its handler runs (a read), and counted in the transaction that
//! commits its writes, so only a request that changed something counts (a simulation or a
//! refused submission does not), while a caller over the limit waits for anything but a read;
//! under a burst the count may overshoot by the requests already running, never by more. Reads are not limited here (they write nothing, and a
//! shared counter would turn each into a write); operators and agencies are not limited (the
//! agency's own staff, and PDND's quotas, bound them).

use http::{HeaderValue, StatusCode, header};

use welfare_auth::Principal;
use welfare_problem::Problem;
use welfare_store::{Db, Now, Sql, StoreError};

/// The counting window.
pub const WINDOW_MS: i64 = 60_000;

/// Whose writes `principal`'s request counts as, acting for `subject`; `None` when not limited.
pub fn scope(principal: &Principal, subject: Option<&str>) -> Option<String> {
    match principal {
        Principal::Citizen { .. } | Principal::Company { .. } => Some(principal.scope()),
        Principal::Intermediary { .. } => {
            Some(format!("{}|{}", principal.scope(), subject.unwrap_or("-")))
        }
        _ => None,
    }
}

fn window(now: i64) -> i64 {
    now - now.rem_euclid(WINDOW_MS)
}

/// Refuses (429, with `Retry-After`) a caller that made `limit` writes this minute already.
pub async fn check(db: &Db, scope: &str, limit: u32) -> Result<(), Problem> {
    let now = db.now().ms();
    let start = window(now);
    let key = scope.to_string();
    let count = db
        .read_async(move |conn| {
            Ok(conn
                .row(
                    "SELECT count FROM rate_windows WHERE scope = $1 AND window_start = $2",
                    &[&key, &start],
                )?
                .map(|r| r.int(0))
                .unwrap_or(0))
        })
        .await
        .map_err(crate::gate::unavailable)?;
    if count < limit as i64 {
        return Ok(());
    }
    let wait = ((start + WINDOW_MS - now) as f64 / 1000.0).ceil().max(1.0) as u64;
    let mut problem = Problem::new(
        StatusCode::TOO_MANY_REQUESTS,
        "too-many-requests",
        "Too many changes in a short time.",
    )
    .detail(format!(
        "At most {limit} a minute; nothing was saved. Retry in {wait} s."
    ));
    problem.set_header(
        header::RETRY_AFTER,
        HeaderValue::from_str(&wait.to_string()).expect("digits"),
    );
    Err(problem)
}

/// Counts one write for `scope`, in the transaction that commits it; the first write of a
/// new window forgets the scope's older ones (so the clean-up costs once a minute, not per write).
/// `at` is the commit's time, the one its rows are stamped with.
pub fn count(conn: &dyn Sql, scope: &str, at: Now) -> Result<(), StoreError> {
    let start = window(at.ms());
    let counted = conn
        .row(
            "INSERT INTO rate_windows (scope, window_start, count) VALUES ($1, $2, 1)
             ON CONFLICT (scope, window_start) DO UPDATE SET count = rate_windows.count + 1
             RETURNING count",
            &[&scope, &start],
        )?
        .map(|r| r.int(0));
    if counted == Some(1) {
        conn.exec(
            "DELETE FROM rate_windows WHERE scope = $1 AND window_start < $2",
            &[&scope, &start],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use welfare_auth::{IntermediaryKind, Level};
    use welfare_identity::FiscalCode;

    #[test]
    fn windows_are_whole_minutes_and_scopes_are_per_person() {
        assert_eq!(window(120_000), 120_000);
        assert_eq!(window(179_999), 120_000);
        let citizen = Principal::Citizen {
            fiscal_code: FiscalCode::parse("RSSMRA85T10A562S").unwrap(),
            level: Level::L2,
        };
        assert_eq!(
            scope(&citizen, None).as_deref(),
            Some("citizen:RSSMRA85T10A562S")
        );
        let caf = Principal::Intermediary {
            organisation: "caf-1".into(),
            kind: IntermediaryKind::Caf,
        };
        // A CAF works for many people: its allowance is per person it acts for.
        assert_ne!(scope(&caf, Some("A")), scope(&caf, Some("B")));
        assert_eq!(scope(&Principal::Anonymous, None), None);
    }

    #[test]
    fn counts_add_up_in_the_window_and_older_ones_go() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        welfare_store::schema::migrate_sqlite(&mut conn).unwrap();
        conn.exec(
            "INSERT INTO rate_windows (scope, window_start, count) VALUES ('s', 0, 9)",
            &[],
        )
        .unwrap();
        // 125 s after the epoch: the window that started at 120 s.
        let at = Now::at(jiff::Timestamp::from_millisecond(125_000).unwrap());
        for _ in 0..3 {
            count(&conn, "s", at).unwrap();
        }
        let rows = conn
            .rows("SELECT window_start, count FROM rate_windows", &[])
            .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].int(0), rows[0].int(1)), (120_000, 3));
    }
}
