//! Real requests through the Spin-like host: the composed artifacts answer as the gateway
//! does (the same request is sent to both and the answers compared), keep every write of a
//! request or none, take their configuration from Spin variables, and deliver events once in
//! effect.

use std::time::Duration;

use futures::future::join_all;
use reqwest::{Method, RequestBuilder};
use serde_json::{Value, json};
use welfare_gateway::auth::{IntermediaryKind, Level};
use welfare_tests::spin::{DELIVERY_SECRET, SpinHost, spin_host_with};
use welfare_tests::{ACME, LAURA, MARIO, TestApp, naspi_application, spawn_app};

const APPLICATIONS: &str = "/api/v1/income-support/applications";
const SIMULATION: &str = "/api/v1/income-support/naspi/simulations";

/// A gateway (whose development issuer mints the tokens, and whose answers are the
/// reference) and a Spin host serving some domains, trusting that issuer.
struct Hosts {
    app: TestApp,
    spin: SpinHost,
    client: reqwest::Client,
    _dir: tempfile::TempDir,
}

impl Hosts {
    async fn start(names: &[&str]) -> Self {
        Self::start_with(names, &[]).await
    }

    /// With `variables` added to the Spin host's (a domain's configuration).
    async fn start_with(names: &[&str], variables: &[(&str, &str)]) -> Self {
        let app = spawn_app().await;
        let dir = tempfile::tempdir().unwrap();
        let spin = spin_host_with(&app, names, dir.path(), variables).await;
        Self {
            app,
            spin,
            client: reqwest::Client::new(),
            _dir: dir,
        }
    }

    /// A request to the Spin host.
    fn spin(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.spin.base))
    }

    /// The same request to the gateway.
    fn gateway(&self, method: Method, path: &str) -> RequestBuilder {
        self.client
            .request(method, format!("{}{path}", self.app.base))
    }

    /// The deliveries route of `component`, called by the scheduler.
    async fn deliver(&self, component: &str) -> Answer {
        let path = format!("/_welfare/{component}/deliver");
        answer(self.spin(Method::POST, &path).bearer_auth(DELIVERY_SECRET)).await
    }
}

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

