//! Declarations that feed workers' statements (weeks rule, gaps), and statement reports
//! worked by officers.

use super::*;

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
