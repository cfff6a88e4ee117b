//! Real requests through the Spin-like host: the composed artifacts answer as the gateway
//! does (the same request is sent to both and the answers compared), keep every write of a
//! request or none, and deliver events once in effect.

use std::time::Duration;

use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use welfare_gateway::auth::{IntermediaryKind, Level};
use welfare_tests::{ACME, LAURA, MARIO, spawn_app};

use welfare_tests::spin::{DELIVERY_SECRET, SpinHost, spin_host, spin_host_with};

const APPLICATIONS: &str = "/api/v1/income-support/applications";
const SIMULATION: &str = "/api/v1/income-support/naspi/simulations";

/// An answer: status, JSON body (null when empty or not JSON), headers.
struct Answer {
    status: u16,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

async fn send(
    client: &reqwest::Client,
    base: &str,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Answer {
    let mut req = client.request(method, format!("{base}{path}"));
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    if let Some(body) = body {
        req = req.json(body);
    }
    let response = req.send().await.expect("the host answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

/// A request the gateway refuses: what it shows, method, path, headers, body.
type Case<'a> = (
    &'a str,
    Method,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<&'a Value>,
);

fn naspi_application() -> Value {
    json!({
        "benefit": "naspi",
        "termination_date": "2026-01-15",
        "claim_date": "2026-01-20",
        "termination_reason": "dismissal",
        "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200,
        "age": 40,
    })
}

fn simulation() -> Value {
    json!({
        "year": 2025,
        "termination_date": "2025-06-30",
        "claim_date": "2025-07-05",
        "termination_reason": "dismissal",
        "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200,
        "age": 40,
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_answers_match_the_gateway() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let spin = spin_host(&app, &["income-support", "notifications"], dir.path()).await;
    let client = reqwest::Client::new();

    let mario = format!("Bearer {}", app.citizen(MARIO));
    let mario_l1 = format!("Bearer {}", app.citizen_at(MARIO, Level::L1));
    let company = format!("Bearer {}", app.company(ACME));
    let editor = format!("Bearer {}", app.operator("faq-editor"));
    let caf = format!(
        "Bearer {}",
        app.intermediary_of("caf-roma", IntermediaryKind::Caf)
    );
    let forged = format!("Bearer {}x", app.citizen(MARIO));
    let body = naspi_application();
    let invalid = json!({ "year": "soon" });
    // (what, method, path, headers, body): each refused the same way by both hosts.
    let cases: Vec<Case> = vec![
        ("no token", Method::GET, APPLICATIONS, vec![], None),
        (
            "forged token",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", &forged)],
            None,
        ),
        (
            "not a bearer",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", "Basic eDp5")],
            None,
        ),
        (
            "SPID L1 below L2",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", &mario_l1)],
            None,
        ),
        (
            "a company on a citizen route",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", &company)],
            None,
        ),
        (
            "an operator without the role",
            Method::GET,
            "/api/v1/income-support/queue",
            vec![("authorization", &editor)],
            None,
        ),
        (
            "a citizen naming another",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", &mario), ("on-behalf-of", LAURA)],
            None,
        ),
        (
            "an intermediary without a delegation",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", &caf), ("on-behalf-of", MARIO)],
            None,
        ),
        (
            "no idempotency key",
            Method::POST,
            APPLICATIONS,
            vec![("authorization", &mario)],
            Some(&body),
        ),
        (
            "a malformed idempotency key",
            Method::POST,
            APPLICATIONS,
            vec![("authorization", &mario), ("idempotency-key", "")],
            Some(&body),
        ),
        (
            "an unknown route",
            Method::GET,
            "/api/v1/income-support/nothing-here",
            vec![("authorization", &mario)],
            None,
        ),
        (
            "a wrong method",
            Method::DELETE,
            APPLICATIONS,
            vec![("authorization", &mario)],
            None,
        ),
        (
            "an invalid body",
            Method::POST,
            SIMULATION,
            vec![("authorization", &mario)],
            Some(&invalid),
        ),
    ];
    for (what, method, path, headers, body) in cases {
        let gateway = send(&client, &app.base, method.clone(), path, &headers, body).await;
        let on_spin = send(&client, &spin.base, method, path, &headers, body).await;
        assert!(gateway.status >= 400, "{what}: the gateway let it through");
        assert_eq!(
            on_spin.status, gateway.status,
            "{what}: {} vs {}",
            on_spin.body, gateway.body
        );
        assert_eq!(on_spin.body["type"], gateway.body["type"], "{what}");
        assert_eq!(
            on_spin.header("content-type"),
            gateway.header("content-type"),
            "{what}"
        );
        assert_eq!(
            on_spin.header("www-authenticate"),
            gateway.header("www-authenticate"),
            "{what}"
        );
        assert_eq!(on_spin.header("allow"), gateway.header("allow"), "{what}");
        // Both name the request, in the header and in the problem.
        let id = on_spin.header("x-request-id").expect("a request id");
        assert!(gateway.header("x-request-id").is_some(), "{what}");
        if gateway.body["instance"].is_string() {
            assert_eq!(on_spin.body["instance"].as_str(), Some(id), "{what}");
        }
    }
    // Refusals changed nothing: no unit of work even opened the database.
    assert_eq!(spin.count("SELECT count(*) FROM sqlite_master"), 0);

    // A simulation: the same figures from both hosts.
    let auth = [("authorization", mario.as_str())];
    let gateway = send(
        &client,
        &app.base,
        Method::POST,
        SIMULATION,
        &auth,
        Some(&simulation()),
    )
    .await;
    let on_spin = send(
        &client,
        &spin.base,
        Method::POST,
        SIMULATION,
        &auth,
        Some(&simulation()),
    )
    .await;
    assert_eq!(
        (on_spin.status, gateway.status),
        (200, 200),
        "{}",
        on_spin.body
    );
    assert_eq!(on_spin.body, gateway.body);
    assert_eq!(on_spin.header("cache-control"), Some("no-store"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn applications_are_idempotent_and_their_events_are_delivered_once() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let spin = spin_host(&app, &["income-support", "notifications"], dir.path()).await;
    let client = reqwest::Client::new();
    let mario = format!("Bearer {}", app.citizen(MARIO));
    let keyed = |key: &'static str| {
        vec![
            ("authorization", mario.clone()),
            ("idempotency-key", key.to_string()),
        ]
    };
    let post = |headers: Vec<(&'static str, String)>, body: Value| {
        let client = client.clone();
        let base = spin.base.clone();
        async move {
            let headers: Vec<(&str, &str)> =
                headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
            send(
                &client,
                &base,
                Method::POST,
                APPLICATIONS,
                &headers,
                Some(&body),
            )
            .await
        }
    };

    // The same submission sent twice at once and once more later: one application.
    let answers = join_all((0..3).map(|_| post(keyed("k-1"), naspi_application()))).await;
    let created = &answers[0];
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.body["id"].as_str().unwrap().to_string();
    for a in &answers {
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.body["id"], id.as_str(), "one application per key");
    }
    assert!(
        answers
            .iter()
            .filter(|a| a.header("idempotent-replayed") == Some("true"))
            .count()
            >= 2,
        "the others were replays"
    );
    let again = post(keyed("k-1"), naspi_application()).await;
    assert_eq!(
        (again.status, again.header("idempotent-replayed")),
        (201, Some("true"))
    );
    assert_eq!(again.body, created.body);
    // The key named another request: refused, as by the gateway.
    let mut other = naspi_application();
    other["age"] = json!(41);
    let reused = post(keyed("k-1"), other).await;
    assert_eq!(reused.status, 422, "{}", reused.body);
    assert_eq!(
        reused.body["type"],
        "urn:welfare:problem:idempotency-key-reused"
    );

    // The figures are the gateway's: the same application there gets the same estimate.
    let (status, on_gateway) = app
        .post_idem(
            APPLICATIONS,
            &app.citizen(MARIO),
            "k-1",
            &naspi_application(),
        )
        .await;
    assert_eq!(status, 201);
    assert_eq!(created.body["estimate"], on_gateway["estimate"]);
    assert_eq!(created.body["status"], "submitted");

    // Read back through a fresh instance.
    let auth = [("authorization", mario.as_str())];
    let read = send(
        &client,
        &spin.base,
        Method::GET,
        &format!("{APPLICATIONS}/{id}"),
        &auth,
        None,
    )
    .await;
    assert_eq!(read.status, 200);
    assert_eq!(read.body, created.body);
    let laura = format!("Bearer {}", app.citizen(LAURA));
    let hidden = send(
        &client,
        &spin.base,
        Method::GET,
        &format!("{APPLICATIONS}/{id}"),
        &[("authorization", &laura)],
        None,
    )
    .await;
    assert_eq!(
        hidden.status, 404,
        "another citizen's application stays hidden"
    );

    // The submission's event has no consumer among these two domains; an officer's decision
    // has one: notifications.
    assert_eq!(
        spin.count(
            "SELECT count(*) FROM outbox WHERE topic = 'income-support.application-submitted'"
        ),
        1
    );
    assert_eq!(spin.count("SELECT count(*) FROM deliveries"), 0);
    let officer = format!("Bearer {}", app.operator("income-support-officer"));
    let as_officer = [("authorization", officer.as_str())];
    for (step, body) in [
        ("claim", json!({})),
        ("decision", json!({ "outcome": "approved" })),
    ] {
        let path = format!("{APPLICATIONS}/{id}/{step}");
        let done = send(
            &client,
            &spin.base,
            Method::POST,
            &path,
            &as_officer,
            Some(&body),
        )
        .await;
        assert_eq!(done.status, 200, "{step}: {}", done.body);
    }
    assert_eq!(
        spin.count("SELECT count(*) FROM deliveries WHERE consumer = 'notifications' AND status = 'pending'"),
        1
    );

    // Deliveries need the scheduler's secret.
    let deliver = "/_welfare/notifications/deliver";
    let refused = send(&client, &spin.base, Method::POST, deliver, &auth, None).await;
    assert_eq!(refused.status, 401);
    let secret = format!("Bearer {DELIVERY_SECRET}");
    let scheduler = [("authorization", secret.as_str())];
    let first = send(&client, &spin.base, Method::POST, deliver, &scheduler, None).await;
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["outcome"], "done", "{}", first.body);
    let none_left = send(&client, &spin.base, Method::POST, deliver, &scheduler, None).await;
    assert_eq!(none_left.body["delivered"], Value::Null, "delivered once");
    assert_eq!(
        spin.count("SELECT count(*) FROM deliveries WHERE status = 'done' AND attempts = 1"),
        1
    );

    // Its effect: a message in Mario's inbox, served by the notifications artifact.
    let inbox = send(
        &client,
        &spin.base,
        Method::GET,
        "/api/v1/notifications/inbox",
        &auth,
        None,
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
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let spin = spin_host(&app, &["fixture"], dir.path()).await;
    let client = reqwest::Client::new();
    let token = format!("Bearer {}", app.citizen(MARIO));
    let auth = [("authorization", token.as_str())];
    let call = |method: Method, path: String| {
        let (client, base, token) = (client.clone(), spin.base.clone(), token.clone());
        async move {
            send(
                &client,
                &base,
                method,
                &path,
                &[("authorization", &token)],
                None,
            )
            .await
        }
    };

    // Concurrent read-modify-writes of one counter: each either counts or gets 409, and none
    // is lost.
    let bumps =
        join_all((0..8).map(|_| call(Method::POST, "/api/v1/fixture/counters/c".into()))).await;
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
    let read = call(Method::GET, "/api/v1/fixture/docs/c".into()).await;
    assert_eq!(
        read.body["value"]["count"], counted as u64,
        "no lost update"
    );
    assert_eq!(read.body["version"], counted as u64);

    // Four that all read the counter before any of them commits: exactly one counts, the
    // others lose at commit with 409 and change nothing.
    let held = join_all((0..4).map(|_| {
        call(
            Method::POST,
            "/api/v1/fixture/counters/held?hold_ms=400".into(),
        )
    }))
    .await;
    let mut statuses: Vec<u16> = held.iter().map(|a| a.status).collect();
    statuses.sort();
    assert_eq!(
        statuses,
        [200, 409, 409, 409],
        "{:?}",
        held.iter().map(|a| &a.body).collect::<Vec<_>>()
    );
    let read = call(Method::GET, "/api/v1/fixture/docs/held".into()).await;
    assert_eq!(
        (
            read.body["value"]["count"].as_u64(),
            read.body["version"].as_u64()
        ),
        (Some(1), Some(1))
    );

    // A 500 or a trap after writing and publishing: nothing is kept.
    let documents = spin.count("SELECT count(*) FROM documents");
    for mode in ["500", "trap"] {
        let failed = call(
            Method::POST,
            format!("/api/v1/fixture/fail-after-write?mode={mode}"),
        )
        .await;
        assert_eq!(failed.status, 500, "{mode}");
    }
    let trapped = call(Method::GET, "/api/v1/fixture/trap".into()).await;
    assert_eq!(trapped.status, 500);
    let gone = call(
        Method::GET,
        "/api/v1/fixture/docs/written-before-failure".into(),
    )
    .await;
    assert_eq!(gone.status, 404);
    assert_eq!(spin.count("SELECT count(*) FROM documents"), documents);
    assert_eq!(spin.count("SELECT count(*) FROM outbox"), 0);
    // And the host serves the next request as usual.
    let ok = send(
        &client,
        &spin.base,
        Method::GET,
        "/api/v1/fixture/ok",
        &auth,
        None,
    )
    .await;
    assert_eq!(ok.status, 200);
    assert_staged_rows_cleared(&spin);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_delivery_is_retried_and_takes_effect_once() {
    let app = spawn_app().await;
    let dir = tempfile::tempdir().unwrap();
    let spin = spin_host(&app, &["fixture"], dir.path()).await;
    let client = reqwest::Client::new();
    let token = format!("Bearer {}", app.citizen(MARIO));
    let auth = [("authorization", token.as_str())];
    let secret = format!("Bearer {DELIVERY_SECRET}");
    let scheduler = [("authorization", secret.as_str())];
    let deliver = "/_welfare/fixture/deliver";

    let ping = send(
        &client,
        &spin.base,
        Method::POST,
        "/api/v1/fixture/pings",
        &auth,
        Some(&json!({"fail_first": true})),
    )
    .await;
    assert_eq!(ping.status, 202, "{}", ping.body);
    let event = ping.body["event_id"].as_str().unwrap().to_string();
    let effects = format!("/api/v1/fixture/effects/{event}");

    let first = send(&client, &spin.base, Method::POST, deliver, &scheduler, None).await;
    assert_eq!(
        (
            first.body["delivered"].as_str(),
            first.body["outcome"].as_str()
        ),
        (Some(event.as_str()), Some("failed"))
    );
    let count = send(&client, &spin.base, Method::GET, &effects, &auth, None).await;
    assert_eq!(
        count.body["count"], 0,
        "the failed attempt's write was discarded"
    );
    // Not due again before its backoff.
    let early = send(&client, &spin.base, Method::POST, deliver, &scheduler, None).await;
    assert_eq!(early.body["delivered"], Value::Null);

    tokio::time::sleep(Duration::from_millis(1_100)).await;
    let second = send(&client, &spin.base, Method::POST, deliver, &scheduler, None).await;
    assert_eq!(second.body["outcome"], "done", "{}", second.body);
    let count = send(&client, &spin.base, Method::GET, &effects, &auth, None).await;
    assert_eq!(count.body["count"], 1);
    let (status, attempts): (String, i64) = spin
        .db()
        .query_row("SELECT status, attempts FROM deliveries", [], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .unwrap();
    assert_eq!((status.as_str(), attempts), ("done", 2));
    let after = send(&client, &spin.base, Method::POST, deliver, &scheduler, None).await;
    assert_eq!(
        after.body["delivered"],
        Value::Null,
        "a processed event is not delivered again"
    );
    assert_eq!(StatusCode::OK.as_u16(), after.status);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_comes_from_spin_variables() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    let token = format!("Bearer {}", app.citizen(MARIO));
    let auth = [("authorization", token.as_str())];
    let path = format!("/api/v1/fixture/events/custom?subject={MARIO}");
    let body = json!({ "hello": "spin" });

    // The fixture's `publisher` key turns a route on; without the variable it is off.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = spin_host(&app, &["fixture"], plain_dir.path()).await;
    let off = send(
        &client,
        &plain.base,
        Method::POST,
        &path,
        &auth,
        Some(&body),
    )
    .await;
    assert_eq!(off.status, 404, "{}", off.body);

    let dir = tempfile::tempdir().unwrap();
    let spin = spin_host_with(&app, &["fixture"], dir.path(), &[("cfg_publisher", "on")]).await;
    let on = send(&client, &spin.base, Method::POST, &path, &auth, Some(&body)).await;
    assert_eq!(on.status, 202, "{}", on.body);
    let (topic, subject, payload): (String, String, Vec<u8>) = spin
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
    let health = send(&client, &spin.base, Method::GET, "/healthz", &[], None).await;
    assert_eq!(
        (health.status, &health.body),
        (200, &json!({ "status": "ok" }))
    );
}

/// A refused or failed commit leaves no staged rows behind.
fn assert_staged_rows_cleared(spin: &SpinHost) {
    for table in [
        "staged_docs",
        "staged_events",
        "staged_deliveries",
        "commits",
    ] {
        assert_eq!(
            spin.count(&format!("SELECT count(*) FROM {table}")),
            0,
            "{table}"
        );
    }
}
