//! The little SQL the gateway speaks, over either backend: statements with `$1…$n`
//! placeholders, four value types (integer, text, bytes, null), rows read by position. Every
//! statement the gateway runs is written once, in the subset SQLite and PostgreSQL share
//! (`ON CONFLICT … DO NOTHING/UPDATE`, `RETURNING`, `LIMIT`); where they differ (claiming work
//! under concurrency, serialising the audit chain) a caller asks [`Sql::dialect`].

use super::StoreError;

/// Which database is behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Sqlite,
    Postgres,
}

/// A parameter value.
#[derive(Debug, Clone, Copy)]
pub enum Value<'a> {
    Null,
    Int(i64),
    Text(&'a str),
    Bytes(&'a [u8]),
}

/// Something that binds as a parameter.
pub trait Param {
    fn value(&self) -> Value<'_>;
}

impl Param for i64 {
    fn value(&self) -> Value<'_> {
        Value::Int(*self)
    }
}

impl Param for u16 {
    fn value(&self) -> Value<'_> {
        Value::Int(*self as i64)
    }
}

impl Param for str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for &str {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for String {
    fn value(&self) -> Value<'_> {
        Value::Text(self)
    }
}

impl Param for Vec<u8> {
    fn value(&self) -> Value<'_> {
        Value::Bytes(self)
    }
}

impl Param for [u8] {
    fn value(&self) -> Value<'_> {
        Value::Bytes(self)
    }
}

impl<T: Param> Param for Option<T> {
    fn value(&self) -> Value<'_> {
        match self {
            Some(v) => v.value(),
            None => Value::Null,
        }
    }
}

/// A cell of a result row.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Null,
    Int(i64),
    Text(String),
    Bytes(Vec<u8>),
}

/// A result row, read by column position.
#[derive(Debug, Clone)]
pub struct Row(pub Vec<Cell>);

impl Row {
    fn cell(&self, i: usize) -> &Cell {
        self.0.get(i).unwrap_or(&Cell::Null)
    }

    pub fn opt_int(&self, i: usize) -> Option<i64> {
        match self.cell(i) {
            Cell::Int(v) => Some(*v),
            _ => None,
        }
    }

    pub fn int(&self, i: usize) -> i64 {
        self.opt_int(i).unwrap_or_default()
    }

    pub fn opt_text(&self, i: usize) -> Option<String> {
        match self.cell(i) {
            Cell::Text(v) => Some(v.clone()),
            _ => None,
        }
    }

    pub fn text(&self, i: usize) -> String {
        self.opt_text(i).unwrap_or_default()
    }

    pub fn opt_bytes(&self, i: usize) -> Option<Vec<u8>> {
        match self.cell(i) {
            Cell::Bytes(v) => Some(v.clone()),
            Cell::Text(v) => Some(v.clone().into_bytes()),
            _ => None,
        }
    }
}

/// A connection, in or out of a transaction.
pub trait Sql {
    fn dialect(&self) -> Dialect;
    /// Runs a statement; the number of rows it changed.
    fn exec(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, StoreError>;
    /// Runs a query; all its rows.
    fn rows(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>, StoreError>;
    /// Runs statements without parameters (transaction control, schema).
    fn batch(&self, sql: &str) -> Result<(), StoreError>;

    /// Whether the connection is gone for good (a database server that went away); a pool
    /// replaces it instead of using it.
    fn is_closed(&self) -> bool {
        false
    }

    /// The first row, if any.
    fn row(&self, sql: &str, params: &[&dyn Param]) -> Result<Option<Row>, StoreError> {
        Ok(self.rows(sql, params)?.into_iter().next())
    }
}

/// `$1` → `?1`: SQLite's numbered parameters, bound by position.
fn sqlite_placeholders(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(|n| n.is_ascii_digit()) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

impl Sql for rusqlite::Connection {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    fn exec(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, StoreError> {
        let mut stmt = self.prepare_cached(&sqlite_placeholders(sql))?;
        bind(&mut stmt, params)?;
        Ok(stmt.raw_execute()? as u64)
    }

    fn rows(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>, StoreError> {
        let mut stmt = self.prepare_cached(&sqlite_placeholders(sql))?;
        bind(&mut stmt, params)?;
        let columns = stmt.column_count();
        let mut rows = stmt.raw_query();
        let mut out = Vec::new();
        while let Some(r) = rows.next()? {
            let mut cells = Vec::with_capacity(columns);
            for i in 0..columns {
                use rusqlite::types::ValueRef;
                cells.push(match r.get_ref(i)? {
                    ValueRef::Null => Cell::Null,
                    ValueRef::Integer(v) => Cell::Int(v),
                    ValueRef::Real(v) => Cell::Int(v as i64),
                    ValueRef::Text(v) => Cell::Text(String::from_utf8_lossy(v).into_owned()),
                    ValueRef::Blob(v) => Cell::Bytes(v.to_vec()),
                });
            }
            out.push(Row(cells));
        }
        Ok(out)
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.execute_batch(sql)?)
    }
}

fn bind(stmt: &mut rusqlite::CachedStatement<'_>, params: &[&dyn Param]) -> Result<(), StoreError> {
    for (i, p) in params.iter().enumerate() {
        let index = i + 1;
        match p.value() {
            Value::Null => stmt.raw_bind_parameter(index, rusqlite::types::Null)?,
            Value::Int(v) => stmt.raw_bind_parameter(index, v)?,
            Value::Text(v) => stmt.raw_bind_parameter(index, v)?,
            Value::Bytes(v) => stmt.raw_bind_parameter(index, v)?,
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_and_values_round_trip_on_sqlite() {
        assert_eq!(
            sqlite_placeholders("a = $1 AND b = $12 AND c = '$x'"),
            "a = ?1 AND b = ?12 AND c = '$x'"
        );
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        conn.batch("CREATE TABLE t (i INTEGER, s TEXT, b BLOB)")
            .unwrap();
        let none: Option<String> = None;
        let n = conn
            .exec(
                "INSERT INTO t (i, s, b) VALUES ($1, $2, $3), ($1, $4, NULL)",
                &[&7i64, &"x", &vec![1u8, 2], &none],
            )
            .unwrap();
        assert_eq!(n, 2);
        let rows = conn
            .rows("SELECT i, s, b FROM t WHERE i = $1 ORDER BY s", &[&7i64])
            .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].opt_text(1), None);
        assert_eq!(rows[1].text(1), "x");
        assert_eq!(rows[1].opt_bytes(2), Some(vec![1, 2]));
        assert!(
            conn.row("SELECT i FROM t WHERE i = $1", &[&8i64])
                .unwrap()
                .is_none()
        );
    }
}
