//! A message's content, checked the way the public-services app's messages API checks it:
//! subject 10–120 characters, body 80–10,000 characters of limited markdown, an optional due
//! date and optional payment data (amount in cents, an 18-digit pagoPA notice number).
//!
//! "Limited markdown" is what every channel can show safely: paragraphs, `#`–`###` headings,
//! emphasis, lists and `https` links. Raw HTML, images, code blocks and tables are refused, so a
//! body never carries markup an e-mail client or an app would interpret.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::FieldError;
use welfare_guest::money::euros;
use welfare_identity::notice::NoticeNumber;

pub const SUBJECT_CHARS: std::ops::RangeInclusive<usize> = 10..=120;
pub const BODY_CHARS: std::ops::RangeInclusive<usize> = 80..=10_000;
/// Largest amount a notice may ask for: beyond any contribution debt in one notice.
pub const MAX_AMOUNT_CENTS: u64 = 100_000_000_00;

/// Payment data: what to pay, and the notice to pay it with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Payment {
    pub amount_cents: u64,
    pub notice_number: String,
}

/// A message's content as a caller sends it (a campaign), before it is checked.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    pub subject: String,
    pub body: String,
    #[serde(default)]
    pub due_date: Option<Date>,
    #[serde(default)]
    pub payment: Option<Payment>,
}

/// Content that passed every check; only [`Draft::check`] makes one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Content {
    pub subject: String,
    pub body: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub due_date: Option<Date>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
}

