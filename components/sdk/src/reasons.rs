//! Reasons a citizen's app can show: why a benefit is refused, what the claimant should know.
//! Each carries a stable machine `code` (kebab-case, never reworded) that apps act on, the
//! figures it is about as named members, and a `text` in the citizen's language, so that no app
//! ever parses prose.
//!
//! A domain writes its reasons as one enum, internally tagged by `code` (serde), and gives each
//! variant its texts ([`Explain`]). The texts are Italian, the citizens' language; English when
//! the request asks for it ([`Lang::negotiate`] over `Accept-Language`). A stored reason keeps its
//! code and figures, so it is worded again in the reader's language ([`relabel`]), whatever the
//! language of the request that produced it.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

/// The languages texts are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// The default: the language of the agency and of its citizens.
    #[default]
    It,
    En,
}

/// Longest `Accept-Language` read: a browser's sends a handful of tags.
const MAX_ACCEPT_LANGUAGE_BYTES: usize = 1024;

impl Lang {
    /// The best of Italian and English for an `Accept-Language` header (RFC 9110 §12.5.4):
    /// the highest q-value wins, the earlier tag on a tie; a primary subtag matches (`en-GB` is
    /// English); `*` is the default; a header naming neither, or none at all, gets Italian.
    pub fn negotiate(header: Option<&str>) -> Lang {
        let Some(header) = header.filter(|h| h.len() <= MAX_ACCEPT_LANGUAGE_BYTES) else {
            return Lang::default();
        };
        let mut best: Option<(u16, Lang)> = None;
        for item in header.split(',') {
            let mut parts = item.split(';');
            let tag = parts.next().unwrap_or("").trim();
            let q = parts
                .find_map(|p| p.trim().strip_prefix("q="))
                .map_or(Some(1000), parse_q);
            let Some(q) = q.filter(|&q| q > 0) else {
                continue;
            };
            let primary = tag.split('-').next().unwrap_or("");
            let lang = if primary.eq_ignore_ascii_case("it") || tag == "*" {
                Lang::It
            } else if primary.eq_ignore_ascii_case("en") {
                Lang::En
            } else {
                continue;
            };
            if best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map_or(Lang::default(), |(_, lang)| lang)
    }

    /// The `Content-Language` of an answer worded in this language.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    /// An amount in euro as the language writes it: `5.771,35 euro`, `€5,771.35`.
    pub fn euro(self, cents: i64) -> String {
        let sign = if cents < 0 { "-" } else { "" };
        let (units, hundredths) = (cents.unsigned_abs() / 100, cents.unsigned_abs() % 100);
        let digits = units.to_string();
        let (group, decimal) = match self {
            Lang::It => ('.', ','),
            Lang::En => (',', '.'),
        };
        let mut grouped = String::new();
        for (i, d) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(group);
            }
            grouped.push(d);
        }
        match self {
            Lang::It => format!("{sign}{grouped}{decimal}{hundredths:02} euro"),
            Lang::En => format!("{sign}€{grouped}{decimal}{hundredths:02}"),
        }
    }

    /// One of two wordings.
    pub fn pick<'a>(self, it: &'a str, en: &'a str) -> &'a str {
        match self {
            Lang::It => it,
            Lang::En => en,
        }
    }
}

/// A q-value in thousandths (`0.5` → 500), or `None` when it is not one.
fn parse_q(raw: &str) -> Option<u16> {
    let raw = raw.trim();
    let (whole, fraction) = raw.split_once('.').unwrap_or((raw, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// A domain's reasons: `Serialize` and `Deserialize` tagged by `code`, with their texts.
pub trait Explain: Serialize + DeserializeOwned {
    fn text(&self, lang: Lang) -> String;

    /// The reason as an answer carries it.
    fn reason(&self, lang: Lang) -> Reason {
        let mut fields = match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => unreachable!("a reason enum is internally tagged by code"),
        };
        let code = match fields.remove("code") {
            Some(serde_json::Value::String(code)) => code,
            _ => unreachable!("a reason enum is internally tagged by code"),
        };
        Reason {
            code,
            text: self.text(lang),
            figures: fields,
        }
    }
}

/// A reason as answers carry it and the store keeps it: `{"code", "text", ...figures}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reason {
    pub code: String,
    pub text: String,
    /// What the reason is about (days, weeks, dates), as members beside the code.
    #[serde(flatten)]
    pub figures: serde_json::Map<String, serde_json::Value>,
}

/// The code of a reason stored before reasons had codes, as plain text.
pub const UNCLASSIFIED: &str = "unclassified";

impl<'de> Deserialize<'de> for Reason {
    /// Reads a reason as stored, including a plain string from before codes: it becomes an
    /// `unclassified` reason with that text, so that no stored application stops reading.
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Stored {
            Coded {
                code: String,
                text: String,
                #[serde(flatten)]
                figures: serde_json::Map<String, serde_json::Value>,
            },
            Text(String),
        }
        Ok(match Stored::deserialize(d)? {
            Stored::Coded {
                code,
                text,
                figures,
            } => Reason {
                code,
                text,
                figures,
            },
            Stored::Text(text) => Reason {
                code: UNCLASSIFIED.into(),
                text,
                figures: serde_json::Map::new(),
            },
        })
    }
}

