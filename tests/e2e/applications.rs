//! Applications over HTTP: submit, read with history, list with pagination, isolation between
//! citizens, and the event a submission publishes.

use serde_json::{Value, json};
use welfare_tests::{LAURA, MARIO, naspi_application, naspi_application_n, spawn_app};

const PATH: &str = "/api/v1/income-support/applications";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_read_and_list() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);

    let (status, created) = app
        .post_idem(PATH, &mario, "k-1", &naspi_application())
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    assert_eq!(created["status"], "submitted");
    assert_eq!(created["subject"], MARIO);
    assert_eq!(created["history"][0]["status"], "submitted");
    assert_eq!(created["history"][0]["by"], format!("citizen:{MARIO}"));
    // 2026 parameters (from the termination date): 129,900 below 145,672 → 97,425.
    assert_eq!(created["estimate"]["monthly_amount_cents"], 97_425);

    let (status, read) = app.get(&format!("{PATH}/{id}"), &mario).await;
    assert_eq!(status, 200);
    assert_eq!(read, created);

    // The submission published exactly one event about Mario.
    let events: Vec<(String, Option<String>)> = app
        .query("SELECT topic, subject FROM outbox")
        .into_iter()
        .map(|r| (r.text(0), r.opt_text(1)))
        .collect();
    assert_eq!(
        events,
        [(
            "income-support.application-submitted".to_string(),
            Some(MARIO.to_string())
        )]
    );

    // Laura sees neither the application nor a hint that it exists.
    let laura = app.citizen(LAURA);
    let (status, _) = app.get(&format!("{PATH}/{id}"), &laura).await;
    assert_eq!(status, 404);
    let (_, list) = app.get(PATH, &laura).await;
    assert_eq!(list["items"], json!([]));

    // Pagination: three applications (three terminations: one claim each), two per page.
    for (n, key) in [(1, "k-2"), (2, "k-3")] {
        let (status, out) = app
            .post_idem(PATH, &mario, key, &naspi_application_n(n))
            .await;
        assert_eq!(status, 201, "{out}");
    }
    let (_, page1) = app.get(&format!("{PATH}?limit=2"), &mario).await;
    assert_eq!(page1["items"].as_array().unwrap().len(), 2);
    assert_eq!(page1["items"][0]["id"], id.as_str(), "oldest first");
    let cursor = page1["next_cursor"].as_str().expect("a next page");
    let (_, page2) = app
        .get(&format!("{PATH}?limit=2&cursor={cursor}"), &mario)
        .await;
    assert_eq!(page2["items"].as_array().unwrap().len(), 1);
    assert_eq!(page2["next_cursor"], Value::Null);

    let (status, out) = app.get(&format!("{PATH}?limit=0"), &mario).await;
    assert_eq!(status, 400, "{out}");
    let (status, _) = app.get(&format!("{PATH}?cursor=../../x"), &mario).await;
    assert_eq!(status, 400);
    let (status, _) = app.get(&format!("{PATH}/not-an-id"), &mario).await;
    assert_eq!(status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_applications_change_nothing() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let mut bad = naspi_application();
    bad["contribution_weeks_last_4_years"] = json!(-3);
    let (status, out) = app.post_idem(PATH, &mario, "bad-1", &bad).await;
    assert_eq!(status, 400, "{out}");
    assert_eq!(out["errors"][0]["field"], "contribution_weeks_last_4_years");

    let (status, out) = app
        .post_idem(PATH, &mario, "bad-2", &json!({ "benefit": "pension" }))
        .await;
    assert_eq!(status, 400, "{out}");

    let (status, out) = app
        .post_idem(
            PATH,
            &mario,
            "bad-3",
            &json!({ "benefit": "assegno-unico" }),
        )
        .await;
    // Nothing known about Mario's children, and none declared.
    assert_eq!(status, 400, "{out}");
    assert_eq!(out["errors"][0]["field"], "children");

    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intermediaries_need_a_delegation() {
    let app = spawn_app().await;
    let caf = app.intermediary("caf-roma-01");
    let (status, out) = welfare_tests::send(
        app.request(reqwest::Method::POST, PATH, Some(&caf))
            .header("Idempotency-Key", "i-1")
            .header("On-Behalf-Of", MARIO)
            .json(&naspi_application()),
    )
    .await;
    assert_eq!(status, 403, "{out}");
    let (status, _) = welfare_tests::send(
        app.request(reqwest::Method::GET, PATH, Some(&caf))
            .header("On-Behalf-Of", "NOT-A-CODE"),
    )
    .await;
    assert_eq!(status, 400);
    // Without On-Behalf-Of an intermediary may simulate, but has no one to apply for.
    let (status, out) = app.post_idem(PATH, &caf, "i-2", &naspi_application()).await;
    assert_eq!(status, 400, "{out}");
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
}
