//! Strict requests (issue 18, items 5 to 7): a body is one strict JSON document declared as
//! JSON, singleton headers come once, the bearer scheme is matched in any case; every error of
//! the gateway's own routes is problem+json and comes after the gate; answers to identified
//! callers are never cached, first answers included.

use reqwest::Method;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use welfare_tests::{LAURA, MARIO, TestApp, naspi_application, send, spawn_app};

const APPLICATIONS: &str = "/api/v1/income-support/applications";
const ASSEGNO_SIMULATION: &str = "/api/v1/income-support/assegno-unico/simulations";
const QUESTIONS: &str = "/api/v1/faq/questions";
const CALLBACKS: &str = "/api/v1/notifications/callbacks";
const PROBLEM_JSON: &str = "application/problem+json";

/// Rows in every table a request could write to: equal before and after, nothing changed.
fn footprint(app: &TestApp) -> Vec<(&'static str, i64)> {
    [
        "documents",
        "outbox",
        "deliveries",
        "idempotency",
        "delegations",
        "audit",
        "used_tokens",
        "rate_windows",
    ]
    .into_iter()
    .map(|t| (t, app.count(&format!("SELECT COUNT(*) FROM {t}"))))
    .collect()
}

/// An answer: status, content type, JSON body (null if none), headers.
struct Answer {
    status: u16,
    content_type: String,
    body: Value,
    headers: reqwest::header::HeaderMap,
}

async fn answer(request: reqwest::RequestBuilder) -> Answer {
    let response = request.send().await.expect("the gateway answers");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = response.bytes().await.unwrap();
    Answer {
        status,
        content_type,
        body: serde_json::from_slice(&bytes).unwrap_or(Value::Null),
        headers,
    }
}

/// Asserts `a` is the problem `slug` with `status`.
fn assert_problem(what: &str, a: &Answer, status: u16, slug: &str) {
    assert_eq!(a.status, status, "{what}: {}", a.body);
    assert_eq!(a.content_type, PROBLEM_JSON, "{what}");
    assert_eq!(
        a.body["type"],
        format!("urn:welfare:problem:{slug}"),
        "{what}: {}",
        a.body
    );
}

