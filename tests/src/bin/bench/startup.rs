//! Start-up with the compiled cache, and resident memory with many idle connections.

use std::time::Instant;

use welfare_tests::{MARIO, spawn_with};

use crate::scenarios::*;

/// Idle connections the memory figure holds open at once: the 1,000.
const IDLE_CONNECTIONS: usize = 1_000;

/// How long a start takes with the compiled components already cached (what a restart is:
/// the cache is the data directory's, kept across runs; here the harness's shared one, which
/// the runs above filled), from the call until a component answers an authenticated request;
/// and the process's resident memory before and while [`IDLE_CONNECTIONS`] keep-alive
/// connections are open, each having made one request. The process holds the gateway and its
/// clients both, so the figure is an upper bound for the gateway's own.
pub(crate) async fn startup_and_memory() {
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
pub(crate) fn resident_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}
