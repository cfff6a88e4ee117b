//! "Was this helpful?" votes, and the search-success measure: of the searches that led
//! somewhere, how many ended with a helpful article and how many with a question to the
//! experts.
//!
//! A search answers with a `search_id` this deployment signed ([`crate::search_id`]); a vote
//! or a question naming an id it did not sign is refused (400) and changes nothing. A vote or
//! a question that names a real one records the search's outcome, once per outcome per
//! search, if it comes within [`SEARCH_SESSION_HOURS`] (later, it is no longer that search's
//! outcome). A search has one vote: a second vote naming the same search is refused (409),
//! so one search cannot be replayed into many votes; a second question naming it is taken
//! (the citizen's question matters more than the measure) but its outcome is not counted
//! again.
//!
//! Counters are sharded: a vote increments one of [`SHARDS`] documents picked at random, so
//! concurrent votes on a popular article rarely touch the same document (a collision answers
//! 409 and nothing is counted twice).
//!
//! Keys:
//! - `votes/<article>/<shard>`: helpful and not-helpful counts, and the reasons given;
//! - `outcomes/searches/<search id>`: whether a search has had its vote, and which outcomes;
//! - `outcomes/days/<date>/<shard>`: outcomes recorded per day.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json};

use crate::search_id::{SearchId, SearchKey};

/// How long after a search a vote or a question still counts as its outcome.
pub const SEARCH_SESSION_HOURS: u64 = 24;
/// Counter documents per article and per day.
const SHARDS: u32 = 16;
/// Longest period the report covers at once.
const MAX_REPORT_DAYS: i64 = 366;
/// The report's period when none is asked for.
const DEFAULT_REPORT_DAYS: i64 = 30;
/// Documents read per store call when a report walks the day counters.
const LIST_PAGE: u32 = 1_000;
const DAY_PREFIX: &str = "outcomes/days/";

