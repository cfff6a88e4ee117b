//! The search-success measure cannot be forged: a `search_id` is signed with the deployment's
//! secret, so an id made up, changed, or signed by another deployment is refused (400, naming
//! the field) and records nothing; a real one counts once, and a second vote naming it is
//! refused (409).

use reqwest::Method;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use welfare_tests::{LAURA, TestApp, send, spawn_app, spawn_with};

const SEARCH: &str = "/api/v1/faq/search";
const QUESTIONS: &str = "/api/v1/faq/questions";
const QUESTION: &str =
    "Ho lavorato in Svizzera e in Italia: posso unire i contributi per la pensione di vecchiaia?";
const CROCKFORD: &[u8; 32] = b"0123456789abcdefghjkmnpqrstvwxyz";

async fn search_id(app: &TestApp) -> String {
    let (status, answer) = send(
        app.request(Method::GET, SEARCH, None)
            .query(&[("q", "naspi")]),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    answer["search_id"]
        .as_str()
        .expect("a search_id")
        .to_string()
}

async fn vote(app: &TestApp, article: &str, body: Value) -> (u16, Value) {
    send(
        app.request(
            Method::POST,
            &format!("/api/v1/faq/articles/{article}/feedback"),
            None,
        )
        .json(&body),
    )
    .await
}

async fn ask(app: &TestApp, key: &str, search_id: &str) -> (u16, Value) {
    app.post_idem(
        QUESTIONS,
        &app.citizen(LAURA),
        key,
        &json!({"text": QUESTION, "region": "lombardia", "search_id": search_id}),
    )
    .await
}

/// Votes and search outcomes stored, and what the editors' report counts.
async fn recorded(app: &TestApp) -> (i64, i64, Value) {
    let votes = app.count("SELECT count(*) FROM documents WHERE key LIKE 'votes/%'");
    let outcomes = app.count("SELECT count(*) FROM documents WHERE key LIKE 'outcomes/%'");
    let (status, report) = app.get("/api/v1/faq/stats", &app.operator("editor")).await;
    assert_eq!(status, 200, "{report}");
    (votes, outcomes, report["searches"].clone())
}

/// `id` with the character at `at` replaced by another base-32 digit.
fn changed(id: &str, at: usize) -> String {
    let mut bytes = id.as_bytes().to_vec();
    bytes[at] = if bytes[at] == b'0' { b'1' } else { b'0' };
    String::from_utf8(bytes).unwrap()
}

/// HMAC-SHA256 (RFC 2104) written out over SHA-256, independently of the component's `hmac`
/// crate: H((K ⊕ opad) ‖ H((K ⊕ ipad) ‖ m)), K zero-padded to the 64-byte block.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    assert!(key.len() <= 64, "a longer key would be hashed first");
    let mut block = [0u8; 64];
    block[..key.len()].copy_from_slice(key);
    let pad = |byte: u8| block.iter().map(|k| k ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[tokio::test]
async fn forged_changed_and_foreign_search_ids_are_refused_and_record_nothing() {
    let app = spawn_app().await;
    // Another deployment: its own data directory, so its own generated secret.
    let other = spawn_app().await;
    let real = search_id(&app).await;
    // srch_ + 10 characters of time + 16 of randomness, _ + 32 hex digits of tag.
    assert_eq!(real.len(), 64, "{real}");
    assert_eq!(&real[31..32], "_", "{real}");
    let foreign = search_id(&other).await;

    let before = recorded(&app).await;
    assert_eq!(before.0 + before.1, 0, "nothing voted yet");
    let cases = [
        (
            "made up",
            format!("{}{}", &real[..32], "0123456789abcdef0123456789abcdef"),
        ),
        ("the time changed", changed(&real, 14)),
        ("the random part changed", changed(&real, 30)),
        ("the tag changed", changed(&real, 63)),
        ("signed by another deployment", foreign.clone()),
        ("the unsigned shape of old", real[..31].to_string()),
        ("junk", "srch_forged".to_string()),
    ];
    for (i, (what, id)) in cases.iter().enumerate() {
        let (status, problem) = vote(
            &app,
            "naspi-requisiti",
            json!({"helpful": true, "search_id": id}),
        )
        .await;
        assert_eq!(status, 400, "{what}: {problem}");
        assert_eq!(problem["type"], "urn:welfare:problem:validation", "{what}");
        assert_eq!(
            problem["errors"][0]["field"], "search_id",
            "{what}: {problem}"
        );
        assert_eq!(
            problem["errors"][0]["message"], "is not a search_id this API gave",
            "{what}"
        );
        let (status, problem) = ask(&app, &format!("forged-{i}"), id).await;
        assert_eq!(status, 400, "{what}: {problem}");
        assert_eq!(
            problem["errors"][0]["field"], "search_id",
            "{what}: {problem}"
        );
    }
    assert_eq!(
        recorded(&app).await,
        before,
        "the refusals recorded nothing"
    );
    assert_eq!(
        app.count("SELECT count(*) FROM documents WHERE key LIKE 'questions/%'"),
        0
    );
    // The foreign id is a real one where it was made.
    let (status, body) = vote(
        &other,
        "naspi-requisiti",
        json!({"helpful": true, "search_id": foreign}),
    )
    .await;
    assert_eq!(
        (status, &body["search_outcome_recorded"]),
        (201, &json!(true)),
        "{body}"
    );

    // The real id counts once: its vote...
    let (status, body) = vote(
        &app,
        "naspi-requisiti",
        json!({"helpful": true, "search_id": real}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["search_outcome_recorded"], true);
    let once = recorded(&app).await;
    assert_eq!(once.2["followed_by_helpful_vote"], 1);
    // ...and no second vote, on the same article or another, helpful or not.
    for (article, body) in [
        (
            "naspi-requisiti",
            json!({"helpful": true, "search_id": real}),
        ),
        ("naspi-domanda", json!({"helpful": true, "search_id": real})),
        (
            "naspi-domanda",
            json!({"helpful": false, "reason": "unclear", "search_id": real}),
        ),
    ] {
        let (status, problem) = vote(&app, article, body.clone()).await;
        assert_eq!(status, 409, "{body}: {problem}");
        assert_eq!(problem["type"], "urn:welfare:problem:search-already-voted");
    }
    assert_eq!(
        recorded(&app).await,
        once,
        "the second votes counted nothing"
    );
    let (_, article) =
        send(app.request(Method::GET, "/api/v1/faq/articles/naspi-domanda", None)).await;
    assert_eq!(
        article["feedback"],
        json!({"helpful": 0, "not_helpful": 0}),
        "{article}"
    );

    // A question after the same search counts once as well; a second one is taken (the
    // citizen asked) without counting again.
    let (status, asked) = ask(&app, "real-1", &real).await;
    assert_eq!(status, 201, "{asked}");
    let (status, asked) = ask(&app, "real-2", &real).await;
    assert_eq!(status, 201, "{asked}");
    let (_, _, searches) = recorded(&app).await;
    assert_eq!(searches["followed_by_helpful_vote"], 1);
    assert_eq!(searches["followed_by_question"], 1);
    app.stop().await;
    other.stop().await;
}

#[tokio::test]
async fn a_configured_secret_signs_search_ids_as_the_readme_says() {
    let secret = "una chiave di prova lunga almeno trentadue caratteri";
    let app = spawn_with(|c| {
        c.component_config
            .entry("faq".into())
            .or_default()
            .insert("search_id_secret".into(), secret.into());
    })
    .await;
    let real = search_id(&app).await;
    let (body, tag) = real.split_at(31);
    let expected = hex::encode(&hmac_sha256(secret.as_bytes(), body.as_bytes())[..16]);
    assert_eq!(&tag[1..], expected.as_str(), "{real}");

    // An id made here with the secret and the documented recipe, for a search a minute ago.
    let millis = (jiff::Timestamp::now().as_millisecond() - 60_000) as u64;
    let mut made = String::from("srch_");
    for i in (0..10).rev() {
        made.push(CROCKFORD[((millis >> (i * 5)) & 31) as usize] as char);
    }
    made.push_str("abcdefghjkmnpqrs");
    let tag = hex::encode(&hmac_sha256(secret.as_bytes(), made.as_bytes())[..16]);
    let made = format!("{made}_{tag}");
    let (status, body) = vote(
        &app,
        "naspi-requisiti",
        json!({"helpful": true, "search_id": made}),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["search_outcome_recorded"], true);
    // The tag in upper case is another spelling of it, not an id this API gave.
    let upper = format!("{}{}", &made[..32], made[32..].to_uppercase());
    let (status, _) = vote(
        &app,
        "naspi-requisiti",
        json!({"helpful": true, "search_id": upper}),
    )
    .await;
    assert_eq!(status, 400);
    app.stop().await;
}

#[tokio::test]
async fn a_short_search_id_secret_stops_the_start_naming_the_setting() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = welfare_tests::test_config(dir.path());
    config
        .component_config
        .entry("faq".into())
        .or_default()
        .insert("search_id_secret".into(), "troppo corta".into());
    match welfare_gateway::Platform::start(config).await {
        Ok(_) => panic!("the platform started with a 12-character secret"),
        Err(e) => {
            let e = format!("{e:#}");
            assert!(e.contains("component_config.faq.search_id_secret"), "{e}");
            assert!(e.contains("at least 32 characters"), "{e}");
        }
    }
}
