//! The test harness: the real gateway, serving on port 0 with a fresh data directory (so a fresh
//! SQLite database) and the real `.wasm` components, driven over HTTP.
//!
//! # Layout
//! - [`TestApp`]: one running platform; `spawn_app()` with the misbehaving fixture loaded,
//!   `spawn_with` to adjust the configuration first.
//! - token helpers mint with the platform's own dev issuer (the key in the data directory).
//! - [`TestApp::db`] opens the database file read-only, for asserting what was (not) stored.
//! - [`agency`]: another agency's calls with a PDND voucher and the ModI headers.
//! - [`smtp`] and [`webhook`]: a real SMTP server and a real HTTP webhook receiver on port 0,
//!   which record what the channel adapters send and can refuse on demand.
//! - [`spin`]: the domains composed for Spin, served by a Spin-like wasmtime host.
//! - `src/bin/bench/`: the benchmark, on the same harness (its `main.rs` maps its modules).

pub mod agency;
pub mod floor;
pub mod smtp;
pub mod spin;
pub mod wasi_http;
pub mod webhook;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use reqwest::{Method, RequestBuilder};
use serde_json::Value;
use welfare_gateway::auth::dev_issuer::{DevIssuer, TokenRequest};
use welfare_gateway::auth::{IntermediaryKind, Level};
use welfare_gateway::config::{ComponentSource, Config};
use welfare_gateway::identity::{FiscalCode, VatNumber};

/// Citizens used across the tests (valid fiscal codes).
pub const MARIO: &str = "RSSMRA85T10A562S";
pub const LAURA: &str = "BNCLRA90A41F205I";
/// Companies used across the tests (valid VAT numbers).
pub const ACME: &str = "01114601006";
pub const BETA: &str = "12345678903";

/// The `n`-th synthetic citizen's fiscal code (valid, check character included), for tests
/// and benchmarks that need many people.
pub fn synthetic_fiscal_code(n: u32) -> String {
    let mut letters = String::new();
    let mut rest = n;
    for _ in 0..6 {
        letters.insert(0, (b'A' + (rest % 26) as u8) as char);
        rest /= 26;
    }
    let stem = format!("{letters}80A01H501");
    ('A'..='Z')
        .map(|c| format!("{stem}{c}"))
        .find(|code| FiscalCode::parse(code).is_ok())
        .expect("one check character fits")
}

/// A valid NASpI application (Mario's, dismissed on 15 January 2026), for tests and the bench.
/// One person claims once per termination: a second one for the same date is refused, so a
/// test that files several uses [`naspi_application_n`].
pub fn naspi_application() -> Value {
    naspi_application_n(0)
}

/// Terminations [`naspi_application_n`] can give one person.
pub const NASPI_TERMINATIONS: u32 = 600;

/// The `n`-th of [`NASPI_TERMINATIONS`] distinct NASpI applications of one person: the same
/// figures, the termination `n` days after 15 January 2025 + 365 (so the 0th is 15 January
/// 2026, wrapping before 2025), the claim five days later.
pub fn naspi_application_n(n: u32) -> Value {
    let first = jiff::civil::date(2025, 1, 15);
    let offset = (365 + n as i64) % NASPI_TERMINATIONS as i64;
    let termination = first.checked_add(jiff::Span::new().days(offset)).unwrap();
    let claim = termination.checked_add(jiff::Span::new().days(5)).unwrap();
    serde_json::json!({
        "benefit": "naspi",
        "termination_date": termination.to_string(),
        "claim_date": claim.to_string(),
        "termination_reason": "dismissal",
        "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200,
        "age": 40,
    })
}

/// The misbehaving fixture component, built by the gateway's build script.
pub fn fixture_path() -> PathBuf {
    Path::new(welfare_gateway::BUILT_COMPONENTS_DIR).join("misbehave.wasm")
}

/// Compiled components shared by every test run: compiling is the slow part of starting.
pub fn shared_cache_dir() -> PathBuf {
    Path::new(welfare_gateway::BUILT_COMPONENTS_DIR).join("compiled-cache")
}