/// Why an article did not help, for editors (no free text: a vote is anonymous and must not
/// carry personal data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reason {
    NotRelevant,
    Unclear,
    Incomplete,
    Outdated,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Vote {
    helpful: bool,
    #[serde(default)]
    reason: Option<Reason>,
    #[serde(default)]
    search_id: Option<String>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Tally {
    pub helpful: u64,
    pub not_helpful: u64,
    #[serde(default)]
    pub reasons: BTreeMap<Reason, u64>,
}

impl Tally {
    fn add(&mut self, other: &Tally) {
        self.helpful += other.helpful;
        self.not_helpful += other.not_helpful;
        for (r, n) in &other.reasons {
            *self.reasons.entry(*r).or_default() += n;
        }
    }
}

/// What a search led to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    HelpfulVote,
    Question,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct SearchOutcomes {
    helpful: bool,
    question: bool,
    /// The search had its one vote (helpful or not, in its session or later). Records from
    /// before this field have only `helpful`, which a vote set.
    #[serde(default)]
    voted: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct DayOutcomes {
    helpful: u64,
    question: u64,
}

fn shard() -> u32 {
    welfare_guest::ids::random_digits(4)
        .parse::<u32>()
        .unwrap_or_default()
        % SHARDS
}

/// The search a request body names, checked: none when it names none; a field error when
/// this deployment did not sign it (or signs nothing, having no secret).
pub fn parse_search_id(raw: Option<&str>) -> Result<Option<SearchId>, FieldError> {
    let Some(raw) = raw else {
        return Ok(None);
    };
    let Some(key) = SearchKey::configured() else {
        return Err(FieldError::new(
            "search_id",
            "cannot be checked: this deployment gives no search ids (no secret is configured)",
        ));
    };
    key.verify(raw)
        .map(Some)
        .ok_or_else(|| FieldError::new("search_id", "is not a search_id this API gave"))
}

/// Whether `search` is recent enough for the request `ctx` to be its outcome.
fn in_session(ctx: &Ctx, search: &SearchId) -> bool {
    let made = search.created_millis();
    let now_millis = ctx.received_at().as_millisecond().max(0) as u64;
    let session = SEARCH_SESSION_HOURS * 3_600_000;
    // One minute of clock skew between gateway replicas is tolerated.
    made <= now_millis + 60_000 && now_millis.saturating_sub(made) <= session
}

fn search_key(search: &SearchId) -> String {
    format!("outcomes/searches/{}", search.as_str())
}

/// The record of `search`: its version (none when there is none yet) and what it holds.
fn search_record(search: &SearchId) -> Result<(Option<u64>, SearchOutcomes), Problem> {
    let current: Option<Doc<SearchOutcomes>> = store::get(&search_key(search))?;
    Ok(match current {
        Some(d) => (Some(d.version), d.value),
        None => (None, SearchOutcomes::default()),
    })
}

/// Adds `outcome` to today's counters.
fn count_day(ctx: &Ctx, outcome: Outcome) -> Result<(), Problem> {
    let day_key = format!("{DAY_PREFIX}{}/{:02}", ctx.today(), shard());
    let current: Option<Doc<DayOutcomes>> = store::get(&day_key)?;
    let version = current.as_ref().map(|d| d.version);
    let mut day = current.map(|d| d.value).unwrap_or_default();
    match outcome {
        Outcome::HelpfulVote => day.helpful += 1,
        Outcome::Question => day.question += 1,
    }
    store::put(&day_key, &day, version)?;
    Ok(())
}

/// 409: the search named already had its vote.
fn already_voted() -> Problem {
    Problem::new(
        409,
        "search-already-voted",
        "This search has already had its vote.",
    )
    .with_detail("A search counts one vote. Vote without search_id to rate another article.")
}

/// Takes the one vote of `search` (before anything else is written: a refusal writes
/// nothing); true when it counted as the search's helpful outcome (a helpful vote within
/// the session). 409 when the search already had its vote; two votes racing on one search
/// meet in the store's compare-and-swap, and the second answers 409 too.
fn take_vote(ctx: &Ctx, search: &SearchId, helpful: bool) -> Result<bool, Problem> {
    let (version, mut seen) = search_record(search)?;
    if seen.voted || seen.helpful {
        return Err(already_voted());
    }
    seen.voted = true;
    let counts = helpful && in_session(ctx, search);
    seen.helpful = counts;
    store::put(&search_key(search), &seen, version)?;
    if counts {
        count_day(ctx, Outcome::HelpfulVote)?;
    }
    Ok(counts)
}

/// Records that the search `search` led to a question (the request `ctx`); false when it
/// could not count (too old, from the future, or a question already counted for it).
pub fn record_question(ctx: &Ctx, search: &SearchId) -> Result<bool, Problem> {
    if !in_session(ctx, search) {
        return Ok(false);
    }
    let (version, mut seen) = search_record(search)?;
    if seen.question {
        return Ok(false);
    }
    seen.question = true;
    store::put(&search_key(search), &seen, version)?;
    count_day(ctx, Outcome::Question)?;
    Ok(true)
}

/// `POST /articles/{id}/feedback`: `{helpful, reason?, search_id?}`.
pub fn vote(ctx: &Ctx) -> HandlerResult {
    let id = ctx.param("id");
    if !crate::article_exists(id)? {
        return Err(Problem::not_found("article"));
    }
    let vote: Vote = ctx.json()?;
    if vote.helpful && vote.reason.is_some() {
        return Err(Problem::invalid(vec![FieldError::new(
            "reason",
            "is only for an article that did not help",
        )]));
    }
    let search = parse_search_id(vote.search_id.as_deref())
        .map_err(|error| Problem::invalid(vec![error]))?;
    let outcome_recorded = match &search {
        Some(search) => take_vote(ctx, search, vote.helpful)?,
        None => false,
    };

    let key = format!("votes/{id}/{:02}", shard());
    let current: Option<Doc<Tally>> = store::get(&key)?;
    let version = current.as_ref().map(|d| d.version);
    let mut tally = current.map(|d| d.value).unwrap_or_default();
    if vote.helpful {
        tally.helpful += 1;
    } else {
        tally.not_helpful += 1;
        if let Some(r) = vote.reason {
            *tally.reasons.entry(r).or_default() += 1;
        }
    }
    store::put(&key, &tally, version)?;
    Ok(json(
        201,
        &serde_json::json!({
            "article_id": id,
            "helpful": vote.helpful,
            "reason": vote.reason,
            "search_outcome_recorded": outcome_recorded,
        }),
    ))
}

/// An article's votes, all shards together.
pub fn tally(article: &str) -> Result<Tally, Problem> {
    let mut total = Tally::default();
    for (_, doc) in store::list_all::<Tally>(&format!("votes/{article}/"))? {
        total.add(&doc.value);
    }
    Ok(total)
}

/// `GET /stats?from=&to=`: votes per article (all time, least helpful first) and the
/// search-success measure over the period (default: the last 30 days).
pub fn report(ctx: &Ctx) -> HandlerResult {
    let today = ctx.today();
    let date = |name: &str, default: jiff::civil::Date| match ctx.query(name) {
        None => Ok(default),
        Some(raw) => raw.parse::<jiff::civil::Date>().map_err(|_| {
            Problem::invalid(vec![FieldError::new(name, "must be a date, YYYY-MM-DD")])
        }),
    };
    let to = date("to", today)?;
    let from = date(
        "from",
        to.checked_sub(jiff::Span::new().days(DEFAULT_REPORT_DAYS - 1))
            .unwrap_or(to),
    )?;
    let days = (to - from).get_days() as i64 + 1;
    if days < 1 {
        return Err(Problem::invalid(vec![FieldError::new(
            "from",
            "must not be after `to`",
        )]));
    }
    if days > MAX_REPORT_DAYS {
        return Err(Problem::invalid(vec![FieldError::new(
            "from",
            &format!("the period is at most {MAX_REPORT_DAYS} days"),
        )]));
    }

    let (from_s, to_s) = (from.to_string(), to.to_string());
    let mut per_day: BTreeMap<String, DayOutcomes> = BTreeMap::new();
    // Day keys sort by date: start just before the first day, stop after the last.
    let mut cursor = Some(format!("{DAY_PREFIX}{from_s}"));
    'pages: while let Some(after) = cursor {
        let (page, next) = store::list::<DayOutcomes>(DAY_PREFIX, Some(&after), LIST_PAGE)?;
        for (key, doc) in page {
            let day = key[DAY_PREFIX.len()..]
                .split('/')
                .next()
                .unwrap_or_default();
            if day > to_s.as_str() {
                break 'pages;
            }
            let d = per_day.entry(day.to_string()).or_default();
            d.helpful += doc.value.helpful;
            d.question += doc.value.question;
        }
        cursor = next;
    }
    let helpful: u64 = per_day.values().map(|d| d.helpful).sum();
    let question: u64 = per_day.values().map(|d| d.question).sum();
    let success_rate = if helpful + question > 0 {
        Some((helpful as f64 / (helpful + question) as f64 * 1000.0).round() / 1000.0)
    } else {
        None
    };

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    for (key, doc) in store::list_all::<Tally>("votes/")? {
        let article = key["votes/".len()..]
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        tallies.entry(article).or_default().add(&doc.value);
    }
    // Least helpful first: most not-helpful votes, then fewest helpful ones.
    let mut tallies: Vec<(String, Tally)> = tallies.into_iter().collect();
    tallies.sort_by_key(|(_, t)| (std::cmp::Reverse(t.not_helpful), t.helpful));
    let mut articles: Vec<serde_json::Value> = Vec::with_capacity(tallies.len());
    for (id, t) in &tallies {
        articles.push(serde_json::json!({
            "id": id,
            "title": crate::article_title(id)?.unwrap_or_default(),
            "helpful": t.helpful,
            "not_helpful": t.not_helpful,
            "reasons": t.reasons,
        }));
    }

    Ok(json(
        200,
        &serde_json::json!({
            "from": from_s,
            "to": to_s,
            "searches": {
                "followed_by_helpful_vote": helpful,
                "followed_by_question": question,
                "success_rate": success_rate,
                "by_day": per_day.iter().map(|(d, o)| serde_json::json!({
                    "date": d, "followed_by_helpful_vote": o.helpful, "followed_by_question": o.question,
                })).collect::<Vec<_>>(),
            },
            "articles": articles,
        }),
    ))
}
