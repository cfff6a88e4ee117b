//! Applications: submitted by a citizen (or an intermediary for them), or offered by the platform
//! after a life event and confirmed by the citizen; kept with the facts, the estimate the rules
//! gave, which facts the platform filled in, and a history of every status with who set it and
//! when.
//!
//! Keys:
//! - `applications/<fiscal code>/<id>`: the application; ids sort by creation time, so a
//!   listing is in submission order and its cursor is the last id seen;
//! - `index/<id>`: whose application an id is, for officers, who address applications by id;
//! - `queue/<id>`: submitted and not yet claimed (the officers' work queue, oldest first);
//! - `claims/<officer>/<id>`: claimed and not yet decided;
//! - `naspi-terminations/<fiscal code>/<termination date>`: the NASpI application for that loss
//!   of employment, so that a second one is refused (one loss of employment, one claim:
//!   D.Lgs. 22/2015 art. 6).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::http::from_value;
use welfare_guest::ids::{is_id, new_id};
use welfare_guest::reasons::Lang;
use welfare_guest::segments::Segments;
use welfare_guest::store::Doc;
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, Response, events, json_in, store};

use crate::assegno;
use crate::household;
use crate::input::{AssegnoFacts, NaspiFacts};
use crate::lifecycle::{Action, Status, Step};
use crate::naspi;
use crate::people;

pub const ID_PREFIX: &str = "app";
/// Published when an application enters the work queue.
pub const SUBMITTED: &str = "income-support.application-submitted";
/// Applications shown in the dossier summary.
const SUMMARY_LIMIT: u32 = 100;

/// The benefit applied for, its facts and what the rules gave at submission (the officer's
/// decision is final). Serialised as `benefit`, `details`, `estimate`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "benefit", rename_all = "kebab-case")]
pub enum Claim {
    Naspi {
        details: NaspiFacts,
        estimate: naspi::Outcome,
    },
    AssegnoUnico {
        details: AssegnoFacts,
        estimate: assegno::Outcome,
    },
}

impl Claim {
    pub fn benefit(&self) -> &'static str {
        match self {
            Claim::Naspi { .. } => "naspi",
            Claim::AssegnoUnico { .. } => "assegno-unico",
        }
    }

    /// Words the estimate's reasons and notes in `lang`.
    pub fn relabel(&mut self, lang: Lang) {
        match self {
            Claim::Naspi { estimate, .. } => estimate.relabel(lang),
            Claim::AssegnoUnico { estimate, .. } => estimate.relabel(lang),
        }
    }

    /// What one month pays (NASpI: the first month, before reductions).
    pub fn monthly_amount_cents(&self) -> i64 {
        match self {
            Claim::Naspi { estimate, .. } => estimate.monthly_amount_cents,
            Claim::AssegnoUnico { estimate, .. } => estimate.monthly_total_cents,
        }
    }
}

/// Where an offered application came from.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Offer {
    /// The life event that led to the offer.
    pub event_id: String,
    pub reason: String,
    /// The same offer made to the household's other parents: withdrawn when this one is
    /// confirmed, since a household applies once.
    #[serde(default)]
    pub siblings: Vec<Sibling>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Sibling {
    pub subject: String,
    pub id: String,
}

/// Why the platform closed an application or ended its payment, rather than an officer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClosureReason {
    /// The civil registry reported the claimant's death.
    Deceased,
}

impl ClosureReason {
    /// The code also written as the history step's reason.
    pub fn as_str(self) -> &'static str {
        match self {
            ClosureReason::Deceased => welfare_guest::life_events::DECEASED,
        }
    }
}

/// How an application was closed or its payment ended by the platform.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Closure {
    pub reason: ClosureReason,
    /// The day it took effect (the date of death): nothing is due for the days after it. A
    /// correction of the date by the registry moves it.
    pub effective_on: jiff::civil::Date,
    /// The life event that caused it.
    pub event_id: String,
}

