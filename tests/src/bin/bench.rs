//! The benchmark: requests per second and p50/p99 latency of the real gateway, in process, over
//! loopback HTTP, each also as a ratio to the floor measured first in the same run by the same
//! client (a hello-world wasi:http component served as `wasmtime serve` serves it, a fresh
//! instance per request: `welfare_tests::floor`), for
//! - a platform route that runs no component (`/healthz`), and an authenticated one that reads
//!   the database but runs no component (dead letters), the baselines;
//! - an authenticated read through a fresh component instance and the store (list applications);
//! - a pure computation in a fresh instance (NASpI simulation);
//! - durable writes: a counter update (one commit) and an application submission (idempotency
//!   claim + commit with its event: two fsyncs);
//! - the knowledge base's search (no login, fresh instance, the index compiled into the
//!   component): an everyday query with a synonym, and a typo that scans the vocabulary; also
//!   with one client alone, for the latency a citizen sees;
//! - campaign dispatch: a campaign to 5,000 people, from its creation until every message is
//!   delivered, to the app inbox and to a local push webhook (messages per second and per
//!   hour, against seed 000's 2,800 contacts an hour per server);
//! - noisy neighbour: the authenticated read alone, then while as many clients loop on the
//!   misbehaving fixture's endless route (each call spins until its deadline), with the
//!   fixture's default share of the instance pool and with a share of 4;
//! - the same reads and writes on the Spin-like host of `tests/spin` (the domains composed with
//!   the spin-sdk adapters, each request a fresh instance of the composition, SQLite through
//!   Spin's one-statement-per-call interface): what the adapters cost, not what a real Spin
//!   host's own HTTP stack does;
//! - slow clients: the authenticated read again, alone and then beside 500 slow clients that
//!   hold connections open (trickling a head, or an authenticated body), reconnecting whenever
//!   the gateway closes them, under the default deadlines.
//!
//! Run with `cargo run --release -p welfare-tests --bin bench [-- SECONDS CONCURRENCY]`
//! (`BENCH_ONLY=<text>|<text>` in the environment: the floor and the main table's scenarios
//! whose name has one of those texts, nothing else: what a profiler is pointed at);
//! `-- startup` only the start-up and memory figures (also run last), `-- curve [SECONDS]` the
//! read and the durable application at 1, 8, 32, 128 and 1,000 connections (with the write's
//! mean commit batch; `ulimit -n` above 2,100),
//! `-- noisy-neighbour [SECONDS CONCURRENCY]` runs only the noisy-neighbour scenario, and
//! `-- SECONDS CONCURRENCY slow-clients` only the slow-client one. The process holds both ends
//! of every slow connection: `ulimit -n` must be above 1,100.

use std::sync::Arc;

/// The allocator `welfare serve` runs with (gateway/src/main.rs says why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use reqwest::Method;
use serde_json::json;
use welfare_gateway::config::WebhookChannelConfig;
use welfare_tests::webhook::WebhookReceiver;
use welfare_tests::{MARIO, spawn_with, synthetic_fiscal_code};

/// People a dispatch benchmark's campaign reaches.
const CAMPAIGN_PEOPLE: u32 = 5_000;

/// Connections the slow-client scenario holds open at once: what the issue asks the gateway
/// to withstand.
const SLOW_CLIENTS: usize = 500;

/// A slow client's pace, one byte each: slower than anyone sends, faster than the idle
/// deadline, so only the head and body deadlines close them.
const SLOW_TRICKLE_EVERY: Duration = Duration::from_millis(500);

