//! The connections: the accept loop, the cap on open connections, the deadlines of a request's
//! head and body and of an idle connection, and graceful shutdown.
//!
//! Every connection is HTTP/1.1, served by hyper with the [`Router`] as its service:
//! - **head deadline** (`http.header_timeout_ms`): hyper's header read timeout, which runs from
//!   the moment the connection is ready for a request (accepted, or its previous answer sent)
//!   until the head is complete; past it hyper closes the connection without an answer, since
//!   there is no request to answer;
//! - **body deadline** (`http.body_timeout_ms`): each body is a [`DeadlineBody`] whose deadline
//!   runs from the head's arrival; past it, reading fails with [`BodyTimedOut`], which
//!   `native::read_body` answers 408 with `Connection: close`. A total deadline, not one per
//!   chunk: a client trickling one byte a second never waits long between chunks;
//! - **idle deadline** (`http.idle_timeout_ms`): a watchdog beside each connection closes it
//!   once no request is being handled and no byte has moved either way for that long: a
//!   kept-alive connection between requests, a client that connects and sends nothing or stops
//!   half-way through a head, a client that does not read its answer. hyper has no idle timeout
//!   of its own (on a kept-alive connection its header timer counts the idle time and the next
//!   head together);
//! - **backlog** ([`LISTEN_BACKLOG`], through [`bind`]): how many new connections the system
//!   queues before the loop accepts them, far above tokio's default of 128;
//! - **cap** (`http.max_connections`): one permit per open connection. A connection accepted
//!   when none is left gets a fixed 503 problem with `Retry-After` and is closed ([`refuse`]).
//!
//! On shutdown the loop stops accepting (the listener is dropped, so new connections are
//! refused by the system), idle connections close at once, and the others finish the request
//! in hand, within the deadlines above, before `serve` returns.

use std::error::Error as StdError;
use std::future::Future;
use std::io;
use std::pin::{Pin, pin};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::body::{Body, Bytes, HttpBody};
use axum::http::{Request, StatusCode};
use http_body::{Frame, SizeHint};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::{Instant, Sleep};
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

use crate::config::HttpConfig;
use crate::problem::{PROBLEM_JSON, Problem};

/// New connections the system holds for the accept loop (`listen`'s backlog; Linux caps it
/// at `net.core.somaxconn`, 4,096 by default). tokio's `TcpListener::bind` asks for 128, as
/// std does: when more connections than that arrive while the loop is busy (clients
/// reconnecting at once on a click day, or 300 slow clients in the connection test), Linux
/// drops the extra handshakes, so those clients wait a second for their retry, and one caught
/// half-way is reset. The cap on open connections ([`serve`]) still bounds what is served.
pub const LISTEN_BACKLOG: u32 = 4_096;

/// A listener on `addr` with [`LISTEN_BACKLOG`], what the gateway serves on (`welfare serve`
/// and the tests alike).
pub fn bind(addr: std::net::SocketAddr) -> io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As tokio's `bind` does: a restarted gateway can listen again at once, while the
    // connections of the one before linger in TIME_WAIT.
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Refused connections being answered at one time. Each holds a descriptor for at most
/// [`REFUSAL_LINGER`]; past this many, a refused connection is closed at once without an
/// answer, so that a flood of connections costs a bounded number of descriptors.
pub const MAX_REFUSALS: usize = 64;

/// How long a refused connection may stay open, its request head read and its 503 written.
/// Closing a socket while the client's request is still unread makes the system send a
/// reset, which can destroy the answer before the client reads it; so after the answer the
/// gateway stops writing and discards what the client sends until the client closes, and
/// gives up after this long (a client still sending its head then gets no answer).
pub const REFUSAL_LINGER: Duration = Duration::from_secs(1);

/// Most of a refused connection's request head read before answering: a longer head is
/// answered as it stands.
pub const REFUSAL_HEAD_BYTES: usize = 16 * 1024;

/// `Retry-After` of a refused connection, in seconds: a permit comes back as soon as any
/// connection ends, and slow ones end within the deadlines; a second spreads the retries.
pub const REFUSAL_RETRY_AFTER_SECONDS: u32 = 1;

/// At most one warning per this interval while connections are being refused, with the
/// number refused since the last: a flood must not become a flood of log lines.
pub const REFUSAL_WARNING_INTERVAL: Duration = Duration::from_secs(10);

/// Pause after a failed `accept` other than a connection's own failure (most likely no
/// descriptor left, `EMFILE`): long enough not to spin on an error that persists, short enough
/// that accepting resumes soon after a connection closes.
pub const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// Reading a request body failed because its deadline (`http.body_timeout_ms`) passed.
#[derive(Debug, thiserror::Error)]
#[error("the request body did not arrive before its deadline")]
pub struct BodyTimedOut;

