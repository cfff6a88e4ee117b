//! The shipped knowledge base: the articles in `articles/` and their index, built by
//! `build.rs` into static tables, so that they cost nothing to load in a fresh instance.

use crate::sections::ArticleSection;

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

/// The term a shipped article's word (without accents) was indexed under.
pub fn term_of_word(folded: &str) -> Option<&'static str> {
    WORDS
        .binary_search_by(|(w, _)| (*w).cmp(folded))
        .ok()
        .map(|i| TERMS[WORDS[i].1 as usize])
}