async fn answer(request: RequestBuilder) -> Answer {
    let response = request.send().await.expect("the host answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.bytes().await.unwrap();
    Answer {
        status,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
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

/// A request the gateway refuses: what it shows, method, path, headers, body.
type Case<'a> = (
    &'a str,
    Method,
    &'a str,
    Vec<(&'a str, &'a str)>,
    Option<Value>,
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_answers_match_the_gateway() {
    let h = Hosts::start(&["income-support", "notifications"]).await;
    let app = &h.app;
    let bearer = |token: String| format!("Bearer {token}");
    let mario = bearer(app.citizen(MARIO));
    let mario_l1 = bearer(app.citizen_at(MARIO, Level::L1));
    let company = bearer(app.company(ACME));
    let editor = bearer(app.operator("faq-editor"));
    let caf = bearer(app.intermediary_of("caf-roma", IntermediaryKind::Caf));
    let forged = format!("{mario}x");
    let agency = bearer(
        app.agency("comune-di-roma", "verifica-invalidita")
            .voucher_for(welfare_tests::agency::INTEROP_AUDIENCE),
    );
    let as_mario = || vec![("authorization", mario.as_str())];
    let body = || Some(naspi_application());
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
            as_mario(),
            body(),
        ),
        (
            "a malformed idempotency key",
            Method::POST,
            APPLICATIONS,
            vec![("authorization", &mario), ("idempotency-key", "")],
            body(),
        ),
        (
            "an unknown route",
            Method::GET,
            "/api/v1/income-support/nothing-here",
            as_mario(),
            None,
        ),
        (
            "a wrong method",
            Method::DELETE,
            APPLICATIONS,
            as_mario(),
            None,
        ),
        (
            "an invalid body",
            Method::POST,
            SIMULATION,
            as_mario(),
            Some(json!({ "year": "soon" })),
        ),
        (
            "a body past the hosts' limit (1 MiB)",
            Method::POST,
            SIMULATION,
            as_mario(),
            Some(json!({ "padding": "x".repeat(1 << 20) })),
        ),
        (
            "an agency on a domain's route",
            Method::GET,
            APPLICATIONS,
            vec![("authorization", &agency)],
            None,
        ),
        (
            "a path no domain serves",
            Method::GET,
            "/nowhere",
            as_mario(),
            None,
        ),
    ];
    for (what, method, path, headers, body) in cases {
        let build = |mut request: RequestBuilder| {
            for (k, v) in &headers {
                request = request.header(*k, *v);
            }
            match &body {
                Some(b) => request.json(b),
                None => request,
            }
        };
        let gateway = answer(build(h.gateway(method.clone(), path))).await;
        let on_spin = answer(build(h.spin(method, path))).await;
        assert!(gateway.status >= 400, "{what}: the gateway let it through");
        assert_eq!(
            on_spin.status, gateway.status,
            "{what}: {} vs {}",
            on_spin.body, gateway.body
        );
        assert_eq!(on_spin.body["type"], gateway.body["type"], "{what}");
        for header in ["content-type", "www-authenticate", "allow"] {
            assert_eq!(
                on_spin.header(header),
                gateway.header(header),
                "{what}: {header}"
            );
        }
        // Both name the request, in the header and in the problem.
        let id = on_spin.header("x-request-id").expect("a request id");
        assert!(gateway.header("x-request-id").is_some(), "{what}");
        if gateway.body["instance"].is_string() {
            assert_eq!(on_spin.body["instance"].as_str(), Some(id), "{what}");
        }
    }
    // Refusals changed nothing: no unit of work even opened the database.
    assert_eq!(h.spin.count("SELECT count(*) FROM sqlite_master"), 0);

    // A simulation: the same figures from both hosts.
    let gateway = answer(
        h.gateway(Method::POST, SIMULATION)
            .header("authorization", &mario)
            .json(&simulation()),
    )
    .await;
    let on_spin = answer(
        h.spin(Method::POST, SIMULATION)
            .header("authorization", &mario)
            .json(&simulation()),
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

/// A browser app on another origin can call either host: the same preflight answer, and the
/// same CORS headers on an actual answer (`welfare_auth::exchange`'s lists), on a domain's path
/// and on one no domain serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn browsers_on_other_origins_are_answered_alike() {
    let h = Hosts::start(&["income-support"]).await;
    let mario = format!("Bearer {}", h.app.citizen(MARIO));
    let cors = [
        "access-control-allow-origin",
        "access-control-allow-methods",
        "access-control-allow-headers",
        "access-control-expose-headers",
        "vary",
    ];
    for path in [APPLICATIONS, "/nowhere"] {
        let preflight = |request: RequestBuilder| {
            request
                .header("origin", "https://app.example.it")
                .header("access-control-request-method", "POST")
                .header(
                    "access-control-request-headers",
                    "authorization, idempotency-key, content-type",
                )
        };
        let gateway = answer(preflight(h.gateway(Method::OPTIONS, path))).await;
        let on_spin = answer(preflight(h.spin(Method::OPTIONS, path))).await;
        assert_eq!(gateway.status, 200, "{path}: the gateway's preflight");
        assert_eq!(on_spin.status, gateway.status, "{path}: {}", on_spin.body);
        for header in cors {
            assert_eq!(
                on_spin.header(header),
                gateway.header(header),
                "{path}: preflight {header}"
            );
        }
        assert_eq!(gateway.header("access-control-allow-origin"), Some("*"));

        let actual = |request: RequestBuilder| {
            request
                .header("origin", "https://app.example.it")
                .header("authorization", &mario)
        };
        let gateway = answer(actual(h.gateway(Method::GET, path))).await;
        let on_spin = answer(actual(h.spin(Method::GET, path))).await;
        assert_eq!(on_spin.status, gateway.status, "{path}");
        for header in cors {
            assert_eq!(
                on_spin.header(header),
                gateway.header(header),
                "{path}: {header}"
            );
        }
        assert!(
            gateway
                .header("access-control-expose-headers")
                .is_some_and(|h| h.contains("x-request-id")),
            "{path}"
        );
    }
}

/// The strict reading of headers and bodies (`welfare_auth::exchange`) refuses the same
/// requests on both hosts, the same way, before anything runs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strict_headers_and_bodies_are_refused_alike() {
    let h = Hosts::start(&["income-support"]).await;
    let mario = format!("Bearer {}", h.app.citizen(MARIO));
    let laura = format!("Bearer {}", h.app.citizen(LAURA));
    let json = "application/json";
    let application = serde_json::to_string(&naspi_application()).unwrap();
    let twice = application.replace(
        r#""termination_reason":"dismissal""#,
        r#""termination_reason":"resignation","termination_reason":"dismissal""#,
    );
    assert_ne!(twice, application);
    let trailing = format!("{application} {{}}");
    let nul = application.replace("2026-01-20", "2026-01-20\\u0000");
    // (what, extra header lines, content type, body, status, slug)
    let cases: Vec<(&str, Vec<(&str, &str)>, Option<&str>, String, u16, &str)> = vec![
        (
            "a key twice",
            vec![],
            Some(json),
            twice,
            400,
            "duplicate-key",
        ),
        (
            "a second document",
            vec![],
            Some(json),
            trailing,
            400,
            "invalid-json",
        ),
        (
            "a NUL in a string",
            vec![],
            Some(json),
            nul,
            400,
            "control-character",
        ),
        (
            "text/plain",
            vec![],
            Some("text/plain"),
            application.clone(),
            415,
            "unsupported-media-type",
        ),
        (
            "no Content-Type",
            vec![],
            None,
            application.clone(),
            415,
            "unsupported-media-type",
        ),
        (
            "two tokens",
            vec![("authorization", laura.as_str())],
            Some(json),
            application.clone(),
            400,
            "duplicate-header",
        ),
        (
            "two Idempotency-Keys",
            vec![("idempotency-key", "strict-2")],
            Some(json),
            application.clone(),
            400,
            "duplicate-header",
        ),
    ];
    for (what, extra, content_type, body, status, slug) in cases {
        let build = |mut request: RequestBuilder| {
            request = request
                .header("authorization", &mario)
                .header("idempotency-key", "strict-1");
            for (k, v) in &extra {
                request = request.header(*k, *v);
            }
            if let Some(ct) = content_type {
                request = request.header("content-type", ct);
            }
            request.body(body.clone())
        };
        let gateway = answer(build(h.gateway(Method::POST, APPLICATIONS))).await;
        let on_spin = answer(build(h.spin(Method::POST, APPLICATIONS))).await;
        for (host, a) in [("gateway", &gateway), ("spin", &on_spin)] {
            assert_eq!(a.status, status, "{what} on {host}: {}", a.body);
            assert_eq!(
                a.body["type"],
                format!("urn:welfare:problem:{slug}"),
                "{what} on {host}"
            );
            assert_eq!(a.header("content-type"), Some("application/problem+json"));
        }
        assert_eq!(on_spin.body["detail"], gateway.body["detail"], "{what}");
    }
    // Nothing ran: no unit of work even opened the database.
    assert_eq!(h.spin.count("SELECT count(*) FROM sqlite_master"), 0);

    // A problem the component writes names the request on both hosts.
    for request in [
        h.gateway(Method::POST, SIMULATION),
        h.spin(Method::POST, SIMULATION),
    ] {
        let a = answer(
            request
                .header("authorization", &mario)
                .header("x-request-id", "strict-instance")
                .json(&json!({ "year": "soon" })),
        )
        .await;
        assert_eq!(a.status, 400, "{}", a.body);
        assert_eq!(a.body["instance"], "strict-instance");
    }
    // `bearer` in lower case is the same scheme on both hosts.
    let lower = mario.replacen("Bearer", "bearer", 1);
    for request in [
        h.gateway(Method::GET, APPLICATIONS),
        h.spin(Method::GET, APPLICATIONS),
    ] {
        let a = answer(request.header("authorization", &lower)).await;
        assert_eq!(a.status, 200, "{}", a.body);
    }
}

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
