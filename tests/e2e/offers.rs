//! Inversion of control: the civil registry reports a birth, and each parent finds an Assegno
//! Unico application already filled in, which one of them only confirms.
//!
//! The registry (ANPR) posts the birth to `POST /interop/v1/life-events` with its PDND voucher
//! and the ModI headers; the gateway publishes `civil-registry.birth`.

use std::time::Duration;

use jiff::civil::Date;
use serde_json::{Value, json};
use welfare_tests::{LAURA, MARIO, TestApp, spawn_app};

const APPS: &str = "/api/v1/income-support/applications";
/// Valid fiscal codes for the newborns (the code's own date does not matter to the offer).
const LUCA: &str = "RSSLCU26S10H501P";
const GIULIA: &str = "RSSGLI26S20H501Y";

async fn spawn() -> TestApp {
    spawn_app().await
}

const LIFE_EVENTS: &str = "/interop/v1/life-events";

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

async fn register_birth(app: &TestApp, child: &str, born: Date) {
    let registry = app.agency("anpr", "civil-registry");
    let (status, body) = registry
        .post(
            LIFE_EVENTS,
            &json!({ "kind": "birth", "child": { "fiscal_code": child, "birth_date": born.to_string() },
                     "parents": [MARIO, LAURA] }),
            Some(&format!("birth-{child}")),
        )
        .await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(body["topic"], "civil-registry.birth");
}

/// The parent's offered applications, once the birth has been delivered.
async fn offers(app: &TestApp, token: &str, count: usize) -> Vec<Value> {
    app.eventually(Duration::from_secs(10), || async {
        let (_, list) = app.get(APPS, token).await;
        let offered: Vec<Value> = list["items"]
            .as_array()?
            .iter()
            .filter(|a| a["status"] == "offered")
            .cloned()
            .collect();
        (offered.len() >= count).then_some(offered)
    })
    .await
}

/// 2026 figures (circ. 7/2026; also used after 2026 until a newer circular is added): a child
/// under one with no ISEE, €58.30 + 50 % = €87.45; with ISEE €15,000, €203.80 + €101.90.
const UNDER_ONE_NO_ISEE: i64 = 8_745;
const UNDER_ONE_LOW_ISEE: i64 = 30_570;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_birth_becomes_an_offer_that_one_parent_confirms() {
    let app = spawn().await;
    assert!(today().year() >= 2026, "the figures below are 2026's");
    let mario = app.citizen(MARIO);
    let laura = app.citizen(LAURA);
    register_birth(&app, LUCA, today() - jiff::Span::new().days(10)).await;

    let laura_offer = offers(&app, &laura, 1).await.remove(0);
    let mario_offer = offers(&app, &mario, 1).await.remove(0);
    assert_eq!(laura_offer["benefit"], "assegno-unico");
    assert_eq!(laura_offer["monthly_amount_cents"], UNDER_ONE_NO_ISEE);
    let laura_id = laura_offer["id"].as_str().unwrap().to_string();
    let mario_id = mario_offer["id"].as_str().unwrap().to_string();

    // Filled in from what the platform knows: the child, and the mother's age from her code.
    let (_, full) = app.get(&format!("{APPS}/{laura_id}"), &laura).await;
    assert_eq!(full["status"], "offered");
    assert_eq!(full["details"]["children"][0]["fiscal_code"], LUCA);
    // BNCLRA90A41F205I: a woman born on 1 January 1990.
    let laura_age = today().year() - 1990;
    assert_eq!(full["details"]["mother_age"], laura_age);
    assert_eq!(full["prefilled"], json!(["children", "mother_age"]));
    assert_eq!(full["history"][0]["by"], "system");
    // The notifications domain is told, once per parent.
    let offered_events = app.texts(
        "SELECT subject FROM outbox WHERE topic = 'income-support.benefit-offered' ORDER BY subject",
    );
    assert_eq!(offered_events, [LAURA, MARIO]);
    // Nothing is in the officers' queue until someone confirms.
    let officer = app.operator("income-support-officer");
    assert_eq!(
        app.get("/api/v1/income-support/queue", &officer).await.1["items"],
        json!([])
    );

    // Laura confirms, giving her ISEE: the estimate follows it.
    let (status, confirmed) = app
        .post(
            &format!("{APPS}/{laura_id}/confirm"),
            &laura,
            &json!({ "isee_cents": 1_500_000 }),
        )
        .await;
    assert_eq!(status, 200, "{confirmed}");
    assert_eq!(confirmed["status"], "submitted");
    assert_eq!(
        confirmed["estimate"]["monthly_total_cents"],
        UNDER_ONE_LOW_ISEE
    );
    assert_eq!(confirmed["history"][1]["by"], format!("citizen:{LAURA}"));
    let (_, queue) = app.get("/api/v1/income-support/queue", &officer).await;
    assert_eq!(queue["items"][0]["id"], laura_id.as_str());

    // The household applies once: Mario's offer is withdrawn and cannot be confirmed any more.
    let (_, withdrawn) = app.get(&format!("{APPS}/{mario_id}"), &mario).await;
    assert_eq!(withdrawn["status"], "withdrawn");
    let (status, _) = app
        .post(&format!("{APPS}/{mario_id}/confirm"), &mario, &json!({}))
        .await;
    assert_eq!(status, 409);
    assert_eq!(
        app.get(&format!("{APPS}/{mario_id}"), &mario).await.1,
        withdrawn
    );
    // Nor can Laura confirm twice, or confirm Mario's.
    assert_eq!(
        app.post(&format!("{APPS}/{laura_id}/confirm"), &laura, &json!({}))
            .await
            .0,
        409
    );
    assert_eq!(
        app.post(&format!("{APPS}/{mario_id}/confirm"), &laura, &json!({}))
            .await
            .0,
        404
    );

    // A second child: the new offer lists both children and Laura's declared ISEE.
    register_birth(&app, GIULIA, today()).await;
    let second = offers(&app, &laura, 1).await.remove(0);
    let (_, second) = app
        .get(
            &format!("{APPS}/{}", second["id"].as_str().unwrap()),
            &laura,
        )
        .await;
    assert_eq!(second["details"]["children"].as_array().unwrap().len(), 2);
    assert_eq!(second["details"]["isee_cents"], 1_500_000);
    assert_eq!(
        second["estimate"]["monthly_total_cents"],
        2 * UNDER_ONE_LOW_ISEE
    );
    // Mario declared nothing: his offer has no ISEE, and the mother's age comes from Laura's code.
    let mario_second = offers(&app, &mario, 1).await.remove(0);
    assert_eq!(mario_second["monthly_amount_cents"], 2 * UNDER_ONE_NO_ISEE);
    let (_, draft) = app
        .get("/api/v1/income-support/drafts/assegno-unico", &mario)
        .await;
    assert_eq!(draft["details"]["mother_age"], laura_age);
    assert_eq!(
        draft["estimate"]["monthly_total_cents"],
        2 * UNDER_ONE_NO_ISEE
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_birth_is_refused_at_the_door() {
    let app = spawn().await;
    let registry = app.agency("anpr", "civil-registry");
    let (status, problem) = registry
        .post(
            LIFE_EVENTS,
            &json!({ "kind": "birth", "child": { "fiscal_code": "NOT-A-CODE", "birth_date": "2026-01-01" },
                     "parents": [MARIO] }),
            Some("b-1"),
        )
        .await;
    assert_eq!(status, 400, "{problem}");
    assert_eq!(problem["errors"][0]["field"], "child.fiscal_code");
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);
    let (_, list) = app.get(APPS, &app.citizen(MARIO)).await;
    assert_eq!(list["items"], json!([]));
}
