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
