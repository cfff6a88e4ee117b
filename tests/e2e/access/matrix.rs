//! The authorisation matrix: every way of asking for what one may not have — no token, a weak
//! login, another citizen's data, an intermediary without, with an expired, a revoked or a
//! too-narrow delegation, an agency without the right purpose, operators outside their domain.
//! Each is answered 401 or 403 and changes nothing. Each refusal of an authenticated caller
//! leaves exactly one row in the trail; one without a valid token leaves none (it is counted in
//! the metrics), so that anyone cannot grow the append-only trail.

use reqwest::Method;
use serde_json::{Value, json};
use welfare_gateway::auth::{IntermediaryKind, Level};
use welfare_tests::{ACME, LAURA, MARIO, spawn_app};

use super::{AU, DELEGATIONS, DISABILITY, assegno_unico, audit_rows, grant, state};

struct Case {
    name: &'static str,
    method: Method,
    path: String,
    token: Option<String>,
    on_behalf_of: Option<&'static str>,
    body: Option<Value>,
    expected: u16,
    /// Whether the refusal is written to the trail: only when a valid token names the caller.
    audited: bool,
}

fn case(
    name: &'static str,
    method: Method,
    path: &str,
    token: Option<String>,
    expected: u16,
) -> Case {
    Case {
        name,
        method,
        path: path.to_string(),
        audited: token.is_some(),
        token,
        on_behalf_of: None,
        body: None,
        expected,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_refusal_is_401_or_403_changes_nothing_and_is_audited() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    // Mario applies, then delegates three CAFs: one narrowly, one briefly, one he revokes.
    let (status, applied) = app.post_idem(AU, &mario, "a-1", &assegno_unico()).await;
    assert_eq!(status, 201, "{applied}");
    grant(&app, &mario, "caf-narrow", &["income-support:read"], 3_600).await;
    grant(&app, &mario, "caf-brief", &["income-support:act"], 1).await;
    let revoked = grant(&app, &mario, "caf-revoked", &["income-support:act"], 3_600).await;
    let (status, _) = app
        .delete(
            &format!("{DELEGATIONS}/{}", revoked["id"].as_str().unwrap()),
            &mario,
        )
        .await;
    assert_eq!(status, 200);
    grant(
        &app,
        &app.company(ACME),
        "studio-bianchi",
        &["contributions:read"],
        3_600,
    )
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;

    let caf = |org: &str| Some(app.intermediary_of(org, IntermediaryKind::Caf));
    let own = format!("{AU}/{}", applied["id"].as_str().unwrap());
    let voucher = |purpose: &str| {
        Some(
            app.agency("comune-di-roma", purpose)
                .voucher_for(welfare_tests::agency::INTEROP_AUDIENCE),
        )
    };
    let status_of_mario = format!("/interop/v1/disability-status/{MARIO}");
    let cases = vec![
        case("no token", Method::GET, AU, None, 401),
        Case {
            audited: false,
            ..case(
                "a forged token",
                Method::GET,
                AU,
                Some("not.a.jwt".into()),
                401,
            )
        },
        case(
            "SPID level 1 on a level-2 route",
            Method::POST,
            AU,
            Some(app.citizen_at(MARIO, Level::L1)),
            401,
        ),
        Case {
            on_behalf_of: Some(MARIO),
            ..case(
                "Laura asking for Mario's data",
                Method::GET,
                AU,
                Some(app.citizen(LAURA)),
                403,
            )
        },
        Case {
            on_behalf_of: Some(MARIO),
            ..case(
                "Laura's dossier of Mario",
                Method::GET,
                "/api/v1/me",
                Some(app.citizen(LAURA)),
                403,
            )
        },
        Case {
            on_behalf_of: Some(MARIO),
            ..case(
                "an intermediary without a delegation",
                Method::GET,
                AU,
                caf("caf-none"),
                403,
            )
        },
        Case {
            on_behalf_of: Some(MARIO),
            ..case(
                "an expired delegation",
                Method::GET,
                AU,
                caf("caf-brief"),
                403,
            )
        },
        Case {
            on_behalf_of: Some(MARIO),
            ..case(
                "a revoked delegation",
                Method::GET,
                AU,
                caf("caf-revoked"),
                403,
            )
        },
        Case {
            on_behalf_of: Some(MARIO),
            body: Some(assegno_unico()),
            ..case(
                "acting under a read-only delegation",
                Method::POST,
                AU,
                caf("caf-narrow"),
                403,
            )
        },
        Case {
            on_behalf_of: Some(MARIO),
            ..case(
                "another domain than delegated",
                Method::GET,
                DISABILITY,
                caf("caf-narrow"),
                403,
            )
        },
        Case {
            on_behalf_of: Some(LAURA),
            ..case(
                "a delegation from someone else",
                Method::GET,
                AU,
                caf("caf-narrow"),
                403,
            )
        },
        Case {
            on_behalf_of: Some(ACME),
            ..case(
                "a CAF using a labour consultant's delegation",
                Method::GET,
                "/api/v1/contributions/debt",
                caf("studio-bianchi"),
                403,
            )
        },
        case(
            "an intermediary on the citizens' own delegations",
            Method::GET,
            DELEGATIONS,
            caf("caf-narrow"),
            403,
        ),
        case(
            "an agency on a citizen route",
            Method::GET,
            AU,
            voucher("parking-badge"),
            403,
        ),
        case(
            "an agency whose purpose is another operation",
            Method::GET,
            &status_of_mario,
            voucher("procurement"),
            403,
        ),
        case(
            "an agency with an unknown purpose",
            Method::GET,
            &status_of_mario,
            voucher("marketing"),
            403,
        ),
        case(
            "an agency route without a voucher",
            Method::GET,
            &status_of_mario,
            None,
            401,
        ),
        case(
            "a citizen on an agency route",
            Method::GET,
            &status_of_mario,
            Some(mario.clone()),
            403,
        ),
        case(
            "a medical board in income support",
            Method::GET,
            "/api/v1/income-support/queue",
            Some(app.operator("medical-board")),
            403,
        ),
        case(
            "an income-support officer in disability",
            Method::GET,
            "/api/v1/disability/visits",
            Some(app.operator("income-support-officer")),
            403,
        ),
        Case {
            body: Some(json!({ "outcome": "approved" })),
            ..case(
                "a contributions officer deciding income support",
                Method::POST,
                &format!("{own}/decision"),
                Some(app.operator("contributions-officer")),
                403,
            )
        },
        case(
            "a citizen on an officer's queue",
            Method::GET,
            "/api/v1/income-support/queue",
            Some(mario.clone()),
            403,
        ),
        case(
            "a citizen reading the whole audit trail",
            Method::GET,
            "/api/v1/audit",
            Some(mario.clone()),
            403,
        ),
        case(
            "an editor reading the whole audit trail",
            Method::GET,
            "/api/v1/audit",
            Some(app.operator("editor")),
            403,
        ),
        Case {
            body: Some(
                json!({ "grantor": MARIO, "intermediary_org": "caf-x", "scopes": ["faq:read"], "expires_at": "2030-01-01T00:00:00Z", "document_reference": "P-1" }),
            ),
            ..case(
                "a campaign manager registering a paper mandate",
                Method::POST,
                "/api/v1/delegations",
                Some(app.operator("campaign-manager")),
                403,
            )
        },
    ];

    for c in cases {
        let before = state(&app);
        let refused_before = audit_rows(&app, "refused");
        let mut b = app.request(c.method.clone(), &c.path, c.token.as_deref());
        if let Some(who) = c.on_behalf_of {
            b = b.header("On-Behalf-Of", who);
        }
        if let Some(body) = &c.body {
            b = b
                .header("Idempotency-Key", format!("m-{}", super::rand_suffix()))
                .json(body);
        }
        let response = b.send().await.unwrap();
        let status = response.status().as_u16();
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_string();
        assert_eq!(
            status,
            c.expected,
            "{}: {:?}",
            c.name,
            response.text().await
        );
        assert_eq!(content_type, "application/problem+json", "{}", c.name);
        assert_eq!(state(&app), before, "{}: something changed", c.name);
        assert_eq!(
            audit_rows(&app, "refused"),
            refused_before + i64::from(c.audited),
            "{}: not audited as it should",
            c.name
        );
    }
    let metrics = app.metrics().await;
    // No token, a forged one, none on an agency route.
    assert!(
        metrics.contains("welfare_unauthenticated_refusals_total{status=\"401\"} 3"),
        "{metrics}"
    );

    // Mario's trail shows the refused attempts on his data by those who may name him: the CAF
    // he delegated, and himself. Whom others named (Laura, CAFs he never delegated or no longer
    // does, agencies whose purpose does not cover the operation) is kept for the auditors only,
    // so that no one can fill his trail.
    let (_, trail) = app.get("/api/v1/me/audit?outcome=refused", &mario).await;
    let actors: Vec<&str> = trail["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["actor"].as_str().unwrap())
        .collect();
    assert_eq!(actors, ["caf-narrow", "caf-narrow", MARIO]);
    let auditor = app.operator("auditor");
    let (_, lauras) = app
        .get(&format!("/api/v1/audit?actor={LAURA}"), &auditor)
        .await;
    let named: Vec<&Value> = lauras["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| &e["evidence"]["named"])
        .collect();
    assert_eq!(named, [&json!(MARIO), &json!(MARIO)], "{lauras}");
    // Citizen against citizen by id: Laura cannot tell Mario's application exists.
    assert_eq!(app.get(&own, &app.citizen(LAURA)).await.0, 404);

    // The auditor reads everything, filters it, and the chain is intact.
    let (status, all) = app
        .get("/api/v1/audit?outcome=refused&limit=500", &auditor)
        .await;
    assert_eq!(status, 200);
    assert_eq!(
        all["items"].as_array().unwrap().len() as i64,
        audit_rows(&app, "refused")
    );
    let (_, by_actor) = app.get("/api/v1/audit?actor=caf-narrow", &auditor).await;
    assert_eq!(by_actor["items"].as_array().unwrap().len(), 4);
    let (_, verification) = app.get("/api/v1/audit/verification", &auditor).await;
    assert_eq!(verification["intact"], true, "{verification}");
    app.stop().await;
}
