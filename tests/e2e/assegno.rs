//! Assegno Unico simulations against figures worked out by hand from D.Lgs. 230/2021 art. 4 and
//! the circulars' tables.
//!
//! 2025 (INPS circ. 33/2025): ISEE €17,227.33 → €45,939.56 (span 2,871,223 cents); a minor child
//! €201.00 → €57.50; aged 18–20 €97.70 → €28.70; from the third child +€97.70 → +€17.20;
//! disability (under 21) +€97.70 medium, +€109.10 severe, +€120.60 non-self-sufficient; mother
//! under 21 +€23.00; both parents working +€34.40 → €0; four or more children +€150.00 a month;
//! under one +50 %; aged one or two in a household of three or more with ISEE up to €45,939.56
//! +50 %.
//! 2026 (INPS circ. 7/2026): ISEE €17,468.51 → €46,582.71 (span 2,911,420); a minor €203.80 →
//! €58.30; non-self-sufficient +€122.30; mother under 21 +€23.30.
//!
//! Between the thresholds the tables fall in 250 equal ISEE steps; step k = ⌈(ISEE − lower) ×
//! 250 ÷ span⌉ pays max − k × (max − min) ÷ 250, to the 10 cents (half up).

use serde_json::{Value, json};
use welfare_tests::{MARIO, spawn_app};

const PATH: &str = "/api/v1/income-support/assegno-unico/simulations";
const REF_2025: &str = "2025-06-01";
const REF_2026: &str = "2026-06-01";

struct Row {
    name: &'static str,
    year: i64,
    isee: Option<i64>,
    /// (birth date, disability)
    children: &'static [(&'static str, &'static str)],
    both_working: bool,
    mother_age: Option<i64>,
    /// Per child, in the order given: (base, [(supplement kind, amount)], amount).
    expected: &'static [(i64, &'static [(&'static str, i64)], i64)],
    household: &'static [(&'static str, i64)],
    total: i64,
}

const NONE: &str = "none";
/// A child aged 5 on both reference dates.
const FIVE: (&str, &str) = ("2020-01-15", NONE);

