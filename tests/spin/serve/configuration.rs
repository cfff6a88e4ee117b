//! A domain's configuration from Spin variables.

use reqwest::Method;
use serde_json::{Value, json};
use welfare_tests::MARIO;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_comes_from_spin_variables() {
    let path = format!("/api/v1/fixture/events/custom?subject={MARIO}");
    let body = json!({ "hello": "spin" });

    // The fixture's `publisher` key turns a route on: the application variable
    // `fixture_publisher`, which spin.toml passes to the fixture as `cfg_publisher`. Unset
    // (spin.toml's empty default), the route is off.
    let plain = Hosts::start(&["fixture"]).await;
    let token = plain.app.citizen(MARIO);
    let off = answer(
        plain
            .spin(Method::POST, &path)
            .bearer_auth(&token)
            .json(&body),
    )
    .await;
    assert_eq!(off.status, 404, "{}", off.body);

    let h = Hosts::start_with(&["fixture"], &[("fixture_publisher", "on")]).await;
    let token = h.app.citizen(MARIO);
    let on = answer(h.spin(Method::POST, &path).bearer_auth(&token).json(&body)).await;
    assert_eq!(on.status, 202, "{}", on.body);
    let (topic, subject, payload): (String, String, Vec<u8>) = h
        .spin
        .db()
        .query_row("SELECT topic, subject, payload FROM outbox", [], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .unwrap();
    assert_eq!(
        (topic.as_str(), subject.as_str()),
        ("fixture.custom", MARIO)
    );
    assert_eq!(serde_json::from_slice::<Value>(&payload).unwrap(), body);

    // The probe answers once the database does.
    let health = answer(h.spin(Method::GET, "/healthz")).await;
    assert_eq!(
        (health.status, &health.body),
        (200, &json!({ "status": "ok" }))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_the_routes_spin_toml_carries_nothing_is_served() {
    // The adapter routes by the `welfare_routes` variable `welfare-spin build` writes; a
    // component deployed without it (a hand-written spin.toml) serves nothing but the probe,
    // and says why, instead of guessing its routes.
    let dir = tempfile::tempdir().unwrap();
    let (engine, _) = welfare_tests::spin::artifacts();
    let route = welfare_tests::spin::host::Route {
        route: "/...".into(),
        component: welfare_tests::spin::artifact("income-support")
            .component
            .clone(),
        variables: std::sync::Arc::new(std::collections::HashMap::new()),
    };
    let spin = welfare_tests::spin::SpinHost::start(engine, vec![route], &dir.path().join("db"))
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let refused = answer(
        client
            .post(format!("{}{SIMULATION}", spin.base))
            .json(&json!({})),
    )
    .await;
    assert_eq!(refused.status, 500, "{}", refused.body);
    assert_eq!(
        refused.body["type"],
        "urn:welfare:problem:routes-not-configured"
    );
    let health = answer(client.get(format!("{}/healthz", spin.base))).await;
    assert_eq!(health.status, 200, "{}", health.body);
}
