//! The kind of subject a route is about. A labour consultant holding a company's delegation
//! may not file a person's benefit with the company's VAT number, and a CAF holding a person's
//! delegation may not file a company's declaration with the person's fiscal code: every such
//! request is refused 403 `wrong-subject-kind`, audited in the grantor's trail, and changes
//! nothing. Delegations whose scopes the grantor's kind cannot use are refused when granted.

use std::collections::BTreeSet;

use reqwest::Method;
use serde_json::{Value, json};
use welfare_gateway::auth::IntermediaryKind;
use welfare_tests::{ACME, MARIO, fields, naspi_application, spawn_app};

use super::{DELEGATIONS, assegno_unico, audit_rows, grant, on_behalf, state};

/// Every route open to intermediaries that is about a person only, by domain, as the domains'
/// rules describe them: a person's benefits, applications, questions to the experts and
/// contribution statement (`{id}` stands for an id that does not exist).
const PERSON_ONLY: &[(&str, &str)] = &[
    ("POST", "/api/v1/income-support/naspi/simulations"),
    ("POST", "/api/v1/income-support/assegno-unico/simulations"),
    ("GET", "/api/v1/income-support/drafts/naspi"),
    ("POST", "/api/v1/income-support/applications"),
    ("GET", "/api/v1/income-support/applications"),
    ("GET", "/api/v1/income-support/applications/app_none"),
    (
        "POST",
        "/api/v1/income-support/applications/app_none/confirm",
    ),
    ("POST", "/api/v1/disability/benefits/simulations"),
    ("POST", "/api/v1/disability/applications"),
    ("GET", "/api/v1/disability/applications"),
    ("GET", "/api/v1/disability/applications/dis_none"),
    ("POST", "/api/v1/disability/applications/dis_none/visit"),
    ("POST", "/api/v1/faq/questions"),
    ("GET", "/api/v1/faq/questions"),
    ("GET", "/api/v1/faq/questions/q_none"),
    ("GET", "/api/v1/contributions/statement"),
    ("POST", "/api/v1/contributions/statement/reports"),
    ("GET", "/api/v1/contributions/statement/reports"),
    ("GET", "/api/v1/contributions/statement/reports/rep_none"),
    ("POST", "/api/v1/contributions/self-employment"),
    ("GET", "/api/v1/contributions/self-employment"),
];

/// Every route open to intermediaries that is about a company only: its monthly declarations
/// and its DURC.
const COMPANY_ONLY: &[(&str, &str)] = &[
    ("POST", "/api/v1/contributions/declarations"),
    ("GET", "/api/v1/contributions/declarations"),
    ("GET", "/api/v1/contributions/declarations/2026-01"),
    ("PUT", "/api/v1/contributions/declarations/2026-01"),
    ("POST", "/api/v1/contributions/durc"),
    ("GET", "/api/v1/contributions/durc/durc_none"),
];

/// `{template}` of the concrete paths above, to compare with the OpenAPI document.
fn template(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "naspi" if path.contains("/drafts/") => "{benefit}",
            "app_none" | "dis_none" | "q_none" | "rep_none" | "durc_none" => "{id}",
            "2026-01" => "{period}",
            other => other,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn intermediaries_are_refused_on_routes_about_the_other_kind_of_subject() {
    let app = spawn_app().await;
    let acme = app.company(ACME);
    let mario = app.citizen(MARIO);
    // ACME's labour consultant for contributions; Mario's CAF for everything a person
    // delegates, contributions included.
    grant(&app, &acme, "studio-bianchi", &["contributions:act"], 3_600).await;
    let person_scopes = [
        "income-support:act",
        "disability:act",
        "faq:act",
        "contributions:act",
    ];
    grant(&app, &mario, "caf-roma-01", &person_scopes, 3_600).await;
    let consultant = app.intermediary_of("studio-bianchi", IntermediaryKind::Consulente);
    let caf = app.intermediary_of("caf-roma-01", IntermediaryKind::Caf);

    // The hand-written lists are the routes the OpenAPI document declares about one kind.
    let (_, openapi) = welfare_tests::send(app.request(Method::GET, "/openapi.json", None)).await;
    let declared = |kind: &str| -> BTreeSet<String> {
        let mut found = BTreeSet::new();
        for (path, item) in openapi["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                let intermediaries = op["x-welfare-principals"]
                    .as_array()
                    .is_some_and(|p| p.contains(&json!("intermediary")));
                if intermediaries && op["x-welfare-subject"] == kind {
                    found.insert(format!("{} {path}", method.to_uppercase()));
                }
            }
        }
        found
    };
    let listed = |routes: &[(&str, &str)]| -> BTreeSet<String> {
        routes
            .iter()
            .map(|(m, p)| format!("{m} {}", template(p)))
            .collect()
    };
    assert_eq!(declared("person"), listed(PERSON_ONLY));
    assert_eq!(declared("company"), listed(COMPANY_ONLY));

    let cases = PERSON_ONLY
        .iter()
        .map(|r| (r, &consultant, ACME))
        .chain(COMPANY_ONLY.iter().map(|r| (r, &caf, MARIO)));
    for ((method, path), token, subject) in cases {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        // A body that would be accepted on the right kind of subject, where it matters.
        let body = match *path {
            "/api/v1/income-support/applications" => Some(naspi_application()),
            "/api/v1/income-support/assegno-unico/simulations" => Some(assegno_unico()),
            _ if method == Method::POST || method == Method::PUT => Some(json!({})),
            _ => None,
        };
        let before = (state(&app), audit_rows(&app, "refused"));
        let (status, problem) =
            on_behalf(&app, method.clone(), path, token, subject, body.as_ref()).await;
        let at = format!("{method} {path} for {subject}");
        assert_eq!(status, 403, "{at}: {problem}");
        assert_eq!(
            problem["type"], "urn:welfare:problem:wrong-subject-kind",
            "{at}"
        );
        assert_eq!(state(&app), before.0, "{at}: something changed");
        assert_eq!(
            audit_rows(&app, "refused"),
            before.1 + 1,
            "{at}: not audited once"
        );
    }

    // Each refusal is in the grantor's own trail, with the delegation as its purpose.
    for (token, subject, count) in [
        (&acme, ACME, PERSON_ONLY.len()),
        (&mario, MARIO, COMPANY_ONLY.len()),
    ] {
        let (status, trail) = app
            .get("/api/v1/me/audit?outcome=refused&limit=100", token)
            .await;
        assert_eq!(status, 200, "{trail}");
        let items = trail["items"].as_array().unwrap();
        assert_eq!(items.len(), count, "{subject}: {trail}");
        assert!(
            items
                .iter()
                .all(|e| e["status"] == 403 && e["purpose"].is_string()),
            "{trail}"
        );
    }

    // The right kind still passes: the consultant files ACME's DURC request, the CAF Mario's
    // NASpI application.
    let (status, durc) = on_behalf(
        &app,
        Method::POST,
        "/api/v1/contributions/durc",
        &consultant,
        ACME,
        None,
    )
    .await;
    assert!(status < 300, "{durc}");
    let (status, applied) = on_behalf(
        &app,
        Method::POST,
        "/api/v1/income-support/applications",
        &caf,
        MARIO,
        Some(&naspi_application()),
    )
    .await;
    assert_eq!(status, 201, "{applied}");
    app.stop().await;
}

