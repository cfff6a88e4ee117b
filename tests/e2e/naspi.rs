//! NASpI simulations against figures worked out by hand from D.Lgs. 22/2015 and the circulars
//! (2025: INPS circ. 25/2025, threshold €1,436.61, cap €1,562.82; 2026: circ. 4/2026, threshold
//! €1,456.72, cap €1,584.70). Rounding: half up to the cent; each reduced month is 97 % of the
//! previous month's amount; a month is 4.33 weeks, a shorter last month paid pro rata.

use serde_json::{Value, json};
use welfare_tests::{MARIO, spawn_app};

const PATH: &str = "/api/v1/income-support/naspi/simulations";

fn body(year: i64, reason: &str, wages: i64, weeks: i64, age: i64) -> Value {
    json!({
        "year": year,
        "termination_date": "2025-06-30",
        "claim_date": "2025-07-05",
        "termination_reason": reason,
        "wages_last_4_years_cents": wages,
        "contribution_weeks_last_4_years": weeks,
        "age": age,
    })
}

struct Row {
    name: &'static str,
    year: i64,
    wages: i64,
    weeks: i64,
    age: i64,
    reference: i64,
    amount: i64,
    duration_weeks: i64,
    /// (month, amount) pairs checked in the schedule.
    months: &'static [(usize, i64)],
    schedule_len: usize,
    total: Option<i64>,
}

