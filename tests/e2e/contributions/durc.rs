//! Payments in full, once, idempotent; the DURC's cut-off (which dues a request verifies), its
//! tolerance with the civil sanctions, validity, reuse and invitation to regularise, and the
//! interop answer.

use super::*;

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

/// The day the lifecycle test's requests are made on: fixed, so that the sanctions accrued
/// (which grow every day) have figures worked out by hand.
fn december_2026() -> Date {
    Date::new(2026, 12, 2).unwrap()
}

#[tokio::test]
async fn durc_tolerance_validity_reuse_and_invitation() {
    let day = december_2026();
    let app = spawn_on(day).await;
    // No debt: regular, valid 120 days from the request; asked again, the same DURC.
    let beta = app.company(BETA);
    let (status, durc) = app
        .post_idem(&format!("{C}/durc"), &beta, &key(), &json!({}))
        .await;
    assert_eq!(status, 201, "{durc}");
    assert_eq!(durc["status"], "regular");
    assert_eq!(durc["valid"], true);
    assert_eq!(durc["valid_until"], (day + 120.days()).to_string());
    assert_eq!(durc["verified_up_to"], "2026-10-31");
    let (status, again) = app
        .post_idem(&format!("{C}/durc"), &beta, &key(), &json!({}))
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["id"], durc["id"]);

    // September 2026, due 16 October: verified by a December request. €450.12 × 33 % =
    // €148.5396 → €148.54, 47 days late (17 Oct–2 Dec) at 7.65 %: 14,854 × 765 × 47 / 3,650,000
    // = 146.32 → €1.46; €150.00 in all: within the tolerance. (Before the sanctions counted,
    // this test had €150.00 of contributions alone as the boundary; with their sanctions that
    // is now irregular, as art. 3 c. 3 says "comprensivi di eventuali accessori di legge".)
    declare(&app, TOLERATED, "2026-09", &[(MARIO, 45_012)]).await;
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
    assert_eq!(durc["overdue_cents"], 14_854);
    assert_eq!(durc["sanctions_cents"], 146);
    assert_eq!(durc["shortfall_cents"], 15_000);

    // €450.15 × 33 % = €148.5495 → €148.55, the same €1.46 of sanctions (146.33): €150.01,
    // one cent over, so an invitation to regularise.
    let over = app.company(OVER);
    let dec = declare(&app, OVER, "2026-09", &[(MARIO, 45_015)]).await;
    assert_eq!(dec["contributions_cents"], 14_855);
    let (status, invited) = app
        .post_idem(&format!("{C}/durc"), &over, &key(), &json!({}))
        .await;
    assert_eq!(status, 201, "{invited}");
    assert_eq!(invited["status"], "pending-regularisation");
    assert_eq!(invited["valid"], false);
    assert_eq!(invited["shortfall_cents"], 15_001);
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
    let (status, _) = pay(&app, &over, dec["notice_number"].as_str().unwrap(), 14_855).await;
    assert_eq!(status, 200);
    let id = invited["id"].as_str().unwrap();
    let (_, resolved) = app.get(&format!("{C}/durc/{id}"), &over).await;
    assert_eq!(resolved["status"], "regular", "{resolved}");
    assert_eq!(resolved["valid_until"], (day + 120.days()).to_string());
    assert_eq!(resolved["shortfall_cents"], 0, "{resolved}");
    assert!(
        app.topics_about(OVER)
            .contains(&"contributions.durc-issued".to_string())
    );

    // Not paying: once the 15 days are over, irregular.
    let late = app.company(LATE);
    declare(&app, LATE, "2026-09", &[(MARIO, 1_000_000)]).await;
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
    let agency = app.agency("stazione-appaltante", "procurement");
    let (status, seen) = agency.get(&format!("/interop/v1/durc/{OVER}")).await;
    assert_eq!(status, 200);
    assert_eq!(seen["status"], "regular");
    assert_eq!(seen["valid_until"], (day + 120.days()).to_string());
    assert!(seen.get("overdue_cents").is_none());
    let (_, seen) = agency.get(&format!("/interop/v1/durc/{LATE}")).await;
    assert_eq!(seen["status"], "irregular");
    let (_, seen) = agency.get(&format!("/interop/v1/durc/{ACME}")).await;
    assert_eq!(seen["status"], "none");
    app.stop().await;
}

/// One request of the cut-off table: made on `on`, with €1,000.00 of contributions declared
/// for each of `periods` (€3,030.30 × 33 % = €999.999 → €1,000.00).
struct CutOff {
    on: Date,
    periods: &'static [&'static str],
    verified_up_to: &'static str,
    /// The verified notices' due dates and sanctions.
    verified: &'static [(&'static str, i64)],
    /// Overdue, but due after the cut-off.
    later: &'static [&'static str],
    status: &'static str,
}