/// No route today admits both citizens and companies while being about one kind, so these are
/// refused by their principal kind (`forbidden`) before the subject's kind is looked at; the
/// subject-kind check for citizens and companies is unit-tested in welfare-auth's policy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn citizens_and_companies_are_refused_on_the_other_kinds_routes() {
    let app = spawn_app().await;
    let cases: [(&str, &str, String); 4] = [
        (
            "POST",
            "/api/v1/income-support/applications",
            app.company(ACME),
        ),
        ("GET", "/api/v1/contributions/statement", app.company(ACME)),
        (
            "GET",
            "/api/v1/contributions/declarations",
            app.citizen(MARIO),
        ),
        ("POST", "/api/v1/contributions/durc", app.citizen(MARIO)),
    ];
    for (method, path, token) in &cases {
        let method = Method::from_bytes(method.as_bytes()).unwrap();
        let before = (state(&app), audit_rows(&app, "refused"));
        let mut request = app
            .request(method.clone(), path, Some(token))
            .header("Idempotency-Key", format!("k-{}", super::rand_suffix()));
        if method == Method::POST {
            request = request.json(&naspi_application());
        }
        let (status, problem) = welfare_tests::send(request).await;
        assert_eq!(status, 403, "{method} {path}: {problem}");
        assert_eq!(
            problem["type"], "urn:welfare:problem:forbidden",
            "{method} {path}"
        );
        assert_eq!(state(&app), before.0, "{method} {path}: something changed");
        assert_eq!(audit_rows(&app, "refused"), before.1 + 1, "{method} {path}");
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delegation_names_only_domains_its_grantor_can_delegate() {
    let app = spawn_app().await;
    let grant_with = |token: String, scopes: Value| {
        let app = &app;
        async move {
            app.post_idem(
                DELEGATIONS,
                &token,
                &format!("g-{}", super::rand_suffix()),
                &json!({ "intermediary_org": "studio-bianchi", "scopes": scopes,
                         "expires_at": super::in_seconds(3_600) }),
            )
            .await
        }
    };
    // A company has no person's benefit, question or statement to delegate; notifications
    // takes no delegation from anyone (no route of it admits intermediaries).
    for (token, scopes, at_fault) in [
        (
            app.company(ACME),
            json!(["contributions:act", "income-support:act"]),
            "scopes[1]",
        ),
        (app.company(ACME), json!(["disability:read"]), "scopes[0]"),
        (app.company(ACME), json!(["faq:act"]), "scopes[0]"),
        (
            app.citizen(MARIO),
            json!(["notifications:read"]),
            "scopes[0]",
        ),
    ] {
        let before = app.count("SELECT count(*) FROM delegations");
        let (status, problem) = grant_with(token, scopes.clone()).await;
        assert_eq!(status, 400, "{scopes}: {problem}");
        assert_eq!(fields(&problem), [at_fault], "{scopes}: {problem}");
        assert_eq!(app.count("SELECT count(*) FROM delegations"), before);
    }
    let (status, granted) = grant_with(app.company(ACME), json!(["contributions:read"])).await;
    assert_eq!(status, 201, "{granted}");
    app.stop().await;
}
