//! JSON Schemas (2020-12) of the request and response bodies, published in `/openapi.json`.

pub const NASPI_SIMULATION_REQUEST: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["year", "termination_date", "termination_reason", "wages_last_4_years_cents", "contribution_weeks_last_4_years", "age"],
  "properties": {
    "year": { "type": "integer", "enum": [2025, 2026], "description": "Whose rule parameters apply." },
    "termination_date": { "type": "string", "format": "date" },
    "termination_reason": { "type": "string", "enum": ["dismissal", "contract-end", "resignation-just-cause", "consensual", "resignation"] },
    "wages_last_4_years_cents": { "type": "integer", "minimum": 0, "maximum": 1000000000 },
    "contribution_weeks_last_4_years": { "type": "integer", "minimum": 0, "maximum": 209 },
    "age": { "type": "integer", "minimum": 14, "maximum": 100 },
    "claim_date": { "type": "string", "format": "date", "description": "Defaults to today." }
  }
}"#;

pub const NASPI_SIMULATION_RESPONSE: &str = r#"{
  "type": "object",
  "required": ["eligible", "reasons", "reference_monthly_wage_cents", "monthly_amount_cents", "duration_weeks", "schedule"],
  "properties": {
    "eligible": { "type": "boolean" },
    "reasons": { "type": "array", "items": { "type": "string" }, "description": "Why not eligible." },
    "notes": { "type": "array", "items": { "type": "string" } },
    "reference_monthly_wage_cents": { "type": "integer" },
    "monthly_amount_cents": { "type": "integer", "description": "First month, before reductions." },
    "duration_weeks": { "type": "integer" },
    "reduction_from_month": { "type": "integer" },
    "schedule": { "type": "array", "items": { "type": "object", "properties": { "month": { "type": "integer" }, "amount_cents": { "type": "integer" } } } },
    "total_cents": { "type": "integer" },
    "source": { "type": "string" }
  }
}"#;

pub const APPLICATION_REQUEST: &str = r#"{
  "type": "object",
  "required": ["benefit"],
  "properties": {
    "benefit": { "type": "string", "enum": ["naspi", "assegno-unico"] },
    "termination_date": { "type": "string", "format": "date" },
    "termination_reason": { "type": "string", "enum": ["dismissal", "contract-end", "resignation-just-cause", "consensual", "resignation"] },
    "wages_last_4_years_cents": { "type": "integer", "minimum": 0 },
    "contribution_weeks_last_4_years": { "type": "integer", "minimum": 0, "maximum": 209 },
    "age": { "type": "integer", "minimum": 14, "maximum": 100 },
    "claim_date": { "type": "string", "format": "date" }
  }
}"#;

pub const APPLICATION: &str = r#"{
  "type": "object",
  "required": ["id", "benefit", "status", "submitted_at", "history"],
  "properties": {
    "id": { "type": "string" },
    "benefit": { "type": "string" },
    "status": { "type": "string", "enum": ["submitted", "in-review", "approved", "rejected", "paid"] },
    "subject": { "type": "string" },
    "submitted_at": { "type": "string", "format": "date-time" },
    "submitted_by": { "type": "string" },
    "details": { "type": "object" },
    "estimate": { "type": "object" },
    "history": { "type": "array", "items": { "type": "object", "required": ["status", "at", "by"], "properties": {
      "status": { "type": "string" }, "at": { "type": "string", "format": "date-time" }, "by": { "type": "string" }, "reason": { "type": "string" } } } }
  }
}"#;

pub const APPLICATION_LIST: &str = r#"{
  "type": "object",
  "required": ["items"],
  "properties": {
    "items": { "type": "array", "items": { "type": "object", "properties": {
      "id": { "type": "string" }, "benefit": { "type": "string" }, "status": { "type": "string" },
      "submitted_at": { "type": "string" }, "updated_at": { "type": "string" } } } },
    "next_cursor": { "type": ["string", "null"] }
  }
}"#;