/// A configuration for tests: fresh data directory, short deadlines, fast retries, the fixture.
pub fn test_config(data_dir: &Path) -> Config {
    let mut config = Config::default();
    config.data_dir = data_dir.to_path_buf();
    config.runtime.cache_dir = Some(shared_cache_dir());
    config.runtime.request_timeout_ms = 1_000;
    config.runtime.max_concurrent_instances = 16;
    config.events.backoff_base_ms = 20;
    config.events.backoff_max_ms = 200;
    config.events.poll_interval_ms = 20;
    config.events.max_attempts = 3;
    // Tests drive one person hard; the limit has its own test.
    config.http.writes_per_minute = 0;
    // Tests vote anonymously in bursts; the anonymous budget has its own test.
    config.http.anonymous_writes_per_second = 0;
    // Days run when a test says so, and a test may run a day still to come.
    config.clock.daily_events = false;
    config.clock.allow_future_days = true;
    config.components.push(ComponentSource {
        path: fixture_path(),
        config: Default::default(),
    });
    config
}

/// Set to a server URL (`postgres://postgres@127.0.0.1:5432`) to run the tests on PostgreSQL:
/// each test then gets a fresh database on that server, dropped when the test ends.
pub const POSTGRES_ENV: &str = "WELFARE_TEST_POSTGRES";

/// A database created for one test on the PostgreSQL server of [`POSTGRES_ENV`].
struct FreshDatabase {
    server: String,
    name: String,
}

impl FreshDatabase {
    fn create(server: &str) -> Self {
        let name = format!("welfare_test_{:016x}", rand::random::<u64>());
        let server = server.trim_end_matches('/').to_string();
        let sql = format!("CREATE DATABASE {name}");
        off_runtime(|| {
            let mut admin =
                welfare_gateway::store::postgres::connect(&format!("{server}/postgres"))
                    .expect("connecting to the PostgreSQL server of WELFARE_TEST_POSTGRES");
            admin.batch_execute(&sql).expect("creating a test database");
        });
        Self { server, name }
    }

    fn url(&self) -> String {
        format!("{}/{}", self.server, self.name)
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let (server, sql) = (
            self.server.clone(),
            format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name),
        );
        off_runtime(move || {
            if let Ok(mut admin) =
                welfare_gateway::store::postgres::connect(&format!("{server}/postgres"))
            {
                let _ = admin.batch_execute(&sql);
            }
        });
    }
}

/// Runs blocking database code on its own thread: the synchronous PostgreSQL client must not
/// run on an async worker.
fn off_runtime<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    std::thread::scope(|s| s.spawn(f).join().expect("a database thread"))
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    /// Shared by replicas of one platform (the dev issuer's key, the component cache).
    pub data_dir: Arc<tempfile::TempDir>,
    /// Where the platform keeps its data.
    pub location: welfare_gateway::store::Location,
    _database: Option<Arc<FreshDatabase>>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<anyhow::Result<()>>>,
}

pub async fn spawn_app() -> TestApp {
    spawn_with(|_| {}).await
}

/// Starts a platform after `adjust` has changed the test configuration.
pub async fn spawn_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let data_dir = Arc::new(tempfile::tempdir().expect("a temporary data directory"));
    let database = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .map(|server| Arc::new(FreshDatabase::create(&server)));
    start(data_dir, database, adjust).await
}

/// Waits out the last seconds of a clock minute, so that a test counting writes per minute
/// (`welfare_gateway::rate`) runs inside one window.
pub async fn not_near_a_minute_end() {
    use welfare_gateway::rate::WINDOW_MS;
    let into = jiff::Timestamp::now()
        .as_millisecond()
        .rem_euclid(WINDOW_MS);
    if into > WINDOW_MS - 10_000 {
        tokio::time::sleep(Duration::from_millis((WINDOW_MS - into + 100) as u64)).await;
    }
}

/// `n` gateways on their own ports sharing one fresh PostgreSQL database (and one data
/// directory, so one dev issuer: a token minted for one replica is good on all).
pub async fn spawn_replicas(n: usize) -> Vec<TestApp> {
    spawn_replicas_with(n, |_| {}).await
}

