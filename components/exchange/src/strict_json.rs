//! The strict reading of a JSON request body, one rule for every host and for the guest SDK:
//! exactly one document (nothing after it but whitespace), no key twice in one object at any
//! depth, and no control character in any string, keys included.
//!
//! `serde_json` alone is lenient where it matters to a public service: a `Value` keeps the
//! last of two equal keys (so `{"reason": "resignation", "reason": "dismissal"}` reads as a
//! dismissal), and a `Deserializer` stops after the first document unless asked to `end()`.
//! Escaped control characters (`"\u0000"`) decode into strings that end up in stored free
//! text (questions, notes, campaign texts), where a NUL truncates C readers and C1 codes
//! reorder what an operator sees.
//!
//! This file depends only on `serde` and `serde_json`: `welfare-exchange` compiles it as
//! [`crate::strict_json`] for both hosts, and the guest SDK includes the same file, so the
//! components get the rule without the token-verification code `welfare-exchange` depends on.

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What makes a body not strict JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// Not one well-formed JSON document (the parser's message, with line and column).
    Syntax(String),
    /// An object holds this key twice; `path` names the object's second occurrence.
    DuplicateKey { path: String },
    /// A string (or key) at `path` holds the control character `code`.
    ControlCharacter { path: String, code: u32 },
}

impl Fault {
    /// The problem's `urn:welfare:problem:` slug, the same from every host and the SDK.
    pub fn slug(&self) -> &'static str {
        match self {
            Fault::Syntax(_) => "invalid-json",
            Fault::DuplicateKey { .. } => "duplicate-key",
            Fault::ControlCharacter { .. } => "control-character",
        }
    }

    /// The problem's title.
    pub fn title(&self) -> &'static str {
        match self {
            Fault::Syntax(_) => "The request body is not one JSON document.",
            Fault::DuplicateKey { .. } => "The request body holds a key twice.",
            Fault::ControlCharacter { .. } => "The request body holds a control character.",
        }
    }
}

impl fmt::Display for Fault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fault::Syntax(message) => write!(f, "{message}"),
            Fault::DuplicateKey { path } => write!(f, "`{path}` appears twice in one object"),
            Fault::ControlCharacter { path, code } => {
                write!(f, "`{path}` holds the control character U+{code:04X}")
            }
        }
    }
}

/// Whether `c` is refused in a string: the C0 controls except tab, line feed and carriage
/// return (which a question or a note may legitimately hold), DEL, and the C1 controls.
pub fn refused_char(c: char) -> bool {
    matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{7f}'..='\u{9f}')
}

/// Checks that `body` is one strict JSON document.
pub fn check(body: &[u8]) -> Result<(), Fault> {
    let found = RefCell::new(None);
    let path = RefCell::new(Vec::new());
    let walker = Walker {
        path: &path,
        found: &found,
    };
    let mut de = serde_json::Deserializer::from_slice(body);
    let read = walker.deserialize(&mut de).and_then(|()| de.end());
    match read {
        Ok(()) => Ok(()),
        Err(e) => Err(found.take().unwrap_or_else(|| Fault::Syntax(e.to_string()))),
    }
}

/// One step from a parent to a child value.
enum Step {
    Key(String),
    Index(usize),
}

/// The path to the current value, as `children[1].birth_date` (`.` for the document itself).
fn render(path: &[Step]) -> String {
    let mut out = String::new();
    for step in path {
        match step {
            Step::Key(k) if out.is_empty() => out.push_str(k),
            Step::Key(k) => {
                out.push('.');
                out.push_str(k);
            }
            Step::Index(i) => out.push_str(&format!("[{i}]")),
        }
    }
    if out.is_empty() { ".".into() } else { out }
}

/// Walks one value, recording the first fault met.
#[derive(Clone, Copy)]
struct Walker<'a> {
    path: &'a RefCell<Vec<Step>>,
    found: &'a RefCell<Option<Fault>>,
}

