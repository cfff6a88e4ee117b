//! The platform adapter's unit of work: the shared store and events rules (`welfare-txn`, the
//! gateway's own) over the component's rows in Spin's SQLite database.

use welfare_txn::{CallError, Committed, Listed, Row};

use crate::db::{self, int, text};
use crate::exports::welfare::platform::{events, store};
use crate::exports::welfare::spin::unit_of_work::Error;

/// A unit of work of the call in progress.
pub type Unit = welfare_txn::Unit<Rows>;

/// A new unit over `component`'s rows.
pub fn begin(component: &str, read_only: bool) -> Unit {
    welfare_txn::Unit::new(
        Rows {
            component: component.to_string(),
        },
        read_only,
        || db::new_id("evt"),
    )
}

/// One component's committed rows in Spin's SQLite database.
pub struct Rows {
    component: String,
}

impl Committed for Rows {
    fn domain(&self) -> &str {
        &self.component
    }

    fn read(&self, key: &str) -> Result<Option<Row>, CallError> {
        let conn = db::open().map_err(unavailable)?;
        let rows = db::run(
            &conn,
            "SELECT value, version FROM documents WHERE domain = ?1 AND key = ?2",
            &[text(&self.component), text(key)],
        )
        .map_err(|e| CallError::Unavailable(db::message(&e)))?;
        Ok(rows.rows.first().map(|row| {
            (
                row.values.first().and_then(db::bytes),
                row.values.get(1).and_then(db::integer).unwrap_or_default() as u64,
            )
        }))
    }

    fn list(&self, prefix: &str, after: &str, limit: usize) -> Result<Vec<Listed>, CallError> {
        // Keys are printable ASCII, so every key with the prefix sorts before prefix + DEL.
        let upper = format!("{prefix}\u{7f}");
        let conn = db::open().map_err(unavailable)?;
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
                int(limit as i64),
            ],
        )
        .map_err(|e| CallError::Unavailable(db::message(&e)))?;
        Ok(rows
            .rows
            .iter()
            .filter_map(|row| {
                let v = &row.values;
                Some((
                    v.first().and_then(db::string)?,
                    v.get(1).and_then(db::bytes)?,
                    v.get(2).and_then(db::integer)? as u64,
                ))
            })
            .collect())
    }
}

fn unavailable(e: Error) -> CallError {
    CallError::Unavailable(format!("{e:?}"))
}

/// The `store` error for a refused call.
pub fn store_error(e: CallError) -> store::Error {
    match e {
        CallError::Conflict => store::Error::Conflict,
        CallError::Invalid(m) => store::Error::Invalid(m),
        CallError::LimitExceeded => store::Error::LimitExceeded,
        CallError::Unavailable(m) => {
            eprintln!("welfare-spin-platform: store unavailable: {m}");
            store::Error::Unavailable
        }
    }
}

/// The `events` error for a refused publication: publishing reads nothing, so it is never a
/// conflict or an outage (those would be the opaque `other`).
pub fn events_error(e: CallError) -> events::Error {
    match e {
        CallError::Invalid(m) => events::Error::Invalid(m),
        CallError::LimitExceeded => events::Error::LimitExceeded,
        other => events::Error::Other(other.to_string()),
    }
}
