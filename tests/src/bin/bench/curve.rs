//! How cost grows with load: the read and the write at several connection counts, with the commit batches.

use welfare_tests::{MARIO, spawn_with};

use crate::load::{cores, run};
use crate::scenarios::*;

/// The connection counts [`curve`] measures at.
const CURVE: [usize; 5] = [1, 8, 32, 128, 1_000];

/// How cost grows with load: the authenticated read and the durable application at each of
/// [`CURVE`]'s connection counts, with the write's mean group-commit batch (the store's jobs per
/// commit, from `/metrics`, over the scenario).
pub(crate) async fn curve(seconds: u64) {
    println!("{seconds} s per row, {} cores", cores());
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

/// The store's `(commits, jobs)` so far, from `/metrics`.
pub(crate) async fn commit_counts(app: &welfare_tests::TestApp) -> (u64, u64) {
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
