//! Idempotency under concurrent retries, events delivered once, and a request's writes
//! kept together or not at all.

use futures::future::join_all;
use reqwest::Method;
use serde_json::{Value, json};
use welfare_tests::{LAURA, MARIO, naspi_application};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_idempotent_and_their_events_are_delivered_once() {
    let h = Hosts::start(&["income-support", "notifications"]).await;
    let mario = h.app.citizen(MARIO);
    let submit = |key: &str, body: Value| {
        answer(
            h.spin(Method::POST, APPLICATIONS)
                .bearer_auth(&mario)
                .header("idempotency-key", key)
                .json(&body),
        )
    };

    // The same submission sent three times at once, then once more: one application.
    let answers = join_all((0..3).map(|_| submit("k-1", naspi_application()))).await;
    let created = &answers[0];
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    for a in &answers {
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.body["id"], id.as_str(), "one application per key");
    }
    let replayed = |a: &Answer| a.header("idempotent-replayed") == Some("true");
    assert_eq!(
        answers.iter().filter(|a| replayed(a)).count(),
        2,
        "the others were replays"
    );
    let again = submit("k-1", naspi_application()).await;
    assert_eq!((again.status, replayed(&again)), (201, true));
    assert_eq!(again.body, created.body);
    // The key named another request: refused, as by the gateway.
    let mut other = naspi_application();
    other["age"] = json!(41);
    let reused = submit("k-1", other).await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(
        reused.body["type"],
        "urn:welfare:problem:idempotency-key-reused"
    );

    // The figures are the gateway's: the same application there gets the same estimate.
    let (status, on_gateway) = h
        .app
        .post_idem(APPLICATIONS, &mario, "k-1", &naspi_application())
        .await;
    assert_eq!(status, 201);
    assert_eq!(created.body["estimate"], on_gateway["estimate"]);
    assert_eq!(created.body["status"], "submitted");

    // Read back through a fresh instance; hidden from another citizen.
    let path = format!("{APPLICATIONS}/{id}");
    let read = answer(h.spin(Method::GET, &path).bearer_auth(&mario)).await;
    assert_eq!((read.status, &read.body), (200, &created.body));
    let laura = h.app.citizen(LAURA);
    let hidden = answer(h.spin(Method::GET, &path).bearer_auth(&laura)).await;
    assert_eq!(
        hidden.status, 404,
        "another citizen's application stays hidden"
    );

    // The submission's event has no consumer among these two domains; an officer's decision
    // has one: notifications.
    let spin = &h.spin;
    assert_eq!(
        spin.count(
            "SELECT count(*) FROM outbox WHERE topic = 'income-support.application-submitted'"
        ),
        1
    );
    assert_eq!(spin.count("SELECT count(*) FROM deliveries"), 0);
    let officer = h.app.operator("income-support-officer");
    for (step, body) in [
        ("claim", json!({})),
        ("decision", json!({ "outcome": "approved" })),
    ] {
        let step_path = format!("{path}/{step}");
        let done = answer(
            h.spin(Method::POST, &step_path)
                .bearer_auth(&officer)
                .json(&body),
        )
        .await;
        assert_eq!(done.status, 200, "{step}: {}", done.body);
    }
    assert_eq!(
        spin.count("SELECT count(*) FROM deliveries WHERE consumer = 'notifications' AND status = 'pending'"),
        1
    );
    // The claim deleted the queue entry: gone from the queue, kept as a tombstone.
    let queue = answer(
        h.spin(Method::GET, "/api/v1/income-support/queue")
            .bearer_auth(&officer),
    )
    .await;
    assert_eq!(
        (queue.status, &queue.body["items"]),
        (200, &json!([])),
        "{}",
        queue.body
    );
    assert!(spin.count("SELECT count(*) FROM documents WHERE value IS NULL AND version > 1") >= 1);

    // Deliveries need the scheduler's secret.
    let refused = answer(
        h.spin(Method::POST, "/_welfare/notifications/deliver")
            .bearer_auth(&mario),
    )
    .await;
    assert_eq!(refused.status, 401);
    let first = h.deliver("notifications").await;
    assert_eq!(
        (first.status, &first.body["outcome"]),
        (200, &json!("done")),
        "{}",
        first.body
    );
    let none_left = h.deliver("notifications").await;
    assert_eq!(none_left.body["delivered"], Value::Null, "delivered once");
    assert_eq!(
        spin.count("SELECT count(*) FROM deliveries WHERE status = 'done' AND attempts = 1"),
        1
    );

    // Its effect: a message in Mario's inbox, served by the notifications artifact.
    let inbox = answer(
        h.spin(Method::GET, "/api/v1/notifications/inbox")
            .bearer_auth(&mario),
    )
    .await;
    assert_eq!(inbox.status, 200, "{}", inbox.body);
    assert_eq!(
        inbox.body["items"].as_array().map(Vec::len),
        Some(1),
        "{}",
        inbox.body
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writes_commit_together_or_not_at_all() {
    let h = Hosts::start(&["fixture"]).await;
    let token = h.app.citizen(MARIO);
    let call = |method: Method, path: &str| answer(h.spin(method, path).bearer_auth(&token));

    // Concurrent read-modify-writes of one counter: each either counts or gets 409, and none
    // is lost.
    let bumps = join_all((0..8).map(|_| call(Method::POST, "/api/v1/fixture/counters/c"))).await;
    let counted = bumps.iter().filter(|a| a.status == 200).count();
    for a in &bumps {
        assert!(
            a.status == 200 || a.status == 409,
            "{} {}",
            a.status,
            a.body
        );
        if a.status == 409 {
            assert_eq!(a.body["type"], "urn:welfare:problem:conflict");
        }
    }
    assert!(counted >= 1);
    let read = call(Method::GET, "/api/v1/fixture/docs/c").await;
    assert_eq!(
        read.body["value"]["count"], counted as u64,
        "no lost update"
    );
    assert_eq!(read.body["version"], counted as u64);

    // Four that all read the counter before any of them commits: exactly one counts, the
    // others lose at commit with 409 and change nothing.
    let held =
        join_all((0..4).map(|_| call(Method::POST, "/api/v1/fixture/counters/held?hold_ms=400")))
            .await;
    let mut statuses: Vec<u16> = held.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409, 409, 409],
        "{:?}",
        held.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let read = call(Method::GET, "/api/v1/fixture/docs/held").await;
    let count_and_version = (
        read.body["value"]["count"].as_u64(),
        read.body["version"].as_u64(),
    );
    assert_eq!(count_and_version, (Some(1), Some(1)));

    // A 500 or a trap after writing and publishing: nothing is kept.
    let documents = h.spin.count("SELECT count(*) FROM documents");
    for mode in ["500", "trap"] {
        let path = format!("/api/v1/fixture/fail-after-write?mode={mode}");
        assert_eq!(call(Method::POST, &path).await.status, 500, "{mode}");
    }
    assert_eq!(call(Method::GET, "/api/v1/fixture/trap").await.status, 500);
    let gone = call(Method::GET, "/api/v1/fixture/docs/written-before-failure").await;
    assert_eq!(gone.status, 404);
    assert_eq!(h.spin.count("SELECT count(*) FROM documents"), documents);
    assert_eq!(h.spin.count("SELECT count(*) FROM outbox"), 0);
    // And the host serves the next request as usual.
    assert_eq!(call(Method::GET, "/api/v1/fixture/ok").await.status, 200);
    // Every commit's row went with its own trigger, refused ones with their statement.
    assert_eq!(h.spin.count("SELECT count(*) FROM commits"), 0);
}
