//! The load generator: a scenario's requests from many clients until a deadline, and its throughput and latency.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use reqwest::Method;

/// `BENCH_ONLY=<text>[|<text>…]`: the main table's scenarios whose name has one of the texts,
/// then stop (what a profiler is pointed at); `spin` among them adds the Spin-like host's table,
/// of whose scenarios the other texts pick those they name (all of them when there are none).
pub(crate) struct Only(Option<Vec<String>>);

impl Only {
    pub(crate) fn from_env() -> Self {
        Self(
            std::env::var("BENCH_ONLY")
                .ok()
                .map(|o| o.split('|').map(String::from).collect()),
        )
    }

    /// Whether a choice was made: then nothing but the chosen tables runs.
    pub(crate) fn is_set(&self) -> bool {
        self.0.is_some()
    }

    /// Whether the main table runs the scenario `name`.
    pub(crate) fn runs(&self, name: &str) -> bool {
        self.0
            .as_ref()
            .is_none_or(|texts| texts.iter().any(|t| name.contains(t.as_str())))
    }

    /// Whether the Spin-like host's table runs at all.
    pub(crate) fn spin(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|texts| texts.iter().any(|t| t == "spin"))
    }

    /// Whether the Spin-like host's table runs the scenario `name`.
    pub(crate) fn runs_on_spin(&self, name: &str) -> bool {
        let Some(texts) = &self.0 else { return true };
        let mut named = texts.iter().filter(|t| *t != "spin").peekable();
        named.peek().is_none() || named.any(|t| name.contains(t.as_str()))
    }
}

pub(crate) struct Scenario {
    pub(crate) name: &'static str,
    pub(crate) method: Method,
    pub(crate) path: &'static str,
    pub(crate) token: Option<String>,
    pub(crate) body: Option<serde_json::Value>,
    pub(crate) idempotency: bool,
    /// The person an intermediary acts for.
    pub(crate) on_behalf_of: Option<&'static str>,
    /// Each client as its own citizen, filing a new NASpI claim each time: a person's own writes
    /// are serialised (a per-person guard document keeps new work away from the deceased), so
    /// many clients as one person would measure their conflicts, not the platform; and one
    /// person claims once per termination, so every request names another termination (a
    /// client moves to a new citizen after `NASPI_TERMINATIONS` of them).
    pub(crate) citizen_per_client: bool,
}

/// More durable applications a second than the bench could see on one machine: what the
/// tokens of a client's citizens are minted for.
const MOST_WRITES_PER_SECOND: u64 = 10_000;

pub(crate) async fn run(
    app: &welfare_tests::TestApp,
    base: &str,
    s: &Scenario,
    seconds: u64,
    concurrency: usize,
) -> (f64, f64, f64, u64) {
    // Counter updates from many clients conflict by design; spread them over keys.
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let sequence = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for worker in 0..concurrency {
        let client = app.client.clone();
        let url = format!("{base}{}", s.path)
            .replace("/counters/bench", &format!("/counters/bench-{worker}"));
        let per_client = s.citizen_per_client;
        let claimant = |round: u32| {
            let n = worker as u32 + concurrency as u32 * round;
            app.citizen(&welfare_tests::synthetic_fiscal_code(n))
        };
        let mut token = if per_client {
            Some(claimant(0))
        } else {
            s.token.clone()
        };
        let mut claimants: Vec<String> = Vec::new();
        if per_client {
            // Minted here, not in the loop: a client needs a new citizen only every
            // NASPI_TERMINATIONS requests, and the timed loop should not sign tokens. As many
            // as a client could use at 10,000 requests/s in all (far above what one machine
            // writes), and no more: at 1,000 clients, minting 64 each took seconds of the row.
            let most = (MOST_WRITES_PER_SECOND * seconds).div_ceil(concurrency as u64);
            let rounds = most
                .div_ceil(u64::from(welfare_tests::NASPI_TERMINATIONS))
                .max(1) as u32;
            claimants = (0..rounds).map(claimant).collect();
        }
        let (method, body, idempotency, on_behalf_of) = (
            s.method.clone(),
            s.body.clone(),
            s.idempotency,
            s.on_behalf_of,
        );
        let (sequence, errors) = (sequence.clone(), errors.clone());
        workers.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut sent: u32 = 0;
            while Instant::now() < deadline {
                let mut request = client.request(method.clone(), &url);
                let mut body = body.clone();
                if per_client {
                    let round = (sent / welfare_tests::NASPI_TERMINATIONS) as usize;
                    token = claimants.get(round).cloned();
                    body = Some(welfare_tests::naspi_application_n(
                        sent % welfare_tests::NASPI_TERMINATIONS,
                    ));
                    sent += 1;
                }
                if let Some(t) = &token {
                    request = request.bearer_auth(t);
                }
                if let Some(b) = &body {
                    request = request.json(b);
                }
                if let Some(who) = on_behalf_of {
                    request = request.header("On-Behalf-Of", who);
                }
                if idempotency {
                    request = request.header(
                        "Idempotency-Key",
                        format!("bench-{}", sequence.fetch_add(1, Ordering::Relaxed)),
                    );
                }
                let started = Instant::now();
                match request.send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        latencies.push(started.elapsed());
                    }
                    _ => {
                        errors.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for w in workers {
        all.extend(w.await.unwrap());
    }
    all.sort();
    let pct = |p: f64| {
        all.get(((all.len() as f64 * p) as usize).min(all.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    (
        all.len() as f64 / seconds as f64,
        pct(0.50),
        pct(0.99),
        errors.load(Ordering::Relaxed),
    )
}

/// The machine's cores, as every table's heading names them.
pub(crate) fn cores() -> usize {
    std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
}
