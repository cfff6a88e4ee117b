//! The contributions domain: what workers have credited and what employers, artisans and
//! merchants owe.
//!
//! - Workers read their contribution statement (periods, weeks by year, gaps) and report an
//!   error, which becomes a task for a contributions officer.
//! - Companies (or their labour consultants) send monthly declarations, which credit their
//!   workers' statements and become payment notices; they ask for a DURC.
//! - Artisans and merchants owe fixed quarterly contributions.
//! - Every debt is a pagoPA notice; a debtor pays notices or spreads them over an instalment
//!   plan; the debt position, the DURC and the dossier all read the notices.
//!
//! # Layout
//! - [`params`]: the yearly figures (`params/<year>.toml`), each naming its circulars; rates
//!   that change within a year by effective date.
//! - [`month`]: the `YYYY-MM` period and the contribution calendar (weeks end on Saturdays).
//! - [`amortisation`]: the instalment schedule, exact to the cent (pure).
//! - [`notices`]: pagoPA notices (a leaf: what follows a settled notice goes through
//!   [`settled`], here).
//! - [`payments`]: recording a payment and what follows from it; the debt position.
//! - [`declarations`]: employers' monthly declarations and their corrections.
//! - [`earnings`]: the workers' months the record holds, published for other domains.
//! - [`statement`]: the worker's statement, from the credited months.
//! - [`reports`]: statement error reports and the officers' queue.
//! - [`fund`]: the self-employed funds (a leaf).
//! - [`self_employed`]: artisans' and merchants' positions and quarterly notices.
//! - [`sanctions`]: civil sanctions accrued on unpaid contributions (pure).
//! - [`durc`]: regularity requests (the dues verified, the tolerance with sanctions),
//!   invitations to regularise, the interop answer.
//! - [`plans`]: instalment plans, missed instalments, lapse.
//! - [`days`]: the daily sweep that drives dated work; [`sweep`]: what the sweeps share.
//! - [`summary`]: the dossier section of a person or a company.
//! - [`segments`]: seed 003's segments the summary derives, as pure rules.
//! - [`schemas`]: the request bodies' JSON Schemas for `/openapi.json`.

mod amortisation;
mod days;
mod declarations;
mod durc;
mod earnings;
mod fund;
mod month;
mod notices;
mod params;
mod payments;
mod plans;
mod reports;
mod sanctions;
mod schemas;
mod segments;
mod self_employed;
mod statement;
mod summary;
mod sweep;

use welfare_guest::audience::{AGENCY, AUTHENTICATED, OPERATOR, PERSONAL};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::bindings::exports::welfare::platform::domain::Guest;
use welfare_guest::{
    Event, Manifest, Method, PrincipalKind, Request, Response, RouteSpec, Router, SubjectKind,
};

