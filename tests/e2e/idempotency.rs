//! `Idempotency-Key`: a retry returns the saved response and creates nothing new; reuse for
//! another request is refused; a concurrent duplicate is refused while the first runs; keys are
//! scoped to the caller.

use reqwest::Method;
use serde_json::json;
use welfare_tests::{LAURA, MARIO, send, spawn_app};

use welfare_tests::naspi_application;

const PATH: &str = "/api/v1/income-support/applications";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_returns_the_same_application() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let (s1, first) = app
        .post_idem(PATH, &mario, "same-key", &naspi_application())
        .await;
    let response = app
        .request(Method::POST, PATH, Some(&mario))
        .header("Idempotency-Key", "same-key")
        .json(&naspi_application())
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["idempotent-replayed"], "true");
    assert_eq!(
        response.headers()["location"],
        format!("{PATH}/{}", first["id"].as_str().unwrap())
    );
    let s2 = response.status().as_u16();
    let second: serde_json::Value = response.json().await.unwrap();
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first, second);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM documents WHERE domain = 'income-support' AND key LIKE 'applications/%'"
        ),
        1
    );
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 1);

    // The same key with another body is a client error, and changes nothing.
    let documents = app.count("SELECT count(*) FROM documents");
    let mut other = naspi_application();
    other["age"] = json!(41);
    let (status, out) = app.post_idem(PATH, &mario, "same-key", &other).await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["type"], "urn:welfare:problem:idempotency-key-reused");
    assert_eq!(app.count("SELECT count(*) FROM documents"), documents);
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 1);

    // Another caller's identical key is theirs alone.
    let laura = app.citizen(LAURA);
    let (status, lauras) = app
        .post_idem(PATH, &laura, "same-key", &naspi_application())
        .await;
    assert_eq!(status, 201);
    assert_ne!(lauras["id"], first["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_is_required_and_well_formed() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let (status, out) = app.post(PATH, &mario, &naspi_application()).await;
    assert_eq!(status, 400);
    assert_eq!(out["type"], "urn:welfare:problem:idempotency-key-required");
    let (status, _) = app
        .post_idem(PATH, &mario, &"k".repeat(300), &naspi_application())
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_in_flight_is_refused() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let slow = "/api/v1/fixture/slow?ms=600";
    let first = send(
        app.request(Method::POST, slow, Some(&mario))
            .header("Idempotency-Key", "slow-1")
            .json(&json!({})),
    );
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(150)).await;
        send(
            app.request(Method::POST, slow, Some(&mario))
                .header("Idempotency-Key", "slow-1")
                .json(&json!({})),
        )
        .await
    };
    let ((s1, b1), (s2, b2)) = tokio::join!(first, second);
    assert_eq!(s1, 201, "{b1}");
    assert_eq!(s2, 409, "{b2}");
    assert_eq!(b2["type"], "urn:welfare:problem:idempotency-key-in-flight");
    // After it finished, the retry replays the saved answer: the counter moved once.
    let (s3, b3) = send(
        app.request(Method::POST, slow, Some(&mario))
            .header("Idempotency-Key", "slow-1")
            .json(&json!({})),
    )
    .await;
    assert_eq!((s3, &b3), (201, &b1));
    let (_, doc) = app.get("/api/v1/fixture/docs/slow", &mario).await;
    assert_eq!(doc["value"]["count"], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_request_frees_its_key() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let path = "/api/v1/fixture/fail-after-write";
    let (status, _) = app.post_idem(path, &mario, "retry-me", &json!({})).await;
    assert_eq!(status, 500);
    // The key was released, so the retry runs (and fails) again rather than replaying or 409.
    let (status, _) = app.post_idem(path, &mario, "retry-me", &json!({})).await;
    assert_eq!(status, 500);
    assert_eq!(app.count("SELECT count(*) FROM idempotency"), 0);
}
