//! Real requests through the Spin-like host: the composed artifacts answer as the gateway
//! does (the same request is sent to both and the answers compared), keep every write of a
//! request or none, take their configuration from Spin variables, and deliver events once in
//! effect.
//!
//! # Layout
//! - this file: the two hosts side by side, and an answer as the tests compare it;
//! - [`parity`]: refusals, CORS and strict requests answered alike by both hosts;
//! - [`commits`]: idempotency, events delivered once, writes kept together or not at all;
//! - [`deliveries`]: retried and trapping event deliveries;
//! - [`configuration`]: configuration from Spin variables;
//! - [`tokens`]: a session's token verified once, and refused after a key rotation or expiry.

mod commits;
mod configuration;
mod deliveries;
mod parity;
mod tokens;

use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use welfare_tests::spin::{DELIVERY_SECRET, SpinHost, spin_host_with};
use welfare_tests::{TestApp, spawn_app};

pub const APPLICATIONS: &str = "/api/v1/income-support/applications";
pub const SIMULATION: &str = "/api/v1/income-support/naspi/simulations";

/// A gateway (whose development issuer mints the tokens, and whose answers are the
/// reference) and a Spin host serving some domains, trusting that issuer.
pub struct Hosts {
    pub app: TestApp,
    pub spin: SpinHost,
    pub client: reqwest::Client,
    pub _dir: tempfile::TempDir,
}

impl Hosts {
    pub async fn start(names: &[&str]) -> Self {
        Self::start_with(names, &[]).await
    }

    /// With `variables` added to the Spin host's (a domain's configuration).
    pub async fn start_with(names: &[&str], variables: &[(&str, &str)]) -> Self {
        let app = spawn_app().await;
        let dir = tempfile::tempdir().unwrap();
        let spin = spin_host_with(&app, names, dir.path(), variables).await;
        Self {
            app,
            spin,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// A request to the Spin host.
    pub fn spin(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.spin.base))
    }

    /// The same request to the gateway.
    pub fn gateway(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.app.base))
    }

    /// The deliveries route of `component`, called by the scheduler.
    pub async fn deliver(&self, component: &str) -> Answer {
        let path = format!("/_welfare/{component}/deliver");
        answer(self.spin(Method::POST, &path).bearer_auth(DELIVERY_SECRET)).await
    }
}

/// An answer: status, JSON body (null when empty or not JSON), headers.
pub struct Answer {
    pub status: u16,
    pub body: Value,
    pub headers: reqwest::header::HeaderMap,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub async fn answer(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("the host answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

pub fn simulation() -> Value {
    json!({
        "year": 2025,
        "termination_date": "2025-06-30",
        "claim_date": "2025-07-05",
        "termination_reason": "dismissal",
        "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200,
        "age": 40,
    })
}

/// A request the gateway refuses: what it shows, method, path, headers, body.
type Case<'a> = (
    &'a str,
    Method,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<Value>,
);
