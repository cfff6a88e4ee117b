//! The income-support domain: NASpI (unemployment benefit) and Assegno Unico (child benefit).
//!
//! # Layout
//! - [`params`]: the yearly rule parameters (`params/<year>.toml`), each naming its circular,
//!   and the chain of indexations of the Assegno Unico tables (`params/assegno-unico-tables.toml`).
//! - [`naspi`], [`assegno`]: the rules as pure functions; [`tables`]: the Assegno Unico's ISEE
//!   tables, the decree's indexed year by year.
//! - [`input`]: request bodies and their validation into rule inputs.
//! - [`lifecycle`]: an application's statuses and the only moves between them.
//! - [`applications`]: submitting, confirming, listing and reading applications; the dossier.
//! - [`household`]: what the platform knows about a citizen, to pre-fill applications.
//! - [`earnings`]: the contribution record as income support keeps it from the contributions
//!   domain's events, for NASpI's wages and weeks.
//! - [`officers`]: the work queue, claims, decisions and payments.
//! - [`offers`]: a registered birth becomes a pre-filled application the parents confirm.
//! - [`deaths`]: a registered death closes the deceased's applications and ends benefits.
//! - [`people`]: per person, the registry's word of their death, and the guard that keeps
//!   new work away from the dead.
//! - [`schemas`]: JSON Schemas of the bodies, for the OpenAPI document.

mod applications;
mod assegno;
mod deaths;
mod earnings;
mod household;
mod input;
mod lifecycle;
mod naspi;
mod offers;
mod officers;
mod params;
mod people;
mod schemas;
mod tables;

use welfare_guest::audience::{ABOUT_A_PERSON, FOR_A_PERSON, OPERATOR, PERSONAL};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::bindings::exports::welfare::platform::domain::Guest;
use welfare_guest::life_events;
use welfare_guest::{Ctx, Event, HandlerResult, Manifest, Method, Request, Response};
use welfare_guest::{RouteSpec, Router, json_in};

/// The officers who decide applications.
const OFFICERS: &[&str] = &["income-support-officer"];

fn router() -> Router {
    Router {
        name: "income-support",
        version: env!("CARGO_PKG_VERSION"),
        subscriptions: &[life_events::BIRTH, life_events::DEATH, earnings::RECORDED],
        routes: vec![
            RouteSpec {
                principals: ABOUT_A_PERSON,
                request_schema: Some(schemas::NASPI_SIMULATION_REQUEST),
                response_schema: Some(schemas::NASPI_SIMULATION_RESPONSE),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/naspi/simulations",
                    "Simulate NASpI: eligibility, amount, duration and monthly schedule.",
                    simulate_naspi,
                )
            },
            RouteSpec {
                principals: ABOUT_A_PERSON,
                request_schema: Some(schemas::ASSEGNO_SIMULATION_REQUEST),
                response_schema: Some(schemas::ASSEGNO_SIMULATION_RESPONSE),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/assegno-unico/simulations",
                    "Simulate Assegno Unico: the amount per child with every supplement.",
                    simulate_assegno,
                )
            },
            RouteSpec {
                principals: FOR_A_PERSON,
                min_level: PERSONAL,
                response_schema: Some(schemas::DRAFT),
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/income-support/drafts/{benefit}",
                    "An application as the platform would pre-fill it (`naspi`, `assegno-unico`); for NASpI, `?termination_date=` (today by default), `claim_date=` and `termination_reason=` (then with its estimate).",
                    household::draft,
                )
            },
            RouteSpec {
                principals: FOR_A_PERSON,
                min_level: PERSONAL,
                idempotency_key_required: true,
                request_schema: Some(schemas::APPLICATION_REQUEST),
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/applications",
                    "Submit an application.",
                    applications::submit,
                )
            },
            RouteSpec {
                principals: FOR_A_PERSON,
                min_level: PERSONAL,
                response_schema: Some(schemas::APPLICATION_LIST),
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/income-support/applications",
                    "The citizen's applications, newest last (`?cursor=&limit=`).",
                    applications::list,
                )
            },
            RouteSpec {
                principals: FOR_A_PERSON,
                min_level: PERSONAL,
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/income-support/applications/{id}",
                    "One application with its full status history.",
                    applications::get,
                )
            },
            RouteSpec {
                principals: FOR_A_PERSON,
                min_level: PERSONAL,
                request_schema: Some(schemas::CONFIRMATION),
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/applications/{id}/confirm",
                    "Confirm an application the platform offered (optionally correcting ISEE and work status).",
                    applications::confirm,
                )
            },
            RouteSpec {
                principals: OPERATOR,
                roles: OFFICERS,
                response_schema: Some(schemas::QUEUE),
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/income-support/queue",
                    "Submitted applications waiting for an officer, oldest first (`?claimed=mine`, `?cursor=&limit=`).",
                    officers::queue,
                )
            },
            RouteSpec {
                principals: OPERATOR,
                roles: OFFICERS,
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/applications/{id}/claim",
                    "Claim a submitted application: it leaves the queue and is in review.",
                    officers::claim,
                )
            },
            RouteSpec {
                principals: OPERATOR,
                roles: OFFICERS,
                request_schema: Some(schemas::DECISION),
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/applications/{id}/decision",
                    "Approve or reject (with a reason) an application you claimed.",
                    officers::decide,
                )
            },
            RouteSpec {
                principals: OPERATOR,
                roles: OFFICERS,
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/income-support/applications/{id}/payment",
                    "Record that payment of an approved application has started.",
                    officers::pay,
                )
            },
        ],
    }
}

fn simulate_naspi(ctx: &Ctx) -> HandlerResult {
    let (params, case) = input::naspi_simulation(ctx)?;
    let lang = ctx.lang();
    Ok(json_in(
        200,
        &naspi::evaluate(&params.naspi, &case, lang),
        lang,
    ))
}

fn simulate_assegno(ctx: &Ctx) -> HandlerResult {
    let (params, household) = input::assegno_simulation(ctx)?;
    let lang = ctx.lang();
    Ok(json_in(
        200,
        &assegno::evaluate(&params.assegno_unico, &household, lang),
        lang,
    ))
}

struct IncomeSupport;

impl Guest for IncomeSupport {
    fn describe() -> Manifest {
        router().manifest()
    }

    fn handle(req: Request) -> Response {
        router().dispatch(req)
    }

    fn on_event(event: Event) -> Result<(), String> {
        match event.topic.as_str() {
            life_events::BIRTH => offers::on_birth(&event),
            life_events::DEATH => deaths::on_death(&event),
            earnings::RECORDED => earnings::on_recorded(&event),
            other => Err(format!("income-support does not subscribe to {other}")),
        }
    }

    fn summary(subject: String) -> Result<Option<Vec<u8>>, Error> {
        applications::summary(&subject)
    }
}

welfare_guest::bindings::export_domain!(IncomeSupport with_types_in welfare_guest::bindings);
