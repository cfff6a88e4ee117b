//! "Linea INPS" questions over HTTP: classification into a C.R.I.C. section, the regional
//! desk's queue and the citizen's place in it, the experts' claim, answer, forward to the
//! central directorate and appointment, with roles and desks enforced (a citizen cannot
//! answer; an expert of another section or region does not see the question), the events for
//! notifications, and an editor turning an answer into an article that search then finds.

use jiff::ToSpan;
use jiff::civil::{Date, Weekday};
use serde_json::{Value, json};
use welfare_gateway::auth::Level;
use welfare_gateway::auth::dev_issuer::TokenRequest;
use welfare_tests::{LAURA, MARIO, TestApp, spawn_app};

const QUESTIONS: &str = "/api/v1/faq/questions";
const QUEUE: &str = "/api/v1/faq/queue";

const PENSION_QUESTION: &str = "Ho 66 anni e 19 anni di contributi: quando potrò avere la pensione di vecchiaia e con quale importo?";
const ANOTHER_PENSION_QUESTION: &str = "Mio marito è morto a marzo: come funziona la pensione di reversibilità per la vedova e quanto spetta?";

/// A C.R.I.C. expert at `desk` (each token a different person).
fn expert(app: &TestApp, desk: Option<&str>) -> String {
    app.mint(TokenRequest::Operator {
        role: "cric-expert".into(),
        office: desk.map(Into::into),
    })
}

async fn ask(app: &TestApp, who: &str, key: &str, body: Value) -> (u16, Value) {
    app.post_idem(QUESTIONS, &app.citizen(who), key, &body)
        .await
}

/// The first working day (Monday to Friday, not an Italian national holiday) at least `ahead`
/// days after today, and the first Saturday after today.
fn working_day(ahead: i64) -> Date {
    let mut day = jiff::Zoned::now().date() + ahead.days();
    loop {
        let weekend = matches!(day.weekday(), Weekday::Saturday | Weekday::Sunday);
        let fixed = [
            (1, 1),
            (1, 6),
            (4, 25),
            (5, 1),
            (6, 2),
            (8, 15),
            (10, 4),
            (11, 1),
            (12, 8),
            (12, 25),
            (12, 26),
        ]
        .contains(&(day.month(), day.day()));
        // Easter Mondays, as published.
        let easter_monday = [
            "2026-04-06",
            "2027-03-29",
            "2028-04-17",
            "2029-04-02",
            "2030-04-22",
        ]
        .contains(&day.to_string().as_str());
        if !weekend && !fixed && !easter_monday {
            return day;
        }
        day = day + 1.day();
    }
}

fn next_saturday() -> Date {
    let mut day = jiff::Zoned::now().date() + 1.day();
    while day.weekday() != Weekday::Saturday {
        day = day + 1.day();
    }
    day
}

