//! The component scenarios on the Spin-like host of tests/spin.

use reqwest::Method;
use serde_json::json;
use welfare_tests::MARIO;

use crate::load::{Only, Scenario, run};
use crate::scenarios::*;

/// The gateway's component scenarios again, on the Spin-like host.
pub(crate) async fn on_spin(
    app: &welfare_tests::TestApp,
    seconds: u64,
    concurrency: usize,
    floor_rps: f64,
    only: &Only,
) {
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
        if !only.runs_on_spin(scenario.name) {
            continue;
        }
        let (rps, p50, p99, errors) = run(app, &spin.base, &scenario, seconds, concurrency).await;
        println!(
            "| {} | {rps:.0} | {:.2} | {p50:.2} | {p99:.2} | {errors} |",
            scenario.name,
            rps / floor_rps
        );
    }
}
