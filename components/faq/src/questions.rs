//! "Linea INPS" questions (seed 001): when the knowledge base does not answer, a citizen (or
//! an intermediary for them) asks; the question is classified into a C.R.I.C. section and
//! waits at the desk of the citizen's region; the citizen sees how many are ahead.
//!
//! Lifecycle: `waiting` → `in-progress` (an expert claimed it) → `answered` or
//! `appointment-booked`; a regional expert may forward it to the central directorate, where it
//! is `forwarded` (waiting at the central desk) until a central expert takes it.
//!
//! Keys:
//! - `questions/<fiscal code>/<id>`: the question, in its asker's space;
//! - `question-index/<id>`: whose question an id is;
//! - `queue/<desk>/<id>`: the questions waiting at a desk (`lazio/pensions`), oldest first;
//!   the number of keys before a question's own is its place in the queue;
//! - `claims/<expert>/<id>`: the questions an expert has claimed and not yet closed.

use serde::{Deserialize, Serialize};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json};

use crate::analysis::Analyzer;
use crate::engine::Engine;
use crate::feedback;
use crate::published::StoreIndex;
use crate::sections::{CricSection, Desk, Region};

pub const ID_PREFIX: &str = "q";
/// A question's text, in characters: enough to state a case, short of a dossier.
pub const TEXT_CHARS: std::ops::RangeInclusive<usize> = 20..=4_000;
/// Articles suggested with a new question, in case one of them answers it.
const RELATED_ARTICLES: usize = 3;
/// Top search results that vote on a question's section.
const CLASSIFY_TOP: usize = 5;
/// The best match must score at least this for the text to decide a section: below it, the
/// text matched only incidental words ("chiarimento", "urgente"). Real questions score 2 to 8.
const MIN_CLASSIFY_SCORE: f32 = 1.5;
/// The winning section must hold this share of the top results' scores (access articles,
/// which no section answers, count against it): a text split between sections ("il
/// pagamento non è arrivato": a pension's or a benefit's?) is the citizen's to decide.
const MIN_CLASSIFY_SHARE: f32 = 0.6;
/// Questions shown in the dossier.
const SUMMARY_LIMIT: u32 = 20;
/// Keys read per store call when counting a queue.
const QUEUE_PAGE: u32 = 1_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Waiting,
    InProgress,
    Forwarded,
    Answered,
    AppointmentBooked,
}

impl Status {
    /// Whether the question is still in a queue (waiting at its desk).
    pub fn is_queued(self) -> bool {
        matches!(self, Status::Waiting | Status::Forwarded)
    }

