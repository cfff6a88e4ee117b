//! Bad tokens get 401 and change nothing (RFC 8725): missing, malformed, expired, wrong
//! audience, wrong issuer, `alg: none`, a tampered payload, HMAC signed with the public key, a
//! foreign key. Weak logins are asked to step up; callers a route does not admit get 403.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use p256::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use reqwest::Method;
use welfare_gateway::auth::Level;
use welfare_gateway::auth::PrincipalKind;
use welfare_gateway::auth::claims::Claims;
use welfare_gateway::auth::dev_issuer::issuer_for;
use welfare_tests::{LAURA, MARIO, TestApp, send, spawn_app};

use welfare_tests::naspi_application;

const PATH: &str = "/api/v1/income-support/applications";

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn citizen_claims() -> Claims {
    Claims {
        iss: issuer_for(PrincipalKind::Citizen).into(),
        sub: "spid:x".into(),
        aud: "welfare-api".into(),
        iat: now(),
        exp: now() + 600,
        fiscal_number: Some(format!("TINIT-{MARIO}")),
        acr: Some(Level::L2.acr().into()),
        ..Claims::default()
    }
}

fn dev_key(app: &TestApp) -> EncodingKey {
    let pem = std::fs::read(app.data_dir.path().join("dev-issuer/es256.pem")).unwrap();
    EncodingKey::from_ec_pem(&pem).unwrap()
}

fn sign(app: &TestApp, claims: &Claims) -> String {
    jsonwebtoken::encode(&Header::new(Algorithm::ES256), claims, &dev_key(app)).unwrap()
}

async fn attempt(app: &TestApp, authorization: Option<String>) -> (u16, serde_json::Value, bool) {
    let mut request = app
        .request(Method::POST, PATH, None)
        .header("Idempotency-Key", uuid_like())
        .json(&naspi_application());
    if let Some(value) = authorization {
        request = request.header("Authorization", value);
    }
    let response = request.send().await.unwrap();
    let challenge = response.headers().contains_key("www-authenticate");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or_default(), challenge)
}