const TABLE: &[Row] = &[
    // €60,000 over 200 weeks: 6,000,000 × 4.33 / 200 = 129,900 (below 143,661): × 75 % = 97,425.
    // 100 weeks = 23 months of 4.33 weeks + 0.41 weeks. Months 1-5 full; from month 6 × 0.97
    // each: 94,502.25 → 94,502; 91,666.94 → 91,667; 88,916.99 → 88,917. Month 24 would be
    // 54,617, paid for 0.41 of 4.33 weeks: 5,171.58 → 5,172.
    Row {
        name: "2025 below the threshold",
        year: 2025,
        wages: 6_000_000,
        weeks: 200,
        age: 40,
        reference: 129_900,
        amount: 97_425,
        duration_weeks: 100,
        months: &[
            (1, 97_425),
            (5, 97_425),
            (6, 94_502),
            (7, 91_667),
            (8, 88_917),
            (23, 56_306),
            (24, 5_172),
        ],
        schedule_len: 24,
        total: Some(1_821_764),
    },
    // €120,000 over 208 weeks: 12,000,000 × 4.33 / 208 = 249,807.69 → 249,808.
    // 75 % × 143,661 + 25 % × (249,808 − 143,661) = 107,745.75 + 26,536.75 = 134,282.50 → 134,283.
    // 104 weeks (the cap) = 24 months. Reduced from month 6: 130,254.51 → 130,255 at month 6.
    Row {
        name: "2025 above the threshold, reduction from month 6 at 54",
        year: 2025,
        wages: 12_000_000,
        weeks: 208,
        age: 54,
        reference: 249_808,
        amount: 134_283,
        duration_weeks: 104,
        months: &[(5, 134_283), (6, 130_255), (7, 126_347), (24, 75_281)],
        schedule_len: 24,
        total: Some(2_579_160),
    },
    // The same at 55: the reduction starts at month 8.
    Row {
        name: "2025 reduction from month 8 at 55",
        year: 2025,
        wages: 12_000_000,
        weeks: 208,
        age: 55,
        reference: 249_808,
        amount: 134_283,
        duration_weeks: 104,
        months: &[(7, 134_283), (8, 130_255), (9, 126_347), (24, 80_009)],
        schedule_len: 24,
        total: Some(2_694_836),
    },
    // €200,000 over 208 weeks: 416,346.15 → 416,346; 75 % × 143,661 + 25 % × 272,685 = 175,917,
    // above the cap: 156,282.
    Row {
        name: "2025 cap",
        year: 2025,
        wages: 20_000_000,
        weeks: 208,
        age: 40,
        reference: 416_346,
        amount: 156_282,
        duration_weeks: 104,
        months: &[(1, 156_282)],
        schedule_len: 24,
        total: None,
    },
    // 2026: 75 % × 145,672 + 25 % × 270,674 = 176,922.50, above the 2026 cap: 158,470.
    Row {
        name: "2026 cap",
        year: 2026,
        wages: 20_000_000,
        weeks: 208,
        age: 40,
        reference: 416_346,
        amount: 158_470,
        duration_weeks: 104,
        months: &[(1, 158_470)],
        schedule_len: 24,
        total: None,
    },
    // €50,000 over 150 weeks: 144,333.33 → 144,333. In 2026 below the 145,672 threshold:
    // 75 % = 108,249.75 → 108,250.
    Row {
        name: "2026 below its threshold",
        year: 2026,
        wages: 5_000_000,
        weeks: 150,
        age: 30,
        reference: 144_333,
        amount: 108_250,
        duration_weeks: 75,
        months: &[(1, 108_250)],
        schedule_len: 18,
        total: None,
    },
    // The same wage in 2025 is above the 143,661 threshold:
    // 107,745.75 + 25 % × 672 = 107,913.75 → 107,914.
    Row {
        name: "2025 above its threshold with the same wage",
        year: 2025,
        wages: 5_000_000,
        weeks: 150,
        age: 30,
        reference: 144_333,
        amount: 107_914,
        duration_weeks: 75,
        months: &[(1, 107_914)],
        schedule_len: 18,
        total: None,
    },
    // The minimum 13 weeks, €100 a week: 43,300; × 75 % = 32,475. 6 weeks of benefit: one
    // month, then 1.67 weeks of 4.33: 32,475 × 1.67 / 4.33 = 12,524.99 → 12,525.
    Row {
        name: "13 weeks, the minimum",
        year: 2025,
        wages: 130_000,
        weeks: 13,
        age: 25,
        reference: 43_300,
        amount: 32_475,
        duration_weeks: 6,
        months: &[(1, 32_475), (2, 12_525)],
        schedule_len: 2,
        total: Some(45_000),
    },
    // 209 weeks: half is 104.5, capped at 104.
    Row {
        name: "duration cap",
        year: 2025,
        wages: 12_000_000,
        weeks: 209,
        age: 40,
        reference: 248_612,
        amount: 133_984,
        duration_weeks: 104,
        months: &[],
        schedule_len: 24,
        total: None,
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_match_the_circulars() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    for row in TABLE {
        let (status, out) = app
            .post(
                PATH,
                &token,
                &body(row.year, "dismissal", row.wages, row.weeks, row.age),
            )
            .await;
        assert_eq!(status, 200, "{}: {out}", row.name);
        assert_eq!(out["eligible"], true, "{}: {out}", row.name);
        assert_eq!(
            out["reference_monthly_wage_cents"], row.reference,
            "{}",
            row.name
        );
        assert_eq!(out["monthly_amount_cents"], row.amount, "{}", row.name);
        assert_eq!(out["duration_weeks"], row.duration_weeks, "{}", row.name);
        let schedule = out["schedule"].as_array().unwrap();
        assert_eq!(
            schedule.len(),
            row.schedule_len,
            "{}: schedule length",
            row.name
        );
        for (month, amount) in row.months {
            assert_eq!(schedule[month - 1]["month"], *month as i64, "{}", row.name);
            assert_eq!(
                schedule[month - 1]["amount_cents"],
                *amount,
                "{}: month {month}",
                row.name
            );
        }
        if let Some(total) = row.total {
            assert_eq!(out["total_cents"], total, "{}: total", row.name);
        }
    }
}

/// The codes of `list` (reasons or notes), in order.
fn codes(list: &Value) -> Vec<&str> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|r| r["code"].as_str().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_say_why_with_a_code() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);

    let (_, out) = app
        .post(PATH, &token, &body(2025, "resignation", 6_000_000, 200, 40))
        .await;
    assert_eq!(out["eligible"], false);
    assert_eq!(codes(&out["reasons"]), ["voluntary-resignation"], "{out}");
    assert_eq!(out["schedule"], json!([]));

    let (_, out) = app
        .post(
            PATH,
            &token,
            &body(2025, "resignation-just-cause", 6_000_000, 200, 40),
        )
        .await;
    assert_eq!(
        out["eligible"], true,
        "resignation for just cause is involuntary: {out}"
    );

    let (_, out) = app
        .post(PATH, &token, &body(2025, "contract-end", 120_000, 12, 40))
        .await;
    assert_eq!(out["eligible"], false);
    assert_eq!(codes(&out["reasons"]), ["too-few-weeks"], "{out}");
    assert_eq!(out["reasons"][0]["needed"], 13);
    assert_eq!(out["reasons"][0]["declared"], 12);

    let (_, out) = app
        .post(PATH, &token, &body(2025, "consensual", 6_000_000, 200, 40))
        .await;
    assert_eq!(out["eligible"], true, "{out}");
    assert_eq!(
        codes(&out["notes"]),
        ["consensual-needs-conciliation"],
        "{out}"
    );

    // Terminated 2025-01-10: the 68th day after is 2025-03-19.
    let mut late = body(2025, "dismissal", 6_000_000, 200, 40);
    late["termination_date"] = json!("2025-01-10");
    late["claim_date"] = json!("2025-03-19");
    let (_, out) = app.post(PATH, &token, &late).await;
    assert_eq!(out["eligible"], true, "day 68 is in time: {out}");
    late["claim_date"] = json!("2025-03-20");
    let (_, out) = app.post(PATH, &token, &late).await;
    assert_eq!(out["eligible"], false, "day 69 is late: {out}");
    assert_eq!(codes(&out["reasons"]), ["claim-too-late"], "{out}");
    assert_eq!(out["reasons"][0]["deadline"], "2025-03-19");
    assert_eq!(out["reasons"][0]["window_days"], 68);
}