const TABLE: &[Row] = &[
    Row {
        name: "no ISEE: the minimum",
        year: 2025,
        isee: None,
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(5_750, &[], 5_750)],
        household: &[],
        total: 5_750,
    },
    Row {
        name: "ISEE below the lower threshold: the maximum",
        year: 2025,
        isee: Some(1_500_000),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(20_100, &[], 20_100)],
        household: &[],
        total: 20_100,
    },
    Row {
        name: "ISEE exactly at the lower threshold: still the maximum",
        year: 2025,
        isee: Some(1_722_733),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(20_100, &[], 20_100)],
        household: &[],
        total: 20_100,
    },
    Row {
        // One cent above: step 1: 201.00 − 143.50/250 = 200.426 → 200.40.
        name: "one cent above the lower threshold: the first step",
        year: 2025,
        isee: Some(1_722_734),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(20_040, &[], 20_040)],
        household: &[],
        total: 20_040,
    },
    Row {
        // 277,267 × 250 / 2,871,223 = 24.14 → step 25: 201.00 − 14.35 = 186.65 → 186.70.
        name: "ISEE €20,000",
        year: 2025,
        isee: Some(2_000_000),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(18_670, &[], 18_670)],
        household: &[],
        total: 18_670,
    },
    Row {
        // 1,277,267 × 250 / 2,871,223 = 111.21 → step 112: 201.00 − 64.288 = 136.712 → 136.70.
        name: "ISEE €30,000",
        year: 2025,
        isee: Some(3_000_000),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(13_670, &[], 13_670)],
        household: &[],
        total: 13_670,
    },
    Row {
        name: "ISEE at the upper threshold: the minimum",
        year: 2025,
        isee: Some(4_593_956),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(5_750, &[], 5_750)],
        household: &[],
        total: 5_750,
    },
    Row {
        // Step 25 of 97.70 → 28.70: 97.70 − 69.00 × 25/250 = 90.80.
        name: "a child aged 19 (18–20 amount)",
        year: 2025,
        isee: Some(2_000_000),
        children: &[("2006-01-10", NONE)],
        both_working: false,
        mother_age: None,
        expected: &[(9_080, &[], 9_080)],
        household: &[],
        total: 9_080,
    },
    Row {
        name: "aged 21 and not disabled: nothing; aged 25 and severely disabled: a minor's amount, no supplement",
        year: 2025,
        isee: Some(1_500_000),
        children: &[("2004-01-10", NONE), ("2000-01-10", "severe")],
        both_working: false,
        mother_age: None,
        expected: &[(0, &[], 0), (20_100, &[], 20_100)],
        household: &[],
        total: 20_100,
    },
    Row {
        // 201.00 + 50 % = 100.50.
        name: "a child under one",
        year: 2025,
        isee: Some(1_500_000),
        children: &[("2025-01-10", NONE)],
        both_working: false,
        mother_age: None,
        expected: &[(20_100, &[("under-one", 10_050)], 30_150)],
        household: &[],
        total: 30_150,
    },
    Row {
        // 57.50 + 28.75.
        name: "a child under one, no ISEE",
        year: 2025,
        isee: None,
        children: &[("2025-01-10", NONE)],
        both_working: false,
        mother_age: None,
        expected: &[(5_750, &[("under-one", 2_875)], 8_625)],
        household: &[],
        total: 8_625,
    },
    Row {
        // Step 25 of 97.70 → 17.20: 97.70 − 80.50 × 25/250 = 89.65 → 89.70. The youngest is third.
        name: "three children: the third gets the supplement",
        year: 2025,
        isee: Some(2_000_000),
        children: &[
            ("2020-01-15", NONE),
            ("2015-02-01", NONE),
            ("2017-03-01", NONE),
        ],
        both_working: false,
        mother_age: None,
        expected: &[
            (18_670, &[("third-child-onward", 8_970)], 27_640),
            (18_670, &[], 18_670),
            (18_670, &[], 18_670),
        ],
        household: &[],
        total: 64_980,
    },
    Row {
        // The two-year-old: +50 % of 186.70 = 93.35, and third-child 89.70.
        name: "three children, one aged two, ISEE under the limit",
        year: 2025,
        isee: Some(2_000_000),
        children: &[
            ("2015-02-01", NONE),
            ("2019-03-01", NONE),
            ("2023-01-20", NONE),
        ],
        both_working: false,
        mother_age: None,
        expected: &[
            (18_670, &[], 18_670),
            (18_670, &[], 18_670),
            (
                18_670,
                &[("toddler", 9_335), ("third-child-onward", 8_970)],
                36_975,
            ),
        ],
        household: &[],
        total: 74_315,
    },
    Row {
        name: "three children, one aged two, ISEE over the limit: no toddler supplement",
        year: 2025,
        isee: Some(5_000_000),
        children: &[
            ("2015-02-01", NONE),
            ("2019-03-01", NONE),
            ("2023-01-20", NONE),
        ],
        both_working: false,
        mother_age: None,
        expected: &[
            (5_750, &[], 5_750),
            (5_750, &[], 5_750),
            (5_750, &[("third-child-onward", 1_720)], 7_470),
        ],
        household: &[],
        total: 18_970,
    },
    Row {
        name: "four children, no ISEE: two third-child supplements and the flat €150",
        year: 2025,
        isee: None,
        children: &[
            ("2013-01-01", NONE),
            ("2015-01-01", NONE),
            ("2017-01-01", NONE),
            ("2019-01-01", NONE),
        ],
        both_working: false,
        mother_age: None,
        expected: &[
            (5_750, &[], 5_750),
            (5_750, &[], 5_750),
            (5_750, &[("third-child-onward", 1_720)], 7_470),
            (5_750, &[("third-child-onward", 1_720)], 7_470),
        ],
        household: &[("large-family", 15_000)],
        total: 41_440,
    },
    Row {
        name: "disabled minors by severity",
        year: 2025,
        isee: Some(1_500_000),
        children: &[
            ("2017-01-01", "medium"),
            ("2016-01-01", "severe"),
            ("2015-01-01", "non-self-sufficient"),
        ],
        both_working: false,
        mother_age: None,
        expected: &[
            (
                20_100,
                &[("disability", 9_770), ("third-child-onward", 9_770)],
                39_640,
            ),
            (20_100, &[("disability", 10_910)], 31_010),
            (20_100, &[("disability", 12_060)], 32_160),
        ],
        household: &[],
        total: 102_810,
    },
    Row {
        name: "a severely disabled child aged 19: a minor's amount and the supplement",
        year: 2025,
        isee: None,
        children: &[("2006-01-10", "severe")],
        both_working: false,
        mother_age: None,
        expected: &[(5_750, &[("disability", 10_910)], 16_660)],
        household: &[],
        total: 16_660,
    },
    Row {
        name: "a mother aged 20",
        year: 2025,
        isee: None,
        children: &[("2025-03-01", NONE)],
        both_working: false,
        mother_age: Some(20),
        expected: &[(
            5_750,
            &[("under-one", 2_875), ("mother-under-21", 2_300)],
            10_925,
        )],
        household: &[],
        total: 10_925,
    },
    Row {
        name: "a mother aged 21: no supplement",
        year: 2025,
        isee: None,
        children: &[("2025-03-01", NONE)],
        both_working: false,
        mother_age: Some(21),
        expected: &[(5_750, &[("under-one", 2_875)], 8_625)],
        household: &[],
        total: 8_625,
    },
    Row {
        name: "both parents working, ISEE below the threshold",
        year: 2025,
        isee: Some(1_500_000),
        children: &[FIVE],
        both_working: true,
        mother_age: None,
        expected: &[(20_100, &[("both-parents-working", 3_440)], 23_540)],
        household: &[],
        total: 23_540,
    },
    Row {
        // Step 25 of 34.40 → 0: 34.40 − 34.40 × 25/250 = 30.96 → 31.00.
        name: "both parents working, ISEE €20,000; not for a child aged 19",
        year: 2025,
        isee: Some(2_000_000),
        children: &[FIVE, ("2006-01-10", NONE)],
        both_working: true,
        mother_age: None,
        expected: &[
            (18_670, &[("both-parents-working", 3_100)], 21_770),
            (9_080, &[], 9_080),
        ],
        household: &[],
        total: 30_850,
    },
    Row {
        name: "both parents working, no ISEE: nothing more",
        year: 2025,
        isee: None,
        children: &[FIVE],
        both_working: true,
        mother_age: None,
        expected: &[(5_750, &[], 5_750)],
        household: &[],
        total: 5_750,
    },
    Row {
        name: "2026: no ISEE",
        year: 2026,
        isee: None,
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(5_830, &[], 5_830)],
        household: &[],
        total: 5_830,
    },
    Row {
        name: "2026: ISEE below the threshold",
        year: 2026,
        isee: Some(1_500_000),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(20_380, &[], 20_380)],
        household: &[],
        total: 20_380,
    },
    Row {
        // 253,149 × 250 / 2,911,420 = 21.74 → step 22: 203.80 − 145.50 × 22/250 = 190.996 → 191.00.
        name: "2026: ISEE €20,000",
        year: 2026,
        isee: Some(2_000_000),
        children: &[FIVE],
        both_working: false,
        mother_age: None,
        expected: &[(19_100, &[], 19_100)],
        household: &[],
        total: 19_100,
    },
    Row {
        name: "2026: a non-self-sufficient child of a mother aged 19, under one",
        year: 2026,
        isee: Some(1_500_000),
        children: &[("2026-02-01", "non-self-sufficient")],
        both_working: false,
        mother_age: Some(19),
        expected: &[(
            20_380,
            &[
                ("under-one", 10_190),
                ("disability", 12_230),
                ("mother-under-21", 2_330),
            ],
            45_130,
        )],
        household: &[],
        total: 45_130,
    },
];

