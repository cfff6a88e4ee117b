//! The shipped knowledge base: the articles in `articles/` and their index, built by
//! `build.rs` into static tables, so that they cost nothing to load in a fresh instance.

use crate::sections::ArticleSection;
use crate::snippet::{Mark, Span};

/// A shipped article, as the build script checked it.
pub struct Shipped {
    pub id: &'static str,
    pub title: &'static str,
    pub section: ArticleSection,
    pub tags: &'static [&'static str],
    /// Date of the last editorial review (YYYY-MM-DD).
    pub reviewed: &'static str,
    pub sources: &'static [&'static str],
    /// Limited markdown: paragraphs, `- ` lists, `**bold**`.
    pub body: &'static str,
    /// Indexed terms in the title, the tags and the body.
    pub lengths: [u16; 3],
    /// The body as a snippet shows it ([`crate::snippet::plain`]), its sentences, and its
    /// content words the index knows with their terms (positions in [`TERMS`]): a snippet of a
    /// shipped article costs no tokenising, folding or lookups at run time.
    pub plain: &'static str,
    pub sentences: &'static [Span],
    pub words: &'static [(Mark, u32)],
}

/// One article containing a term: the article's position in [`ARTICLES`] and the term's
/// frequency in its title, tags and body.
pub struct Posting {
    pub doc: u16,
    pub tf: [u16; 3],
}

/// An entry of the synonym table: when a query contains one of `words` (each a sequence of
/// terms), the search also looks for each phrase of `means`.
pub struct Synonym {
    pub words: &'static [&'static [&'static str]],
    pub means: &'static [&'static [&'static str]],
}

include!(concat!(env!("OUT_DIR"), "/corpus.rs"));

/// The shipped article with `id`.
pub fn article(id: &str) -> Option<&'static Shipped> {
    ARTICLES.iter().find(|a| a.id == id)
}

/// The postings of `term` in the shipped articles (empty when no article has it).
pub fn postings(term: &str) -> &'static [Posting] {
    TERMS
        .binary_search(&term)
        .map(|i| POSTINGS[i])
        .unwrap_or_default()
}

/// The position of `term` in [`TERMS`], when a shipped article has it.
pub fn term_index(term: &str) -> Option<u32> {
    TERMS.binary_search(&term).ok().map(|i| i as u32)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::{self, Analyzer};
    use crate::snippet;

    /// The build-time analysis gives every shipped article exactly the snippet the run-time
    /// path (tokenising, folding and looking words up in the word table) gives it, for a query
    /// made of each article's title words and for one made of its tags.
    #[test]
    fn prepared_snippets_are_the_run_time_ones() {
        let analyzer = Analyzer::new();
        for a in ARTICLES {
            for words in [a.title.to_string(), a.tags.join(" ")] {
                let terms: Vec<String> =
                    analyzer.terms(&words).into_iter().map(|(_, t)| t).collect();
                let positions: Vec<u32> = terms.iter().filter_map(|t| term_index(t)).collect();
                let marks: Vec<snippet::Mark> = a
                    .words
                    .iter()
                    .filter(|(_, t)| positions.contains(t))
                    .map(|(m, _)| *m)
                    .collect();
                let run_time = snippet::snippet(a.body, |lower| {
                    WORDS
                        .binary_search_by(|(w, _)| (*w).cmp(analysis::fold(lower).as_str()))
                        .is_ok_and(|i| terms.iter().any(|t| t == TERMS[WORDS[i].1 as usize]))
                });
                assert_eq!(
                    snippet::marked(a.plain, a.sentences, &marks),
                    run_time,
                    "{}",
                    a.id
                );
                assert!(run_time.contains("<mark>") || marks.is_empty(), "{}", a.id);
            }
        }
    }
}
