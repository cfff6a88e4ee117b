//! An application's life over HTTP: submitted (pre-filled) → claimed by an officer → decided →
//! paid, each step in the history with who and when; and every forbidden move refused with
//! nothing changed.

use serde_json::{Value, json};
use welfare_tests::{MARIO, TestApp, spawn_app};

const APPS: &str = "/api/v1/income-support/applications";
const QUEUE: &str = "/api/v1/income-support/queue";
const OFFICER: &str = "income-support-officer";

fn topics(app: &TestApp) -> Vec<String> {
    app.texts("SELECT topic FROM outbox ORDER BY seq")
}

/// The application as its citizen sees it.
async fn read(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, body) = app.get(&format!("{APPS}/{id}"), token).await;
    assert_eq!(status, 200, "{body}");
    body
}

fn statuses(application: &Value) -> Vec<String> {
    application["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submitted_claimed_decided_paid() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let officer = app.operator(OFFICER);
    let colleague = app.operator(OFFICER);

    // The age is left out: the platform reads it from the fiscal code (born 10 Dec 1985, so 40
    // at the termination on 15 Jan 2026).
    let (status, submitted) = app
        .post_idem(
            APPS,
            &mario,
            "naspi-1",
            &json!({
                "benefit": "naspi", "termination_date": "2026-01-15", "claim_date": "2026-01-20",
                "termination_reason": "dismissal", "wages_last_4_years_cents": 6_000_000,
                "contribution_weeks_last_4_years": 200,
            }),
        )
        .await;
    assert_eq!(status, 201, "{submitted}");
    assert_eq!(submitted["prefilled"], json!(["age"]));
    assert_eq!(submitted["details"]["age"], 40);
    let id = submitted["id"].as_str().unwrap().to_string();

    // The queue shows it, oldest first.
    let (status, queue) = app.get(QUEUE, &officer).await;
    assert_eq!(status, 200, "{queue}");
    assert_eq!(queue["items"][0]["id"], id.as_str());
    assert_eq!(queue["items"][0]["subject"], MARIO);

    // Deciding what nobody claimed is refused, and changes nothing.
    let decide = format!("{APPS}/{id}/decision");
    let (status, problem) = app
        .post(&decide, &officer, &json!({ "outcome": "approved" }))
        .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(read(&app, &mario, &id).await, submitted);

    // A citizen can neither claim nor decide (the gateway refuses: wrong principal).
    let claim = format!("{APPS}/{id}/claim");
    assert_eq!(app.post(&claim, &mario, &json!({})).await.0, 403);
    assert_eq!(
        app.post(&decide, &mario, &json!({ "outcome": "approved" }))
            .await
            .0,
        403
    );
    // Nor can another operator role.
    let board = app.operator("medical-board");
    assert_eq!(app.post(&claim, &board, &json!({})).await.0, 403);
    assert_eq!(read(&app, &mario, &id).await, submitted);

    // The officer claims it: out of the queue, into their own list.
    let (status, claimed) = app.post(&claim, &officer, &json!({})).await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["status"], "in-review");
    assert_eq!(app.get(QUEUE, &officer).await.1["items"], json!([]));
    let (_, mine) = app.get(&format!("{QUEUE}?claimed=mine"), &officer).await;
    assert_eq!(mine["items"][0]["id"], id.as_str());
    assert_eq!(
        app.get(&format!("{QUEUE}?claimed=mine"), &colleague)
            .await
            .1["items"],
        json!([])
    );

    // A colleague can neither claim it again nor decide it.
    let (status, _) = app.post(&claim, &colleague, &json!({})).await;
    assert_eq!(status, 409);
    let (status, problem) = app
        .post(&decide, &colleague, &json!({ "outcome": "approved" }))
        .await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(read(&app, &mario, &id).await, claimed);

    // A rejection needs a reason; a bad outcome names the field.
    let (status, problem) = app
        .post(&decide, &officer, &json!({ "outcome": "rejected" }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "reason");
    let (status, problem) = app
        .post(&decide, &officer, &json!({ "outcome": "maybe" }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "outcome");
    // Paying before a decision is refused.
    let pay = format!("{APPS}/{id}/payment");
    assert_eq!(app.post(&pay, &officer, &json!({})).await.0, 409);
    assert_eq!(read(&app, &mario, &id).await, claimed);

    let (status, approved) = app
        .post(
            &decide,
            &officer,
            &json!({ "outcome": "approved", "reason": "Requirements met." }),
        )
        .await;
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["status"], "approved");
    assert_eq!(approved["decision"]["outcome"], "approved");
    assert_eq!(
        app.get(&format!("{QUEUE}?claimed=mine"), &officer).await.1["items"],
        json!([])
    );

    // Deciding twice is refused, and changes nothing; no second event.
    let (status, _) = app
        .post(
            &decide,
            &officer,
            &json!({ "outcome": "rejected", "reason": "Changed my mind." }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(read(&app, &mario, &id).await, approved);

    let (status, paid) = app.post(&pay, &officer, &json!({})).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(app.post(&pay, &officer, &json!({})).await.0, 409);

    let final_view = read(&app, &mario, &id).await;
    assert_eq!(final_view, paid);
    assert_eq!(
        statuses(&final_view),
        ["submitted", "in-review", "approved", "paid"]
    );
    let by: Vec<&str> = final_view["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["by"].as_str().unwrap())
        .collect();
    assert_eq!(by[0], format!("citizen:{MARIO}"));
    assert!(by[1..].iter().all(|b| b.starts_with("operator:")), "{by:?}");
    assert_eq!(by[1], by[2], "decided by the officer who claimed it");
    assert_eq!(
        topics(&app),
        [
            "income-support.application-submitted",
            "income-support.application-decided",
            "income-support.payment-started",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejection_carries_its_reason() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let officer = app.operator(OFFICER);
    let (_, submitted) = app
        .post_idem(
            APPS,
            &mario,
            "auu-1",
            &json!({ "benefit": "assegno-unico", "isee_cents": null, "reference_date": "2026-06-01",
                     "children": [{ "birth_date": "2020-01-15" }] }),
        )
        .await;
    assert_eq!(submitted["status"], "submitted", "{submitted}");
    assert_eq!(submitted["estimate"]["monthly_total_cents"], 5_830);
    let id = submitted["id"].as_str().unwrap();
    assert_eq!(
        app.post(&format!("{APPS}/{id}/claim"), &officer, &json!({}))
            .await
            .0,
        200
    );
    let (status, rejected) = app
        .post(
            &format!("{APPS}/{id}/decision"),
            &officer,
            &json!({ "outcome": "rejected", "reason": "The child is not in the household." }),
        )
        .await;
    assert_eq!(status, 200, "{rejected}");
    let view = read(&app, &mario, id).await;
    assert_eq!(statuses(&view), ["submitted", "in-review", "rejected"]);
    assert_eq!(
        view["history"][2]["reason"],
        "The child is not in the household."
    );
    // The decided event says why, for the notification.
    let payload = app
        .texts("SELECT payload FROM outbox WHERE topic = 'income-support.application-decided'")
        .remove(0);
    let payload: Value = serde_json::from_str(&payload).unwrap();
    assert_eq!(payload["outcome"], "rejected");
    assert_eq!(payload["reason"], "The child is not in the household.");
    // Paying a rejected application is refused.
    assert_eq!(
        app.post(&format!("{APPS}/{id}/payment"), &officer, &json!({}))
            .await
            .0,
        409
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn officers_address_only_real_applications() {
    let app = spawn_app().await;
    let officer = app.operator(OFFICER);
    for id in [
        "app_00000000000000000000000000",
        "nonsense",
        "..%2F..%2Fetc",
    ] {
        let (status, _) = app
            .post(&format!("{APPS}/{id}/claim"), &officer, &json!({}))
            .await;
        assert_eq!(status, 404, "{id}");
    }
    let (status, problem) = app.get(&format!("{QUEUE}?claimed=yours"), &officer).await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "claimed");
}