/// An officer's decision.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Decision {
    pub outcome: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    #[serde(flatten)]
    pub claim: Claim,
    pub status: Status,
    pub subject: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_by: Option<String>,
    /// Fields the platform filled in from what it already knew.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub prefilled: Vec<String>,
    /// Where the platform's values come from, by field (pre-filled, or confirmed by the citizen
    /// giving the same value).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sources: BTreeMap<String, household::Source>,
    /// Values the citizen gave in place of the platform's, each with what the platform had.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<household::Correction>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<Offer>,
    /// The officer working on it, from claim to decision.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub decision: Option<Decision>,
    /// Set when the platform closed it or ended its payment (`closed`, `ended`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closure: Option<Closure>,
    pub history: Vec<Step>,
}

impl Application {
    /// Applies `action` by `by` at `at`, or answers 409 naming the status that forbids it.
    pub fn advance(
        &mut self,
        action: Action,
        by: &str,
        at: &str,
        reason: Option<String>,
    ) -> Result<Status, Problem> {
        let next = self.status.after(action).ok_or_else(|| {
            Problem::conflict("The application's status does not allow this.").with_detail(format!(
                "It is {}.",
                serde_json::to_string(&self.status).unwrap_or_default()
            ))
        })?;
        self.status = next;
        self.history.push(Step {
            status: next,
            at: at.into(),
            by: by.into(),
            reason,
        });
        Ok(next)
    }
}

/// An application as an answer carries it: its reasons worded in the reader's language.
pub fn answer(status: u16, mut app: Application, lang: Lang) -> Response {
    app.claim.relabel(lang);
    json_in(status, &app, lang)
}

pub fn key(subject: &str, id: &str) -> String {
    format!("applications/{subject}/{id}")
}

pub fn index_key(id: &str) -> String {
    format!("index/{id}")
}

pub fn queue_key(id: &str) -> String {
    format!("queue/{id}")
}

fn termination_key(subject: &str, termination_date: &str) -> String {
    format!("naspi-terminations/{subject}/{termination_date}")
}

/// Which application claims NASpI for a termination.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct TerminationClaim {
    application_id: String,
}

/// Records that `id` claims NASpI for the termination in `details`, or answers 409 naming the
/// application that already does. A withdrawn one no longer counts.
fn claim_termination(subject: &str, id: &str, details: &NaspiFacts) -> Result<(), Problem> {
    let date = details
        .termination_date
        .as_deref()
        .expect("a validated NASpI claim has its termination date");
    let claimed = termination_key(subject, date);
    let existing = store::get::<TerminationClaim>(&claimed)?;
    if let Some(doc) = &existing
        && let Some(other) = store::get::<Application>(&key(subject, &doc.value.application_id))?
        && other.value.status != Status::Withdrawn
    {
        return Err(Problem::new(
            409,
            "duplicate-application",
            "A NASpI application for this termination exists already.",
        )
        .with_detail(format!(
            "Application {} claims NASpI for the termination of {date}.",
            other.value.id
        ))
        .with_extension("existing_application", other.value.id.clone()));
    }
    store::put(
        &claimed,
        &TerminationClaim {
            application_id: id.into(),
        },
        existing.map(|d| d.version),
    )?;
    Ok(())
}

/// What the index, the queue and the claims hold: enough to find and list the application.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Pointer {
    pub subject: String,
    pub benefit: String,
    pub submitted_at: String,
}

/// Stores a new application (offered or submitted) with its index entry, and queues it and
/// publishes its submission when it is submitted.
pub fn create(app: &Application) -> Result<(), Problem> {
    store::create(&key(&app.subject, &app.id), app)?;
    store::create(
        &index_key(&app.id),
        &Pointer {
            subject: app.subject.clone(),
            benefit: app.claim.benefit().into(),
            submitted_at: app.created_at.clone(),
        },
    )?;
    if app.status == Status::Submitted {
        enqueue(app)?;
    }
    Ok(())
}

/// Puts a just-submitted application in the work queue and tells the other domains.
pub fn enqueue(app: &Application) -> Result<(), Problem> {
    let submitted_at = app.submitted_at.clone().unwrap_or_default();
    store::create(
        &queue_key(&app.id),
        &Pointer {
            subject: app.subject.clone(),
            benefit: app.claim.benefit().into(),
            submitted_at: submitted_at.clone(),
        },
    )?;
    events::publish(
        SUBMITTED,
        Some(&app.subject),
        &serde_json::json!({
            "application_id": app.id,
            "benefit": app.claim.benefit(),
            "submitted_at": submitted_at,
            "monthly_amount_cents": app.claim.monthly_amount_cents(),
        }),
    )?;
    Ok(())
}

