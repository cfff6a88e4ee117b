//! The channel adapters: the gateway sends the messages the notifications domain decides on, so
//! that no component ever opens a network connection.
//!
//! The notifications component publishes `notifications.delivery-requested` (one attempt on one
//! channel); the event dispatcher hands each such event to [`Channels::send`] instead of a
//! component, and commits the outcome as a `platform.delivery-reported` event together with the
//! delivery's "done" mark. The component keeps every policy — which channel, when to retry,
//! when to fall back, quiet hours, campaign windows — and the adapters keep only transport:
//! one attempt, classified as delivered, failed for now (worth retrying) or failed for good.
//!
//! A request may name `not_before`: the dispatcher leaves it queued until then without counting
//! an attempt (quiet hours, campaign windows and rates, retry backoff).
//!
//! Delivery on the wire is at least once: if the gateway stops after a provider accepted a
//! message and before the outcome commits, the attempt runs again. Every send therefore carries
//! the message's id (e-mail `Message-ID`, webhook `Idempotency-Key`) for the provider to
//! recognise a repeat.
//!
//! # Layout
//! - this file: the request and report formats, and [`Channels`], which picks the adapter;
//! - [`email`]: SMTP through lettre;
//! - [`webhook`]: SMS and push providers reached by an HTTP POST.

pub mod email;
pub mod webhook;

use serde::{Deserialize, Serialize};

use crate::config::ChannelsConfig;

/// The consumer name under which the adapters receive deliveries (reserved for components).
pub const CONSUMER: &str = welfare_runtime::manifest::CHANNELS_CONSUMER;
/// What the notifications domain publishes to ask for one attempt.
pub const REQUESTED: &str = "notifications.delivery-requested";
/// What the gateway publishes with each attempt's outcome.
pub const REPORTED: &str = "platform.delivery-reported";
/// Longest accepted fields of a request: beyond the notifications domain's own limits, so a
/// malformed request is refused rather than sent.
const MAX_SUBJECT_CHARS: usize = 200;
const MAX_BODY_CHARS: usize = 20_000;
const MAX_ADDRESS_CHARS: usize = 320;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Email,
    Sms,
    Push,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Email => "email",
            Channel::Sms => "sms",
            Channel::Push => "push",
        }
    }
}

/// One attempt to send one message on one channel.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SendRequest {
    pub message_id: String,
    pub channel: Channel,
    /// E-mail address, phone number (E.164) or push token.
    pub to: String,
    pub subject: String,
    /// Plain text (limited markdown reads as text).
    pub body: String,
    /// The component's count of attempts for this message, echoed in the report.
    pub attempt: u32,
    /// Not before this instant (RFC 3339).
    #[serde(default)]
    pub not_before: Option<jiff::Timestamp>,
    /// Opaque to the gateway; echoed in the report (a campaign id, for instance).
    #[serde(default)]
    pub context: serde_json::Value,
}

impl SendRequest {
    /// Parses and bounds a request; the error says what is wrong, for the dead letter.
    pub fn parse(payload: &[u8]) -> Result<Self, String> {
        let request: Self = serde_json::from_slice(payload)
            .map_err(|e| format!("malformed delivery request: {e}"))?;
        let too_long = request.subject.chars().count() > MAX_SUBJECT_CHARS
            || request.body.chars().count() > MAX_BODY_CHARS
            || request.to.chars().count() > MAX_ADDRESS_CHARS;
        if too_long || request.to.is_empty() || request.message_id.is_empty() {
            return Err("delivery request out of bounds (address, subject or body)".into());
        }
        Ok(request)
    }
}

/// What one attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth trying again later: a refusal with a 4xx SMTP code, a 5xx or 429 from a webhook,
    /// a timeout, a connection that failed.
    Transient(String),
    /// Trying again will not help: an address refused for good, a channel not configured.
    Permanent(String),
}

impl Outcome {
    /// `delivered`, `transient` or `permanent`, for `/metrics`.
    pub fn metric_label(&self) -> &'static str {
        match self {
            Outcome::Delivered => "delivered",
            Outcome::Transient(_) => "transient",
            Outcome::Permanent(_) => "permanent",
        }
    }
}

/// The payload of `platform.delivery-reported`.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub message_id: &'a str,
    pub channel: Channel,
    pub attempt: u32,
    /// `delivered` or `failed`.
    pub outcome: &'static str,
    /// For a failure: whether trying this channel again can help.
    pub permanent: bool,
    pub error: Option<&'a str>,
    pub at: String,
    pub context: &'a serde_json::Value,
}

impl<'a> Report<'a> {
    pub fn new(request: &'a SendRequest, outcome: &'a Outcome, at: String) -> Self {
        let (label, permanent, error) = match outcome {
            Outcome::Delivered => ("delivered", false, None),
            Outcome::Transient(e) => ("failed", false, Some(e.as_str())),
            Outcome::Permanent(e) => ("failed", true, Some(e.as_str())),
        };
        Self {
            message_id: &request.message_id,
            channel: request.channel,
            attempt: request.attempt,
            outcome: label,
            permanent,
            error,
            at,
            context: &request.context,
        }
    }
}

/// The configured adapters.
pub struct Channels {
    email: Option<email::Email>,
    sms: Option<webhook::Webhook>,
    push: Option<webhook::Webhook>,
}

impl Channels {
    pub fn new(config: &ChannelsConfig) -> anyhow::Result<Self> {
        let timeout = config.timeout();
        Ok(Self {
            email: config
                .email
                .as_ref()
                .map(|c| email::Email::new(c, timeout))
                .transpose()?,
            sms: config
                .sms
                .as_ref()
                .map(|c| webhook::Webhook::new(c, timeout))
                .transpose()?,
            push: config
                .push
                .as_ref()
                .map(|c| webhook::Webhook::new(c, timeout))
                .transpose()?,
        })
    }

    /// One attempt.
    pub async fn send(&self, request: &SendRequest) -> Outcome {
        let unconfigured = || {
            Outcome::Permanent(format!(
                "no {} provider is configured",
                request.channel.as_str()
            ))
        };
        match request.channel {
            Channel::Email => match &self.email {
                Some(email) => email.send(request).await,
                None => unconfigured(),
            },
            Channel::Sms => match &self.sms {
                Some(sms) => sms.send(request).await,
                None => unconfigured(),
            },
            Channel::Push => match &self.push {
                Some(push) => push.send(request).await,
                None => unconfigured(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_are_bounded() {
        let ok = br#"{"message_id":"msg_1","channel":"sms","to":"+393331234567","subject":"Avviso","body":"Testo","attempt":1}"#;
        assert!(SendRequest::parse(ok).is_ok());
        let empty_to = br#"{"message_id":"msg_1","channel":"sms","to":"","subject":"s","body":"b","attempt":1}"#;
        assert!(SendRequest::parse(empty_to).is_err());
        let unknown = br#"{"message_id":"msg_1","channel":"fax","to":"1","subject":"s","body":"b","attempt":1}"#;
        assert!(SendRequest::parse(unknown).is_err());
    }

    #[tokio::test]
    async fn an_unconfigured_channel_fails_for_good() {
        let channels = Channels::new(&ChannelsConfig::default()).unwrap();
        let request = SendRequest::parse(
            br#"{"message_id":"msg_1","channel":"email","to":"a@b.it","subject":"s","body":"b","attempt":1}"#,
        )
        .unwrap();
        assert!(matches!(
            channels.send(&request).await,
            Outcome::Permanent(_)
        ));
    }
}
