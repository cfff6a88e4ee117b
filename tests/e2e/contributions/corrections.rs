//! Corrections of a month's declaration (a UniEmens "variazione"): the worker lines replaced,
//! the difference in contributions owed on a supplementary notice or taken off the open ones,
//! the statement following, and a refund refused as such. FPLD 33 %.

use super::*;

async fn correct(app: &TestApp, company: &str, period: &str, workers: Value) -> (u16, Value) {
    app.put(
        &format!("{C}/declarations/{period}"),
        &app.company(company),
        &json!({ "workers": workers }),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_replaces_the_lines_and_settles_the_difference() {
    let app = spawn_app().await;
    let acme = app.company(ACME);
    // March 2025: Mario €2,000 and Laura €1,000: 33 % = €660 + €330 = €990 on one notice.
    let march = declare(&app, ACME, "2025-03", &[(MARIO, 200_000), (LAURA, 100_000)]).await;
    assert_eq!(march["contributions_cents"], 99_000);
    let notice = march["notice_number"].as_str().unwrap().to_string();

    // Mario's wages were €3,000: +€1,000 taxable, +€330 due on a supplementary notice, due
    // with the month's (16 April 2025, long past: so today).
    let (status, out) = correct(
        &app,
        ACME,
        "2025-03",
        json!([{ "fiscal_code": MARIO, "taxable_cents": 300_000 }, { "fiscal_code": LAURA, "taxable_cents": 100_000 }]),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["id"], march["id"], "the same declaration, corrected");
    assert_eq!(out["contributions_cents"], 132_000);
    assert_eq!(out["taxable_cents"], 400_000);
    assert_eq!(out["corrections"][0]["difference_cents"], 33_000);
    let supplementary = out["corrections"][0]["notice_number"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, debt) = app.get(&format!("{C}/debt"), &acme).await;
    // €990 + €330 open.
    assert_eq!(debt["open_cents"], 132_000, "{debt}");

    // The same correction again changes nothing (PUT is idempotent: no second notice).
    let (status, again) = correct(
        &app,
        ACME,
        "2025-03",
        json!([{ "fiscal_code": MARIO, "taxable_cents": 300_000 }, { "fiscal_code": LAURA, "taxable_cents": 100_000 }]),
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["corrections"][1]["difference_cents"], 0);
    assert_eq!(again["corrections"][1].get("notice_number"), None);

    // Laura was not employed in March after all: −€330, taken off the supplementary notice
    // (the newest), which is cancelled; the month's own notice stays at €990.
    let (status, out) = correct(
        &app,
        ACME,
        "2025-03",
        json!([{ "fiscal_code": MARIO, "taxable_cents": 300_000 }]),
    )
    .await;
    assert_eq!(status, 200, "{out}");
    assert_eq!(out["contributions_cents"], 99_000);
    assert_eq!(out["corrections"][2]["difference_cents"], -33_000);
    assert_eq!(out["corrections"][2]["removed"], json!([LAURA]));
    let (_, debt) = app.get(&format!("{C}/debt"), &acme).await;
    assert_eq!(debt["open_cents"], 99_000, "{debt}");
    let open: Vec<&str> = debt["open_notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["notice_number"].as_str().unwrap())
        .collect();
    assert_eq!(open, [notice.as_str()], "{debt}");
    assert!(!open.contains(&supplementary.as_str()));
    // Her statement no longer has March; his has €3,000.
    let (_, laura) = app
        .get(&format!("{C}/statement"), &app.citizen(LAURA))
        .await;
    assert_eq!(laura["total_weeks"], 0, "{laura}");
    let (_, mario) = app
        .get(&format!("{C}/statement"), &app.citizen(MARIO))
        .await;
    assert_eq!(mario["periods"][0]["taxable_cents"], 300_000, "{mario}");

    // Paid in full, a lower figure would be money back: 409, and nothing changes.
    let (status, paid) = pay(&app, &acme, &notice, 99_000).await;
    assert_eq!(status, 200, "{paid}");
    let before = documents(&app);
    let (status, problem) = correct(
        &app,
        ACME,
        "2025-03",
        json!([{ "fiscal_code": MARIO, "taxable_cents": 200_000 }]),
    )
    .await;
    assert_eq!(status, 409, "{problem}");
    assert_eq!(
        problem["type"],
        "urn:welfare:problem:correction-needs-refund"
    );
    assert_eq!(documents(&app), before);
    let (_, declared) = app.get(&format!("{C}/declarations/2025-03"), &acme).await;
    assert_eq!(declared["contributions_cents"], 99_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_correction_needs_a_declared_month_and_valid_lines() {
    let app = spawn_app().await;
    declare(&app, ACME, "2025-04", &[(MARIO, 100_000)]).await;
    let (status, problem) = correct(
        &app,
        ACME,
        "2025-05",
        json!([{ "fiscal_code": MARIO, "taxable_cents": 1 }]),
    )
    .await;
    assert_eq!(status, 404, "{problem}");
    // April 2025 has four Saturdays (5, 12, 19, 26).
    let cases = [
        (json!([]), "workers"),
        (
            json!([{ "fiscal_code": "RSSMRA85T10A562X", "taxable_cents": 1 }]),
            "workers[0].fiscal_code",
        ),
        (
            json!([{ "fiscal_code": MARIO, "taxable_cents": -1 }]),
            "workers[0].taxable_cents",
        ),
        (
            json!([{ "fiscal_code": MARIO, "taxable_cents": 1, "weeks": 5 }]),
            "workers[0].weeks",
        ),
    ];
    for (workers, at) in cases {
        let (status, problem) = correct(&app, ACME, "2025-04", workers.clone()).await;
        assert_eq!(status, 400, "{workers}: {problem}");
        assert_eq!(field(&problem), at, "{problem}");
    }
    // Another company's month is not this one's.
    let (status, _) = correct(
        &app,
        BETA,
        "2025-04",
        json!([{ "fiscal_code": MARIO, "taxable_cents": 1 }]),
    )
    .await;
    assert_eq!(status, 404);
}