struct Scenario {
    name: &'static str,
    method: Method,
    path: &'static str,
    token: Option<String>,
    body: Option<serde_json::Value>,
    idempotency: bool,
    /// The person an intermediary acts for.
    on_behalf_of: Option<&'static str>,
    /// Each client as its own citizen, filing a new NASpI claim each time: a person's own writes
    /// are serialised (a per-person guard document keeps new work away from the deceased), so
    /// many clients as one person would measure their conflicts, not the platform; and one
    /// person claims once per termination, so every request names another termination (a
    /// client moves to a new citizen after `NASPI_TERMINATIONS` of them).
    citizen_per_client: bool,
}

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "startup") {
        return startup_and_memory().await;
    }
    if args.get(1).is_some_and(|a| a == "curve") {
        let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
        return curve(seconds).await;
    }
    let only_noisy = args.get(1).is_some_and(|a| a == "noisy-neighbour");
    if only_noisy {
        args.remove(1);
    }
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(32);
    if only_noisy {
        return noisy_neighbour(seconds, concurrency).await;
    }
    if args.get(3).map(String::as_str) == Some("slow-clients") {
        slow_clients(seconds, concurrency).await;
        return;
    }
    let app = spawn_with(|c| {
        c.runtime.request_timeout_ms = 2_000;
        c.runtime.max_concurrent_instances = 128;
    })
    .await;
    let citizen = app.citizen(MARIO);
    let operator = app.operator("platform-operator");
    seed_applications(&app, &citizen).await;
    let caf = app.intermediary("caf-bench");
    let (status, _) = app
        .post_idem(
            "/api/v1/me/delegations",
            &citizen,
            "bench-delegation",
            &json!({ "intermediary_org": "caf-bench", "scopes": ["income-support:read"],
                     "expires_at": (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(24)).to_string() }),
        )
        .await;
    assert_eq!(status, 201, "the bench's delegation");
    // The floor: hello world on a host that serves it as `wasmtime serve` does, measured in
    // this run by the same client; every scenario's figure is also given as a ratio to it.
    let floor = welfare_tests::floor::FloorHost::start()
        .await
        .expect("the floor host");
    let hello = Scenario {
        name: "floor: hello-world wasi:http, fresh instance (as wasmtime serve)",
        method: Method::GET,
        path: "/",
        token: None,
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    };
    let scenarios = vec![
        Scenario {
            name: "GET /healthz (no component, no auth)",
            method: Method::GET,
            path: "/healthz",
            token: None,
            body: None,
            idempotency: false,
            on_behalf_of: None,
            citizen_per_client: false,
        },
        Scenario {
            name: "GET dead letters (auth + DB read, no component)",
            method: Method::GET,
            path: "/api/v1/admin/dead-letters",
            token: Some(operator),
            body: None,
            idempotency: false,
            on_behalf_of: None,
            citizen_per_client: false,
        },
        Scenario {
            name: "GET applications (auth + fresh instance + store read)",
            method: Method::GET,
            path: "/api/v1/income-support/applications?limit=10",
            token: Some(citizen.clone()),
            body: None,
            idempotency: false,
            on_behalf_of: None,
            citizen_per_client: false,
        },
        Scenario {
            name: "POST NASpI simulation (fresh instance, no store)",
            method: Method::POST,
            path: "/api/v1/income-support/naspi/simulations",
            token: Some(citizen.clone()),
            body: Some(simulation()),
            idempotency: false,
            on_behalf_of: None,
            citizen_per_client: false,
        },
        Scenario {
            name: "POST counter (durable write, one commit)",
            method: Method::POST,
            path: "/api/v1/fixture/counters/bench",
            token: Some(citizen.clone()),
            body: Some(json!({})),
            idempotency: false,
            on_behalf_of: None,
            citizen_per_client: false,
        },
        applications_write(
            "POST application (durable write + event + idempotency), a citizen per client",
            &citizen,
        ),
        Scenario {
            name: "GET applications as a CAF under a delegation (+ delegation read, audit write)",
            method: Method::GET,
            path: "/api/v1/income-support/applications?limit=10",
            token: Some(caf),
            body: None,
            idempotency: false,
            on_behalf_of: Some(MARIO),
            citizen_per_client: false,
        },
        Scenario {
            name: "GET /api/v1/me (every domain's summary, each in its own instance)",
            method: Method::GET,
            path: "/api/v1/me",
            token: Some(citizen.clone()),
            body: None,
            idempotency: false,
            on_behalf_of: None,
            citizen_per_client: false,
        },
        search_everyday(),
        search_typo(),
    ];
    println!(
        "{seconds} s per scenario, {concurrency} concurrent clients, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!("| scenario | requests/s | × floor | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (floor_rps, p50, p99, errors) = run(&app, &floor.base, &hello, seconds, concurrency).await;
    println!(
        "| {} | {floor_rps:.0} | 1.00 | {p50:.2} | {p99:.2} | {errors} |",
        hello.name
    );
    // `BENCH_ONLY=<text>[|<text>…]`: only the scenarios whose name has one of them, then stop
    // (what a profiler is pointed at).
    let only = std::env::var("BENCH_ONLY").ok();
    for scenario in scenarios {
        if only
            .as_deref()
            .is_some_and(|o| !o.split('|').any(|o| scenario.name.contains(o)))
        {
            continue;
        }
        let (rps, p50, p99, errors) = run(&app, &app.base, &scenario, seconds, concurrency).await;
        println!(
            "| {} | {rps:.0} | {:.2} | {p50:.2} | {p99:.2} | {errors} |",
            scenario.name,
            rps / floor_rps
        );
    }
    if only.is_some() {
        app.stop().await;
        return;
    }
    println!();
    println!("Search latency with one client (what a citizen waits for):");
    println!();
    println!("| scenario | requests/s | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|");
    for scenario in [search_everyday(), search_typo()] {
        let (rps, p50, p99, errors) = run(&app, &app.base, &scenario, seconds, 1).await;
        println!(
            "| {} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} |",
            scenario.name
        );
    }
    on_spin(&app, seconds, concurrency, floor_rps).await;
    app.stop().await;
    noisy_neighbour(seconds, concurrency).await;
    println!();
    println!(
        "Campaign dispatch ({CAMPAIGN_PEOPLE} people, one message each, every attempt durable):"
    );
    println!();
    println!("| channel | seconds | messages/s | messages/hour |");
    println!("|---|---:|---:|---:|");
    for channel in ["inbox", "push"] {
        let secs = campaign_dispatch(channel).await;
        let rate = f64::from(CAMPAIGN_PEOPLE) / secs;
        println!(
            "| {channel} | {secs:.1} | {rate:.0} | {:.0} |",
            rate * 3600.0
        );
    }
    slow_clients(seconds, concurrency).await;
    startup_and_memory().await;
}