impl Walker<'_> {
    fn fail<E: de::Error>(&self, fault: Fault) -> E {
        let message = fault.to_string();
        *self.found.borrow_mut() = Some(fault);
        E::custom(message)
    }

    fn text<E: de::Error>(&self, s: &str, key: Option<&str>) -> Result<(), E> {
        match s.chars().find(|c| refused_char(*c)) {
            None => Ok(()),
            Some(c) => {
                let mut path = render(&self.path.borrow());
                if let Some(key) = key {
                    path = if path == "." {
                        key.to_string()
                    } else {
                        format!("{path}.{key}")
                    };
                }
                Err(self.fail(Fault::ControlCharacter {
                    path,
                    code: c as u32,
                }))
            }
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walker<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walker<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        Ok(())
    }

    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        Ok(())
    }

    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        Ok(())
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<(), E> {
        Ok(())
    }

    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        Ok(())
    }

    fn visit_str<E: de::Error>(self, s: &str) -> Result<(), E> {
        self.text(s, None)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut index = 0;
        loop {
            self.path.borrow_mut().push(Step::Index(index));
            let more = seq.next_element_seed(self)?;
            self.path.borrow_mut().pop();
            if more.is_none() {
                return Ok(());
            }
            index += 1;
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let mut seen = HashSet::new();
        while let Some(key) = map.next_key::<String>()? {
            self.text(&key, Some(&key))?;
            self.path.borrow_mut().push(Step::Key(key.clone()));
            if !seen.insert(key) {
                let path = render(&self.path.borrow());
                return Err(self.fail(Fault::DuplicateKey { path }));
            }
            map.next_value_seed(self)?;
            self.path.borrow_mut().pop();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fault(body: &str) -> Fault {
        check(body.as_bytes()).expect_err(body)
    }

    #[test]
    fn one_strict_document_passes() {
        for ok in [
            r#"{"a": 1, "b": [true, null, 2.5, "x\ty\nz\r"], "c": {"a": 1}}"#,
            "[]",
            " \"text\" \n",
            r#"[{"a": 1}, {"a": 2}]"#,
            "\"caffè — €\"",
        ] {
            assert_eq!(check(ok.as_bytes()), Ok(()), "{ok}");
        }
    }

    #[test]
    fn trailing_data_is_refused() {
        for body in [r#"{"a": 1} {"a": 2}"#, r#"{"a": 1}x"#, "1 2", "", "   "] {
            assert!(matches!(fault(body), Fault::Syntax(_)), "{body}");
        }
    }

    #[test]
    fn a_duplicate_key_is_named_at_any_depth() {
        assert_eq!(
            fault(r#"{"reason": "resignation", "reason": "dismissal"}"#),
            Fault::DuplicateKey {
                path: "reason".into()
            }
        );
        assert_eq!(
            fault(r#"{"children": [{"d": 1}, {"d": 1, "d": 2}]}"#),
            Fault::DuplicateKey {
                path: "children[1].d".into()
            }
        );
    }

    #[test]
    fn control_characters_are_refused_in_values_and_keys() {
        assert_eq!(
            fault(r#"{"question": "ciao\u0000"}"#),
            Fault::ControlCharacter {
                path: "question".into(),
                code: 0
            }
        );
        assert_eq!(
            fault(r#"{"a": [{"b": "x\u009by"}]}"#),
            Fault::ControlCharacter {
                path: "a[0].b".into(),
                code: 0x9b
            }
        );
        assert_eq!(
            fault(r#"{"k\u001b": 1}"#),
            Fault::ControlCharacter {
                path: "k\u{1b}".into(),
                code: 0x1b
            }
        );
        assert!(matches!(
            fault("\"\\u007f\""),
            Fault::ControlCharacter { code: 0x7f, .. }
        ));
        // Unescaped control characters are not JSON at all.
        assert!(matches!(fault("\"a\u{1}b\""), Fault::Syntax(_)));
        for allowed in ['\t', '\n', '\r', ' ', 'é', '\u{a0}'] {
            assert!(!refused_char(allowed), "{allowed:?}");
        }
    }
}
