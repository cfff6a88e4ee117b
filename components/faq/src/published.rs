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
//! - `news/latest`: the latest [`NEWS_LIMIT`] articles in brief, newest first, for the
//!   dossier's news: kept up to date by every publication, so that a dossier reads one small
//!   document rather than every article.
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
const NEWS_KEY: &str = "news/latest";
/// Articles the dossier shows as news: a glance at what changed, not an archive (the articles
/// listing has them all).
pub const NEWS_LIMIT: usize = 5;

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

/// A published article in brief, as the dossier's news shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewsItem {
    pub id: String,
    pub title: String,
    pub section: ArticleSection,
    pub tags: Vec<String>,
    pub published_at: String,
}

impl From<&Published> for NewsItem {
    fn from(a: &Published) -> Self {
        Self {
            id: a.id.clone(),
            title: a.title.clone(),
            section: a.section,
            tags: a.tags.clone(),
            published_at: a.published_at.clone(),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct News {
    items: Vec<NewsItem>,
}

/// The newest [`NEWS_LIMIT`] of `items`, newest first, each article once. Publication times are
/// compared as instants (an unreadable one sorts last), then ids, which also grow with time.
pub fn latest(items: impl IntoIterator<Item = NewsItem>) -> Vec<NewsItem> {
    let mut items: Vec<NewsItem> = items.into_iter().collect();
    let when = |n: &NewsItem| n.published_at.parse::<jiff::Timestamp>().ok();
    items.sort_by(|a, b| (when(b), &b.id).cmp(&(when(a), &a.id)));
    let mut seen = std::collections::BTreeSet::new();
    items.retain(|n| seen.insert(n.id.clone()));
    items.truncate(NEWS_LIMIT);
    items
}

/// The latest published articles, newest first. Before the first publication that kept
/// `news/latest` (articles published by an older version), they are read from the articles.
pub fn news() -> Result<Vec<NewsItem>, Problem> {
    match store::get::<News>(NEWS_KEY)? {
        Some(doc) => Ok(doc.value.items),
        None => Ok(latest(all()?.iter().map(NewsItem::from))),
    }
}

/// Adds `article` to the news.
fn add_to_news(article: &Published) -> Result<(), Problem> {
    let current: Option<Doc<News>> = store::get(NEWS_KEY)?;
    let version = current.as_ref().map(|d| d.version);
    let known = match current {
        Some(doc) => doc.value.items,
        // The article just stored is among them; `latest` keeps it once.
        None => all()?.iter().map(NewsItem::from).collect(),
    };
    let items = latest(known.into_iter().chain([NewsItem::from(article)]));
    store::put(NEWS_KEY, &News { items }, version)?;
    Ok(())
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
    add_to_news(&article)?;
    Ok(article)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn item(id: &str, published_at: &str) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: format!("Articolo {id}"),
            section: ArticleSection::ALL[0],
            tags: vec!["novità".into()],
            published_at: published_at.into(),
        }
    }

    fn ids(items: &[NewsItem]) -> Vec<&str> {
        items.iter().map(|n| n.id.as_str()).collect()
    }

    #[test]
    fn the_news_are_the_latest_five_newest_first() {
        let table: Vec<(Vec<NewsItem>, Vec<&str>)> = vec![
            (vec![], vec![]),
            (
                vec![
                    item("art_a", "2026-01-10T09:00:00Z"),
                    item("art_b", "2026-03-01T09:00:00Z"),
                    item("art_c", "2026-02-01T09:00:00Z"),
                ],
                vec!["art_b", "art_c", "art_a"],
            ),
            // Seven articles: the five newest.
            (
                (1..=7)
                    .map(|d| item(&format!("art_{d}"), &format!("2026-05-0{d}T09:00:00Z")))
                    .collect(),
                vec!["art_7", "art_6", "art_5", "art_4", "art_3"],
            ),
            // Instants, not strings: 10:00 in Rome is before 09:30 UTC.
            (
                vec![
                    item("art_rome", "2026-05-01T10:00:00+02:00"),
                    item("art_utc", "2026-05-01T09:30:00Z"),
                ],
                vec!["art_utc", "art_rome"],
            ),
            // The same article twice (the article just stored, and the same one added): once.
            (
                vec![
                    item("art_a", "2026-01-10T09:00:00Z"),
                    item("art_a", "2026-01-10T09:00:00Z"),
                    item("art_b", "2026-01-09T09:00:00Z"),
                ],
                vec!["art_a", "art_b"],
            ),
            // Same instant: the later id first; an unreadable time last.
            (
                vec![
                    item("art_x", "yesterday"),
                    item("art_1", "2026-01-10T09:00:00Z"),
                    item("art_2", "2026-01-10T09:00:00Z"),
                ],
                vec!["art_2", "art_1", "art_x"],
            ),
        ];
        for (items, expected) in table {
            assert_eq!(ids(&latest(items.clone())), expected, "{items:?}");
        }
        let shown = serde_json::to_value(item("art_a", "2026-01-10T09:00:00Z")).unwrap();
        let mut keys: Vec<&str> = shown
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        keys.sort();
        assert_eq!(keys, ["id", "published_at", "section", "tags", "title"]);
    }
}