/// More durable applications a second than the bench could see on one machine: what the
/// tokens of a client's citizens are minted for.
const MOST_WRITES_PER_SECOND: u64 = 10_000;

/// The connection counts [`curve`] measures at.
const CURVE: [usize; 5] = [1, 8, 32, 128, 1_000];

/// How cost grows with load: the authenticated read and the durable application at each of
/// [`CURVE`]'s connection counts, with the write's mean group-commit batch (the store's jobs per
/// commit, from `/metrics`, over the scenario).
async fn curve(seconds: u64) {
    println!(
        "{seconds} s per row, {} cores",
        std::thread::available_parallelism()
            .map(|n| n.get())
            .unwrap_or(1)
    );
    println!();
    println!(
        "| connections | read req/s | read p50 ms | read p99 ms | write req/s | write p50 ms | write p99 ms | jobs per commit | errors |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for connections in CURVE {
        // A platform of its own for each row: the write's citizens (a claim per person and
        // termination) are numbered by client, so a second row on the same database would
        // file their claims again.
        let app = spawn_with(|c| {
            c.runtime.request_timeout_ms = 2_000;
            c.http.max_connections = 2_048;
        })
        .await;
        let citizen = app.citizen(MARIO);
        let read = applications_read(&app, &citizen, "GET applications").await;
        let write = applications_write("POST application, a citizen per client", &citizen);
        let (r_rps, r_p50, r_p99, r_err) = run(&app, &app.base, &read, seconds, connections).await;
        let before = commit_counts(&app).await;
        let (w_rps, w_p50, w_p99, w_err) = run(&app, &app.base, &write, seconds, connections).await;
        let after = commit_counts(&app).await;
        let batch = (after.1 - before.1) as f64 / (after.0 - before.0).max(1) as f64;
        println!(
            "| {connections} | {r_rps:.0} | {r_p50:.2} | {r_p99:.2} | {w_rps:.0} | {w_p50:.2} | {w_p99:.2} | {batch:.1} | {} |",
            r_err + w_err
        );
        app.stop().await;
    }
}

/// The durable NASpI application, each client as citizens of its own ([`Scenario`] says why).
fn applications_write(name: &'static str, citizen: &str) -> Scenario {
    Scenario {
        name,
        method: Method::POST,
        path: "/api/v1/income-support/applications",
        token: Some(citizen.to_string()),
        body: Some(application()),
        idempotency: true,
        on_behalf_of: None,
        citizen_per_client: true,
    }
}

/// The store's `(commits, jobs)` so far, from `/metrics`.
async fn commit_counts(app: &welfare_tests::TestApp) -> (u64, u64) {
    let text = app.metrics().await;
    let value = |name: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse::<u64>().ok())
            .unwrap_or(0)
    };
    (
        value("welfare_store_commits_total"),
        value("welfare_store_committed_jobs_total"),
    )
}

/// Idle connections the memory figure holds open at once: the 1,000.
const IDLE_CONNECTIONS: usize = 1_000;

