//! A delegation's life: granted by the citizen (or a company, or at an agency office from a
//! paper mandate), used by the intermediary within its scopes, listed on both sides, revoked or
//! expired; every delegated access in the citizen's "who looked at my data".

use reqwest::Method;
use serde_json::json;
use welfare_gateway::auth::IntermediaryKind;
use welfare_tests::{ACME, LAURA, MARIO, spawn_app};

use super::{AU, DELEGATIONS, DISABILITY, assegno_unico, grant, in_seconds, on_behalf};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegation_lets_its_intermediary_act_within_its_scopes_until_revoked() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let caf = app.intermediary_of("caf-roma-01", IntermediaryKind::Caf);

    let d = grant(
        &app,
        &mario,
        "caf-roma-01",
        &[
            "income-support:act",
            "disability:read",
            "income-support:read",
        ],
        3_600,
    )
    .await;
    let id = d["id"].as_str().unwrap().to_string();
    // `act` includes `read`: the narrower scope is folded into it.
    assert_eq!(
        d["scopes"],
        json!(["disability:read", "income-support:act"])
    );
    assert_eq!(d["status"], "active");
    assert_eq!(d["grantor"], MARIO);

    // The CAF sees Mario among those who delegated it.
    let (status, held) = app.get("/api/v1/delegations", &caf).await;
    assert_eq!(status, 200, "{held}");
    assert_eq!(held["items"][0]["grantor"], MARIO);
    assert_eq!(held["items"].as_array().unwrap().len(), 1);

    // It applies for him, and reads his disability file.
    let (status, applied) =
        on_behalf(&app, Method::POST, AU, &caf, MARIO, Some(&assegno_unico())).await;
    assert_eq!(status, 201, "{applied}");
    let (_, mine) = app.get(AU, &mario).await;
    assert_eq!(mine["items"][0]["id"], applied["id"]);
    let (status, _) = on_behalf(&app, Method::GET, DISABILITY, &caf, MARIO, None).await;
    assert_eq!(status, 200);
    // Reading is not acting: no disability application through a read scope.
    let (status, refused) = on_behalf(
        &app,
        Method::POST,
        DISABILITY,
        &caf,
        MARIO,
        Some(&json!({})),
    )
    .await;
    assert_eq!(status, 403, "{refused}");
    // Nor anything in a domain the delegation does not name.
    let (status, _) = on_behalf(
        &app,
        Method::GET,
        "/api/v1/contributions/statement",
        &caf,
        MARIO,
        None,
    )
    .await;
    assert_eq!(status, 403);

    // Mario sees who looked: the CAF's accesses and refusals, with the delegation as purpose.
    let (status, trail) = app.get("/api/v1/me/audit", &mario).await;
    assert_eq!(status, 200, "{trail}");
    let items = trail["items"].as_array().unwrap();
    let outcomes: Vec<(&str, &str, &str)> = items
        .iter()
        .map(|e| {
            (
                e["actor"].as_str().unwrap(),
                e["method"].as_str().unwrap(),
                e["outcome"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        outcomes,
        [
            ("caf-roma-01", "POST", "allowed"),
            ("caf-roma-01", "GET", "allowed"),
            ("caf-roma-01", "POST", "refused"),
            ("caf-roma-01", "GET", "refused"),
        ]
    );
    assert!(items.iter().all(|e| e["purpose"] == id.as_str()), "{trail}");
    assert_eq!(items[0]["status"], 201);
    assert_eq!(
        items[0]["evidence"]["scopes"],
        json!(["disability:read", "income-support:act"])
    );
    // Laura's trail holds nothing of Mario's.
    let (_, laura) = app.get("/api/v1/me/audit", &app.citizen(LAURA)).await;
    assert_eq!(laura["items"], json!([]));

    // A second delegation to the same organisation waits for the first to be revoked.
    let (status, problem) = app
        .post_idem(DELEGATIONS, &mario, "dup", &json!({ "intermediary_org": "caf-roma-01", "scopes": ["faq:read"], "expires_at": in_seconds(60) }))
        .await;
    assert_eq!(status, 409, "{problem}");

    // Revoked: the next request is refused, the list says so, and revoking twice is a conflict.
    let (status, revoked) = app.delete(&format!("{DELEGATIONS}/{id}"), &mario).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["status"], "revoked");
    let (status, _) = on_behalf(&app, Method::GET, AU, &caf, MARIO, None).await;
    assert_eq!(status, 403);
    assert_eq!(
        app.delete(&format!("{DELEGATIONS}/{id}"), &mario).await.0,
        409
    );
    // Laura cannot revoke Mario's delegations.
    assert_eq!(
        app.delete(&format!("{DELEGATIONS}/{id}"), &app.citizen(LAURA))
            .await
            .0,
        404
    );
    let (_, list) = app.get(DELEGATIONS, &mario).await;
    assert_eq!(list["items"][0]["status"], "revoked");
    assert_eq!(
        app.get("/api/v1/delegations", &caf).await.1["items"],
        json!([])
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn delegations_expire_paper_mandates_register_and_companies_delegate_consultants() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let patronato = app.intermediary_of("inca-cgil", IntermediaryKind::Patronato);

    // A delegation two seconds long stops working by itself.
    grant(&app, &mario, "inca-cgil", &["income-support:read"], 2).await;
    assert_eq!(
        on_behalf(&app, Method::GET, AU, &patronato, MARIO, None)
            .await
            .0,
        200
    );
    tokio::time::sleep(std::time::Duration::from_millis(2_200)).await;
    let (status, problem) = on_behalf(&app, Method::GET, AU, &patronato, MARIO, None).await;
    assert_eq!(status, 403, "{problem}");
    assert_eq!(
        app.get(DELEGATIONS, &mario).await.1["items"][0]["status"],
        "expired"
    );

    // Laura signs a paper mandate at the office; the front office registers it.
    let desk = app.operator("front-office");
    let mandate = json!({ "grantor": LAURA, "intermediary_org": "inca-cgil", "scopes": ["disability:act"],
                          "expires_at": in_seconds(86_400), "document_reference": "PROT-2026-000123" });
    let (status, registered) = app
        .post_idem("/api/v1/delegations", &desk, "m-1", &mandate)
        .await;
    assert_eq!(status, 201, "{registered}");
    assert_eq!(registered["document_reference"], "PROT-2026-000123");
    assert_eq!(registered["grantor"], LAURA);
    let (status, _) = on_behalf(&app, Method::GET, DISABILITY, &patronato, LAURA, None).await;
    assert_eq!(status, 200);
    // Without the document it is refused, naming the field; other operators may not register.
    let mut no_doc = mandate.clone();
    no_doc.as_object_mut().unwrap().remove("document_reference");
    let (status, problem) = app
        .post_idem("/api/v1/delegations", &desk, "m-2", &no_doc)
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "document_reference");
    assert_eq!(
        app.post_idem(
            "/api/v1/delegations",
            &app.operator("medical-board"),
            "m-3",
            &mandate
        )
        .await
        .0,
        403
    );

    // ACME delegates a labour consultant for contributions; a CAF of the same name may not use it.
    let acme = app.company(ACME);
    let d = grant(&app, &acme, "studio-rossi", &["contributions:act"], 3_600).await;
    assert_eq!(d["intermediary_kind"], "consulente");
    let consultant = app.intermediary_of("studio-rossi", IntermediaryKind::Consulente);
    let (status, debt) = on_behalf(
        &app,
        Method::GET,
        "/api/v1/contributions/debt",
        &consultant,
        ACME,
        None,
    )
    .await;
    assert_eq!(status, 200, "{debt}");
    let impostor = app.intermediary_of("studio-rossi", IntermediaryKind::Caf);
    assert_eq!(
        on_behalf(
            &app,
            Method::GET,
            "/api/v1/contributions/debt",
            &impostor,
            ACME,
            None
        )
        .await
        .0,
        403
    );
    // A company may only delegate a labour consultant.
    let (status, problem) = app
        .post_idem(DELEGATIONS, &acme, "c-2", &json!({ "intermediary_org": "caf-x", "intermediary_kind": "caf",
                                                        "scopes": ["contributions:read"], "expires_at": in_seconds(60) }))
        .await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "intermediary_kind");

    // Bad grants name every field at fault and store nothing.
    let before = app.count("SELECT count(*) FROM delegations");
    let (status, problem) = app
        .post_idem(
            DELEGATIONS,
            &mario,
            "bad",
            &json!({ "intermediary_org": "x", "scopes": ["pensions:read", "disability:write"],
                                                         "expires_at": "tomorrow" }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        welfare_tests::fields(&problem),
        ["intermediary_org", "scopes[0]", "scopes[1]", "expires_at"]
    );
    let (status, _) = app
        .post_idem(
            DELEGATIONS,
            &mario,
            "far",
            &json!({ "intermediary_org": "caf-y", "scopes": ["faq:read"],
                                                         "expires_at": in_seconds(400 * 86_400) }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(app.count("SELECT count(*) FROM delegations"), before);

    // The same Idempotency-Key replays the grant instead of granting twice.
    let body = json!({ "intermediary_org": "caf-z", "scopes": ["faq:read"], "expires_at": in_seconds(600) });
    let first = app.post_idem(DELEGATIONS, &mario, "same", &body).await;
    let again = app.post_idem(DELEGATIONS, &mario, "same", &body).await;
    assert_eq!(first, again);
    assert_eq!(
        app.count("SELECT count(*) FROM delegations WHERE intermediary_org = 'caf-z'"),
        1
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_granted_delegations_location_answers_get_for_its_grantor_only() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let granted = app
        .request(Method::POST, DELEGATIONS, Some(&mario))
        .header("Idempotency-Key", "grant-location")
        .json(
            &json!({ "intermediary_org": "caf-roma-01", "scopes": ["income-support:read"],
                       "expires_at": in_seconds(3_600) }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(granted.status(), 201);
    let location = granted.headers()["location"].to_str().unwrap().to_string();
    let body: serde_json::Value = granted.json().await.unwrap();
    assert_eq!(
        location,
        format!("{DELEGATIONS}/{}", body["id"].as_str().unwrap())
    );

    let (status, found) =
        welfare_tests::send(app.request(Method::GET, &location, Some(&mario))).await;
    assert_eq!((status, &found), (200, &body), "GET {location}");
    // Another person's delegation is not found (not forbidden: its existence is not told).
    let laura = app.citizen(LAURA);
    let (status, problem) =
        welfare_tests::send(app.request(Method::GET, &location, Some(&laura))).await;
    assert_eq!(
        (status, problem["type"].as_str()),
        (404, Some("urn:welfare:problem:not-found"))
    );
    // Revoked, it is still there, as revoked.
    let (status, _) =
        welfare_tests::send(app.request(Method::DELETE, &location, Some(&mario))).await;
    assert_eq!(status, 200);
    let (status, revoked) =
        welfare_tests::send(app.request(Method::GET, &location, Some(&mario))).await;
    assert_eq!(
        (status, revoked["status"].as_str()),
        (200, Some("revoked")),
        "{revoked}"
    );
    assert_eq!(revoked["id"], body["id"]);
}
