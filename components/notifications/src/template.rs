//! A message's content, checked the way the public-services app's messages API checks it:
//! subject 10–120 characters, body 80–10,000 characters of limited markdown, an optional due
//! date and optional payment data (amount in cents, an 18-digit pagoPA notice number).
//!
//! "Limited markdown" is what every channel can show safely: paragraphs, `#`–`###` headings,
//! emphasis, lists, line breaks and `https` links. The body is parsed as CommonMark (with
//! tables and footnotes recognised, so that they can be refused) and every element is checked
//! against that allow-list: raw HTML, images, code, tables, footnotes, quotes, rules and links
//! to any other scheme are refused, however they are written (inline, reference-style,
//! autolinks, entity-encoded or in mixed case), so a body never carries markup an e-mail
//! client or an app would interpret.

use jiff::civil::Date;
use pulldown_cmark::{CowStr, Event, HeadingLevel, LinkType, Options, Parser, Tag};
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

/// The one scheme a link may have: every channel opens it safely, and it is what the
/// agency's own pages use. (`mailto:` is left out: an address can be written as text.)
const LINK_SCHEME: &str = "https://";

/// The limited-markdown rules; the error says what is not allowed and where.
pub fn check_markdown(body: &str) -> Result<(), String> {
    let at = |offset: usize, what: &str| {
        let line = body.as_bytes()[..offset.min(body.len())]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        format!("line {}: {what}", line + 1)
    };
    // Tables and footnotes are parsed only to be refused; without these options they would
    // be text to this check yet tables to a renderer that knows them.
    let mut events = Parser::new_ext(body, Options::ENABLE_TABLES | Options::ENABLE_FOOTNOTES)
        .into_offset_iter();
    for (event, range) in events.by_ref() {
        if let Err(what) = allowed(&event) {
            return Err(at(range.start, what));
        }
    }
    // A definition nothing refers to yields no link, but one renderer's unused definition is
    // another's link: every definition must be an https one too.
    let first_bad = events
        .reference_definitions()
        .iter()
        .filter(|(_, definition)| !is_https(&definition.dest))
        .map(|(_, definition)| definition.span.start)
        .min();
    if let Some(start) = first_bad {
        return Err(at(start, LINKS_HTTPS));
    }
    Ok(())
}

/// What a refused link is told, wherever it hides (inline, reference, definition, autolink).
const LINKS_HTTPS: &str = "links must be https:// addresses";

/// Whether `event` is in the allow-list; if not, what is not allowed.
fn allowed(event: &Event) -> Result<(), &'static str> {
    match event {
        Event::Text(_) | Event::SoftBreak | Event::HardBreak | Event::End(_) => Ok(()),
        Event::Start(tag) => match tag {
            Tag::Paragraph | Tag::Emphasis | Tag::Strong | Tag::List(_) | Tag::Item => Ok(()),
            Tag::Heading { level, .. } => match level {
                HeadingLevel::H1 | HeadingLevel::H2 | HeadingLevel::H3 => Ok(()),
                _ => Err("headings go down to ### only"),
            },
            Tag::Link {
                link_type: LinkType::Email,
                ..
            } => Err("e-mail links are not allowed: write the address as text"),
            Tag::Link { dest_url, .. } if !is_https(dest_url) => Err(LINKS_HTTPS),
            Tag::Link { .. } => Ok(()),
            Tag::Image { .. } => Err("images are not allowed"),
            Tag::CodeBlock(_) => Err("code blocks are not allowed"),
            Tag::HtmlBlock => Err("HTML is not allowed"),
            Tag::Table(_) | Tag::TableHead | Tag::TableRow | Tag::TableCell => {
                Err("tables are not allowed")
            }
            Tag::FootnoteDefinition(_) => Err("footnotes are not allowed"),
            Tag::BlockQuote(_) => Err("quotes are not allowed"),
            _ => Err(NOT_LIMITED),
        },
        Event::Html(_) | Event::InlineHtml(_) => Err("HTML is not allowed"),
        Event::Code(_) => Err("code is not allowed"),
        Event::FootnoteReference(_) => Err("footnotes are not allowed"),
        Event::Rule => Err("horizontal rules are not allowed"),
        _ => Err(NOT_LIMITED),
    }
}

