//! JSON Schemas (2020-12) of the request bodies, and of the answers whose figures a caller
//! must be able to follow (the DURC's verification, the plans' rates, the debt position),
//! published in `/openapi.json`.

/// The company name and worker lines of a declaration and of its correction, which must accept
/// the same lines (the end of both schemas).
macro_rules! declared_lines {
    () => {
        r#"
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
}"#
    };
}

pub const DECLARATION: &str = concat!(
    r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["period", "workers"],
  "properties": {
    "period": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$", "description": "The month declared, YYYY-MM; not one still to come." },"#,
    declared_lines!()
);

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
    "requested_on": { "type": "string", "format": "date", "description": "The day the plan would be requested: the deferment rate is the one in force that day (it changed five times in 2025). Today by default." },
    "year": { "type": "integer", "enum": [2025, 2026], "description": "Older form of requested_on: today when it is this year, else its 1 January; if both are given they must agree." }
  }
}"#;

pub const PLAN_SIMULATION_RESPONSE: &str = concat!(
    r#"{
  "type": "object",
  "required": ["principal_cents", "instalments", "max_instalments", "requested_on", "annual_interest_bp", "annual_interest_from", "interest_cents", "total_cents", "schedule", "source"],
  "properties": {
    "principal_cents": { "type": "integer" },
    "instalments": { "type": "integer" },
    "max_instalments": { "type": "integer" },
    "requested_on": { "type": "string", "format": "date", "description": "The day whose rate applies." },
    "annual_interest_bp": { "type": "integer", "description": "Deferment interest a year in basis points: the ECB rate + 6 points in force on requested_on." },
    "annual_interest_from": { "type": "string", "format": "date", "description": "The day that rate came into force." },
    "interest_cents": { "type": "integer" },
    "total_cents": { "type": "integer" },
    "schedule": { "type": "array", "items": "#,
    r#"{
  "type": "object",
  "required": ["n", "principal_cents", "interest_cents", "amount_cents"],
  "properties": {
    "n": { "type": "integer", "minimum": 1 },
    "principal_cents": { "type": "integer" },
    "interest_cents": { "type": "integer" },
    "amount_cents": { "type": "integer" }
  }
}"#,
    r#" },
    "source": { "type": "string", "description": "The circulars the figures come from." }
  }
}"#
);

pub const PLAN_RESPONSE: &str = r#"{
  "type": "object",
  "required": ["id", "debtor", "status", "notices", "principal_cents", "annual_interest_bp", "interest_cents", "total_cents", "schedule", "missed", "lapse_after_missed", "granted_at", "granted_to"],
  "properties": {
    "id": { "type": "string" },
    "debtor": { "type": "string" },
    "status": { "type": "string", "enum": ["active", "completed", "lapsed"] },
    "notices": { "type": "array", "items": { "type": "string" }, "description": "The notices the plan covers." },
    "principal_cents": { "type": "integer" },
    "annual_interest_bp": { "type": "integer", "description": "Deferment interest a year in basis points, in force on the day the plan was requested; the plan keeps it." },
    "annual_interest_from": { "type": "string", "format": "date", "description": "The day that rate came into force." },
    "interest_cents": { "type": "integer" },
    "total_cents": { "type": "integer" },
    "schedule": {
      "type": "array",
      "items": {
        "type": "object",
        "required": ["n", "due_date", "principal_cents", "interest_cents", "amount_cents", "notice_number", "status"],
        "properties": {
          "n": { "type": "integer" },
          "due_date": { "type": "string", "format": "date" },
          "principal_cents": { "type": "integer" },
          "interest_cents": { "type": "integer" },
          "amount_cents": { "type": "integer" },
          "notice_number": { "type": "string", "pattern": "^[0-9]{18}$" },
          "status": { "type": "string", "enum": ["due", "paid", "missed", "cancelled"] },
          "paid_at": { "type": "string", "format": "date-time" }
        }
      }
    },
    "missed": { "type": "integer" },
    "lapse_after_missed": { "type": "integer" },
    "granted_at": { "type": "string", "format": "date-time" },
    "granted_to": { "type": "string" },
    "lapse": { "type": "object", "properties": { "on": { "type": "string", "format": "date" }, "reason": { "type": "object", "required": ["code", "text"], "description": "first-instalment-unpaid, or instalments-unpaid {missed}; text in Italian, or English with Accept-Language.", "properties": { "code": { "type": "string" }, "text": { "type": "string" } } }, "balance_cents": { "type": "integer" }, "notice_number": { "type": "string" } } }
  }
}"#;

