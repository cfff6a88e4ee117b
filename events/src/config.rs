//! The configuration sections this crate owns: `[events]` (delivery retries), `[channels]`
//! (the SMTP and webhook adapters) and `[clock]` (the daily event). The gateway's
//! configuration composes them.

use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

/// The event dispatcher's retries ([`crate::outbox`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EventsConfig {
    /// Delivery attempts before an event is dead-lettered for a consumer.
    pub max_attempts: u32,
    /// First retry delay; doubles each attempt up to `backoff_max_ms`.
    pub backoff_base_ms: u64,
    pub backoff_max_ms: u64,
    /// How often the dispatcher looks for due retries when nothing wakes it.
    pub poll_interval_ms: u64,
}

impl Default for EventsConfig {
    fn default() -> Self {
        Self {
            max_attempts: 8,
            backoff_base_ms: 500,
            backoff_max_ms: 300_000,
            poll_interval_ms: 250,
        }
    }
}

impl EventsConfig {
    /// The delay before attempt `attempt + 1`, after `attempt` failures (1-based).
    pub fn backoff(&self, attempt: u32) -> Duration {
        let factor = 1u64 << attempt.saturating_sub(1).min(20);
        Duration::from_millis(
            self.backoff_base_ms
                .saturating_mul(factor)
                .min(self.backoff_max_ms),
        )
    }
}

/// The channel adapters ([`crate::channels`]). A channel left unconfigured refuses every
/// message at once (a permanent failure), so the notifications domain falls back to the next
/// channel: a development platform runs with the app inbox alone.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelsConfig {
    pub email: Option<EmailChannelConfig>,
    pub sms: Option<WebhookChannelConfig>,
    pub push: Option<WebhookChannelConfig>,
    /// Longest one send may take (connect, exchange, answer) before it counts as a transient
    /// failure: a provider that hangs must not hold a delivery slot.
    pub timeout_ms: u64,
}

impl Default for ChannelsConfig {
    fn default() -> Self {
        Self {
            email: None,
            sms: None,
            push: None,
            timeout_ms: 10_000,
        }
    }
}

impl ChannelsConfig {
    pub fn timeout(&self) -> Duration {
        Duration::from_millis(self.timeout_ms)
    }
}

/// An SMTP relay.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailChannelConfig {
    /// `smtp://host:port` (plain, for a local relay), `smtp://host:port?tls=required`
    /// (STARTTLS) or `smtps://host:port`; credentials as `smtp://user:password@host`, which is
    /// why it is a secret, never printed.
    pub smtp_url: SecretString,
    /// The sender, e.g. `INPS <noreply@inps.example>`.
    pub from: String,
}

/// An SMS or push provider reached by an HTTP webhook: one JSON POST per message.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookChannelConfig {
    /// The provider's endpoint; a secret, since a URL may carry credentials.
    pub url: SecretString,
    /// Sent as `Authorization: Bearer …` when set.
    #[serde(default)]
    pub bearer_token: Option<SecretString>,
}

/// The daily `platform.day-started` event ([`crate::clock`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ClockConfig {
    /// Publish each new UTC day's event by itself. Off, days run only when an operator runs them.
    pub daily_events: bool,
    /// Let an operator run a day after today. Only for test and training environments: a
    /// future day makes instalments fall overdue before their time.
    pub allow_future_days: bool,
}

impl Default for ClockConfig {
    fn default() -> Self {
        Self {
            daily_events: true,
            allow_future_days: false,
        }
    }
}