fn body(row: &Row) -> Value {
    json!({
        "year": row.year,
        "isee_cents": row.isee,
        "children": row.children.iter().map(|(birth, disability)| json!({ "birth_date": birth, "disability": disability })).collect::<Vec<_>>(),
        "both_parents_working": row.both_working,
        "mother_age": row.mother_age,
        "reference_date": if row.year == 2025 { REF_2025 } else { REF_2026 },
    })
}

fn pairs(list: &Value) -> Vec<(String, i64)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["kind"].as_str().unwrap().to_string(),
                s["amount_cents"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn owned(list: &[(&str, i64)]) -> Vec<(String, i64)> {
    list.iter().map(|(k, a)| (k.to_string(), *a)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_match_the_circulars() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    for row in TABLE {
        let (status, out) = app.post(PATH, &token, &body(row)).await;
        assert_eq!(status, 200, "{}: {out}", row.name);
        let children = out["children"].as_array().unwrap();
        assert_eq!(children.len(), row.expected.len(), "{}", row.name);
        for (i, (base, supplements, amount)) in row.expected.iter().enumerate() {
            let child = &children[i];
            assert_eq!(child["base_cents"], *base, "{}: child {i} base", row.name);
            let mut got = pairs(&child["supplements"]);
            let mut want = owned(supplements);
            got.sort();
            want.sort();
            assert_eq!(got, want, "{}: child {i} supplements", row.name);
            assert_eq!(
                child["amount_cents"], *amount,
                "{}: child {i} amount",
                row.name
            );
        }
        assert_eq!(
            pairs(&out["household_supplements"]),
            owned(row.household),
            "{}",
            row.name
        );
        assert_eq!(out["monthly_total_cents"], row.total, "{}: total", row.name);
        assert!(
            out["source"].as_str().unwrap().contains("circ."),
            "{}",
            row.name
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_and_notes_explain_the_amounts() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let (status, out) = app
        .post(
            PATH,
            &token,
            &json!({ "year": 2025, "isee_cents": null, "reference_date": REF_2025,
                     "children": [{ "birth_date": "2020-01-15" }, { "birth_date": "2006-01-10" }, { "birth_date": "2003-01-10" }] }),
        )
        .await;
    assert_eq!(status, 200, "{out}");
    let categories: Vec<&str> = out["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(categories, ["minor", "young-adult", "not-eligible"]);
    assert_eq!(out["children"][1]["age"], 19);
    let notes = out["notes"].as_array().unwrap();
    assert_eq!(
        notes.len(),
        3,
        "no ISEE, an 18–20 child, a 21-year-old: {out}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_names_the_field() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    let cases: &[(Value, u16, &str)] = &[
        (json!({ "year": 2025, "children": [] }), 400, "children"),
        (json!({ "year": 2025 }), 400, "children"),
        (
            json!({ "year": 2025, "isee_cents": -1, "children": [{ "birth_date": "2020-01-01" }] }),
            400,
            "isee_cents",
        ),
        (
            json!({ "year": 2025, "reference_date": REF_2025, "children": [{ "birth_date": "2025-07-01" }] }),
            400,
            "children[0].birth_date",
        ),
        (
            json!({ "year": 2025, "children": [{ "birth_date": "2020-02-30" }] }),
            400,
            "children[0].birth_date",
        ),
        (
            json!({ "year": 2025, "children": [{ "birth_date": "2020-01-01", "disability": "mild" }] }),
            400,
            "children[0].disability",
        ),
        (
            json!({ "year": 2025, "mother_age": 5, "children": [{ "birth_date": "2020-01-01" }] }),
            400,
            "mother_age",
        ),
        (
            json!({ "year": 2025, "children": [{ "birth_date": "2020-01-01" }], "pets": 2 }),
            400,
            "",
        ),
        (
            json!({ "year": 2024, "children": [{ "birth_date": "2020-01-01" }] }),
            422,
            "",
        ),
    ];
    for (body, expected_status, field) in cases {
        let (status, problem) = app.post(PATH, &token, body).await;
        assert_eq!(status, *expected_status, "{body}: {problem}");
        if !field.is_empty() {
            let fields: Vec<&str> = problem["errors"]
                .as_array()
                .unwrap()
                .iter()
                .map(|e| e["field"].as_str().unwrap())
                .collect();
            assert!(fields.contains(field), "{body}: {problem}");
        }
    }
}