/// A notice as a DURC shows it: verified, or overdue but due after the cut-off.
macro_rules! durc_notice {
    () => {
        r#"{
        "type": "object",
        "required": ["notice_number", "amount_cents", "due_date", "sanctions_cents"],
        "properties": {
          "notice_number": { "type": "string", "pattern": "^[0-9]{18}$" },
          "amount_cents": { "type": "integer", "description": "The contributions unpaid." },
          "due_date": { "type": "string", "format": "date" },
          "sanctions_cents": { "type": "integer", "description": "Civil sanctions accrued to sanctions_accrued_to (L. 388/2000 art. 116 c. 8 a: the ECB rate + 5.5 points a year, day by day, at most 40 %); none on a plan's instalment." }
        }
      }"#
    };
}

pub const DURC: &str = concat!(
    r#"{
  "type": "object",
  "required": ["id", "company", "status", "valid", "requested_on", "requested_at", "overdue_cents", "sanctions_cents", "shortfall_cents", "tolerance_cents"],
  "properties": {
    "id": { "type": "string" },
    "company": { "type": "string", "pattern": "^[0-9]{11}$" },
    "status": { "type": "string", "enum": ["regular", "pending-regularisation", "irregular"] },
    "valid": { "type": "boolean", "description": "Regular and within its 120 days today." },
    "requested_on": { "type": "string", "format": "date" },
    "requested_at": { "type": "string", "format": "date-time" },
    "valid_until": { "type": "string", "format": "date", "description": "Regular: the last day of validity, 120 days from the request." },
    "regularise_by": { "type": "string", "format": "date", "description": "Invited: the last day to regularise (15 days)." },
    "verified_up_to": { "type": "string", "format": "date", "description": "The cut-off: payments due up to this day are verified, the last day of the second month before the request's (D.M. 30/1/2015 art. 3 c. 1)." },
    "sanctions_accrued_to": { "type": "string", "format": "date", "description": "The day the sanctions were accrued to: the request's, or the day a pending request was met." },
    "overdue_cents": { "type": "integer", "description": "Contributions of the verified notices still unpaid." },
    "sanctions_cents": { "type": "integer", "description": "Civil sanctions accrued on them." },
    "shortfall_cents": { "type": "integer", "description": "Contributions plus sanctions: regular when at most tolerance_cents (art. 3 c. 3)." },
    "tolerance_cents": { "type": "integer", "description": "€150, sanctions included." },
    "overdue_notices": { "type": "array", "description": "The verified notices still unpaid.", "items": "#,
    durc_notice!(),
    r#" },
    "not_yet_verified": { "type": "array", "description": "Notices overdue on the request's day but due after the cut-off: a later request verifies them.", "items": "#,
    durc_notice!(),
    r#" },
    "resolved_at": { "type": "string", "format": "date-time" }
  }
}"#
);

pub const DEBT: &str = r#"{
  "type": "object",
  "required": ["debtor", "as_of", "open_cents", "overdue_cents", "in_plan_cents", "paid_cents", "regular", "verified_up_to", "shortfall_cents", "open_notices", "plans"],
  "properties": {
    "debtor": { "type": "string" },
    "as_of": { "type": "string", "format": "date" },
    "open_cents": { "type": "integer", "description": "Open notices, overdue or not." },
    "overdue_cents": { "type": "integer", "description": "Open notices past their due date, all of them." },
    "in_plan_cents": { "type": "integer" },
    "paid_cents": { "type": "integer" },
    "regular": { "type": "boolean", "description": "What a DURC requested today would find: the payments due up to verified_up_to, with their sanctions, at most €150." },
    "verified_up_to": { "type": "string", "format": "date", "description": "The cut-off of a DURC requested today." },
    "shortfall_cents": { "type": "integer", "description": "The verified debt with its sanctions." },
    "open_notices": { "type": "array", "items": { "type": "object" } },
    "plans": { "type": "array", "items": { "type": "object" } }
  }
}"#;

pub const DECLARATION_CORRECTION: &str = concat!(
    r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["workers"],
  "description": "The month's worker lines as they should have been; they replace the declared ones.",
  "properties": {"#,
    declared_lines!()
);

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
            super::PLAN_SIMULATION_RESPONSE,
            super::PLAN_RESPONSE,
            super::DURC,
            super::DEBT,
        ] {
            serde_json::from_str::<serde_json::Value>(s).expect("a schema is JSON");
        }
    }
}