#[tokio::test]
async fn a_question_goes_through_its_desk_with_roles_enforced() {
    let app = spawn_app().await;
    let lazio_pensions = expert(&app, Some("lazio/pensions"));
    let lazio_income = expert(&app, Some("lazio/income-support"));
    let lombardia_pensions = expert(&app, Some("lombardia/pensions"));
    let no_desk = expert(&app, None);
    let central = expert(&app, Some("central/pensions"));

    // Mario asks without naming a section: the text decides it.
    let (status, mario_q) = ask(
        &app,
        MARIO,
        "m1",
        json!({"text": PENSION_QUESTION, "region": "lazio"}),
    )
    .await;
    assert_eq!(status, 201, "{mario_q}");
    assert_eq!(mario_q["section"], "pensions");
    assert_eq!(mario_q["classified_by"], "automatic");
    assert_eq!(mario_q["desk"], "lazio/pensions");
    assert_eq!(mario_q["status"], "waiting");
    assert_eq!(mario_q["position"], 0);
    assert!(!mario_q["related_articles"].as_array().unwrap().is_empty());
    let mario_id = mario_q["id"].as_str().unwrap().to_string();

    // Laura's question waits behind his.
    let (status, laura_q) = ask(
        &app,
        LAURA,
        "l1",
        json!({"text": ANOTHER_PENSION_QUESTION, "region": "lazio", "section": "pensions"}),
    )
    .await;
    assert_eq!(status, 201, "{laura_q}");
    assert_eq!(laura_q["classified_by"], "citizen");
    assert_eq!(laura_q["position"], 1);
    let laura_id = laura_q["id"].as_str().unwrap().to_string();

    // A citizen cannot work the queue or answer; nobody without the role can.
    let answer_path = format!("{QUESTIONS}/{mario_id}/answer");
    let answer = json!({"text": "Con 19 anni di contributi serve ancora un anno: la pensione di vecchiaia richiede 20 anni."});
    for token in [app.citizen(MARIO), app.operator("editor")] {
        let (status, _) = app.post(&answer_path, &token, &answer).await;
        assert_eq!(status, 403);
        let (status, _) = app.get(QUEUE, &token).await;
        assert_eq!(status, 403);
    }
    // An expert without a desk is told what their token lacks.
    let (status, problem) = app.get(QUEUE, &no_desk).await;
    assert_eq!(status, 403);
    assert_eq!(problem["type"], "urn:welfare:problem:expert-desk-required");
    // Experts of another section or region do not see it.
    for other in [&lazio_income, &lombardia_pensions] {
        let (status, queue) = app.get(QUEUE, other).await;
        assert_eq!(status, 200);
        assert_eq!(queue["items"], json!([]));
        let (status, _) = app.post(&answer_path, other, &answer).await;
        assert_eq!(status, 404);
        let (status, _) = app
            .post(&format!("{QUESTIONS}/{mario_id}/claim"), other, &json!({}))
            .await;
        assert_eq!(status, 404);
    }

    // The desk's expert sees both, oldest first, claims Mario's: Laura moves up.
    let (_, queue) = app.get(QUEUE, &lazio_pensions).await;
    let queued: Vec<&str> = queue["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_str().unwrap())
        .collect();
    assert_eq!(queued, [mario_id.as_str(), laura_id.as_str()]);
    let (status, claimed) = app
        .post(
            &format!("{QUESTIONS}/{mario_id}/claim"),
            &lazio_pensions,
            &json!({}),
        )
        .await;
    assert_eq!(status, 200, "{claimed}");
    assert_eq!(claimed["status"], "in-progress");
    let (_, laura_now) = app
        .get(&format!("{QUESTIONS}/{laura_id}"), &app.citizen(LAURA))
        .await;
    assert_eq!(laura_now["position"], 0);
    let (_, mario_now) = app
        .get(&format!("{QUESTIONS}/{mario_id}"), &app.citizen(MARIO))
        .await;
    assert_eq!(mario_now["status"], "in-progress");
    assert!(mario_now.get("position").is_none(), "{mario_now}");
    let (_, mine) = app
        .get(&format!("{QUEUE}?claimed=mine"), &lazio_pensions)
        .await;
    assert_eq!(mine["items"][0]["id"], mario_id.as_str());

    // A colleague at the same desk cannot answer a question someone else claimed.
    let colleague = expert(&app, Some("lazio/pensions"));
    let (status, _) = app.post(&answer_path, &colleague, &answer).await;
    assert_eq!(status, 409);

    // The expert answers; the event tells notifications there is an answer, not what it says.
    let (status, answered) = app.post(&answer_path, &lazio_pensions, &answer).await;
    assert_eq!(status, 200, "{answered}");
    assert_eq!(answered["status"], "answered");
    assert_eq!(answered["answer"]["text"], answer["text"]);
    let (status, _) = app.post(&answer_path, &lazio_pensions, &answer).await;
    assert_eq!(status, 409, "a question is answered once");
    assert!(
        app.topics_about(MARIO)
            .contains(&"faq.question-answered".to_string())
    );
    let payload = app
        .texts("SELECT payload FROM outbox WHERE topic = 'faq.question-answered'")
        .remove(0);
    assert!(!payload.contains("vecchiaia"), "{payload}");
    let (_, mario_now) = app
        .get(&format!("{QUESTIONS}/{mario_id}"), &app.citizen(MARIO))
        .await;
    assert_eq!(mario_now["answer"]["text"], answer["text"]);
    let statuses: Vec<&str> = mario_now["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["waiting", "in-progress", "answered"]);

    // Laura's question is exceptionally complex: forwarded to the central directorate.
    let forward = format!("{QUESTIONS}/{laura_id}/forward");
    let (status, problem) = app
        .post(&forward, &lazio_pensions, &json!({"reason": "short"}))
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("reason"))
    );
    let (status, forwarded) = app
        .post(
            &forward,
            &lazio_pensions,
            &json!({"reason": "Cumulo con periodi esteri: serve la Direzione centrale."}),
        )
        .await;
    assert_eq!(status, 200, "{forwarded}");
    assert_eq!(forwarded["status"], "forwarded");
    assert_eq!(forwarded["desk"], "central/pensions");
    let (status, _) = app
        .post(
            &format!("{QUESTIONS}/{laura_id}/claim"),
            &lazio_pensions,
            &json!({}),
        )
        .await;
    assert_eq!(status, 404, "the regional desk no longer sees it");
    let (_, laura_now) = app
        .get(&format!("{QUESTIONS}/{laura_id}"), &app.citizen(LAURA))
        .await;
    assert_eq!(laura_now["position"], 0);
    let (_, central_queue) = app.get(QUEUE, &central).await;
    assert_eq!(central_queue["items"][0]["id"], laura_id.as_str());
    let (status, _) = app
        .post(
            &forward,
            &central,
            &json!({"reason": "Ancora più complesso di così."}),
        )
        .await;
    assert_eq!(status, 409, "the central directorate does not forward");

    // The central directorate books Laura an appointment with an officer.
    let book = format!("{QUESTIONS}/{laura_id}/appointment");
    let day = working_day(3);
    for (body, field) in [
        (
            json!({"at": format!("{}T10:00", next_saturday()), "office": "ROMA-EUR", "channel": "in-person"}),
            "at",
        ),
        (
            json!({"at": format!("{day}T13:00"), "office": "ROMA-EUR", "channel": "in-person"}),
            "at",
        ),
        (
            json!({"at": format!("{day}T10:15"), "office": "ROMA-EUR", "channel": "in-person"}),
            "at",
        ),
        (
            json!({"at": format!("{}T10:00", working_day(90)), "office": "ROMA-EUR", "channel": "in-person"}),
            "at",
        ),
        (
            json!({"at": format!("{day}T10:00"), "office": "roma eur", "channel": "in-person"}),
            "office",
        ),
        (
            json!({"at": format!("{day}T10:00"), "office": "ROMA-EUR", "channel": "pigeon"}),
            "channel",
        ),
    ] {
        let (status, problem) = app.post(&book, &central, &body).await;
        assert_eq!(
            (status, problem["errors"][0]["field"].as_str()),
            (400, Some(field)),
            "{body}: {problem}"
        );
    }
    let slot = json!({"at": format!("{day}T10:00"), "office": "ROMA-EUR", "channel": "in-person"});
    let (status, booked) = app.post(&book, &central, &slot).await;
    assert_eq!(status, 200, "{booked}");
    assert_eq!(booked["status"], "appointment-booked");
    assert_eq!(booked["appointment"]["office"], "ROMA-EUR");
    assert!(
        app.topics_about(LAURA)
            .contains(&"faq.appointment-booked".to_string())
    );

    // The slot is taken: another question cannot have it at that office.
    let (_, third) = ask(
        &app,
        MARIO,
        "m2",
        json!({"text": "Vorrei capire come si calcola la pensione con il sistema contributivo.", "region": "lazio", "section": "pensions"}),
    )
    .await;
    let third_id = third["id"].as_str().unwrap();
    let central_third = json!({"reason": "Serve un esame del fascicolo cartaceo in sede."});
    let (status, _) = app
        .post(
            &format!("{QUESTIONS}/{third_id}/forward"),
            &lazio_pensions,
            &central_third,
        )
        .await;
    assert_eq!(status, 200);
    let (status, problem) = app
        .post(
            &format!("{QUESTIONS}/{third_id}/appointment"),
            &central,
            &slot,
        )
        .await;
    assert_eq!(status, 409, "{problem}");

    // Citizens see only their own questions.
    let (status, _) = app
        .get(&format!("{QUESTIONS}/{mario_id}"), &app.citizen(LAURA))
        .await;
    assert_eq!(status, 404);
    let (_, mine) = app.get(QUESTIONS, &app.citizen(MARIO)).await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 2);

    // The dossier shows the questions.
    let (status, me) = app.get("/api/v1/me", &app.citizen(MARIO)).await;
    assert_eq!(status, 200, "{me}");
    assert_eq!(
        me["domains"]["faq"]["summary"]["questions"]["answered"], 1,
        "{me}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_contributor_question_reaches_the_contributor_desk() {
    let app = spawn_app().await;
    let (status, q) = ask(
        &app,
        MARIO,
        "k",
        json!({"text": "Il mio DURC risulta irregolare ma ho pagato tutti i contributi: cosa devo fare?", "region": "veneto"}),
    )
    .await;
    assert_eq!(status, 201, "{q}");
    assert_eq!(q["section"], "contributor", "{q}");
    assert_eq!(q["desk"], "veneto/contributor");
    let (_, queue) = app
        .get(QUEUE, &expert(&app, Some("veneto/contributor")))
        .await;
    assert_eq!(queue["items"][0]["id"], q["id"]);
    app.stop().await;
}

