//! The Spin SQLite connection this instance uses, and conversions at its edge.

use std::cell::{Cell, OnceCell};
use std::rc::Rc;

use spin_sdk::sqlite::{Connection, Error as SqliteError, QueryResult, Value};

use crate::exports::welfare::spin::unit_of_work::Error;

/// The Spin database label every adapter uses; `runtime-config.toml` decides where it lives
/// (a local file under `spin up`, libSQL on SpinKube so that replicas share it).
pub const DATABASE: &str = "default";

thread_local! {
    static CONNECTION: OnceCell<Rc<Connection>> = const { OnceCell::new() };
    /// Whether the schema was checked (and migrated) on [`CONNECTION`].
    static SCHEMA_CHECKED: Cell<bool> = const { Cell::new(false) };
}

/// The instance's connection, opened (and the schema checked) on first use.
pub fn open() -> Result<Rc<Connection>, Error> {
    let conn = open_unchecked()?;
    if !SCHEMA_CHECKED.get() {
        crate::schema::ensure(&conn).map_err(unavailable)?;
        SCHEMA_CHECKED.set(true);
    }
    Ok(conn)
}

/// The instance's connection without the schema check, for reads that may find no table
/// (and then answer as if they found nothing): a request refused later must not have created
/// the schema, or anything else, in a database it was never admitted to.
pub fn open_unchecked() -> Result<Rc<Connection>, Error> {
    if let Some(conn) = CONNECTION.with(|c| c.get().cloned()) {
        return Ok(conn);
    }
    let conn = Rc::new(Connection::open(DATABASE).map_err(unavailable)?);
    CONNECTION.with(|c| {
        let _ = c.set(conn.clone());
    });
    Ok(conn)
}

/// One statement; the host runs each in its own implicit transaction.
pub fn run(conn: &Connection, sql: &str, params: &[Value]) -> Result<QueryResult, SqliteError> {
    conn.execute(sql, params)
}

/// The unit of work's `unavailable`, after logging why: the WIT error carries no text.
pub fn unavailable(e: SqliteError) -> Error {
    eprintln!("welfare-spin-platform: database error: {e:?}");
    Error::Unavailable
}

/// The text of a database error, to recognise the commit trigger's refusals.
pub fn message(e: &SqliteError) -> String {
    match e {
        SqliteError::Io(text) => text.clone(),
        other => format!("{other:?}"),
    }
}

pub fn text(s: &str) -> Value {
    Value::Text(s.to_string())
}

pub fn opt_text(s: Option<&str>) -> Value {
    s.map_or(Value::Null, text)
}

pub fn int(i: i64) -> Value {
    Value::Integer(i)
}

pub fn blob(b: &[u8]) -> Value {
    Value::Blob(b.to_vec())
}

/// A column read as bytes (blobs, and text written by another tool).
pub fn bytes(v: &Value) -> Option<Vec<u8>> {
    match v {
        Value::Blob(b) => Some(b.clone()),
        Value::Text(t) => Some(t.clone().into_bytes()),
        _ => None,
    }
}

pub fn string(v: &Value) -> Option<String> {
    match v {
        Value::Text(t) => Some(t.clone()),
        _ => None,
    }
}

pub fn integer(v: &Value) -> Option<i64> {
    match v {
        Value::Integer(i) => Some(*i),
        _ => None,
    }
}

pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}

/// RFC 3339 UTC, as the gateway writes `*_at` columns.
pub fn now_rfc3339() -> String {
    jiff::Timestamp::now().to_string()
}

/// A random id such as `evt_<32 hex>`: unique, time-ordered by its first half.
pub fn new_id(prefix: &str) -> String {
    let millis = now_ms() as u64;
    let random = wasi::random::random::get_random_u64();
    format!("{prefix}_{millis:016x}{random:016x}")
}
