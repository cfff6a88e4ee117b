//! Issue 18, item 11: a gateway killed (`kill -9`) during concurrent idempotent submissions and
//! restarted on the same SQLite file lets every key be retried at once, and each retry gives
//! one application: none is refused 409, none runs twice. (Keys are held in the gateway's
//! memory while their requests run, so a killed gateway leaves no claim in the database.)
//!
//! The gateway runs as a child process (the `welfare` binary), so that it can be killed.

mod common;

use std::time::{Duration, Instant};

use welfare_gateway::auth::Level;
use welfare_gateway::auth::dev_issuer::{DevIssuer, TokenRequest};
use welfare_gateway::identity::FiscalCode;

const PATH: &str = "/api/v1/income-support/applications";
/// Citizens submitting at once in each attempt.
const CITIZENS: u32 = 64;
/// Attempts at killing the gateway while keys are in flight, before the test gives up.
const ATTEMPTS: u32 = 5;

/// The `n`-th synthetic citizen (as in the tests crate): six letters from `n`, a fixed birth
/// part, and the check character that makes the code valid.
fn citizen(n: u32) -> FiscalCode {
    let mut letters = String::new();
    let mut rest = n;
    for _ in 0..6 {
        letters.insert(0, (b'A' + (rest % 26) as u8) as char);
        rest /= 26;
    }
    ('A'..='Z')
        .find_map(|c| FiscalCode::parse(&format!("{letters}80A01H501{c}")).ok())
        .expect("one check character fits")
}

/// Mario's NASpI application (dismissed on 15 January 2026), as in the tests crate.
fn naspi_application() -> serde_json::Value {
    serde_json::json!({
        "benefit": "naspi",
        "termination_date": "2026-01-15",
        "claim_date": "2026-01-20",
        "termination_reason": "dismissal",
        "wages_last_4_years_cents": 6_000_000,
        "contribution_weeks_last_4_years": 200,
        "age": 40,
    })
}

/// How many idempotency records whose key starts with `prefix` are in `state`.
fn keys_in(conn: &rusqlite::Connection, prefix: &str, state: &str) -> i64 {
    conn.query_row(
        "SELECT COUNT(*) FROM idempotency WHERE state = ?1 AND key LIKE ?2 || '%'",
        [state, prefix],
        |r| r.get(0),
    )
    .unwrap()
}

async fn submit(
    client: reqwest::Client,
    base: String,
    token: String,
    key: String,
) -> Option<(u16, bool)> {
    let response = client
        .post(format!("{base}{PATH}"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&naspi_application())
        .send()
        .await
        .ok()?;
    let replayed = response.headers().contains_key("idempotent-replayed");
    Some((response.status().as_u16(), replayed))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restarted_gateway_lets_every_key_in_flight_be_retried_at_once() {
    let data = tempfile::tempdir().unwrap();
    let config = common::config(
        data.path(),
        "[http]\nwrites_per_minute = 0\n[clock]\ndaily_events = false",
    );
    let issuer = DevIssuer::open(data.path()).unwrap();
    let database = data.path().join("welfare.sqlite");
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
        .unwrap();

    for attempt in 0..ATTEMPTS {
        let people: Vec<(String, String)> = (0..CITIZENS)
            .map(|i| {
                let code = citizen(attempt * CITIZENS + i);
                let token = issuer
                    .mint(
                        TokenRequest::Citizen {
                            fiscal_code: code.clone(),
                            level: Level::L2,
                        },
                        "welfare-api",
                        600,
                    )
                    .unwrap();
                (code.to_string(), token)
            })
            .collect();
        let prefix = format!("restart-{attempt}-");
        let key = |code: &str| format!("{prefix}{code}");

        let server = common::Server::start(data.path(), &config);
        let sent: Vec<_> = people
            .iter()
            .map(|(code, token)| {
                tokio::spawn(submit(
                    client.clone(),
                    server.base.clone(),
                    token.clone(),
                    key(code),
                ))
            })
            .collect();
        // Kill it as soon as the first submission commits: the others are in flight with it.
        let deadline = Instant::now() + Duration::from_secs(30);
        let watcher = loop {
            // The gateway creates the file at its start.
            if let Ok(conn) = rusqlite::Connection::open_with_flags(
                &database,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
            ) && conn.busy_timeout(Duration::from_secs(5)).is_ok()
                && keys_in(&conn, &prefix, "done") > 0
            {
                break conn;
            }
            assert!(Instant::now() < deadline, "no submission committed");
            tokio::time::sleep(Duration::from_millis(1)).await;
        };
        server.kill();
        drop(watcher);
        for handle in sent {
            // Answered before the kill (201), or cut off.
            if let Some((status, _)) = handle.await.unwrap() {
                assert_eq!(status, 201);
            }
        }
        // What the dead gateway left (a read-write connection recovers its WAL).
        let (in_flight, done) = {
            let conn = rusqlite::Connection::open(&database).unwrap();
            (
                keys_in(&conn, &prefix, "in-flight"),
                keys_in(&conn, &prefix, "done"),
            )
        };
        // A key is held in memory while its request runs, never written until its commit.
        assert_eq!(in_flight, 0, "claims written to the database");
        if done == i64::from(CITIZENS) {
            // Every request finished before the kill landed: try again.
            eprintln!("attempt {attempt}: no key was left in flight");
            continue;
        }

        let server = common::Server::start(data.path(), &config);
        let retries = futures::future::join_all(people.iter().map(|(code, token)| {
            submit(
                client.clone(),
                server.base.clone(),
                token.clone(),
                key(code),
            )
        }))
        .await;
        let mut replayed = 0;
        for ((code, _), answer) in people.iter().zip(&retries) {
            let (status, was_replayed) = answer.expect("the retry is answered");
            // Not 409: the dead gateway's claims died with it.
            assert_eq!(status, 201, "the retry for {code}");
            replayed += i64::from(was_replayed);
        }
        // A request whose commit happened is replayed; every other one runs now, once.
        assert_eq!(
            replayed,
            done,
            "{} keys were cut off",
            i64::from(CITIZENS) - done
        );
        for (code, token) in &people {
            let list: serde_json::Value = client
                .get(format!("{}{PATH}", server.base))
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            assert_eq!(
                list["items"].as_array().map(Vec::len),
                Some(1),
                "{code}: {list}"
            );
        }
        server.kill();
        return;
    }
    panic!("in {ATTEMPTS} attempts the gateway never died with a key in flight");
}
