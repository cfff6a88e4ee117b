//! A campaign to 10,000 synthetic citizens through a push provider that answers each one as
//! the test decides, and its report checked against figures worked out by hand.

use std::sync::Arc;
use std::time::Duration;

use futures::StreamExt;
use serde_json::json;
use welfare_tests::synthetic_fiscal_code;

use super::*;

const TARGETED: u32 = 10_000;
/// Citizens outside the segment (another region) and inside it but opted out of the service.
const ELSEWHERE: u32 = 30;
const OPTED_OUT: u32 = 20;

/// The push token of citizen `i`: its last digit decides how the provider treats it.
fn token(i: u32) -> String {
    format!("push-token-{i:08}")
}

#[tokio::test]
async fn a_campaign_to_ten_thousand_citizens_completes_with_the_right_report() {
    // Tokens ending in 0 or 1: the device is gone (503 every time). Ending in 2 or 3: the first
    // attempt fails (503), the second is accepted. The rest: accepted at once.
    let rule: Rule = Arc::new(|body, nth| {
        let last = body["to"].as_str().unwrap().chars().last().unwrap();
        match last {
            '0' | '1' => 503,
            '2' | '3' if nth == 1 => 503,
            _ => 202,
        }
    });
    let n = spawn_notifying(accept_all(), rule).await;
    let app = &n.app;

    let people = TARGETED + ELSEWHERE + OPTED_OUT;
    futures::stream::iter(0..people)
        .map(|i| async move {
            let citizen = app.citizen(&synthetic_fiscal_code(i));
            let region = if i < TARGETED + OPTED_OUT {
                "lazio"
            } else {
                "toscana"
            };
            let opt_outs = if (TARGETED..TARGETED + OPTED_OUT).contains(&i) {
                json!(["information"])
            } else {
                json!([])
            };
            let (status, out) = app
                .put(
                    PREFS,
                    &citizen,
                    &json!({ "preferred_channel": "push", "push_token": token(i),
                             "region": region, "opt_outs": opt_outs }),
                )
                .await;
            assert_eq!(status, 200, "{out}");
        })
        .buffer_unordered(32)
        .collect::<Vec<_>>()
        .await;

    let manager = app.operator("campaign-manager");
    let (status, created) = app
        .post_idem(
            CAMPAIGNS,
            &manager,
            "lazio-2026",
            &json!({
                "name": "Lazio: nuovi servizi online",
                "service": "information",
                "segment": { "region": "lazio" },
                "template": {
                    "subject": "Nuovi servizi INPS nella tua regione",
                    "body": "Da oggi puoi prenotare online un appuntamento con gli esperti della tua sede \
                             regionale. Trovi il servizio nella tua area MyINPS, sezione *Linea INPS*."
                },
                "windows": [{ "from": "00:00", "to": "24:00" }],
                "max_attempts": 3,
                "rate_per_minute": 600000,
                "retry_after_seconds": 1
            }),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let id = created["id"].as_str().unwrap().to_string();
    let url = format!("{CAMPAIGNS}/{id}");

    // Progress moves from planning through sending to completed.
    let progress = app
        .eventually(Duration::from_secs(600), || async {
            let (status, p) = app.get(&url, &manager).await;
            assert_eq!(status, 200, "{p}");
            (p["status"] == "completed").then_some(p)
        })
        .await;
    assert_eq!(progress["progress"]["planned"], TARGETED);
    assert_eq!(progress["progress"]["pending"], 0);

    // By hand: 10,000 targeted (the 30 in Tuscany and the 20 who opted out are not).
    // 60 % (last digits 4-9) are reached at the first attempt: 6,000 people, 6,000 attempts.
    // 20 % (2-3) at the second: 2,000 people, 4,000 attempts.
    // 20 % (0-1) never, after the campaign's 3 attempts: 2,000 people, 6,000 attempts.
    // Reached 8,000 (80.0 %); first attempt 6,000 (60.0 % of those targeted); 16,000 attempts,
    // 2.00 per person reached.
    let (status, report) = app.get(&format!("{url}/report"), &manager).await;
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["status"], "completed");
    assert_eq!(report["targeted"], 10_000);
    assert_eq!(report["reached"], 8_000);
    assert_eq!(report["reached_pct"], 80.0);
    assert_eq!(report["reached_first_attempt"], 6_000);
    assert_eq!(report["first_attempt_pct"], 60.0);
    assert_eq!(report["unreached"], 2_000);
    assert_eq!(report["attempts"], 16_000);
    assert_eq!(report["attempts_per_user"], 2.0);
    assert_eq!(report["reached_by_channel"], json!({ "push": 8_000 }));

    // The provider saw exactly those attempts, and nobody outside the segment.
    let received = n.push.received();
    assert_eq!(received.len(), 16_000);
    let accepted = received.iter().filter(|(_, s)| *s == 202).count();
    assert_eq!(accepted, 8_000);
    for i in [TARGETED, TARGETED + OPTED_OUT] {
        assert!(n.push.accepted_for(&token(i)).is_empty());
        assert!(received.iter().all(|(b, _)| b["to"] != token(i).as_str()));
    }
    // Each targeted citizen has the message in the inbox, whatever the device did.
    for i in [0, 2, 4] {
        let citizen = app.citizen(&synthetic_fiscal_code(i));
        let items = inbox(app, &citizen).await;
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["campaign"], id.as_str());
    }
}
