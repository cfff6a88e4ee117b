//! A DCI-style (Digital Convergence Initiative, SP-DCI registry API) synchronous search of the
//! disability registry: an envelope with a `header` and a `message` holding `search_request`
//! items, each searching one person by identifier, each carrying its own consent and purpose.
//!
//! Items are answered one by one: an item without a valid consent, or whose purpose the
//! agency's voucher does not cover, is rejected (`rjct`) while the others succeed; the answer's
//! status is `succ`, `part` or `rjct` accordingly. What an accepted item returns is exactly the
//! disability domain's interoperability answer (recognised, benefits, valid until: nothing
//! medical), obtained from the domain in its own instance, and each item is audited against
//! the person it names.

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::identity::FiscalCode;
use crate::problem::FieldError;

/// Items one search may carry: enough for a municipality's batch, small enough that one
/// request's instances stay a bounded share of the runtime.
pub const MAX_ITEMS: usize = 50;
/// The registry this search reads.
pub const REG_TYPE: &str = "disability";
/// The only query supported: one person by identifier.
pub const QUERY_TYPE: &str = "idtype-value";
/// Identifier types that are an Italian fiscal code.
const ID_TYPES: &[&str] = &["UIN", "fiscal_code", "TIN"];
/// Oldest consent accepted: consent is given for a procedure, not forever.
pub const MAX_CONSENT_AGE_DAYS: i64 = 365;
/// Longest purpose code or text carried to the audit trail.
const MAX_PURPOSE_LEN: usize = 256;

#[derive(Debug, Deserialize)]
pub struct Envelope {
    pub header: Header,
    pub message: Message,
}

