//! The requests the scenarios send, and the data a read needs first.

use reqwest::Method;
use serde_json::json;

use crate::load::Scenario;

/// The durable NASpI application, each client as citizens of its own ([`Scenario`] says why).
pub(crate) fn applications_write(name: &'static str, citizen: &str) -> Scenario {
    Scenario {
        name,
        method: Method::POST,
        path: "/api/v1/income-support/applications",
        token: Some(citizen.to_string()),
        body: Some(application()),
        idempotency: true,
        on_behalf_of: None,
        citizen_per_client: true,
    }
}

pub(crate) fn search_everyday() -> Scenario {
    Scenario {
        name: "GET FAQ search, everyday words and a synonym (no login)",
        method: Method::GET,
        path: "/api/v1/faq/search?q=assegno%20per%20i%20figli%20quanto%20spetta",
        token: None,
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    }
}

pub(crate) fn search_typo() -> Scenario {
    Scenario {
        name: "GET FAQ search, a typo corrected (no login)",
        method: Method::GET,
        path: "/api/v1/faq/search?q=indennita%20di%20disocupazione",
        token: None,
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    }
}

/// Twenty applications of `citizen`'s, so that reading them reads something.
pub(crate) async fn seed_applications(app: &welfare_tests::TestApp, citizen: &str) {
    for i in 0..20 {
        app.post_idem(
            "/api/v1/income-support/applications",
            citizen,
            &format!("seed-{i}"),
            &welfare_tests::naspi_application_n(i),
        )
        .await;
    }
}

/// The authenticated read the connection and neighbour scenarios measure: `citizen`'s
/// applications, ten of the twenty it seeds.
pub(crate) async fn applications_read(
    app: &welfare_tests::TestApp,
    citizen: &str,
    name: &'static str,
) -> Scenario {
    seed_applications(app, citizen).await;
    Scenario {
        name,
        method: Method::GET,
        path: "/api/v1/income-support/applications?limit=10",
        token: Some(citizen.to_string()),
        body: None,
        idempotency: false,
        on_behalf_of: None,
        citizen_per_client: false,
    }
}

pub(crate) fn simulation() -> serde_json::Value {
    json!({
        "year": 2026, "termination_date": "2026-01-15", "claim_date": "2026-01-20",
        "termination_reason": "dismissal", "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200, "age": 40,
    })
}

pub(crate) fn application() -> serde_json::Value {
    welfare_tests::naspi_application()
}
