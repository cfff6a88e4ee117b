//! Disability over HTTP: the benefits at every boundary of the rules with the circulars'
//! figures, and an application's path from certificate to assessment, with the board alone
//! able to assess and nobody but the citizen and the board seeing medical details.
//!
//! Figures: 2025 (INPS circ. 23/2025) pension and allowance €336.00 a month, income limits
//! €19,772.50 (100 %) and €5,771.35 (74–99 %), attendance allowance €542.02; 2026 (circ.
//! 153/2025 and the corrected tables) €340.71, €20,029.55, €5,852.21, €551.53. The indennità di
//! frequenza is the allowance's amount with its limit.

use jiff::civil::Date;
use serde_json::{Value, json};
use welfare_tests::{MARIO, TestApp, spawn_app};

const SIMULATIONS: &str = "/api/v1/disability/benefits/simulations";
const APPS: &str = "/api/v1/disability/applications";

struct Row {
    name: &'static str,
    year: i64,
    percentage: i64,
    attendance: bool,
    age: i64,
    income: i64,
    working: bool,
    recognised: bool,
    placement: bool,
    benefits: &'static [(&'static str, i64)],
}

const fn row(
    name: &'static str,
    year: i64,
    percentage: i64,
    age: i64,
    income: i64,
    benefits: &'static [(&'static str, i64)],
) -> Row {
    Row {
        name,
        year,
        percentage,
        attendance: false,
        age,
        income,
        working: false,
        recognised: percentage > 33,
        placement: percentage > 45 && age >= 18 && age < 67,
        benefits,
    }
}

