//! JSON Schemas (2020-12) of the request bodies, published in `/openapi.json`.

pub const PREFERENCES: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["preferred_channel"],
  "properties": {
    "preferred_channel": { "enum": ["inbox", "email", "sms", "push"], "description": "The first channel tried after the inbox; its contact must be given." },
    "opt_outs": { "type": "array", "items": { "enum": ["income-support", "disability", "contributions", "faq", "information"] }, "description": "Services whose messages stay in the inbox only (campaigns skip you)." },
    "quiet_hours": { "type": "object", "additionalProperties": false, "required": ["from", "to"], "properties": { "from": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$" }, "to": { "type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]$" } }, "description": "Italian time; may span midnight." },
    "region": { "type": "string", "description": "The region's slug (lazio, valle-d-aosta...)." },
    "email": { "type": "string", "maxLength": 254, "description": "A new address gets a verification code." },
    "phone": { "type": "string", "description": "International form (+39...); a new number gets a verification code by SMS." },
    "push_token": { "type": "string", "minLength": 16, "maxLength": 4096, "description": "Registered by the app." }
  }
}"#;

pub const VERIFICATION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["channel", "code"],
  "properties": {
    "channel": { "enum": ["email", "sms"] },
    "code": { "type": "string", "pattern": "^[0-9]{6}$" }
  }
}"#;

pub const CALLBACK: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["service"],
  "properties": {
    "service": { "enum": ["income-support", "disability", "contributions", "faq", "information"] },
    "phone": { "type": "string", "description": "Defaults to your verified number." },
    "note": { "type": "string", "maxLength": 500 },
    "preferred_slot": { "enum": ["morning", "afternoon"] }
  }
}"#;

pub const TASK_OUTCOME: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["outcome"],
  "properties": {
    "outcome": { "enum": ["reached", "unreachable"] },
    "note": { "type": "string", "maxLength": 500 }
  }
}"#;

pub const CAMPAIGN: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["name", "service", "template", "windows", "max_attempts", "rate_per_minute"],
  "properties": {
    "name": { "type": "string", "minLength": 1, "maxLength": 120 },
    "service": { "enum": ["income-support", "disability", "contributions", "faq", "information"], "description": "People who silenced it are not targeted." },
    "segment": { "type": "object", "additionalProperties": false, "properties": {
      "region": { "type": "string" }, "category": { "type": "string" }, "segment": { "type": "string" } } },
    "template": { "type": "object", "additionalProperties": false, "required": ["subject", "body"], "properties": {
      "subject": { "type": "string", "minLength": 10, "maxLength": 120 },
      "body": { "type": "string", "minLength": 80, "maxLength": 10000, "description": "Limited markdown: no HTML, images, code or tables; https links only." },
      "due_date": { "type": "string", "format": "date" },
      "payment": { "type": "object", "additionalProperties": false, "required": ["amount_cents", "notice_number"], "properties": {
        "amount_cents": { "type": "integer", "minimum": 1 }, "notice_number": { "type": "string", "pattern": "^[0-9]{18}$" } } } } },
    "windows": { "type": "array", "minItems": 1, "items": { "type": "object", "required": ["from", "to"], "properties": { "from": { "type": "string" }, "to": { "type": "string" } } }, "description": "Daily, Italian time, in order, e.g. 10:00-12:00 and 16:00-18:00." },
    "max_attempts": { "type": "integer", "minimum": 1, "maximum": 10 },
    "rate_per_minute": { "type": "integer", "minimum": 1, "maximum": 600000 },
    "retry_after_seconds": { "type": "integer", "minimum": 1, "maximum": 604800, "default": 3600 },
    "starts_at": { "type": "string", "format": "date-time" }
  }
}"#;
