//! Campaign dispatch, from creation until every message is delivered.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use welfare_gateway::config::WebhookChannelConfig;
use welfare_tests::webhook::WebhookReceiver;
use welfare_tests::{spawn_with, synthetic_fiscal_code};

/// People a dispatch benchmark's campaign reaches.
const CAMPAIGN_PEOPLE: u32 = 5_000;

/// Seconds from a campaign's creation to its completion, every person preferring `channel`
/// (`inbox`, or `push` through a local webhook receiver that accepts everything).
async fn campaign_dispatch(channel: &str) -> f64 {
    let receiver = WebhookReceiver::accepting().await;
    let url = receiver.url("push");
    let app = spawn_with(move |c| {
        c.runtime.max_concurrent_instances = 128;
        c.channels.push = Some(WebhookChannelConfig {
            url: url.into(),
            bearer_token: None,
        });
    })
    .await;
    let app = &app;
    futures::stream::iter(0..CAMPAIGN_PEOPLE)
        .map(|i| async move {
            let token = app.citizen(&synthetic_fiscal_code(i));
            let body = json!({ "preferred_channel": channel, "push_token": format!("bench-push-token-{i:08}") });
            app.put("/api/v1/notifications/preferences", &token, &body).await;
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;
    let manager = app.operator("campaign-manager");
    let started = Instant::now();
    let (status, created) = app
        .post_idem(
            "/api/v1/notifications/campaigns",
            &manager,
            "bench",
            &json!({
                "name": "Benchmark",
                "service": "information",
                "template": {
                    "subject": "Nuovi servizi INPS online",
                    "body": "Da oggi puoi prenotare online un appuntamento con gli esperti della tua sede regionale, dalla tua area MyINPS."
                },
                "windows": [{ "from": "00:00", "to": "24:00" }],
                "max_attempts": 3,
                "rate_per_minute": 600000
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let url = format!(
        "/api/v1/notifications/campaigns/{}",
        created["id"].as_str().unwrap()
    );
    loop {
        let (_, progress) = app.get(&url, &manager).await;
        if progress["status"] == "completed" {
            assert_eq!(progress["progress"]["reached"], CAMPAIGN_PEOPLE);
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    started.elapsed().as_secs_f64()
}

/// The dispatch table: a campaign to the app inbox, then one to push.
pub(crate) async fn table() {
    println!();
    println!(
        "Campaign dispatch ({CAMPAIGN_PEOPLE} people, one message each, every attempt durable):"
    );
    println!();
    println!("| channel | seconds | messages/s | messages/hour |");
    println!("|---|---:|---:|---:|");
    for channel in ["inbox", "push"] {
        let secs = campaign_dispatch(channel).await;
        let rate = f64::from(CAMPAIGN_PEOPLE) / secs;
        println!(
            "| {channel} | {secs:.1} | {rate:.0} | {:.0} |",
            rate * 3600.0
        );
    }
}