/// Whether `error`, or an error it wraps, is [`BodyTimedOut`].
pub fn body_timed_out(error: &(dyn StdError + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(e) = next {
        if e.is::<BodyTimedOut>() {
            return true;
        }
        next = e.source();
    }
    false
}

/// Serves `router` on `listener` until `shutdown` completes, then stops accepting and waits
/// for the open connections to finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    config: &HttpConfig,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let limits = Limits {
        header: config.header_timeout(),
        body: config.body_timeout(),
        idle: config.idle_timeout(),
    };
    let connections = Arc::new(Semaphore::new(config.max_connections as usize));
    let refusals = Arc::new(Semaphore::new(MAX_REFUSALS));
    let closing = CancellationToken::new();
    let mut shutdown = pin!(shutdown);
    let (mut refused, mut warned) = (0u64, None::<Instant>);
    loop {
        let stream = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "accepting a connection");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        match connections.clone().try_acquire_owned() {
            Ok(permit) => {
                let connection =
                    connection(stream, router.clone(), limits, closing.clone(), permit);
                tokio::spawn(connection);
            }
            Err(_) => {
                refused += 1;
                if warned.is_none_or(|at| at.elapsed() >= REFUSAL_WARNING_INTERVAL) {
                    tracing::warn!(
                        max_connections = config.max_connections,
                        refused,
                        "connections refused: as many open as http.max_connections allows"
                    );
                    warned = Some(Instant::now());
                    refused = 0;
                }
                if let Ok(permit) = refusals.clone().try_acquire_owned() {
                    tokio::spawn(refuse(stream, permit));
                }
            }
        }
    }
    drop(listener);
    closing.cancel();
    // Every connection holds a permit until it ends: all of them back means all have ended.
    let _all = connections.acquire_many(config.max_connections).await;
    Ok(())
}

/// The deadlines of one connection.
#[derive(Debug, Clone, Copy)]
struct Limits {
    header: Duration,
    body: Duration,
    idle: Duration,
}

/// Serves one connection until it ends, it has been idle too long, or shutdown lets it go.
async fn connection(
    stream: TcpStream,
    router: Router,
    limits: Limits,
    closing: CancellationToken,
    permit: OwnedSemaphorePermit,
) {
    let activity = Arc::new(Activity::new());
    let io = TokioIo::new(Watched {
        _permit: permit,
        stream,
        activity: activity.clone(),
    });
    let service = {
        let activity = activity.clone();
        hyper::service::service_fn(move |request: Request<Incoming>| {
            let handling = Handling::begin(activity.clone());
            let request = request.map(|body| Body::new(DeadlineBody::new(body, limits.body)));
            let router = router.clone();
            async move {
                let response = router.oneshot(request).await;
                drop(handling);
                response
            }
        })
    };
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header);
    let mut conn = pin!(builder.serve_connection(io, service));
    let mut shutting_down = false;
    loop {
        let check = activity.next_idle_check(limits.idle);
        tokio::select! {
            result = conn.as_mut() => {
                if let Err(e) = result {
                    tracing::debug!(error = %e, "connection ended");
                }
                return;
            }
            () = closing.cancelled(), if !shutting_down => {
                shutting_down = true;
                conn.as_mut().graceful_shutdown();
            }
            () = tokio::time::sleep_until(check) => {
                if !activity.idle_for(limits.idle) {
                    continue;
                }
                // On a starved runtime the deadline can fire while the client's bytes wait,
                // unread, in the socket: let the I/O driver run (a yielded task resumes after
                // it), poll the connection once, and close only if it read nothing.
                tokio::task::yield_now().await;
                if let Ok(result) = tokio::time::timeout(Duration::ZERO, conn.as_mut()).await {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, "connection ended");
                    }
                    return;
                }
                if activity.idle_for(limits.idle) {
                    tracing::debug!("idle connection closed");
                    return;
                }
            }
        }
    }
}

/// Answers a connection past the cap with [`REFUSAL`] and closes it: reads the request head
/// (HTTP clients take an answer that comes before their request for a broken connection),
/// writes the answer, then lingers as [`REFUSAL_LINGER`] says; all within that time.
async fn refuse(mut stream: TcpStream, _permit: OwnedSemaphorePermit) {
    let _ = tokio::time::timeout(REFUSAL_LINGER, async {
        let mut head = Vec::new();
        let mut buf = [0u8; 1024];
        loop {
            let n = stream.read(&mut buf).await?;
            if n == 0 {
                return Ok(());
            }
            let from = head.len().saturating_sub(3);
            head.extend_from_slice(&buf[..n]);
            if head[from..].windows(4).any(|w| w == b"\r\n\r\n") || head.len() >= REFUSAL_HEAD_BYTES
            {
                break;
            }
        }
        stream.write_all(&REFUSAL).await?;
        stream.shutdown().await?;
        while stream.read(&mut buf).await? > 0 {}
        Ok::<_, io::Error>(())
    })
    .await;
}

