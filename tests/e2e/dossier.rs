//! `/api/v1/me`: every domain's section of the citizen's dossier, composed in parallel; a domain
//! that fails degrades only its own section.

use serde_json::json;
use welfare_gateway::auth::Level;
use welfare_gateway::config::ComponentSource;
use welfare_tests::{LAURA, MARIO, fixture_path, spawn_with};

fn fixture(name: &str, summary: &str) -> ComponentSource {
    ComponentSource {
        path: fixture_path(),
        config: [("name", name), ("summary", summary)]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_dossier_survives_a_failing_domain() {
    let app = spawn_with(|c| {
        c.components.push(fixture("broken", "trap"));
        c.components.push(fixture("echo", "echo"));
    })
    .await;
    let mario = app.citizen(MARIO);
    let (status, submitted) = app
        .post_idem(
            "/api/v1/income-support/applications",
            &mario,
            "k",
            &json!({ "benefit": "assegno-unico", "isee_cents": null, "reference_date": "2026-06-01",
                     "children": [{ "birth_date": "2020-01-15" }] }),
        )
        .await;
    assert_eq!(status, 201, "{submitted}");

    let response = app
        .request(reqwest::Method::GET, "/api/v1/me", Some(&mario))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let me: serde_json::Value = response.json().await.unwrap();
    assert_eq!(me["subject"], MARIO);
    assert_eq!(me["profile"]["sex"], "M");
    let domains = &me["domains"];
    assert_eq!(domains["broken"]["status"], "unavailable", "{me}");
    assert_eq!(domains["echo"]["summary"]["subject"], MARIO);
    let income = &domains["income-support"];
    assert_eq!(income["status"], "ok", "{me}");
    assert_eq!(income["summary"]["applications"][0]["id"], submitted["id"]);
    assert_eq!(income["summary"]["applications"][0]["status"], "submitted");
    assert_eq!(income["summary"]["benefits_in_payment"], json!([]));
    assert_eq!(domains["disability"]["status"], "empty");

    // Laura's dossier holds nothing of Mario's.
    let (status, laura) = app.get("/api/v1/me", &app.citizen(LAURA)).await;
    assert_eq!(status, 200);
    assert_eq!(laura["domains"]["income-support"]["status"], "empty");

    // Benefits in payment appear once paid.
    let officer = app.operator("income-support-officer");
    let id = submitted["id"].as_str().unwrap();
    let base = "/api/v1/income-support/applications";
    for (step, body) in [
        ("claim", json!({})),
        ("decision", json!({ "outcome": "approved" })),
        ("payment", json!({})),
    ] {
        let (status, out) = app
            .post(&format!("{base}/{id}/{step}"), &officer, &body)
            .await;
        assert_eq!(status, 200, "{step}: {out}");
    }
    let (_, me) = app.get("/api/v1/me", &mario).await;
    let paid = &me["domains"]["income-support"]["summary"]["benefits_in_payment"];
    assert_eq!(paid[0]["benefit"], "assegno-unico");
    // 2026, no ISEE, one child aged 6: the minimum, €58.30.
    assert_eq!(paid[0]["monthly_amount_cents"], 5_830);

    // Only citizens, at level 2 or more.
    assert_eq!(app.get("/api/v1/me", &officer).await.0, 403);
    assert_eq!(
        app.get("/api/v1/me", &app.citizen_at(MARIO, Level::L1))
            .await
            .0,
        401
    );
    assert_eq!(
        app.request(reqwest::Method::GET, "/api/v1/me", None)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}