impl Draft {
    /// Checks every rule; errors name fields under `prefix` (`template.subject`).
    pub fn check(self, prefix: &str) -> Result<Content, Vec<FieldError>> {
        let mut errors = Vec::new();
        let field = |name: &str| format!("{prefix}{name}");
        let subject = self.subject.trim().to_string();
        let n = subject.chars().count();
        if !SUBJECT_CHARS.contains(&n) {
            errors.push(FieldError::new(
                &field("subject"),
                &format!(
                    "must be {} to {} characters (it has {n})",
                    SUBJECT_CHARS.start(),
                    SUBJECT_CHARS.end()
                ),
            ));
        }
        if subject.contains(['\n', '\r']) {
            errors.push(FieldError::new(&field("subject"), "must be one line"));
        }
        let n = self.body.chars().count();
        if !BODY_CHARS.contains(&n) {
            errors.push(FieldError::new(
                &field("body"),
                &format!(
                    "must be {} to {} characters (it has {n})",
                    BODY_CHARS.start(),
                    BODY_CHARS.end()
                ),
            ));
        }
        if let Err(message) = check_markdown(&self.body) {
            errors.push(FieldError::new(&field("body"), &message));
        }
        if let Some(p) = &self.payment {
            if p.amount_cents == 0 || p.amount_cents > MAX_AMOUNT_CENTS {
                errors.push(FieldError::new(
                    &field("payment.amount_cents"),
                    &format!("must be from 1 to {MAX_AMOUNT_CENTS} cents"),
                ));
            }
            if let Err(e) = NoticeNumber::parse(&p.notice_number) {
                errors.push(FieldError::new(
                    &field("payment.notice_number"),
                    &e.to_string(),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Content {
                subject,
                body: self.body,
                due_date: self.due_date,
                payment: self.payment,
            })
        } else {
            Err(errors)
        }
    }
}

/// The limited-markdown rules; the error says what is not allowed and where.
pub fn check_markdown(body: &str) -> Result<(), String> {
    for (n, line) in body.lines().enumerate() {
        let at = |what: &str| format!("line {}: {what}", n + 1);
        let trimmed = line.trim_start();
        if trimmed.starts_with("```") || trimmed.starts_with("~~~") || line.starts_with("    ") {
            return Err(at("code blocks are not allowed"));
        }
        if trimmed.starts_with('|') {
            return Err(at("tables are not allowed"));
        }
        if trimmed.starts_with("####") {
            return Err(at("headings go down to ### only"));
        }
        let bytes = line.as_bytes();
        for (i, b) in bytes.iter().enumerate() {
            let next = bytes.get(i + 1).copied().unwrap_or(b' ');
            if *b == b'<' && (next.is_ascii_alphabetic() || next == b'/' || next == b'!') {
                return Err(at("HTML is not allowed"));
            }
            if *b == b'!' && next == b'[' {
                return Err(at("images are not allowed"));
            }
        }
        let mut rest = line;
        while let Some(i) = rest.find("](") {
            let target = &rest[i + 2..];
            if !target.starts_with("https://") {
                return Err(at("links must be https:// addresses"));
            }
            rest = target;
        }
    }
    Ok(())
}

/// A date as Italians write it: `16/06/2026`.
pub fn italian_date(date: Date) -> String {
    format!("{:02}/{:02}/{}", date.day(), date.month(), date.year())
}

impl Content {
    /// The text an e-mail carries: the body, then the due date and payment data spelt out.
    pub fn as_text(&self) -> String {
        let mut text = self.body.clone();
        if let Some(due) = self.due_date {
            text.push_str(&format!("\n\nScadenza: {}", italian_date(due)));
        }
        if let Some(p) = &self.payment {
            text.push_str(&format!(
                "\n\nImporto da pagare: {}\nCodice avviso pagoPA: {}\nPuoi pagare con l'app, sul sito o presso qualsiasi prestatore aderente a pagoPA.",
                // At most MAX_AMOUNT_CENTS, well inside i64.
                euros(p.amount_cents as i64),
                p.notice_number
            ));
        }
        text.push_str("\n\nQuesto messaggio è anche nella tua area riservata MyINPS. Non rispondere a questo indirizzo.");
        text
    }

    /// What fits an SMS or a push notification: the subject and where to read the rest.
    pub fn as_short_text(&self) -> String {
        format!(
            "INPS: {}. Leggi il messaggio nella tua area MyINPS.",
            self.subject
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(subject: &str, body: &str) -> Draft {
        Draft {
            subject: subject.into(),
            body: body.into(),
            due_date: None,
            payment: None,
        }
    }

    fn body80() -> String {
        "Gentile cittadino, ti informiamo che è disponibile un nuovo servizio. ".repeat(2)
    }

    #[test]
    fn lengths_are_checked() {
        assert!(draft("Un avviso importante", &body80()).check("").is_ok());
        let errors = draft("Breve", "Troppo corto")
            .check("template.")
            .unwrap_err();
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["template.subject", "template.body"]);
        assert!(draft(&"x".repeat(121), &body80()).check("").is_err());
        assert!(draft(&"x".repeat(120), &body80()).check("").is_ok());
        assert!(
            draft("Un avviso importante", &"a".repeat(10_001))
                .check("")
                .is_err()
        );
    }

    #[test]
    fn markdown_is_limited() {
        let ok = "# Titolo\n\nTesto **grassetto** e *corsivo*.\n\n- uno\n- due\n\n[Sito](https://www.inps.it)";
        assert_eq!(check_markdown(ok), Ok(()));
        for bad in [
            "<b>html</b>",
            "testo <script>",
            "![immagine](https://x.it/a.png)",
            "[link](http://insicuro.it)",
            "[link](javascript:alert(1))",
            "```\ncodice\n```",
            "| a | b |",
            "#### troppo profondo",
        ] {
            assert!(check_markdown(bad).is_err(), "{bad}");
        }
        // A lone "<" in prose (a comparison) is text, not HTML.
        assert_eq!(check_markdown("ISEE < 17.000 euro"), Ok(()));
    }

    #[test]
    fn payment_notices_are_checked() {
        let mut d = draft("Avviso di pagamento", &body80());
        // Aux digit 3, segregation code 02, IUV base 0000000000001; check digits by hand:
        // 3020000000000001 = 93 × 32473118279569 + 84.
        d.payment = Some(Payment {
            amount_cents: 45_000,
            notice_number: "302000000000000184".into(),
        });
        assert!(d.clone().check("").is_ok());
        d.payment = Some(Payment {
            amount_cents: 45_000,
            notice_number: "302000000000000185".into(),
        });
        let errors = d.clone().check("").unwrap_err();
        assert_eq!(errors[0].field, "payment.notice_number");
        d.payment = Some(Payment {
            amount_cents: 0,
            notice_number: "302000000000000184".into(),
        });
        assert_eq!(d.check("").unwrap_err()[0].field, "payment.amount_cents");
    }

    #[test]
    fn dates_read_in_italian() {
        assert_eq!(italian_date(Date::constant(2026, 6, 16)), "16/06/2026");
    }
}
