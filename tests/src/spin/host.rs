//! A Spin-like host on wasmtime: WASI 0.2, `wasi:http` (incoming and outgoing), and the
//! `fermyon:spin@2.0.0` SQLite and variables interfaces, serving composed artifacts over HTTP
//! on 127.0.0.1:0 with a fresh instance per request, routed by path prefix like Spin's HTTP
//! trigger.
//!
//! Like Spin's in-process SQLite backend, every `connection.open` opens a new connection to
//! the database file: the adapters cannot rely on two calls sharing a transaction, and this
//! host makes sure they do not.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use hyper::server::conn::http1;
use rusqlite::types::ValueRef;
use wasmtime::component::{Component, HasSelf, Linker, Resource, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

mod bindings {
    wasmtime::component::bindgen!({
        path: "src/spin/wit",
        world: "fermyon:spin/host",
        with: { "fermyon:spin/sqlite.connection": super::Connection },
    });
}

use bindings::fermyon::spin::{sqlite, variables};

/// How long a connection waits for another writer: rusqlite's default, which Spin's
/// in-process SQLite backend (rusqlite) gets too; set here so that the test does not depend
/// on that default.
const BUSY_TIMEOUT_MS: u64 = 5_000;

/// An open connection of one instance.
pub struct Connection(rusqlite::Connection);

/// What every request's store holds.
pub struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    database: Arc<PathBuf>,
    /// The component's variables, resolved from spin.toml.
    variables: Arc<HashMap<String, String>>,
}

/// A trigger route: an exact path, or a prefix (spin.toml's `/...` wildcard), the component
/// serving it and that component's variables.
pub struct Route {
    pub route: String,
    pub component: Component,
    pub variables: Arc<HashMap<String, String>>,
}

impl Route {
    fn matches(&self, path: &str) -> bool {
        match self.route.strip_suffix("/...") {
            Some(prefix) => path == prefix || path.starts_with(&format!("{prefix}/")),
            None => path == self.route,
        }
    }
}

crate::wasi_http::views!(State);

impl sqlite::Host for State {}

impl sqlite::HostConnection for State {
    fn open(&mut self, database: String) -> Result<Resource<Connection>, sqlite::Error> {
        if database != "default" {
            return Err(sqlite::Error::NoSuchDatabase);
        }
        let conn = rusqlite::Connection::open(&*self.database)
            .map_err(|e| sqlite::Error::Io(e.to_string()))?;
        conn.busy_timeout(std::time::Duration::from_millis(BUSY_TIMEOUT_MS))
            .map_err(|e| sqlite::Error::Io(e.to_string()))?;
        self.table
            .push(Connection(conn))
            .map_err(|_| sqlite::Error::InvalidConnection)
    }

    fn execute(
        &mut self,
        conn: Resource<Connection>,
        statement: String,
        parameters: Vec<sqlite::Value>,
    ) -> Result<sqlite::QueryResult, sqlite::Error> {
        let conn = &self
            .table
            .get(&conn)
            .map_err(|_| sqlite::Error::InvalidConnection)?
            .0;
        run(conn, &statement, parameters).map_err(|e| sqlite::Error::Io(e.to_string()))
    }

    fn drop(&mut self, conn: Resource<Connection>) -> wasmtime::Result<()> {
        self.table.delete(conn)?;
        Ok(())
    }
}

impl variables::Host for State {
    fn get(&mut self, name: String) -> Result<String, variables::Error> {
        self.variables
            .get(&name)
            .cloned()
            .ok_or(variables::Error::Undefined(name))
    }
}

