//! Connections cannot be held for ever: while hundreds of slow clients hold connections, the
//! platform keeps answering, and closes them within its deadlines (head, body, idle); past
//! `http.max_connections` a connection is refused with a 503 problem until one closes.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::Instant;
use welfare_tests::{MARIO, TestApp, send, spawn_with, test_config};

/// The deadlines these tests configure: short, so that the tests wait seconds.
const HEADER_TIMEOUT: Duration = Duration::from_millis(3_000);
const BODY_TIMEOUT: Duration = Duration::from_millis(3_000);
const IDLE_TIMEOUT: Duration = Duration::from_millis(1_500);
/// How late after its deadline a connection may still be closed: the time to notice and
/// close hundreds of sockets on a busy two-core machine.
const SLACK: Duration = Duration::from_millis(2_000);
/// A slow client's pace: far faster than the idle deadline, so only the head or body deadline
/// can close it, even when the busy test process runs the trickler a second late (seen on
/// PostgreSQL runs with an idle deadline of 1 s and a byte every 200 ms).
const TRICKLE_EVERY: Duration = Duration::from_millis(100);
/// Slow clients of each kind (three kinds: the test process holds both ends, 600 sockets).
const EACH: usize = 100;

fn addr(app: &TestApp) -> SocketAddr {
    app.base
        .trim_start_matches("http://")
        .parse()
        .expect("the gateway's address")
}

/// What a slow client saw: when the server closed the connection, and what the server sent
/// before that. The gateway starts its deadlines between the client's starting to connect
/// and (soon after) its being connected: the first bounds a deadline from below, the second
/// from above.
struct Closed {
    /// From just before connecting.
    since_connecting: Duration,
    /// From just after connecting (a refused first attempt makes connecting last a second).
    since_connected: Duration,
    answer: Vec<u8>,
    /// How reading ended: `None` for the server's orderly close, else the error (a reset).
    ended_by: Option<std::io::ErrorKind>,
}

impl std::fmt::Display for Closed {
    /// What a failed assertion prints: the times, how the connection ended and what came.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "closed {:?} after connecting ({:?} after connected), {}, answer {:?}",
            self.since_connecting,
            self.since_connected,
            match self.ended_by {
                None => "by the server's close".to_string(),
                Some(kind) => format!("by a read error ({kind:?})"),
            },
            String::from_utf8_lossy(&self.answer)
        )
    }
}

/// Connects, sends `opening`, then one more byte every [`TRICKLE_EVERY`] if `trickle` (until the
/// server sends anything), and reads until the server closes; panics after `give_up`.
async fn slow_client(
    addr: SocketAddr,
    opening: Vec<u8>,
    trickle: bool,
    give_up: Duration,
) -> Closed {
    let connecting = Instant::now();
    let stream = TcpStream::connect(addr).await.expect("connecting");
    let connected = Instant::now();
    let (mut reader, mut writer) = stream.into_split();
    writer
        .write_all(&opening)
        .await
        .expect("sending the opening");
    let answered = Arc::new(AtomicBool::new(false));
    let trickler = {
        let answered = answered.clone();
        tokio::spawn(async move {
            while trickle && !answered.load(Ordering::Relaxed) {
                tokio::time::sleep(TRICKLE_EVERY).await;
                if answered.load(Ordering::Relaxed) || writer.write_all(b"a").await.is_err() {
                    break;
                }
            }
            // Keep the writing half open until the server closes.
            std::future::pending::<()>().await;
        })
    };
    let read = async {
        let mut answer = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf).await {
                Ok(0) => return (answer, None),
                Err(e) => return (answer, Some(e.kind())),
                Ok(n) => {
                    answered.store(true, Ordering::Relaxed);
                    answer.extend_from_slice(&buf[..n]);
                }
            }
        }
    };
    let (answer, ended_by) = tokio::time::timeout(give_up, read)
        .await
        .unwrap_or_else(|_| panic!("the server did not close the connection within {give_up:?}"));
    trickler.abort();
    Closed {
        since_connecting: connecting.elapsed(),
        since_connected: connected.elapsed(),
        answer,
        ended_by,
    }
}

fn head(app: &TestApp, token: &str, content_length: usize) -> Vec<u8> {
    format!(
        "POST /api/v1/income-support/naspi/simulations HTTP/1.1\r\nHost: {}\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {content_length}\r\n\r\n{{",
        addr(app)
    )
    .into_bytes()
}

