//! Artisans' and merchants' quarterly fixed contributions.

use super::*;

#[tokio::test]
async fn artisans_owe_quarterly_fixed_contributions() {
    let app = spawn_app().await;
    let giuseppe = app.citizen(GIUSEPPE);
    let path = format!("{C}/self-employment");
    let (status, body) = app
        .post_idem(
            &path,
            &giuseppe,
            &key(),
            &json!({ "fund": "artigiani", "start_date": "2026-02-10" }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    let of_2026: Vec<&Value> = body["notices"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["reference"].as_str().unwrap().contains("/2026/"))
        .collect();
    // €4,521.36 a year from February: the first quarter owes February and March,
    // round(452,136 × 3/12) − round(452,136 × 1/12) = 113,034 − 37,678; the others a quarter.
    let amounts: Vec<i64> = of_2026
        .iter()
        .map(|n| n["amount_cents"].as_i64().unwrap())
        .collect();
    assert_eq!(amounts, vec![75_356, 113_034, 113_034, 113_034]);
    let dues: Vec<&str> = of_2026
        .iter()
        .map(|n| n["due_date"].as_str().unwrap())
        .collect();
    assert_eq!(
        dues,
        vec!["2026-05-18", "2026-08-20", "2026-11-16", "2027-02-16"]
    );
    let (status, _) = app
        .post_idem(
            &path,
            &giuseppe,
            &key(),
            &json!({ "fund": "commercianti", "start_date": "2026-03-01" }),
        )
        .await;
    assert_eq!(status, 409);
    let (status, problem) = app
        .post_idem(
            &path,
            &app.citizen(LUCIA),
            &key(),
            &json!({ "fund": "artigiani", "start_date": "2024-12-31" }),
        )
        .await;
    assert_eq!((status, field(&problem)), (400, "start_date"));

    // Paying the first quarter credits February and March: 52 × 2 ÷ 12 = 8.67 → 8 weeks, on the
    // minimum income by month (€18,808: round(1,880,800 × 2/12) − round(1,880,800 × 1/12) =
    // 156,734 for February, 156,733 for March).
    let q1 = of_2026[0]["notice_number"].as_str().unwrap();
    let (status, _) = pay(&app, &giuseppe, q1, 75_356).await;
    assert_eq!(status, 200);
    let (_, s) = app.get(&format!("{C}/statement"), &giuseppe).await;
    assert_eq!(s["periods"][0]["fund"], "artigiani", "{s}");
    assert_eq!(s["periods"][0]["from"], "2026-02-01");
    assert_eq!(s["periods"][0]["to"], "2026-03-31");
    assert_eq!(s["periods"][0]["taxable_cents"], 313_467);
    assert_eq!(s["years"][0]["weeks"], 8);
    assert_eq!(s["gaps"][0]["from"], "2026-04");
    assert_eq!(s["gaps"][0]["reason"], "contributions-unpaid");

    // A new year: the daily sweep issues its four notices (no circular shipped for it yet:
    // the newest figures, and due dates a year on).
    let next = today().year() + 1;
    app.run_day(Date::new(next, 1, 2).unwrap()).await;
    let (_, all) = app
        .get(&format!("{C}/payment-notices?limit=100"), &giuseppe)
        .await;
    let next_year: Vec<&Value> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| {
            n["reference"]
                .as_str()
                .unwrap()
                .contains(&format!("/{next}/"))
        })
        .collect();
    assert_eq!(next_year.len(), 4, "{all}");
    assert_eq!(
        next_year
            .iter()
            .map(|n| n["amount_cents"].as_i64().unwrap())
            .sum::<i64>(),
        452_136
    );
    app.stop().await;
}
