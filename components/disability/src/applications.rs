//! Civil-invalidity applications: submitted by the citizen (or a patronato for them) with the
//! family doctor's introductory certificate; a medical-board visit is scheduled at once and may
//! be moved once; the board's assessment and the benefits that follow are kept with it.
//!
//! Keys:
//! - `applications/<fiscal code>/<id>`: the application, medical details included;
//! - `index/<id>`: whose application an id is, for the board;
//! - `visits/<board>/<date>/<id>`: the boards' agendas, in date order.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::bindings::welfare::platform::config;
use welfare_guest::ids::{is_id, new_id};
use welfare_guest::reasons::Lang;
use welfare_guest::segments::Segments;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, Response, json_in};

use crate::rules;

pub const ID_PREFIX: &str = "dis";
/// Days from submission to the first visit offered.
const VISIT_LEAD_DAYS: i64 = 30;
/// A visit can be moved to at most this many days ahead.
const RESCHEDULE_WINDOW_DAYS: i64 = 90;
/// The introductory certificate is valid this many days (L. 102/2009 art. 20).
const CERTIFICATE_VALID_DAYS: i64 = 90;
/// The board visits are booked with, unless the deployment configures `board`.
const DEFAULT_BOARD: &str = "CML-ROMA";
/// Applications shown in the dossier summary.
const SUMMARY_LIMIT: u32 = 50;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    VisitScheduled,
    Assessed,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Visit {
    pub date: String,
    pub board: String,
    /// A visit may be moved once.
    pub rescheduled: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Handicap {
    None,
    Art3c1,
    Art3c3,
}

/// The board's assessment: medical data, shown to the citizen and the board only.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assessment {
    pub percentage: u8,
    pub handicap: Handicap,
    pub needs_attendance: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revision_date: Option<String>,
    pub diagnosis: String,
    pub income_cents: i64,
    pub working: bool,
    pub age: u32,
    pub assessed_at: String,
    pub assessed_by: String,
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
pub struct Application {
    pub id: String,
    pub subject: String,
    pub status: Status,
    pub certificate_protocol: String,
    pub certificate_date: String,
    pub submitted_at: String,
    pub submitted_by: String,
    pub visit: Visit,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assessment: Option<Assessment>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<rules::Outcome>,
    pub history: Vec<Step>,
}

/// What other agencies and the board's agenda may see: no medical detail.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pointer {
    pub subject: String,
    pub application_id: String,
}

pub fn key(subject: &str, id: &str) -> String {
    format!("applications/{subject}/{id}")
}

pub fn visit_key(board: &str, date: &str, id: &str) -> String {
    format!("visits/{board}/{date}/{id}")
}

fn board() -> String {
    config::get("board")
        .ok()
        .flatten()
        .unwrap_or_else(|| DEFAULT_BOARD.into())
}

/// The certificate protocol: the year it was issued (4 digits) and an 11-digit sequence.
pub fn valid_protocol(raw: &str) -> bool {
    raw.len() == 15
        && raw.bytes().all(|b| b.is_ascii_digit())
        && raw[..4]
            .parse::<u32>()
            .is_ok_and(|y| (2000..=2100).contains(&y))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Submission {
    certificate_protocol: String,
    certificate_date: String,
}

pub fn submit(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let body: Submission = ctx.json()?;
    let today = ctx.today();
    let mut errors = Vec::new();
    if !valid_protocol(&body.certificate_protocol) {
        errors.push(FieldError::new(
            "certificate_protocol",
            "must be the certificate's 15-digit protocol number (year of issue, then 11 digits)",
        ));
    }
    let certificate_date = body.certificate_date.parse::<Date>().ok();
    match certificate_date {
        None => errors.push(FieldError::new(
            "certificate_date",
            "must be a date as YYYY-MM-DD",
        )),
        Some(d) if d > today => errors.push(FieldError::new(
            "certificate_date",
            "must not be in the future",
        )),
        _ => {}
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let certificate_date = certificate_date.expect("validated");
    let expires = certificate_date + jiff::Span::new().days(CERTIFICATE_VALID_DAYS);
    if today > expires {
        return Err(Problem::new(
            422,
            "certificate-expired",
            "The introductory certificate has expired.",
        )
        .with_detail(format!(
            "A certificate is valid {CERTIFICATE_VALID_DAYS} days; this one expired on {expires}. Ask the family doctor for a new one."
        )));
    }
    let id = new_id(ID_PREFIX);
    let visit = Visit {
        date: (today + jiff::Span::new().days(VISIT_LEAD_DAYS)).to_string(),
        board: board(),
        rescheduled: false,
    };
    let now = ctx.req.received_at.clone();
    let application = Application {
        id: id.clone(),
        subject: subject.clone(),
        status: Status::VisitScheduled,
        certificate_protocol: body.certificate_protocol,
        certificate_date: certificate_date.to_string(),
        submitted_at: now.clone(),
        submitted_by: ctx.actor(),
        visit: visit.clone(),
        assessment: None,
        outcome: None,
        history: vec![Step {
            status: Status::VisitScheduled,
            at: now,
            by: ctx.actor(),
            note: Some(format!("Visit on {} at {}.", visit.date, visit.board)),
        }],
    };
    let pointer = Pointer {
        subject: subject.clone(),
        application_id: id.clone(),
    };
    store::create(&key(&subject, &id), &application)?;
    store::create(&format!("index/{id}"), &pointer)?;
    store::create(&visit_key(&visit.board, &visit.date, &id), &pointer)?;
    let mut response = answer(201, application, ctx.lang());
    response.headers.push((
        "location".into(),
        format!("/api/v1/disability/applications/{id}"),
    ));
    Ok(response)
}

pub fn load(subject: &str, id: &str) -> Result<Doc<Application>, Problem> {
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("application"));
    }
    store::get::<Application>(&key(subject, id))?.ok_or_else(|| Problem::not_found("application"))
}