/// What the refusal of anything else says.
const NOT_LIMITED: &str =
    "only paragraphs, headings down to ###, emphasis, lists and https links are allowed";

/// Whether a link's destination (entities already decoded by the parser) is an https one,
/// in any case.
fn is_https(dest: &CowStr) -> bool {
    dest.get(..LINK_SCHEME.len())
        .is_some_and(|scheme| scheme.eq_ignore_ascii_case(LINK_SCHEME))
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
        for ok in [
            "# Titolo\n\nTesto **grassetto** e *corsivo*.\n\n- uno\n- due\n\n[Sito](https://www.inps.it)",
            "## Sezione\n\n### Sottosezione\n\n1. primo\n2. secondo",
            "Titolo\n======\n\nriga uno  \nriga due\nriga tre",
            "[Sito][inps] e <https://www.inps.it>\n\n[inps]: https://www.inps.it/prestazioni",
            "[Sito](HTTPS://WWW.INPS.IT)",
            // A lone "<" in prose (a comparison) is text, not HTML.
            "ISEE < 17.000 euro",
            // An unknown reference is text, not a link.
            "vedi [nota][assente]",
        ] {
            assert_eq!(check_markdown(ok), Ok(()), "{ok}");
        }
        for (bad, error) in [
            ("<b>html</b>", "line 1: HTML is not allowed"),
            ("testo <script>", "line 1: HTML is not allowed"),
            ("<div>\nblocco\n</div>", "line 1: HTML is not allowed"),
            ("testo\n\n<!-- commento -->", "line 3: HTML is not allowed"),
            (
                "![immagine](https://x.it/a.png)",
                "line 1: images are not allowed",
            ),
            (
                "[link](http://insicuro.it)",
                "line 1: links must be https:// addresses",
            ),
            (
                "[link](javascript:alert(1))",
                "line 1: links must be https:// addresses",
            ),
            (
                "[link](JaVaScRiPt:alert(1))",
                "line 1: links must be https:// addresses",
            ),
            (
                "[link]( javascript:alert(1) )",
                "line 1: links must be https:// addresses",
            ),
            (
                "[link](javascript&#58;alert(1))",
                "line 1: links must be https:// addresses",
            ),
            (
                "[link](/percorso/relativo)",
                "line 1: links must be https:// addresses",
            ),
            (
                "testo\n\n[x][r]\n\n[r]: javascript:alert(1)",
                "line 3: links must be https:// addresses",
            ),
            (
                "[x][R]\n\n[r]: JAVASCRIPT:alert(1)",
                "line 1: links must be https:// addresses",
            ),
            (
                "[x]\n\n[x]: javascript&#x3A;alert(1)",
                "line 1: links must be https:// addresses",
            ),
            (
                "testo\n\n[r]: javascript:alert(1)",
                "line 3: links must be https:// addresses",
            ),
            (
                "<javascript:alert(1)>",
                "line 1: links must be https:// addresses",
            ),
            (
                "<http://insicuro.it>",
                "line 1: links must be https:// addresses",
            ),
            (
                "<mario@example.it>",
                "line 1: e-mail links are not allowed: write the address as text",
            ),
            ("```\ncodice\n```", "line 1: code blocks are not allowed"),
            (
                "testo\n\n    codice rientrato",
                "line 3: code blocks are not allowed",
            ),
            ("usa `codice`", "line 1: code is not allowed"),
            (
                "| a | b |\n|---|---|\n| 1 | 2 |",
                "line 1: tables are not allowed",
            ),
            (
                "testo[^1]\n\n[^1]: nota",
                "line 1: footnotes are not allowed",
            ),
            (
                "#### troppo profondo",
                "line 1: headings go down to ### only",
            ),
            ("> citazione", "line 1: quotes are not allowed"),
            ("testo\n\n***", "line 3: horizontal rules are not allowed"),
        ] {
            assert_eq!(check_markdown(bad), Err(error.to_string()), "{bad}");
        }
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
