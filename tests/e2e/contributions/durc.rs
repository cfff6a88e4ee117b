//! Payments in full, once, idempotent; the DURC's tolerance, validity, reuse and invitation to
//! regularise, and the interop answer.

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
