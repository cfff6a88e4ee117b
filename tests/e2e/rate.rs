//! Write limits per caller: past `http.writes_per_minute` changes, a citizen's requests other
//! than reads get 429 with `Retry-After` and nothing is saved; requests that change nothing
//! (a simulation, a refused submission) do not count; other people and reads are untouched.

use serde_json::json;
use welfare_tests::{LAURA, MARIO, spawn_with};

use crate::access::assegno_unico;

const APPLICATIONS: &str = "/api/v1/income-support/applications";
const SIMULATIONS: &str = "/api/v1/income-support/assegno-unico/simulations";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_caller_past_its_writes_per_minute_waits_and_nothing_is_saved() {
    welfare_tests::not_near_a_minute_end().await;
    let app = spawn_with(|c| c.http.writes_per_minute = 2).await;
    let mario = app.citizen(MARIO);
    let simulation = json!({ "year": 2026, "isee_cents": null,
                             "children": [{ "birth_date": "2020-01-15", "disability": "none" }],
                             "both_parents_working": false, "mother_age": 30,
                             "reference_date": "2026-06-01" });
    // Simulations change nothing and do not count, however many; nor does a refused submission.
    for _ in 0..3 {
        let (status, out) = app.post(SIMULATIONS, &mario, &simulation).await;
        assert_eq!(status, 200, "{out}");
    }
    let (status, _) = app
        .post_idem(APPLICATIONS, &mario, "bad", &json!({ "benefit": "x" }))
        .await;
    assert_eq!(status, 400);
    for key in ["a-1", "a-2"] {
        let (status, out) = app
            .post_idem(APPLICATIONS, &mario, key, &assegno_unico())
            .await;
        assert_eq!(status, 201, "{out}");
    }

    // The third change in the minute waits, and nothing is saved.
    let before = app.count("SELECT count(*) FROM documents");
    let response = app
        .request(reqwest::Method::POST, APPLICATIONS, Some(&mario))
        .header("Idempotency-Key", "a-3")
        .json(&assegno_unico())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    let wait: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=60).contains(&wait), "{wait}");
    let problem: serde_json::Value = response.json().await.unwrap();
    assert_eq!(problem["type"], "urn:welfare:problem:too-many-requests");
    assert_eq!(app.count("SELECT count(*) FROM documents"), before);
    // The key is not used up: the same request may be sent again once the minute is over.
    assert_eq!(
        app.count("SELECT count(*) FROM idempotency WHERE key = 'a-3'"),
        0
    );
    // Over the limit, everything but a read waits; reads and other people go on.
    assert_eq!(app.post(SIMULATIONS, &mario, &simulation).await.0, 429);
    assert_eq!(app.get(APPLICATIONS, &mario).await.0, 200);
    let (status, _) = app
        .post_idem(APPLICATIONS, &app.citizen(LAURA), "l-1", &assegno_unico())
        .await;
    assert_eq!(status, 201);
    // The count is in the database, where every replica reads it.
    assert_eq!(
        app.count("SELECT count FROM rate_windows WHERE scope = 'citizen:RSSMRA85T10A562S'"),
        2
    );
}