/// The application `id` of `subject`, or 404 (also for ids this API never gave).
pub fn load(subject: &str, id: &str) -> Result<Doc<Application>, Problem> {
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("application"));
    }
    store::get::<Application>(&key(subject, id))?.ok_or_else(|| Problem::not_found("application"))
}

/// The application `id` whoever it belongs to (officers), or 404.
pub fn load_any(id: &str) -> Result<Doc<Application>, Problem> {
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("application"));
    }
    let pointer =
        store::get::<Pointer>(&index_key(id))?.ok_or_else(|| Problem::not_found("application"))?;
    load(&pointer.value.subject, id)
}

pub fn save(doc: &Doc<Application>) -> Result<(), Problem> {
    store::put(
        &key(&doc.value.subject, &doc.value.id),
        &doc.value,
        Some(doc.version),
    )?;
    Ok(())
}

/// The benefits one can apply for (`benefit` in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Benefit {
    Naspi,
    AssegnoUnico,
}

/// Reads `benefit` out of a body, leaving the rest for the benefit's own facts.
pub fn take_benefit(body: &mut serde_json::Value) -> Result<Benefit, Problem> {
    match body.as_object_mut().and_then(|o| o.remove("benefit")) {
        None => Err(Problem::invalid(vec![FieldError::new(
            "benefit",
            "is required",
        )])),
        Some(b) => from_value(b).map_err(|_| {
            Problem::invalid(vec![FieldError::new(
                "benefit",
                "must be one of: naspi, assegno-unico",
            )])
        }),
    }
}

/// What pre-filling did to an application's facts: the fields filled, where the platform's
/// values come from, and the citizen's corrections of them.
#[derive(Debug, Default)]
struct Prefilled {
    fields: Vec<String>,
    sources: BTreeMap<String, household::Source>,
    corrections: Vec<household::Correction>,
}

/// Evaluates the facts of `benefit` in `body`, after filling in what the platform knows.
fn evaluate(
    ctx: &Ctx,
    subject: &str,
    benefit: Benefit,
    body: serde_json::Value,
) -> Result<(Claim, Prefilled), Problem> {
    let known = household::Known::load(subject)?;
    let today = crate::input::today(ctx);
    match benefit {
        Benefit::Naspi => {
            let mut facts: NaspiFacts = from_value(body)?;
            if facts.year.is_some() {
                return Err(Problem::invalid(vec![FieldError::new(
                    "year",
                    "is set from the termination date in an application",
                )]));
            }
            let prefill = known.prefill_naspi(subject, &mut facts, today)?;
            let (params, case) = facts.validate(ctx, false)?;
            let estimate = naspi::evaluate(&params.naspi, &case, ctx.lang());
            // Both dates as the rules read them, so the termination names one key however it
            // was written.
            facts.termination_date = Some(case.termination_date.to_string());
            facts.claim_date = Some(case.claim_date.to_string());
            Ok((
                Claim::Naspi {
                    details: facts,
                    estimate,
                },
                Prefilled {
                    fields: prefill.filled,
                    sources: prefill.sources,
                    corrections: prefill.corrections,
                },
            ))
        }
        Benefit::AssegnoUnico => {
            let mut facts: AssegnoFacts = from_value(body)?;
            let fields = known.prefill_assegno(subject, &mut facts, today);
            let (params, household) = facts.validate(ctx)?;
            let estimate = assegno::evaluate(&params.assegno_unico, &household, ctx.lang());
            facts.reference_date = Some(household.reference_date.to_string());
            Ok((
                Claim::AssegnoUnico {
                    details: facts,
                    estimate,
                },
                Prefilled {
                    fields,
                    ..Prefilled::default()
                },
            ))
        }
    }
}

