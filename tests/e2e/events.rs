//! Events reach their subscribers with exactly one effect, even when the first delivery fails
//! or meets a concurrent write; deliveries that keep failing become dead letters an operator can
//! list and replay.

use std::time::Duration;

use serde_json::{Value, json};
use welfare_tests::{MARIO, TestApp, spawn_app};

/// Publishes `fixture.pinged` with `ping` (how its delivery behaves); the event's id.
async fn ping(app: &TestApp, token: &str, ping: Value) -> String {
    let (status, body) = app.post("/api/v1/fixture/pings", token, &ping).await;
    assert_eq!(status, 202, "{body}");
    body["event_id"].as_str().unwrap().to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_effect_despite_a_failed_first_attempt() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let event = ping(&app, &token, json!({ "fail_first": true })).await;

    let attempts: i64 = app
        .eventually(Duration::from_secs(10), || async {
            let row: Option<(String, i64)> = app
                .query("SELECT status, attempts FROM deliveries")
                .first()
                .map(|r| (r.text(0), r.int(1)));
            row.filter(|(status, _)| status == "done")
                .map(|(_, attempts)| attempts)
        })
        .await;
    assert_eq!(
        attempts, 2,
        "the first attempt failed, the second succeeded"
    );
    // The failed attempt's write was discarded: the effect happened once.
    let (_, effects) = app
        .get(&format!("/api/v1/fixture/effects/{event}"), &token)
        .await;
    assert_eq!(effects["count"], 1);
    // And it stays once: nothing delivers a processed event again.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let (_, effects) = app
        .get(&format!("/api/v1/fixture/effects/{event}"), &token)
        .await;
    assert_eq!(effects["count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_letters_can_be_listed_and_replayed() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let operator = app.operator("platform-operator");
    let event = ping(&app, &token, json!({ "fail_always": true })).await;

    let letters = app
        .eventually(Duration::from_secs(10), || async {
            let (_, list) = app.get("/api/v1/admin/dead-letters", &operator).await;
            let items = list["items"].as_array().cloned().unwrap_or_default();
            (!items.is_empty()).then_some(items)
        })
        .await;
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0]["event_id"], event.as_str());
    assert_eq!(letters[0]["consumer"], "fixture");
    assert_eq!(
        letters[0]["attempts"], 3,
        "max_attempts in the test configuration"
    );
    assert!(
        letters[0]["last_error"]
            .as_str()
            .unwrap()
            .contains("on purpose")
    );

    let auditor = app.operator("auditor");
    let (status, _) = app.get("/api/v1/admin/dead-letters", &auditor).await;
    assert_eq!(status, 200, "auditors may read");
    let replay = format!("/api/v1/admin/dead-letters/{event}/fixture/replay");
    let (status, _) = app.post(&replay, &auditor, &json!({})).await;
    assert_eq!(status, 403, "but not replay");
    let (status, _) = app.post(&replay, &operator, &json!({})).await;
    assert_eq!(status, 202);
    let (status, _) = app
        .post(
            "/api/v1/admin/dead-letters/evt_none/fixture/replay",
            &operator,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404);
    // Replayed, it fails three more times and is dead again.
    app.eventually(Duration::from_secs(10), || async {
        let attempts: i64 = app
            .query("SELECT attempts FROM deliveries WHERE status = 'dead'")
            .first()?
            .int(0);
        let total = app.count("SELECT count(*) FROM deliveries WHERE status = 'dead'");
        (attempts == 3 && total == 1).then_some(())
    })
    .await;
    let (_, effects) = app
        .get(&format!("/api/v1/fixture/effects/{event}"), &token)
        .await;
    assert_eq!(effects["count"], 0, "no failed attempt left an effect");
}

/// A delivery that meets a document changed since its handler read it (here the store refuses
/// the handler's write, and the handler fails) runs again at once, reading the newer state,
/// without spending an attempt: its effect and the concurrent write both count, and the
/// delivery is done at its first attempt.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_that_meets_a_concurrent_write_reruns_without_spending_an_attempt() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    // The delivery reads docs/shared, then holds it 600 ms (inside the tests' 1 s deadline)
    // before writing it back with one added.
    ping(&app, &token, json!({ "bump": "shared", "hold_ms": 600 })).await;
    // Claimed: the claim moved the delivery its 30 s lease ahead, and its run starts at once.
    app.eventually(Duration::from_secs(10), || async {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis() as i64;
        app.query("SELECT next_attempt_at FROM deliveries")
            .first()
            .filter(|r| r.int(0) > now_ms + 10_000)
            .map(|_| ())
    })
    .await;
    // While the delivery holds what it read, the same document is written by a request.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (status, bumped) = app
        .post("/api/v1/fixture/counters/shared", &token, &json!({}))
        .await;
    assert_eq!(status, 200, "{bumped}");
    assert_eq!(bumped["count"], 1, "the request wrote first");

    let attempts: i64 = app
        .eventually(Duration::from_secs(10), || async {
            app.query("SELECT status, attempts FROM deliveries")
                .first()
                .filter(|r| r.text(0) == "done")
                .map(|r| r.int(1))
        })
        .await;
    assert_eq!(
        attempts, 1,
        "the conflict did not count as a failed attempt"
    );
    // The request's one and the delivery's one, which it added to what the request wrote.
    let (_, doc) = app.get("/api/v1/fixture/docs/shared", &token).await;
    assert_eq!(doc["value"]["count"], 2, "{doc}");
    let metrics = app.metrics().await;
    assert!(
        metrics
            .contains("welfare_event_deliveries_total{component=\"fixture\",outcome=\"rerun\"} 1"),
        "one rerun: {metrics}"
    );
}