    pub fn is_closed(self) -> bool {
        matches!(self, Status::Answered | Status::AppointmentBooked)
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub status: Status,
    pub at: String,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Answer {
    pub text: String,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Appointment {
    /// Local time at the office, `YYYY-MM-DDTHH:MM`.
    pub at: String,
    pub office: String,
    pub channel: String,
    pub booked_by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub subject: String,
    pub text: String,
    pub region: Region,
    pub section: CricSection,
    /// `citizen` when the asker chose the section, `automatic` when the text decided it.
    pub classified_by: String,
    /// Where it waits or is worked: `lazio/pensions`, `central/pensions`.
    pub desk: String,
    pub status: Status,
    pub submitted_at: String,
    pub submitted_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub answer: Option<Answer>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub appointment: Option<Appointment>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub related_articles: Vec<String>,
    pub history: Vec<Step>,
}

impl Question {
    /// Moves the question to `status` and records the step.
    pub fn step(&mut self, status: Status, at: &str, by: String, note: Option<String>) {
        self.status = status;
        self.history.push(Step {
            status,
            at: at.into(),
            by,
            note,
        });
    }

    pub fn desk(&self) -> Desk {
        Desk::parse(&self.desk).expect("questions are stored with a valid desk")
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pointer {
    pub subject: String,
}

pub fn key(subject: &str, id: &str) -> String {
    format!("questions/{subject}/{id}")
}

pub fn index_key(id: &str) -> String {
    format!("question-index/{id}")
}

pub fn queue_prefix(desk: &Desk) -> String {
    format!("queue/{}/", desk.name())
}

pub fn queue_key(desk: &Desk, id: &str) -> String {
    format!("{}{id}", queue_prefix(desk))
}

pub fn claim_key(expert: &str, id: &str) -> String {
    format!("claims/{expert}/{id}")
}

/// The question `id` wherever it is (for experts and editors), with its version.
pub fn load_any(id: &str) -> Result<Option<Doc<Question>>, Problem> {
    if !welfare_guest::ids::is_id(id, ID_PREFIX) {
        return Ok(None);
    }
    let Some(pointer) = store::get::<Pointer>(&index_key(id))? else {
        return Ok(None);
    };
    Ok(store::get(&key(&pointer.value.subject, id))?)
}

/// Whether `id` is a question that has been answered (an editor may write an article from it).
pub fn is_answered(id: &str) -> Result<bool, Problem> {
    Ok(load_any(id)?.is_some_and(|q| q.value.status == Status::Answered))
}

/// How many questions wait ahead of `id` at `desk`.
pub fn position(desk: &Desk, id: &str) -> Result<u64, Problem> {
    let own = queue_key(desk, id);
    let prefix = queue_prefix(desk);
    let mut ahead = 0;
    let mut cursor: Option<String> = None;
    loop {
        let (page, next) = store::list::<Pointer>(&prefix, cursor.as_deref(), QUEUE_PAGE)?;
        for (k, _) in &page {
            if *k >= own {
                return Ok(ahead);
            }
            ahead += 1;
        }
        match next {
            Some(n) => cursor = Some(n),
            None => return Ok(ahead),
        }
    }
}

/// A question as its asker sees it: with its place in the queue while it waits.
pub fn view(q: &Question) -> Result<serde_json::Value, Problem> {
    let mut v = serde_json::to_value(q).map_err(|e| Problem::internal(e.to_string()))?;
    if q.status.is_queued() {
        v["position"] = serde_json::json!(position(&q.desk(), &q.id)?);
    }
    Ok(v)
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewQuestion {
    text: String,
    region: String,
    #[serde(default)]
    section: Option<String>,
    #[serde(default)]
    search_id: Option<String>,
}

/// The C.R.I.C. section the knowledge base's best matches for `text` belong to, by summed
/// score, and the articles that may answer it; no section when the text does not say clearly
/// enough (see [`MIN_CLASSIFY_SCORE`] and [`MIN_CLASSIFY_SHARE`]).
pub fn classify(text: &str) -> Result<(Option<CricSection>, Vec<String>), Problem> {
    let analyzer = Analyzer::new();
    let mut index = StoreIndex::default();
    let mut engine = Engine::new(&analyzer, &mut index)?;
    let plan = engine.plan(text)?;
    let hits = engine.rank(&plan)?;
    let mut votes = [0f32; 3];
    let mut total = 0.0;
    for hit in hits.iter().take(CLASSIFY_TOP) {
        total += hit.score;
        if let Some(s) = hit.section.cric() {
            votes[CricSection::ALL.iter().position(|x| *x == s).unwrap()] += hit.score;
        }
    }
    let confident = hits.first().is_some_and(|h| h.score >= MIN_CLASSIFY_SCORE);
    let best = (0..3)
        .filter(|i| confident && votes[*i] >= MIN_CLASSIFY_SHARE * total)
        .max_by(|a, b| votes[*a].total_cmp(&votes[*b]))
        .map(|i| CricSection::ALL[i]);
    let related = hits
        .iter()
        .take(RELATED_ARTICLES)
        .map(|h| h.doc.id().to_string())
        .collect();
    Ok((best, related))
}

/// `POST /questions`: `{text, region, section?, search_id?}`.
pub fn submit(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let new: NewQuestion = ctx.json()?;
    let text = new.text.trim().to_string();
    let mut errors = Vec::new();
    if !TEXT_CHARS.contains(&text.chars().count()) {
        errors.push(FieldError::new("text", "must be 20 to 4,000 characters"));
    }
    let region = Region::parse(&new.region);
    if region.is_none() {
        errors.push(FieldError::new(
            "region",
            "must be an Italian region's slug, e.g. lazio, emilia-romagna, valle-d-aosta",
        ));
    }
    let chosen = match &new.section {
        None => None,
        Some(raw) => {
            let s = CricSection::parse(raw);
            if s.is_none() {
                errors.push(FieldError::new(
                    "section",
                    "must be pensions, income-support or contributor",
                ));
            }
            s
        }
    };
    let search = feedback::parse_search_id(new.search_id.as_deref()).unwrap_or_else(|e| {
        errors.push(e);
        None
    });
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let region = region.expect("checked");

    let (automatic, related) = classify(&text)?;
    let (section, classified_by) = match (chosen, automatic) {
        (Some(s), _) => (s, "citizen"),
        (None, Some(s)) => (s, "automatic"),
        (None, None) => {
            return Err(Problem::invalid(vec![FieldError::new(
                "section",
                "could not be told from the text: choose pensions, income-support or contributor",
            )]));
        }
    };
    let desk = Desk::regional(&region, section);
    let id = welfare_guest::ids::new_id(ID_PREFIX);
    let now = ctx.req.received_at.clone();
    let mut question = Question {
        id: id.clone(),
        subject: subject.clone(),
        text,
        region,
        section,
        classified_by: classified_by.into(),
        desk: desk.name(),
        status: Status::Waiting,
        submitted_at: now.clone(),
        submitted_by: ctx.actor(),
        claimed_by: None,
        answer: None,
        appointment: None,
        related_articles: related,
        history: Vec::new(),
    };
    question.step(Status::Waiting, &now, ctx.actor(), None);
    store::create(&key(&subject, &id), &question)?;
    store::create(
        &index_key(&id),
        &Pointer {
            subject: subject.clone(),
        },
    )?;
    store::create(&queue_key(&desk, &id), &Pointer { subject })?;
    if let Some(search) = &search {
        feedback::record_question(ctx, search)?;
    }
    Ok(json(201, &view(&question)?))
}

/// `GET /questions`: the asker's questions, newest last, a page at a time.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let prefix = format!("questions/{subject}/");
    let cursor = ctx.cursor(&prefix, ID_PREFIX)?;
    let (page, next) = store::list::<Question>(&prefix, cursor.as_deref(), ctx.page_size()?)?;
    let items = page
        .iter()
        .map(|(_, d)| view(&d.value))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// `GET /questions/{id}`: one of the asker's questions, with its place in the queue.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let id = ctx.param("id");
    if !welfare_guest::ids::is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("question"));
    }
    let q =
        store::get::<Question>(&key(subject, id))?.ok_or_else(|| Problem::not_found("question"))?;
    Ok(json(200, &view(&q.value)?))
}

/// The dossier's section: the person's questions, counted by status, and the latest ones; the
/// newest articles editors published, up to [`crate::published::NEWS_PER_SECTION`] of each
/// section, newest first (`news`, the same for everyone: the gateway keeps the sections the
/// person's segments concern); and no segments, since questions say nothing of who asks.
/// `None` only when there are neither questions nor news.
pub fn summary(subject: &str) -> Result<Option<Vec<u8>>, Error> {
    let prefix = format!("questions/{subject}/");
    let all = store::list_all::<Question>(&prefix).map_err(|e| Error::Other(format!("{e:?}")))?;
    let news = crate::published::news()
        .map_err(|p| Error::Other(format!("{}: {}", p.title, p.detail.unwrap_or_default())))?;
    if all.is_empty() && news.is_empty() {
        return Ok(None);
    }
    let count = |f: fn(Status) -> bool| all.iter().filter(|(_, d)| f(d.value.status)).count();
    let latest: Vec<serde_json::Value> = all
        .iter()
        .rev()
        .take(SUMMARY_LIMIT as usize)
        .map(|(_, d)| {
            serde_json::json!({
                "id": d.value.id,
                "status": d.value.status,
                "section": d.value.section,
                "submitted_at": d.value.submitted_at,
            })
        })
        .collect();
    let body = serde_json::json!({
        "questions": {
            "open": count(|s| !s.is_closed()),
            "answered": count(|s| s == Status::Answered),
            "appointments": count(|s| s == Status::AppointmentBooked),
        },
        "latest": latest,
        "news": news,
        "segments": welfare_guest::segments::Segments::new(),
    });
    Ok(Some(
        serde_json::to_vec(&body).map_err(|e| Error::Other(e.to_string()))?,
    ))
}
