//! Instalment plans at their boundaries, exact schedules, missed instalments and lapse.

use super::*;

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
    assert_eq!(now["lapse"]["reason"]["code"], "instalments-unpaid");
    assert_eq!(now["lapse"]["reason"]["missed"], 2);
    assert_eq!(
        now["lapse"]["reason"]["text"],
        "2 rate non sono state pagate."
    );
    let (_, english) = welfare_tests::send(
        app.request(
            reqwest::Method::GET,
            &format!("{C}/instalment-plans/{id}"),
            Some(&payer),
        )
        .header("accept-language", "en"),
    )
    .await;
    assert_eq!(
        english["lapse"]["reason"]["text"],
        "2 instalments were not paid."
    );
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
    assert_eq!(now["lapse"]["reason"]["code"], "first-instalment-unpaid");
    app.stop().await;
}

/// One row of the rates table: a plan of €1,000.00 in two instalments requested on `on`.
struct RateCase {
    on: &'static str,
    /// The month declared before it (due the 16th of the next month).
    period: &'static str,
    bp: i64,
    from: &'static str,
    /// Each instalment's (principal, interest).
    lines: [(i64, i64); 2],
}

#[tokio::test]
async fn a_plan_takes_the_deferment_rate_in_force_on_its_request_date() {
    // The rate is the ECB rate + 6 points on the day of the request (circ. 34/2025: 8.90 % from
    // 5 Feb; 56/2025: 8.65 % from 12 Mar; 80/2025: 8.40 % from 23 Apr; 100/2025: 8.15 % from
    // 11 Jun; 9.15 % before, from the ECB's 3.15 % of 18 Dec 2024; 8.15 % still in 2026).
    // €1,000.00 = 100,000 cents over two months, r = bp / 120,000: A = P(1+r)²/(2+r) rounded to
    // the cent; interest 1 = P·r, principal 1 = A − interest 1; the last instalment takes the
    // balance with its interest.
    let table = [
        // 9.15 %: r = 0.007625; A = 100,000 × 1.015308141 / 2.007625 = 50,572.60 → 50,573;
        // interest 762.5 → 763, principal 49,810; balance 50,190 × r = 382.70 → 383.
        RateCase {
            on: "2025-02-04",
            period: "2025-01",
            bp: 915,
            from: "2024-12-18",
            lines: [(49_810, 763), (50_190, 383)],
        },
        // 8.90 %: r = 0.0074167; A = 100,000 × 1.014888340 / 2.0074167 = 50,556.94 → 50,557;
        // interest 741.67 → 742, principal 49,815; 50,185 × r = 372.21 → 372.
        RateCase {
            on: "2025-02-05",
            period: "2025-01",
            bp: 890,
            from: "2025-02-05",
            lines: [(49_815, 742), (50_185, 372)],
        },
        // 11 March: still 8.90 %, the same schedule.
        RateCase {
            on: "2025-03-11",
            period: "2025-02",
            bp: 890,
            from: "2025-02-05",
            lines: [(49_815, 742), (50_185, 372)],
        },
        // 8.65 %: r = 0.0072083; A = 100,000 × 1.014468627 / 2.0072083 = 50,541.27 → 50,541;
        // interest 720.83 → 721, principal 49,820; 50,180 × r = 361.71 → 362.
        RateCase {
            on: "2025-03-12",
            period: "2025-02",
            bp: 865,
            from: "2025-03-12",
            lines: [(49_820, 721), (50_180, 362)],
        },
        // 10 June: 8.40 % (from 23 April): r = 0.007; A = 100,000 × 1.014049 / 2.007 =
        // 50,525.61 → 50,526; interest 700, principal 49,826; 50,174 × 0.007 = 351.22 → 351.
        RateCase {
            on: "2025-06-10",
            period: "2025-05",
            bp: 840,
            from: "2025-04-23",
            lines: [(49_826, 700), (50_174, 351)],
        },
        // 8.15 %: r = 0.0067917; A = 100,000 × 1.013629460 / 2.0067917 = 50,509.95 → 50,510;
        // interest 679.17 → 679, principal 49,831; 50,169 × r = 340.73 → 341.
        RateCase {
            on: "2025-06-11",
            period: "2025-05",
            bp: 815,
            from: "2025-06-11",
            lines: [(49_831, 679), (50_169, 341)],
        },
        // 2026 carries 8.15 % from 11 June 2025: the same schedule.
        RateCase {
            on: "2026-03-02",
            period: "2026-02",
            bp: 815,
            from: "2025-06-11",
            lines: [(49_831, 679), (50_169, 341)],
        },
    ];
    for row in table {
        let on: Date = row.on.parse().unwrap();
        let app = spawn_on(on).await;
        // €3,030.30 × 33 % = €999.999 → €1,000.00.
        declare(&app, PAYER, row.period, &[(MARIO, 303_030)]).await;
        let payer = app.company(PAYER);
        let (status, plan) = app
            .post_idem(
                &format!("{C}/instalment-plans"),
                &payer,
                &key(),
                &json!({ "instalments": 2 }),
            )
            .await;
        let at = format!("a plan requested on {}: {plan}", row.on);
        assert_eq!(status, 201, "{at}");
        assert_eq!(plan["annual_interest_bp"], row.bp, "{at}");
        assert_eq!(plan["annual_interest_from"], row.from, "{at}");
        let lines: Vec<(i64, i64)> = plan["schedule"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["principal_cents"].as_i64().unwrap(),
                    i["interest_cents"].as_i64().unwrap(),
                )
            })
            .collect();
        assert_eq!(lines, row.lines, "{at}");
        assert_adds_up(&plan, 100_000);
        // The first instalment falls due the 16th of the next month.
        let first_due = Date::new(on.year(), on.month(), 16).unwrap() + 1.month();
        assert_eq!(
            plan["schedule"][0]["due_date"],
            first_due.to_string(),
            "{at}"
        );
        // A simulation for that day, from a platform on any day, gives the same schedule.
        let (status, sim) = app
            .post(
                &format!("{C}/instalment-plans/simulations"),
                &app.citizen(MARIO),
                &json!({ "principal_cents": 100_000, "instalments": 2, "requested_on": row.on }),
            )
            .await;
        assert_eq!(status, 200, "{sim}");
        assert_eq!(sim["requested_on"], row.on, "{sim}");
        assert_eq!(sim["annual_interest_bp"], row.bp, "{sim}");
        assert_eq!(sim["annual_interest_from"], row.from, "{sim}");
        for (n, (principal, interest)) in row.lines.iter().enumerate() {
            assert_eq!(sim["schedule"][n]["principal_cents"], *principal, "{sim}");
            assert_eq!(sim["schedule"][n]["interest_cents"], *interest, "{sim}");
        }
        app.stop().await;
    }
    // A year alone, not this one, is its 1 January: 2025 starts at 9.15 %. A year that
    // contradicts the date is refused.
    let app = spawn_on("2026-03-02".parse().unwrap()).await;
    let sim = format!("{C}/instalment-plans/simulations");
    let mario = app.citizen(MARIO);
    let (status, s) = app
        .post(
            &sim,
            &mario,
            &json!({ "principal_cents": 100_000, "instalments": 2, "year": 2025 }),
        )
        .await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(
        (s["requested_on"].as_str(), &s["annual_interest_bp"]),
        (Some("2025-01-01"), &json!(915))
    );
    let (status, problem) = app
        .post(
            &sim,
            &mario,
            &json!({ "principal_cents": 100_000, "instalments": 2, "year": 2025, "requested_on": "2026-01-05" }),
        )
        .await;
    assert_eq!((status, field(&problem)), (400, "year"), "{problem}");
    app.stop().await;
}