pub fn submit(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let (person, version) = people::load(&subject)?;
    if person.deceased.is_some() {
        return Err(Problem::deceased());
    }
    let mut body = ctx.json_value()?;
    let benefit = take_benefit(&mut body)?;
    let (claim, prefilled) = evaluate(ctx, &subject, benefit, body)?;
    // Written back unchanged, so that a death delivered meanwhile conflicts with this
    // submission rather than missing the application it creates (see `people`).
    people::save(&subject, &person, version)?;
    if let Claim::AssegnoUnico { details, .. } = &claim {
        household::Known::remember_declaration(&subject, details)?;
    }
    let now = ctx.req.received_at.clone();
    let id = new_id(ID_PREFIX);
    if let Claim::Naspi { details, .. } = &claim {
        claim_termination(&subject, &id, details)?;
    }
    let application = Application {
        id: id.clone(),
        claim,
        status: Status::Submitted,
        subject,
        created_at: now.clone(),
        submitted_at: Some(now.clone()),
        submitted_by: Some(ctx.actor()),
        prefilled: prefilled.fields,
        sources: prefilled.sources,
        corrections: prefilled.corrections,
        offer: None,
        claimed_by: None,
        decision: None,
        closure: None,
        history: vec![Step {
            status: Status::Submitted,
            at: now,
            by: ctx.actor(),
            reason: None,
        }],
    };
    create(&application)?;
    let mut response = answer(201, application, ctx.lang());
    response.headers.push((
        "location".into(),
        format!("/api/v1/income-support/applications/{id}"),
    ));
    Ok(response)
}

/// Optional corrections a citizen may make when confirming an offer.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct Confirmation {
    #[serde(default)]
    isee_cents: Option<i64>,
    #[serde(default)]
    both_parents_working: Option<bool>,
    #[serde(default)]
    widowed_parent_working: Option<bool>,
}

/// The citizen confirms an application the platform offered: it is submitted as it stands (or
/// with the ISEE and work status corrected), and the household's other offers are withdrawn.
pub fn confirm(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let mut doc = load(&subject, ctx.param("id"))?;
    let correction: Confirmation = if ctx.req.body.is_empty() {
        Confirmation::default()
    } else {
        ctx.json()?
    };
    let now = ctx.req.received_at.clone();
    let actor = ctx.actor();
    doc.value.advance(Action::Confirm, &actor, &now, None)?;
    if let Claim::AssegnoUnico { details, estimate } = &mut doc.value.claim {
        if correction.isee_cents.is_some()
            || correction.both_parents_working.is_some()
            || correction.widowed_parent_working.is_some()
        {
            if correction.isee_cents.is_some() {
                details.isee_cents = correction.isee_cents;
            }
            if correction.both_parents_working.is_some() {
                details.both_parents_working = correction.both_parents_working;
            }
            if correction.widowed_parent_working.is_some() {
                details.widowed_parent_working = correction.widowed_parent_working;
            }
            let (params, household) = details.validate(ctx)?;
            *estimate = assegno::evaluate(&params.assegno_unico, &household, ctx.lang());
            household::Known::remember_declaration(&subject, details)?;
        }
    }
    doc.value.submitted_at = Some(now.clone());
    doc.value.submitted_by = Some(actor);
    let siblings = doc
        .value
        .offer
        .as_ref()
        .map(|o| o.siblings.clone())
        .unwrap_or_default();
    for sibling in siblings {
        let mut other = load(&sibling.subject, &sibling.id)?;
        if other.value.status == Status::Offered {
            other.value.advance(
                Action::Withdraw,
                welfare_guest::http::SYSTEM,
                &now,
                Some("The household's application was confirmed by the other parent.".into()),
            )?;
            save(&other)?;
        }
    }
    save(&doc)?;
    enqueue(&doc.value)?;
    Ok(answer(200, doc.value, ctx.lang()))
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let doc = load(ctx.subject()?, ctx.param("id"))?;
    Ok(answer(200, doc.value, ctx.lang()))
}

/// One line of a listing.
#[derive(Serialize)]
pub struct Item<'a> {
    pub id: &'a str,
    pub benefit: &'a str,
    pub status: Status,
    pub created_at: &'a str,
    pub updated_at: &'a str,
    pub monthly_amount_cents: i64,
}

