//! The read beside a component looping until its deadlines.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use welfare_tests::{MARIO, spawn_with};

use crate::load::run;
use crate::scenarios::*;

/// The authenticated read (a citizen's applications) alone, then while `concurrency` clients
/// loop on the fixture's endless route, whose calls each spin until the 2 s deadline: with the
/// fixture's default share of the pool (64 of 128) and with `[runtime.component_instances]
/// fixture = 4`. The read's errors column counts its refusals (503s): the bulkheads keep it 0.
pub(crate) async fn noisy_neighbour(seconds: u64, concurrency: usize) {
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
