//! `POST /_welfare/<component>/deliver`: delivers the component's next due event, one per
//! call, in the call's fresh instance, as the gateway's dispatcher would: `on-event` ok
//! commits the domain's writes with the acknowledgement, an error or a status of trouble
//! records the failure for a retry with backoff. A trap fails the call: its attempt was
//! counted when claimed, and the delivery falls due again when its lease ends, until it is a
//! dead letter like any other.
//!
//! Spin has no background work, so something calls this: a Kubernetes CronJob, the SpinApp's
//! own scheduler, or a test. The call carries `Authorization: Bearer <delivery_secret>` (a
//! Spin variable): without the secret configured, the route is closed.

use serde_json::json;
use spin_sdk::http::{Method, Request, Response};
use spin_sdk::variables;
use welfare_exchange::refusal::{METHOD_NOT_ALLOWED, NOT_FOUND, allowed_detail};

use crate::uow::{self, CommitError};
use crate::{domain, problem};

/// How long a claimed delivery is held before another call may take it.
pub const LEASE_MS: u64 = 30_000;

pub fn route(req: &Request, component: &str, rest: &str) -> Response {
    if rest != "/deliver" {
        return problem::refusal(NOT_FOUND);
    }
    if req.method() != &Method::Post {
        let mut r = problem::refusal_with(METHOD_NOT_ALLOWED, Some(allowed_detail("POST")));
        r.set_header("allow", "POST");
        return r;
    }
    if !authorised(req) {
        return problem::unauthorized("Deliveries are started by the platform's scheduler only.");
    }
    let delivery = match uow::claim_delivery(component, LEASE_MS) {
        Ok(Some(d)) => d,
        Ok(None) => return json_response(json!({ "delivered": null })),
        Err(_) => return problem::unavailable(),
    };
    let id = delivery.event.id.clone();
    uow::begin(component, false);
    let outcome = match domain::on_event(&delivery.event) {
        Ok(()) => match uow::commit(None, Some(delivery.seq)) {
            Ok(()) => "done",
            // Someone else delivered it (a lease outlived): our writes are discarded.
            Err(CommitError::AlreadyDelivered) => "already-delivered",
            Err(e) => {
                let reason = format!("commit: {e:?}");
                let _ = uow::delivery_failed(component, delivery.seq, &reason);
                "failed"
            }
        },
        Err(reason) => {
            uow::rollback();
            let _ = uow::delivery_failed(component, delivery.seq, &reason);
            "failed"
        }
    };
    json_response(json!({ "delivered": id, "outcome": outcome }))
}

/// Whether the call carries the configured delivery secret (compared in constant time).
fn authorised(req: &Request) -> bool {
    let Ok(secret) = variables::get("delivery_secret") else {
        return false;
    };
    let Some(given) = req
        .header("authorization")
        .and_then(|v| v.as_str())
        .and_then(|v| v.strip_prefix("Bearer "))
    else {
        return false;
    };
    !secret.is_empty()
        && given.len() == secret.len()
        && given
            .bytes()
            .zip(secret.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// `GET /healthz`: 200 when the database answers, 503 otherwise.
pub fn health() -> Response {
    match uow::recorded("health", "probe") {
        Ok(_) => json_response(json!({ "status": "ok" })),
        Err(_) => problem::unavailable(),
    }
}

fn json_response(body: serde_json::Value) -> Response {
    Response::builder()
        .status(200)
        .header("content-type", "application/json")
        .header("cache-control", "no-store")
        .body(body.to_string())
        .build()
}