/// Splits a raw answer into its status line, its lower-cased header lines and its body.
fn parse(answer: &[u8]) -> (String, Vec<String>, Value) {
    let text = String::from_utf8_lossy(answer);
    let (head, body) = text.split_once("\r\n\r\n").expect("a complete head");
    let mut lines = head.lines();
    let status = lines.next().unwrap_or_default().to_string();
    let headers = lines.map(str::to_ascii_lowercase).collect();
    (
        status,
        headers,
        serde_json::from_str(body).unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_clients_are_closed_within_the_deadlines_while_others_are_served() {
    let app = spawn_with(|c| {
        c.http.header_timeout_ms = HEADER_TIMEOUT.as_millis() as u64;
        c.http.body_timeout_ms = BODY_TIMEOUT.as_millis() as u64;
        c.http.idle_timeout_ms = IDLE_TIMEOUT.as_millis() as u64;
    })
    .await;
    let citizen = app.citizen(MARIO);
    let address = addr(&app);
    let partial_head = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ").into_bytes();
    let mut trickling_heads = Vec::new();
    let mut stalled_heads = Vec::new();
    let mut trickling_bodies = Vec::new();
    for _ in 0..EACH {
        trickling_heads.push(tokio::spawn(slow_client(
            address,
            partial_head.clone(),
            true,
            HEADER_TIMEOUT + SLACK,
        )));
        stalled_heads.push(tokio::spawn(slow_client(
            address,
            partial_head.clone(),
            false,
            IDLE_TIMEOUT + SLACK,
        )));
        trickling_bodies.push(tokio::spawn(slow_client(
            address,
            head(&app, &citizen, 1_000),
            true,
            BODY_TIMEOUT + SLACK,
        )));
    }

    // A kept-alive connection that has had its answer and then says nothing more.
    let mut kept_alive = TcpStream::connect(address).await.unwrap();
    let asked = Instant::now();
    kept_alive
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    while !String::from_utf8_lossy(&answer).contains("\"ok\"") {
        let n = kept_alive.read(&mut buf).await.unwrap();
        assert!(n > 0, "the kept-alive connection closed before its answer");
        answer.extend_from_slice(&buf[..n]);
    }
    let answered = Instant::now();
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );

    // Meanwhile the platform answers health checks and an authenticated read, each within a
    // second, while the slow clients are all still there.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let until = Instant::now() + Duration::from_millis(700);
    let mut rounds = 0;
    while Instant::now() < until {
        for (path, token) in [
            ("/healthz", None),
            (
                "/api/v1/income-support/applications",
                Some(citizen.as_str()),
            ),
        ] {
            let started = Instant::now();
            let (status, body) = send(app.request(Method::GET, path, token)).await;
            assert_eq!(status, 200, "{path}: {body}");
            assert!(
                started.elapsed() < Duration::from_secs(1),
                "{path} took {:?} with slow clients connected",
                started.elapsed()
            );
        }
        rounds += 1;
    }
    assert!(rounds > 0);

    let n = tokio::time::timeout(IDLE_TIMEOUT + SLACK, kept_alive.read(&mut buf))
        .await
        .expect("the idle kept-alive connection is closed")
        .unwrap_or(0);
    assert_eq!(n, 0, "nothing more is sent on an idle connection");
    assert!(asked.elapsed() >= IDLE_TIMEOUT);
    assert!(answered.elapsed() <= IDLE_TIMEOUT + SLACK);

    for client in trickling_heads {
        let closed = client.await.unwrap();
        assert!(
            closed.since_connecting >= HEADER_TIMEOUT,
            "a trickling head, before its deadline: {closed}"
        );
        assert!(
            closed.since_connected <= HEADER_TIMEOUT + SLACK,
            "a trickling head, late: {closed}"
        );
        assert!(
            closed.answer.is_empty(),
            "no answer to an unfinished head: {closed}"
        );
    }
    for client in stalled_heads {
        let closed = client.await.unwrap();
        assert!(
            closed.since_connecting >= IDLE_TIMEOUT && closed.since_connected < HEADER_TIMEOUT,
            "a stalled head, by the idle deadline: {closed}"
        );
        assert!(
            closed.answer.is_empty(),
            "no answer to an unfinished head: {closed}"
        );
    }
    for client in trickling_bodies {
        let closed = client.await.unwrap();
        assert!(
            closed.since_connecting >= BODY_TIMEOUT,
            "a trickling body, before its deadline: {closed}"
        );
        assert!(
            closed.since_connected <= BODY_TIMEOUT + SLACK,
            "a trickling body, late: {closed}"
        );
        let (status, headers, problem) = parse(&closed.answer);
        assert_eq!(status, "HTTP/1.1 408 Request Timeout");
        assert!(headers.contains(&"content-type: application/problem+json".to_string()));
        assert!(headers.contains(&"connection: close".to_string()));
        assert_eq!(problem["type"], "urn:welfare:problem:body-timeout");
        assert_eq!(problem["status"], 408);
        assert_eq!(
            problem["detail"],
            "The whole body must arrive within 3000 ms of the request head."
        );
    }

    // Nothing the slow clients sent was taken for a request; the platform is as it was.
    let (status, _) = send(app.request(Method::GET, "/healthz", None)).await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_cap_a_connection_is_refused_until_one_closes() {
    let app = spawn_with(|c| {
        c.http.max_connections = 3;
        c.http.idle_timeout_ms = IDLE_TIMEOUT.as_millis() as u64;
    })
    .await;
    let address = addr(&app);
    let mut holders = Vec::new();
    for _ in 0..3 {
        holders.push(TcpStream::connect(address).await.unwrap());
    }

    // A fourth connection is accepted after the three (the system's queue is first come,
    // first served) and answered at once, whatever it sends.
    let mut extra = TcpStream::connect(address).await.unwrap();
    extra
        .write_all(format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\n\r\n").as_bytes())
        .await
        .unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), extra.read_to_end(&mut answer))
        .await
        .expect("the refusal is answered and closed")
        .expect("read to the close");
    let (status, headers, problem) = parse(&answer);
    assert_eq!(status, "HTTP/1.1 503 Service Unavailable");
    for expected in [
        "content-type: application/problem+json",
        "retry-after: 1",
        "connection: close",
        "cache-control: no-store",
    ] {
        assert!(
            headers.contains(&expected.to_string()),
            "{expected} in {headers:?}"
        );
    }
    assert_eq!(problem["type"], "urn:welfare:problem:too-many-connections");
    assert_eq!(problem["status"], 503);

    // An ordinary HTTP client reads the same refusal (not a reset).
    let fresh = reqwest::Client::new();
    let refused = fresh
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let problem: Value = refused.json().await.unwrap();
    assert_eq!(problem["type"], "urn:welfare:problem:too-many-connections");

    // The holders send nothing: the idle deadline closes them, and then a connection is
    // accepted again.
    for holder in &mut holders {
        let mut buf = [0u8; 16];
        let n = tokio::time::timeout(IDLE_TIMEOUT + SLACK, holder.read(&mut buf))
            .await
            .expect("an idle holder is closed")
            .unwrap_or(0);
        assert_eq!(n, 0);
    }
    let (status, health) = send(reqwest::Client::new().get(format!("{}/healthz", app.base))).await;
    assert_eq!((status, health["status"].as_str()), (200, Some("ok")));
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn zero_connection_limits_stop_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let mut config = test_config(dir.path());
    config.http.header_timeout_ms = 0;
    config.http.idle_timeout_ms = 0;
    let error = match welfare_gateway::Platform::start(config).await {
        Ok(_) => panic!("the platform started"),
        Err(e) => format!("{e:#}"),
    };
    assert_eq!(
        error,
        "http.header_timeout_ms, http.idle_timeout_ms must be more than 0"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_lets_the_request_in_hand_finish_and_accepts_no_more() {
    let app = spawn_with(|_| {}).await;
    let address = addr(&app);
    let request = app
        .request(
            Method::POST,
            "/api/v1/fixture/counters/shutdown?hold_ms=600",
            Some(&app.citizen(MARIO)),
        )
        .json(&serde_json::json!({}));
    let in_hand = tokio::spawn(send(request));
    // The component holds the request for 600 ms (within the test deadline of a component
    // call, 1 s); shut down while it does.
    tokio::time::sleep(Duration::from_millis(200)).await;
    app.stop().await;
    let (status, body) = in_hand.await.unwrap();
    assert_eq!((status, body["count"].as_u64()), (200, Some(1)), "{body}");
    assert!(
        TcpStream::connect(address).await.is_err(),
        "a stopped gateway accepts no connection"
    );
}
