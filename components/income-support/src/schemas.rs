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
    "claim_date": { "type": "string", "format": "date", "description": "Defaults to today." },
    "previous_resignation_date": { "type": "string", "format": "date", "description": "A voluntary resignation from another job in the 12 months before this termination (L. 207/2024 art. 1 c. 171); with weeks_since_previous_resignation." },
    "weeks_since_previous_resignation": { "type": "integer", "minimum": 0, "maximum": 209, "description": "Contribution weeks since that resignation; 13 are needed." }
  }
}"#;

pub const NASPI_SIMULATION_RESPONSE: &str = r#"{
  "type": "object",
  "required": ["eligible", "reasons", "reference_monthly_wage_cents", "monthly_amount_cents", "duration_weeks", "schedule"],
  "properties": {
    "eligible": { "type": "boolean" },
    "reasons": { "type": "array", "items": { "type": "object", "required": ["code", "text"], "properties": { "code": { "type": "string", "description": "Stable, kebab-case, never reworded; unclassified for a text stored before codes." }, "text": { "type": "string", "description": "In Italian, or English when Accept-Language asks for it." } }, "additionalProperties": true }, "description": "Why not eligible: voluntary-resignation, too-few-weeks {needed, declared}, claim-too-late {window_days, deadline}, claim-before-termination, too-few-weeks-since-resignation {resigned_on, needed, declared}." },
    "notes": { "type": "array", "items": { "type": "object", "required": ["code", "text"], "properties": { "code": { "type": "string", "description": "Stable, kebab-case, never reworded; unclassified for a text stored before codes." }, "text": { "type": "string", "description": "In Italian, or English when Accept-Language asks for it." } }, "additionalProperties": true }, "description": "consensual-needs-conciliation." },
    "reference_monthly_wage_cents": { "type": "integer" },
    "monthly_amount_cents": { "type": "integer", "description": "First month, before reductions." },
    "duration_weeks": { "type": "integer" },
    "reduction_from_month": { "type": "integer" },
    "schedule": { "type": "array", "items": { "type": "object", "properties": { "month": { "type": "integer" }, "amount_cents": { "type": "integer" } } } },
    "total_cents": { "type": "integer" },
    "source": { "type": "string" }
  }
}"#;

pub const ASSEGNO_SIMULATION_REQUEST: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["children"],
  "properties": {
    "year": { "type": "integer", "enum": [2025, 2026], "description": "Whose figures apply; the reference date's year by default." },
    "isee_cents": { "type": ["integer", "null"], "minimum": 0, "maximum": 1000000000, "description": "null or absent: no valid ISEE (minimum amounts)." },
    "children": { "type": "array", "minItems": 1, "maxItems": 20, "items": { "type": "object", "additionalProperties": false, "required": ["birth_date"], "properties": {
      "birth_date": { "type": "string", "format": "date" },
      "disability": { "type": "string", "enum": ["none", "medium", "severe", "non-self-sufficient"], "default": "none" },
      "fiscal_code": { "type": "string", "minLength": 16, "maxLength": 16 } } } },
    "both_parents_working": { "type": "boolean", "default": false },
    "widowed_parent_working": { "type": "boolean", "default": false, "description": "The applicant is a widowed parent, the household's only one, who earns from work: the both-parents-working supplement (D.L. 73/2022 art. 38). Not with both_parents_working." },
    "mother_age": { "type": "integer", "minimum": 10, "maximum": 70 },
    "reference_date": { "type": "string", "format": "date", "description": "The day ages are taken on; today by default." }
  }
}"#;