/// How long a start takes with the compiled components already cached (what a restart is:
/// the cache is the data directory's, kept across runs; here the harness's shared one, which
/// the runs above filled), from the call until a component answers an authenticated request;
/// and the process's resident memory before and while [`IDLE_CONNECTIONS`] keep-alive
/// connections are open, each having made one request. The process holds the gateway and its
/// clients both, so the figure is an upper bound for the gateway's own.
async fn startup_and_memory() {
    let started = Instant::now();
    let app = spawn_with(|c| {
        c.http.max_connections = 2_048;
    })
    .await;
    let token = app.citizen(MARIO);
    let (status, _) = app
        .post(
            "/api/v1/income-support/naspi/simulations",
            &token,
            &simulation(),
        )
        .await;
    assert_eq!(status, 200, "the first simulation after the start");
    let ready = started.elapsed();
    let before = resident_mib();
    let mut held = Vec::with_capacity(IDLE_CONNECTIONS);
    for _ in 0..IDLE_CONNECTIONS {
        // A client each: its own connection, kept alive after its one request.
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(1)
            .build()
            .expect("a client");
        let response = client
            .get(format!("{}/healthz", app.base))
            .send()
            .await
            .expect("a request on a new connection");
        assert!(response.status().is_success());
        held.push(client);
    }
    let open = resident_mib();
    println!();
    println!("Start-up with the compiled components cached, and memory:");
    println!();
    println!("| measure | value |");
    println!("|---|---:|");
    println!(
        "| start until a component answers an authenticated request | {} ms |",
        ready.as_millis()
    );
    println!("| resident memory, gateway and bench, idle | {before:.0} MiB |");
    println!("| the same with {IDLE_CONNECTIONS} keep-alive connections open | {open:.0} MiB |");
    drop(held);
    app.stop().await;
}

