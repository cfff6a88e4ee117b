//! An HTTP webhook receiver on port 0, standing for an SMS or push provider: it records every
//! POST and answers what the test's rule says for it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use serde_json::Value;

/// Decides the answer to one POST: its JSON body and how many POSTs (this one included) the
/// receiver has had for the same `to`.
pub type Rule = Arc<dyn Fn(&Value, usize) -> u16 + Send + Sync>;

#[derive(Clone)]
struct Shared {
    received: Arc<Mutex<Vec<(Value, u16)>>>,
    per_recipient: Arc<Mutex<HashMap<String, usize>>>,
    rule: Rule,
}

#[derive(Clone)]
pub struct WebhookReceiver {
    pub addr: SocketAddr,
    shared: Shared,
}

impl WebhookReceiver {
    /// Starts a receiver that answers every POST with `rule`.
    pub async fn start(rule: Rule) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("binding the webhook receiver");
        let shared = Shared {
            received: Arc::default(),
            per_recipient: Arc::default(),
            rule,
        };
        let app = axum::Router::new()
            .route("/{*path}", post(receive))
            .with_state(shared.clone());
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self { addr, shared }
    }

    /// Accepts everything.
    pub async fn accepting() -> Self {
        Self::start(Arc::new(|_, _| 202)).await
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{path}", self.addr)
    }

    /// Every POST so far, with the status it was answered.
    pub fn received(&self) -> Vec<(Value, u16)> {
        self.shared.received.lock().unwrap().clone()
    }

    /// The POSTs accepted (2xx) for `to`.
    pub fn accepted_for(&self, to: &str) -> Vec<Value> {
        self.received()
            .into_iter()
            .filter(|(v, s)| v["to"] == to && (200..300).contains(s))
            .map(|(v, _)| v)
            .collect()
    }
}

async fn receive(State(shared): State<Shared>, body: axum::Json<Value>) -> StatusCode {
    let to = body["to"].as_str().unwrap_or_default().to_string();
    let n = {
        let mut counts = shared.per_recipient.lock().unwrap();
        let n = counts.entry(to).or_default();
        *n += 1;
        *n
    };
    let status = (shared.rule)(&body, n);
    shared.received.lock().unwrap().push((body.0, status));
    StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
