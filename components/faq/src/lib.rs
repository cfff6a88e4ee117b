//! The knowledge-base domain: Italian articles anyone can search, "was this helpful" votes,
//! and "Linea INPS" questions that regional experts answer when the articles do not.
//!
//! - The shipped articles (`articles/<section>/<id>.md`) are indexed at build time
//!   (`build.rs`), so a search in a fresh instance starts with its index in memory; articles
//!   editors publish are indexed in the store when they are published.
//! - Search is BM25F over title, tags and body, with the Snowball Italian stemmer, accents
//!   ignored, synonyms and acronyms (`synonyms.toml`), and typos within one edit.
//! - A question is classified into a C.R.I.C. section by the articles it matches, waits at its
//!   region's desk, and is claimed, answered, forwarded to the central directorate or turned
//!   into an appointment by an expert of that desk.
//!
//! # Layout
//! - [`analysis`]: tokens, stop words, stems, accents, edit distance (shared with `build.rs`).
//! - [`corpus`]: the shipped articles and their compiled index.
//! - [`published`]: articles published at run time and their index in the store.
//! - [`engine`]: query planning (readings, typos, synonyms) and BM25F ranking.
//! - [`snippet`]: the passage that matched, with `<mark>`ed words.
//! - [`search`]: the search route.
//! - [`search_id`]: the signed search ids that tie a vote or a question to its search.
//! - [`articles`]: reading, listing and publishing articles.
//! - [`feedback`]: votes, the search-success measure and the editors' report.
//! - [`sections`]: article sections, C.R.I.C. sections, regions, desks.
//! - [`questions`]: the citizen's questions, their place in the queue, the dossier section.
//! - [`experts`]: the experts' queue and actions.
//! - [`calendar`]: the offices' appointment slots.
//! - [`schemas`]: the request bodies' JSON Schemas for `/openapi.json`.

mod analysis;
mod articles;
mod calendar;
mod corpus;
mod engine;
mod experts;
mod feedback;
mod published;
mod questions;
mod schemas;
mod search;
mod search_id;
mod sections;
mod snippet;

use welfare_guest::audience::{ANYONE, FOR_A_PERSON, OPERATOR, PERSONAL};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::bindings::exports::welfare::platform::domain::Guest;
use welfare_guest::{Event, Manifest, Method, Request, Response, RouteSpec, Router, SubjectKind};

const EXPERT: &[&str] = &["cric-expert"];
const EDITOR: &[&str] = &["editor"];
const REPORT_READERS: &[&str] = &["editor", "auditor"];

fn router() -> Router {
    let public = |method, path, summary, handler| RouteSpec {
        principals: ANYONE,
        // Open to everyone, companies included.
        subject: SubjectKind::Either,
        ..RouteSpec::new(method, path, summary, handler)
    };
    let person = |method, path, summary, handler| RouteSpec {
        principals: FOR_A_PERSON,
        min_level: PERSONAL,
        ..RouteSpec::new(method, path, summary, handler)
    };
    let expert = |path, summary, handler, schema| RouteSpec {
        principals: OPERATOR,
        roles: EXPERT,
        request_schema: schema,
        ..RouteSpec::new(Method::Post, path, summary, handler)
    };
    Router {
        name: "faq",
        version: env!("CARGO_PKG_VERSION"),
        subscriptions: &[],
        routes: vec![
            public(
                Method::Get,
                "/api/v1/faq/search",
                "Search the knowledge base in everyday Italian (`?q=&section=&limit=&offset=`): ranked articles with `<mark>`ed snippets and a `search_id`.",
                search::search,
            ),
            public(
                Method::Get,
                "/api/v1/faq/articles",
                "Every article's id, title, section and review date (`?section=`).",
                articles::list,
            ),
            public(
                Method::Get,
                "/api/v1/faq/articles/{id}",
                "One article: body (limited markdown), tags, sources, review date, votes.",
                articles::get,
            ),
            RouteSpec {
                request_schema: Some(schemas::FEEDBACK),
                ..public(
                    Method::Post,
                    "/api/v1/faq/articles/{id}/feedback",
                    "Was this article helpful? `{helpful, reason?, search_id?}`.",
                    feedback::vote,
                )
            },
            RouteSpec {
                principals: OPERATOR,
                roles: EDITOR,
                idempotency_key_required: true,
                request_schema: Some(schemas::ARTICLE),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/faq/articles",
                    "Publish an article (for example from an answered question): `{title, body, section, tags, sources, from_question?}`.",
                    articles::publish,
                )
            },
            RouteSpec {
                principals: OPERATOR,
                roles: REPORT_READERS,
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/faq/stats",
                    "Votes per article and the search-success measure (`?from=&to=`).",
                    feedback::report,
                )
            },
            RouteSpec {
                idempotency_key_required: true,
                request_schema: Some(schemas::QUESTION),
                ..person(
                    Method::Post,
                    "/api/v1/faq/questions",
                    "Ask the regional experts (\"Linea INPS\"): `{text, region, section?, search_id?}`; answers with the place in the queue.",
                    questions::submit,
                )
            },
            person(
                Method::Get,
                "/api/v1/faq/questions",
                "The caller's questions, with their place in the queue while they wait.",
                questions::list,
            ),
            person(
                Method::Get,
                "/api/v1/faq/questions/{id}",
                "One question: status, place in the queue, answer or appointment, history.",
                questions::get,
            ),
            RouteSpec {
                principals: OPERATOR,
                roles: EXPERT,
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/faq/queue",
                    "The questions waiting at the expert's desk, oldest first (`?claimed=mine` for the expert's own).",
                    experts::queue,
                )
            },
            expert(
                "/api/v1/faq/questions/{id}/claim",
                "Claim a waiting question.",
                experts::claim,
                None,
            ),
            expert(
                "/api/v1/faq/questions/{id}/answer",
                "Answer a question: `{text}`.",
                experts::answer,
                Some(schemas::ANSWER),
            ),
            expert(
                "/api/v1/faq/questions/{id}/forward",
                "Forward an exceptionally complex question to the central directorate: `{reason}`.",
                experts::forward,
                Some(schemas::FORWARD),
            ),
            expert(
                "/api/v1/faq/questions/{id}/appointment",
                "Book an appointment with an officer instead: `{at, office, channel}`.",
                experts::appointment,
                Some(schemas::APPOINTMENT),
            ),
        ],
    }
}

/// Whether an article exists (shipped or published), for [`feedback`], which reaches
/// [`articles`] only through here (and [`article_title`]): articles show their feedback, so the
/// two modules do not import each other.
fn article_exists(id: &str) -> Result<bool, welfare_guest::Problem> {
    articles::exists(id)
}

/// An article's title, for [`feedback`]'s reports.
fn article_title(id: &str) -> Result<Option<String>, welfare_guest::Problem> {
    articles::title(id)
}

struct Faq;

impl Guest for Faq {
    fn describe() -> Manifest {
        router().manifest()
    }

    fn handle(req: Request) -> Response {
        router().dispatch(req)
    }

    fn on_event(event: Event) -> Result<(), String> {
        Err(format!("faq does not subscribe to {}", event.topic))
    }

    fn summary(subject: String) -> Result<Option<Vec<u8>>, Error> {
        questions::summary(&subject)
    }
}

welfare_guest::bindings::export_domain!(Faq with_types_in welfare_guest::bindings);
