//! Events after they are committed: the outbox dispatcher that delivers each to the components
//! subscribed to it, the channel adapters that send what the notifications domain asks for,
//! and the daily clock.
//!
//! # Layout
//! - [`outbox`]: claims due deliveries, runs each in a fresh instance with its own transaction,
//!   retries with backoff, dead-letters, replays.
//! - [`channels`]: e-mail (SMTP), SMS and push (webhooks), each attempt's outcome reported as an
//!   event (`notifications.delivery-requested` in, `platform.delivery-reported` out).
//! - [`clock`]: the daily `platform.day-started` event, for the domains' dated work.
//! - [`config`]: the `[events]`, `[channels]` and `[clock]` sections.
//!
//! Depends on the store (the outbox tables), the runtime (to run the consumers) and the
//! mailer; knows nothing of HTTP routing or the gate.

pub mod channels;
pub mod clock;
pub mod config;
pub mod outbox;

pub use config::{
    ChannelsConfig, ClockConfig, EmailChannelConfig, EventsConfig, WebhookChannelConfig,
};
