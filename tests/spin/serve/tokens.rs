//! A session's token verified once on the Spin host: the adapters remember its signature in
//! the database between fresh instances, and still refuse it once its key is rotated out or
//! it has expired.

use reqwest::Method;
use serde_json::json;
use welfare_gateway::auth::dev_issuer::{self, DevIssuer, TokenRequest};
use welfare_gateway::auth::{Level, PrincipalKind};
use welfare_gateway::identity::FiscalCode;
use welfare_tests::MARIO;
use welfare_tests::spin::{AUDIENCE, spin_host_with};

use super::*;

const LISTING: &str = "/api/v1/income-support/applications";
const REMEMBERED: &str = "SELECT count(*) FROM verified_tokens";

fn citizen_for(issuer: &DevIssuer, ttl_seconds: u64) -> String {
    let request = TokenRequest::Citizen {
        fiscal_code: FiscalCode::parse(MARIO).unwrap(),
        level: Level::L2,
    };
    issuer.mint(request, AUDIENCE, ttl_seconds).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remembered_token_is_refused_once_its_key_is_rotated_out_or_it_expired() {
    // No leeway: a token is refused the second after its `exp`.
    let h = Hosts::start_with(&["income-support"], &[("auth_leeway_seconds", "0")]).await;
    let read = |token: &str| answer(h.spin(Method::GET, LISTING).bearer_auth(token));
    let token = h.app.citizen(MARIO);
    assert_eq!(read(&token).await.status, 200);
    assert_eq!(h.spin.count(REMEMBERED), 1, "verified once, remembered");
    assert_eq!(read(&token).await.status, 200, "from the memo");
    assert_eq!(h.spin.count(REMEMBERED), 1);

    // A token that expires in two seconds is admitted and remembered, then refused.
    let short = citizen_for(&h.app.issuer(), 2);
    assert_eq!(read(&short).await.status, 200);
    assert_eq!(h.spin.count(REMEMBERED), 2);
    tokio::time::sleep(std::time::Duration::from_secs(3)).await;
    let expired = read(&short).await;
    assert_eq!(expired.status, 401, "{}", expired.body);

    // The same database served by a host whose citizens' issuer rotated to another key: the
    // token remembered above is verified afresh, and refused.
    let keys = tempfile::tempdir().unwrap();
    let rotated = DevIssuer::open(keys.path()).unwrap();
    let issuers = json!([{
        "issuer": dev_issuer::issuer_for(PrincipalKind::Citizen),
        "kind": PrincipalKind::Citizen,
        "algorithms": ["ES256"],
        "public_key_pem": rotated.public_key_pem().unwrap(),
    }]);
    let after = spin_host_with(
        &h.app,
        &["income-support"],
        h._dir.path(),
        &[("auth_issuers", &issuers.to_string())],
    )
    .await;
    assert_eq!(after.database, h.spin.database, "one database");
    let at_rotated = |token: &str| {
        answer(
            h.client
                .get(format!("{}{LISTING}", after.base))
                .bearer_auth(token),
        )
    };
    let refused = at_rotated(&token).await;
    assert_eq!(refused.status, 401, "{}", refused.body);
    assert_eq!(at_rotated(&citizen_for(&rotated, 600)).await.status, 200);
}
