//! A component that traps, loops or exhausts its memory fails only its own request, within the
//! deadline, and the next request is served normally.

use std::time::{Duration, Instant};

use welfare_tests::{MARIO, spawn_app};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_fault_fails_only_its_own_request() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    // (route, status, problem type)
    let faults = [
        ("trap", 500, "urn:welfare:problem:component-fault"),
        ("loop", 503, "urn:welfare:problem:component-timeout"),
        ("oom", 503, "urn:welfare:problem:component-memory-exhausted"),
    ];
    for (route, status, kind) in faults {
        let started = Instant::now();
        let (got, body) = app.get(&format!("/api/v1/fixture/{route}"), &token).await;
        // The configured deadline is 1 s; the bound only says the loop was stopped, not waited out.
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{route} was not stopped"
        );
        assert_eq!(got, status, "{route}: {body}");
        assert_eq!(body["type"], kind, "{route}");
        assert!(
            body["instance"].as_str().is_some_and(|id| !id.is_empty()),
            "{route}: the problem names the request"
        );
        let (ok, body) = app.get("/api/v1/fixture/ok", &token).await;
        assert_eq!(ok, 200, "after {route}: {body}");
        // Another domain is unaffected too.
        let (ok, _) = app.get("/api/v1/income-support/applications", &token).await;
        assert_eq!(ok, 200, "after {route}");
    }
    let metrics = app.metrics().await;
    for outcome in ["trap", "timeout", "memory"] {
        assert!(
            metrics.contains(&format!(
                "welfare_component_faults_total{{component=\"fixture\",outcome=\"{outcome}\"}} 1"
            )),
            "{outcome} missing from metrics"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_request_does_not_hold_up_others() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let looping = app.get("/api/v1/fixture/loop", &token);
    let others = async {
        // Sent while the loop runs; answered before it is stopped.
        tokio::time::sleep(Duration::from_millis(100)).await;
        let mut answered = Vec::new();
        for _ in 0..5 {
            answered.push(app.get("/api/v1/fixture/ok", &token).await.0);
        }
        (answered, Instant::now())
    };
    let ((loop_status, _), (answered, others_done)) = tokio::join!(looping, others);
    let loop_done = Instant::now();
    assert_eq!(loop_status, 503);
    assert_eq!(answered, [200; 5]);
    assert!(
        others_done < loop_done,
        "the other requests finished while the loop was still running"
    );
}

/// Issue 18, item 10: with 32 clients looping on the fixture's endless route (the fixture's
/// share of the pool full for the whole run), a client on each of the five domains is served
/// every time; only the fixture's own extra calls are refused (503 `overloaded`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_looping_component_fills_only_its_own_share() {
    const LOOPERS: usize = 32;
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let reads = [
        "/api/v1/income-support/applications",
        "/api/v1/disability/applications",
        "/api/v1/contributions/statement",
        "/api/v1/faq/articles",
        "/api/v1/notifications/inbox",
    ];
    // Each read answers before the fixture is loaded down, so a failure below is the load's.
    for path in reads {
        let (status, body) = app.get(path, &token).await;
        assert_eq!(status, 200, "{path}: {body}");
    }
    let until = Instant::now() + Duration::from_secs(4);
    let loopers = futures::future::join_all((0..LOOPERS).map(|_| async {
        let mut answers = Vec::new();
        while Instant::now() < until {
            let (status, body) = app.get("/api/v1/fixture/loop", &token).await;
            answers.push((
                status,
                body["type"].as_str().unwrap_or_default().to_string(),
            ));
        }
        answers
    }));
    let readers = futures::future::join_all(reads.iter().map(|path| async {
        // Once every looper has sent its first request.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut answers = Vec::new();
        while Instant::now() < until {
            let (status, body) = app.get(path, &token).await;
            answers.push((status, body));
        }
        (*path, answers)
    }));
    let (loops, reads) = tokio::join!(loopers, readers);

    for (path, answers) in &reads {
        assert!(!answers.is_empty(), "{path} was never answered");
        for (status, body) in answers {
            assert_eq!(*status, 200, "{path} while the fixture loops: {body}");
        }
    }
    let loops: Vec<_> = loops.into_iter().flatten().collect();
    // Every looping call is stopped at its deadline, or refused when the share is full.
    for (status, kind) in &loops {
        assert_eq!(*status, 503, "{kind}");
        assert!(
            kind == "urn:welfare:problem:component-timeout"
                || kind == "urn:welfare:problem:overloaded",
            "{kind}"
        );
    }
    // 32 clients on a share of 8 (half the test pool of 16): the share was full.
    assert!(
        loops
            .iter()
            .any(|(_, kind)| kind == "urn:welfare:problem:overloaded"),
        "the fixture's share never filled"
    );
}
