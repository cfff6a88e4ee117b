//! Acting for someone else: delegations to intermediaries, agencies' vouchers with the ModI
//! headers, the authorisation matrix, and the audit trail that records all of it.

mod delegations;
mod interop;
mod matrix;
mod subjects;

use serde_json::{Value, json};
use welfare_tests::TestApp;

pub const DELEGATIONS: &str = "/api/v1/me/delegations";
pub const AU: &str = "/api/v1/income-support/applications";
pub const DISABILITY: &str = "/api/v1/disability/applications";

/// An RFC 3339 timestamp `seconds` from now.
pub fn in_seconds(seconds: i64) -> String {
    (jiff::Timestamp::now() + jiff::SignedDuration::from_secs(seconds)).to_string()
}

/// Grants a delegation with `token` and returns it.
pub async fn grant(
    app: &TestApp,
    token: &str,
    org: &str,
    scopes: &[&str],
    expires_in: i64,
) -> Value {
    let (status, body) = app
        .post_idem(
            DELEGATIONS,
            token,
            &format!("grant-{org}-{}", rand_suffix()),
            &json!({ "intermediary_org": org, "scopes": scopes, "expires_at": in_seconds(expires_in) }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

pub fn rand_suffix() -> u64 {
    rand::random()
}

pub fn assegno_unico() -> Value {
    json!({ "benefit": "assegno-unico", "isee_cents": null, "reference_date": "2026-06-01",
            "children": [{ "birth_date": "2020-01-15" }] })
}

/// Requests with an intermediary's token naming `subject` in `On-Behalf-Of`.
pub async fn on_behalf(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    subject: &str,
    body: Option<&Value>,
) -> (u16, Value) {
    let mut b = app
        .request(method, path, Some(token))
        .header("On-Behalf-Of", subject)
        .header("Idempotency-Key", format!("k-{}", rand_suffix()));
    if let Some(body) = body {
        b = b.json(body);
    }
    welfare_tests::send(b).await
}

/// What a refusal must not change.
pub fn state(app: &TestApp) -> [i64; 4] {
    [
        app.count("SELECT count(*) FROM documents"),
        app.count("SELECT count(*) FROM outbox"),
        app.count("SELECT count(*) FROM delegations WHERE revoked_at IS NULL"),
        app.count("SELECT count(*) FROM idempotency"),
    ]
}

/// Rows of the audit trail.
pub fn audit_rows(app: &TestApp, outcome: &str) -> i64 {
    app.count(&format!(
        "SELECT count(*) FROM audit WHERE outcome = '{outcome}'"
    ))
}
