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
    // An editor publishes news for families and for pensioners.
    let editor = app.operator("editor");
    let body = "Le novità dell'anno, spiegate in breve: chi ne ha diritto, da quando si applicano, \
                quali importi cambiano e come fare domanda online con SPID o CIE, oppure tramite un \
                patronato o un CAF che agisce con una delega registrata.";
    for (key, title, section) in [
        (
            "n-1",
            "Assegno unico: le nuove soglie ISEE del 2026",
            "income-support",
        ),
        ("n-2", "Pensioni: la rivalutazione del 2026", "pensions"),
    ] {
        let (status, article) = app
            .post_idem(
                "/api/v1/faq/articles",
                &editor,
                key,
                &json!({ "title": title, "section": section, "tags": ["novità"], "body": body,
                         "sources": ["INPS, circolare n. 7 del 2026"] }),
            )
            .await;
        assert_eq!(status, 201, "{article}");
    }

    let (_, me) = app.get("/api/v1/me", &mario).await;
    let paid = &me["domains"]["income-support"]["summary"]["benefits_in_payment"];
    assert_eq!(paid[0]["benefit"], "assegno-unico");
    // 2026, no ISEE, one child aged 6: the minimum, €58.30.
    assert_eq!(paid[0]["monthly_amount_cents"], 5_830);
    // A benefit in payment makes Mario an assisted person (seed 003), which proposes the
    // services for that segment (seed 002) and the news of its sections, not the pensions'.
    assert_eq!(
        me["segments"],
        json!([{ "id": "assisted", "title": "Persona assistita" }]),
        "{me}"
    );
    let proposed: Vec<&str> = me["proposed_services"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        proposed,
        ["assegno-unico", "disability-application", "linea-inps"]
    );
    let news: Vec<&str> = me["news"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(news, ["Assegno unico: le nuove soglie ISEE del 2026"]);

    // A CAF Mario delegated for income support sees that section and no other; one he did not
    // delegate sees nothing.
    let (status, _) = app
        .post_idem(
            "/api/v1/me/delegations",
            &mario,
            "d-1",
            &json!({ "intermediary_org": "caf-roma-01", "scopes": ["income-support:read"],
                     "expires_at": (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string() }),
        )
        .await;
    assert_eq!(status, 201);
    let caf = app.intermediary("caf-roma-01");
    let (status, seen) = welfare_tests::send(
        app.request(reqwest::Method::GET, "/api/v1/me", Some(&caf))
            .header("On-Behalf-Of", MARIO),
    )
    .await;
    assert_eq!(status, 200, "{seen}");
    let sections: Vec<&String> = seen["domains"].as_object().unwrap().keys().collect();
    assert_eq!(sections, ["income-support"]);
    assert_eq!(seen["profile"]["represented_by"], "caf-roma-01");
    let (status, _) = welfare_tests::send(
        app.request(
            reqwest::Method::GET,
            "/api/v1/me",
            Some(&app.intermediary("caf-other")),
        )
        .header("On-Behalf-Of", MARIO),
    )
    .await;
    assert_eq!(status, 403);

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