pub const ASSEGNO_SIMULATION_RESPONSE: &str = r#"{
  "type": "object",
  "required": ["monthly_total_cents", "children", "household_supplements", "notes", "source"],
  "properties": {
    "isee_cents": { "type": ["integer", "null"] },
    "monthly_total_cents": { "type": "integer" },
    "children": { "type": "array", "description": "In the order given.", "items": { "type": "object",
      "required": ["birth_date", "age", "category", "base_cents", "supplements", "amount_cents"], "properties": {
        "birth_date": { "type": "string", "format": "date" },
        "age": { "type": "integer" },
        "disability": { "type": "string" },
        "category": { "type": "string", "enum": ["minor", "young-adult", "disabled-adult", "not-eligible"] },
        "base_cents": { "type": "integer" },
        "supplements": { "type": "array", "items": { "type": "object", "required": ["kind", "amount_cents"], "properties": {
          "kind": { "type": "string", "enum": ["under-one", "toddler", "third-child-onward", "disability", "mother-under-21", "both-parents-working", "widowed-parent-working", "large-family"] },
          "amount_cents": { "type": "integer" } } } },
        "amount_cents": { "type": "integer" } } } },
    "household_supplements": { "type": "array", "items": { "type": "object" } },
    "notes": { "type": "array", "items": { "type": "object", "required": ["code", "text"], "properties": { "code": { "type": "string", "description": "Stable, kebab-case, never reworded; unclassified for a text stored before codes." }, "text": { "type": "string", "description": "In Italian, or English when Accept-Language asks for it." } }, "additionalProperties": true }, "description": "no-isee, young-adult-conditions, adult-only-if-disabled." },
    "source": { "type": "string" }
  }
}"#;

pub const APPLICATION_REQUEST: &str = r#"{
  "type": "object",
  "required": ["benefit"],
  "description": "The benefit's facts; what the platform already knows may be left out (see `prefilled` in the answer).",
  "properties": {
    "benefit": { "type": "string", "enum": ["naspi", "assegno-unico"] },
    "termination_date": { "type": "string", "format": "date", "description": "naspi" },
    "termination_reason": { "type": "string", "enum": ["dismissal", "contract-end", "resignation-just-cause", "consensual", "resignation"], "description": "naspi" },
    "wages_last_4_years_cents": { "type": "integer", "minimum": 0, "description": "naspi; from the employers' declarations when absent" },
    "contribution_weeks_last_4_years": { "type": "integer", "minimum": 0, "maximum": 209, "description": "naspi; from the employers' declarations when absent" },
    "age": { "type": "integer", "minimum": 14, "maximum": 100, "description": "naspi; on the claim date, from the fiscal code when absent" },
    "claim_date": { "type": "string", "format": "date", "description": "naspi; today when absent" },
    "previous_resignation_date": { "type": "string", "format": "date", "description": "naspi: a voluntary resignation from another job in the 12 months before" },
    "weeks_since_previous_resignation": { "type": "integer", "minimum": 0, "maximum": 209, "description": "naspi: contribution weeks since that resignation" },
    "isee_cents": { "type": ["integer", "null"], "description": "assegno-unico; the last declared when absent" },
    "children": { "type": "array", "items": { "type": "object" }, "description": "assegno-unico; the registered children when absent" },
    "both_parents_working": { "type": "boolean", "description": "assegno-unico" },
    "widowed_parent_working": { "type": "boolean", "description": "assegno-unico: a widowed parent who works" },
    "mother_age": { "type": "integer", "description": "assegno-unico; from the fiscal codes when absent" },
    "reference_date": { "type": "string", "format": "date", "description": "assegno-unico" }
  }
}"#;

