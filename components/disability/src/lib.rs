//! The disability domain: civil-invalidity applications, medical-board visits and assessments,
//! the benefits that follow with the year's figures, and the status other agencies may verify.
//!
//! Data minimisation by design: the diagnosis and the assessment's medical details are stored
//! with the application and shown only on the citizen's own routes and to the board; the
//! `disability.assessed` event, the dossier's status and the interoperability endpoint carry
//! only what others may act on (recognised or not, which benefits, valid until, parking badge).
//!
//! # Layout
//! - [`params`]: the yearly figures (`params/<year>.toml`), each naming its circular.
//! - [`rules`]: which benefits an assessment gives, as pure functions.
//! - [`applications`]: submit, list, read, move the visit; the dossier and the public status.
//! - [`board`]: the medical board's agenda and assessments.

mod applications;
mod board;
mod params;
mod rules;

use serde::Deserialize;
use welfare_guest::audience::{ABOUT_A_PERSON, AGENCY, FOR_A_PERSON, OPERATOR, PERSONAL};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::bindings::exports::welfare::platform::domain::Guest;
use welfare_guest::{
    Ctx, Event, FieldError, HandlerResult, Manifest, Method, Problem, Request, Response, RouteSpec,
    Router, json, json_in,
};

const BOARD: &[&str] = &["medical-board"];

fn router() -> Router {
    let citizen = |method, path, summary, handler| RouteSpec {
        principals: FOR_A_PERSON,
        min_level: PERSONAL,
        ..RouteSpec::new(method, path, summary, handler)
    };
    let board = |method, path, summary, handler| RouteSpec {
        principals: OPERATOR,
        roles: BOARD,
        ..RouteSpec::new(method, path, summary, handler)
    };
    Router {
        name: "disability",
        version: env!("CARGO_PKG_VERSION"),
        subscriptions: &[],
        routes: vec![
            RouteSpec {
                principals: ABOUT_A_PERSON,
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/disability/benefits/simulations",
                    "The benefits an assessment would give: `{year, percentage, needs_attendance, age, income_cents, working}`.",
                    simulate,
                )
            },
            RouteSpec {
                idempotency_key_required: true,
                ..citizen(
                    Method::Post,
                    "/api/v1/disability/applications",
                    "Apply with the doctor's introductory certificate: `{certificate_protocol, certificate_date}`; a visit is booked.",
                    applications::submit,
                )
            },
            citizen(
                Method::Get,
                "/api/v1/disability/applications",
                "The citizen's applications, with visits, assessments and benefits.",
                applications::list,
            ),
            citizen(
                Method::Get,
                "/api/v1/disability/applications/{id}",
                "One application with its history.",
                applications::get,
            ),
            citizen(
                Method::Post,
                "/api/v1/disability/applications/{id}/visit",
                "Move the visit, once: `{date}`.",
                applications::reschedule,
            ),
            board(
                Method::Get,
                "/api/v1/disability/visits",
                "The board's agenda (`?board=&from=`), in date order, without medical details.",
                board::agenda,
            ),
            board(
                Method::Post,
                "/api/v1/disability/applications/{id}/assessment",
                "Record the board's assessment: `{percentage, handicap, needs_attendance, revision_date, diagnosis, income_cents, working}`.",
                board::assess,
            ),
            RouteSpec {
                principals: AGENCY,
                ..RouteSpec::new(
                    Method::Get,
                    "/interop/v1/disability-status/{fiscal_code}",
                    "For municipalities (parking badge): recognised or not, benefits, valid until; nothing medical.",
                    interop_status,
                )
            },
        ],
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Simulation {
    year: i16,
    percentage: u8,
    #[serde(default)]
    needs_attendance: bool,
    age: u32,
    income_cents: i64,
    #[serde(default)]
    working: bool,
}

fn simulate(ctx: &Ctx) -> HandlerResult {
    let s: Simulation = ctx.json()?;
    let mut errors = Vec::new();
    if s.percentage > 100 {
        errors.push(FieldError::new("percentage", "must be from 0 to 100"));
    }
    if s.age > 120 {
        errors.push(FieldError::new("age", "must be from 0 to 120"));
    }
    if s.income_cents < 0 {
        errors.push(FieldError::new("income_cents", "must not be negative"));
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let p = params::for_year(s.year)
        .ok_or_else(|| welfare_guest::yearly::not_supported(&params::years()))?;
    let case = rules::Case {
        percentage: s.percentage,
        needs_attendance: s.needs_attendance,
        age: s.age,
        income_cents: s.income_cents,
        working: s.working,
    };
    let lang = ctx.lang();
    Ok(json_in(200, &rules::evaluate(&p, &case, lang), lang))
}

fn interop_status(ctx: &Ctx) -> HandlerResult {
    let code = ctx.param("fiscal_code");
    let code = welfare_identity::FiscalCode::parse(code)
        .map_err(|e| Problem::invalid(vec![FieldError::new("fiscal_code", &e.to_string())]))?;
    let mut status = applications::status_of(code.as_str())?;
    status["fiscal_code"] = serde_json::json!(code.as_str());
    Ok(json(200, &status))
}

struct Disability;

impl Guest for Disability {
    fn describe() -> Manifest {
        router().manifest()
    }

    fn handle(req: Request) -> Response {
        router().dispatch(req)
    }

    fn on_event(event: Event) -> Result<(), String> {
        Err(format!("disability does not subscribe to {}", event.topic))
    }

    fn summary(subject: String) -> Result<Option<Vec<u8>>, Error> {
        applications::summary(&subject)
    }
}

welfare_guest::bindings::export_domain!(Disability with_types_in welfare_guest::bindings);
