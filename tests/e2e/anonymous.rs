//! Anonymous traffic has a budget: all anonymous callers together may change so much a
//! second (knowledge-base votes), so that they cannot load the store writer every other
//! request commits through; and an anonymous request may not carry an `Idempotency-Key`,
//! since anonymous callers cannot be told apart and one could claim another's key.

use reqwest::Method;
use serde_json::json;
use welfare_tests::{MARIO, TestApp, send, spawn_with};

const VOTE: &str = "/api/v1/faq/articles/naspi-requisiti/feedback";

/// Helpful votes counted for the article, from its tally documents.
fn votes(app: &TestApp) -> i64 {
    app.texts("SELECT value FROM documents WHERE key LIKE 'votes/naspi-requisiti/%' AND value IS NOT NULL")
        .iter()
        .map(|v| serde_json::from_str::<serde_json::Value>(v).unwrap()["helpful"].as_i64().unwrap_or(0))
        .sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_writes_share_a_bounded_budget() {
    // A burst of 3, then one a second: of 12 votes sent at once, at most 3 plus one for each
    // second they took get through; the rest find the budget spent.
    let app = spawn_with(|c| {
        c.http.anonymous_writes_per_second = 1;
        c.http.anonymous_write_burst = 3;
    })
    .await;
    let vote = |token: Option<&str>| {
        send(
            app.request(Method::POST, VOTE, token)
                .json(&json!({ "helpful": true })),
        )
    };
    let started = std::time::Instant::now();
    let sent = futures::future::join_all((0..12).map(|_| {
        app.request(Method::POST, VOTE, None)
            .json(&json!({ "helpful": true }))
            .send()
    }))
    .await;
    let seconds = started.elapsed().as_secs() + 1;
    // Admitted votes reach the component: counted (201), or losing the race for the article's
    // tally to a concurrent one (409, nothing saved).
    let (mut admitted, mut counted) = (0, 0);
    for response in sent {
        let response = response.unwrap();
        match response.status().as_u16() {
            201 => {
                (admitted, counted) = (admitted + 1, counted + 1);
                continue;
            }
            409 => {
                admitted += 1;
                continue;
            }
            _ => {}
        }
        assert_eq!(response.status(), 429);
        let wait: u64 = response.headers()["retry-after"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(wait, 1, "one token a second");
        assert_eq!(
            response.headers()["content-type"],
            "application/problem+json"
        );
        let problem: serde_json::Value = response.json().await.unwrap();
        assert_eq!(
            problem["type"],
            "urn:welfare:problem:anonymous-budget-exhausted"
        );
    }
    assert!(admitted >= 3, "the burst is there: {admitted}");
    assert!(
        admitted as u64 <= 3 + seconds,
        "{admitted} votes in {seconds} s"
    );
    // What was refused wrote nothing: the votes are those counted.
    assert_eq!(votes(&app), counted);
    // A signed-in caller does not draw on the anonymous budget, and reads are not limited.
    let (status, body) = vote(Some(&app.citizen(MARIO))).await;
    assert_eq!(status, 201, "{body}");
    let (status, _) = send(app.request(Method::GET, "/api/v1/faq/search?q=naspi", None)).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_requests_may_not_carry_an_idempotency_key() {
    let app = spawn_with(|_| {}).await;
    let before = (votes(&app), app.count("SELECT count(*) FROM idempotency"));
    let (status, problem) = send(
        app.request(Method::POST, VOTE, None)
            .header("Idempotency-Key", "someone-elses-key")
            .json(&json!({ "helpful": true })),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(
        problem["type"],
        "urn:welfare:problem:idempotency-key-not-allowed"
    );
    assert_eq!(
        (votes(&app), app.count("SELECT count(*) FROM idempotency")),
        before
    );
    // The same key with a token is the caller's own.
    let (status, body) = send(
        app.request(Method::POST, VOTE, Some(&app.citizen(MARIO)))
            .header("Idempotency-Key", "someone-elses-key")
            .json(&json!({ "helpful": true })),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    app.stop().await;
}