impl<'a> From<&'a Application> for Item<'a> {
    fn from(a: &'a Application) -> Self {
        Item {
            id: &a.id,
            benefit: a.claim.benefit(),
            status: a.status,
            created_at: &a.created_at,
            updated_at: a.history.last().map_or(&a.created_at, |s| &s.at),
            monthly_amount_cents: a.claim.monthly_amount_cents(),
        }
    }
}

/// What a listing reads of a stored application: an [`Item`]'s fields, everything else (the
/// facts, the payment schedule, the history's details) skipped unparsed. A whole
/// [`Application`] goes through serde's buffering of its flattened, tagged claim (the document
/// copied into an intermediate tree, which is cloned again for the nested tagged enums): in
/// the profile of a citizen listing ten applications, most of the component's time.
#[derive(Debug, Deserialize)]
struct Listed {
    id: String,
    benefit: String,
    status: Status,
    created_at: String,
    history: Vec<ListedStep>,
    estimate: ListedEstimate,
}

#[derive(Debug, Deserialize)]
struct ListedStep {
    at: String,
}

/// The monthly figure of either benefit's estimate ([`Claim::monthly_amount_cents`]).
#[derive(Debug, Deserialize)]
struct ListedEstimate {
    /// NASpI's.
    monthly_amount_cents: Option<i64>,
    /// Assegno Unico's.
    monthly_total_cents: Option<i64>,
}

impl<'a> From<&'a Listed> for Item<'a> {
    fn from(l: &'a Listed) -> Self {
        let monthly = match l.benefit.as_str() {
            "naspi" => l.estimate.monthly_amount_cents,
            _ => l.estimate.monthly_total_cents,
        };
        Item {
            id: &l.id,
            benefit: &l.benefit,
            status: l.status,
            created_at: &l.created_at,
            updated_at: l.history.last().map_or(&l.created_at, |s| &s.at),
            monthly_amount_cents: monthly.unwrap_or_default(),
        }
    }
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let limit = ctx.page_size()?;
    let prefix = key(subject, "");
    let after = ctx.cursor(&prefix, ID_PREFIX)?;
    let (docs, next) = store::list::<Listed>(&prefix, after.as_deref(), limit)?;
    let items: Vec<Item> = docs.iter().map(|(_, d)| Item::from(&d.value)).collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// Whether an application of `benefit` in `status` makes its claimant `assisted` (seed 003):
/// a benefit in payment; and NASpI from its approval, since the unemployed are assisted from
/// the day their benefit is granted, the start of payment being the agency's own step. A
/// payment that ended (`ended`) no longer assists anyone.
pub fn assists(benefit: &str, status: Status) -> bool {
    status == Status::Paid || (benefit == "naspi" && status == Status::Approved)
}

/// The segments this domain's data supports: only `assisted`.
fn segments(apps: &[Listed]) -> Segments {
    apps.iter()
        .filter(|a| assists(&a.benefit, a.status))
        .map(|_| welfare_guest::segments::ASSISTED)
        .collect()
}

/// The dossier section: applications, offers waiting for the citizen, benefits in payment, and
/// the segments they show. Read through [`Listed`], as a listing is: every figure it shows is an
/// item's.
pub fn summary(subject: &str) -> Result<Option<Vec<u8>>, Error> {
    let (docs, _) = store::list::<Listed>(&key(subject, ""), None, SUMMARY_LIMIT)
        .map_err(|e| Error::Other(format!("{e:?}")))?;
    if docs.is_empty() {
        return Ok(None);
    }
    let apps: Vec<Listed> = docs.into_iter().map(|(_, d)| d.value).collect();
    let applications: Vec<Item> = apps.iter().map(Item::from).collect();
    let offers: Vec<Item> = apps
        .iter()
        .filter(|a| a.status == Status::Offered)
        .map(Item::from)
        .collect();
    let in_payment: Vec<_> = apps
        .iter()
        .filter(|a| a.status == Status::Paid)
        .map(Item::from)
        .map(|i| serde_json::json!({ "application_id": i.id, "benefit": i.benefit, "monthly_amount_cents": i.monthly_amount_cents }))
        .collect();
    let body = serde_json::json!({
        "applications": applications,
        "offers": offers,
        "benefits_in_payment": in_payment,
        "segments": segments(&apps),
    });
    Ok(Some(
        serde_json::to_vec(&body).expect("serialising a summary"),
    ))
}

