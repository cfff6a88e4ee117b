//! A small SMTP server (RFC 5321's core: EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP, QUIT) on
//! port 0, which keeps every message it accepts and refuses the next `n` transactions with a
//! transient `451` when told to: a real peer for the gateway's SMTP client, on a machine that
//! may have no mail server.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

/// A message the server accepted.
#[derive(Debug, Clone)]
pub struct Mail {
    pub from: String,
    pub to: Vec<String>,
    /// Headers and body as received (dot-stuffing undone).
    pub data: String,
}

impl Mail {
    /// The value of header `name` (case-insensitive), unfolded.
    pub fn header(&self, name: &str) -> Option<String> {
        let mut lines = self.data.split("\r\n").peekable();
        while let Some(line) = lines.next() {
            if line.is_empty() {
                return None;
            }
            if let Some((k, v)) = line.split_once(':') {
                if k.eq_ignore_ascii_case(name) {
                    let mut value = v.trim().to_string();
                    while let Some(next) = lines.peek().filter(|l| l.starts_with([' ', '\t'])) {
                        value.push(' ');
                        value.push_str(next.trim());
                        lines.next();
                    }
                    return Some(value);
                }
            }
        }
        None
    }

    /// The body, after the blank line, with quoted-printable soft breaks and `=XX` undone.
    pub fn body(&self) -> String {
        let raw = self
            .data
            .split_once("\r\n\r\n")
            .map(|(_, b)| b)
            .unwrap_or("");
        decode_quoted_printable(raw)
    }
}

fn decode_quoted_printable(raw: &str) -> String {
    let joined = raw.replace("=\r\n", "");
    let bytes = joined.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'=' && i + 2 < bytes.len() {
            let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("");
            if let Ok(b) = u8::from_str_radix(hex, 16) {
                out.push(b);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[derive(Clone)]
pub struct SmtpServer {
    pub addr: SocketAddr,
    mails: Arc<Mutex<Vec<Mail>>>,
    refusals: Arc<AtomicUsize>,
    refused: Arc<AtomicUsize>,
}

impl SmtpServer {
    pub async fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding SMTP");
        let server = Self {
            addr: listener.local_addr().unwrap(),
            mails: Arc::default(),
            refusals: Arc::default(),
            refused: Arc::default(),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move {
                    let _ = s.session(stream).await;
                });
            }
        });
        server
    }

    /// `smtp://127.0.0.1:<port>`, for the gateway's configuration.
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    /// Refuse the next `n` transactions with `451 4.3.0`.
    pub fn refuse_next(&self, n: usize) {
        self.refusals.store(n, Ordering::SeqCst);
    }

    /// Transactions refused so far.
    pub fn refused(&self) -> usize {
        self.refused.load(Ordering::SeqCst)
    }

    pub fn mails(&self) -> Vec<Mail> {
        self.mails.lock().unwrap().clone()
    }

    /// Accepted mails addressed to `to`.
    pub fn mails_to(&self, to: &str) -> Vec<Mail> {
        self.mails()
            .into_iter()
            .filter(|m| m.to.iter().any(|t| t.eq_ignore_ascii_case(to)))
            .collect()
    }

    async fn session(&self, stream: tokio::net::TcpStream) -> std::io::Result<()> {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        write.write_all(b"220 test.invalid ESMTP\r\n").await?;
        let mut from = String::new();
        let mut to = Vec::new();
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let command = line.trim_end().to_string();
            let verb = command
                .split_whitespace()
                .next()
                .unwrap_or("")
                .to_ascii_uppercase();
            let reply: &[u8] = match verb.as_str() {
                "EHLO" => b"250-test.invalid\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n",
                "HELO" | "NOOP" => b"250 OK\r\n",
                "RSET" => {
                    from.clear();
                    to.clear();
                    b"250 OK\r\n"
                }
                "MAIL" => {
                    let refuse = self
                        .refusals
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if refuse {
                        self.refused.fetch_add(1, Ordering::SeqCst);
                        b"451 4.3.0 Temporarily unable to accept mail, try again later\r\n"
                    } else {
                        from = address(&command);
                        to.clear();
                        b"250 OK\r\n"
                    }
                }
                "RCPT" => {
                    to.push(address(&command));
                    b"250 OK\r\n"
                }
                "DATA" => {
                    write
                        .write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n")
                        .await?;
                    let mut data = String::new();
                    loop {
                        line.clear();
                        if lines.read_line(&mut line).await? == 0 {
                            return Ok(());
                        }
                        if line == ".\r\n" || line == ".\n" {
                            break;
                        }
                        let unstuffed = line.strip_prefix('.').unwrap_or(&line);
                        data.push_str(unstuffed);
                    }
                    self.mails.lock().unwrap().push(Mail {
                        from: from.clone(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                    b"250 OK queued\r\n"
                }
                "QUIT" => {
                    write.write_all(b"221 Bye\r\n").await?;
                    return Ok(());
                }
                _ => b"502 Command not implemented\r\n",
            };
            write.write_all(reply).await?;
        }
    }
}

/// The address in `MAIL FROM:<a@b>` or `RCPT TO:<a@b>`.
fn address(command: &str) -> String {
    command
        .split_once('<')
        .and_then(|(_, rest)| rest.split_once('>'))
        .map(|(a, _)| a.to_string())
        .unwrap_or_default()
}