const TABLE: &[Row] = &[
    row("33 %: not recognised", 2025, 33, 40, 0, &[]),
    row("34 %: recognised, nothing paid", 2025, 34, 40, 0, &[]),
    row("45 %: no targeted placement", 2025, 45, 40, 0, &[]),
    row("46 %: targeted placement", 2025, 46, 40, 0, &[]),
    row("73 %: no allowance", 2025, 73, 40, 0, &[]),
    row(
        "74 %: the monthly allowance",
        2025,
        74,
        40,
        0,
        &[("assegno-mensile", 33_600)],
    ),
    row(
        "99 %: still the allowance",
        2025,
        99,
        40,
        0,
        &[("assegno-mensile", 33_600)],
    ),
    row(
        "100 %: the incapacity pension",
        2025,
        100,
        40,
        0,
        &[("pensione-inabilita", 33_600)],
    ),
    row(
        "74 %, income at the limit",
        2025,
        74,
        40,
        577_135,
        &[("assegno-mensile", 33_600)],
    ),
    row("74 %, income a cent over", 2025, 74, 40, 577_136, &[]),
    row(
        "100 %, income at the limit",
        2025,
        100,
        40,
        1_977_250,
        &[("pensione-inabilita", 33_600)],
    ),
    row("100 %, income a cent over", 2025, 100, 40, 1_977_251, &[]),
    row(
        "aged 17 at 74 %: indennità di frequenza",
        2025,
        74,
        17,
        0,
        &[("indennita-frequenza", 33_600)],
    ),
    row(
        "aged 17, income a cent over the limit",
        2025,
        74,
        17,
        577_136,
        &[],
    ),
    row(
        "aged 18 at 74 %: the allowance",
        2025,
        74,
        18,
        0,
        &[("assegno-mensile", 33_600)],
    ),
    row(
        "aged 66 at 100 %: the pension",
        2025,
        100,
        66,
        0,
        &[("pensione-inabilita", 33_600)],
    ),
    row(
        "aged 67 at 100 %: the assegno sociale instead",
        2025,
        100,
        67,
        0,
        &[],
    ),
    row(
        "aged 68 at 74 %: the assegno sociale instead",
        2025,
        74,
        68,
        0,
        &[],
    ),
    row(
        "2026: 74 %",
        2026,
        74,
        40,
        585_221,
        &[("assegno-mensile", 34_071)],
    ),
    row("2026: 74 %, a cent over", 2026, 74, 40, 585_222, &[]),
    row(
        "2026: 100 %",
        2026,
        100,
        40,
        2_002_955,
        &[("pensione-inabilita", 34_071)],
    ),
    row("2026: 100 %, a cent over", 2026, 100, 40, 2_002_956, &[]),
    row(
        "2026: aged 17 at 50 %",
        2026,
        50,
        17,
        0,
        &[("indennita-frequenza", 34_071)],
    ),
    // Working is no bar to the assegno mensile: since L. 215/2021 art. 12-ter (an authentic
    // interpretation of L. 118/1971 art. 13) the condition of not working is met by an income
    // under the allowance's limit, €5,771.35 in 2025 and €5,852.21 in 2026.
    Row {
        working: true,
        ..row(
            "74 % and working, income at the 2025 limit: the allowance",
            2025,
            74,
            40,
            577_135,
            &[("assegno-mensile", 33_600)],
        )
    },
    Row {
        working: true,
        ..row(
            "74 % and working, a cent over the 2025 limit",
            2025,
            74,
            40,
            577_136,
            &[],
        )
    },
    Row {
        working: true,
        ..row(
            "2026: 99 % and working, income at the limit: the allowance",
            2026,
            99,
            40,
            585_221,
            &[("assegno-mensile", 34_071)],
        )
    },
    Row {
        working: true,
        ..row(
            "2026: 74 % and working, a cent over",
            2026,
            74,
            40,
            585_222,
            &[],
        )
    },
    Row {
        attendance: true,
        ..row(
            "100 % needing attendance, high income: the allowance only",
            2025,
            100,
            40,
            5_000_000,
            &[("indennita-accompagnamento", 54_202)],
        )
    },
    Row {
        attendance: true,
        ..row(
            "100 % needing attendance",
            2025,
            100,
            40,
            0,
            &[
                ("pensione-inabilita", 33_600),
                ("indennita-accompagnamento", 54_202),
            ],
        )
    },
    Row {
        attendance: true,
        ..row(
            "aged 17, needing attendance: no frequenza",
            2025,
            100,
            17,
            0,
            &[("indennita-accompagnamento", 54_202)],
        )
    },
    Row {
        attendance: true,
        ..row(
            "aged 68, needing attendance",
            2025,
            100,
            68,
            0,
            &[("indennita-accompagnamento", 54_202)],
        )
    },
    Row {
        attendance: true,
        ..row(
            "2026: attendance allowance",
            2026,
            100,
            68,
            0,
            &[("indennita-accompagnamento", 55_153)],
        )
    },
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn benefits_at_every_boundary() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    for r in TABLE {
        let body = json!({ "year": r.year, "percentage": r.percentage, "needs_attendance": r.attendance,
                           "age": r.age, "income_cents": r.income, "working": r.working });
        let (status, out) = app.post(SIMULATIONS, &token, &body).await;
        assert_eq!(status, 200, "{}: {out}", r.name);
        assert_eq!(out["recognised"], r.recognised, "{}", r.name);
        assert_eq!(out["targeted_placement"], r.placement, "{}", r.name);
        let got: Vec<(String, i64)> = out["benefits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| {
                (
                    b["kind"].as_str().unwrap().to_string(),
                    b["monthly_amount_cents"].as_i64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, i64)> = r
            .benefits
            .iter()
            .map(|(k, a)| (k.to_string(), *a))
            .collect();
        assert_eq!(got, want, "{}", r.name);
    }
    let (status, out) = app
        .post(
            SIMULATIONS,
            &token,
            &json!({ "year": 2025, "percentage": 101, "age": 40, "income_cents": 0 }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(out["errors"][0]["field"], "percentage");
}

/// Why a benefit is not due, and what a working person granted the allowance should know:
/// codes and figures an app acts on, texts in Italian or English.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reasons_carry_codes_and_the_callers_language() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let simulate = |body: Value, lang: Option<&'static str>| {
        let mut request = app
            .request(reqwest::Method::POST, SIMULATIONS, Some(&token))
            .json(&body);
        if let Some(l) = lang {
            request = request.header("accept-language", l);
        }
        welfare_tests::send(request)
    };
    // 74 %, a cent over the 2025 limit of €5,771.35: not due, for the income.
    let over = json!({ "year": 2025, "percentage": 74, "age": 40, "income_cents": 577_136, "working": true });
    let (status, out) = simulate(over.clone(), None).await;
    assert_eq!(status, 200, "{out}");
    let reason = &out["not_granted"][0]["reason"];
    assert_eq!(out["not_granted"][0]["kind"], "assegno-mensile");
    assert_eq!(reason["code"], "income-above-limit");
    assert_eq!(reason["limit_cents"], 577_135);
    assert_eq!(
        reason["text"],
        "Reddito superiore al limite di 5.771,35 euro."
    );
    let (_, out) = simulate(over, Some("en")).await;
    assert_eq!(
        out["not_granted"][0]["reason"]["text"],
        "Income above the limit of €5,771.35."
    );
    // At the limit and working: due, with a note saying why working does not exclude it.
    let (_, out) = simulate(
        json!({ "year": 2025, "percentage": 74, "age": 40, "income_cents": 577_135, "working": true }),
        None,
    )
    .await;
    assert_eq!(
        out["notes"][0]["code"], "working-within-income-limit",
        "{out}"
    );
    // Aged 67 at 80 %: the assegno sociale's age.
    let (_, out) = simulate(
        json!({ "year": 2026, "percentage": 80, "age": 67, "income_cents": 0 }),
        None,
    )
    .await;
    assert_eq!(
        out["not_granted"][0]["reason"]["code"],
        "assegno-sociale-from-age"
    );
    assert_eq!(out["not_granted"][0]["reason"]["age"], 67);
}

/// A municipality checking parking badges, with a fresh voucher (vouchers are single-use).
fn agency(app: &TestApp) -> String {
    app.agency("comune-di-roma", "parking-badge")
        .voucher_for(welfare_tests::agency::INTEROP_AUDIENCE)
}

/// The keys that would betray medical details, anywhere in a JSON document.
fn has_medical(value: &Value) -> bool {
    match value {
        Value::Object(map) => map.iter().any(|(k, v)| {
            ["diagnosis", "percentage", "handicap", "assessment"].contains(&k.as_str())
                || has_medical(v)
        }),
        Value::Array(items) => items.iter().any(has_medical),
        _ => false,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn certificate_visit_assessment_and_what_others_see() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let issued = (today - jiff::Span::new().days(5)).to_string();

    // Bad certificates: a precise 400 or 422, nothing stored.
    let (status, out) = app
        .post_idem(
            APPS,
            &mario,
            "bad-1",
            &json!({ "certificate_protocol": "12AB", "certificate_date": issued }),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(out["errors"][0]["field"], "certificate_protocol");
    let old = (today - jiff::Span::new().days(91)).to_string();
    let (status, out) = app
        .post_idem(
            APPS,
            &mario,
            "bad-2",
            &json!({ "certificate_protocol": "202612345678901", "certificate_date": old }),
        )
        .await;
    assert_eq!(status, 422, "{out}");
    assert_eq!(out["type"], "urn:welfare:problem:certificate-expired");
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE domain = 'disability'"),
        0
    );

    let (status, created) = app
        .post_idem(
            APPS,
            &mario,
            "ok",
            &json!({ "certificate_protocol": "202612345678901", "certificate_date": issued }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    assert_eq!(created["status"], "visit-scheduled");
    let id = created["id"].as_str().unwrap().to_string();
    let first_visit: Date = created["visit"]["date"].as_str().unwrap().parse().unwrap();
    assert!(first_visit > today);

    // The citizen moves the visit once; a second move is refused and changes nothing.
    let moved_to = (today + jiff::Span::new().days(10)).to_string();
    let (status, moved) = app
        .post(
            &format!("{APPS}/{id}/visit"),
            &mario,
            &json!({ "date": moved_to }),
        )
        .await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["visit"]["date"], moved_to.as_str());
    let (status, _) = app
        .post(
            &format!("{APPS}/{id}/visit"),
            &mario,
            &json!({ "date": (today + jiff::Span::new().days(20)).to_string() }),
        )
        .await;
    assert_eq!(status, 409);
    assert_eq!(app.get(&format!("{APPS}/{id}"), &mario).await.1, moved);

    // The board's agenda shows the visit, and nothing medical.
    let board = app.operator("medical-board");
    let (status, agenda) = app
        .get("/api/v1/disability/visits?board=CML-ROMA", &board)
        .await;
    assert_eq!(status, 200, "{agenda}");
    assert_eq!(agenda["items"][0]["application_id"], id.as_str());
    assert_eq!(agenda["items"][0]["date"], moved_to.as_str());

    // Nobody but the board records an assessment: 403, nothing changed.
    let assessment = json!({ "percentage": 100, "handicap": "art3c3", "needs_attendance": true,
                             "diagnosis": "Esiti di lesione midollare con paraplegia.", "income_cents": 1_000_000, "working": false });
    let assess = format!("{APPS}/{id}/assessment");
    for token in [
        mario.clone(),
        app.operator("income-support-officer"),
        app.intermediary("patronato-acli"),
        agency(&app),
    ] {
        let (status, _) = app.post(&assess, &token, &assessment).await;
        assert_eq!(status, 403);
    }
    assert_eq!(app.get(&format!("{APPS}/{id}"), &mario).await.1, moved);
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);

    let (status, assessed) = app.post(&assess, &board, &assessment).await;
    assert_eq!(status, 200, "{assessed}");
    assert_eq!(assessed["status"], "assessed");
    // 2026 figures (the assessment's year): pension €340.71 (income under €20,029.55) and the
    // attendance allowance €551.53.
    let kinds: Vec<(&str, i64)> = assessed["outcome"]["benefits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["kind"].as_str().unwrap(),
                b["monthly_amount_cents"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("pensione-inabilita", 34_071),
            ("indennita-accompagnamento", 55_153)
        ]
    );
    let (status, _) = app.post(&assess, &board, &json!({ "percentage": 50, "handicap": "none", "needs_attendance": false, "diagnosis": "x", "income_cents": 0, "working": false })).await;
    assert_eq!(status, 409, "an assessment is recorded once");

    // The citizen sees the medical details; the event and the municipality do not.
    let (_, mine) = app.get(&format!("{APPS}/{id}"), &mario).await;
    assert_eq!(
        mine["assessment"]["diagnosis"],
        "Esiti di lesione midollare con paraplegia."
    );
    let payloads = app.texts("SELECT payload FROM outbox WHERE topic = 'disability.assessed'");
    assert_eq!(payloads.len(), 1, "exactly one disability.assessed event");
    let event: Value = serde_json::from_str(&payloads[0]).unwrap();
    assert!(!has_medical(&event), "{event}");
    assert_eq!(event["recognised"], true);
    assert_eq!(event["parking_badge"], true);

    let municipality = app.agency("comune-di-roma", "parking-badge");
    let (status, verified) = municipality
        .get(&format!("/interop/v1/disability-status/{MARIO}"))
        .await;
    assert_eq!(status, 200, "{verified}");
    assert!(!has_medical(&verified), "{verified}");
    assert_eq!(verified["recognised"], true);
    assert_eq!(
        verified["benefits"],
        json!(["pensione-inabilita", "indennita-accompagnamento"])
    );
    assert_eq!(verified["parking_badge"], true);
    let (status, _) = municipality
        .get("/interop/v1/disability-status/NOTACODE")
        .await;
    assert_eq!(status, 400);
    // Citizens and other operators cannot use the agencies' endpoint.
    assert_eq!(
        app.get(&format!("/interop/v1/disability-status/{MARIO}"), &mario)
            .await
            .0,
        403
    );
    let (_, unknown) = municipality
        .get("/interop/v1/disability-status/BNCLRA90A41F205I")
        .await;
    assert_eq!(unknown["recognised"], false);
}