pub fn load_any(id: &str) -> Result<Doc<Application>, Problem> {
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("application"));
    }
    let pointer = store::get::<Pointer>(&format!("index/{id}"))?
        .ok_or_else(|| Problem::not_found("application"))?;
    load(&pointer.value.subject, id)
}

/// An application as an answer carries it: its outcome's reasons worded in the reader's language.
pub fn answer(status: u16, mut app: Application, lang: Lang) -> Response {
    if let Some(outcome) = &mut app.outcome {
        outcome.relabel(lang);
    }
    json_in(status, &app, lang)
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    Ok(answer(
        200,
        load(ctx.subject()?, ctx.param("id"))?.value,
        ctx.lang(),
    ))
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let limit = ctx.page_size()?;
    let prefix = key(subject, "");
    let after = ctx.cursor(&prefix, ID_PREFIX)?;
    let (docs, next) = store::list::<Application>(&prefix, after.as_deref(), limit)?;
    let items: Vec<&Application> = docs.iter().map(|(_, d)| &d.value).collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Reschedule {
    date: String,
}

/// `POST /applications/{id}/visit`: moves the visit, once, to a day from tomorrow on.
pub fn reschedule(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let body: Reschedule = ctx.json()?;
    let today = ctx.today();
    let latest = today + jiff::Span::new().days(RESCHEDULE_WINDOW_DAYS);
    let date = match body.date.parse::<Date>() {
        Ok(d) if d > today && d <= latest => d,
        _ => {
            return Err(Problem::invalid(vec![FieldError::new(
                "date",
                &format!("must be a date (YYYY-MM-DD) from tomorrow to {latest}"),
            )]));
        }
    };
    let mut doc = load(&subject, ctx.param("id"))?;
    if doc.value.status != Status::VisitScheduled {
        return Err(Problem::conflict("The visit has already taken place."));
    }
    if doc.value.visit.rescheduled {
        return Err(Problem::conflict("A visit can be moved only once.")
            .with_detail(format!("It stays on {}.", doc.value.visit.date)));
    }
    let id = doc.value.id.clone();
    let old = visit_key(&doc.value.visit.board, &doc.value.visit.date, &id);
    if let Some(entry) = store::get::<Pointer>(&old)? {
        store::delete(&old, entry.version)?;
    }
    doc.value.visit.date = date.to_string();
    doc.value.visit.rescheduled = true;
    store::create(
        &visit_key(&doc.value.visit.board, &doc.value.visit.date, &id),
        &Pointer {
            subject: subject.clone(),
            application_id: id.clone(),
        },
    )?;
    doc.value.history.push(Step {
        status: Status::VisitScheduled,
        at: ctx.req.received_at.clone(),
        by: ctx.actor(),
        note: Some(format!("Visit moved to {date}.")),
    });
    store::put(&key(&subject, &id), &doc.value, Some(doc.version))?;
    Ok(answer(200, doc.value, ctx.lang()))
}

/// What agencies may know of a person's status: recognised or not, which benefits, until when.
pub fn status_of(subject: &str) -> Result<serde_json::Value, Problem> {
    let (docs, _) = store::list::<Application>(&key(subject, ""), None, SUMMARY_LIMIT)?;
    Ok(status(latest_assessed(docs.iter().map(|(_, d)| &d.value))))
}

/// The latest assessed application of `apps` (in submission order, as listed): it is the one
/// that counts, since a revision replaces the assessment before it.
fn latest_assessed<'a>(
    apps: impl DoubleEndedIterator<Item = &'a Application>,
) -> Option<&'a Application> {
    apps.rev().find(|a| a.status == Status::Assessed)
}

/// The status the `latest` assessment gives; none yet is not recognised.
fn status(latest: Option<&Application>) -> serde_json::Value {
    match latest {
        None => {
            serde_json::json!({ "recognised": false, "benefits": [], "valid_until": null, "parking_badge": false })
        }
        Some(a) => public_status(a),
    }
}

