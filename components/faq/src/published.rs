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
//! - `news/by-section`: the newest [`NEWS_PER_SECTION`] articles of each section in brief,
//!   newest first, for the dossier's news: kept up to date by every publication, so that a
//!   dossier reads one small document rather than every article. Per section, because the
//!   gateway shows a person only the news of the sections their segments concern: the newest
//!   few overall could all be pensions' and leave a worker none.
//!
//! Publishing writes every document it touches with compare-and-swap, so two editors
//! publishing at once cannot lose each other's postings: one of them gets 409 and retries.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use welfare_guest::Problem;
use welfare_guest::store::{self, Doc};

use crate::analysis::{self, Analyzer};
use crate::sections::ArticleSection;

pub const ID_PREFIX: &str = "art";
const STATS_KEY: &str = "index/stats";
const WORDS_KEY: &str = "index/words";
const NEWS_KEY: &str = "news/by-section";
/// Articles of each section the dossier may show as news: a glance at what changed, not an
/// archive (the articles listing has them all).
pub const NEWS_PER_SECTION: usize = 5;

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
    /// When the gateway received the publication (UTC).
    pub published_at: Timestamp,
}

impl NewsItem {
    /// `None` for an article whose publication time is not a timestamp, which only the gateway
    /// writes (a request's `received_at`): a bug, kept out of the news rather than failing them.
    fn of(a: &Published) -> Option<Self> {
        Some(Self {
            id: a.id.clone(),
            title: a.title.clone(),
            section: a.section,
            tags: a.tags.clone(),
            published_at: a.published_at.parse().ok()?,
        })
    }
}

/// The dossier's news: the newest [`NEWS_PER_SECTION`] articles of each section, newest first.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct News {
    items: Vec<NewsItem>,
}

impl News {
    /// Adds `items` in their places, newest first (by publication time, then id: ids also grow
    /// with time), and drops each section's oldest beyond [`NEWS_PER_SECTION`]: one sort
    /// however many are added.
    fn extend(&mut self, items: impl IntoIterator<Item = NewsItem>) {
        self.items.extend(items);
        self.items
            .sort_by(|a, b| (b.published_at, &b.id).cmp(&(a.published_at, &a.id)));
        let mut kept: HashMap<ArticleSection, usize> = HashMap::new();
        self.items.retain(|n| {
            let count = kept.entry(n.section).or_default();
            *count += 1;
            *count <= NEWS_PER_SECTION
        });
    }
}

/// The news, newest first: up to [`NEWS_PER_SECTION`] articles of each section. One document,
/// kept by every publication.
pub fn news() -> Result<Vec<NewsItem>, Problem> {
    Ok(store::get::<News>(NEWS_KEY)?
        .map(|d| d.value.items)
        .unwrap_or_default())
}

/// Adds `article`, just stored, to the news. The first publication that keeps them builds them
/// from every article published so far, this one included (a listing sees the request's own
/// writes); after that, each publication adds its own article.
fn add_to_news(article: &Published) -> Result<(), Problem> {
    let current: Option<Doc<News>> = store::get(NEWS_KEY)?;
    let version = current.as_ref().map(|d| d.version);
    let news = match current {
        Some(doc) => {
            let mut news = doc.value;
            news.extend(NewsItem::of(article));
            news
        }
        None => {
            let mut news = News::default();
            news.extend(all()?.iter().filter_map(NewsItem::of));
            news
        }
    };
    store::put(NEWS_KEY, &news, version)?;
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
    use ArticleSection::{Contributions, IncomeSupport, Pensions};

    fn item(id: &str, section: ArticleSection, published_at: &str) -> NewsItem {
        NewsItem {
            id: id.into(),
            title: format!("Articolo {id}"),
            section,
            tags: vec!["novità".into()],
            published_at: published_at.parse().unwrap(),
        }
    }

    fn ids(news: &News) -> Vec<&str> {
        news.items.iter().map(|n| n.id.as_str()).collect()
    }

    fn news_of(items: Vec<NewsItem>) -> News {
        let mut news = News::default();
        for item in items {
            news.extend([item]);
        }
        news
    }

    #[test]
    fn the_news_keep_the_newest_five_of_each_section_newest_first() {
        // Seven pensions' articles on 1 to 7 May, one on contributions on 2 May (before most of
        // them) and one on income support on 8 May.
        let mut items: Vec<NewsItem> = (1..=7)
            .map(|d| {
                item(
                    &format!("art_p{d}"),
                    Pensions,
                    &format!("2026-05-0{d}T09:00:00Z"),
                )
            })
            .collect();
        items.push(item("art_c", Contributions, "2026-05-02T10:00:00Z"));
        items.push(item("art_i", IncomeSupport, "2026-05-08T09:00:00Z"));
        let news = news_of(items.clone());
        // The five newest pensions' (3 to 7 May) and the contributions' one stays although
        // five newer articles exist: a worker still sees it.
        assert_eq!(
            ids(&news),
            [
                "art_i", "art_p7", "art_p6", "art_p5", "art_p4", "art_p3", "art_c"
            ]
        );
        // The order of publication does not matter.
        items.reverse();
        assert_eq!(ids(&news_of(items)), ids(&news));
    }

    #[test]
    fn news_order_by_instant_then_id() {
        // Fractions of a second: an instant, not text ("09:00:00.5Z" sorts before "09:00:00Z"
        // as text).
        let news = news_of(vec![
            item("art_a", Pensions, "2026-05-01T09:00:00Z"),
            item("art_b", Pensions, "2026-05-01T09:00:00.5Z"),
            item("art_c", Pensions, "2026-05-01T09:00:00Z"),
        ]);
        assert_eq!(ids(&news), ["art_b", "art_c", "art_a"]);
    }

    #[test]
    fn a_news_item_shows_what_the_dossier_needs() {
        let shown = serde_json::to_value(item("art_a", Pensions, "2026-01-10T09:00:00Z")).unwrap();
        assert_eq!(
            shown,
            serde_json::json!({
                "id": "art_a",
                "title": "Articolo art_a",
                "section": "pensions",
                "tags": ["novità"],
                "published_at": "2026-01-10T09:00:00Z",
            })
        );
    }
}
