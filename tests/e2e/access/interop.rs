//! Agencies: PDND vouchers and the ModI headers, good and bad; the civil registry's life events
//! reaching the domains; the DCI registry search with per-item consent and purpose.

use std::time::Duration;

use jsonwebtoken::{Algorithm, Header};
use p256::pkcs8::{EncodePublicKey, LineEnding};
use reqwest::Method;
use serde_json::{Value, json};
use welfare_gateway::auth::PrincipalKind;
use welfare_gateway::auth::claims::Claims;
use welfare_gateway::auth::dev_issuer::{DEV_SIGNING_KID, issuer_for};
use welfare_gateway::config::SigningKeyConfig;
use welfare_gateway::interop::modi::body_digest;
use welfare_tests::agency::{INTEROP_AUDIENCE, now};
use welfare_tests::{LAURA, MARIO, spawn_app, spawn_with};

use super::{AU, assegno_unico, audit_rows};

const LIFE_EVENTS: &str = "/interop/v1/life-events";
const SEARCH: &str = "/interop/v1/registry/sync/search";

fn death(code: &str) -> Value {
    json!({ "kind": "death", "fiscal_code": code, "date_of_death": "2026-11-01" })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vouchers_and_modi_headers_that_do_not_hold_are_refused_and_change_nothing() {
    // Milan's municipality has its own registered ModI key.
    let keys = tempfile::tempdir().unwrap();
    let milan = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let pem = keys.path().join("milano.pem");
    std::fs::write(
        &pem,
        milan
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap(),
    )
    .unwrap();
    let app = spawn_with(|c| {
        c.interop.signing_keys.push(SigningKeyConfig {
            kid: "milano-1".into(),
            organisation: "comune-di-milano".into(),
            public_key_pem: pem.clone(),
            algorithm: "ES256".into(),
        })
    })
    .await;
    let anpr = app.agency("anpr", "civil-registry");
    let body = death(LAURA);
    let status_path = format!("/interop/v1/disability-status/{MARIO}");
    let municipality = app.agency("comune-di-roma", "parking-badge");

    // A voucher minted by hand: `iat` an hour ago, without the access-token `typ`, or bound
    // (ModI AUDIT_REST_02's `digest`) to one tracking evidence.
    let crafted_with = |iat: u64, typ: &str, digest: Option<&str>| {
        use sha2::Digest as _;
        let claims = Claims {
            iss: issuer_for(PrincipalKind::Agency).into(),
            sub: "client:comune-di-roma".into(),
            aud: INTEROP_AUDIENCE.into(),
            exp: now() + 300,
            iat,
            jti: Some(format!("{}", rand::random::<u64>())),
            org: Some("comune-di-roma".into()),
            purpose_id: Some("parking-badge".into()),
            digest: digest.map(|tracking| welfare_gateway::auth::claims::VoucherDigest {
                alg: "SHA256".into(),
                value: hex::encode(sha2::Sha256::digest(tracking.as_bytes())),
            }),
            ..Claims::default()
        };
        let mut header = Header::new(Algorithm::ES256);
        header.typ = Some(typ.into());
        app.issuer().sign(&header, &claims).unwrap()
    };
    let crafted = |iat: u64, typ: &str| crafted_with(iat, typ, None);

    let mut cases: Vec<(&str, Method, String, welfare_tests::agency::Call, u16)> = Vec::new();
    let mut wrong_audience = anpr.call(Some(&body));
    wrong_audience.voucher = anpr.voucher_for("welfare-api");
    cases.push((
        "a voucher for another audience",
        Method::POST,
        LIFE_EVENTS.into(),
        wrong_audience,
        401,
    ));
    let mut stale = municipality.call(None);
    stale.voucher = crafted(now() - 3_600, "at+jwt");
    cases.push((
        "a voucher issued an hour ago",
        Method::GET,
        status_path.clone(),
        stale,
        401,
    ));
    let mut untyped = municipality.call(None);
    untyped.voucher = crafted(now(), "JWT");
    cases.push((
        "a voucher without typ at+jwt",
        Method::GET,
        status_path.clone(),
        untyped,
        401,
    ));
    let mut untracked = municipality.call(None);
    untracked.tracking = String::new();
    cases.push((
        "no tracking evidence",
        Method::GET,
        status_path.clone(),
        untracked,
        403,
    ));
    let mut anonymous_user = municipality.call(None);
    anonymous_user.tracking = municipality.modi_token(
        DEV_SIGNING_KID,
        json!({ "userLocation": "x", "LoA": "low" }),
    );
    cases.push((
        "tracking evidence without userID",
        Method::GET,
        status_path.clone(),
        anonymous_user,
        403,
    ));
    let mut expired = municipality.call(None);
    expired.tracking = municipality.modi_token(
        DEV_SIGNING_KID,
        json!({ "userID": "u", "userLocation": "x", "LoA": "low", "iat": now() - 400, "exp": now() - 200 }),
    );
    cases.push((
        "expired tracking evidence",
        Method::GET,
        status_path.clone(),
        expired,
        403,
    ));
    let mut altered = anpr.call(Some(&body));
    altered.body = serde_json::to_vec(&death(MARIO)).unwrap();
    cases.push((
        "a body altered after signing",
        Method::POST,
        LIFE_EVENTS.into(),
        altered,
        403,
    ));
    let mut redigested = anpr.call(Some(&body));
    redigested.body = serde_json::to_vec(&death(MARIO)).unwrap();
    redigested.digest = Some(body_digest(&redigested.body));
    cases.push((
        "an altered body with a fresh Digest the signature does not cover",
        Method::POST,
        LIFE_EVENTS.into(),
        redigested,
        403,
    ));
    let mut unsigned = anpr.call(Some(&body));
    unsigned.signature = None;
    cases.push((
        "a write without Agid-JWT-Signature",
        Method::POST,
        LIFE_EVENTS.into(),
        unsigned,
        403,
    ));
    let mut foreign_key = anpr.call(Some(&body));
    let digest = foreign_key.digest.clone().unwrap();
    foreign_key.signature = Some(anpr.modi_token(
        "milano-1",
        json!({ "signed_headers": [{ "digest": digest }] }),
    ));
    cases.push((
        "a signature under another agency's key",
        Method::POST,
        LIFE_EVENTS.into(),
        foreign_key,
        403,
    ));

    // AUDIT_REST_02: a voucher bound (by its `digest`) to one tracking evidence is good only
    // with that one.
    let bound_to = |tracking: &str| crafted_with(now(), "at+jwt", Some(tracking));
    let mut unbound = municipality.call(None);
    unbound.voucher = bound_to(&municipality.call(None).tracking);
    cases.push((
        "a voucher bound to other tracking evidence",
        Method::GET,
        status_path.clone(),
        unbound,
        403,
    ));

    for (name, method, path, call, expected) in cases {
        let refused = audit_rows(&app, "refused");
        let (status, problem) = anpr
            .send(
                method,
                &path,
                &call,
                Some(&format!("k-{}", rand::random::<u64>())),
            )
            .await;
        assert_eq!(status, expected, "{name}: {problem}");
        // A voucher that does not verify names no caller: counted, not written to the trail.
        let audited = expected != 401;
        assert_eq!(
            audit_rows(&app, "refused"),
            refused + i64::from(audited),
            "{name}: not audited as it should"
        );
        assert_eq!(
            app.count("SELECT count(*) FROM outbox"),
            0,
            "{name}: published"
        );
    }

    // A voucher is used once; so is a ModI signature, even under a fresh voucher.
    let call = anpr.call(Some(&body));
    let (status, accepted) = anpr
        .send(Method::POST, LIFE_EVENTS, &call, Some("d-1"))
        .await;
    assert_eq!(status, 202, "{accepted}");
    let (status, _) = anpr
        .send(Method::POST, LIFE_EVENTS, &call, Some("d-1"))
        .await;
    assert_eq!(status, 401, "a replayed voucher");
    let mut replayed_signature = anpr.call(Some(&body));
    replayed_signature.signature = call.signature.clone();
    let (status, _) = anpr
        .send(Method::POST, LIFE_EVENTS, &replayed_signature, Some("d-2"))
        .await;
    assert_eq!(status, 401, "a replayed signature");
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 1);

    // The voucher bound to the evidence the call carries is accepted.
    let mut bound = municipality.call(None);
    bound.voucher = bound_to(&bound.tracking);
    let (status, out) = municipality
        .send(Method::GET, &status_path, &bound, None)
        .await;
    assert_eq!(status, 200, "{out}");

    // A municipality's read carries its user in the trail (AUDIT_REST_01).
    let (status, _) = municipality.get(&status_path).await;
    assert_eq!(status, 200);
    let (_, trail) = app
        .get("/api/v1/me/audit?outcome=allowed", &app.citizen(MARIO))
        .await;
    let last = trail["items"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(last["actor"], "comune-di-roma");
    assert_eq!(last["purpose"], "parking-badge");
    assert_eq!(
        last["evidence"]["modi"]["tracking"]["user_id"],
        "operatore-042"
    );
    assert_eq!(
        last["evidence"]["modi"]["tracking"]["user_location"],
        "ufficio-contrassegni"
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn life_events_reach_the_domains() {
    let app = spawn_app().await;
    let mario = app.citizen(MARIO);
    let (status, applied) = app.post_idem(AU, &mario, "a-1", &assegno_unico()).await;
    assert_eq!(status, 201, "{applied}");
    let anpr = app.agency("anpr", "civil-registry");

    // Laura moves to Bologna: the notifications domain moves her region.
    let moved = json!({ "kind": "residence-change", "fiscal_code": LAURA, "municipality_code": "037006",
                        "municipality": "Bologna", "region": "emilia-romagna", "since": "2026-10-01" });
    let (status, out) = anpr.post(LIFE_EVENTS, &moved, Some("r-1")).await;
    assert_eq!(status, 202, "{out}");
    assert_eq!(out["topic"], "civil-registry.residence-changed");
    let laura = app.citizen(LAURA);
    app.eventually(Duration::from_secs(10), || async {
        let (_, prefs) = app.get("/api/v1/notifications/preferences", &laura).await;
        (prefs["region"] == "emilia-romagna").then_some(())
    })
    .await;

    // Mario dies: his open application is closed by the income-support domain.
    let (status, _) = anpr.post(LIFE_EVENTS, &death(MARIO), Some("d-1")).await;
    assert_eq!(status, 202);
    let id = applied["id"].as_str().unwrap();
    let closed = app
        .eventually(Duration::from_secs(10), || async {
            let (_, a) = app.get(&format!("{AU}/{id}"), &mario).await;
            (a["status"] == "closed").then_some(a)
        })
        .await;
    assert_eq!(closed["closure"]["reason"], "deceased");
    // The same report again (same key) is answered from the first, published once.
    let (status, _) = anpr.post(LIFE_EVENTS, &death(MARIO), Some("d-1")).await;
    assert_eq!(status, 202);
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE topic = 'civil-registry.death'"),
        1
    );
    // Bad events name their fields; nothing is published.
    let (status, problem) = anpr
        .post(LIFE_EVENTS, &json!({ "kind": "residence-change", "fiscal_code": LAURA, "municipality_code": "37006",
                                     "municipality": "Bologna", "region": "padania", "since": "2026-10-01" }), Some("r-2"))
        .await;
    assert_eq!(status, 400);
    assert_eq!(
        welfare_tests::fields(&problem),
        ["municipality_code", "region"]
    );
    assert_eq!(
        app.count("SELECT count(*) FROM outbox WHERE topic LIKE 'civil-registry.%'"),
        2
    );
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_registry_search_answers_item_by_item_with_consent_and_purpose() {
    let app = spawn_app().await;
    let inps_registry = app.agency("regione-lazio", "disability-registry");
    let consent = json!({ "ts": jiff::Timestamp::now().to_string(), "purpose": { "code": "contrassegno-disabili", "text": "Rilascio contrassegno" } });
    let item = |reference: &str, code: &str, consent: Value| {
        json!({ "reference_id": reference, "timestamp": jiff::Timestamp::now().to_string(),
                "search_criteria": { "version": "1.0.0", "reg_type": "disability", "query_type": "idtype-value",
                                     "query": { "type": "UIN", "value": code }, "consent": consent } })
    };
    let search = json!({
        "header": { "version": "1.0.0", "message_id": "msg-1", "message_ts": jiff::Timestamp::now().to_string(),
                    "action": "search", "sender_id": "regione-lazio", "total_count": 3 },
        "message": { "transaction_id": "tx-1", "search_request": [
            item("r-mario", MARIO, consent.clone()),
            item("r-laura", LAURA, Value::Null),
            item("r-bad", "NOT-A-CODE", consent.clone()),
        ] }
    });
    let (status, answer) = inps_registry.post(SEARCH, &search, None).await;
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["header"]["status"], "part");
    assert_eq!(answer["header"]["completed_count"], 1);
    assert_eq!(answer["message"]["correlation_id"], "msg-1");
    let items = answer["message"]["search_response"].as_array().unwrap();
    assert_eq!(items[0]["status"], "succ");
    let record = &items[0]["data"]["reg_records"][0];
    assert_eq!(record["fiscal_code"], MARIO);
    assert_eq!(record["recognised"], false);
    assert_eq!(items[1]["status_reason_code"], "rjct.consent.missing");
    assert_eq!(items[2]["status_reason_code"], "rjct.query.invalid");

    // Each person sees the search in their trail: Mario's with the consent's purpose, Laura's
    // refused for want of consent.
    let (_, mario) = app.get("/api/v1/me/audit", &app.citizen(MARIO)).await;
    let entry = &mario["items"][0];
    assert_eq!(entry["actor"], "regione-lazio");
    assert_eq!(entry["outcome"], "allowed");
    assert_eq!(
        entry["evidence"]["consent_purpose"],
        "contrassegno-disabili"
    );
    let (_, laura) = app.get("/api/v1/me/audit", &app.citizen(LAURA)).await;
    assert_eq!(laura["items"][0]["outcome"], "refused");

    // A search of more items than allowed, or not a search at all, is a 400.
    let too_many: Vec<Value> = (0..51)
        .map(|i| item(&format!("r{i}"), MARIO, consent.clone()))
        .collect();
    let mut big = search.clone();
    big["message"]["search_request"] = json!(too_many);
    let (status, problem) = inps_registry.post(SEARCH, &big, None).await;
    assert_eq!(status, 400);
    assert_eq!(problem["errors"][0]["field"], "message.search_request");
    app.stop().await;
}