/// The whole answer to a connection past the cap, written before reading anything: a 503
/// problem, `Retry-After`, and `Connection: close`. It answers no particular request, so it
/// carries no request id.
static REFUSAL: LazyLock<Vec<u8>> = LazyLock::new(|| {
    let problem = Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "too-many-connections",
        "The gateway has as many connections open as it may.",
    )
    .detail(format!(
        "Try again in {REFUSAL_RETRY_AFTER_SECONDS} s, on a new connection."
    ));
    let body = serde_json::to_vec(&problem).expect("serialising a problem");
    let mut answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\n\
         content-type: {PROBLEM_JSON}\r\n\
         cache-control: no-store\r\n\
         retry-after: {REFUSAL_RETRY_AFTER_SECONDS}\r\n\
         connection: close\r\n\
         content-length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    answer.extend_from_slice(&body);
    answer
});

/// When a connection last moved a byte or finished a request, and how many requests it is
/// handling: what the idle watchdog looks at.
struct Activity {
    opened: Instant,
    /// Milliseconds from `opened` to the last activity.
    last: AtomicU64,
    handling: AtomicUsize,
}

impl Activity {
    fn new() -> Self {
        Self {
            opened: Instant::now(),
            last: AtomicU64::new(0),
            handling: AtomicUsize::new(0),
        }
    }

    fn touch(&self) {
        let since = self.opened.elapsed().as_millis() as u64;
        self.last.store(since, Ordering::Relaxed);
    }

    fn idle_since(&self) -> Instant {
        self.opened + Duration::from_millis(self.last.load(Ordering::Relaxed))
    }

    /// When to look again: `idle` after the last activity, or, while a request is being
    /// handled (its deadlines are the runtime's and the body's), `idle` from now.
    fn next_idle_check(&self, idle: Duration) -> Instant {
        if self.handling.load(Ordering::Relaxed) > 0 {
            Instant::now() + idle
        } else {
            self.idle_since() + idle
        }
    }

    fn idle_for(&self, idle: Duration) -> bool {
        self.handling.load(Ordering::Relaxed) == 0 && Instant::now() >= self.idle_since() + idle
    }
}

/// A request being handled, from its head's arrival until its answer is ready.
struct Handling(Arc<Activity>);

impl Handling {
    fn begin(activity: Arc<Activity>) -> Self {
        activity.handling.fetch_add(1, Ordering::Relaxed);
        Self(activity)
    }
}

impl Drop for Handling {
    fn drop(&mut self) {
        self.0.touch();
        self.0.handling.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The connection's socket, noting every byte read or written in its [`Activity`], and its
/// permit: declared first, the permit is given back before the socket is closed, so a client
/// that sees a connection closed (idle, or ended by shutdown) may connect again at once.
struct Watched {
    _permit: OwnedSemaphorePermit,
    stream: TcpStream,
    activity: Arc<Activity>,
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        if matches!(polled, Poll::Ready(Ok(()))) && buf.filled().len() > before {
            self.activity.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.stream).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.activity.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// A request body that fails with [`BodyTimedOut`] if it is still arriving at its deadline.
/// The timer is set only when the body is not all there on the first read, so a request
/// without a body, or with a body that came with its head, costs none.
pub struct DeadlineBody<B> {
    inner: B,
    deadline: Instant,
    timer: Option<Pin<Box<Sleep>>>,
}

impl<B> DeadlineBody<B> {
    /// `inner`, which must have arrived within `within` from now.
    pub fn new(inner: B, within: Duration) -> Self {
        Self {
            inner,
            deadline: Instant::now() + within,
            timer: None,
        }
    }
}

impl<B> HttpBody for DeadlineBody<B>
where
    B: HttpBody<Data = Bytes> + Unpin,
    B::Error: Into<axum::BoxError>,
{
    type Data = Bytes;
    type Error = axum::BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(frame) => Poll::Ready(frame.map(|f| f.map_err(Into::into))),
            Poll::Pending => {
                let deadline = this.deadline;
                let timer = this
                    .timer
                    .get_or_insert_with(|| Box::pin(tokio::time::sleep_until(deadline)));
                match timer.as_mut().poll(cx) {
                    Poll::Ready(()) => Poll::Ready(Some(Err(Box::new(BodyTimedOut)))),
                    Poll::Pending => Poll::Pending,
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

/// A failure of one incoming connection (it went away before it was accepted), not of the
/// listener: accept the next one at once.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused
            | io::ErrorKind::ConnectionAborted
            | io::ErrorKind::ConnectionReset
    )
}