/// The non-medical status that an assessment gives: for events and other agencies.
pub fn public_status(a: &Application) -> serde_json::Value {
    let outcome = a.outcome.as_ref();
    let assessment = a.assessment.as_ref();
    serde_json::json!({
        "recognised": outcome.is_some_and(|o| o.recognised),
        "benefits": outcome.map(|o| o.benefits.iter().map(|b| b.kind).collect::<Vec<_>>()).unwrap_or_default(),
        "valid_until": assessment.and_then(|x| x.revision_date.clone()),
        "parking_badge": assessment.is_some_and(|x| x.needs_attendance),
    })
}

/// The segments the latest assessment supports: `assisted` when it recognised the invalid
/// status and gave at least one benefit (seed 003: "a recognised disability with benefits"). A
/// status recognised with nothing to pay, or a visit still to come, assists nobody yet; the
/// latest assessment counts, as for the status other agencies see, since a revision replaces
/// the one before.
pub fn segments(latest: Option<&rules::Outcome>) -> Segments {
    latest
        .filter(|o| o.recognised && !o.benefits.is_empty())
        .map(|_| welfare_guest::segments::ASSISTED)
        .into_iter()
        .collect()
}

/// The dossier section: applications, the next visit, the status and benefits, and the
/// segments they show.
pub fn summary(subject: &str) -> Result<Option<Vec<u8>>, Error> {
    let (docs, _) = store::list::<Application>(&key(subject, ""), None, SUMMARY_LIMIT)
        .map_err(|e| Error::Other(format!("{e:?}")))?;
    if docs.is_empty() {
        return Ok(None);
    }
    let applications: Vec<_> = docs
        .iter()
        .map(|(_, d)| {
            let a = &d.value;
            serde_json::json!({
                "id": a.id,
                "status": a.status,
                "visit": (a.status == Status::VisitScheduled).then_some(&a.visit),
                "benefits": a.outcome.as_ref().map(|o| &o.benefits),
            })
        })
        .collect();
    let latest = latest_assessed(docs.iter().map(|(_, d)| &d.value));
    let body = serde_json::json!({
        "applications": applications,
        "status": status(latest),
        "segments": segments(latest.and_then(|a| a.outcome.as_ref())),
    });
    Ok(Some(
        serde_json::to_vec(&body).expect("serialising a summary"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_is_assisted() {
        let p = crate::params::for_year(2026).unwrap();
        // (percentage, needs attendance, age, income €, working, assisted)
        let table = [
            // 100 % needing attendance: the indennità di accompagnamento.
            (100, true, 70, 50_000, false, true),
            // 80 %, not working, low income: the assegno mensile.
            (80, false, 40, 3_000, false, true),
            // 80 % and working, income under the limit: the assegno mensile all the same
            // (L. 215/2021 art. 12-ter).
            (80, false, 40, 3_000, true, true),
            // 80 % and working, income over the 2026 limit of €5,852.21: nothing to pay.
            (80, false, 40, 6_000, true, false),
            // 50 %: recognised, no benefit at that percentage.
            (50, false, 40, 0, false, false),
            // 20 %: not recognised.
            (20, false, 40, 0, false, false),
            // A minor at 50 %: the indennità di frequenza.
            (50, false, 10, 0, false, true),
        ];
        for (percentage, needs_attendance, age, income, working, assisted) in table {
            let outcome = rules::evaluate(
                &p,
                &rules::Case {
                    percentage,
                    needs_attendance,
                    age,
                    income_cents: income * 100,
                    working,
                },
                welfare_guest::reasons::Lang::It,
            );
            let expected: Segments = if assisted {
                [welfare_guest::segments::ASSISTED].into()
            } else {
                Segments::new()
            };
            assert_eq!(
                segments(Some(&outcome)),
                expected,
                "{percentage} % at {age}: {outcome:?}"
            );
        }
        assert_eq!(segments(None), Segments::new(), "no assessment yet");
    }

    fn application(id: &str, status: Status) -> Application {
        Application {
            id: id.into(),
            subject: "RSSMRA85T10A562S".into(),
            status,
            certificate_protocol: "202600000000001".into(),
            certificate_date: "2026-01-10".into(),
            submitted_at: "2026-01-12T09:00:00Z".into(),
            submitted_by: "citizen:RSSMRA85T10A562S".into(),
            visit: Visit {
                date: "2026-02-11".into(),
                board: DEFAULT_BOARD.into(),
                rescheduled: false,
            },
            assessment: None,
            outcome: None,
            history: Vec::new(),
        }
    }

    #[test]
    fn the_latest_assessment_counts() {
        use Status::*;
        let apps = [
            application("dis_1", Assessed),
            application("dis_2", Assessed),
            // A revision whose visit is still to come: the assessment before it stands.
            application("dis_3", VisitScheduled),
        ];
        let latest = latest_assessed(apps.iter()).map(|a| a.id.as_str());
        assert_eq!(latest, Some("dis_2"));
        assert_eq!(latest_assessed(apps[2..].iter()).map(|a| &a.id), None);
        assert_eq!(status(None)["recognised"], false);
    }
}