fn uuid_like() -> String {
    format!("k-{}", rand::random::<u64>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_tokens_are_refused_and_change_nothing() {
    let app = spawn_app().await;
    let valid = sign(&app, &citizen_claims());

    let expired = sign(
        &app,
        &Claims {
            exp: now() - 3_600,
            iat: now() - 7_200,
            ..citizen_claims()
        },
    );
    let wrong_audience = sign(
        &app,
        &Claims {
            aud: "another-api".into(),
            ..citizen_claims()
        },
    );
    let wrong_issuer = sign(
        &app,
        &Claims {
            iss: "https://idp.example".into(),
            ..citizen_claims()
        },
    );
    let no_subject = {
        let mut claims = serde_json::to_value(citizen_claims()).unwrap();
        claims.as_object_mut().unwrap().remove("sub");
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &dev_key(&app)).unwrap()
    };
    let alg_none = {
        let header = B64.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let payload = B64.encode(serde_json::to_vec(&citizen_claims()).unwrap());
        format!("{header}.{payload}.")
    };
    let tampered = {
        let parts: Vec<&str> = valid.split('.').collect();
        let claims = Claims {
            fiscal_number: Some(format!("TINIT-{LAURA}")),
            ..citizen_claims()
        };
        format!(
            "{}.{}.{}",
            parts[0],
            B64.encode(serde_json::to_vec(&claims).unwrap()),
            parts[2]
        )
    };
    // Key confusion: HMAC keyed with the issuer's public key, which an attacker can know.
    let hs256 = {
        let pem =
            std::fs::read_to_string(app.data_dir.path().join("dev-issuer/es256.pem")).unwrap();
        let secret = p256::SecretKey::from_sec1_pem(&pem)
            .or_else(|_| <p256::SecretKey as p256::pkcs8::DecodePrivateKey>::from_pkcs8_pem(&pem))
            .unwrap();
        let public = secret
            .public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap();
        jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &citizen_claims(),
            &EncodingKey::from_secret(public.as_bytes()),
        )
        .unwrap()
    };
    let foreign_key = {
        let attacker = p256::SecretKey::random(&mut rand::rngs::OsRng);
        let pem = attacker.to_pkcs8_pem(LineEnding::LF).unwrap();
        jsonwebtoken::encode(
            &Header::new(Algorithm::ES256),
            &citizen_claims(),
            &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
        )
        .unwrap()
    };

    let cases: Vec<(&str, Option<String>)> = vec![
        ("missing", None),
        (
            "not bearer",
            Some(format!("Basic {}", B64.encode("mario:secret"))),
        ),
        ("malformed", Some("Bearer not.a.jwt".into())),
        ("empty", Some("Bearer ".into())),
        ("expired", Some(format!("Bearer {expired}"))),
        ("wrong audience", Some(format!("Bearer {wrong_audience}"))),
        ("wrong issuer", Some(format!("Bearer {wrong_issuer}"))),
        ("no subject", Some(format!("Bearer {no_subject}"))),
        ("alg none", Some(format!("Bearer {alg_none}"))),
        ("tampered payload", Some(format!("Bearer {tampered}"))),
        ("HS256 with the public key", Some(format!("Bearer {hs256}"))),
        ("foreign key", Some(format!("Bearer {foreign_key}"))),
    ];
    for (name, authorization) in cases {
        let (status, body, challenge) = attempt(&app, authorization).await;
        assert_eq!(status, 401, "{name}: {body}");
        assert_eq!(body["type"], "urn:welfare:problem:unauthorized", "{name}");
        assert!(challenge, "{name}: a 401 carries WWW-Authenticate");
    }
    assert_eq!(app.count("SELECT count(*) FROM documents"), 0);
    assert_eq!(app.count("SELECT count(*) FROM outbox"), 0);
    assert_eq!(app.count("SELECT count(*) FROM idempotency"), 0);

    // The control: the same request with the valid token succeeds.
    let (status, body, _) = attempt(&app, Some(format!("Bearer {valid}"))).await;
    assert_eq!(status, 201, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weak_logins_step_up_and_others_are_forbidden() {
    let app = spawn_app().await;
    let l1 = app.citizen_at(MARIO, Level::L1);
    let response = app
        .request(Method::GET, PATH, Some(&l1))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        challenge.contains("insufficient_user_authentication"),
        "{challenge}"
    );
    assert!(challenge.contains("SpidL2"), "{challenge}");
    // L1 is enough for a simulation.
    let (status, _) = app
        .post(
            "/api/v1/income-support/naspi/simulations",
            &l1,
            &serde_json::json!({"year": 2025}),
        )
        .await;
    assert_eq!(status, 400, "authenticated, so only the body is wrong");

    let officer = app.operator("medical-board");
    let (status, body) = send(app.request(Method::GET, PATH, Some(&officer))).await;
    assert_eq!(status, 403, "{body}");
    // Dead letters are for platform operators and auditors only.
    let (status, _) =
        send(app.request(Method::GET, "/api/v1/admin/dead-letters", Some(&officer))).await;
    assert_eq!(status, 403);
    let citizen = app.citizen(MARIO);
    let (status, _) =
        send(app.request(Method::GET, "/api/v1/admin/dead-letters", Some(&citizen))).await;
    assert_eq!(status, 403);
    // Citizens act for themselves only: naming someone else is a refusal, audited.
    let (status, _) = send(
        app.request(Method::GET, PATH, Some(&citizen))
            .header("On-Behalf-Of", LAURA),
    )
    .await;
    assert_eq!(status, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configured_issuers_only_when_the_dev_issuer_is_off() {
    // A production-style identity provider: its own key, its own issuer name.
    let keys = tempfile::tempdir().unwrap();
    let idp = p256::SecretKey::random(&mut rand::rngs::OsRng);
    let public_pem = keys.path().join("idp.pem");
    std::fs::write(
        &public_pem,
        idp.public_key().to_public_key_pem(LineEnding::LF).unwrap(),
    )
    .unwrap();
    let app = welfare_tests::spawn_with(|c| {
        c.auth.dev_issuer = false;
        c.auth.issuers.push(welfare_gateway::config::IssuerConfig {
            issuer: "https://login.example".into(),
            kind: PrincipalKind::Citizen,
            public_key_pem: public_pem.clone(),
            algorithms: vec!["ES256".into()],
        });
    })
    .await;

    // `welfare token` keys are not trusted any more.
    let dev = app.citizen(MARIO);
    let (status, _, _) = attempt(&app, Some(format!("Bearer {dev}"))).await;
    assert_eq!(status, 401);

    let claims = Claims {
        iss: "https://login.example".into(),
        ..citizen_claims()
    };
    let pem = idp.to_pkcs8_pem(LineEnding::LF).unwrap();
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &claims,
        &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let (status, body, _) = attempt(&app, Some(format!("Bearer {token}"))).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["subject"], MARIO);

    // The IdP's key under the dev issuer's name is refused: keys belong to their issuer.
    let impostor = Claims {
        iss: issuer_for(PrincipalKind::Citizen).into(),
        ..citizen_claims()
    };
    let token = jsonwebtoken::encode(
        &Header::new(Algorithm::ES256),
        &impostor,
        &EncodingKey::from_ec_pem(pem.as_bytes()).unwrap(),
    )
    .unwrap();
    let (status, _, _) = attempt(&app, Some(format!("Bearer {token}"))).await;
    assert_eq!(status, 401);
}
