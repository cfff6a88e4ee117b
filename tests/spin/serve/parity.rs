//! The same requests to the gateway and to the Spin host: refusals, CORS and strict
//! requests answered alike.

use reqwest::{Method, RequestBuilder};
use serde_json::json;
use welfare_gateway::auth::{IntermediaryKind, Level};
use welfare_tests::{ACME, LAURA, MARIO, naspi_application};

use super::*;

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
            "HEAD on a route without GET",
            Method::HEAD,
            SIMULATION,
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

    // HEAD as GET on both: the answer's head, without its content.
    let head = |request: RequestBuilder| request.header("authorization", &mario);
    let gateway = answer(head(h.gateway(Method::HEAD, APPLICATIONS))).await;
    let on_spin = answer(head(h.spin(Method::HEAD, APPLICATIONS))).await;
    assert_eq!((on_spin.status, gateway.status), (200, 200));
    for header in ["content-type", "cache-control"] {
        assert_eq!(
            on_spin.header(header),
            gateway.header(header),
            "HEAD: {header}"
        );
    }
    assert_eq!((&on_spin.body, &gateway.body), (&Value::Null, &Value::Null));
}

/// A browser app on another origin can call either host: the same preflight answer, and the
/// same CORS headers on an actual answer (`welfare_exchange`'s lists), on a domain's path
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

/// The strict reading of headers and bodies (`welfare_exchange`) refuses the same
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
    // Both hosts keep a client's request id by one rule (`welfare_exchange::
    // acceptable_request_id`): short and plain, sent once; anything else gets the host's own.
    let long = "x".repeat(65);
    for (sent, kept) in [
        (vec!["app:42"], true),
        (vec!["a b"], false),
        (vec![long.as_str()], false),
        (vec!["one", "two"], false),
    ] {
        for request in [
            h.gateway(Method::GET, APPLICATIONS),
            h.spin(Method::GET, APPLICATIONS),
        ] {
            let mut request = request.header("authorization", &mario);
            for id in &sent {
                request = request.header("x-request-id", *id);
            }
            let a = answer(request).await;
            assert_eq!(a.status, 200, "{}", a.body);
            let id = a.header("x-request-id").expect("a request id");
            assert_eq!(id == sent[0], kept, "{sent:?} answered as {id}");
        }
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