fn d(raw: &str) -> Date {
    raw.parse().unwrap()
}

#[tokio::test]
async fn a_request_verifies_the_dues_up_to_the_second_month_before_it() {
    // D.M. 30/1/2015 art. 3 c. 1: dues up to the last day of the second month before the
    // request's month. A month's contributions are due the 16th of the next month, its UniEmens
    // by the end of that month, both by the cut-off for the months up to the third before the
    // request. Sanctions at 7.65 % a year from 11 June 2025 (8.40 % from 5 February, 8.15 % from
    // 12 March, 7.90 % from 23 April 2025), per day ÷ 365, on €1,000.00 = 100,000 cents.
    let table = [
        // December 2026, cut-off 31 October: September's dues (16 October) counted, 47 days
        // late (17 Oct–2 Dec): 100,000 × 765 × 47 / 3,650,000 = 985.07 → €9.85; October's
        // (16 November) overdue but not verified; November's (16 December) not even overdue.
        CutOff {
            on: d("2026-12-02"),
            periods: &["2026-09", "2026-10", "2026-11"],
            verified_up_to: "2026-10-31",
            verified: &[("2026-10-16", 985)],
            later: &["2026-11-16"],
            status: "pending-regularisation",
        },
        // The same December request without September: the €1,000.00 due 16 November is not
        // looked at, nor the one due 16 December; regular.
        CutOff {
            on: d("2026-12-02"),
            periods: &["2026-10", "2026-11"],
            verified_up_to: "2026-10-31",
            verified: &[],
            later: &["2026-11-16"],
            status: "regular",
        },
        // January 2026, cut-off 30 November 2025, across the year: October 2025's dues
        // (16 November) counted, 55 days late (17 Nov 2025–10 Jan 2026: 14 + 31 + 10):
        // 100,000 × 765 × 55 / 3,650,000 = 1,152.74 → €11.53; November's (16 December) not.
        CutOff {
            on: d("2026-01-10"),
            periods: &["2025-10", "2025-11"],
            verified_up_to: "2025-11-30",
            verified: &[("2025-11-16", 1_153)],
            later: &["2025-12-16"],
            status: "pending-regularisation",
        },
        // April 2025, cut-off 28 February: January's dues (16 February) counted, 73 days late
        // across three rates: 23 days at 8.40 % (17 Feb–11 Mar), 42 at 8.15 % (12 Mar–22 Apr),
        // 8 at 7.90 % (23–30 Apr): 100,000 × (19,320 + 34,230 + 6,320) / 3,650,000 = 1,640.27 →
        // €16.40; February's (16 March) not.
        CutOff {
            on: d("2025-04-30"),
            periods: &["2025-01", "2025-02"],
            verified_up_to: "2025-02-28",
            verified: &[("2025-02-16", 1_640)],
            later: &["2025-03-16"],
            status: "pending-regularisation",
        },
        // March 2025, cut-off 31 January: January's dues (16 February) are overdue but after
        // it; regular.
        CutOff {
            on: d("2025-03-31"),
            periods: &["2025-01"],
            verified_up_to: "2025-01-31",
            verified: &[],
            later: &["2025-02-16"],
            status: "regular",
        },
    ];
    for row in table {
        let app = spawn_on(row.on).await;
        let company = app.company(TOLERATED);
        for period in row.periods {
            let dec = declare(&app, TOLERATED, period, &[(MARIO, 303_030)]).await;
            assert_eq!(dec["contributions_cents"], 100_000);
        }
        let (status, durc) = app
            .post_idem(&format!("{C}/durc"), &company, &key(), &json!({}))
            .await;
        let at = format!("a request on {}: {durc}", row.on);
        assert_eq!(status, 201, "{at}");
        assert_eq!(durc["status"], row.status, "{at}");
        assert_eq!(durc["requested_on"], row.on.to_string(), "{at}");
        assert_eq!(durc["verified_up_to"], row.verified_up_to, "{at}");
        assert_eq!(durc["sanctions_accrued_to"], row.on.to_string(), "{at}");
        let verified: Vec<(String, i64)> = durc["overdue_notices"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|n| {
                        assert_eq!(n["amount_cents"], 100_000, "{at}");
                        (
                            n["due_date"].as_str().unwrap().to_string(),
                            n["sanctions_cents"].as_i64().unwrap(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        let expected: Vec<(String, i64)> = row
            .verified
            .iter()
            .map(|(due, s)| (due.to_string(), *s))
            .collect();
        assert_eq!(verified, expected, "{at}");
        let sanctions: i64 = row.verified.iter().map(|(_, s)| s).sum();
        let owed = 100_000 * row.verified.len() as i64;
        assert_eq!(durc["overdue_cents"], owed, "{at}");
        assert_eq!(durc["sanctions_cents"], sanctions, "{at}");
        assert_eq!(durc["shortfall_cents"], owed + sanctions, "{at}");
        let later: Vec<&str> = durc["not_yet_verified"]
            .as_array()
            .map(|a| a.iter().map(|n| n["due_date"].as_str().unwrap()).collect())
            .unwrap_or_default();
        assert_eq!(later, row.later, "{at}");
        // The debt position says the same as the DURC would today.
        let (_, debt) = app.get(&format!("{C}/debt"), &company).await;
        assert_eq!(debt["regular"], row.status == "regular", "{debt}");
        assert_eq!(debt["verified_up_to"], row.verified_up_to, "{debt}");
        assert_eq!(debt["shortfall_cents"], owed + sanctions, "{debt}");
        app.stop().await;
    }
}

#[tokio::test]
async fn the_tolerance_counts_the_sanctions() {
    // (request day, period declared, taxable, contributions, sanctions, regular): contributions
    // at 33 %, sanctions per day ÷ 365 at the rates in force (7.65 % from 11 June 2025,
    // 8.40 % / 8.15 % / 7.90 % before), €150.00 of tolerance for both together.
    let table: &[(&str, &str, i64, i64, i64, bool)] = &[
        // 2026. €424.24 × 33 % = €139.9992 → €140.00, due 16 Oct 2025, verified by a December
        // 2026 request (cut-off 31 Oct 2026) after 412 days (365 + 47) at 7.65 %:
        // 14,000 × 765 × 412 / 3,650,000 = 1,208.9 → €12.09: €152.09, irregular.
        ("2026-12-02", "2025-09", 42_424, 14_000, 1_209, false),
        // The same €140.00 due 16 Oct 2026, 47 days: 14,000 × 765 × 47 / 3,650,000 = 137.9 →
        // €1.38: €141.38, regular.
        ("2026-12-02", "2026-09", 42_424, 14_000, 138, true),
        // €450.12 × 33 % = €148.5396 → €148.54, 47 days: 14,854 × 765 × 47 / 3,650,000 =
        // 146.32 → €1.46: €150.00 exactly, regular.
        ("2026-12-02", "2026-09", 45_012, 14_854, 146, true),
        // €450.15 × 33 % = €148.5495 → €148.55, 146.33 → €1.46: €150.01, irregular.
        ("2026-12-02", "2026-09", 45_015, 14_855, 146, false),
        // 2025. €439.39 × 33 % = €144.9987 → €145.00 due 16 Feb 2025, a request on 1 Dec 2025
        // (cut-off 31 Oct) after 288 days: 23 at 8.40 % (17 Feb–11 Mar), 42 at 8.15 %
        // (12 Mar–22 Apr), 49 at 7.90 % (23 Apr–10 Jun), 174 at 7.65 % (11 Jun–1 Dec):
        // Σ bp × days = 19,320 + 34,230 + 38,710 + 133,110 = 225,370; 14,500 × 225,370 /
        // 3,650,000 = 895.31 → €8.95: €153.95, irregular.
        ("2025-12-01", "2025-01", 43_939, 14_500, 895, false),
        // €140.00 the same 288 days: 14,000 × 225,370 / 3,650,000 = 864.43 → €8.64: €148.64,
        // regular.
        ("2025-12-01", "2025-01", 42_424, 14_000, 864, true),
        // €140.00 due 16 Sep 2025, a request on 3 Nov 2025 (cut-off 30 Sep), 48 days
        // (14 + 31 + 3) at 7.65 %: 14,000 × 765 × 48 / 3,650,000 = 140.84 → €1.41: regular.
        ("2025-11-03", "2025-08", 42_424, 14_000, 141, true),
    ];
    for &(on, period, taxable, owed, sanctions, regular) in table {
        let app = spawn_on(d(on)).await;
        let dec = declare(&app, OVER, period, &[(MARIO, taxable)]).await;
        assert_eq!(dec["contributions_cents"], owed, "{period}");
        let (status, durc) = app
            .post_idem(&format!("{C}/durc"), &app.company(OVER), &key(), &json!({}))
            .await;
        let at = format!("{period} asked on {on}: {durc}");
        assert_eq!(status, 201, "{at}");
        assert_eq!(durc["overdue_cents"], owed, "{at}");
        assert_eq!(
            durc["overdue_notices"][0]["sanctions_cents"], sanctions,
            "{at}"
        );
        assert_eq!(durc["sanctions_cents"], sanctions, "{at}");
        assert_eq!(durc["shortfall_cents"], owed + sanctions, "{at}");
        assert_eq!(durc["tolerance_cents"], 15_000, "{at}");
        let expected = if regular {
            "regular"
        } else {
            "pending-regularisation"
        };
        assert_eq!(durc["status"], expected, "{at}");
        app.stop().await;
    }
}
