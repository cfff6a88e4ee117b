//! Contributions over HTTP: declarations that feed workers' statements, the weeks rule and gaps,
//! statement reports worked by officers, artisans' quarterly notices, payments, the DURC's
//! tolerance, validity and reuse, instalment plans at their boundaries, missed instalments and
//! lapse, and malformed identifiers answered with the field at fault.
//!
//! Figures (worked by hand from the circulars; see components/contributions/params):
//! - FPLD rate 33 %, worker's share 9.19 %; weekly minimum €241.36 (2025), €244.74 (2026).
//! - Artisans 2026: €4,521.36 a year, instalments due 18 May, 20 August, 16 November 2026 and
//!   16 February 2027 (circ. 14/2026); minimum income €18,808.
//! - DURC (D.M. 30/1/2015): the payments due up to the last day of the second month before the
//!   request's month are verified; tolerance €150 sanctions included, valid 120 days from the
//!   request, 15 days to regularise.
//! - Civil sanctions (L. 388/2000 art. 116 c. 8 a): the ECB rate + 5.5 points a year, day by
//!   day ÷ 365, at most 40 %: 8.65 % to 4 Feb 2025, 8.40 % from 5 Feb, 8.15 % from 12 Mar,
//!   7.90 % from 23 Apr, 7.65 % from 11 Jun 2025 (circ. 34, 56, 80, 100/2025), still in 2026.
//! - Instalments: deferment interest the ECB rate + 6 points, in force on the request date:
//!   9.15 % to 4 Feb 2025, 8.90 % from 5 Feb, 8.65 % from 12 Mar, 8.40 % from 23 Apr, 8.15 %
//!   from 11 Jun 2025 and in 2026; up to 36 for debts up to €500,000, 60 above.

mod corrections;
mod days;
mod durc;
mod identifiers;
mod plans;
mod self_employed;
mod statement;

use jiff::ToSpan;
use jiff::civil::Date;
use serde_json::{Value, json};
use welfare_tests::{ACME, BETA, LAURA, MARIO, TestApp, spawn_app};

const C: &str = "/api/v1/contributions";
const GIUSEPPE: &str = "VRDGPP80A01H501U";
const LUCIA: &str = "FRRLCU92D50L219S";
/// Companies whose debts the DURC and plan tests shape.
const TOLERATED: &str = "00000000018";
const OVER: &str = "00000000026";
const LATE: &str = "00000000034";
const AT_THRESHOLD: &str = "00000000042";
const ABOVE_THRESHOLD: &str = "00000000059";
const PAYER: &str = "00000000067";
const FIRST_MISSED: &str = "00000000075";

fn today() -> Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

/// A platform whose contributions domain takes `day` for today
/// (`[component_config.contributions] today`): a request made on that day.
async fn spawn_on(day: Date) -> TestApp {
    welfare_tests::spawn_with(|c| {
        c.component_config
            .entry("contributions".into())
            .or_default()
            .insert("today".into(), day.to_string());
    })
    .await
}

fn key() -> String {
    format!("test-{}", rand::random::<u64>())
}

/// Declares `period` for `company` with `(fiscal code, taxable cents)` lines; asserts 201.
async fn declare(app: &TestApp, company: &str, period: &str, workers: &[(&str, i64)]) -> Value {
    let token = app.company(company);
    let workers: Vec<Value> = workers
        .iter()
        .map(|(cf, t)| json!({ "fiscal_code": cf, "taxable_cents": t }))
        .collect();
    let (status, body) = app
        .post_idem(
            &format!("{C}/declarations"),
            &token,
            &key(),
            &json!({ "period": period, "workers": workers }),
        )
        .await;
    assert_eq!(status, 201, "{body}");
    body
}

async fn pay(app: &TestApp, token: &str, notice: &str, amount: i64) -> (u16, Value) {
    app.post_idem(
        &format!("{C}/payment-notices/{notice}/payment"),
        token,
        &key(),
        &json!({ "amount_cents": amount }),
    )
    .await
}

fn field(problem: &Value) -> &str {
    problem["errors"][0]["field"].as_str().unwrap_or_default()
}

fn documents(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) FROM documents WHERE domain = 'contributions'")
}
