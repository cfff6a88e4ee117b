//! Contributions over HTTP: declarations that feed workers' statements, the weeks rule and gaps,
//! statement reports worked by officers, artisans' quarterly notices, payments, the DURC's
//! tolerance, validity and reuse, instalment plans at their boundaries, missed instalments and
//! lapse, and malformed identifiers answered with the field at fault.
//!
//! Figures (worked by hand from the circulars; see components/contributions/params):
//! - FPLD rate 33 %, worker's share 9.19 %; weekly minimum €241.36 (2025), €244.74 (2026).
//! - Artisans 2026: €4,521.36 a year, instalments due 18 May, 20 August, 16 November 2026 and
//!   16 February 2027 (circ. 14/2026); minimum income €18,808.
//! - DURC: tolerance €150, valid 120 days from the request, 15 days to regularise.
//! - Instalments: 8.15 % a year (circ. 100/2025); up to 36 for debts up to €500,000, 60 above.

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Value, json};
use welfare_tests::{ACME, BETA, LAURA, MARIO, TestApp, spawn_app};

const C: &str = "/api/v1/contributions";
const GIUSEPPE: &str = "VRDGPP80A01H501U";
const LUCIA: &str = "FRRLCU92D50L219S";
/// Companies whose debts the DURC and plan tests shape.
const TOLERATED: &str = "00000000018";
const OVER: &str = "00000000026";
const LATE: &str = "00000000034";
const AT_THRESHOLD: &str = "00000000042";
const ABOVE_THRESHOLD: &str = "00000000059";
const PAYER: &str = "00000000067";
const FIRST_MISSED: &str = "00000000075";

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn key() -> String {
    format!("test-{}", rand::random::<u64>())
}

