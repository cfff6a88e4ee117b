//! Reading articles (shipped or published), listing them, and publishing new ones.

use serde::{Deserialize, Serialize};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json};

use crate::analysis::Analyzer;
use crate::corpus::{self, Shipped};
use crate::feedback;
use crate::published::{self, Published};
use crate::questions;
use crate::sections::ArticleSection;

/// Limits of an article, the same for shipped ones (checked by `build.rs`) and published ones.
pub const TITLE_CHARS: std::ops::RangeInclusive<usize> = 10..=120;
pub const BODY_CHARS: std::ops::RangeInclusive<usize> = 200..=10_000;
pub const MAX_TAGS: usize = 12;
pub const TAG_CHARS: std::ops::RangeInclusive<usize> = 2..=40;
pub const MAX_SOURCES: usize = 6;
pub const SOURCE_CHARS: std::ops::RangeInclusive<usize> = 3..=300;

/// An article as the API shows it.
#[derive(Debug, Serialize)]
pub struct View {
    pub id: String,
    pub title: String,
    pub section: ArticleSection,
    pub tags: Vec<String>,
    pub reviewed: String,
    pub sources: Vec<String>,
    /// Limited markdown: paragraphs, `- ` lists, `**bold**`.
    pub body: String,
    /// `shipped` with the platform, or `published` by an editor.
    pub origin: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub from_question: Option<String>,
}

impl From<&Shipped> for View {
    fn from(a: &Shipped) -> Self {
        Self {
            id: a.id.into(),
            title: a.title.into(),
            section: a.section,
            tags: a.tags.iter().map(|t| t.to_string()).collect(),
            reviewed: a.reviewed.into(),
            sources: a.sources.iter().map(|t| t.to_string()).collect(),
            body: a.body.into(),
            origin: "shipped",
            published_at: None,
            from_question: None,
        }
    }
}

impl From<Published> for View {
    fn from(a: Published) -> Self {
        Self {
            id: a.id,
            title: a.title,
            section: a.section,
            tags: a.tags,
            reviewed: a.reviewed,
            sources: a.sources,
            body: a.body,
            origin: "published",
            published_at: Some(a.published_at),
            from_question: a.from_question,
        }
    }
}

/// The article `id`, shipped or published.
pub fn find(id: &str) -> Result<Option<View>, Problem> {
    if let Some(a) = corpus::article(id) {
        return Ok(Some(a.into()));
    }
    Ok(published::get(id)?.map(View::from))
}

pub fn exists(id: &str) -> Result<bool, Problem> {
    Ok(corpus::article(id).is_some() || published::get(id)?.is_some())
}

pub fn title(id: &str) -> Result<Option<String>, Problem> {
    Ok(find(id)?.map(|a| a.title))
}

/// `?section=`, an article section, when given.
pub fn section_query(ctx: &Ctx) -> Result<Option<ArticleSection>, Problem> {
    ctx.query("section")
        .map(|raw| {
            ArticleSection::parse(raw).ok_or_else(|| {
                Problem::invalid(vec![FieldError::new(
                    "section",
                    "must be pensions, income-support, disability, contributions or access",
                )])
            })
        })
        .transpose()
}

/// `GET /articles/{id}`: the article and its votes.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let article = find(ctx.param("id"))?.ok_or_else(|| Problem::not_found("article"))?;
    let votes = feedback::tally(&article.id)?;
    let mut body = serde_json::to_value(&article).map_err(|e| Problem::internal(e.to_string()))?;
    body["feedback"] =
        serde_json::json!({ "helpful": votes.helpful, "not_helpful": votes.not_helpful });
    Ok(json(200, &body))
}

/// `GET /articles?section=`: every article's id, title, section and review date; the shipped
/// ones first, then the published ones in publication order.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let section = section_query(ctx)?;
    let mut items: Vec<serde_json::Value> = Vec::new();
    let mut push = |id: &str, title: &str, s: ArticleSection, reviewed: &str, origin: &str| {
        if section.is_none_or(|want| want == s) {
            items.push(serde_json::json!({
                "id": id, "title": title, "section": s, "reviewed": reviewed, "origin": origin,
            }));
        }
    };
    for a in corpus::ARTICLES {
        push(a.id, a.title, a.section, a.reviewed, "shipped");
    }
    for a in published::all()? {
        push(&a.id, &a.title, a.section, &a.reviewed, "published");
    }
    Ok(json(200, &serde_json::json!({ "items": items })))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewArticle {
    title: String,
    body: String,
    section: ArticleSection,
    tags: Vec<String>,
    sources: Vec<String>,
    #[serde(default)]
    from_question: Option<String>,
}

/// `POST /articles` (editor): publish an article, for example from an answered question.
pub fn publish(ctx: &Ctx) -> HandlerResult {
    let new: NewArticle = ctx.json()?;
    let mut errors = Vec::new();
    let chars = |s: &str| s.trim().chars().count();
    if !TITLE_CHARS.contains(&chars(&new.title)) {
        errors.push(FieldError::new("title", "must be 10 to 120 characters"));
    }
    if !BODY_CHARS.contains(&chars(&new.body)) {
        errors.push(FieldError::new("body", "must be 200 to 10,000 characters"));
    }
    if new.tags.is_empty() || new.tags.len() > MAX_TAGS {
        errors.push(FieldError::new("tags", "must list 1 to 12 tags"));
    }
    for (i, tag) in new.tags.iter().enumerate() {
        if !TAG_CHARS.contains(&chars(tag)) {
            errors.push(FieldError::new(
                &format!("tags[{i}]"),
                "must be 2 to 40 characters",
            ));
        }
    }
    if new.sources.is_empty() || new.sources.len() > MAX_SOURCES {
        errors.push(FieldError::new("sources", "must name 1 to 6 sources"));
    }
    for (i, source) in new.sources.iter().enumerate() {
        if !SOURCE_CHARS.contains(&chars(source)) {
            errors.push(FieldError::new(
                &format!("sources[{i}]"),
                "must be 3 to 300 characters",
            ));
        }
    }
    if let Some(q) = &new.from_question
        && !questions::is_answered(q)?
    {
        errors.push(FieldError::new(
            "from_question",
            "must be a question that has been answered",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let article = Published {
        id: welfare_guest::ids::new_id(published::ID_PREFIX),
        title: new.title.trim().into(),
        section: new.section,
        tags: new.tags.iter().map(|t| t.trim().to_lowercase()).collect(),
        reviewed: ctx.today().to_string(),
        sources: new.sources.iter().map(|s| s.trim().to_string()).collect(),
        body: new.body.trim().into(),
        published_at: ctx.req.received_at.clone(),
        published_by: ctx.actor(),
        from_question: new.from_question,
        lengths: [0; 3],
    };
    let article = published::publish(&Analyzer::new(), article)?;
    Ok(json(201, &View::from(article)))
}
