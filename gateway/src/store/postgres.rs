//! PostgreSQL behind the statements of [`super::sql`]: the same schema, the same write sets,
//! for several gateways sharing one database. The synchronous `postgres` client fits the
//! store's threads (the writer thread, blocking readers); it must not be called on an async
//! worker thread.

use std::cell::RefCell;
use std::collections::HashMap;
use std::error::Error;

use ::postgres::types::{IsNull, ToSql, Type, to_sql_checked};
use ::postgres::{Client, NoTls, Statement};
use bytes::BytesMut;

use super::StoreError;
use super::sql::{Cell, Dialect, Param, Row, Sql, Value};

/// A client for `url` (`postgres://user@host:port/database`).
pub fn connect(url: &str) -> Result<Client, ::postgres::Error> {
    Client::connect(url, NoTls)
}

/// A client as a [`Sql`] connection, with its prepared statements: each statement is parsed
/// and planned once per connection, not once per call.
pub struct PgConn(RefCell<Inner>);

struct Inner {
    client: Client,
    prepared: HashMap<String, Statement>,
}

impl PgConn {
    pub fn new(client: Client) -> Self {
        Self(RefCell::new(Inner {
            client,
            prepared: HashMap::new(),
        }))
    }
}

impl Inner {
    fn statement(&mut self, sql: &str) -> Result<Statement, StoreError> {
        if let Some(stmt) = self.prepared.get(sql) {
            return Ok(stmt.clone());
        }
        let stmt = self.client.prepare(sql)?;
        self.prepared.insert(sql.to_string(), stmt.clone());
        Ok(stmt)
    }
}

/// A parameter value that binds to whatever integer, text or bytes type the column has.
#[derive(Debug)]
struct Bound<'a>(Value<'a>);

impl ToSql for Bound<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut BytesMut,
    ) -> Result<IsNull, Box<dyn Error + Sync + Send>> {
        match self.0 {
            Value::Null => Ok(IsNull::Yes),
            Value::Int(v) if *ty == Type::INT4 => i32::try_from(v)?.to_sql(ty, out),
            Value::Int(v) if *ty == Type::INT2 => i16::try_from(v)?.to_sql(ty, out),
            Value::Int(v) => v.to_sql(ty, out),
            Value::Text(v) => v.to_sql(ty, out),
            Value::Bytes(v) => v.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

fn bound<'a>(params: &'a [&'a dyn Param]) -> Vec<Bound<'a>> {
    params.iter().map(|p| Bound(p.value())).collect()
}

fn cells(row: &::postgres::Row) -> Result<Row, StoreError> {
    let mut cells = Vec::with_capacity(row.len());
    for (i, column) in row.columns().iter().enumerate() {
        let ty = column.type_();
        let cell = if *ty == Type::INT8 {
            row.try_get::<_, Option<i64>>(i)?.map(Cell::Int)
        } else if *ty == Type::INT4 {
            row.try_get::<_, Option<i32>>(i)?
                .map(|v| Cell::Int(v.into()))
        } else if *ty == Type::INT2 {
            row.try_get::<_, Option<i16>>(i)?
                .map(|v| Cell::Int(v.into()))
        } else if *ty == Type::BOOL {
            row.try_get::<_, Option<bool>>(i)?
                .map(|v| Cell::Int(v.into()))
        } else if *ty == Type::BYTEA {
            row.try_get::<_, Option<Vec<u8>>>(i)?.map(Cell::Bytes)
        } else {
            row.try_get::<_, Option<String>>(i)?.map(Cell::Text)
        };
        cells.push(cell.unwrap_or(Cell::Null));
    }
    Ok(Row(cells))
}

impl Sql for PgConn {
    fn dialect(&self) -> Dialect {
        Dialect::Postgres
    }

    fn exec(&self, sql: &str, params: &[&dyn Param]) -> Result<u64, StoreError> {
        let values = bound(params);
        let refs: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let mut inner = self.0.borrow_mut();
        let stmt = inner.statement(sql)?;
        Ok(inner.client.execute(&stmt, &refs)?)
    }

    fn rows(&self, sql: &str, params: &[&dyn Param]) -> Result<Vec<Row>, StoreError> {
        let values = bound(params);
        let refs: Vec<&(dyn ToSql + Sync)> =
            values.iter().map(|v| v as &(dyn ToSql + Sync)).collect();
        let mut inner = self.0.borrow_mut();
        let stmt = inner.statement(sql)?;
        inner
            .client
            .query(&stmt, &refs)?
            .iter()
            .map(cells)
            .collect()
    }

    fn is_closed(&self) -> bool {
        self.0.borrow().client.is_closed()
    }

    fn batch(&self, sql: &str) -> Result<(), StoreError> {
        Ok(self.0.borrow_mut().client.batch_execute(sql)?)
    }
}