/// Who a route serves: the principal kinds it admits and the kind of subject it is about.
type Audience = (&'static [PrincipalKind], SubjectKind);

/// A person's own data: citizens, or intermediaries for them.
const PERSON: Audience = (
    &[PrincipalKind::Citizen, PrincipalKind::Intermediary],
    SubjectKind::Person,
);
/// A company's own data: the company, or its labour consultant.
const COMPANY: Audience = (
    &[PrincipalKind::Company, PrincipalKind::Intermediary],
    SubjectKind::Company,
);
/// Debts: companies and self-employed persons alike, or their intermediaries.
const DEBTOR: Audience = (
    &[
        PrincipalKind::Company,
        PrincipalKind::Citizen,
        PrincipalKind::Intermediary,
    ],
    SubjectKind::Either,
);
const OFFICER: &[&str] = &["contributions-officer"];

fn router() -> Router {
    let route =
        |method, path: &'static str, (principals, subject): Audience, summary, handler| RouteSpec {
            principals,
            subject,
            min_level: PERSONAL,
            ..RouteSpec::new(method, path, summary, handler)
        };
    let creates = |spec: RouteSpec, schema: &'static str| RouteSpec {
        idempotency_key_required: true,
        request_schema: Some(schema),
        ..spec
    };
    let officer = |method, path, summary, handler| RouteSpec {
        principals: OPERATOR,
        roles: OFFICER,
        ..RouteSpec::new(method, path, summary, handler)
    };
    Router {
        name: "contributions",
        version: env!("CARGO_PKG_VERSION"),
        subscriptions: &[days::DAY_STARTED, days::DAY_CONTINUED],
        routes: vec![
            route(
                Method::Get,
                "/api/v1/contributions/statement",
                PERSON,
                "The contribution statement: periods, weeks by year and in total, gaps.",
                statement::get,
            ),
            creates(
                route(
                    Method::Post,
                    "/api/v1/contributions/statement/reports",
                    PERSON,
                    "Report an error in the statement: `{from, to, employer_vat?, message}`; it becomes an officer's task.",
                    reports::submit,
                ),
                schemas::REPORT,
            ),
            route(
                Method::Get,
                "/api/v1/contributions/statement/reports",
                PERSON,
                "The caller's statement reports and their resolutions.",
                reports::mine,
            ),
            route(
                Method::Get,
                "/api/v1/contributions/statement/reports/{id}",
                PERSON,
                "One statement report.",
                reports::get_mine,
            ),
            officer(
                Method::Get,
                "/api/v1/contributions/reports",
                "Open statement reports, oldest first.",
                reports::queue,
            ),
            RouteSpec {
                request_schema: Some(schemas::RESOLUTION),
                ..officer(
                    Method::Post,
                    "/api/v1/contributions/reports/{id}/resolution",
                    "Resolve a report: `{outcome: corrected|rejected, note, corrections[{month, employer_vat, taxable_cents, weeks?}]}`.",
                    reports::resolve,
                )
            },
            creates(
                route(
                    Method::Post,
                    "/api/v1/contributions/declarations",
                    COMPANY,
                    "A monthly declaration: `{period, company_name?, workers[{fiscal_code, taxable_cents, weeks?}]}`; issues the payment notice.",
                    declarations::submit,
                ),
                schemas::DECLARATION,
            ),
            route(
                Method::Get,
                "/api/v1/contributions/declarations",
                COMPANY,
                "The company's declarations, oldest month first.",
                declarations::list,
            ),
            route(
                Method::Get,
                "/api/v1/contributions/declarations/{period}",
                COMPANY,
                "One month's declaration.",
                declarations::get,
            ),
            RouteSpec {
                request_schema: Some(schemas::DECLARATION_CORRECTION),
                ..route(
                    Method::Put,
                    "/api/v1/contributions/declarations/{period}",
                    COMPANY,
                    "Correct a month's declaration: `{company_name?, workers[{fiscal_code, taxable_cents, weeks?}]}` replaces the worker lines; more due is a supplementary notice, less lowers the open notice.",
                    declarations::correct,
                )
            },
            RouteSpec {
                response_schema: Some(schemas::DEBT),
                ..route(
                    Method::Get,
                    "/api/v1/contributions/debt",
                    DEBTOR,
                    "The debt position: open and overdue amounts, open notices, instalment plans, regularity as a DURC today would find it.",
                    payments::debt,
                )
            },
            creates(
                route(
                    Method::Post,
                    "/api/v1/contributions/self-employment",
                    PERSON,
                    "Register as an artisan or a merchant: `{fund: artigiani|commercianti, start_date}`; issues the quarterly notices.",
                    self_employed::register,
                ),
                schemas::SELF_EMPLOYMENT,
            ),
            route(
                Method::Get,
                "/api/v1/contributions/self-employment",
                PERSON,
                "The artisan's or merchant's position and fixed-contribution notices.",
                self_employed::get,
            ),
            route(
                Method::Get,
                "/api/v1/contributions/payment-notices",
                DEBTOR,
                "pagoPA notices (`?status=open|paid|in-plan|cancelled|replaced`).",
                notices::list,
            ),
            creates(
                route(
                    Method::Post,
                    "/api/v1/contributions/payment-notices/{notice_number}/payment",
                    DEBTOR,
                    "Record a notice's pagoPA payment, in full: `{amount_cents, receipt_id?}`.",
                    payments::pay,
                ),
                schemas::PAYMENT,
            ),
            RouteSpec {
                idempotency_key_required: true,
                response_schema: Some(schemas::DURC),
                ..route(
                    Method::Post,
                    "/api/v1/contributions/durc",
                    COMPANY,
                    "Request a DURC: the payments due up to the last day of the second month before this one, with their sanctions, within €150; a still-valid one is returned; an irregular company is invited to regularise within 15 days.",
                    durc::request,
                )
            },
            RouteSpec {
                response_schema: Some(schemas::DURC),
                ..route(
                    Method::Get,
                    "/api/v1/contributions/durc/{id}",
                    COMPANY,
                    "One DURC request, what it verified and its outcome.",
                    durc::get,
                )
            },
            RouteSpec {
                principals: AUTHENTICATED,
                // A debt of either kind of debtor.
                subject: SubjectKind::Either,
                request_schema: Some(schemas::PLAN_SIMULATION),
                response_schema: Some(schemas::PLAN_SIMULATION_RESPONSE),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/contributions/instalment-plans/simulations",
                    "The schedule a debt would have, at the rate in force on the day: `{principal_cents, instalments, requested_on?, year?}`.",
                    plans::simulate,
                )
            },
            RouteSpec {
                response_schema: Some(schemas::PLAN_RESPONSE),
                ..creates(
                    route(
                        Method::Post,
                        "/api/v1/contributions/instalment-plans",
                        DEBTOR,
                        "Spread open notices over monthly instalments at the deferment rate in force today: `{instalments, notices?}`.",
                        plans::create,
                    ),
                    schemas::PLAN,
                )
            },
            route(
                Method::Get,
                "/api/v1/contributions/instalment-plans",
                DEBTOR,
                "The debtor's instalment plans.",
                plans::list,
            ),
            RouteSpec {
                response_schema: Some(schemas::PLAN_RESPONSE),
                ..route(
                    Method::Get,
                    "/api/v1/contributions/instalment-plans/{id}",
                    DEBTOR,
                    "One plan with its schedule.",
                    plans::get,
                )
            },
            RouteSpec {
                principals: AGENCY,
                subject: SubjectKind::Company,
                ..RouteSpec::new(
                    Method::Get,
                    "/interop/v1/durc/{vat_number}",
                    "For procurement offices: whether the company holds a valid DURC today.",
                    durc::interop,
                )
            },
        ],
    }
}

