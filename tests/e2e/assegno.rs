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
//! Between the thresholds the rows are the decree's (D.Lgs. 230/2021 tabella 1, 2022: row k
//! covers ISEE up to €15,000 + k × €100 and pays a minor 175 − 0.50·k, aged 18–20 85 − 0.24·k,
//! from the third child 85 − 0.28·k, both parents working 30 − 0.12·k), indexed year by year
//! as INPS does (art. 4 c. 11): × 1.081 for 2023, × 1.054 for 2024, × 1.008 for 2025, × 1.014
//! for 2026, each amount to the 10 cents and each ISEE bound to the cent, half up, after every
//! year. Each row's comment follows the chain: 2022 → 2023 → 2024 → 2025 (→ 2026).

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
    working: Working,
    mother_age: Option<i64>,
    /// Per child, in the order given: (base, [(supplement kind, amount)], amount).
    expected: &'static [(i64, &'static [(&'static str, i64)], i64)],
    household: &'static [(&'static str, i64)],
    total: i64,
}

/// Who in the household earns from work, for art. 4 c. 8's supplement.
#[derive(Clone, Copy)]
enum Working {
    No,
    Both,
    /// The one surviving parent of an orphan's household (D.L. 73/2022 art. 38).
    Widowed,
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
        working: Working::No,
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
        working: Working::No,
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
        working: Working::No,
        mother_age: None,
        expected: &[(20_100, &[], 20_100)],
        household: &[],
        total: 20_100,
    },
    Row {
        // One cent above: row 1: 174.50 → 188.6345 → 188.60 → 198.7844 → 198.80 → 200.3904 →
        // 200.40.
        name: "one cent above the lower threshold: the first step",
        year: 2025,
        isee: Some(1_722_734),
        children: &[FIVE],
        working: Working::No,
        mother_age: None,
        expected: &[(20_040, &[], 20_040)],
        household: &[],
        total: 20_040,
    },
    Row {
        // Row 25 (ISEE over €19,983.71, up to €20,098.56): 175 − 12.50 = 162.50 → 175.6625 →
        // 175.70 → 185.1878 → 185.20 → 186.6816 → 186.70.
        name: "ISEE €20,000",
        year: 2025,
        isee: Some(2_000_000),
        children: &[FIVE],
        working: Working::No,
        mother_age: None,
        expected: &[(18_670, &[], 18_670)],
        household: &[],
        total: 18_670,
    },
    Row {
        // Row 112 (over €29,975.56, up to €30,090.41): 175 − 56 = 119.00 → 128.639 → 128.60 →
        // 135.5444 → 135.50 → 136.584 → 136.60 (interpolating gave 136.70).
        name: "ISEE €30,000",
        year: 2025,
        isee: Some(3_000_000),
        children: &[FIVE],
        working: Working::No,
        mother_age: None,
        expected: &[(13_660, &[], 13_660)],
        household: &[],
        total: 13_660,
    },
    Row {
        name: "ISEE at the upper threshold: the minimum",
        year: 2025,
        isee: Some(4_593_956),
        children: &[FIVE],
        working: Working::No,
        mother_age: None,
        expected: &[(5_750, &[], 5_750)],
        household: &[],
        total: 5_750,
    },
    Row {
        // Row 25: 85 − 6.00 = 79.00 → 85.399 → 85.40 → 90.0116 → 90.00 → 90.72 → 90.70
        // (interpolating gave 90.80).
        name: "a child aged 19 (18–20 amount)",
        year: 2025,
        isee: Some(2_000_000),
        children: &[("2006-01-10", NONE)],
        working: Working::No,
        mother_age: None,
        expected: &[(9_070, &[], 9_070)],
        household: &[],
        total: 9_070,
    },
    Row {
        name: "aged 21 and not disabled: nothing; aged 25 and severely disabled: a minor's amount, no supplement",
        year: 2025,
        isee: Some(1_500_000),
        children: &[("2004-01-10", NONE), ("2000-01-10", "severe")],
        working: Working::No,
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
        working: Working::No,
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
        working: Working::No,
        mother_age: None,
        expected: &[(5_750, &[("under-one", 2_875)], 8_625)],
        household: &[],
        total: 8_625,
    },
    Row {
        // Row 25 third child: 85 − 7.00 = 78.00 → 84.318 → 84.30 → 88.8522 → 88.90 → 89.6112 →
        // 89.60 (interpolating gave 89.70). The youngest is third.
        name: "three children: the third gets the supplement",
        year: 2025,
        isee: Some(2_000_000),
        children: &[
            ("2020-01-15", NONE),
            ("2015-02-01", NONE),
            ("2017-03-01", NONE),
        ],
        working: Working::No,
        mother_age: None,
        expected: &[
            (18_670, &[("third-child-onward", 8_960)], 27_630),
            (18_670, &[], 18_670),
            (18_670, &[], 18_670),
        ],
        household: &[],
        total: 64_970,
    },
    Row {
        // The two-year-old: +50 % of 186.70 = 93.35, and third-child 89.60.
        name: "three children, one aged two, ISEE under the limit",
        year: 2025,
        isee: Some(2_000_000),
        children: &[
            ("2015-02-01", NONE),
            ("2019-03-01", NONE),
            ("2023-01-20", NONE),
        ],
        working: Working::No,
        mother_age: None,
        expected: &[
            (18_670, &[], 18_670),
            (18_670, &[], 18_670),
            (
                18_670,
                &[("toddler", 9_335), ("third-child-onward", 8_960)],
                36_965,
            ),
        ],
        household: &[],
        total: 74_305,
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
        working: Working::No,
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
        working: Working::No,
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
        working: Working::No,
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
        working: Working::No,
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
        working: Working::No,
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
        working: Working::No,
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
        working: Working::Both,
        mother_age: None,
        expected: &[(20_100, &[("both-parents-working", 3_440)], 23_540)],
        household: &[],
        total: 23_540,
    },
    Row {
        // Row 25 both working: 30 − 3.00 = 27.00 → 29.187 → 29.20 → 30.7768 → 30.80 → 31.0464
        // → 31.00; the 19-year-old 90.70 as above.
        name: "both parents working, ISEE €20,000; not for a child aged 19",
        year: 2025,
        isee: Some(2_000_000),
        children: &[FIVE, ("2006-01-10", NONE)],
        working: Working::Both,
        mother_age: None,
        expected: &[
            (18_670, &[("both-parents-working", 3_100)], 21_770),
            (9_070, &[], 9_070),
        ],
        household: &[],
        total: 30_840,
    },
    Row {
        name: "both parents working, no ISEE: nothing more",
        year: 2025,
        isee: None,
        children: &[FIVE],
        working: Working::Both,
        mother_age: None,
        expected: &[(5_750, &[], 5_750)],
        household: &[],
        total: 5_750,
    },
    Row {
        // Art. 4 c. 8 as extended by D.L. 73/2022 art. 38: the surviving parent who works gets
        // the both-parents-working supplement, row 0: 30.00 → 32.43 → 32.40 → 34.1496 → 34.10
        // → 34.3728 → 34.40.
        name: "a widowed parent who works, ISEE below the threshold",
        year: 2025,
        isee: Some(1_500_000),
        children: &[FIVE],
        working: Working::Widowed,
        mother_age: None,
        expected: &[(20_100, &[("widowed-parent-working", 3_440)], 23_540)],
        household: &[],
        total: 23_540,
    },
    Row {
        name: "a widowed parent who works, no ISEE: the supplement's minimum, nothing",
        year: 2025,
        isee: None,
        children: &[FIVE],
        working: Working::Widowed,
        mother_age: None,
        expected: &[(5_750, &[], 5_750)],
        household: &[],
        total: 5_750,
    },
    Row {
        // Row 65 (over €24,921.75, up to €25,038.21): a minor 142.50 → 154.0425 → 154.00 →
        // 162.316 → 162.30 → 163.5984 → 163.60 → 165.8904 → 165.90; the supplement 30 − 7.80 =
        // 22.20 → 23.9982 → 24.00 → 25.296 → 25.30 → 25.5024 → 25.50 → 25.857 → 25.90; not for
        // the child aged 19 (born 2007: 18–20 row 65, 69.40 → 75.0214 → 75.00 → 79.05 → 79.10 →
        // 79.7328 → 79.70 → 80.8158 → 80.80).
        name: "2026: a widowed parent who works, ISEE €25,000, a minor and a child aged 19",
        year: 2026,
        isee: Some(2_500_000),
        children: &[FIVE, ("2007-01-10", NONE)],
        working: Working::Widowed,
        mother_age: None,
        expected: &[
            (16_590, &[("widowed-parent-working", 2_590)], 19_180),
            (8_080, &[], 8_080),
        ],
        household: &[],
        total: 27_260,
    },
    Row {
        name: "2026: no ISEE",
        year: 2026,
        isee: None,
        children: &[FIVE],
        working: Working::No,
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
        working: Working::No,
        mother_age: None,
        expected: &[(20_380, &[], 20_380)],
        household: &[],
        total: 20_380,
    },
    Row {
        // Row 22 (over €19,914.12, up to €20,030.57): 175 − 11 = 164.00 → 177.284 → 177.30 →
        // 186.8742 → 186.90 → 188.3952 → 188.40 → 191.0376 → 191.00.
        name: "2026: ISEE €20,000",
        year: 2026,
        isee: Some(2_000_000),
        children: &[FIVE],
        working: Working::No,
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
        working: Working::No,
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

/// Which amount a differing row is read from.
#[derive(Clone, Copy, Debug)]
enum Column {
    /// One child aged 5: its base.
    Minor,
    /// One child aged 19: its base.
    YoungAdult,
    /// Three minors: the youngest's third-child supplement.
    ThirdChild,
    /// One child aged 5, both parents working: the supplement.
    BothWorking,
}

/// Rows where interpolating between the year's maximum and minimum (what the project did)
/// misses INPS's indexed row by 10 cents or more: (year, ISEE, column, the indexed row's amount,
/// the interpolated one it replaces). The comment on each: the row (the ISEE bounds it lies
/// between), its 2022 figure and the chain of indexations, each step to the 10 cents.
const DIFFERING: &[(i64, i64, Column, i64, i64)] = &[
    // Row 65 (€24,921.75, €25,038.21]: 175 − 32.50 = 142.50 → 154.0425 → 154.00 → 162.316 →
    // 162.30 → 163.5984 → 163.60 → 165.8904 → 165.90. The circular's €165.90.
    (2026, 2_500_000, Column::Minor, 16_590, 16_600),
    // Row 65: 85 − 15.60 = 69.40 → 75.0214 → 75.00 → 79.05 → 79.10 → 79.7328 → 79.70 →
    // 80.8158 → 80.80.
    (2026, 2_500_000, Column::YoungAdult, 8_080, 8_090),
    // Row 65: 85 − 18.20 = 66.80 → 72.2108 → 72.20 → 76.0988 → 76.10 → 76.7088 → 76.70 →
    // 77.7738 → 77.80.
    (2026, 2_500_000, Column::ThirdChild, 7_780, 7_790),
    // Row 65: 30 − 7.80 = 22.20 → 23.9982 → 24.00 → 25.296 → 25.30 → 25.5024 → 25.50 → 25.857
    // → 25.90.
    (2026, 2_500_000, Column::BothWorking, 2_590, 2_580),
    // ISEE exactly at row 65's bound: 21,500 → 23,241.50 → 24,496.541 → 24,496.54 →
    // 24,692.5123 → 24,692.51 → 25,038.2051 → 25,038.21; still row 65, 165.90. Interpolating
    // put it in step 66 (€165.40).
    (2026, 2_503_821, Column::Minor, 16_590, 16_540),
    // Row 5 (€17,934.34, €18,050.80]: 175 − 2.50 = 172.50 → 186.4725 → 186.50 → 196.571 →
    // 196.60 → 198.1728 → 198.20 → 200.9748 → 201.00.
    (2026, 1_800_000, Column::Minor, 20_100, 20_090),
    // Row 57 (€23,990.09, €24,106.55]: 85 − 15.96 = 69.04 → 74.6322 → 74.60 → 78.6284 → 78.60
    // → 79.2288 → 79.20 → 80.3088 → 80.30.
    (2026, 2_400_000, Column::ThirdChild, 8_030, 8_050),
    // Row 31 (€20,962.22, €21,078.68]: 85 − 7.44 = 77.56 → 83.8424 → 83.80 → 88.3252 → 88.30
    // → 89.0064 → 89.00 → 90.246 → 90.20.
    (2026, 2_100_000, Column::YoungAdult, 9_020, 9_040),
    // Row 194 (€39,944.67, €40,061.14]: 30 − 23.28 = 6.72 → 7.2643 → 7.30 → 7.6942 → 7.70 →
    // 7.7616 → 7.80 → 7.9092 → 7.90.
    (2026, 4_000_000, Column::BothWorking, 790, 780),
    // 2025, row 68 (€24,922.22, €25,037.06]: 175 − 34 = 141.00 → 152.421 → 152.40 → 160.6296
    // → 160.60 → 161.8848 → 161.90.
    (2025, 2_500_000, Column::Minor, 16_190, 16_200),
    // ISEE at row 68's bound: 21,800 → 23,565.80 → 24,838.3532 → 24,838.35 → 25,037.0568 →
    // 25,037.06; row 68, 161.90 (interpolating: step 69, 161.40).
    (2025, 2_503_706, Column::Minor, 16_190, 16_140),
    // Row 112 (€29,975.56, €30,090.41]: 175 − 56 = 119.00 → 128.639 → 128.60 → 135.5444 →
    // 135.50 → 136.584 → 136.60.
    (2025, 3_000_000, Column::Minor, 13_660, 13_670),
    // Row 25 (€19,983.71, €20,098.56]: 85 − 7 = 78.00 → 84.318 → 84.30 → 88.8522 → 88.90 →
    // 89.6112 → 89.60.
    (2025, 2_000_000, Column::ThirdChild, 8_960, 8_970),
    // Row 199 (€39,967.42, €40,082.26]: 30 − 23.88 = 6.12 → 6.6157 → 6.60 → 6.9564 → 7.00 →
    // 7.056 → 7.10.
    (2025, 4_000_000, Column::BothWorking, 710, 700),
    // Row 234 (€43,987.12, €44,101.98]: 85 − 56.16 = 28.84 → 31.176 → 31.20 → 32.8848 → 32.90
    // → 33.1632 → 33.20.
    (2025, 4_400_000, Column::YoungAdult, 3_320, 3_310),
    // Row 90 (€27,448.89, €27,563.74]: 85 − 25.20 = 59.80 → 64.6438 → 64.60 → 68.0884 → 68.10
    // → 68.6448 → 68.60.
    (2025, 2_750_000, Column::ThirdChild, 6_860, 6_870),
];

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_between_the_thresholds_are_the_indexed_decree_rows() {
    let app = spawn_app().await;
    let token = app.citizen(MARIO);
    for &(year, isee, column, expected, interpolated) in DIFFERING {
        assert_ne!(expected, interpolated, "a row of this table differs");
        let (reference, aged_19) = if year == 2025 {
            (REF_2025, "2006-01-10")
        } else {
            (REF_2026, "2007-01-10")
        };
        let children = match column {
            Column::Minor | Column::BothWorking => json!([{ "birth_date": "2020-01-15" }]),
            Column::YoungAdult => json!([{ "birth_date": aged_19 }]),
            Column::ThirdChild => json!([
                { "birth_date": "2014-01-15" },
                { "birth_date": "2016-01-15" },
                { "birth_date": "2020-01-15" }
            ]),
        };
        let body = json!({
            "year": year, "isee_cents": isee, "reference_date": reference, "children": children,
            "both_parents_working": matches!(column, Column::BothWorking),
        });
        let (status, out) = app.post(PATH, &token, &body).await;
        assert_eq!(status, 200, "{year} {isee} {column:?}: {out}");
        let got = match column {
            Column::Minor | Column::YoungAdult => out["children"][0]["base_cents"].as_i64(),
            Column::ThirdChild | Column::BothWorking => {
                let child = if matches!(column, Column::ThirdChild) {
                    2
                } else {
                    0
                };
                out["children"][child]["supplements"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|s| s["kind"] != "under-one" && s["kind"] != "toddler")
                    .and_then(|s| s["amount_cents"].as_i64())
            }
        };
        assert_eq!(got, Some(expected), "{year} ISEE {isee} {column:?}: {out}");
    }
}

fn body(row: &Row) -> Value {
    json!({
        "year": row.year,
        "isee_cents": row.isee,
        "children": row.children.iter().map(|(birth, disability)| json!({ "birth_date": birth, "disability": disability })).collect::<Vec<_>>(),
        "both_parents_working": matches!(row.working, Working::Both),
        "widowed_parent_working": matches!(row.working, Working::Widowed),
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
    let codes: Vec<&str> = out["notes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "no-isee",
            "young-adult-conditions",
            "adult-only-if-disabled"
        ],
        "no ISEE, an 18–20 child, a 21-year-old: {out}"
    );
    // Italian unless asked otherwise.
    assert!(
        out["notes"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Senza un ISEE valido"),
        "{out}"
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
            json!({ "year": 2025, "both_parents_working": true, "widowed_parent_working": true,
                    "children": [{ "birth_date": "2020-01-01" }] }),
            400,
            "widowed_parent_working",
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
