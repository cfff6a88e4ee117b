//! A handler that fails after writing leaves no document and no event behind: its writes and
//! its outbox rows commit only with a successful response.

use serde_json::json;
use welfare_tests::{MARIO, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failing_after_writing_leaves_nothing() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    for (mode, status) in [("500", 500), ("trap", 500)] {
        let (got, body) = app
            .post(
                &format!("/api/v1/fixture/fail-after-write?mode={mode}"),
                &token,
                &json!({}),
            )
            .await;
        assert_eq!(got, status, "{mode}: {body}");
        let (found, _) = app
            .get("/api/v1/fixture/docs/written-before-failure", &token)
            .await;
        assert_eq!(found, 404, "{mode}: the document must not exist");
    }
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);
    assert_eq!(app.count("SELECT count(*) FROM deliveries"), 0);

    // The control: a successful write is there, with its version.
    let (status, body) = app
        .post("/api/v1/fixture/counters/c", &token, &json!({}))
        .await;
    assert_eq!((status, body["count"].as_i64()), (200, Some(1)));
    let (_, doc) = app.get("/api/v1/fixture/docs/c", &token).await;
    assert_eq!(doc["version"], 1);
    app.post("/api/v1/fixture/counters/c", &token, &json!({}))
        .await;
    let (_, doc) = app.get("/api/v1/fixture/docs/c", &token).await;
    assert_eq!(
        (doc["value"]["count"].as_i64(), doc["version"].as_i64()),
        (Some(2), Some(2))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_never_lose_an_update() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    // 40 increments of one counter from 8 concurrent clients; a conflict is answered 409 and
    // retried by the client, as the API tells it to.
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let client = app.client.clone();
        let url = format!("{}/api/v1/fixture/counters/shared", app.base);
        let token = token.clone();
        tasks.push(tokio::spawn(async move {
            let mut conflicts = 0;
            let mut done = 0;
            while done < 5 {
                let status = client
                    .post(&url)
                    .bearer_auth(&token)
                    .json(&json!({}))
                    .send()
                    .await
                    .unwrap()
                    .status();
                match status.as_u16() {
                    200 => done += 1,
                    409 => conflicts += 1,
                    other => panic!("unexpected {other}"),
                }
            }
            conflicts
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let (_, doc) = app.get("/api/v1/fixture/docs/shared", &token).await;
    assert_eq!(
        doc["value"]["count"], 40,
        "every acknowledged increment is there, once"
    );
    assert_eq!(doc["version"], 40);
}
