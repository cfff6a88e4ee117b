//! The income-support domain: NASpI (unemployment benefit) and, in a later issue, Assegno Unico.
//!
//! # Layout
//! - [`params`]: the yearly rule parameters (`params/<year>.toml`), each naming its circular.
//! - [`naspi`]: the NASpI rules as pure functions.
//! - [`input`]: request bodies and their validation into rule inputs.
//! - [`applications`]: submitting, listing and reading applications, with their history.
//! - [`schemas`]: JSON Schemas of the bodies, for the OpenAPI document.

mod applications;
mod input;
mod naspi;
mod params;
mod schemas;

use welfare_guest::bindings::exports::welfare::platform::domain::Guest;
use welfare_guest::bindings::welfare::platform::types::Error;
use welfare_guest::{
    Ctx, Event, HandlerResult, LevelOfAssurance, Manifest, Method, PrincipalKind, Request, Response,
};
use welfare_guest::{RouteSpec, Router, json};

/// Callers who may act for a citizen.
const FOR_CITIZEN: &[PrincipalKind] = &[PrincipalKind::Citizen, PrincipalKind::Intermediary];
/// Personal services need SPID/CIE level 2 or more.
const PERSONAL: Option<LevelOfAssurance> = Some(LevelOfAssurance::Substantial);
/// Any authenticated caller (simulations are about hypothetical people).
const AUTHENTICATED: &[PrincipalKind] = &[
    PrincipalKind::Citizen,
    PrincipalKind::Intermediary,
    PrincipalKind::Agency,
    PrincipalKind::Operator,
];

fn router() -> Router {
    Router {
        name: "income-support",
        version: env!("CARGO_PKG_VERSION"),
        subscriptions: &[],
        routes: vec![
            RouteSpec {
                principals: AUTHENTICATED,
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
                principals: FOR_CITIZEN,
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
                principals: FOR_CITIZEN,
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
                principals: FOR_CITIZEN,
                min_level: PERSONAL,
                response_schema: Some(schemas::APPLICATION),
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/income-support/applications/{id}",
                    "One application with its full status history.",
                    applications::get,
                )
            },
        ],
    }
}

fn simulate_naspi(ctx: &Ctx) -> HandlerResult {
    let (params, case) = input::naspi_simulation(ctx)?;
    Ok(json(200, &naspi::evaluate(&params.naspi, &case)))
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
        Err(format!(
            "income-support subscribes to nothing, yet got {}",
            event.topic
        ))
    }

    fn summary(subject: String) -> Result<Option<Vec<u8>>, Error> {
        applications::summary(&subject)
    }
}

welfare_guest::bindings::export_domain!(IncomeSupport with_types_in welfare_guest::bindings);
