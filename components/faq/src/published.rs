//! Articles editors publish at run time, and their inverted index in the store.
//!
//! The shipped articles' index is compiled in; published ones are indexed when they are
//! published, so a search reads only the postings of its own terms and never scans articles.
//!
//! Keys:
//! - `articles/<id>`: the article, with the terms it was indexed under;
//! - `postings/<term>`: the published articles containing a term, with the frequencies and
//!   field lengths BM25 needs (terms outside `a-z0-9` are hex-encoded, `postings/~<hex>`);
//! - `index/stats`: how many articles are published and their total field lengths;
//! - `index/words`: every word of a published article (without accents) → its term, for
//!   typo tolerance.
//!
//! Publishing writes every document it touches with compare-and-swap, so two editors
//! publishing at once cannot lose each other's postings: one of them gets 409 and retries.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use welfare_guest::Problem;
use welfare_guest::store::{self, Doc};

use crate::analysis::{self, Analyzer};
use crate::sections::ArticleSection;

pub const ID_PREFIX: &str = "art";
const STATS_KEY: &str = "index/stats";
const WORDS_KEY: &str = "index/words";

/// A published article.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Published {
    pub id: String,
    pub title: String,
    pub section: ArticleSection,
    pub tags: Vec<String>,
    pub reviewed: String,
    pub sources: Vec<String>,
    pub body: String,
    pub published_at: String,
    pub published_by: String,
    /// The answered question the article was written from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from_question: Option<String>,
    /// Indexed terms per field (title, tags, body).
    pub lengths: [u32; 3],
}

/// A published article containing a term.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Posting {
    pub id: String,
    pub section: ArticleSection,
    /// The term's frequency in the title, tags and body.
    pub tf: [u32; 3],
    /// The article's field lengths.
    pub len: [u32; 3],
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct PostingList {
    items: Vec<Posting>,
}

/// What the ranking needs of the whole published corpus.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Stats {
    pub count: u64,
    pub lengths: [u64; 3],
}

/// The published corpus as the ranking reads it: [`StoreIndex`] in the component, an empty
/// one in the unit tests on the host.
pub trait PublishedIndex {
    fn stats(&mut self) -> Result<Stats, Problem>;
    fn postings(&mut self, term: &str) -> Result<Vec<Posting>, Problem>;
    fn words(&mut self) -> Result<Vec<(String, String)>, Problem>;
}

/// No published articles: the shipped corpus alone, for unit tests on the host.
#[cfg(test)]
pub struct Empty;

#[cfg(test)]
impl PublishedIndex for Empty {
    fn stats(&mut self) -> Result<Stats, Problem> {
        Ok(Stats::default())
    }
    fn postings(&mut self, _term: &str) -> Result<Vec<Posting>, Problem> {
        Ok(Vec::new())
    }
    fn words(&mut self) -> Result<Vec<(String, String)>, Problem> {
        Ok(Vec::new())
    }
}

/// The published corpus in the store. With nothing published, it reads one document per
/// search and nothing else.
#[derive(Default)]
pub struct StoreIndex {
    count: Option<u64>,
}

impl PublishedIndex for StoreIndex {
    fn stats(&mut self) -> Result<Stats, Problem> {
        let stats = store::get::<Stats>(STATS_KEY)?
            .map(|d| d.value)
            .unwrap_or_default();
        self.count = Some(stats.count);
        Ok(stats)
    }

    fn postings(&mut self, term: &str) -> Result<Vec<Posting>, Problem> {
        if self.count == Some(0) {
            return Ok(Vec::new());
        }
        Ok(store::get::<PostingList>(&postings_key(term))?
            .map(|d| d.value.items)
            .unwrap_or_default())
    }

    fn words(&mut self) -> Result<Vec<(String, String)>, Problem> {
        if self.count == Some(0) {
            return Ok(Vec::new());
        }
        Ok(store::get::<BTreeMap<String, String>>(WORDS_KEY)?
            .map(|d| d.value.into_iter().collect())
            .unwrap_or_default())
    }
}

fn postings_key(term: &str) -> String {
    if term
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    {
        format!("postings/{term}")
    } else {
        let hex: String = term.bytes().map(|b| format!("{b:02x}")).collect();
        format!("postings/~{hex}")
    }
}

pub fn article_key(id: &str) -> String {
    format!("articles/{id}")
}

/// The published article `id`, if any.
pub fn get(id: &str) -> Result<Option<Published>, Problem> {
    if !welfare_guest::ids::is_id(id, ID_PREFIX) {
        return Ok(None);
    }
    Ok(store::get::<Published>(&article_key(id))?.map(|d| d.value))
}

/// Every published article, in publication order (editors publish tens a year, not
/// thousands; a listing for more would page).
pub fn all() -> Result<Vec<Published>, Problem> {
    Ok(store::list_all::<Published>("articles/")?
        .into_iter()
        .map(|(_, d)| d.value)
        .collect())
}

/// Stores `article` and adds it to the index; `article.lengths` is filled in here.
pub fn publish(analyzer: &Analyzer, mut article: Published) -> Result<Published, Problem> {
    let fields = [
        article.title.clone(),
        article.tags.join(" . "),
        article.body.clone(),
    ];
    let mut tf: BTreeMap<String, [u32; 3]> = BTreeMap::new();
    let mut new_words: BTreeMap<String, String> = BTreeMap::new();
    let mut lengths = [0u32; 3];
    for (field, text) in fields.iter().enumerate() {
        for (token, term) in analyzer.terms(text) {
            tf.entry(term.clone()).or_default()[field] += 1;
            lengths[field] += 1;
            new_words
                .entry(analysis::fold(&token.lower))
                .or_insert(term);
        }
    }
    article.lengths = lengths;
    store::create(&article_key(&article.id), &article)?;

    for (term, freq) in tf {
        let key = postings_key(&term);
        let current: Option<Doc<PostingList>> = store::get(&key)?;
        let version = current.as_ref().map(|d| d.version);
        let mut list = current.map(|d| d.value).unwrap_or_default();
        list.items.push(Posting {
            id: article.id.clone(),
            section: article.section,
            tf: freq,
            len: lengths,
        });
        store::put(&key, &list, version)?;
    }

    let stats: Option<Doc<Stats>> = store::get(STATS_KEY)?;
    let version = stats.as_ref().map(|d| d.version);
    let mut s = stats.map(|d| d.value).unwrap_or_default();
    s.count += 1;
    for (total, len) in s.lengths.iter_mut().zip(lengths) {
        *total += u64::from(len);
    }
    store::put(STATS_KEY, &s, version)?;

    let words: Option<Doc<BTreeMap<String, String>>> = store::get(WORDS_KEY)?;
    let version = words.as_ref().map(|d| d.version);
    let mut all = words.map(|d| d.value).unwrap_or_default();
    let before = all.len();
    for (w, t) in new_words {
        all.entry(w).or_insert(t);
    }
    if all.len() != before || version.is_none() {
        store::put(WORDS_KEY, &all, version)?;
    }
    Ok(article)
}
