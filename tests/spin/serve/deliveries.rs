//! Event deliveries on Spin: a failed one retried and taking effect once, a trapping one
//! counted without holding up the others.

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use welfare_tests::MARIO;

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_retried_and_takes_effect_once() {
    let h = Hosts::start(&["fixture"]).await;
    let token = h.app.citizen(MARIO);
    let ping = answer(
        h.spin(Method::POST, "/api/v1/fixture/pings")
            .bearer_auth(&token)
            .json(&json!({ "fail_first": true })),
    )
    .await;
    assert_eq!(ping.status, 202, "{}", ping.body);
    let event = ping.body["event_id"].as_str().unwrap().to_string();
    let effects = format!("/api/v1/fixture/effects/{event}");
    let count = || async {
        answer(h.spin(Method::GET, &effects).bearer_auth(&token))
            .await
            .body["count"]
            .clone()
    };

    let first = h.deliver("fixture").await;
    assert_eq!(first.body["delivered"].as_str(), Some(event.as_str()));
    assert_eq!(first.body["outcome"], "failed");
    assert_eq!(count().await, 0, "the failed attempt's write was discarded");
    // Not due again before its backoff.
    assert_eq!(h.deliver("fixture").await.body["delivered"], Value::Null);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let second = h.deliver("fixture").await;
    assert_eq!(second.body["outcome"], "done", "{}", second.body);
    assert_eq!(count().await, 1);
    let (status, attempts): (String, i64) = h
        .spin
        .db()
        .query_row("SELECT status, attempts FROM deliveries", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("done", 2));
    let after = h.deliver("fixture").await;
    assert_eq!(
        (after.status, &after.body["delivered"]),
        (200, &Value::Null),
        "not delivered again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trapping_delivery_counts_and_does_not_hold_up_the_others() {
    let h = Hosts::start(&["fixture"]).await;
    let token = h.app.citizen(MARIO);
    let mut events = Vec::new();
    for ping in [json!({ "trap": true }), json!({})] {
        let sent = answer(
            h.spin(Method::POST, "/api/v1/fixture/pings")
                .bearer_auth(&token)
                .json(&ping),
        )
        .await;
        assert_eq!(sent.status, 202, "{}", sent.body);
        events.push(sent.body["event_id"].as_str().unwrap().to_string());
    }
    // The older event's consumer traps: the call fails, nothing of the attempt is kept...
    let trapped = h.deliver("fixture").await;
    assert_eq!(trapped.status, 500);
    // ...but the attempt counts, and the delivery is leased, so the next call delivers the
    // newer event.
    let next = h.deliver("fixture").await;
    assert_eq!(
        next.body["delivered"].as_str(),
        Some(events[1].as_str()),
        "{}",
        next.body
    );
    assert_eq!(next.body["outcome"], "done");
    let rows: Vec<(String, i64)> = {
        let db = h.spin.db();
        let mut stmt = db
            .prepare("SELECT status, attempts FROM deliveries ORDER BY event_seq")
            .unwrap();
        stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    assert_eq!(rows, [("pending".to_string(), 1), ("done".to_string(), 1)]);
    let effects = format!("/api/v1/fixture/effects/{}", events[0]);
    let count = answer(h.spin(Method::GET, &effects).bearer_auth(&token)).await;
    assert_eq!(
        count.body["count"], 0,
        "the trapped attempt's write was discarded"
    );
}
