//! The read beside slow clients holding connections open.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use welfare_tests::{MARIO, spawn_with};

use crate::load::run;
use crate::scenarios::*;

/// Connections the slow-client scenario holds open at once: what the issue asks the gateway
/// to withstand.
const SLOW_CLIENTS: usize = 500;

/// A slow client's pace, one byte each: slower than anyone sends, faster than the idle
/// deadline, so only the head and body deadlines close them.
const SLOW_TRICKLE_EVERY: Duration = Duration::from_millis(500);

/// The authenticated read (a citizen's applications) alone, then while [`SLOW_CLIENTS`] slow
/// clients hold connections (half trickle a request head, half send an authenticated head
/// and trickle its body; each reconnects when the gateway closes it), then alone again. The deadlines are the
/// defaults; `max_connections` is raised so that the slow and the measured clients all fit.
pub(crate) async fn slow_clients(seconds: u64, concurrency: usize) {
    use std::sync::atomic::{AtomicBool, AtomicUsize};
    let app = spawn_with(|c| {
        c.runtime.request_timeout_ms = 2_000;
        c.runtime.max_concurrent_instances = 128;
        c.http.max_connections = 2_048;
    })
    .await;
    let citizen = app.citizen(MARIO);
    let read = applications_read(&app, &citizen, "GET applications").await;
    let address: std::net::SocketAddr = app.base.trim_start_matches("http://").parse().unwrap();
    let head = format!("GET /healthz HTTP/1.1\r\nHost: {address}\r\nX-Slow: ").into_bytes();
    let body = format!(
        "POST /api/v1/income-support/naspi/simulations HTTP/1.1\r\nHost: {address}\r\n\
         Authorization: Bearer {citizen}\r\nContent-Type: application/json\r\n\
         Content-Length: 100000\r\n\r\n{{"
    )
    .into_bytes();
    println!();
    println!(
        "{} with and without {SLOW_CLIENTS} slow clients ({seconds} s, {concurrency} clients, default deadlines):",
        read.name
    );
    println!();
    println!(
        "| slow clients | requests/s | p50 ms | p99 ms | errors | slow connections closed by the gateway |"
    );
    println!("|---:|---:|---:|---:|---:|---:|");
    let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
    println!("| 0 | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | |");

    let stop = Arc::new(AtomicBool::new(false));
    let open = Arc::new(AtomicUsize::new(0));
    let closed = Arc::new(AtomicU64::new(0));
    let mut holders = Vec::new();
    for i in 0..SLOW_CLIENTS {
        let opening = if i % 2 == 0 {
            head.clone()
        } else {
            body.clone()
        };
        let (stop, open, closed) = (stop.clone(), open.clone(), closed.clone());
        holders.push(tokio::spawn(async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            while !stop.load(Ordering::Relaxed) {
                let Ok(mut stream) = tokio::net::TcpStream::connect(address).await else {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                };
                if stream.write_all(&opening).await.is_err() {
                    continue;
                }
                open.fetch_add(1, Ordering::Relaxed);
                let (mut reader, mut writer) = stream.split();
                let mut buf = [0u8; 1024];
                while !stop.load(Ordering::Relaxed) {
                    tokio::select! {
                        read = reader.read(&mut buf) => {
                            if matches!(read, Ok(0) | Err(_)) {
                                closed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                        () = tokio::time::sleep(SLOW_TRICKLE_EVERY) => {
                            if writer.write_all(b"a").await.is_err() {
                                closed.fetch_add(1, Ordering::Relaxed);
                                break;
                            }
                        }
                    }
                }
                open.fetch_sub(1, Ordering::Relaxed);
            }
        }));
    }
    while open.load(Ordering::Relaxed) < SLOW_CLIENTS {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before = closed.load(Ordering::Relaxed);
    let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
    let during = closed.load(Ordering::Relaxed) - before;
    println!("| {SLOW_CLIENTS} | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | {during} |");
    stop.store(true, Ordering::Relaxed);
    for holder in holders {
        holder.abort();
    }
    // Once more alone: how much the two rows differ by the machine's own noise.
    let (rps, p50, p99, errors) = run(&app, &app.base, &read, seconds, concurrency).await;
    println!("| 0, again | {rps:.0} | {p50:.2} | {p99:.2} | {errors} | |");
    app.stop().await;
}
