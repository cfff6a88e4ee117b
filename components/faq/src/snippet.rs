//! Snippets: the passage of an article that best shows why it matched, with the matched words
//! marked.
//!
//! The snippet is HTML-escaped text in which each matched word is wrapped in `<mark>…</mark>`
//! (the convention of Algolia, Meilisearch and Typesense), so an app can show it as it is
//! without ever rendering text from an article as markup.

use crate::analysis;

/// A snippet's longest text, in characters, before the ellipses.
pub const SNIPPET_MAX_CHARS: usize = 220;
/// A snippet shorter than this takes in the following sentence too.
const SNIPPET_MIN_CHARS: usize = 90;
/// Characters kept before the first matched word when a sentence must be cut.
const LEAD_CHARS: usize = 50;

/// The body's text without its limited markdown: no `**`, no list markers, one line.
pub fn plain(markdown: &str) -> String {
    let mut out = String::with_capacity(markdown.len());
    for line in markdown.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let line = line
            .strip_prefix("- ")
            .or_else(|| line.strip_prefix("* "))
            .unwrap_or(line);
        if !out.is_empty() {
            // A list item or a paragraph without final punctuation still ends a sentence.
            if !out.ends_with(['.', '!', '?', ':', ';']) {
                out.push(';');
            }
            out.push(' ');
        }
        out.push_str(&line.replace("**", ""));
    }
    out
}

/// A byte range of a text, `(start, end)`: `u32` because a body is at most 10,000 characters
/// and the shipped articles' ranges are static tables.
pub type Span = (u32, u32);

/// A word of a text that matched the query: where it is, and which word it is (two marks share
/// `word` when their lower-cased forms are equal, so a sentence counts distinct words).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mark {
    pub start: u32,
    pub end: u32,
    pub word: u32,
}

/// The `word` of a [`Mark`] for the lower-cased form `lower`: its position among the distinct
/// forms seen so far in one text (`seen`), added when new. The build script numbers a shipped
/// article's words with it, and [`snippet`] a published one's.
pub fn word_id(seen: &mut Vec<String>, lower: &str) -> u32 {
    let i = seen.iter().position(|w| w == lower).unwrap_or_else(|| {
        seen.push(lower.to_string());
        seen.len() - 1
    });
    i as u32
}

/// Sentence spans of `text`.
pub fn sentences(text: &str) -> Vec<Span> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let ends =
            matches!(c, '.' | '!' | '?' | ';') && bytes.get(i + 1).is_none_or(|b| *b == b' ');
        if ends {
            out.push((start as u32, (i + 1) as u32));
            start = i + 1;
            while start < text.len() && bytes[start] == b' ' {
                start += 1;
            }
        }
    }
    if start < text.len() {
        out.push((start as u32, text.len() as u32));
    }
    out
}

/// The snippet of `markdown` for words that `matches` (a word's lower-cased form → whether it
/// is one of the query's terms): the text analysed here, for an article published at run time.
pub fn snippet(markdown: &str, matches: impl Fn(&str) -> bool) -> String {
    let text = plain(markdown);
    let mut seen = Vec::new();
    let marks: Vec<Mark> = analysis::tokens(&text)
        .into_iter()
        .filter(|t| !analysis::is_stop_word(&t.lower) && matches(&t.lower))
        .map(|t| Mark {
            start: t.start as u32,
            end: t.end as u32,
            word: word_id(&mut seen, &t.lower),
        })
        .collect();
    marked(&text, &sentences(&text), &marks)
}

/// The snippet of a `text` already flattened by [`plain`], split into `spans` by
/// [`sentences`], whose matched words are `marks` (in text order): what a shipped article,
/// analysed at build time, costs at run time.
pub fn marked(text: &str, spans: &[Span], marks: &[Mark]) -> String {
    if spans.is_empty() {
        return String::new();
    }
    let within = |s: usize, e: usize| {
        marks
            .iter()
            .filter(move |m| m.start as usize >= s && m.end as usize <= e)
    };
    // The sentence with the most distinct matched words; the first on a tie.
    let best = spans
        .iter()
        .enumerate()
        .max_by_key(|(i, (s, e))| {
            let mut words: Vec<u32> = within(*s as usize, *e as usize).map(|m| m.word).collect();
            words.sort_unstable();
            words.dedup();
            (words.len(), std::cmp::Reverse(*i))
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    let (mut start, mut end) = (spans[best].0 as usize, spans[best].1 as usize);
    let mut next = best + 1;
    while chars(&text[start..end]) < SNIPPET_MIN_CHARS && next < spans.len() {
        end = spans[next].1 as usize;
        next += 1;
    }
    let mut lead = false;
    if chars(&text[start..end]) > SNIPPET_MAX_CHARS {
        if let Some(first) = within(start, end).next()
            && chars(&text[start..first.start as usize]) > LEAD_CHARS
        {
            start = word_boundary_before(text, first.start as usize, LEAD_CHARS);
            lead = true;
        }
        end = word_boundary_after(text, start, SNIPPET_MAX_CHARS).min(end);
    }
    let trail = end < text.len() && !text[..end].ends_with(['.', '!', '?']);
    let mut out = String::new();
    if lead {
        out.push('…');
    }
    let mut at = start;
    for m in within(start, end) {
        let (s, e) = (m.start as usize, m.end as usize);
        escape_into(&mut out, &text[at..s]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[s..e]);
        out.push_str("</mark>");
        at = e;
    }
    escape_into(&mut out, &text[at..end]);
    if trail {
        out.push('…');
    }
    out
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The start of the word about `back` characters before `at`.
fn word_boundary_before(text: &str, at: usize, back: usize) -> usize {
    let from = text[..at]
        .char_indices()
        .rev()
        .nth(back)
        .map(|(i, _)| i)
        .unwrap_or(0);
    text[from..at]
        .find(' ')
        .map(|i| from + i + 1)
        .unwrap_or(from)
}

/// The end of the last whole word within `max` characters of `start`.
fn word_boundary_after(text: &str, start: usize, max: usize) -> usize {
    let limit = text[start..]
        .char_indices()
        .nth(max)
        .map(|(i, _)| start + i)
        .unwrap_or(text.len());
    if limit == text.len() {
        return limit;
    }
    text[start..limit]
        .rfind(' ')
        .map(|i| start + i)
        .unwrap_or(limit)
}

fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_flattened() {
        assert_eq!(
            plain("La **NASpI** spetta:\n\n- a chi è licenziato\n- a fine contratto"),
            "La NASpI spetta: a chi è licenziato; a fine contratto"
        );
    }

    #[test]
    fn the_best_sentence_is_marked_and_escaped() {
        let body = "Prima frase senza niente di utile qui, davvero nulla. La NASpI <spetta> a chi perde il lavoro. Altro.";
        let s = snippet(body, |w| w == "naspi" || w == "lavoro");
        assert!(
            s.starts_with(
                "La <mark>NASpI</mark> &lt;spetta&gt; a chi perde il <mark>lavoro</mark>."
            ),
            "{s}"
        );
    }

    #[test]
    fn long_sentences_are_cut_around_the_first_match() {
        let filler = "parola ".repeat(60);
        let body = format!("{filler}invalidità {filler}");
        let s = snippet(&body, |w| w == "invalidità");
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(s.contains("<mark>invalidità</mark>"));
        assert!(s.chars().count() <= SNIPPET_MAX_CHARS + 2 + "<mark></mark>".len());
    }

    #[test]
    fn no_match_gives_the_opening() {
        let s = snippet("Primo. Secondo.", |_| false);
        assert_eq!(s, "Primo. Secondo.");
    }
}
