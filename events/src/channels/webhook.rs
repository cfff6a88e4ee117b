//! SMS and push providers reached by an HTTP webhook: one JSON POST per attempt, with the
//! message's id as `Idempotency-Key`. A 2xx answer is a delivery; 408, 429 and 5xx answers,
//! timeouts and connection failures are worth retrying; other 4xx answers are final.

use std::time::Duration;

use anyhow::Context;
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;

use super::{Outcome, SendRequest};
use crate::config::WebhookChannelConfig;

pub struct Webhook {
    client: reqwest::Client,
    url: reqwest::Url,
    bearer_token: Option<SecretString>,
}

/// What the provider receives.
#[derive(Serialize)]
struct Payload<'a> {
    message_id: &'a str,
    channel: &'a str,
    to: &'a str,
    subject: &'a str,
    body: &'a str,
    attempt: u32,
}

impl Webhook {
    pub fn new(config: &WebhookChannelConfig, timeout: Duration) -> anyhow::Result<Self> {
        // The URL is not repeated in the error: it may carry credentials.
        let url =
            config.url.expose_secret().parse().context(
                "a channel's webhook url is not a URL (not shown: it may hold credentials)",
            )?;
        let client = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .context("building the webhook client")?;
        Ok(Self {
            client,
            url,
            bearer_token: config.bearer_token.clone(),
        })
    }

    pub async fn send(&self, request: &SendRequest) -> Outcome {
        let payload = Payload {
            message_id: &request.message_id,
            channel: request.channel.as_str(),
            to: &request.to,
            subject: &request.subject,
            body: &request.body,
            attempt: request.attempt,
        };
        let mut post = self
            .client
            .post(self.url.clone())
            .header("idempotency-key", &request.message_id)
            .json(&payload);
        if let Some(token) = &self.bearer_token {
            post = post.bearer_auth(token.expose_secret());
        }
        match post.send().await {
            Ok(response) => classify(response.status().as_u16()),
            Err(e) => Outcome::Transient(format!("webhook: {e}")),
        }
    }
}

fn classify(status: u16) -> Outcome {
    match status {
        200..=299 => Outcome::Delivered,
        408 | 429 | 500..=599 => Outcome::Transient(format!("the provider answered {status}")),
        _ => Outcome::Permanent(format!("the provider answered {status}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_are_classified() {
        assert_eq!(classify(202), Outcome::Delivered);
        for transient in [408, 429, 500, 503] {
            assert!(matches!(classify(transient), Outcome::Transient(_)));
        }
        for permanent in [400, 401, 404, 410, 422] {
            assert!(matches!(classify(permanent), Outcome::Permanent(_)));
        }
    }
}