#[derive(Debug, Deserialize)]
pub struct Header {
    pub message_id: String,
    #[serde(default)]
    pub action: Option<String>,
    #[serde(default)]
    pub sender_id: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct Message {
    pub transaction_id: String,
    pub search_request: Vec<Value>,
}

#[derive(Debug, Deserialize)]
struct Item {
    reference_id: String,
    search_criteria: Criteria,
}

#[derive(Debug, Deserialize)]
struct Criteria {
    reg_type: String,
    query_type: String,
    query: Query,
    #[serde(default)]
    consent: Option<Consent>,
}

#[derive(Debug, Deserialize)]
struct Query {
    #[serde(rename = "type")]
    kind: String,
    value: String,
}

#[derive(Debug, Deserialize)]
struct Consent {
    ts: Timestamp,
    purpose: Purpose,
}

#[derive(Debug, Deserialize)]
struct Purpose {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    text: Option<String>,
}

/// One item, once checked: whom to look up and why, or why not.
#[derive(Debug, PartialEq)]
pub enum Checked {
    Accepted {
        reference_id: String,
        fiscal_code: String,
        purpose: String,
    },
    Rejected {
        reference_id: String,
        /// The person, when the item named one validly (for the audit trail).
        fiscal_code: Option<String>,
        code: &'static str,
        message: String,
    },
}

/// The envelope, or the fields that keep it from being one. Items are checked separately.
pub fn parse(body: &[u8]) -> Result<Envelope, Vec<FieldError>> {
    let envelope: Envelope = serde_json::from_slice(body).map_err(|e| {
        vec![FieldError {
            field: "body".into(),
            message: format!("not a DCI search envelope (header, message.search_request): {e}"),
        }]
    })?;
    let mut errors = Vec::new();
    if envelope
        .header
        .action
        .as_deref()
        .is_some_and(|a| a != "search")
    {
        errors.push(field("header.action", "must be \"search\""));
    }
    let n = envelope.message.search_request.len();
    if n == 0 || n > MAX_ITEMS {
        errors.push(field(
            "message.search_request",
            &format!("1 to {MAX_ITEMS} items"),
        ));
    }
    if errors.is_empty() {
        Ok(envelope)
    } else {
        Err(errors)
    }
}

/// Checks one item at `now`.
pub fn check(item: &Value, now: Timestamp) -> Checked {
    let reference_id = item
        .get("reference_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    let reject =
        |fiscal_code: Option<String>, code: &'static str, message: &str| Checked::Rejected {
            reference_id: reference_id.clone(),
            fiscal_code,
            code,
            message: message.to_string(),
        };
    let item: Item = match serde_json::from_value(item.clone()) {
        Ok(i) => i,
        Err(e) => return reject(None, "rjct.search_criteria.invalid", &e.to_string()),
    };
    let c = &item.search_criteria;
    if c.reg_type != REG_TYPE {
        return reject(
            None,
            "rjct.reg_type.invalid",
            "this registry is \"disability\"",
        );
    }
    if c.query_type != QUERY_TYPE || !ID_TYPES.contains(&c.query.kind.as_str()) {
        return reject(
            None,
            "rjct.query.invalid",
            "the query is idtype-value with a fiscal code (type UIN)",
        );
    }
    let code = match FiscalCode::parse(&c.query.value) {
        Ok(code) => code.to_string(),
        Err(e) => return reject(None, "rjct.query.invalid", &e.to_string()),
    };
    let Some(consent) = &c.consent else {
        return reject(
            Some(code),
            "rjct.consent.missing",
            "each item needs the person's consent",
        );
    };
    let age = now.duration_since(consent.ts);
    if consent.ts > now || age.as_secs() > MAX_CONSENT_AGE_DAYS * 86_400 {
        return reject(
            Some(code),
            "rjct.consent.invalid",
            &format!("consent must be given in the last {MAX_CONSENT_AGE_DAYS} days"),
        );
    }
    let purpose = consent
        .purpose
        .code
        .as_deref()
        .or(consent.purpose.text.as_deref())
        .map(str::trim)
        .filter(|p| !p.is_empty() && p.len() <= MAX_PURPOSE_LEN);
    let Some(purpose) = purpose else {
        return reject(
            Some(code),
            "rjct.purpose.missing",
            "the consent must state its purpose",
        );
    };
    Checked::Accepted {
        reference_id: item.reference_id,
        fiscal_code: code,
        purpose: purpose.to_string(),
    }
}

/// The answer to an item: `record` is the domain's answer for an accepted one.
pub fn item_response(checked: &Checked, record: Result<Value, String>, now: Timestamp) -> Value {
    match (checked, record) {
        (Checked::Accepted { reference_id, .. }, Ok(record)) => json!({
            "reference_id": reference_id,
            "timestamp": now,
            "status": "succ",
            "data": {
                "reg_type": REG_TYPE,
                "reg_record_type": "person",
                "reg_records": [record],
            },
        }),
        (Checked::Accepted { reference_id, .. }, Err(message)) => json!({
            "reference_id": reference_id,
            "timestamp": now,
            "status": "rjct",
            "status_reason_code": "rjct.internal.error",
            "status_reason_message": message,
        }),
        (
            Checked::Rejected {
                reference_id,
                code,
                message,
                ..
            },
            _,
        ) => json!({
            "reference_id": reference_id,
            "timestamp": now,
            "status": "rjct",
            "status_reason_code": code,
            "status_reason_message": message,
        }),
    }
}

/// The response envelope around the items' answers.
pub fn response(envelope: &Envelope, items: Vec<Value>, receiver: &str, now: Timestamp) -> Value {
    let succeeded = items.iter().filter(|i| i["status"] == "succ").count();
    let status = match succeeded {
        0 => "rjct",
        n if n == items.len() => "succ",
        _ => "part",
    };
    json!({
        "header": {
            "version": "1.0.0",
            "message_id": uuid::Uuid::now_v7().to_string(),
            "message_ts": now,
            "action": "on-search",
            "status": status,
            "total_count": items.len(),
            "completed_count": succeeded,
            "sender_id": "welfare",
            "receiver_id": envelope.header.sender_id.as_deref().unwrap_or(receiver),
        },
        "message": {
            "transaction_id": envelope.message.transaction_id,
            "correlation_id": envelope.header.message_id,
            "search_response": items,
        },
    })
}

fn field(name: &str, message: &str) -> FieldError {
    FieldError {
        field: name.into(),
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> Timestamp {
        "2026-11-23T10:00:00Z".parse().unwrap()
    }

    fn item(code: &str, consent: Value) -> Value {
        json!({
            "reference_id": "r1",
            "timestamp": "2026-11-23T09:59:00Z",
            "search_criteria": {
                "reg_type": "disability",
                "query_type": "idtype-value",
                "query": { "type": "UIN", "value": code },
                "consent": consent,
            },
        })
    }

    #[test]
    fn each_item_needs_a_recent_consent_with_a_purpose() {
        let fresh = json!({ "ts": "2026-11-01T00:00:00Z", "purpose": { "code": "parking-badge" } });
        let cases = [
            (item("RSSMRA85T10A562S", fresh.clone()), Ok("parking-badge")),
            (
                item("RSSMRA85T10A562S", Value::Null),
                Err("rjct.consent.missing"),
            ),
            (
                item(
                    "RSSMRA85T10A562S",
                    json!({ "ts": "2025-01-01T00:00:00Z", "purpose": { "code": "x" } }),
                ),
                Err("rjct.consent.invalid"),
            ),
            (
                item(
                    "RSSMRA85T10A562S",
                    json!({ "ts": "2026-12-01T00:00:00Z", "purpose": { "code": "x" } }),
                ),
                Err("rjct.consent.invalid"),
            ),
            (
                item(
                    "RSSMRA85T10A562S",
                    json!({ "ts": "2026-11-01T00:00:00Z", "purpose": {} }),
                ),
                Err("rjct.purpose.missing"),
            ),
            (
                item("RSSMRA85T10A562X", fresh.clone()),
                Err("rjct.query.invalid"),
            ),
        ];
        for (value, expected) in cases {
            let got = match check(&value, now()) {
                Checked::Accepted { purpose, .. } => Ok(purpose),
                Checked::Rejected { code, .. } => Err(code),
            };
            assert_eq!(got.as_deref().map_err(|e| *e), expected, "{value}");
        }
    }

    #[test]
    fn the_envelope_status_counts_the_items() {
        let envelope = parse(
            br#"{"header":{"message_id":"m1","action":"search","sender_id":"comune"},
                 "message":{"transaction_id":"t1","search_request":[{}]}}"#,
        )
        .unwrap();
        let ok = json!({ "status": "succ" });
        let no = json!({ "status": "rjct" });
        for (items, status) in [
            (vec![ok.clone(), ok.clone()], "succ"),
            (vec![ok.clone(), no.clone()], "part"),
            (vec![no.clone()], "rjct"),
        ] {
            let r = response(&envelope, items, "x", now());
            assert_eq!(r["header"]["status"], status);
            assert_eq!(r["message"]["correlation_id"], "m1");
        }
        assert!(parse(br#"{"header":{"message_id":"m"},"message":{"transaction_id":"t","search_request":[]}}"#).is_err());
    }
}