#[tokio::test]
async fn bad_questions_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let before = app.count("SELECT COUNT(*) FROM documents WHERE domain = 'faq'");
    for (n, (body, field)) in [
        (json!({"text": "Troppo corta", "region": "lazio"}), "text"),
        (json!({"text": PENSION_QUESTION, "region": "atlantide"}), "region"),
        (json!({"text": PENSION_QUESTION, "region": "lazio", "section": "pensioni"}), "section"),
        (json!({"text": PENSION_QUESTION, "region": "lazio", "search_id": "srch_x"}), "search_id"),
        // Nothing in the text says which section answers it.
        (json!({"text": "Buongiorno, avrei bisogno di un chiarimento urgente, grazie mille.", "region": "lazio"}), "section"),
    ]
    .into_iter()
    .enumerate()
    {
        let (status, problem) = ask(&app, MARIO, &format!("bad-{n}"), body.clone()).await;
        assert_eq!((status, problem["errors"][0]["field"].as_str()), (400, Some(field)), "{body}: {problem}");
    }
    // SPID level 2 at least; an Idempotency-Key is required.
    let (status, _) = app
        .post_idem(
            QUESTIONS,
            &app.citizen_at(MARIO, Level::L1),
            "x",
            &json!({"text": PENSION_QUESTION, "region": "lazio"}),
        )
        .await;
    assert_eq!(status, 401);
    let (status, problem) = app
        .post(
            QUESTIONS,
            &app.citizen(MARIO),
            &json!({"text": PENSION_QUESTION, "region": "lazio"}),
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        problem["type"],
        "urn:welfare:problem:idempotency-key-required"
    );
    assert_eq!(
        before,
        app.count("SELECT COUNT(*) FROM documents WHERE domain = 'faq'")
    );
    app.stop().await;
}

