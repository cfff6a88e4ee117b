//! Notifications over HTTP, with a real SMTP server and real webhook receivers: messages from
//! the domains' events on the inbox and the preferred channel (retried, falling back, never
//! twice), preferences and verified contacts, quiet hours, campaigns and their figures, and
//! call-back tasks.

mod campaigns;
mod delivery;
mod requests;

use std::collections::BTreeMap;
use std::time::Duration;

use serde_json::{Value, json};
use welfare_gateway::config::{EmailChannelConfig, WebhookChannelConfig};
use welfare_tests::smtp::SmtpServer;
use welfare_tests::webhook::{Rule, WebhookReceiver};
use welfare_tests::{TestApp, spawn_with};

pub const PREFS: &str = "/api/v1/notifications/preferences";
pub const INBOX: &str = "/api/v1/notifications/inbox";
pub const CAMPAIGNS: &str = "/api/v1/notifications/campaigns";

/// A platform whose channel adapters reach the test's SMTP server and webhook receivers, with
/// quick retries (50 ms doubling) and a fallback after two failures.
pub struct Notifying {
    pub app: TestApp,
    pub smtp: SmtpServer,
    pub sms: WebhookReceiver,
    pub push: WebhookReceiver,
}

pub async fn spawn_notifying(sms_rule: Rule, push_rule: Rule) -> Notifying {
    let smtp = SmtpServer::start().await;
    let sms = WebhookReceiver::start(sms_rule).await;
    let push = WebhookReceiver::start(push_rule).await;
    let (smtp_url, sms_url, push_url) = (smtp.url(), sms.url("sms"), push.url("push"));
    let app = spawn_with(move |c| {
        c.channels.email = Some(EmailChannelConfig {
            smtp_url: smtp_url.into(),
            from: "INPS <noreply@inps.example>".into(),
        });
        c.channels.sms = Some(WebhookChannelConfig {
            url: sms_url.into(),
            bearer_token: Some("sms-provider-secret".into()),
        });
        c.channels.push = Some(WebhookChannelConfig {
            url: push_url.into(),
            bearer_token: None,
        });
        c.channels.timeout_ms = 2_000;
        c.component_config.insert(
            "notifications".into(),
            BTreeMap::from([
                ("retry_base_ms".into(), "50".into()),
                ("retry_max_ms".into(), "200".into()),
                ("fallback_after".into(), "2".into()),
            ]),
        );
    })
    .await;
    Notifying {
        app,
        smtp,
        sms,
        push,
    }
}

pub fn accept_all() -> Rule {
    std::sync::Arc::new(|_, _| 202)
}

/// The first run of six digits in `text`: a verification code.
pub fn code_in(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    chars
        .windows(6)
        .find(|w| w.iter().all(|c| c.is_ascii_digit()))
        .map(|w| w.iter().collect())
        .expect("a six-digit code")
}

/// The messages in `token`'s inbox.
pub async fn inbox(app: &TestApp, token: &str) -> Vec<Value> {
    let (status, page) = app.get(&format!("{INBOX}?limit=100"), token).await;
    assert_eq!(status, 200, "{page}");
    page["items"].as_array().unwrap().clone()
}

/// Waits until `token`'s inbox holds a message from `origin` that is no longer sending.
pub async fn settled_message(app: &TestApp, token: &str, origin: &str) -> Value {
    app.eventually(Duration::from_secs(20), || async {
        inbox(app, token)
            .await
            .into_iter()
            .find(|m| m["origin"] == origin && m["status"] != "sending")
    })
    .await
}

/// Books and assesses a disability application for `citizen` (100 %, attendance needed, so
/// the parking badge is due): the `disability.assessed` event follows.
pub async fn assess(app: &TestApp, citizen: &str, protocol: &str) {
    let today = jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date();
    let issued = (today - jiff::Span::new().days(5)).to_string();
    let (status, created) = app
        .post_idem(
            "/api/v1/disability/applications",
            citizen,
            protocol,
            &json!({ "certificate_protocol": protocol, "certificate_date": issued }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap();
    let board = app.operator("medical-board");
    let (status, assessed) = app
        .post(
            &format!("/api/v1/disability/applications/{id}/assessment"),
            &board,
            &json!({ "percentage": 100, "handicap": "art3c3", "needs_attendance": true,
                     "diagnosis": "Esiti di lesione midollare.", "income_cents": 1_000_000, "working": false }),
        )
        .await;
    assert_eq!(status, 200, "{assessed}");
}
