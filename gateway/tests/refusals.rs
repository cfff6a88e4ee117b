//! What a stranger's refusals cost: the `welfare` binary, with its real log on stderr, is sent
//! requests without a valid token carrying a 60 KB `X-Request-Id` and a 30 KB path. They add
//! no row to the audit trail, and no log line grows with them; an authenticated refusal's row
//! keeps bounded fields and the gateway's own request id.

mod common;

use std::process::Command;
use std::time::Duration;

/// Longest log line accepted: a request's line with a 256-byte path and its other fields.
const MAX_LINE: usize = 2_048;

fn audit_rows(db: &std::path::Path) -> Vec<(String, String, String)> {
    let conn =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .unwrap();
    let mut query = conn
        .prepare("SELECT request_id, path, coalesce(reason, '') FROM audit ORDER BY seq")
        .unwrap();
    query
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strangers_refusals_leave_no_row_and_no_long_line() {
    let data = tempfile::tempdir().unwrap();
    let server = common::Server::start(data.path(), &common::config(data.path(), ""));
    let log = server.log.clone();

    let client = reqwest::Client::new();
    let base = server.base.clone();
    let long_id = "r".repeat(60 * 1024);
    let long_path = format!(
        "/api/v1/income-support/applications/{}",
        "a".repeat(30 * 1024)
    );
    // No token, a forged token, a protected route and an unknown one: each refused.
    for (path, token) in [
        (long_path.as_str(), None),
        (long_path.as_str(), Some("Bearer not.a.jwt")),
        ("/api/v1/income-support/applications", None),
        ("/api/v1/me", Some("Bearer forged")),
    ] {
        for _ in 0..20 {
            let mut request = client
                .get(format!("{base}{path}"))
                .header("X-Request-Id", &long_id);
            if let Some(token) = token {
                request = request.header("Authorization", token);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 401, "{path}");
            let id = response.headers()["x-request-id"]
                .to_str()
                .unwrap()
                .to_string();
            assert_eq!(
                id.len(),
                36,
                "the gateway's own UUID replaces a 60 KB id: {id}"
            );
        }
    }
    let db = data.path().join("welfare.sqlite");
    assert!(
        audit_rows(&db).is_empty(),
        "unauthenticated refusals wrote audit rows"
    );

    // An authenticated refusal is audited, with a bounded path and the gateway's request id.
    let token = Command::new(env!("CARGO_BIN_EXE_welfare"))
        .args([
            "token",
            "citizen",
            "RSSMRA85T10A562S",
            "--loa",
            "1",
            "--data-dir",
        ])
        .arg(data.path())
        .output()
        .unwrap();
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    let response = client
        .get(format!("{base}{long_path}"))
        .bearer_auth(&token)
        .header("X-Request-Id", &long_id)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 401, "SPID level 1 on a level-2 route");
    let rows = audit_rows(&db);
    assert_eq!(rows.len(), 1, "{rows:?}");
    let (request_id, path, reason) = &rows[0];
    assert_eq!(request_id.len(), 36, "{request_id}");
    assert!(
        path.len() <= 512 && path.starts_with("/api/v1/income-support/"),
        "{}",
        path.len()
    );
    assert!(reason.len() <= 512);

    // The refusals were counted, and no log line carries what the clients sent.
    let metrics = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("welfare_unauthenticated_refusals_total{status=\"401\"} 80"),
        "{metrics}"
    );
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = log.lock().unwrap();
    let longest = log.iter().map(String::len).max().unwrap_or(0);
    assert!(longest <= MAX_LINE, "a log line of {longest} bytes");
    assert!(
        !log.iter().any(|l| l.contains(&long_id[..1024])),
        "the client's id was logged"
    );
}
