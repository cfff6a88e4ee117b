//! NASpI applications as the agency already knows them: the age on the claim date, one claim
//! per termination, and the wages and weeks of the last four years pre-filled from the
//! employers' monthly declarations (published by the contributions domain, kept by income
//! support from its events), with their sources and the citizen's corrections.
//!
//! Figures (2025 parameters, INPS circ. 25/2025: threshold €1,436.61, cap €1,562.82; D.Lgs.
//! 22/2015 art. 4-5: reference wage = wages ÷ weeks × 4.33; 75 % up to the threshold plus 25 %
//! of the excess; half the weeks; −3 % a month from month 6, from month 8 at 55 or more).

use serde_json::{Value, json};
use welfare_gateway::identity::FiscalCode;
use welfare_tests::{ACME, LAURA, MARIO, TestApp, naspi_application, naspi_application_n};

const APPLICATIONS: &str = "/api/v1/income-support/applications";
const DRAFT: &str = "/api/v1/income-support/drafts/naspi";
const DECLARATIONS: &str = "/api/v1/contributions/declarations";

/// A valid fiscal code from its first fifteen characters: the one check letter that parses.
fn code(stem: &str) -> String {
    ('A'..='Z')
        .map(|c| format!("{stem}{c}"))
        .find(|c| FiscalCode::parse(c).is_ok())
        .unwrap()
}