/// The texts are Italian unless the request asks for English; the code never changes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_are_worded_in_the_callers_language() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let refused = body(2025, "contract-end", 120_000, 12, 40);
    // (Accept-Language, Content-Language, a phrase of the text)
    let cases: &[(Option<&str>, &str, &str)] = &[
        (None, "it", "Servono almeno 13 settimane di contributi"),
        (Some("it-IT,it;q=0.9"), "it", "ne risultano 12"),
        (Some("en-GB,en;q=0.9,it;q=0.5"), "en", "At least 13 weeks"),
        (Some("de-DE"), "it", "Servono almeno 13 settimane"),
        (Some("it;q=0.3, en;q=0.8"), "en", "12 were declared"),
    ];
    for (accept, language, phrase) in cases {
        let mut request = app
            .request(reqwest::Method::POST, PATH, Some(&token))
            .json(&refused);
        if let Some(a) = accept {
            request = request.header("accept-language", *a);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert_eq!(
            response.headers()["content-language"],
            *language,
            "{accept:?}"
        );
        let out: Value = response.json().await.unwrap();
        assert_eq!(codes(&out["reasons"]), ["too-few-weeks"], "{accept:?}");
        let text = out["reasons"][0]["text"].as_str().unwrap();
        assert!(text.contains(phrase), "{accept:?}: {text}");
    }
}

