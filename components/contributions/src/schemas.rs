//! JSON Schemas (2020-12) of the request bodies, published in `/openapi.json`.

pub const DECLARATION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["period", "workers"],
  "properties": {
    "period": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "The month declared, YYYY-MM; not one still to come." },
    "company_name": { "type": "string", "minLength": 1, "maxLength": 200 },
    "workers": {
      "type": "array", "minItems": 1, "maxItems": 500,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["fiscal_code", "taxable_cents"],
        "properties": {
          "fiscal_code": { "type": "string", "minLength": 16, "maxLength": 16 },
          "taxable_cents": { "type": "integer", "minimum": 0, "maximum": 100000000 },
          "weeks": { "type": "integer", "minimum": 0, "maximum": 5, "description": "Weeks paid; the month's Saturdays by default." }
        }
      }
    }
  }
}"#;

pub const REPORT: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["from", "to", "message"],
  "properties": {
    "from": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" },
    "to": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" },
    "employer_vat": { "type": "string", "pattern": "^[0-9]{11}$" },
    "message": { "type": "string", "minLength": 10, "maxLength": 2000 }
  }
}"#;

pub const RESOLUTION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["outcome", "note"],
  "properties": {
    "outcome": { "type": "string", "enum": ["corrected", "rejected"] },
    "note": { "type": "string", "minLength": 10, "maxLength": 2000 },
    "corrections": {
      "type": "array", "maxItems": 120,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["month", "employer_vat", "taxable_cents"],
        "properties": {
          "month": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$" },
          "employer_vat": { "type": "string", "pattern": "^[0-9]{11}$" },
          "taxable_cents": { "type": "integer", "minimum": 0, "maximum": 100000000 },
          "weeks": { "type": "integer", "minimum": 0, "maximum": 5 }
        }
      }
    }
  }
}"#;

pub const SELF_EMPLOYMENT: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["fund", "start_date"],
  "properties": {
    "fund": { "type": "string", "enum": ["artigiani", "commercianti"] },
    "start_date": { "type": "string", "format": "date" }
  }
}"#;

pub const PAYMENT: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["amount_cents"],
  "properties": {
    "amount_cents": { "type": "integer", "description": "The notice's whole amount: pagoPA notices are paid in full." },
    "receipt_id": { "type": "string", "minLength": 1, "maxLength": 64, "description": "The payment provider's receipt." }
  }
}"#;

pub const PLAN: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["instalments"],
  "properties": {
    "instalments": { "type": "integer", "minimum": 2, "maximum": 60, "description": "At most 36 for debts up to €500,000, 60 above." },
    "notices": { "type": "array", "maxItems": 500, "items": { "type": "string", "pattern": "^[0-9]{18}$" }, "description": "The notices to spread; every open one by default." }
  }
}"#;

pub const PLAN_SIMULATION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["principal_cents", "instalments"],
  "properties": {
    "principal_cents": { "type": "integer", "minimum": 1, "maximum": 1000000000000 },
    "instalments": { "type": "integer", "minimum": 2, "maximum": 60 },
    "year": { "type": "integer", "enum": [2025, 2026], "description": "Whose rate applies; this year by default." }
  }
}"#;

pub const DECLARATION_CORRECTION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["workers"],
  "description": "The month's worker lines as they should have been; they replace the declared ones.",
  "properties": {
    "company_name": { "type": "string", "minLength": 1, "maxLength": 200 },
    "workers": {
      "type": "array", "minItems": 1, "maxItems": 500,
      "items": {
        "type": "object",
        "additionalProperties": false,
        "required": ["fiscal_code", "taxable_cents"],
        "properties": {
          "fiscal_code": { "type": "string", "minLength": 16, "maxLength": 16 },
          "taxable_cents": { "type": "integer", "minimum": 0, "maximum": 100000000 },
          "weeks": { "type": "integer", "minimum": 0, "maximum": 5, "description": "Weeks paid; the month's Saturdays by default." }
        }
      }
    }
  }
}"#;

#[cfg(test)]
mod tests {
    #[test]
    fn schemas_are_json() {
        for s in [
            super::DECLARATION,
            super::DECLARATION_CORRECTION,
            super::REPORT,
            super::RESOLUTION,
            super::SELF_EMPLOYMENT,
            super::PAYMENT,
            super::PLAN,
            super::PLAN_SIMULATION,
        ] {
            serde_json::from_str::<serde_json::Value>(s).expect("a schema is JSON");
        }
    }
}
