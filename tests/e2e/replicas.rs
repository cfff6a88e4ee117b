//! Several gateways, one PostgreSQL database: three replicas on their own ports take
//! concurrent submissions (each sent twice at once, with the same Idempotency-Key, to two
//! replicas), officers' claims and decisions spread over the replicas, and deliver the
//! resulting events. Nothing is lost, nothing is done twice: one application per key, one
//! decision each, every delivery processed once, one inbox message per decision.
//!
//! Needs a PostgreSQL server: run with `WELFARE_TEST_POSTGRES=postgres://…` and
//! `--include-ignored` (`.ci/run` does).

use std::collections::HashMap;
use std::time::Duration;

use serde_json::json;
use welfare_tests::{spawn_replicas, spawn_replicas_with, synthetic_fiscal_code};

use crate::access::assegno_unico;

const APPLICATIONS: &str = "/api/v1/income-support/applications";
/// People applying, each once; every submission is sent twice, to two replicas at once.
const PEOPLE: u32 = 300;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs a PostgreSQL server: WELFARE_TEST_POSTGRES"]
async fn three_replicas_lose_nothing_and_do_nothing_twice() {
    let replicas = spawn_replicas(3).await;
    let body = assegno_unico();
    let sends = (0..PEOPLE).flat_map(|n| {
        let code = synthetic_fiscal_code(n);
        let token = replicas[0].citizen(&code);
        // The same request, with the same key, to two different replicas at once.
        [n as usize % 3, (n as usize + 1) % 3].map(|r| {
            let (app, token, body, key) = (
                &replicas[r],
                token.clone(),
                body.clone(),
                format!("apply-{n}"),
            );
            async move { (n, app.post_idem(APPLICATIONS, &token, &key, &body).await) }
        })
    });
    let answers = futures::future::join_all(sends).await;
    let mut ids: HashMap<u32, Vec<String>> = HashMap::new();
    for (n, (status, out)) in answers {
        // 201 first; the twin gets the saved answer (201) or, while the first still runs, 409.
        assert!(status == 201 || status == 409, "{n}: {status} {out}");
        if status == 201 {
            ids.entry(n)
                .or_default()
                .push(out["id"].as_str().unwrap().to_string());
        }
    }
    // Every person has exactly one application, whichever replica answered.
    assert_eq!(ids.len(), PEOPLE as usize);
    for (n, seen) in &ids {
        assert!(
            seen.iter().all(|id| *id == seen[0]),
            "{n}: two applications {seen:?}"
        );
    }
    let app = &replicas[0];
    assert_eq!(app.count("SELECT count(*) FROM documents WHERE domain = 'income-support' AND key LIKE 'applications/%'"), PEOPLE as i64);
    assert_eq!(
        app.count(
            "SELECT count(*) FROM outbox WHERE topic = 'income-support.application-submitted'"
        ),
        PEOPLE as i64
    );

    // Officers claim each application on one replica and decide it on another, all at once.
    let officer = app.operator("income-support-officer");
    let decisions = ids.iter().map(|(n, seen)| {
        let (claim_at, decide_at) = (&replicas[*n as usize % 3], &replicas[(*n as usize + 2) % 3]);
        let (id, officer) = (seen[0].clone(), officer.clone());
        async move {
            let (status, out) = claim_at
                .post(&format!("{APPLICATIONS}/{id}/claim"), &officer, &json!({}))
                .await;
            assert_eq!(status, 200, "claim {id}: {out}");
            let (status, out) = decide_at
                .post(
                    &format!("{APPLICATIONS}/{id}/decision"),
                    &officer,
                    &json!({ "outcome": "approved" }),
                )
                .await;
            assert_eq!(status, 200, "decide {id}: {out}");
        }
    });
    futures::future::join_all(decisions).await;
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE topic = 'income-support.application-decided'"),
        PEOPLE as i64
    );

    // Every delivery is processed once, by one replica or another.
    app.eventually(Duration::from_secs(60), || async {
        (app.count("SELECT count(*) FROM deliveries WHERE status <> 'done'") == 0).then_some(())
    })
    .await;
    assert_eq!(
        app.count("SELECT count(*) FROM deliveries WHERE attempts <> 1"),
        0
    );
    // One inbox message per submission, read through any replica.
    for n in 0..PEOPLE {
        let code = synthetic_fiscal_code(n);
        let (status, inbox) = replicas[(n % 3) as usize]
            .get("/api/v1/notifications/inbox", &replicas[0].citizen(&code))
            .await;
        assert_eq!(status, 200, "{inbox}");
        assert_eq!(
            inbox["items"].as_array().unwrap().len(),
            1,
            "{code}: {inbox}"
        );
    }
    for r in replicas {
        r.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a PostgreSQL server: WELFARE_TEST_POSTGRES"]
async fn a_gateway_reconnects_when_the_database_drops_its_connections() {
    let replicas = spawn_replicas(1).await;
    let app = &replicas[0];
    let body = assegno_unico();
    let mario = app.citizen(&synthetic_fiscal_code(1));
    let (status, _) = app.post_idem(APPLICATIONS, &mario, "before", &body).await;
    assert_eq!(status, 201);
    // What a server restart or a fail-over does to a gateway: every connection cut.
    let cut = app.count(
        "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    assert!(cut >= 2, "the writer and a reader were connected: {cut}");
    // The first requests after the cut may find a dead connection (a 5xx: nothing saved, the
    // key freed); the gateway replaces it, and the retry with the same key succeeds once.
    let laura = app.citizen(&synthetic_fiscal_code(2));
    let mut answered = None;
    for _ in 0..5 {
        let (status, out) = app.post_idem(APPLICATIONS, &laura, "after", &body).await;
        if status == 201 {
            answered = Some(out);
            break;
        }
        assert!(status == 500 || status == 503, "{status} {out}");
    }
    assert!(answered.is_some(), "the gateway did not reconnect");
    let (status, list) = app.get(APPLICATIONS, &laura).await;
    assert_eq!(status, 200);
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    for r in replicas {
        r.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs a PostgreSQL server: WELFARE_TEST_POSTGRES"]
async fn the_write_limit_holds_across_replicas() {
    welfare_tests::not_near_a_minute_end().await;
    let replicas = spawn_replicas_with(3, |c| c.http.writes_per_minute = 3).await;
    let body = assegno_unico();
    let mario = replicas[0].citizen(&synthetic_fiscal_code(7));
    // One change on each replica: three in the minute, the limit.
    for (i, app) in replicas.iter().enumerate() {
        let (status, out) = app
            .post_idem(APPLICATIONS, &mario, &format!("k-{i}"), &body)
            .await;
        assert_eq!(status, 201, "{out}");
    }
    // Spreading requests over replicas does not multiply the allowance.
    for (i, app) in replicas.iter().enumerate() {
        let (status, out) = app
            .post_idem(APPLICATIONS, &mario, &format!("more-{i}"), &body)
            .await;
        assert_eq!(status, 429, "replica {i}: {out}");
    }
    for r in replicas {
        r.stop().await;
    }
}
