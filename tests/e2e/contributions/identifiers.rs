//! Malformed identifiers answered with the field at fault, and the routes' principals and roles.

use super::*;

#[tokio::test]
async fn malformed_identifiers_get_a_400_naming_the_field_and_change_nothing() {
    let app = spawn_app().await;
    declare(&app, ACME, "2025-01", &[(MARIO, 100_000)]).await;
    let before = documents(&app);
    let acme = app.company(ACME);
    let cases: Vec<(String, Value, &str)> = vec![
        (
            format!("{C}/declarations"),
            json!({ "period": "2025-02", "workers": [
                { "fiscal_code": MARIO, "taxable_cents": 1000 },
                { "fiscal_code": "RSSMRA85T10A562T", "taxable_cents": 1000 },
            ]}),
            "workers[1].fiscal_code",
        ),
        (
            format!("{C}/declarations"),
            json!({ "period": "2025-13", "workers": [{ "fiscal_code": MARIO, "taxable_cents": 1 }] }),
            "period",
        ),
        (
            format!("{C}/declarations"),
            json!({ "period": "2025-02", "workers": [{ "fiscal_code": MARIO, "taxable_cents": -1 }] }),
            "workers[0].taxable_cents",
        ),
        (
            format!("{C}/declarations"),
            json!({ "period": "2025-02", "workers": [
                { "fiscal_code": MARIO, "taxable_cents": 1 },
                { "fiscal_code": "rssmra85t10a562s", "taxable_cents": 1 },
            ]}),
            "workers[1].fiscal_code",
        ),
        (
            // February 2025 has four contribution weeks.
            format!("{C}/declarations"),
            json!({ "period": "2025-02", "workers": [{ "fiscal_code": MARIO, "taxable_cents": 1, "weeks": 5 }] }),
            "workers[0].weeks",
        ),
        (
            // A check digit off by one, and a number one digit short.
            format!("{C}/payment-notices/302000000000000185/payment"),
            json!({ "amount_cents": 1 }),
            "notice_number",
        ),
        (
            format!("{C}/payment-notices/30200000000000018/payment"),
            json!({ "amount_cents": 1 }),
            "notice_number",
        ),
    ];
    for (path, body, expected) in cases {
        let (status, problem) = app.post_idem(&path, &acme, &key(), &body).await;
        assert_eq!(status, 400, "{path} {body}: {problem}");
        assert_eq!(field(&problem), expected, "{problem}");
    }
    let mario = app.citizen(MARIO);
    let (status, problem) = app
        .post_idem(
            &format!("{C}/statement/reports"),
            &mario,
            &key(),
            &json!({ "from": "2025-01", "to": "2025-02", "employer_vat": "12345678901",
                     "message": "My employer paid me in February." }),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(field(&problem), "employer_vat");
    let agency = app.agency("comune-roma", "procurement");
    let (status, problem) = agency.get("/interop/v1/durc/0111460100X").await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(field(&problem), "vat_number");
    // An intermediary naming a malformed VAT number is refused by the gateway.
    let (status, problem) = welfare_tests::send(
        app.request(
            reqwest::Method::GET,
            &format!("{C}/debt"),
            Some(&app.intermediary("studio-rossi")),
        )
        .header("On-Behalf-Of", "01114601007"),
    )
    .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(documents(&app), before, "a refused request wrote something");
    app.stop().await;
}

#[tokio::test]
async fn roles_and_principals_are_enforced() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    // A citizen is not a company; a company has no contribution statement.
    let (status, _) = app
        .post_idem(
            &format!("{C}/declarations"),
            &mario,
            &key(),
            &json!({ "period": "2025-01", "workers": [] }),
        )
        .await;
    assert_eq!(status, 403);
    let (status, problem) = app.get(&format!("{C}/statement"), &app.company(ACME)).await;
    assert_eq!(status, 403, "{problem}");
    let (status, _) = app.post(&format!("{C}/durc"), &mario, &json!({})).await;
    assert_eq!(status, 403);
    // Companies act for themselves.
    let (status, problem) = welfare_tests::send(
        app.request(
            reqwest::Method::GET,
            &format!("{C}/debt"),
            Some(&app.company(ACME)),
        )
        .header("On-Behalf-Of", BETA),
    )
    .await;
    assert_eq!(status, 403, "{problem}");
    // The officers' queue is for contributions officers only.
    let (status, _) = app.get(&format!("{C}/reports"), &mario).await;
    assert_eq!(status, 403);
    let (status, _) = app
        .get(&format!("{C}/reports"), &app.operator("medical-board"))
        .await;
    assert_eq!(status, 403);
    // A company's data needs a SPID level 2 login, as a person's does.
    let weak = app.company_at(ACME, welfare_gateway::auth::Level::L1);
    let (status, problem) = app.get(&format!("{C}/debt"), &weak).await;
    assert_eq!(status, 401, "{problem}");
    let (status, _) = app.get("/api/v1/me", &weak).await;
    assert_eq!(status, 401);
    // One company's notices are not another's to pay.
    let jan = declare(&app, ACME, "2025-01", &[(MARIO, 100_000)]).await;
    let notice = jan["notice_number"].as_str().unwrap();
    let (status, _) = pay(&app, &app.company(BETA), notice, 33_000).await;
    assert_eq!(status, 404);
    app.stop().await;
}