fn key() -> String {
    format!("test-{}", rand::random::<u64>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_age_is_taken_on_the_claim_date() {
    let app = welfare_tests::spawn_app().await;
    // Both born 20 March 1971, both dismissed on 10 March 2026 (aged 54): one claims on
    // 25 March, aged 55, so the 3 % reduction starts at month 8; one on 19 March, still 54,
    // from month 6 (D.Lgs. 22/2015 art. 4 c. 3 as amended by L. 234/2021 art. 1 c. 221).
    let cases = [
        (code("RSSMRA71C20H501"), "2026-03-25", 55, 8),
        (code("VRDLGU71C20H501"), "2026-03-19", 54, 6),
    ];
    for (claimant, claim_date, age, reduction_from) in cases {
        let token = app.citizen(&claimant);
        let body = json!({
            "benefit": "naspi", "termination_date": "2026-03-10", "claim_date": claim_date,
            "termination_reason": "dismissal", "wages_last_4_years_cents": 6_000_000,
            "contribution_weeks_last_4_years": 200,
        });
        let (status, out) = app.post_idem(APPLICATIONS, &token, &key(), &body).await;
        assert_eq!(status, 201, "{out}");
        assert_eq!(out["details"]["age"], age, "{claim_date}: {out}");
        assert_eq!(out["prefilled"], json!(["age"]), "{out}");
        assert_eq!(
            out["sources"]["age"],
            json!({ "from": "fiscal-code", "on": claim_date })
        );
        assert_eq!(out["estimate"]["reduction_from_month"], reduction_from);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_claim_for_the_same_termination_is_refused() {
    let app = welfare_tests::spawn_app().await;
    let mario = app.citizen(MARIO);
    let (status, first) = app
        .post_idem(APPLICATIONS, &mario, "first", &naspi_application())
        .await;
    assert_eq!(status, 201, "{first}");
    let documents = app.count("SELECT COUNT(*) FROM documents WHERE domain = 'income-support'");
    let events = app.count("SELECT COUNT(*) FROM outbox");

    // The same termination with other figures and another key: refused, naming the first.
    let mut again = naspi_application();
    again["wages_last_4_years_cents"] = json!(7_000_000);
    let (status, problem) = app.post_idem(APPLICATIONS, &mario, "second", &again).await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(problem["type"], "urn:welfare:problem:duplicate-application");
    assert_eq!(problem["existing_application"], first["id"]);
    assert!(
        problem["detail"]
            .as_str()
            .unwrap()
            .contains(first["id"].as_str().unwrap()),
        "{problem}"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) FROM documents WHERE domain = 'income-support'"),
        documents,
        "nothing was written"
    );
    assert_eq!(app.count("SELECT COUNT(*) FROM outbox"), events);
    let (_, list) = app.get(APPLICATIONS, &mario).await;
    assert_eq!(list["items"].as_array().unwrap().len(), 1, "{list}");

    // Another termination is another claim; another person's same date is theirs.
    let (status, out) = app
        .post_idem(APPLICATIONS, &mario, "third", &naspi_application_n(1))
        .await;
    assert_eq!(status, 201, "{out}");
    let (status, out) = app
        .post_idem(
            APPLICATIONS,
            &app.citizen(LAURA),
            "laura",
            &naspi_application(),
        )
        .await;
    assert_eq!(status, 201, "{out}");
}

/// ACME declares `months` of 2025 for Mario and Laura, €2,500 and 4 weeks each a month;
/// returns the declarations' ids.
async fn declare_2025(app: &TestApp) -> Vec<String> {
    let acme = app.company(ACME);
    let mut ids = Vec::new();
    for month in 1..=12 {
        let (status, out) = app
            .post_idem(
                DECLARATIONS,
                &acme,
                &key(),
                &json!({ "period": format!("2025-{month:02}"), "workers": [
                    { "fiscal_code": MARIO, "taxable_cents": 250_000, "weeks": 4 },
                    { "fiscal_code": LAURA, "taxable_cents": 250_000, "weeks": 4 },
                ] }),
            )
            .await;
        assert_eq!(status, 201, "{out}");
        ids.push(out["id"].as_str().unwrap().to_string());
    }
    ids
}

fn sorted(list: &Value) -> Vec<String> {
    let mut v: Vec<String> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap().to_string())
        .collect();
    v.sort();
    v
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn naspi_is_prefilled_from_the_employers_declarations() {
    let app = welfare_tests::spawn_app().await;
    let mut declarations = declare_2025(&app).await;
    declarations.sort();
    app.settled().await;
    let mario = app.citizen(MARIO);
    let query = "?termination_date=2025-12-31&claim_date=2026-01-10&termination_reason=dismissal";

    // Twelve months of €2,500 and 4 weeks: €30,000 over 48 weeks, all inside the 48 months
    // to December 2025 (from January 2022). Reference wage 3,000,000 × 4.33 ÷ 48 = 270,625;
    // 75 % × 143,661 + 25 % × (270,625 − 143,661) = 107,745.75 + 31,741 = 139,486.75 →
    // 139,487. 24 weeks: five months of 4.33 weeks, then 2.35 weeks of month 6 at
    // 139,487 × 0.97 = 135,302.39 → 135,302, × 2.35 ÷ 4.33 = 73,431.8 → 73,432. Total
    // 5 × 139,487 + 73,432 = 770,867. Mario (born 10 December 1985) is 40 on 10 January 2026.
    let (status, draft) = app.get(&format!("{DRAFT}{query}"), &mario).await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["details"]["wages_last_4_years_cents"], 3_000_000);
    assert_eq!(draft["details"]["contribution_weeks_last_4_years"], 48);
    assert_eq!(draft["details"]["age"], 40);
    assert_eq!(
        sorted(&draft["prefilled"]),
        [
            "age",
            "contribution_weeks_last_4_years",
            "wages_last_4_years_cents"
        ]
    );
    let source = &draft["sources"]["wages_last_4_years_cents"];
    assert_eq!(source["from"], "contribution-record");
    assert_eq!(sorted(&source["declarations"]), declarations);
    assert_eq!(
        (&source["from_month"], &source["to_month"]),
        (&json!("2022-01"), &json!("2025-12"))
    );
    assert_eq!(draft["sources"]["contribution_weeks_last_4_years"], *source);
    assert_eq!(draft["estimate"]["reference_monthly_wage_cents"], 270_625);
    assert_eq!(draft["estimate"]["monthly_amount_cents"], 139_487);
    assert_eq!(draft["estimate"]["duration_weeks"], 24);
    assert_eq!(draft["estimate"]["total_cents"], 770_867);

    // The application built from the draft: the citizen sends only the termination.
    let (status, application) = app
        .post_idem(
            APPLICATIONS,
            &mario,
            &key(),
            &json!({ "benefit": "naspi", "termination_date": "2025-12-31",
                     "claim_date": "2026-01-10", "termination_reason": "dismissal" }),
        )
        .await;
    assert_eq!(status, 201, "{application}");
    assert_eq!(application["estimate"]["monthly_amount_cents"], 139_487);
    assert_eq!(application["estimate"]["total_cents"], 770_867);
    assert_eq!(application["sources"], draft["sources"]);
    assert_eq!(application.get("corrections"), None, "{application}");

    // ACME corrects December: Mario's wages €3,500 (+€1,000, so 33 % more contributions,
    // €330.00, on a supplementary notice). The next draft: €31,000 over 48 weeks, reference
    // 3,100,000 × 4.33 ÷ 48 = 279,645.83 → 279,646; 107,745.75 + 25 % × 135,985 = 107,745.75 +
    // 33,996.25 = 141,742.
    let (status, corrected) = app
        .put(
            &format!("{DECLARATIONS}/2025-12"),
            &app.company(ACME),
            &json!({ "workers": [
                { "fiscal_code": MARIO, "taxable_cents": 350_000, "weeks": 4 },
                { "fiscal_code": LAURA, "taxable_cents": 250_000, "weeks": 4 },
            ] }),
        )
        .await;
    assert_eq!(status, 200, "{corrected}");
    assert_eq!(corrected["corrections"][0]["difference_cents"], 33_000);
    app.settled().await;
    let (_, draft) = app.get(&format!("{DRAFT}{query}"), &mario).await;
    assert_eq!(
        draft["details"]["wages_last_4_years_cents"], 3_100_000,
        "{draft}"
    );
    assert_eq!(draft["details"]["contribution_weeks_last_4_years"], 48);
    assert_eq!(draft["estimate"]["reference_monthly_wage_cents"], 279_646);
    assert_eq!(draft["estimate"]["monthly_amount_cents"], 141_742);

    // Laura says she had 50 weeks, not the 48 declared: her figure is used and recorded as
    // her correction. 3,000,000 × 4.33 ÷ 50 = 259,800; 107,745.75 + 25 % × 116,139 =
    // 107,745.75 + 29,034.75 = 136,780.50 → 136,781; 25 weeks.
    let (status, hers) = app
        .post_idem(
            APPLICATIONS,
            &app.citizen(LAURA),
            &key(),
            &json!({ "benefit": "naspi", "termination_date": "2025-12-31",
                     "claim_date": "2026-01-10", "termination_reason": "dismissal",
                     "contribution_weeks_last_4_years": 50 }),
        )
        .await;
    assert_eq!(status, 201, "{hers}");
    assert_eq!(hers["estimate"]["monthly_amount_cents"], 136_781);
    assert_eq!(hers["estimate"]["duration_weeks"], 25);
    assert_eq!(
        sorted(&hers["prefilled"]),
        ["age", "wages_last_4_years_cents"]
    );
    let corrections = hers["corrections"].as_array().unwrap();
    assert_eq!(corrections.len(), 1, "{hers}");
    assert_eq!(corrections[0]["field"], "contribution_weeks_last_4_years");
    assert_eq!(corrections[0]["platform_value"], 48);
    assert_eq!(corrections[0]["citizen_value"], 50);
    assert_eq!(corrections[0]["source"]["from"], "contribution-record");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_draft_without_declarations_prefills_the_age_only() {
    let app = welfare_tests::spawn_app().await;
    let mario = app.citizen(MARIO);
    let (status, draft) = app
        .get(
            &format!("{DRAFT}?termination_date=2026-03-31&claim_date=2026-04-02"),
            &mario,
        )
        .await;
    assert_eq!(status, 200, "{draft}");
    assert_eq!(draft["prefilled"], json!(["age"]));
    assert_eq!(draft["details"]["age"], 40);
    assert_eq!(
        draft["estimate"],
        Value::Null,
        "no wages, no reason: {draft}"
    );
    for (query, field) in [
        ("termination_date=31-03-2026", "termination_date"),
        ("claim_date=tomorrow", "claim_date"),
        ("termination_reason=fired", "termination_reason"),
    ] {
        let (status, problem) = app.get(&format!("{DRAFT}?{query}"), &mario).await;
        assert_eq!(status, 400, "{query}: {problem}");
        assert_eq!(welfare_tests::fields(&problem), [field], "{problem}");
    }
}