#[tokio::test]
async fn an_editor_turns_an_answer_into_an_article_that_search_finds() {
    let app = spawn_app().await;
    let editor = app.operator("editor");
    let desk = expert(&app, Some("toscana/income-support"));
    let (_, q) = ask(
        &app,
        LAURA,
        "q",
        json!({"text": "Faccio la stagionale in un agriturismo: la NASpI spetta anche a me d'inverno?", "region": "toscana"}),
    )
    .await;
    assert_eq!(q["section"], "income-support", "{q}");
    let id = q["id"].as_str().unwrap();

    let article = json!({
        "title": "NASpI per i lavoratori stagionali dell'agriturismo",
        "body": "Chi lavora come **stagionale** in un agriturismo e perde il lavoro alla fine della stagione ha diritto alla NASpI se ha almeno 13 settimane di contributi negli ultimi quattro anni. La domanda va presentata entro 68 giorni dalla fine del contratto, online con SPID, CIE o CNS oppure tramite un patronato.",
        "section": "income-support",
        "tags": ["stagionali", "agriturismo", "naspi"],
        "sources": ["D.Lgs. 4 marzo 2015, n. 22"],
        "from_question": id,
    });
    // Not before the question has an answer.
    let (status, problem) = app
        .post_idem("/api/v1/faq/articles", &editor, "a1", &article)
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("from_question"))
    );
    let (status, _) = app
        .post(
            &format!("{QUESTIONS}/{id}/answer"),
            &desk,
            &json!({"text": "Sì: alla fine della stagione spetta la NASpI con 13 settimane di contributi."}),
        )
        .await;
    assert_eq!(status, 200);

    // Only editors publish; a malformed article names its fields.
    let (status, _) = app
        .post_idem("/api/v1/faq/articles", &desk, "a2", &article)
        .await;
    assert_eq!(status, 403);
    let mut bad = article.clone();
    bad["title"] = json!("Corto");
    bad["section"] = json!("pensioni");
    let (status, _) = app
        .post_idem("/api/v1/faq/articles", &editor, "a3", &bad)
        .await;
    assert_eq!(status, 400);
    bad["section"] = json!("income-support");
    let (status, problem) = app
        .post_idem("/api/v1/faq/articles", &editor, "a4", &bad)
        .await;
    assert_eq!(
        (status, problem["errors"][0]["field"].as_str()),
        (400, Some("title"))
    );

    let (status, published) = app
        .post_idem("/api/v1/faq/articles", &editor, "a5", &article)
        .await;
    assert_eq!(status, 201, "{published}");
    assert_eq!(published["origin"], "published");
    assert_eq!(published["from_question"], id);
    let article_id = published["id"].as_str().unwrap();

    // Search finds it first, with its own words, inflected and without accents; it is
    // readable by anyone and listed with the others.
    let (status, found) = welfare_tests::send(
        app.request(reqwest::Method::GET, "/api/v1/faq/search", None)
            .query(&[("q", "stagionale agriturismo disoccupazione")]),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(found["items"][0]["id"], article_id, "{found}");
    assert!(
        found["items"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>stagionale</mark>")
    );
    let (_, typo) = welfare_tests::send(
        app.request(reqwest::Method::GET, "/api/v1/faq/search", None)
            .query(&[("q", "agriturisno")]),
    )
    .await;
    assert_eq!(typo["items"][0]["id"], article_id, "{typo}");
    let (status, read) = welfare_tests::send(app.request(
        reqwest::Method::GET,
        &format!("/api/v1/faq/articles/{article_id}"),
        None,
    ))
    .await;
    assert_eq!(status, 200);
    assert_eq!(read["title"], article["title"]);
    let (_, listed) = welfare_tests::send(app.request(
        reqwest::Method::GET,
        "/api/v1/faq/articles?section=income-support",
        None,
    ))
    .await;
    let listed = listed["items"].as_array().unwrap();
    assert!(listed.iter().any(|a| a["id"] == article_id));
    assert!(listed.len() >= 19);
    assert!(listed.iter().all(|a| a["section"] == "income-support"));
    app.stop().await;
}
