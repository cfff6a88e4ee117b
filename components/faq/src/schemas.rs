//! JSON Schemas (2020-12) of the request bodies, published in `/openapi.json`.

pub const FEEDBACK: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["helpful"],
  "properties": {
    "helpful": { "type": "boolean" },
    "reason": { "enum": ["not-relevant", "unclear", "incomplete", "outdated"], "description": "Only when the article did not help." },
    "search_id": { "type": "string", "description": "The search that led to the article (the search_id it answered with; one vote per search), to measure search success." }
  }
}"#;

pub const QUESTION: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["text", "region"],
  "properties": {
    "text": { "type": "string", "minLength": 20, "maxLength": 4000 },
    "region": { "type": "string", "description": "The region's slug: abruzzo, basilicata, calabria, campania, emilia-romagna, friuli-venezia-giulia, lazio, liguria, lombardia, marche, molise, piemonte, puglia, sardegna, sicilia, toscana, trentino-alto-adige, umbria, valle-d-aosta, veneto." },
    "section": { "enum": ["pensions", "income-support", "contributor"], "description": "The C.R.I.C. section; classified from the text when absent." },
    "search_id": { "type": "string", "description": "The search that did not answer (the search_id it answered with), to measure search success." }
  }
}"#;

pub const ANSWER: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["text"],
  "properties": { "text": { "type": "string", "minLength": 20, "maxLength": 10000 } }
}"#;

pub const FORWARD: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["reason"],
  "properties": { "reason": { "type": "string", "minLength": 10, "maxLength": 1000 } }
}"#;

pub const APPOINTMENT: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["at", "office", "channel"],
  "properties": {
    "at": { "type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}$", "description": "The office's local time: a working day from tomorrow to 60 days ahead, a half-hour slot from 08:30 to 12:00." },
    "office": { "type": "string", "pattern": "^[A-Z0-9][A-Z0-9-]{1,39}$" },
    "channel": { "enum": ["in-person", "phone", "video"] }
  }
}"#;

pub const ARTICLE: &str = r#"{
  "type": "object",
  "additionalProperties": false,
  "required": ["title", "body", "section", "tags", "sources"],
  "properties": {
    "title": { "type": "string", "minLength": 10, "maxLength": 120 },
    "body": { "type": "string", "minLength": 200, "maxLength": 10000, "description": "Limited markdown: paragraphs, `- ` lists, `**bold**`." },
    "section": { "enum": ["pensions", "income-support", "disability", "contributions", "access"] },
    "tags": { "type": "array", "minItems": 1, "maxItems": 12, "items": { "type": "string", "minLength": 2, "maxLength": 40 } },
    "sources": { "type": "array", "minItems": 1, "maxItems": 6, "items": { "type": "string", "minLength": 3, "maxLength": 300 } },
    "from_question": { "type": "string", "description": "An answered question the article was written from." }
  }
}"#;
