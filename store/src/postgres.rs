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

/// The libpq parameter naming the CA file that signs the server's certificate.
const ROOT_CERT_PARAM: &str = "sslrootcert";

/// A client for `url` (`postgres://user@host:port/database`, libpq's parameters).
///
/// With `sslmode=require` the connection is TLS, and — stricter than libpq's `require` — the
/// server's certificate is verified: against the CA in `sslrootcert=<file>` (a cluster's own
/// CA, as CloudNativePG issues), or else the public roots. Without it, the connection is plain,
/// as on a loopback or a private network; `prefer` is not attempted, so a server's
/// self-signed certificate never turns a working plain connection into a failed handshake.
/// A new connection to `url`, ready to serve as a reader or the writer.
pub fn open(url: &str) -> Result<Box<dyn Sql + Send>, StoreError> {
    Ok(Box::new(PgConn::new(connect(url)?)))
}

pub fn connect(url: &str) -> Result<Client, StoreError> {
    let (url, root_cert) = split_root_cert(url);
    let config: ::postgres::Config = url.parse()?;
    if config.get_ssl_mode() != ::postgres::config::SslMode::Require {
        return Ok(config.connect(NoTls)?);
    }
    let mut roots = rustls::RootCertStore::empty();
    match root_cert {
        Some(path) => {
            use rustls_pki_types::pem::PemObject;
            for cert in rustls_pki_types::CertificateDer::pem_file_iter(&path)
                .map_err(|e| StoreError::Connect(format!("{ROOT_CERT_PARAM} {path}: {e}")))?
            {
                let cert = cert.map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
                roots
                    .add(cert)
                    .map_err(|e| StoreError::Connect(format!("{path}: {e}")))?;
            }
        }
        None => roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
    }
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| StoreError::Connect(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(config.connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))?)
}

/// `url` without its `sslrootcert` parameter (which the client library does not take), and
/// that parameter's value.
fn split_root_cert(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let mut root = None;
    let rest: Vec<&str> = query
        .split('&')
        .filter(|pair| match pair.split_once('=') {
            Some((ROOT_CERT_PARAM, value)) => {
                root = Some(value.to_string());
                false
            }
            _ => true,
        })
        .collect();
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_root_certificate_is_taken_out_of_the_url() {
        let cases = [
            ("postgres://u@h/db", "postgres://u@h/db", None),
            (
                "postgres://u@h/db?sslmode=require&sslrootcert=/etc/ca.crt",
                "postgres://u@h/db?sslmode=require",
                Some("/etc/ca.crt"),
            ),
            (
                "postgres://u@h/db?sslrootcert=/ca",
                "postgres://u@h/db",
                Some("/ca"),
            ),
        ];
        for (url, rest, root) in cases {
            assert_eq!(
                split_root_cert(url),
                (rest.to_string(), root.map(str::to_string)),
                "{url}"
            );
        }
    }

    #[test]
    fn a_required_tls_connection_without_a_usable_ca_fails_before_connecting() {
        let missing =
            connect("postgres://u@127.0.0.1:1/db?sslmode=require&sslrootcert=/nonexistent/ca.crt");
        assert!(matches!(missing, Err(StoreError::Connect(m)) if m.contains("sslrootcert")));
    }
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