/// One statement, as Spin's SQLite host runs it: rows for queries, none for the rest.
fn run(
    conn: &rusqlite::Connection,
    statement: &str,
    parameters: Vec<sqlite::Value>,
) -> rusqlite::Result<sqlite::QueryResult> {
    let mut stmt = conn.prepare(statement)?;
    let columns: Vec<String> = stmt.column_names().iter().map(|c| c.to_string()).collect();
    let params: Vec<rusqlite::types::Value> = parameters
        .into_iter()
        .map(|v| match v {
            sqlite::Value::Integer(i) => rusqlite::types::Value::Integer(i),
            sqlite::Value::Real(r) => rusqlite::types::Value::Real(r),
            sqlite::Value::Text(t) => rusqlite::types::Value::Text(t),
            sqlite::Value::Blob(b) => rusqlite::types::Value::Blob(b),
            sqlite::Value::Null => rusqlite::types::Value::Null,
        })
        .collect();
    let mut rows = stmt.query(rusqlite::params_from_iter(params))?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        let values = (0..columns.len())
            .map(|i| {
                Ok(match row.get_ref(i)? {
                    ValueRef::Integer(i) => sqlite::Value::Integer(i),
                    ValueRef::Real(r) => sqlite::Value::Real(r),
                    ValueRef::Text(t) => sqlite::Value::Text(String::from_utf8_lossy(t).into()),
                    ValueRef::Blob(b) => sqlite::Value::Blob(b.to_vec()),
                    ValueRef::Null => sqlite::Value::Null,
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        out.push(sqlite::RowResult { values });
    }
    Ok(sqlite::QueryResult { columns, rows: out })
}

/// The engine the host compiles with: Spin's (`spin-core`), which the harness's
/// [`crate::wasi_http::engine`] is.
pub fn engine() -> Engine {
    crate::wasi_http::engine().expect("a wasmtime engine")
}

/// A linker holding exactly what this host provides: WASI 0.2, wasi:http and the Spin
/// interfaces above. Nothing of `welfare:*`.
pub fn linker(engine: &Engine) -> anyhow::Result<Linker<State>> {
    let mut linker = Linker::<State>::new(engine);
    wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
    wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
    bindings::Host_::add_to_linker::<State, HasSelf<State>>(&mut linker, |s| s)?;
    Ok(linker)
}

/// A running host.
pub struct SpinHost {
    pub base: String,
    pub database: PathBuf,
    _server: tokio::task::JoinHandle<()>,
}

impl SpinHost {
    /// Serves `routes` (in spin.toml's order of specificity: the most specific first wins)
    /// over the SQLite database `database`.
    pub async fn start(
        engine: &Engine,
        routes: Vec<Route>,
        database: &Path,
    ) -> anyhow::Result<Self> {
        let linker = linker(engine)?;
        let mut served = Vec::new();
        for route in routes {
            let pre = ProxyPre::new(linker.instantiate_pre(&route.component)?)?;
            served.push((route, pre));
        }
        // Exact routes first, then longer prefixes, as Spin's router prefers the most
        // specific route.
        served.sort_by_key(|(r, _)| (r.route.ends_with("/..."), std::cmp::Reverse(r.route.len())));
        let database = Arc::new(database.to_path_buf());
        let routes = Arc::new(served);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let db = database.clone();
        let server = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let (routes, db) = (routes.clone(), db.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let (routes, db) = (routes.clone(), db.clone());
                        async move { serve(&routes, db, req).await }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(client), service)
                        .await;
                });
            }
        });
        Ok(Self {
            base: format!("http://{addr}"),
            database: database.to_path_buf(),
            _server: server,
        })
    }

    /// A direct connection to the host's database, for the tests' checks.
    pub fn db(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.database).expect("the Spin database")
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.db().query_row(sql, [], |r| r.get(0)).expect("a count")
    }
}

async fn serve(
    routes: &[(Route, ProxyPre<State>)],
    database: Arc<PathBuf>,
    req: hyper::Request<hyper::body::Incoming>,
) -> anyhow::Result<hyper::Response<HyperOutgoingBody>> {
    let path = req.uri().path().to_string();
    let Some((route, pre)) = routes.iter().find(|(r, _)| r.matches(&path)) else {
        return Ok(hyper::Response::builder().status(404).body(empty())?);
    };
    let store = Store::new(
        pre.engine(),
        State {
            wasi: WasiCtx::builder().inherit_stderr().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            database,
            variables: route.variables.clone(),
        },
    );
    match crate::wasi_http::handle(pre.clone(), store, req).await? {
        Ok(response) => Ok(response),
        // The guest trapped before answering: Spin answers 500.
        Err(why) => {
            eprintln!("spin host: the component failed: {why}");
            Ok(hyper::Response::builder().status(500).body(empty())?)
        }
    }
}

fn empty() -> HyperOutgoingBody {
    use http_body_util::BodyExt;
    http_body_util::Empty::new()
        .map_err(|never| match never {})
        .boxed_unsync()
}