/// Declares `period` for `company` with `(fiscal code, taxable cents)` lines; asserts 201.
async fn declare(app: &TestApp, company: &str, period: &str, workers: &[(&str, i64)]) -> Value {
    let token = app.company(company);
    let workers: Vec<Value> = workers
        .iter()
        .map(|(cf, t)| json!({ "fiscal_code": cf, "taxable_cents": t }))
        .collect();
    let (status, body) = app
        .post_idem(
            &format!("{C}/declarations"),
            &token,
            &key(),
            &json!({ "period": period, "workers": workers }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn pay(app: &TestApp, token: &str, notice: &str, amount: i64) -> (u16, Value) {
    app.post_idem(
        &format!("{C}/payment-notices/{notice}/payment"),
        token,
        &key(),
        &json!({ "amount_cents": amount }),
    )
    .await
}

fn field(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

fn documents(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM documents WHERE domain = 'contributions'")
}

#[tokio::test]
async fn a_declaration_shows_up_in_the_statement_with_weeks_and_gaps() {
    let app = spawn_app().await;
    // January 2025 for Mario (€2,500) and Laura (€1,800): 33 % = €825.00 + €594.00.
    let jan = declare(&app, ACME, "2025-01", &[(MARIO, 250_000), (LAURA, 180_000)]).await;
    assert_eq!(jan["contributions_cents"], 141_900);
    assert_eq!(jan["workers"][0]["contributions_cents"], 82_500);
    // 9.19 % of €2,500 = €229.75 withheld from Mario; the employer pays €595.25.
    assert_eq!(jan["workers"][0]["worker_share_cents"], 22_975);
    assert_eq!(jan["workers"][0]["employer_share_cents"], 59_525);
    // January 2025 has four Saturdays (4, 11, 18, 25): four weeks paid.
    assert_eq!(jan["workers"][0]["weeks"], 4);
    assert_eq!(jan["due_date"], "2025-02-16");
    declare(&app, ACME, "2025-02", &[(MARIO, 250_000)]).await;
    declare(&app, ACME, "2025-03", &[(MARIO, 250_000)]).await;
    // June with another employer, €100: below one weekly minimum.
    declare(&app, BETA, "2025-06", &[(MARIO, 10_000)]).await;
    // January 2026, €300: five Saturdays paid, but €300 ÷ €244.74 = 1.2 → one week.
    declare(&app, ACME, "2026-01", &[(MARIO, 30_000)]).await;

    let (status, s) = app
        .get(&format!("{C}/statement"), &app.citizen(MARIO))
        .await;
    assert_eq!(status, 200, "{s}");
    let periods = s["periods"].as_array().unwrap();
    assert_eq!(periods.len(), 3, "{s}");
    assert_eq!(periods[0]["employer"], ACME);
    assert_eq!(periods[0]["from"], "2025-01-01");
    assert_eq!(periods[0]["to"], "2025-03-31");
    assert_eq!(periods[0]["months"], 3);
    // Saturdays: January 4, February 4 (1, 8, 15, 22), March 5 (1, 8, 15, 22, 29).
    assert_eq!(periods[0]["weeks"], 13);
    assert_eq!(periods[0]["taxable_cents"], 750_000);
    assert_eq!(periods[0]["fund"], "fpld");
    assert_eq!(periods[1]["employer"], BETA);
    // 2025: 13 + 4 (June) = 17 weeks paid; €7,600 ÷ €241.36 = 31.5 → up to 31: all 17 count.
    assert_eq!(s["years"][0]["year"], 2025);
    assert_eq!(s["years"][0]["paid_weeks"], 17);
    assert_eq!(s["years"][0]["weeks"], 17);
    assert_eq!(s["years"][0]["below_minimum"], false);
    assert_eq!(s["years"][1]["paid_weeks"], 5);
    assert_eq!(s["years"][1]["weeks"], 1);
    assert_eq!(s["years"][1]["below_minimum"], true);
    assert_eq!(s["total_weeks"], 18);
    assert_eq!(
        s["gaps"],
        json!([
            { "from": "2025-04", "to": "2025-05", "months": 2, "reason": "no-contributions" },
            { "from": "2025-07", "to": "2025-12", "months": 6, "reason": "no-contributions" },
        ])
    );
    // Laura's statement has her one month; Mario's employer sees its notices as debt.
    let (_, laura) = app
        .get(&format!("{C}/statement"), &app.citizen(LAURA))
        .await;
    assert_eq!(laura["total_weeks"], 4);
    let (status, debt) = app.get(&format!("{C}/debt"), &app.company(ACME)).await;
    assert_eq!(status, 200, "{debt}");
    // €1,419.00 + €825.00 + €825.00 + €99.00, all past their due dates.
    assert_eq!(debt["open_cents"], 316_800);
    assert_eq!(debt["overdue_cents"], 316_800);
    assert_eq!(debt["regular"], false);
    assert_eq!(debt["open_notices"].as_array().unwrap().len(), 4);
    // The same month again is refused.
    let (status, body) = app
        .post_idem(
            &format!("{C}/declarations"),
            &app.company(ACME),
            &key(),
            &json!({ "period": "2025-02", "workers": [{ "fiscal_code": LAURA, "taxable_cents": 1 }] }),
        )
        .await;
    assert_eq!(status, 409, "{body}");
    // The dossier: the citizen's weeks, the company's debts.
    let (_, me) = app.get("/api/v1/me", &app.citizen(MARIO)).await;
    assert_eq!(
        me["domains"]["contributions"]["summary"]["total_weeks"], 18,
        "{me}"
    );
    let (status, me) = app.get("/api/v1/me", &app.company(ACME)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(me["profile"]["vat_number"], ACME);
    assert_eq!(
        me["domains"]["contributions"]["summary"]["debt"]["overdue_cents"],
        316_800
    );
    app.stop().await;
}

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
    let agency = app.mint(welfare_gateway::auth::dev_issuer::TokenRequest::Agency {
        org: "comune-roma".into(),
        purpose: "durc-check".into(),
    });
    let (status, problem) = app.get("/interop/v1/durc/0111460100X", &agency).await;
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
    assert_eq!(status, 400, "{problem}");
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

#[tokio::test]
async fn payments_are_in_full_once_and_idempotent() {
    let app = spawn_app().await;
    let jan = declare(&app, ACME, "2025-01", &[(MARIO, 100_000)]).await;
    let notice = jan["notice_number"].as_str().unwrap();
    let acme = app.company(ACME);
    let (status, problem) = pay(&app, &acme, notice, 32_999).await;
    assert_eq!(status, 422, "{problem}");
    let path = format!("{C}/payment-notices/{notice}/payment");
    let k = key();
    let body = json!({ "amount_cents": 33_000, "receipt_id": "PSP-0001" });
    let (status, first) = app.post_idem(&path, &acme, &k, &body).await;
    assert_eq!(status, 200, "{first}");
    assert_eq!(first["status"], "paid");
    let (status, again) = app.post_idem(&path, &acme, &k, &body).await;
    assert_eq!((status, &again), (200, &first));
    let (status, _) = pay(&app, &acme, notice, 33_000).await;
    assert_eq!(status, 409);
    let (_, debt) = app.get(&format!("{C}/debt"), &acme).await;
    assert_eq!(debt["open_cents"], 0);
    assert_eq!(debt["paid_cents"], 33_000);
    assert_eq!(debt["regular"], true);
    let topics = app.topics_about(ACME);
    assert_eq!(
        topics
            .iter()
            .filter(|t| *t == "contributions.payment-recorded")
            .count(),
        1,
        "{topics:?}"
    );
    app.stop().await;
}

#[tokio::test]
async fn durc_tolerance_validity_reuse_and_invitation() {
    let app = spawn_app().await;
    let day = today();
    // No debt: regular, valid 120 days from the request; asked again, the same DURC.
    let beta = app.company(BETA);
    let (status, durc) = app
        .post_idem(&format!("{C}/durc"), &beta, &key(), &json!({}))
        .await;
    assert_eq!(status, 201, "{durc}");
    assert_eq!(durc["status"], "regular");
    assert_eq!(durc["valid"], true);
    assert_eq!(durc["valid_until"], (day + 120.days()).to_string());
    let (status, again) = app
        .post_idem(&format!("{C}/durc"), &beta, &key(), &json!({}))
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], durc["id"]);

    // €45.455 × 33 % = €150.0015 → €150.00 overdue: within the tolerance.
    declare(&app, TOLERATED, "2025-05", &[(MARIO, 45_455)]).await;
    let (status, durc) = app
        .post_idem(
            &format!("{C}/durc"),
            &app.company(TOLERATED),
            &key(),
            &json!({}),
        )
        .await;
    assert_eq!(
        (status, durc["status"].as_str()),
        (201, Some("regular")),
        "{durc}"
    );
    assert_eq!(durc["overdue_cents"], 15_000);

    // €454.58 × 33 % = €150.0114 → €150.01: one cent over, so an invitation to regularise.
    let over = app.company(OVER);
    let dec = declare(&app, OVER, "2025-05", &[(MARIO, 45_458)]).await;
    assert_eq!(dec["contributions_cents"], 15_001);
    let (status, invited) = app
        .post_idem(&format!("{C}/durc"), &over, &key(), &json!({}))
        .await;
    assert_eq!(status, 201, "{invited}");
    assert_eq!(invited["status"], "pending-regularisation");
    assert_eq!(invited["valid"], false);
    assert_eq!(invited["regularise_by"], (day + 15.days()).to_string());
    assert_eq!(
        invited["overdue_notices"][0]["notice_number"],
        dec["notice_number"]
    );
    assert!(
        app.topics_about(OVER)
            .contains(&"contributions.regularisation-invited".to_string())
    );
    // Asked again while the invitation runs: the same request.
    let (status, again) = app
        .post_idem(&format!("{C}/durc"), &over, &key(), &json!({}))
        .await;
    assert_eq!((status, &again["id"]), (200, &invited["id"]));
    // Paying within the 15 days makes it regular, valid 120 days from the request.
    let (status, _) = pay(&app, &over, dec["notice_number"].as_str().unwrap(), 15_001).await;
    assert_eq!(status, 200);
    let id = invited["id"].as_str().unwrap();
    let (_, resolved) = app.get(&format!("{C}/durc/{id}"), &over).await;
    assert_eq!(resolved["status"], "regular", "{resolved}");
    assert_eq!(resolved["valid_until"], (day + 120.days()).to_string());
    assert!(
        app.topics_about(OVER)
            .contains(&"contributions.durc-issued".to_string())
    );

    // Not paying: once the 15 days are over, irregular.
    let late = app.company(LATE);
    declare(&app, LATE, "2025-05", &[(MARIO, 1_000_000)]).await;
    let (_, invited) = app
        .post_idem(&format!("{C}/durc"), &late, &key(), &json!({}))
        .await;
    let id = invited["id"].as_str().unwrap();
    app.run_day(day + 15.days()).await;
    let (_, still) = app.get(&format!("{C}/durc/{id}"), &late).await;
    assert_eq!(
        still["status"], "pending-regularisation",
        "the 15th day is still in time"
    );
    app.run_day(day + 16.days()).await;
    let topics = app.topics_about(LATE);
    assert!(
        topics.contains(&"contributions.durc-irregular".to_string()),
        "{topics:?}"
    );
    let (_, ended) = app.get(&format!("{C}/durc/{id}"), &late).await;
    assert_eq!(ended["status"], "irregular");

    // Procurement offices see only the outcome.
    let agency = app.mint(welfare_gateway::auth::dev_issuer::TokenRequest::Agency {
        org: "stazione-appaltante".into(),
        purpose: "durc-check".into(),
    });
    let (status, seen) = app.get(&format!("/interop/v1/durc/{OVER}"), &agency).await;
    assert_eq!(status, 200);
    assert_eq!(seen["status"], "regular");
    assert_eq!(seen["valid_until"], (day + 120.days()).to_string());
    assert!(seen.get("overdue_cents").is_none());
    let (_, seen) = app.get(&format!("/interop/v1/durc/{LATE}"), &agency).await;
    assert_eq!(seen["status"], "irregular");
    let (_, seen) = app.get(&format!("/interop/v1/durc/{ACME}"), &agency).await;
    assert_eq!(seen["status"], "none");
    app.stop().await;
}

/// Checks a schedule: instalments add up to principal plus interest, to the cent.
fn assert_adds_up(plan: &Value, principal: i64) {
    let schedule = plan["schedule"].as_array().unwrap();
    let amounts: i64 = schedule
        .iter()
        .map(|i| i["amount_cents"].as_i64().unwrap())
        .sum();
    let principals: i64 = schedule
        .iter()
        .map(|i| i["principal_cents"].as_i64().unwrap())
        .sum();
    let interest: i64 = schedule
        .iter()
        .map(|i| i["interest_cents"].as_i64().unwrap())
        .sum();
    assert_eq!(principals, principal);
    assert_eq!(plan["principal_cents"], principal);
    assert_eq!(plan["interest_cents"], interest);
    assert_eq!(plan["total_cents"], principal + interest);
    assert_eq!(amounts, principal + interest);
}

#[tokio::test]
async fn instalment_schedules_and_their_boundaries() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let sim = format!("{C}/instalment-plans/simulations");
    // €1,000.00 in two instalments at 8.15 %: r = 0.0815/12; A = P(1+r)²/(2+r) = €505.0995 →
    // €505.10; interest €6.79 then €3.41 on the €501.69 left (see amortisation.rs).
    let (status, s) = app
        .post(
            &sim,
            &mario,
            &json!({ "principal_cents": 100_000, "instalments": 2, "year": 2026 }),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["schedule"][0]["amount_cents"], 50_510);
    assert_eq!(s["schedule"][0]["interest_cents"], 679);
    assert_eq!(s["schedule"][1]["principal_cents"], 50_169);
    assert_eq!(s["schedule"][1]["interest_cents"], 341);
    assert_eq!(s["total_cents"], 101_020);
    let table: &[(i64, u32, u16)] = &[
        (50_000_000, 36, 200),
        (50_000_000, 37, 400),
        (50_000_001, 37, 200),
        (50_000_001, 60, 200),
        (50_000_001, 61, 400),
        (100_000, 1, 400),
    ];
    for &(principal, count, expected) in table {
        let (status, body) = app
            .post(
                &sim,
                &mario,
                &json!({ "principal_cents": principal, "instalments": count }),
            )
            .await;
        assert_eq!(status, expected, "{principal} in {count}: {body}");
        if status == 200 {
            assert_eq!(body["schedule"].as_array().unwrap().len(), count as usize);
            assert_adds_up(&body, principal);
        } else {
            assert_eq!(field(&body), "instalments", "{body}");
        }
    }

    // Real debts at the boundary: two workers at €757,575.76, 33 % = €250,000.00 each
    // (250,000,000.08 cents, rounded): €500,000.00 in all.
    declare(
        &app,
        AT_THRESHOLD,
        "2025-07",
        &[(MARIO, 75_757_576), (LAURA, 75_757_576)],
    )
    .await;
    let at = app.company(AT_THRESHOLD);
    let plans = format!("{C}/instalment-plans");
    let (status, problem) = app
        .post_idem(&plans, &at, &key(), &json!({ "instalments": 37 }))
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(field(&problem), "instalments");
    let (status, plan) = app
        .post_idem(&plans, &at, &key(), &json!({ "instalments": 36 }))
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_adds_up(&plan, 50_000_000);
    let first_due = Date::new(today().year(), today().month(), 16).unwrap() + 1.month();
    assert_eq!(plan["schedule"][0]["due_date"], first_due.to_string());
    let (_, debt) = app.get(&format!("{C}/debt"), &at).await;
    assert_eq!(debt["in_plan_cents"], 50_000_000);
    assert_eq!(debt["overdue_cents"], 0);
    assert_eq!(
        debt["regular"], true,
        "a debt being paid in instalments is regular"
    );
    // A second plan finds nothing left to spread.
    let (status, _) = app
        .post_idem(&plans, &at, &key(), &json!({ "instalments": 2 }))
        .await;
    assert_eq!(status, 422);

    // €500,000.01: €250,000.00 + €757,575.79 × 33 % = €250,000.0107 → €250,000.01.
    declare(
        &app,
        ABOVE_THRESHOLD,
        "2025-07",
        &[(MARIO, 75_757_576), (LAURA, 75_757_579)],
    )
    .await;
    let above = app.company(ABOVE_THRESHOLD);
    let (status, problem) = app
        .post_idem(&plans, &above, &key(), &json!({ "instalments": 61 }))
        .await;
    assert_eq!((status, field(&problem)), (400, "instalments"), "{problem}");
    let (status, plan) = app
        .post_idem(&plans, &above, &key(), &json!({ "instalments": 60 }))
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_adds_up(&plan, 50_000_001);
    assert!(
        app.topics_about(ABOVE_THRESHOLD)
            .contains(&"contributions.instalment-plan-granted".to_string())
    );
    app.stop().await;
}

#[tokio::test]
async fn missed_instalments_lapse_the_plan() {
    let app = spawn_app().await;
    // €3,000 × 33 % = €990.00 over three instalments.
    let dec = declare(&app, PAYER, "2025-08", &[(MARIO, 300_000)]).await;
    let covered = dec["notice_number"].as_str().unwrap().to_string();
    let payer = app.company(PAYER);
    let (status, plan) = app
        .post_idem(
            &format!("{C}/instalment-plans"),
            &payer,
            &key(),
            &json!({ "instalments": 3 }),
        )
        .await;
    assert_eq!(status, 201, "{plan}");
    assert_adds_up(&plan, 99_000);
    // By hand, r = 0.0815/12: A = 99,000 × r / (1 − (1+r)^−3) = 334.4926 → €334.49.
    // Month 1: interest 99,000 × r = 672.38 → 672, principal 32,777; month 2: interest on
    // 66,223 = 449.76 → 450, principal 32,999; month 3: interest on 33,224 = 225.65 → 226,
    // and the last instalment takes the 33,224 left: €334.50.
    let amounts: Vec<i64> = plan["schedule"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["amount_cents"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![33_449, 33_449, 33_450]);
    let id = plan["id"].as_str().unwrap();
    let inst = |n: usize| plan["schedule"][n].clone();
    let due = |n: usize| {
        inst(n)["due_date"]
            .as_str()
            .unwrap()
            .parse::<Date>()
            .unwrap()
    };
    // The covered notice is now paid through the plan, not directly.
    let (status, _) = pay(&app, &payer, &covered, 99_000).await;
    assert_eq!(status, 409);
    let (status, _) = pay(
        &app,
        &payer,
        inst(0)["notice_number"].as_str().unwrap(),
        inst(0)["amount_cents"].as_i64().unwrap(),
    )
    .await;
    assert_eq!(status, 200);
    // The due day itself is in time; the day after, the second instalment is missed.
    app.run_day(due(1)).await;
    let (_, now) = app.get(&format!("{C}/instalment-plans/{id}"), &payer).await;
    assert_eq!(now["schedule"][1]["status"], "due");
    app.run_day(due(1) + 1.day()).await;
    let (_, now) = app.get(&format!("{C}/instalment-plans/{id}"), &payer).await;
    assert_eq!(now["status"], "active", "{now}");
    assert_eq!(now["missed"], 1);
    assert_eq!(now["schedule"][1]["status"], "missed");
    assert!(
        app.topics_about(PAYER)
            .contains(&"contributions.instalment-missed".to_string())
    );
    // The third missed too: two missed instalments lapse the plan.
    let lapse_day = due(2) + 1.day();
    app.run_day(lapse_day).await;
    let (_, now) = app.get(&format!("{C}/instalment-plans/{id}"), &payer).await;
    assert_eq!(now["status"], "lapsed", "{now}");
    // Only the first instalment's principal (32,777) was paid.
    let balance = 66_223;
    assert_eq!(now["lapse"]["balance_cents"], balance);
    assert_eq!(now["lapse"]["on"], lapse_day.to_string());
    assert!(
        app.topics_about(PAYER)
            .contains(&"contributions.instalment-plan-lapsed".to_string())
    );
    // The unpaid instalments are cancelled; the covered debt is carried into the balance.
    let (status, _) = pay(
        &app,
        &payer,
        inst(2)["notice_number"].as_str().unwrap(),
        inst(2)["amount_cents"].as_i64().unwrap(),
    )
    .await;
    assert_eq!(status, 409);
    let (_, notices) = app
        .get(&format!("{C}/payment-notices?status=replaced"), &payer)
        .await;
    assert_eq!(notices["items"][0]["notice_number"], covered.as_str());
    let (_, debt) = app.get(&format!("{C}/debt"), &payer).await;
    assert_eq!(debt["open_cents"], balance, "{debt}");
    assert_eq!(debt["in_plan_cents"], 0);
    // Paying the balance settles the original debt.
    let number = now["lapse"]["notice_number"].as_str().unwrap();
    let (status, _) = pay(&app, &payer, number, balance).await;
    assert_eq!(status, 200);
    let (_, notices) = app
        .get(&format!("{C}/payment-notices?status=paid"), &payer)
        .await;
    let paid: Vec<&str> = notices["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["notice_number"].as_str().unwrap())
        .collect();
    assert!(paid.contains(&covered.as_str()), "{notices}");

    // A first instalment unpaid after its due date lapses the plan at once.
    declare(&app, FIRST_MISSED, "2025-08", &[(MARIO, 300_000)]).await;
    let first = app.company(FIRST_MISSED);
    let (_, plan) = app
        .post_idem(
            &format!("{C}/instalment-plans"),
            &first,
            &key(),
            &json!({ "instalments": 2 }),
        )
        .await;
    let id = plan["id"].as_str().unwrap();
    let due1: Date = plan["schedule"][0]["due_date"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    app.run_day(due1 + 1.day()).await;
    let (_, now) = app.get(&format!("{C}/instalment-plans/{id}"), &first).await;
    assert_eq!(now["status"], "lapsed", "{now}");
    assert_eq!(now["missed"], 1);
    assert_eq!(now["lapse"]["balance_cents"], 99_000);
    app.stop().await;
}

#[tokio::test]
async fn artisans_owe_quarterly_fixed_contributions() {
    let app = spawn_app().await;
    let giuseppe = app.citizen(GIUSEPPE);
    let path = format!("{C}/self-employment");
    let (status, body) = app
        .post_idem(
            &path,
            &giuseppe,
            &key(),
            &json!({ "fund": "artigiani", "start_date": "2026-02-10" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let of_2026: Vec<&Value> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["reference"].as_str().unwrap().contains("/2026/"))
        .collect();
    // €4,521.36 a year from February: the first quarter owes February and March,
    // round(452,136 × 3/12) − round(452,136 × 1/12) = 113,034 − 37,678; the others a quarter.
    let amounts: Vec<i64> = of_2026
        .iter()
        .map(|n| n["amount_cents"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![75_356, 113_034, 113_034, 113_034]);
    let dues: Vec<&str> = of_2026
        .iter()
        .map(|n| n["due_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dues,
        vec!["2026-05-18", "2026-08-20", "2026-11-16", "2027-02-16"]
    );
    let (status, _) = app
        .post_idem(
            &path,
            &giuseppe,
            &key(),
            &json!({ "fund": "commercianti", "start_date": "2026-03-01" }),
        )
        .await;
    assert_eq!(status, 409);
    let (status, problem) = app
        .post_idem(
            &path,
            &app.citizen(LUCIA),
            &key(),
            &json!({ "fund": "artigiani", "start_date": "2024-12-31" }),
        )
        .await;
    assert_eq!((status, field(&problem)), (400, "start_date"));

    // Paying the first quarter credits February and March: 52 × 2 ÷ 12 = 8.67 → 8 weeks, on the
    // minimum income by month (€18,808: round(1,880,800 × 2/12) − round(1,880,800 × 1/12) =
    // 156,734 for February, 156,733 for March).
    let q1 = of_2026[0]["notice_number"].as_str().unwrap();
    let (status, _) = pay(&app, &giuseppe, q1, 75_356).await;
    assert_eq!(status, 200);
    let (_, s) = app.get(&format!("{C}/statement"), &giuseppe).await;
    assert_eq!(s["periods"][0]["fund"], "artigiani", "{s}");
    assert_eq!(s["periods"][0]["from"], "2026-02-01");
    assert_eq!(s["periods"][0]["to"], "2026-03-31");
    assert_eq!(s["periods"][0]["taxable_cents"], 313_467);
    assert_eq!(s["years"][0]["weeks"], 8);
    assert_eq!(s["gaps"][0]["from"], "2026-04");
    assert_eq!(s["gaps"][0]["reason"], "contributions-unpaid");

    // A new year: the daily sweep issues its four notices (no circular shipped for it yet:
    // the newest figures, and due dates a year on).
    let next = today().year() + 1;
    app.run_day(Date::new(next, 1, 2).unwrap()).await;
    let (_, all) = app
        .get(&format!("{C}/payment-notices?limit=100"), &giuseppe)
        .await;
    let next_year: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["reference"]
                .as_str()
                .unwrap()
                .contains(&format!("/{next}/"))
        })
        .collect();
    assert_eq!(next_year.len(), 4, "{all}");
    assert_eq!(
        next_year
            .iter()
            .map(|n| n["amount_cents"].as_i64().unwrap())
            .sum::<i64>(),
        452_136
    );
    app.stop().await;
}

#[tokio::test]
async fn a_statement_report_becomes_an_officers_task() {
    let app = spawn_app().await;
    declare(&app, ACME, "2025-03", &[(LUCIA, 200_000)]).await;
    let lucia = app.citizen(LUCIA);
    let (status, report) = app
        .post_idem(
            &format!("{C}/statement/reports"),
            &lucia,
            &key(),
            &json!({ "from": "2025-04", "to": "2025-05", "employer_vat": ACME,
                     "message": "I worked for ACME in April and May 2025 but the months are missing." }),
        )
        .await;
    assert_eq!(status, 201, "{report}");
    assert_eq!(report["status"], "open");
    let id = report["id"].as_str().unwrap();
    let officer = app.operator("contributions-officer");
    let (status, queue) = app.get(&format!("{C}/reports"), &officer).await;
    assert_eq!(status, 200);
    assert_eq!(queue["items"][0]["id"], id);
    let resolution = format!("{C}/reports/{id}/resolution");
    // A citizen cannot resolve; a correction outside the reported months names the field.
    let (status, _) = app.post(&resolution, &lucia, &json!({})).await;
    assert_eq!(status, 403);
    let (status, problem) = app
        .post(&resolution, &officer, &json!({
            "outcome": "corrected", "note": "Payslips checked against the company's books.",
            "corrections": [{ "month": "2025-07", "employer_vat": ACME, "taxable_cents": 200_000 }],
        }))
        .await;
    assert_eq!(
        (status, field(&problem)),
        (400, "corrections[0].month"),
        "{problem}"
    );
    let (status, resolved) = app
        .post(&resolution, &officer, &json!({
            "outcome": "corrected", "note": "Payslips checked against the company's books.",
            "corrections": [{ "month": "2025-04", "employer_vat": ACME, "taxable_cents": 200_000 }],
        }))
        .await;
    assert_eq!(status, 200, "{resolved}");
    assert_eq!(resolved["status"], "resolved");
    let (status, _) = app
        .post(
            &resolution,
            &officer,
            &json!({ "outcome": "rejected", "note": "Second thoughts here." }),
        )
        .await;
    assert_eq!(status, 409);
    // The correction is in the statement: March and April 2025 (5 + 4 Saturdays), then May
    // still a gap; the queue is empty; Lucia is told.
    let (_, s) = app.get(&format!("{C}/statement"), &lucia).await;
    assert_eq!(s["periods"][0]["to"], "2025-04-30", "{s}");
    assert_eq!(s["periods"][0]["weeks"], 9);
    let (_, queue) = app.get(&format!("{C}/reports"), &officer).await;
    assert_eq!(queue["items"], json!([]));
    let (_, mine) = app
        .get(&format!("{C}/statement/reports/{id}"), &lucia)
        .await;
    assert_eq!(mine["resolution"]["outcome"], "corrected");
    assert!(
        app.topics_about(LUCIA)
            .contains(&"contributions.statement-report-resolved".to_string())
    );
    app.stop().await;
}

#[tokio::test]
async fn days_are_run_once_and_not_ahead_of_time() {
    let app = welfare_tests::spawn_with(|c| c.clock.allow_future_days = false).await;
    let operator = app.operator("platform-operator");
    let run = |date: Date| {
        welfare_tests::send(app.request(
            reqwest::Method::POST,
            &format!("/api/v1/admin/days/{date}"),
            Some(&operator),
        ))
    };
    let (status, body) = run(today() + 1.day()).await;
    assert_eq!(status, 422, "{body}");
    let (status, body) = run(today()).await;
    assert_eq!((status, &body["published"]), (202, &json!(true)), "{body}");
    let (status, body) = run(today()).await;
    assert_eq!((status, &body["published"]), (200, &json!(false)), "{body}");
    let (status, _) = welfare_tests::send(app.request(
        reqwest::Method::POST,
        &format!("/api/v1/admin/days/{}", today()),
        Some(&app.operator("auditor")),
    ))
    .await;
    assert_eq!(status, 403);
    app.stop().await;
}