/// The setting that fixes the domain's calendar day (`[component_config.contributions] today =
/// "YYYY-MM-DD"`), for test and training environments only, like the gateway's
/// `clock.allow_future_days`: the DURC's cut-off and sanctions, the deferment rate of a plan,
/// the months that may be declared all depend on the day of the request, and a test or a
/// training session has to show a request made in December or on 4 February 2025 whatever the
/// clock says. Unset (production), the day is the one the gateway received the request on.
const TODAY_SETTING: &str = "today";

fn configured_today() -> Option<jiff::civil::Date> {
    let raw = welfare_guest::bindings::welfare::platform::config::get(TODAY_SETTING)
        .ok()
        .flatten()?;
    // A date that does not parse is a deployment mistake: trap (500) rather than run every
    // rule on the wrong day.
    Some(raw.parse().unwrap_or_else(|e| {
        panic!("[component_config.contributions] today = {raw:?} is not a YYYY-MM-DD date: {e}")
    }))
}

/// "Today" for every rule of a request: the configured day, else the day it was received.
pub fn today(ctx: &welfare_guest::Ctx) -> jiff::civil::Date {
    configured_today().unwrap_or_else(|| ctx.today())
}

/// "Today" outside a request (a dossier summary): the configured day, else the clock's.
pub fn today_now() -> jiff::civil::Date {
    configured_today().unwrap_or_else(welfare_guest::dates::today)
}

/// What follows when a notice is settled through something other than its own payment (a
/// completed plan, a lapsed plan's balance): a fixed contribution credits its months; a lapsed
/// plan's balance, spread over a second plan, pays the first plan's debts too. The one call
/// from [`notices`] back into the modules that issue notices, routed through the crate root so
/// that `notices` imports none of them.
fn settled(notice: &notices::Notice) -> Result<(), welfare_guest::Problem> {
    match notice.kind {
        notices::Kind::FixedContribution => self_employed::credit(notice),
        notices::Kind::PlanBalance => plans::balance_paid(notice),
        notices::Kind::Declaration | notices::Kind::Instalment => Ok(()),
    }
}

/// The subject when it is a company (a VAT number): some routes open to intermediaries are for
/// companies only; anyone else is refused with `why`.
fn company(ctx: &welfare_guest::Ctx, why: &str) -> Result<String, welfare_guest::Problem> {
    let subject = ctx.subject()?;
    welfare_identity::VatNumber::parse(subject)
        .map(|v| v.to_string())
        .map_err(|_| forbidden(why, "a company (a VAT number)"))
}

/// The subject when it is a person (a fiscal code); anyone else is refused with `why`.
fn person(ctx: &welfare_guest::Ctx, why: &str) -> Result<String, welfare_guest::Problem> {
    let subject = ctx.subject()?;
    welfare_identity::FiscalCode::parse(subject)
        .map(|c| c.to_string())
        .map_err(|_| forbidden(why, "a person (a fiscal code)"))
}

fn forbidden(why: &str, needs: &str) -> welfare_guest::Problem {
    welfare_guest::Problem::new(403, "forbidden", why)
        .with_detail(format!("This route is about {needs}."))
}

struct Contributions;

impl Guest for Contributions {
    fn describe() -> Manifest {
        router().manifest()
    }

    fn handle(req: Request) -> Response {
        router().dispatch(req)
    }

    fn on_event(event: Event) -> Result<(), String> {
        match event.topic.as_str() {
            days::DAY_STARTED | days::DAY_CONTINUED => days::on_day(&event),
            other => Err(format!("contributions does not subscribe to {other}")),
        }
    }

    fn summary(subject: String) -> Result<Option<Vec<u8>>, Error> {
        summary::of(&subject)
    }
}

welfare_guest::bindings::export_domain!(Contributions with_types_in welfare_guest::bindings);
