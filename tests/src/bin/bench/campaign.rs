//! Campaign dispatch, from creation until every message is delivered.

use std::time::{Duration, Instant};

use futures::StreamExt;
use serde_json::json;
use welfare_gateway::config::WebhookChannelConfig;
use welfare_tests::webhook::WebhookReceiver;
use welfare_tests::{TestApp, spawn_with, synthetic_fiscal_code};

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
    let url = create_campaign(app, &manager, "Benchmark").await;
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

/// Creates a campaign to everyone, at the highest rate, in an all-day window; its URL.
async fn create_campaign(app: &TestApp, manager: &str, name: &str) -> String {
    let (status, created) = app
        .post_idem(
            "/api/v1/notifications/campaigns",
            manager,
            // The name as a key: letters and dashes only.
            &name.to_lowercase().replace([' ', ','], "-"),
            &json!({
                "name": name,
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
    format!(
        "/api/v1/notifications/campaigns/{}",
        created["id"].as_str().unwrap()
    )
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

/// People written per transaction when the large campaign's audience is seeded.
const SEED_BATCH: u32 = 50_000;
/// How often the large campaign's progress and the process's memory are read.
const SAMPLE_EVERY: Duration = Duration::from_secs(1);

/// `bench -- campaign PEOPLE`: a campaign to `people` people (seed 000's 2001 campaign reached
/// 466,215), every one preferring the app inbox, timed from its creation to its completion,
/// with the process's resident memory read every second: planning pages through the audience
/// 200 people per transaction, so memory must stay flat however many there are.
///
/// The audience is seeded into the database directly (SQLite only), as copies of one
/// recipient the notifications domain wrote through the API for the first person: a million
/// preference updates over HTTP would take the bench longer than the campaign it measures.
pub(crate) async fn large(people: u32) {
    let app = spawn_with(|c| c.runtime.max_concurrent_instances = 128).await;
    let welfare_gateway::store::Location::Sqlite(path) = app.location.clone() else {
        panic!("`bench -- campaign` seeds its audience into SQLite: unset WELFARE_TEST_POSTGRES");
    };
    let first = synthetic_fiscal_code(0);
    let token = app.citizen(&first);
    app.put(
        "/api/v1/notifications/preferences",
        &token,
        &json!({ "preferred_channel": "inbox" }),
    )
    .await;
    let seeding = Instant::now();
    let seeded = path.clone();
    tokio::task::spawn_blocking(move || seed_recipients(&seeded, &first, people))
        .await
        .unwrap();
    println!(
        "Seeded {people} recipients in {:.1} s.",
        seeding.elapsed().as_secs_f64()
    );
    let manager = app.operator("campaign-manager");
    let before = crate::startup::resident_mib();
    let started = Instant::now();
    // Progress through the operator's own route: counted as contacts change, it reads the
    // campaign and its counter shards, however many people there are.
    let url = create_campaign(&app, &manager, "Benchmark, large").await;
    println!();
    println!("| seconds | reached | progress read (ms) | resident MiB |");
    println!("|---:|---:|---:|---:|");
    let mut peak = before;
    let mut next_print = 0.0;
    let mut slowest_read = Duration::ZERO;
    loop {
        let asked = Instant::now();
        let (status, progress) = app.get(&url, &manager).await;
        let read = asked.elapsed();
        assert_eq!(status, 200, "{progress}");
        slowest_read = slowest_read.max(read);
        let count = progress["progress"]["reached"].as_u64().unwrap_or_default();
        let rss = crate::startup::resident_mib();
        peak = peak.max(rss);
        let secs = started.elapsed().as_secs_f64();
        let done = progress["status"] == "completed";
        if secs >= next_print || done {
            println!(
                "| {secs:.0} | {count} | {:.1} | {rss:.0} |",
                read.as_secs_f64() * 1e3
            );
            next_print = secs + 10.0;
        }
        if done {
            assert_eq!(count, u64::from(people), "{progress}");
            break;
        }
        tokio::time::sleep(SAMPLE_EVERY).await;
    }
    let secs = started.elapsed().as_secs_f64();
    println!();
    println!(
        "A campaign to {people} people through the inbox: {secs:.0} s, {:.0} messages/s; resident memory {before:.0} MiB before, {peak:.0} MiB at most; its progress read in {:.1} ms at the slowest.",
        f64::from(people) / secs,
        slowest_read.as_secs_f64() * 1e3
    );
    app.stop().await;
}

/// Copies the first person's recipient document to `people - 1` more, the `n`-th keyed by
/// [`synthetic_fiscal_code`]`(n)` (and so named in its value wherever the first one is).
fn seed_recipients(path: &std::path::Path, first: &str, people: u32) {
    let mut conn = rusqlite::Connection::open(path).unwrap();
    conn.busy_timeout(Duration::from_secs(30)).unwrap();
    let key = format!("recipients/{first}");
    let (value, version, updated_at): (Vec<u8>, i64, String) = conn
        .query_row(
            "SELECT value, version, updated_at FROM documents
             WHERE domain = 'notifications' AND key = ?1",
            [&key],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("the first person's recipient document");
    let value = String::from_utf8(value).expect("a JSON document");
    let mut n = 1;
    while n < people {
        let tx = conn.transaction().unwrap();
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO documents (domain, key, value, version, updated_at)
                     VALUES ('notifications', ?1, ?2, ?3, ?4)",
                )
                .unwrap();
            for i in n..(n + SEED_BATCH).min(people) {
                let subject = synthetic_fiscal_code(i);
                insert
                    .execute(rusqlite::params![
                        format!("recipients/{subject}"),
                        value.replace(first, &subject).into_bytes(),
                        version,
                        updated_at
                    ])
                    .unwrap();
            }
        }
        tx.commit().unwrap();
        n += SEED_BATCH;
    }
}