/// [`spawn_replicas`] after `adjust` has changed each replica's configuration.
pub async fn spawn_replicas_with(n: usize, adjust: impl Fn(&mut Config)) -> Vec<TestApp> {
    let server = std::env::var(POSTGRES_ENV)
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| panic!("replicas need a PostgreSQL server: set {POSTGRES_ENV}"));
    let data_dir = Arc::new(tempfile::tempdir().expect("a temporary data directory"));
    let database = Some(Arc::new(FreshDatabase::create(&server)));
    let mut replicas = Vec::with_capacity(n);
    for _ in 0..n {
        replicas.push(start(data_dir.clone(), database.clone(), &adjust).await);
    }
    replicas
}

async fn start(
    data_dir: Arc<tempfile::TempDir>,
    database: Option<Arc<FreshDatabase>>,
    adjust: impl FnOnce(&mut Config),
) -> TestApp {
    let mut config = test_config(data_dir.path());
    config.database = database.as_ref().map(|d| d.url().into());
    adjust(&mut config);
    let location = config.location().expect("a database location");
    let platform = welfare_gateway::Platform::start(config)
        .await
        .expect("the platform starts");
    let listener =
        welfare_gateway::http::serve::bind(([127, 0, 0, 1], 0).into()).expect("binding port 0");
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(platform.serve(listener, async {
        let _ = rx.await;
    }));
    TestApp {
        base,
        client: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        data_dir,
        location,
        _database: database,
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn issuer(&self) -> DevIssuer {
        DevIssuer::open(self.data_dir.path()).expect("the dev issuer")
    }

    pub fn mint(&self, request: TokenRequest) -> String {
        self.issuer()
            .mint(request, "welfare-api", 600)
            .expect("minting a token")
    }

    pub fn citizen(&self, fiscal_code: &str) -> String {
        self.citizen_at(fiscal_code, Level::L2)
    }

    pub fn citizen_at(&self, fiscal_code: &str, level: Level) -> String {
        self.mint(TokenRequest::Citizen {
            fiscal_code: FiscalCode::parse(fiscal_code).unwrap(),
            level,
        })
    }

    pub fn operator(&self, role: &str) -> String {
        self.mint(TokenRequest::Operator {
            role: role.into(),
            office: None,
        })
    }

    /// A company token (SPID for legal persons).
    pub fn company(&self, vat_number: &str) -> String {
        self.company_at(vat_number, Level::L2)
    }

    pub fn company_at(&self, vat_number: &str, level: Level) -> String {
        self.mint(TokenRequest::Company {
            vat_number: VatNumber::parse(vat_number).unwrap(),
            name: None,
            level,
        })
    }

    /// Runs `date`'s `platform.day-started` as a platform operator would, then waits until
    /// every event delivery (the day's work and what it published) has been processed.
    pub async fn run_day(&self, date: jiff::civil::Date) {
        let operator = self.operator("platform-operator");
        let (status, body) = send(self.request(
            Method::POST,
            &format!("/api/v1/admin/days/{date}"),
            Some(&operator),
        ))
        .await;
        assert!(status == 202 || status == 200, "{status} {body}");
        self.settled().await;
    }

    /// Waits until no event delivery is pending.
    pub async fn settled(&self) {
        self.eventually(Duration::from_secs(20), || async {
            (self.count("SELECT COUNT(*) FROM deliveries WHERE status = 'pending'") == 0)
                .then_some(())
        })
        .await
    }

    /// Topics published about `subject`, in order.
    pub fn topics_about(&self, subject: &str) -> Vec<String> {
        // Fiscal codes and VAT numbers are letters and digits: safe to inline.
        assert!(subject.chars().all(|c| c.is_ascii_alphanumeric()));
        self.texts(&format!(
            "SELECT topic FROM outbox WHERE subject = '{subject}' ORDER BY seq"
        ))
    }

    pub fn intermediary(&self, org: &str) -> String {
        self.mint(TokenRequest::Intermediary {
            org: org.into(),
            kind: IntermediaryKind::Caf,
        })
    }

    /// Another agency calling under a PDND `purpose`.
    pub fn agency(&self, org: &str, purpose: &str) -> agency::Agency<'_> {
        agency::Agency {
            app: self,
            org: org.into(),
            purpose: purpose.into(),
        }
    }

    /// An intermediary organisation's token of `kind`.
    pub fn intermediary_of(&self, org: &str, kind: IntermediaryKind) -> String {
        self.mint(TokenRequest::Intermediary {
            org: org.into(),
            kind,
        })
    }

    /// The Prometheus text of `/metrics`.
    pub async fn metrics(&self) -> String {
        self.request(Method::GET, "/metrics", None)
            .send()
            .await
            .expect("GET /metrics")
            .text()
            .await
            .expect("the metrics' text")
    }

    pub async fn delete(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.request(Method::DELETE, path, Some(token))).await
    }

    pub fn request(&self, method: Method, path: &str, token: Option<&str>) -> RequestBuilder {
        let builder = self.client.request(method, format!("{}{path}", self.base));
        match token {
            Some(t) => builder.bearer_auth(t),
            None => builder,
        }
    }

    pub async fn get(&self, path: &str, token: &str) -> (u16, Value) {
        send(self.request(Method::GET, path, Some(token))).await
    }

    pub async fn put(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        send(self.request(Method::PUT, path, Some(token)).json(body)).await
    }

    pub async fn post(&self, path: &str, token: &str, body: &Value) -> (u16, Value) {
        send(self.request(Method::POST, path, Some(token)).json(body)).await
    }

    pub async fn post_idem(
        &self,
        path: &str,
        token: &str,
        key: &str,
        body: &Value,
    ) -> (u16, Value) {
        send(
            self.request(Method::POST, path, Some(token))
                .header("Idempotency-Key", key)
                .json(body),
        )
        .await
    }

    /// Rows of `sql` (written in the SQL both backends share), to check what was stored.
    pub fn query(&self, sql: &str) -> Vec<welfare_gateway::store::sql::Row> {
        use welfare_gateway::store::{Location, Sql};
        let location = self.location.clone();
        off_runtime(move || match location {
            Location::Sqlite(path) => rusqlite::Connection::open_with_flags(
                path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            )
            .expect("opening the database")
            .rows(sql, &[])
            .expect("a query"),
            Location::Postgres(url) => welfare_gateway::store::postgres::PgConn::new(
                welfare_gateway::store::postgres::connect(secrecy::ExposeSecret::expose_secret(
                    &url,
                ))
                .expect("connecting"),
            )
            .rows(sql, &[])
            .expect("a query"),
        })
    }

    /// The text of `sql`'s rows' first column (a payload, a topic).
    pub fn texts(&self, sql: &str) -> Vec<String> {
        self.query(sql)
            .into_iter()
            .map(|r| String::from_utf8(r.opt_bytes(0).unwrap_or_default()).expect("UTF-8"))
            .collect()
    }

    pub fn count(&self, sql: &str) -> i64 {
        self.query(sql).first().map(|r| r.int(0)).expect("a count")
    }

    /// Polls `probe` until it returns `Some`, for effects that happen asynchronously (event
    /// delivery); panics after `within`.
    pub async fn eventually<T, F, Fut>(&self, within: Duration, mut probe: F) -> T
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Option<T>>,
    {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(v) = probe().await {
                return v;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the condition did not hold within {within:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server
                .await
                .expect("server task")
                .expect("server stopped cleanly");
        }
    }
}

/// The fields a validation problem names, in order.
pub fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

/// Sends and returns (status, JSON body or Null).
pub async fn send(builder: RequestBuilder) -> (u16, Value) {
    let response = builder.send().await.expect("the request is answered");
    let status = response.status().as_u16();
    let bytes = response.bytes().await.expect("a body");
    (
        status,
        serde_json::from_slice(&bytes).unwrap_or(Value::Null),
    )
}
