//! E-mail over SMTP (lettre): one message per attempt, plain text, with a `Message-ID` made from
//! the message's id so that a repeat after a crash is recognisable.

use std::time::Duration;

use anyhow::Context;
use lettre::message::Mailbox;
use lettre::message::header::ContentType;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use super::{Outcome, SendRequest};
use crate::config::EmailChannelConfig;

pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The domain part of `Message-ID`s: the sender's.
    domain: String,
}

impl Email {
    pub fn new(config: &EmailChannelConfig, timeout: Duration) -> anyhow::Result<Self> {
        // The URL is not repeated in the error: it may carry the relay's password.
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(
            config.smtp_url.expose_secret(),
        )
        .context(
            "channels.email.smtp_url is not a usable SMTP URL (not shown: it may hold credentials)",
        )?
        .timeout(Some(timeout))
        .build();
        let from: Mailbox = config
            .from
            .parse()
            .with_context(|| format!("channels.email.from {:?}", config.from))?;
        let domain = from.email.domain().to_string();
        Ok(Self {
            transport,
            from,
            domain,
        })
    }

    pub async fn send(&self, request: &SendRequest) -> Outcome {
        let to: Mailbox = match request.to.parse() {
            Ok(to) => to,
            Err(e) => return Outcome::Permanent(format!("not an e-mail address: {e}")),
        };
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(&request.subject)
            .message_id(Some(format!("<{}@{}>", request.message_id, self.domain)))
            .header(ContentType::TEXT_PLAIN)
            .body(request.body.clone());
        let message = match message {
            Ok(m) => m,
            Err(e) => return Outcome::Permanent(format!("the message cannot be built: {e}")),
        };
        match self.transport.send(message).await {
            Ok(_) => Outcome::Delivered,
            Err(e) if e.is_permanent() => Outcome::Permanent(e.to_string()),
            Err(e) => Outcome::Transient(e.to_string()),
        }
    }
}
