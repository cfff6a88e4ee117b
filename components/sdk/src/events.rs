//! Publishing domain events. They leave the component only if the request commits.

use serde::Serialize;

use crate::bindings::welfare::platform::events;
use crate::http::Problem;

/// Publishes `payload` as JSON on `topic` (which must start with the component's name and a dot)
/// about `subject`; returns the event id.
pub fn publish<T: Serialize>(
    topic: &str,
    subject: Option<&str>,
    payload: &T,
) -> Result<String, Problem> {
    let bytes = serde_json::to_vec(payload).map_err(|e| Problem::internal(e.to_string()))?;
    events::publish(topic, subject, &bytes)
        .map_err(|e| Problem::internal(format!("publishing {topic}: {e:?}")))
}
