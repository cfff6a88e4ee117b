//! What the gateway answers itself: health, readiness, metrics, OpenAPI, request ids, CORS,
//! caching headers, and problems for unknown routes, wrong methods and oversized bodies.

use reqwest::Method;
use serde_json::Value;
use welfare_tests::{MARIO, send, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn platform_routes() {
    let app = spawn_app().await;
    let (status, health) = send(app.request(Method::GET, "/healthz", None)).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    let (status, ready) = send(app.request(Method::GET, "/readyz", None)).await;
    assert_eq!(status, 200);
    let names: Vec<&str> = ready["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    for name in [
        "income-support",
        "disability",
        "contributions",
        "faq",
        "notifications",
        "fixture",
    ] {
        assert!(names.contains(&name), "{name} is loaded");
    }

    let (status, doc) = send(app.request(Method::GET, "/openapi.json", None)).await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let simulation = &doc["paths"]["/api/v1/income-support/naspi/simulations"]["post"];
    assert_eq!(
        simulation["requestBody"]["content"]["application/json"]["schema"]["required"][0],
        "year"
    );
    let submit = &doc["paths"]["/api/v1/income-support/applications"]["post"];
    assert!(
        submit["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["name"] == "Idempotency-Key" && p["required"] == true)
    );
    assert!(
        doc["paths"]["/api/v1/income-support/applications/{id}"]["get"]["parameters"][0]["name"]
            == "id"
    );
    assert!(doc["paths"]["/healthz"]["get"].is_object());

    let token = app.citizen(MARIO);
    app.get("/api/v1/income-support/applications", &token).await;
    let metrics = app.metrics().await;
    assert!(
        metrics.contains("welfare_http_requests_total{method=\"GET\",route=\"/api/v1/income-support/applications\",status=\"200\"} 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains(MARIO),
        "metrics never carry personal data"
    );

    // The store's group commits: a submission is committed by the writer (with its claim
    // on the key before it), so both counters move, and a batch holds at least one write.
    let counter = |metrics: &str, name: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
            .unwrap_or_else(|| panic!("{name} in {metrics}"))
    };
    let before = counter(&metrics, "welfare_store_commits_total");
    let (status, _) = app
        .post_idem(
            "/api/v1/income-support/applications",
            &token,
            "platform-metrics-1",
            &welfare_tests::naspi_application(),
        )
        .await;
    assert_eq!(status, 201);
    let metrics = app.metrics().await;
    let (commits, jobs) = (
        counter(&metrics, "welfare_store_commits_total"),
        counter(&metrics, "welfare_store_committed_jobs_total"),
    );
    // The application's commit (its key is held in memory until then; the event's delivery
    // may have committed too).
    assert!(
        commits > before,
        "the application's commit: {before} -> {commits}"
    );
    assert!(
        jobs >= commits,
        "every batch holds a write: {jobs} jobs, {commits} commits"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http_conventions() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);

    // Request ids: generated when absent, echoed when given, named in problems.
    let response = app
        .request(
            Method::GET,
            "/api/v1/income-support/applications",
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert!(!response.headers()["x-request-id"].is_empty());
    assert_eq!(
        response.headers()["cache-control"],
        "no-store",
        "personal data is never cached"
    );
    let response = app
        .request(Method::GET, "/api/v1/nowhere", Some(&token))
        .header("x-request-id", "trace-me-123")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-request-id"], "trace-me-123");
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["instance"], "trace-me-123");

    // A known path with another method.
    let response = app
        .request(
            Method::DELETE,
            "/api/v1/income-support/applications",
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 405);
    assert_eq!(response.headers()["allow"], "POST, GET, HEAD");

    // HEAD wherever GET: the same status and headers, no content (RFC 9110 §9.3.2), on a
    // component's route, a component's refusal and the gateway's own routes; none on a route
    // without GET.
    let mario_key = format!("http-conventions-{MARIO}");
    let created = app
        .request(
            Method::POST,
            "/api/v1/income-support/applications",
            Some(&token),
        )
        .header("Idempotency-Key", &mario_key)
        .json(&welfare_tests::naspi_application_n(0))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 201);
    let location = created.headers()["location"].to_str().unwrap().to_string();
    let created: Value = created.json().await.unwrap();
    let one = format!(
        "/api/v1/income-support/applications/{}",
        created["id"].as_str().unwrap()
    );
    // `Location` names the new application's own URL, which answers GET with it.
    assert_eq!(location, one);
    let (status, at) = send(app.request(Method::GET, &location, Some(&token))).await;
    assert_eq!((status, &at["id"]), (200, &created["id"]), "GET {location}");
    for (path, token, status) in [
        (
            "/api/v1/income-support/applications",
            Some(token.as_str()),
            200,
        ),
        (one.as_str(), Some(token.as_str()), 200),
        (
            "/api/v1/income-support/applications/app_none",
            Some(token.as_str()),
            404,
        ),
        ("/api/v1/income-support/applications", None, 401),
        ("/healthz", None, 200),
        ("/openapi.json", None, 200),
        ("/api/v1/me", Some(token.as_str()), 200),
    ] {
        let get = app.request(Method::GET, path, token).send().await.unwrap();
        let (get_status, get_headers) = (get.status(), get.headers().clone());
        let get_body = get.bytes().await.unwrap();
        let head = app.request(Method::HEAD, path, token).send().await.unwrap();
        assert_eq!(
            (get_status.as_u16(), head.status()),
            (status, get_status),
            "HEAD {path}"
        );
        for name in ["content-type", "content-length", "etag", "cache-control"] {
            assert_eq!(
                head.headers().get(name),
                get_headers.get(name),
                "HEAD {path}: {name}"
            );
        }
        if let Some(length) = head.headers().get("content-length") {
            assert_eq!(
                length.to_str().unwrap(),
                get_body.len().to_string(),
                "HEAD {path}"
            );
        }
        assert!(
            head.bytes().await.unwrap().is_empty(),
            "HEAD {path} has no content"
        );
    }
    let no_get = app
        .request(
            Method::HEAD,
            "/api/v1/income-support/naspi/simulations",
            Some(&token),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(no_get.status(), 405);
    assert_eq!(no_get.headers()["allow"], "POST");

    // Oversized bodies are refused before any component runs.
    let big = vec![b' '; 2 << 20];
    let (status, body) = send(
        app.request(
            Method::POST,
            "/api/v1/income-support/naspi/simulations",
            Some(&token),
        )
        .header("content-type", "application/json")
        .body(big),
    )
    .await;
    assert_eq!(status, 413, "{body}");

    // CORS preflight for the web app.
    let response = app
        .request(Method::OPTIONS, "/api/v1/income-support/applications", None)
        .header("Origin", "https://app.example")
        .header("Access-Control-Request-Method", "POST")
        .header(
            "Access-Control-Request-Headers",
            "authorization, idempotency-key",
        )
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success());
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
}

/// Every operation of `/openapi.json`, the gateway's own and the components', is counted in
/// `/metrics` under its route's template once it has been requested: one request each (as
/// Mario, whatever the answer), then each `(method, route)` pair is among the request counters.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_route_is_counted_once_requested() {
    let app = spawn_app().await;
    let (status, doc) = send(app.request(Method::GET, "/openapi.json", None)).await;
    assert_eq!(status, 200);
    let mario = app.citizen(MARIO);
    let mut operations = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            let Ok(method) = Method::from_bytes(method.to_ascii_uppercase().as_bytes()) else {
                continue;
            };
            operations.push((method, path.clone()));
        }
    }
    assert!(operations.len() > 40, "{} operations", operations.len());
    for (method, template) in &operations {
        // A plausible value for each placeholder: the route matches, whatever it then answers.
        let concrete: String = template
            .split('/')
            .map(|segment| match segment {
                "{date}" => "2026-01-01",
                "{period}" => "2026-01",
                s if s.starts_with('{') => "x1",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let mut request = app.request(method.clone(), &concrete, Some(&mario));
        if *method != Method::GET && *method != Method::DELETE {
            request = request.json(&serde_json::json!({}));
        }
        let (status, _) = send(request).await;
        assert!(status >= 200, "{method} {concrete}");
    }
    let metrics = app.metrics().await;
    for (method, template) in &operations {
        let counted = metrics.lines().any(|line| {
            line.starts_with("welfare_http_requests_total")
                && line.contains(&format!("method=\"{method}\""))
                && line.contains(&format!("route=\"{template}\""))
        });
        assert!(counted, "{method} {template} is not in /metrics");
    }
}
