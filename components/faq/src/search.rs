//! `GET /search?q=&section=&limit=&offset=`: ranked articles with snippets, open to anyone.

use std::collections::BTreeSet;

use serde::Serialize;
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json};

use crate::analysis::Analyzer;
use crate::corpus;
use crate::engine::{Correction, DocRef, Engine, Hit};
use crate::published::{self, StoreIndex};
use crate::search_id::SearchKey;
use crate::sections::ArticleSection;
use crate::snippet;

/// Longest query, in characters: a search box, not a letter.
pub const MAX_QUERY_CHARS: usize = 200;
/// Results per page when `limit` is not given, and the most a page may have.
const DEFAULT_LIMIT: usize = 10;
const MAX_LIMIT: usize = 50;
/// Deepest result a caller may page to.
const MAX_OFFSET: usize = 500;

#[derive(Serialize)]
struct Item {
    id: String,
    title: String,
    section: ArticleSection,
    /// Relevance, comparable only within one answer.
    score: f32,
    /// HTML-escaped text with the matched words in `<mark>…</mark>`.
    snippet: String,
}

#[derive(Serialize)]
struct Answer<'a> {
    /// Name this in a vote or a question that follows, to measure the search's success;
    /// signed, so that nobody can make one up; none when the deployment has no secret.
    search_id: Option<String>,
    query: &'a str,
    total: usize,
    items: Vec<Item>,
    /// Words read as another word one edit away.
    corrections: &'a [Correction],
}

fn number(ctx: &Ctx, name: &str, default: usize, max: usize, min: usize) -> Result<usize, Problem> {
    match ctx.query(name) {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (min..=max).contains(n))
            .ok_or_else(|| {
                Problem::invalid(vec![FieldError::new(
                    name,
                    &format!("must be a whole number from {min} to {max}"),
                )])
            }),
    }
}

pub fn search(ctx: &Ctx) -> HandlerResult {
    let q = ctx.query("q").unwrap_or_default().trim();
    if q.is_empty() {
        return Err(Problem::invalid(vec![FieldError::new(
            "q",
            "is required: the words to search for",
        )]));
    }
    if q.chars().count() > MAX_QUERY_CHARS {
        return Err(Problem::invalid(vec![FieldError::new(
            "q",
            &format!("must be at most {MAX_QUERY_CHARS} characters"),
        )]));
    }
    let section = crate::articles::section_query(ctx)?;
    let limit = number(ctx, "limit", DEFAULT_LIMIT, MAX_LIMIT, 1)?;
    let offset = number(ctx, "offset", 0, MAX_OFFSET, 0)?;

    let analyzer = Analyzer::new();
    let mut index = StoreIndex::default();
    let mut engine = Engine::new(&analyzer, &mut index)?;
    let plan = engine.plan(q)?;
    let hits: Vec<Hit> = engine
        .rank(&plan)?
        .into_iter()
        .filter(|h| section.is_none_or(|s| s == h.section))
        .collect();
    let terms = Terms {
        text: plan.terms.iter().map(String::as_str).collect(),
        shipped: plan
            .terms
            .iter()
            .filter_map(|t| corpus::term_index(t))
            .collect(),
    };
    let items = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|h| item(&analyzer, &terms, h))
        .collect::<Result<Vec<_>, _>>()?
        .into_iter()
        .flatten()
        .collect();
    Ok(json(
        200,
        &Answer {
            search_id: SearchKey::configured().map(|k| k.issue().as_str().to_string()),
            query: q,
            total: hits.len(),
            items,
            corrections: &plan.corrections,
        },
    ))
}

/// The query's terms, as text (for published articles, analysed at run time) and as positions
/// in the shipped index (for shipped articles, analysed at build time).
struct Terms<'a> {
    text: BTreeSet<&'a str>,
    shipped: BTreeSet<u32>,
}

/// One result: its article and the snippet for the query's `terms`.
fn item(analyzer: &Analyzer, terms: &Terms, hit: &Hit) -> Result<Option<Item>, Problem> {
    let score = (hit.score * 1000.0).round() / 1000.0;
    Ok(match &hit.doc {
        DocRef::Shipped(i) => {
            let a = &corpus::ARTICLES[*i as usize];
            let marks: Vec<snippet::Mark> = a
                .words
                .iter()
                .filter(|(_, term)| terms.shipped.contains(term))
                .map(|(mark, _)| *mark)
                .collect();
            Some(Item {
                id: a.id.into(),
                title: a.title.into(),
                section: hit.section,
                score,
                snippet: snippet::marked(a.plain, a.sentences, &marks),
            })
        }
        DocRef::Published(id) => published::get(id)?.map(|a| {
            let matches = |lower: &str| terms.text.contains(analyzer.term(lower).as_str());
            Item {
                snippet: snippet::snippet(&a.body, matches),
                id: a.id,
                title: a.title,
                section: a.section,
                score,
            }
        }),
    })
}