pub const APPLICATION: &str = r#"{
  "type": "object",
  "required": ["id", "benefit", "status", "subject", "created_at", "details", "estimate", "history"],
  "properties": {
    "id": { "type": "string" },
    "benefit": { "type": "string", "enum": ["naspi", "assegno-unico"] },
    "status": { "type": "string", "enum": ["offered", "submitted", "in-review", "approved", "rejected", "paid", "withdrawn", "closed", "ended"] },
    "subject": { "type": "string" },
    "created_at": { "type": "string", "format": "date-time" },
    "submitted_at": { "type": "string", "format": "date-time" },
    "submitted_by": { "type": "string" },
    "prefilled": { "type": "array", "items": { "type": "string" }, "description": "Fields the platform filled in." },
    "sources": { "type": "object", "description": "By field, where the platform's value comes from.", "additionalProperties": { "type": "object", "required": ["from"], "properties": { "from": { "type": "string", "enum": ["fiscal-code", "contribution-record"] }, "on": { "type": "string", "format": "date", "description": "fiscal-code: the day the age is taken on (the claim date)" }, "declarations": { "type": "array", "items": { "type": "string" }, "description": "contribution-record: the declarations (and report resolutions) the figures add up" }, "from_month": { "type": "string" }, "to_month": { "type": "string" } } } },
    "corrections": { "type": "array", "description": "Values the citizen gave in place of the platform's.", "items": { "type": "object", "required": ["field", "platform_value", "citizen_value", "source"], "properties": { "field": { "type": "string" }, "platform_value": {}, "citizen_value": {}, "source": { "type": "object", "required": ["from"], "properties": { "from": { "type": "string", "enum": ["fiscal-code", "contribution-record"] }, "on": { "type": "string", "format": "date", "description": "fiscal-code: the day the age is taken on (the claim date)" }, "declarations": { "type": "array", "items": { "type": "string" }, "description": "contribution-record: the declarations (and report resolutions) the figures add up" }, "from_month": { "type": "string" }, "to_month": { "type": "string" } } } } } },
    "offer": { "type": "object", "description": "Why the platform offered it (life event)." },
    "claimed_by": { "type": "string" },
    "decision": { "type": "object", "properties": { "outcome": { "type": "string" }, "reason": { "type": "string" }, "by": { "type": "string" }, "at": { "type": "string" } } },
    "closure": { "type": "object", "description": "Why the platform closed it (`closed`) or ended the granted benefit (`ended`); `effective_on` is the date of death.", "properties": { "reason": { "type": "string", "enum": ["deceased"] }, "effective_on": { "type": "string", "format": "date" }, "event_id": { "type": "string" } } },
    "details": { "type": "object" },
    "estimate": { "type": "object", "description": "The simulation's answer for these facts." },
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
      "created_at": { "type": "string" }, "updated_at": { "type": "string" }, "monthly_amount_cents": { "type": "integer" } } } },
    "next_cursor": { "type": ["string", "null"] }
  }
}"#;

pub const DRAFT: &str = r#"{
  "type": "object",
  "required": ["benefit", "details", "prefilled"],
  "properties": {
    "benefit": { "type": "string" },
    "details": { "type": "object", "description": "The application body as pre-filled." },
    "prefilled": { "type": "array", "items": { "type": "string" } },
    "sources": { "type": "object", "description": "naspi: by field, where each known value comes from (fiscal-code, or contribution-record with its declarations and months)." },
    "estimate": { "type": ["object", "null"], "description": "naspi: when termination_reason is given and the facts suffice." }
  }
}"#;

pub const CONFIRMATION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "description": "Optional; an empty body confirms the offer as it stands.",
  "properties": {
    "isee_cents": { "type": ["integer", "null"], "minimum": 0 },
    "both_parents_working": { "type": "boolean" },
    "widowed_parent_working": { "type": "boolean" }
  }
}"#;

pub const QUEUE: &str = r#"{
  "type": "object",
  "required": ["items"],
  "properties": {
    "items": { "type": "array", "items": { "type": "object", "properties": {
      "id": { "type": "string" }, "subject": { "type": "string" }, "benefit": { "type": "string" }, "submitted_at": { "type": "string" } } } },
    "next_cursor": { "type": ["string", "null"] }
  }
}"#;

pub const DECISION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["outcome"],
  "properties": {
    "outcome": { "type": "string", "enum": ["approved", "rejected"] },
    "reason": { "type": "string", "maxLength": 2000, "description": "Required to reject." }
  }
}"#;