/// Words `reasons` again in `lang`, each by its own code and figures; an unclassified reason, or
/// one whose code `E` does not know, keeps its text.
pub fn relabel<E: Explain>(reasons: &mut [Reason], lang: Lang) {
    for r in reasons {
        let mut tagged = r.figures.clone();
        tagged.insert("code".into(), r.code.clone().into());
        if let Ok(why) = serde_json::from_value::<E>(serde_json::Value::Object(tagged)) {
            r.text = why.text(lang);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize, Deserialize)]
    #[serde(tag = "code", rename_all = "kebab-case")]
    enum Why {
        TooFewWeeks { needed: u32 },
        Late,
    }

    impl Explain for Why {
        fn text(&self, lang: Lang) -> String {
            match self {
                Why::TooFewWeeks { needed } => match lang {
                    Lang::It => format!("Servono {needed} settimane."),
                    Lang::En => format!("{needed} weeks are needed."),
                },
                Why::Late => lang.pick("In ritardo.", "Late.").into(),
            }
        }
    }

    #[test]
    fn the_best_language_by_q_value() {
        let cases: &[(Option<&str>, Lang)] = &[
            (None, Lang::It),
            (Some(""), Lang::It),
            (Some("en"), Lang::En),
            (Some("en-GB,en;q=0.9"), Lang::En),
            (Some("it-IT,it;q=0.9,en;q=0.8"), Lang::It),
            (Some("de-DE,en;q=0.5"), Lang::En),
            (Some("fr"), Lang::It),
            (Some("en;q=0.4, it;q=0.6"), Lang::It),
            (Some("en;q=0.6, it;q=0.6"), Lang::En),
            (Some("en;q=0"), Lang::It),
            (Some("EN-us"), Lang::En),
            (Some("*, en;q=0.1"), Lang::It),
            (Some("en;q=2"), Lang::It),
            (Some("en;q=0.1234"), Lang::It),
        ];
        for (header, want) in cases {
            assert_eq!(Lang::negotiate(*header), *want, "{header:?}");
        }
    }

    #[test]
    fn amounts_in_each_language() {
        assert_eq!(Lang::It.euro(577_135), "5.771,35 euro");
        assert_eq!(Lang::En.euro(577_135), "€5,771.35");
        assert_eq!(Lang::It.euro(5), "0,05 euro");
        assert_eq!(Lang::En.euro(100_000_000), "€1,000,000.00");
        assert_eq!(Lang::It.euro(-15_000), "-150,00 euro");
    }

    #[test]
    fn a_reason_carries_its_code_and_figures_and_is_worded_again() {
        let r = Why::TooFewWeeks { needed: 13 }.reason(Lang::It);
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(
            json,
            serde_json::json!({ "code": "too-few-weeks", "needed": 13, "text": "Servono 13 settimane." })
        );
        let mut stored: Vec<Reason> = serde_json::from_value(
            serde_json::json!([json, "An old text.", { "code": "late", "text": "In ritardo." }]),
        )
        .unwrap();
        relabel::<Why>(&mut stored, Lang::En);
        let texts: Vec<(&str, &str)> = stored
            .iter()
            .map(|r| (r.code.as_str(), r.text.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                ("too-few-weeks", "13 weeks are needed."),
                (UNCLASSIFIED, "An old text."),
                ("late", "Late.")
            ]
        );
    }
}