/// L. 207/2024 art. 1 c. 171: from 1 January 2025, a voluntary resignation from another job in
/// the 12 months before the involuntary loss needs 13 weeks of contributions since it. Each row:
/// (year, termination, resignation, weeks since, eligible), with the window worked out: the 12
/// months before the termination start on the same day a year earlier.
const RESIGNATION_RULE: &[(i64, &str, &str, i64, bool)] = &[
    // Dismissed 30 June 2025; resigned 10 January 2025, inside the window (from 30 June 2024):
    // 12 weeks since < 13.
    (2025, "2025-06-30", "2025-01-10", 12, false),
    // The same with 13 weeks: enough.
    (2025, "2025-06-30", "2025-01-10", 13, true),
    // Resigned 30 June 2024, the window's first day: it counts, and 5 weeks are too few.
    (2025, "2025-06-30", "2024-06-30", 5, false),
    // Resigned 29 June 2024, a day before the window: the rule does not apply.
    (2025, "2025-06-30", "2024-06-29", 5, true),
    // Dismissed 31 December 2024, before the rule's start: it does not apply.
    (2025, "2024-12-31", "2024-10-01", 2, true),
    // 2026: dismissed 15 February 2026, resigned 1 September 2025 (window from 15 February
    // 2025), 10 weeks since: too few; 20: enough.
    (2026, "2026-02-15", "2025-09-01", 10, false),
    (2026, "2026-02-15", "2025-09-01", 20, true),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_recent_resignation_needs_thirteen_weeks_since() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    for &(year, termination, resigned, since, eligible) in RESIGNATION_RULE {
        let mut case = body(year, "dismissal", 6_000_000, 200, 40);
        case["termination_date"] = json!(termination);
        case["claim_date"] = json!(termination);
        case["previous_resignation_date"] = json!(resigned);
        case["weeks_since_previous_resignation"] = json!(since);
        let (status, out) = app.post(PATH, &token, &case).await;
        let row = format!("{termination} after {resigned}, {since} weeks");
        assert_eq!(status, 200, "{row}: {out}");
        assert_eq!(out["eligible"], eligible, "{row}: {out}");
        if !eligible {
            assert_eq!(
                codes(&out["reasons"]),
                ["too-few-weeks-since-resignation"],
                "{row}"
            );
            assert_eq!(out["reasons"][0]["resigned_on"], resigned);
            assert_eq!(out["reasons"][0]["needed"], 13);
            assert_eq!(out["reasons"][0]["declared"], since);
        }
    }
    // The facts go together, before the termination, within the four years' weeks.
    let cases: &[(&[(&str, Value)], &str)] = &[
        (
            &[("previous_resignation_date", json!("2025-01-10"))],
            "weeks_since_previous_resignation",
        ),
        (
            &[("weeks_since_previous_resignation", json!(20))],
            "weeks_since_previous_resignation",
        ),
        (
            &[
                ("previous_resignation_date", json!("2025-07-01")),
                ("weeks_since_previous_resignation", json!(1)),
            ],
            "previous_resignation_date",
        ),
        (
            &[
                ("previous_resignation_date", json!("2025-01-10")),
                ("weeks_since_previous_resignation", json!(201)),
            ],
            "weeks_since_previous_resignation",
        ),
    ];
    for (set, field) in cases {
        let mut case = body(2025, "dismissal", 6_000_000, 200, 40);
        for (k, v) in *set {
            case[*k] = v.clone();
        }
        let (status, out) = app.post(PATH, &token, &case).await;
        assert_eq!(status, 400, "{case}: {out}");
        assert_eq!(welfare_tests::fields(&out), [*field], "{case}: {out}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_names_the_field() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);

    let (status, out) = app.post(PATH, &token, &json!({ "year": 2025 })).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    for f in [
        "termination_date",
        "termination_reason",
        "wages_last_4_years_cents",
        "contribution_weeks_last_4_years",
        "age",
    ] {
        assert!(fields.contains(&f), "{f} missing from {out}");
    }

    let mut wrong = body(2025, "dismissal", 6_000_000, 200, 40);
    wrong["termination_date"] = json!("30/06/2025");
    wrong["age"] = json!(7);
    let (status, out) = app.post(PATH, &token, &wrong).await;
    assert_eq!(status, 400);
    let fields: Vec<&str> = out["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["termination_date", "age"], "{out}");

    let (status, out) = app
        .post(PATH, &token, &body(2025, "fired", 6_000_000, 200, 40))
        .await;
    assert_eq!(status, 400);
    assert_eq!(out["errors"][0]["field"], "termination_reason", "{out}");

    let (status, out) = app
        .post(PATH, &token, &json!({ "year": 2025, "surprise": 1 }))
        .await;
    assert_eq!(status, 400, "{out}");

    let (status, out) = app
        .post(PATH, &token, &body(2024, "dismissal", 6_000_000, 200, 40))
        .await;
    assert_eq!(status, 422);
    assert_eq!(out["type"], "urn:welfare:problem:year-not-supported");

    let (status, _) = welfare_tests::send(
        app.request(reqwest::Method::POST, PATH, Some(&token))
            .header("content-type", "application/json")
            .body("{not json"),
    )
    .await;
    assert_eq!(status, 400);
}