/// This process's resident set (`VmRSS`), in MiB.
fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// The authenticated read (a citizen's applications) alone, then while [`SLOW_CLIENTS`] slow
/// clients hold connections (half trickle a request head, half send an authenticated head
/// and trickle its body; each reconnects when the gateway closes it), then alone again. The deadlines are the
/// defaults; `max_connections` is raised so that the slow and the measured clients all fit.
async fn slow_clients(seconds: u64, concurrency: usize) {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    let app = spawn_with(|c| {
        c.runtime.request_timeout_ms = 2_000;
        c.runtime.max_concurrent_instances = 128;
        c.http.max_connections = 2_048;
    })
    .await;
    let citizen = app.citizen(MARIO);
    let read = applications_read(&app, &citizen, "GET applications").await;
    let address: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ").into_bytes();
    let body = format!(
        "POST /api/v1/income-support/naspi/simulations HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {citizen}\r\nContent-Type: application/json\r\n\
         Content-Length: 100000\r\n\r\n{{"
    )
    .into_bytes();
    println!();
    println!(
        "{} with and without {SLOW_CLIENTS} slow clients ({seconds} s, {concurrency} clients, default deadlines):",
        read.name
    );
    println!();
    println!(
        "| slow clients | requests/s | p50 ms | p99 ms | errors | slow connections closed by the gateway |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
    println!("| 0 | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | |");

    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let mut holders = Vec::new();
    for i in 0..SLOW_CLIENTS {
        let opening = if i % 2 == 0 {
            head.clone()
        } else {
            body.clone()
        };
        let (stop, open, closed) = (stop.clone(), open.clone(), closed.clone());
        holders.push(tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                if stream.write_all(&opening).await.is_err() {
                    continue;
                }
                open.fetch_add(1, Ordering::Relaxed);
                let (mut reader, mut writer) = stream.split();
                let mut buf = [0u8; 1024];
                while !stop.load(Ordering::Relaxed) {
                    tokio::select! {
                        read = reader.read(&mut buf) => {
                            if matches!(read, Ok(0) | Err(_)) {
                                closed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                        () = tokio::time::sleep(SLOW_TRICKLE_EVERY) => {
                            if writer.write_all(b"a").await.is_err() {
                                closed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
                open.fetch_sub(1, Ordering::Relaxed);
            }
        }));
    }
    while open.load(Ordering::Relaxed) < SLOW_CLIENTS {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = closed.load(Ordering::Relaxed);
    let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
    let during = closed.load(Ordering::Relaxed) - before;
    println!("| {SLOW_CLIENTS} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | {during} |");
    stop.store(true, Ordering::Relaxed);
    for holder in holders {
        holder.abort();
    }
    // Once more alone: how much the two rows differ by the machine's own noise.
    let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
    println!("| 0, again | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | |");
    app.stop().await;
}

/// The authenticated read (a citizen's applications) alone, then while `concurrency` clients
/// loop on the fixture's endless route, whose calls each spin until the 2 s deadline: with the
/// fixture's default share of the pool (64 of 128) and with `[runtime.component_instances]
/// fixture = 4`. The read's errors column counts its refusals (503s): the bulkheads keep it 0.
async fn noisy_neighbour(seconds: u64, concurrency: usize) {
    println!();
    println!(
        "Noisy neighbour: the read beside {concurrency} clients looping on the fixture's endless route:"
    );
    println!();
    println!(
        "| read of applications | requests/s | p50 ms | p99 ms | errors | looping calls stopped at the deadline | looping calls refused (overloaded) |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for fixture_share in [None, Some(4)] {
        let app = spawn_with(|c| {
            c.runtime.request_timeout_ms = 2_000;
            c.runtime.max_concurrent_instances = 128;
            if let Some(share) = fixture_share {
                c.runtime
                    .component_instances
                    .insert("fixture".into(), share);
            }
        })
        .await;
        let citizen = app.citizen(MARIO);
        let read = applications_read(&app, &citizen, "").await;
        if fixture_share.is_none() {
            let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
            println!("| alone | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | | |");
        }
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let loopers: Vec<_> = (0..concurrency)
            .map(|_| {
                let (client, url, token, stop) = (
                    app.client.clone(),
                    format!("{}/api/v1/fixture/loop", app.base),
                    citizen.clone(),
                    stop.clone(),
                );
                tokio::spawn(async move {
                    let (mut stopped, mut refused) = (0u64, 0u64);
                    while !stop.load(Ordering::Relaxed) {
                        let Ok(r) = client.get(&url).bearer_auth(&token).send().await else {
                            continue;
                        };
                        let body = r.text().await.unwrap_or_default();
                        if body.contains("component-timeout") {
                            stopped += 1;
                        } else if body.contains("overloaded") {
                            refused += 1;
                        }
                    }
                    (stopped, refused)
                })
            })
            .collect();
        // Let every looping client's first call take its instance.
        tokio::time::sleep(Duration::from_millis(500)).await;
        let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
        stop.store(true, Ordering::Relaxed);
        let (mut stopped, mut refused) = (0, 0);
        for l in loopers {
            let (s, r) = l.await.unwrap();
            stopped += s;
            refused += r;
        }
        let share = match fixture_share {
            None => "the fixture's default share (64)".to_string(),
            Some(n) => format!("`fixture = {n}`"),
        };
        println!(
            "| beside the looping clients, {share} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | {stopped} | {refused} |"
        );
        app.stop().await;
    }
}

/// Seconds from a campaign's creation to its completion, every person preferring `channel`
/// (`inbox`, or `push` through a local webhook receiver that accepts everything).
async fn campaign_dispatch(channel: &str) -> f64 {
    let receiver = WebhookReceiver::accepting().await;
    let url = receiver.url("push");
    let app = spawn_with(move |c| {
        c.runtime.max_concurrent_instances = 128;
        c.channels.push = Some(WebhookChannelConfig {
            url: url.into(),
            bearer_token: None,
        });
    })
    .await;
    let app = &app;
    futures::stream::iter(0..CAMPAIGN_PEOPLE)
        .map(|i| async move {
            let token = app.citizen(&synthetic_fiscal_code(i));
            let body = json!({ "preferred_channel": channel, "push_token": format!("bench-push-token-{i:08}") });
            app.put("/api/v1/notifications/preferences", &token, &body).await;
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    let manager = app.operator("campaign-manager");
    let started = Instant::now();
    let (status, created) = app
        .post_idem(
            "/api/v1/notifications/campaigns",
            &manager,
            "bench",
            &json!({
                "name": "Benchmark",
                "service": "information",
                "template": {
                    "subject": "Nuovi servizi INPS online",
                    "body": "Da oggi puoi prenotare online un appuntamento con gli esperti della tua sede regionale, dalla tua area MyINPS."
                },
                "windows": [{ "from": "00:00", "to": "24:00" }],
                "max_attempts": 3,
                "rate_per_minute": 600000
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let url = format!(
        "/api/v1/notifications/campaigns/{}",
        created["id"].as_str().unwrap()
    );
    loop {
        let (_, progress) = app.get(&url, &manager).await;
        if progress["status"] == "completed" {
            assert_eq!(progress["progress"]["reached"], CAMPAIGN_PEOPLE);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed().as_secs_f64()
}

fn search_everyday() -> Scenario {
    Scenario {
        name: "GET FAQ search, everyday words and a synonym (no login)",
        method: Method::GET,
        path: "/api/v1/faq/search?q=assegno%20per%20i%20figli%20quanto%20spetta",
        token: None,
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    }
}

fn search_typo() -> Scenario {
    Scenario {
        name: "GET FAQ search, a typo corrected (no login)",
        method: Method::GET,
        path: "/api/v1/faq/search?q=indennita%20di%20disocupazione",
        token: None,
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    }
}

/// Twenty applications of `citizen`'s, so that reading them reads something.
async fn seed_applications(app: &welfare_tests::TestApp, citizen: &str) {
    for i in 0..20 {
        app.post_idem(
            "/api/v1/income-support/applications",
            citizen,
            &format!("seed-{i}"),
            &welfare_tests::naspi_application_n(i),
        )
        .await;
    }
}

/// The authenticated read the connection and neighbour scenarios measure: `citizen`'s
/// applications, ten of the twenty it seeds.
async fn applications_read(
    app: &welfare_tests::TestApp,
    citizen: &str,
    name: &'static str,
) -> Scenario {
    seed_applications(app, citizen).await;
    Scenario {
        name,
        method: Method::GET,
        path: "/api/v1/income-support/applications?limit=10",
        token: Some(citizen.to_string()),
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    }
}

/// The gateway's component scenarios again, on the Spin-like host.
async fn on_spin(app: &welfare_tests::TestApp, seconds: u64, concurrency: usize, floor_rps: f64) {
    let dir = tempfile::tempdir().unwrap();
    let spin =
        welfare_tests::spin::spin_host(app, &["income-support", "fixture"], dir.path()).await;
    let citizen = app.citizen(MARIO);
    for i in 0..20 {
        let response = app
            .client
            .post(format!("{}/api/v1/income-support/applications", spin.base))
            .bearer_auth(&citizen)
            .header("Idempotency-Key", format!("seed-{i}"))
            .json(&welfare_tests::naspi_application_n(i))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 201, "seeding the Spin host");
    }
    let scenario =
        |name, method, path, body: Option<serde_json::Value>, idempotency, per_client| Scenario {
            name,
            method,
            path,
            token: Some(citizen.clone()),
            body,
            idempotency,
            on_behalf_of: None,
            citizen_per_client: per_client,
        };
    let scenarios = [
        Scenario {
            token: None,
            ..scenario(
                "GET /healthz (one database query)",
                Method::GET,
                "/healthz",
                None,
                false,
                false,
            )
        },
        scenario(
            "GET applications (auth + fresh composition + store read)",
            Method::GET,
            "/api/v1/income-support/applications?limit=10",
            None,
            false,
            false,
        ),
        scenario(
            "POST NASpI simulation (fresh composition, no store)",
            Method::POST,
            "/api/v1/income-support/naspi/simulations",
            Some(simulation()),
            false,
            false,
        ),
        scenario(
            "POST counter (durable write, one-statement commit)",
            Method::POST,
            "/api/v1/fixture/counters/bench",
            Some(json!({})),
            false,
            false,
        ),
        scenario(
            "POST application (write + event + idempotency), a citizen per client",
            Method::POST,
            "/api/v1/income-support/applications",
            Some(application()),
            true,
            true,
        ),
    ];
    println!();
    println!("The same on the Spin-like host of tests/spin (spin-sdk adapters, Spin SQLite):");
    println!();
    println!("| scenario | requests/s | × floor | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    for scenario in scenarios {
        let (rps, p50, p99, errors) = run(app, &spin.base, &scenario, seconds, concurrency).await;
        println!(
            "| {} | {rps:.0} | {:.2} | {p50:.2} | {p99:.2} | {errors} |",
            scenario.name,
            rps / floor_rps
        );
    }
}

async fn run(
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

fn simulation() -> serde_json::Value {
    json!({
        "year": 2026, "termination_date": "2026-01-15", "claim_date": "2026-01-20",
        "termination_reason": "dismissal", "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200, "age": 40,
    })
}

fn application() -> serde_json::Value {
    welfare_tests::naspi_application()
}
