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

/// Sentence spans (byte ranges) of `text`.
fn sentences(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        let ends =
            matches!(c, '.' | '!' | '?' | ';') && bytes.get(i + 1).is_none_or(|b| *b == b' ');
        if ends {
            out.push((start, i + 1));
            start = i + 1;
            while start < text.len() && bytes[start] == b' ' {
                start += 1;
            }
        }
    }
    if start < text.len() {
        out.push((start, text.len()));
    }
    out
}

/// The snippet of `markdown` for words that `matches` (a word's lower-cased form → whether it
/// is one of the query's terms).
pub fn snippet(markdown: &str, matches: impl Fn(&str) -> bool) -> String {
    let text = plain(markdown);
    let tokens = analysis::tokens(&text);
    let hits: Vec<&analysis::Token> = tokens
        .iter()
        .filter(|t| !analysis::is_stop_word(&t.lower) && matches(&t.lower))
        .collect();
    let spans = sentences(&text);
    if spans.is_empty() {
        return String::new();
    }
    // The sentence with the most distinct matched words; the first on a tie.
    let best = spans
        .iter()
        .enumerate()
        .max_by_key(|(i, (s, e))| {
            let mut words: Vec<&str> = hits
                .iter()
                .filter(|t| t.start >= *s && t.end <= *e)
                .map(|t| t.lower.as_str())
                .collect();
            words.sort();
            words.dedup();
            (words.len(), std::cmp::Reverse(*i))
        })
        .map(|(i, _)| i)
        .unwrap_or(0);
    let (mut start, mut end) = spans[best];
    let mut next = best + 1;
    while chars(&text[start..end]) < SNIPPET_MIN_CHARS && next < spans.len() {
        end = spans[next].1;
        next += 1;
    }
    let mut lead = false;
    if chars(&text[start..end]) > SNIPPET_MAX_CHARS {
        if let Some(first) = hits.iter().find(|t| t.start >= start && t.end <= end)
            && chars(&text[start..first.start]) > LEAD_CHARS
        {
            start = word_boundary_before(&text, first.start, LEAD_CHARS);
            lead = true;
        }
        end = word_boundary_after(&text, start, SNIPPET_MAX_CHARS).min(end);
    }
    let trail = end < text.len() && !text[..end].ends_with(['.', '!', '?']);
    let mut out = String::new();
    if lead {
        out.push('…');
    }
    let mut at = start;
    for t in hits.iter().filter(|t| t.start >= start && t.end <= end) {
        escape_into(&mut out, &text[at..t.start]);
        out.push_str("<mark>");
        escape_into(&mut out, &text[t.start..t.end]);
        out.push_str("</mark>");
        at = t.end;
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