/// The NASpI application of `naspi_application()`, written out by hand so that a key can be
/// doubled or text added after it.
const APPLICATION: &str = r#"{"benefit": "naspi", "termination_date": "2026-01-15", "claim_date": "2026-01-20", "termination_reason": "dismissal", "wages_last_4_years_cents": 6000000, "contribution_weeks_last_4_years": 200, "age": 40}"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_are_one_strict_json_document_declared_as_json() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    // The same application with the reason given twice: once a resignation (no NASpI), then
    // a dismissal. Serde's `Value` kept the last one.
    let twice = APPLICATION.replace(
        r#""termination_reason": "dismissal""#,
        r#""termination_reason": "resignation", "termination_reason": "dismissal""#,
    );
    let trailing = format!("{APPLICATION} {{\"age\": 41}}");
    let garbage = format!("{APPLICATION}x");
    let nul = APPLICATION.replace("2026-01-20", "2026-01-20\\u0000");
    let form = "benefit=naspi&termination_reason=dismissal";
    // (what, content type, body, status, slug, detail)
    let cases: Vec<(&str, Option<&str>, String, u16, &str, &str)> = vec![
        (
            "a key twice",
            Some("application/json"),
            twice,
            400,
            "duplicate-key",
            "`termination_reason` appears twice in one object.",
        ),
        (
            "a second document",
            Some("application/json"),
            trailing,
            400,
            "invalid-json",
            "trailing characters at line 1 column 207.",
        ),
        (
            "text after the document",
            Some("application/json"),
            garbage,
            400,
            "invalid-json",
            "trailing characters at line 1 column 206.",
        ),
        (
            "a NUL in a string",
            Some("application/json"),
            nul,
            400,
            "control-character",
            "`claim_date` holds the control character U+0000.",
        ),
        (
            "JSON sent as text/plain",
            Some("text/plain"),
            APPLICATION.into(),
            415,
            "unsupported-media-type",
            "Send it as `Content-Type: application/json`, not `text/plain`.",
        ),
        (
            "a form",
            Some("application/x-www-form-urlencoded"),
            form.into(),
            415,
            "unsupported-media-type",
            "Send it as `Content-Type: application/json`, not `application/x-www-form-urlencoded`.",
        ),
        (
            "no Content-Type",
            None,
            APPLICATION.into(),
            415,
            "unsupported-media-type",
            "Send it with `Content-Type: application/json`.",
        ),
    ];
    let before = footprint(&app);
    for (what, content_type, body, status, slug, detail) in cases {
        let mut request = app
            .request(Method::POST, APPLICATIONS, Some(&mario))
            .header("Idempotency-Key", "strict-1")
            .body(body);
        if let Some(ct) = content_type {
            request = request.header("content-type", ct);
        }
        let a = answer(request).await;
        assert_problem(what, &a, status, slug);
        assert_eq!(a.body["detail"], detail, "{what}");
        assert!(a.body["instance"].is_string(), "{what}");
    }
    assert_eq!(footprint(&app), before, "refusals change nothing");
    let (status, listed) = app.get(APPLICATIONS, &mario).await;
    assert_eq!((status, &listed["items"]), (200, &json!([])));

    // The key was never claimed: the well-formed application goes through under it, with
    // a JSON type in any case and with parameters.
    let a = answer(
        app.request(Method::POST, APPLICATIONS, Some(&mario))
            .header("Idempotency-Key", "strict-1")
            .header("content-type", "Application/JSON; charset=UTF-8")
            .body(APPLICATION),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.body["details"]["termination_reason"], "dismissal");
    // 75 % of the €1,299.00 reference wage (€60,000 ÷ 200 weeks × 4.33), as in the README.
    assert_eq!(a.body["estimate"]["monthly_amount_cents"], 97_425);

    // A duplicate deep inside: the second child's birth date.
    let a = answer(
        app.request(Method::POST, ASSEGNO_SIMULATION, Some(&mario))
            .header("content-type", "application/json")
            .body(r#"{"year": 2026, "isee_cents": 2000000, "reference_date": "2026-06-01", "children": [{"birth_date": "2019-04-02"}, {"birth_date": "2026-01-10", "birth_date": "2019-04-02"}]}"#),
    )
    .await;
    assert_problem("a nested duplicate", &a, 400, "duplicate-key");
    assert_eq!(
        a.body["detail"],
        "`children[1].birth_date` appears twice in one object."
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn control_characters_in_free_text_are_refused_and_line_breaks_are_not() {
    let app = spawn_app().await;
    let laura = app.citizen(LAURA);
    let question = "Ho lavorato in Svizzera e in Italia: posso unire i contributi per la pensione di vecchiaia?";
    // (what, path, body with `{}` where the text goes, field, character)
    let cases = [
        (
            "a NUL in a question",
            QUESTIONS,
            r#"{"text": "{}", "region": "lombardia"}"#,
            "text",
            "\\u0000",
            "U+0000",
        ),
        (
            "an escape in a question",
            QUESTIONS,
            r#"{"text": "{}", "region": "lombardia"}"#,
            "text",
            "\\u001b[2J",
            "U+001B",
        ),
        (
            "DEL in a call-back note",
            CALLBACKS,
            r#"{"service": "income-support", "phone": "+39 06 1234 5678", "note": "{}"}"#,
            "note",
            "\\u007f",
            "U+007F",
        ),
        (
            "a C1 control in a call-back note",
            CALLBACKS,
            r#"{"service": "income-support", "phone": "+39 06 1234 5678", "note": "{}"}"#,
            "note",
            "\\u0085",
            "U+0085",
        ),
    ];
    let before = footprint(&app);
    for (i, (what, path, template, field, control, code)) in cases.into_iter().enumerate() {
        let body = template.replace("{}", &format!("{question}{control}"));
        let a = answer(
            app.request(Method::POST, path, Some(&laura))
                .header("Idempotency-Key", format!("control-{i}"))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        assert_problem(what, &a, 400, "control-character");
        assert_eq!(
            a.body["detail"],
            format!("`{field}` holds the control character {code}."),
            "{what}"
        );
    }
    assert_eq!(footprint(&app), before, "refusals change nothing");

    // Line breaks and tabs are text: a question on two lines is asked.
    let (status, asked) = app
        .post_idem(
            QUESTIONS,
            &laura,
            "control-ok",
            &json!({ "text": format!("{question}\nGrazie.\r\n\tLaura"), "region": "lombardia" }),
        )
        .await;
    assert_eq!(status, 201, "{asked}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_anonymous_vote_needs_a_json_body() {
    let app = spawn_app().await;
    let path = "/api/v1/faq/articles/naspi-requisiti/feedback";
    let before = footprint(&app);
    // What a web page's form or `fetch` without a preflight can send from a visitor's browser.
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
    ] {
        let a = answer(
            app.request(Method::POST, path, None)
                .header("content-type", content_type)
                .body(r#"{"helpful": false, "reason": "outdated"}"#),
        )
        .await;
        assert_problem(content_type, &a, 415, "unsupported-media-type");
    }
    assert_eq!(footprint(&app), before, "no vote was counted");
    let (status, body) = send(
        app.request(Method::POST, path, None)
            .json(&json!({"helpful": false, "reason": "outdated"})),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn singleton_headers_come_once_and_the_bearer_scheme_in_any_case() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let laura = app.citizen(LAURA);
    let bearer = format!("Bearer {mario}");
    let body = serde_json::to_string(&naspi_application()).unwrap();
    // (what, path, header lines); every request is otherwise a good submission by Mario.
    let cases: Vec<(&str, &str, Vec<(&str, String)>)> = vec![
        (
            "two tokens (Mario's and Laura's)",
            APPLICATIONS,
            vec![("authorization", format!("Bearer {laura}"))],
        ),
        (
            "the same token twice",
            APPLICATIONS,
            vec![("authorization", bearer.clone())],
        ),
        (
            "two Idempotency-Keys",
            APPLICATIONS,
            vec![("idempotency-key", "dup-2".into())],
        ),
        (
            "two On-Behalf-Of",
            APPLICATIONS,
            vec![
                ("on-behalf-of", MARIO.into()),
                ("on-behalf-of", MARIO.into()),
            ],
        ),
        (
            "two If-Match",
            APPLICATIONS,
            vec![("if-match", "\"1\"".into()), ("if-match", "\"2\"".into())],
        ),
        (
            "two Idempotency-Keys on a gateway route",
            "/api/v1/me/delegations",
            vec![("idempotency-key", "dup-2".into())],
        ),
    ];
    let before = footprint(&app);
    for (what, path, extra) in cases {
        let mut request = app
            .client
            .post(format!("{}{path}", app.base))
            .header("authorization", &bearer)
            .header("idempotency-key", "dup-1")
            .header("content-type", "application/json")
            .body(body.clone());
        for (name, value) in &extra {
            request = request.header(*name, value);
        }
        let a = answer(request).await;
        assert_problem(what, &a, 400, "duplicate-header");
        let name = extra[0].0;
        assert_eq!(
            a.body["detail"],
            format!("Send one `{name}` header."),
            "{what}"
        );
    }
    // Two malformed tokens: still a duplicate, not a 401 (the token is never read).
    let a = answer(
        app.request(Method::GET, APPLICATIONS, None)
            .header("authorization", "Bearer x")
            .header("authorization", "Bearer y"),
    )
    .await;
    assert_problem("two bad tokens", &a, 400, "duplicate-header");
    assert_eq!(footprint(&app), before, "refusals change nothing");

    // `bearer`, `BEARER`: the same scheme (RFC 9110 §11.1).
    for scheme in ["bearer", "BEARER", "BeArEr"] {
        let (status, listed) = send(
            app.request(Method::GET, APPLICATIONS, None)
                .header("authorization", format!("{scheme} {mario}")),
        )
        .await;
        assert_eq!(status, 200, "{scheme}: {listed}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn gateway_routes_answer_problems_after_the_gate() {
    let app = spawn_app().await;
    let operator = app.operator("platform-operator");
    let mario = app.citizen(MARIO);

    // Wrong methods on the gateway's own routes: 405 problems with `Allow`.
    let wrong = [
        (Method::POST, "/healthz", "GET,HEAD"),
        (Method::DELETE, "/readyz", "GET,HEAD"),
        (Method::PUT, "/api/v1/me", "GET,HEAD"),
        (Method::PATCH, "/api/v1/me/delegations", "POST,GET,HEAD"),
        (
            Method::PUT,
            "/api/v1/me/delegations/dlg_1",
            "GET,HEAD,DELETE",
        ),
        (Method::DELETE, "/api/v1/audit", "GET,HEAD"),
        (Method::GET, "/interop/v1/life-events", "POST"),
        (Method::GET, "/api/v1/admin/days/2026-01-01", "POST"),
        (Method::PUT, "/api/v1/admin/dead-letters", "GET,HEAD"),
    ];
    for (method, path, allow) in wrong {
        let what = format!("{method} {path}");
        let a = answer(
            app.request(method, path, Some(&mario))
                .header("x-request-id", "strict-405"),
        )
        .await;
        assert_problem(&what, &a, 405, "method-not-allowed");
        assert_eq!(a.headers["allow"], allow, "{what}");
        assert_eq!(a.body["instance"], "strict-405", "{what}");
    }

    // Bad parameters: an anonymous caller gets 401 first, a citizen 403 (audited), an operator
    // a 400 problem.
    // (what, method, path, slug for the operator)
    let bad = [
        (
            "a cursor that is not a number",
            Method::GET,
            "/api/v1/admin/dead-letters?cursor=abc",
            "validation",
        ),
        (
            "a day that is not a date",
            Method::POST,
            "/api/v1/admin/days/yesterday",
            "invalid-date",
        ),
        (
            "a path segment that is not UTF-8",
            Method::POST,
            "/api/v1/admin/dead-letters/%FF/notifications/replay",
            "invalid-parameter",
        ),
    ];
    for (i, (what, method, path, slug)) in bad.into_iter().enumerate() {
        let id = format!("strict-anonymous-{i}");
        let a = answer(
            app.request(method.clone(), path, None)
                .header("x-request-id", &id),
        )
        .await;
        assert_problem(what, &a, 401, "unauthorized");
        // Refused as any request without a token: counted in the metrics, not written to the
        // trail (a stranger must not grow it).
        let audited = app.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE request_id = '{id}'"
        ));
        assert_eq!(audited, 0, "{what}: an unauthenticated refusal was written");
        let id = format!("strict-citizen-{i}");
        let a = answer(
            app.request(method.clone(), path, Some(&app.citizen(MARIO)))
                .header("x-request-id", &id),
        )
        .await;
        assert_problem(what, &a, 403, "forbidden");
        let audited = app.count(&format!(
            "SELECT COUNT(*) FROM audit WHERE request_id = '{id}' AND outcome = 'refused' AND status = 403"
        ));
        assert_eq!(audited, 1, "{what}: the citizen's refusal is audited");
        let a = answer(app.request(method, path, Some(&operator))).await;
        assert_problem(what, &a, 400, slug);
        assert!(a.body["instance"].is_string(), "{what}");
    }
    // A citizen revoking a delegation named by a non-UTF-8 id.
    let path = "/api/v1/me/delegations/%FF%FE";
    let a = answer(app.request(Method::DELETE, path, None)).await;
    assert_problem("anonymous revoke", &a, 401, "unauthorized");
    let a = answer(app.request(Method::DELETE, path, Some(&mario))).await;
    assert_problem("revoke", &a, 400, "invalid-parameter");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_chunked_body_is_a_bad_request_not_too_large() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let address = app.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    // A first chunk of 5 bytes, then a chunk size that is not hexadecimal.
    let request = format!(
        "POST /api/v1/income-support/naspi/simulations HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\n\r\n5\r\n{{\"a\":\r\nzz\r\n1\r\n}}\r\n0\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    tokio::time::timeout(
        std::time::Duration::from_secs(20),
        stream.read_to_end(&mut raw),
    )
    .await
    .expect("the gateway answers and closes")
    .unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 400"), "{text}");
    assert!(
        text.contains(PROBLEM_JSON) && text.contains("urn:welfare:problem:malformed-body"),
        "{text}"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn components_problems_name_the_request_and_first_answers_are_never_cached() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);

    // A problem written by the income-support component carries the request id.
    let a = answer(
        app.request(
            Method::POST,
            "/api/v1/income-support/naspi/simulations",
            Some(&mario),
        )
        .header("x-request-id", "strict-component-1")
        .json(&json!({ "year": "soon" })),
    )
    .await;
    assert_eq!(a.status, 400, "{}", a.body);
    assert_eq!(a.content_type, PROBLEM_JSON);
    assert_eq!(a.body["instance"], "strict-component-1");

    // The first answer of a delegation, and its replay: both `no-store`.
    let grant = json!({ "intermediary_org": "caf-roma-01", "scopes": ["income-support:read"],
                        "expires_at": (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string() });
    for replay in [false, true] {
        let a = answer(
            app.request(Method::POST, "/api/v1/me/delegations", Some(&mario))
                .header("Idempotency-Key", "strict-grant")
                .json(&grant),
        )
        .await;
        assert_eq!(a.status, 201, "{}", a.body);
        assert_eq!(a.headers["cache-control"], "no-store", "replay {replay}");
        assert_eq!(
            a.headers.get("idempotent-replayed").is_some(),
            replay,
            "replay {replay}"
        );
    }

    // The first answer of a life event, and its replay.
    let anpr = app.agency("anpr", "civil-registry");
    let event = json!({ "kind": "death", "fiscal_code": LAURA, "date_of_death": "2026-11-01" });
    for replay in [false, true] {
        let call = anpr.call(Some(&event));
        let a = answer(
            app.request(Method::POST, "/interop/v1/life-events", Some(&call.voucher))
                .header("Agid-JWT-TrackingEvidence", &call.tracking)
                .header("Digest", call.digest.as_deref().unwrap())
                .header("Agid-JWT-Signature", call.signature.as_deref().unwrap())
                .header("Idempotency-Key", "strict-event")
                .header("content-type", "application/json")
                .body(call.body.clone()),
        )
        .await;
        assert_eq!(a.status, 202, "{}", a.body);
        assert_eq!(a.headers["cache-control"], "no-store", "replay {replay}");
        assert_eq!(
            a.headers.get("idempotent-replayed").is_some(),
            replay,
            "replay {replay}"
        );
    }

    // Anonymous answers stay cacheable: the knowledge base.
    let response = app
        .request(Method::GET, "/api/v1/faq/search?q=naspi", None)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers().get("cache-control").is_none());
    app.stop().await;
}
