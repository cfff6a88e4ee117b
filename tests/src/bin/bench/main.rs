//! The benchmark: requests per second and p50/p99 latency of the real gateway, in process, over
//! loopback HTTP, each also as a ratio to the floor measured first in the same run by the same
//! client (a hello-world wasi:http component served as `wasmtime serve` serves it, a fresh
//! instance per request: `welfare_tests::floor`), for
//! - a platform route that runs no component (`/healthz`), and an authenticated one that reads
//!   the database but runs no component (dead letters), the baselines;
//! - an authenticated read through a fresh component instance and the store (list applications);
//! - a pure computation in a fresh instance (NASpI simulation);
//! - durable writes: a counter update (one commit) and an application submission (one commit
//!   with its idempotency record and its event, then the event's delivery: two fsyncs);
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
//! whose name has one of those texts, and with `spin` among them the Spin-like host's table,
//! nothing else: what a profiler is pointed at);
//! `-- startup` only the start-up and memory figures (also run last), `-- curve [SECONDS]` the
//! read and the durable application at 1, 8, 32, 128 and 1,000 connections (with the write's
//! mean commit batch; `ulimit -n` above 2,100),
//! `-- campaign [PEOPLE]` a campaign to a million people (or `PEOPLE`) with the memory it
//! holds, `-- campaigns` only the dispatch table (5,000 people, inbox and push),
//! `-- noisy-neighbour [SECONDS CONCURRENCY]` runs only the noisy-neighbour scenario, and
//! `-- SECONDS CONCURRENCY slow-clients` only the slow-client one. The process holds both ends
//! of every slow connection: `ulimit -n` must be above 1,100.
//!
//! # Layout
//! - this file: the modes and the main table;
//! - [`load`]: a scenario and the load that runs it;
//! - [`scenarios`]: the requests the scenarios send, and their data;
//! - [`curve`], [`startup`], [`slow_clients`], [`noisy`], [`campaign`], [`spin`]: the other
//!   measurements, one each.

mod campaign;
mod curve;
mod load;
mod noisy;
mod scenarios;
mod slow_clients;
mod spin;
mod startup;

use reqwest::Method;
use serde_json::json;
use welfare_tests::{MARIO, spawn_with};

use crate::load::{Only, Scenario, cores, run};
use crate::scenarios::*;

/// The allocator `welfare serve` runs with (gateway/src/main.rs says why).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() {
    let mut args: Vec<String> = std::env::args().collect();
    if args.get(1).is_some_and(|a| a == "startup") {
        return startup::startup_and_memory().await;
    }
    if args.get(1).is_some_and(|a| a == "curve") {
        let seconds = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(5);
        return curve::curve(seconds).await;
    }
    if args.get(1).is_some_and(|a| a == "campaigns") {
        return campaign::table().await;
    }
    if args.get(1).is_some_and(|a| a == "campaign") {
        let people = args
            .get(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(1_000_000);
        return campaign::large(people).await;
    }
    let only_noisy = args.get(1).is_some_and(|a| a == "noisy-neighbour");
    if only_noisy {
        args.remove(1);
    }
    let seconds: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(5);
    let concurrency: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(32);
    if only_noisy {
        return noisy::noisy_neighbour(seconds, concurrency).await;
    }
    if args.get(3).map(String::as_str) == Some("slow-clients") {
        slow_clients::slow_clients(seconds, concurrency).await;
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
        cores()
    );
    println!();
    println!("| scenario | requests/s | × floor | p50 ms | p99 ms | errors |");
    println!("|---|---:|---:|---:|---:|---:|");
    let (floor_rps, p50, p99, errors) = run(&app, &floor.base, &hello, seconds, concurrency).await;
    println!(
        "| {} | {floor_rps:.0} | 1.00 | {p50:.2} | {p99:.2} | {errors} |",
        hello.name
    );
    let only = Only::from_env();
    for scenario in scenarios {
        if !only.runs(scenario.name) {
            continue;
        }
        let (rps, p50, p99, errors) = run(&app, &app.base, &scenario, seconds, concurrency).await;
        println!(
            "| {} | {rps:.0} | {:.2} | {p50:.2} | {p99:.2} | {errors} |",
            scenario.name,
            rps / floor_rps
        );
    }
    if only.is_set() {
        if only.spin() {
            spin::on_spin(&app, seconds, concurrency, floor_rps, &only).await;
        }
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
    spin::on_spin(&app, seconds, concurrency, floor_rps, &only).await;
    app.stop().await;
    noisy::noisy_neighbour(seconds, concurrency).await;
    campaign::table().await;
    slow_clients::slow_clients(seconds, concurrency).await;
    startup::startup_and_memory().await;
}