/// A NASpI application in `status` (a dismissal on 15 January 2026, claimed on the 20th, with
/// the rules' estimate), for the crate's unit tests.
#[cfg(test)]
pub(crate) fn sample_naspi(status: Status) -> Application {
    use crate::input::NaspiFacts;
    use crate::lifecycle::Step;
    use crate::naspi::{self, TerminationReason};
    use jiff::civil::Date;
    let params = crate::params::latest().unwrap();
    let estimate = naspi::evaluate(
        &params.naspi,
        &naspi::Case {
            termination_date: Date::constant(2026, 1, 15),
            claim_date: Date::constant(2026, 1, 20),
            reason: TerminationReason::Dismissal,
            wages_last_4_years_cents: 6_000_000,
            contribution_weeks_last_4_years: 200,
            age: 40,
            previous_resignation: None,
        },
        welfare_guest::reasons::Lang::It,
    );
    Application {
        id: "app_01jz0000000000000000000000".into(),
        claim: Claim::Naspi {
            details: NaspiFacts::default(),
            estimate,
        },
        status,
        subject: "RSSMRA85T10A562S".into(),
        created_at: "2026-01-20T10:00:00Z".into(),
        submitted_at: None,
        submitted_by: None,
        prefilled: Vec::new(),
        sources: Default::default(),
        corrections: Vec::new(),
        offer: None,
        claimed_by: (status == Status::InReview).then(|| "officer-1".into()),
        decision: None,
        closure: None,
        history: vec![Step {
            status,
            at: "2026-01-20T10:00:00Z".into(),
            by: "citizen:RSSMRA85T10A562S".into(),
            reason: None,
        }],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listing's line read from the stored document through [`Listed`] is the line the whole
    /// [`Application`] gives, for a NASpI application with a history of two steps.
    #[test]
    fn a_listing_reads_the_same_line_as_the_whole_application() {
        let mut application = sample_naspi(Status::Submitted);
        application.history.push(crate::lifecycle::Step {
            status: Status::Submitted,
            at: "2026-01-21T09:30:00Z".into(),
            by: "citizen:RSSMRA85T10A562S".into(),
            reason: None,
        });
        let stored = serde_json::to_vec(&application).unwrap();
        let listed: Listed = serde_json::from_slice(&stored).unwrap();
        let line = |item: Item| serde_json::to_value(item).unwrap();
        assert_eq!(line(Item::from(&listed)), line(Item::from(&application)));
        assert_eq!(
            line(Item::from(&listed))["updated_at"],
            "2026-01-21T09:30:00Z"
        );

        // Assegno Unico's monthly figure is its total; with no history the line is as old as
        // the application.
        let stored = r#"{"id":"app_2","benefit":"assegno-unico","status":"submitted",
            "created_at":"2026-02-01T08:00:00Z","history":[],
            "details":{"children":[]},"estimate":{"monthly_total_cents":3700,"children":[]}}"#;
        let listed: Listed = serde_json::from_str(stored).unwrap();
        let item = line(Item::from(&listed));
        assert_eq!(item["monthly_amount_cents"], 3700);
        assert_eq!(item["updated_at"], "2026-02-01T08:00:00Z");
        assert_eq!(item["benefit"], "assegno-unico");
    }

    #[test]
    fn who_is_assisted() {
        use Status::*;
        // (status, NASpI assists, Assegno Unico assists)
        let table = [
            (Offered, false, false),
            (Submitted, false, false),
            (InReview, false, false),
            (Approved, true, false),
            (Paid, true, true),
            (Rejected, false, false),
            (Withdrawn, false, false),
            (Closed, false, false),
            (Ended, false, false),
        ];
        for (status, naspi, assegno) in table {
            assert_eq!(assists("naspi", status), naspi, "naspi {status:?}");
            assert_eq!(
                assists("assegno-unico", status),
                assegno,
                "assegno-unico {status:?}"
            );
        }
    }
}
