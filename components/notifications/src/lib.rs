//! The notifications domain: proactive messages on the channel each person prefers.
//!
//! - The other domains' events become Italian messages (`catalogue`), kept in the person's app
//!   inbox and, per their preferences, sent by e-mail, SMS or push. The gateway's channel
//!   adapters send (this component has no network); each attempt's outcome comes back as an
//!   event, and the delivery policy retries, falls back to the next channel, and keeps out of
//!   quiet hours. Event delivery is processed once per event, so no event makes two messages.
//! - Campaigns send one message to a segment at a rate inside daily windows, and report seed
//!   000's figures.
//! - A citizen can ask to be called back: a task in the contact centre's queue.
//!
//! # Layout
//! - [`local`]: Italian local time, quiet hours and sending windows.
//! - [`template`]: message content and its rules (lengths, limited markdown, payment data).
//! - [`catalogue`]: the message each subscribed event leads to.
//! - [`recipients`]: preferences, contacts, learned categories; channels and services.
//! - [`preferences`]: the preference routes and contact verification.
//! - [`messages`]: the inbox.
//! - [`delivery`]: attempts, retries, fallback, reports.
//! - [`campaigns`]: planning in batches, progress, the report; its contacts, their counts and
//!   seed 000's figures in `campaigns::counts`.
//! - [`callbacks`]: call-back requests and the contact centre's queue.
//! - [`civil_registry`]: the civil registry's deaths and changes of residence.
//! - [`people`]: the per-person guard that keeps new messages and call-backs from the dead.
//! - [`schemas`]: request bodies' JSON Schemas for `/openapi.json`.

mod callbacks;
mod campaigns;
mod catalogue;
mod civil_registry;
mod delivery;
mod local;
mod messages;
mod people;
mod preferences;
mod recipients;
mod schemas;
mod template;

use jiff::Timestamp;
use welfare_guest::audience::{OPERATOR, PERSONAL};
use welfare_guest::bindings::exports::welfare::platform::domain::Error;
use welfare_guest::bindings::exports::welfare::platform::domain::Guest;
use welfare_guest::life_events;
use welfare_guest::{
    Event, Manifest, Method, PrincipalKind, Problem, Request, Response, RouteSpec, Router,
    SubjectKind,
};

/// A person's own messages and settings: citizens (SPID L2+) and companies for themselves.
const OWNER: &[PrincipalKind] = &[PrincipalKind::Citizen, PrincipalKind::Company];
const CITIZEN: &[PrincipalKind] = &[PrincipalKind::Citizen];
const CAMPAIGN_MANAGER: &[&str] = &["campaign-manager"];
const CONTACT_CENTRE: &[&str] = &["contact-centre"];

/// Every topic this component subscribes to.
const SUBSCRIPTIONS: &[&str] = &[
    delivery::REPORTED,
    campaigns::BATCH,
    life_events::DEATH,
    life_events::RESIDENCE_CHANGED,
    "income-support.benefit-offered",
    "income-support.application-decided",
    "income-support.payment-started",
    "disability.assessed",
    "contributions.notice-issued",
    "contributions.instalment-missed",
    "contributions.instalment-plan-lapsed",
    "contributions.regularisation-invited",
    "contributions.durc-irregular",
    "contributions.statement-report-resolved",
    "faq.question-answered",
    "faq.appointment-booked",
];

fn router() -> Router {
    let own = |method, path, summary, handler| RouteSpec {
        principals: OWNER,
        // People and companies alike receive messages.
        subject: SubjectKind::Either,
        min_level: PERSONAL,
        ..RouteSpec::new(method, path, summary, handler)
    };
    let manager = |method, path, summary, handler| RouteSpec {
        principals: OPERATOR,
        roles: CAMPAIGN_MANAGER,
        ..RouteSpec::new(method, path, summary, handler)
    };
    let centre = |method, path, summary, handler| RouteSpec {
        principals: OPERATOR,
        roles: CONTACT_CENTRE,
        ..RouteSpec::new(method, path, summary, handler)
    };
    Router {
        name: "notifications",
        version: env!("CARGO_PKG_VERSION"),
        subscriptions: SUBSCRIPTIONS,
        routes: vec![
            own(
                Method::Get,
                "/api/v1/notifications/inbox",
                "The inbox, newest first (`?cursor=&limit=&unread=true`): content, due date, payment data, delivery on each channel.",
                messages::list,
            ),
            own(
                Method::Get,
                "/api/v1/notifications/inbox/{id}",
                "One message with its delivery status on each channel.",
                messages::get,
            ),
            own(
                Method::Post,
                "/api/v1/notifications/inbox/{id}/read",
                "Mark a message read (the first reading time is kept).",
                messages::read,
            ),
            own(
                Method::Get,
                "/api/v1/notifications/preferences",
                "Preferred channel, per-service opt-outs, quiet hours, region, contacts and whether each is verified (ETag).",
                preferences::get,
            ),
            RouteSpec {
                request_schema: Some(schemas::PREFERENCES),
                ..own(
                    Method::Put,
                    "/api/v1/notifications/preferences",
                    "Replace the preferences (`If-Match` optional); a new e-mail address or phone number gets a verification code.",
                    preferences::put,
                )
            },
            RouteSpec {
                request_schema: Some(schemas::VERIFICATION),
                ..own(
                    Method::Post,
                    "/api/v1/notifications/preferences/verification",
                    "`{channel: email|sms, code}`: prove a new contact is yours.",
                    preferences::verify,
                )
            },
            RouteSpec {
                principals: CITIZEN,
                min_level: PERSONAL,
                idempotency_key_required: true,
                request_schema: Some(schemas::CALLBACK),
                ..RouteSpec::new(
                    Method::Post,
                    "/api/v1/notifications/callbacks",
                    "Ask to be called back (`{service, phone?, note?, preferred_slot?}`): a task for the contact centre.",
                    callbacks::create,
                )
            },
            RouteSpec {
                principals: CITIZEN,
                min_level: PERSONAL,
                ..RouteSpec::new(
                    Method::Get,
                    "/api/v1/notifications/callbacks",
                    "Your call-back requests and how they went.",
                    callbacks::list_own,
                )
            },
            centre(
                Method::Get,
                "/api/v1/notifications/contact-centre/tasks",
                "Open call-back tasks, oldest first.",
                callbacks::queue,
            ),
            RouteSpec {
                request_schema: Some(schemas::TASK_OUTCOME),
                ..centre(
                    Method::Post,
                    "/api/v1/notifications/contact-centre/tasks/{id}/outcome",
                    "Close a call-back task: `{outcome: reached|unreachable, note?}`.",
                    callbacks::close,
                )
            },
            RouteSpec {
                idempotency_key_required: true,
                request_schema: Some(schemas::CAMPAIGN),
                ..manager(
                    Method::Post,
                    "/api/v1/notifications/campaigns",
                    "Start a campaign: segment, template, windows, maximum attempts, rate.",
                    campaigns::create,
                )
            },
            manager(
                Method::Get,
                "/api/v1/notifications/campaigns",
                "Campaigns, oldest first.",
                campaigns::list,
            ),
            manager(
                Method::Get,
                "/api/v1/notifications/campaigns/{id}",
                "A campaign and its progress.",
                campaigns::get,
            ),
            manager(
                Method::Get,
                "/api/v1/notifications/campaigns/{id}/report",
                "Targeted, reached (%), reached at the first attempt (%), attempts in total and per user reached.",
                campaigns::report,
            ),
        ],
    }
}

/// A subscribed domain event: learn from it, and write the message it calls for.
fn notify(event: &Event) -> Result<(), Problem> {
    let Some(subject) = event.subject.as_deref() else {
        return Ok(());
    };
    let payload: serde_json::Value = serde_json::from_slice(&event.payload)
        .map_err(|e| Problem::internal(format!("{} payload: {e}", event.topic)))?;
    let Some(notice) = catalogue::notice(&event.topic, &payload) else {
        return Ok(());
    };
    let recipient = recipients::learn(subject, notice.category, notice.segment)?;
    // Nothing is written to the dead, whatever a domain still has to say about them:
    // `delivery::deliver` refuses them.
    let Some(content) = notice.content else {
        return Ok(());
    };
    let now = Timestamp::now();
    delivery::deliver(
        subject,
        &recipient,
        content,
        delivery::Origin {
            service: notice.service,
            origin: &event.topic,
            campaign: None,
            earliest: now,
        },
        &delivery::Policy::ordinary(),
        now,
    )?;
    Ok(())
}

/// A campaign's delivery policy, for [`delivery`], which reaches [`campaigns`] only through
/// here (and [`record_in_campaign`]): campaigns start deliveries, and delivery imports none of
/// them, so the two modules do not import each other.
fn campaign_policy(id: &str) -> Result<Option<delivery::Policy>, welfare_guest::Problem> {
    campaigns::policy(id)
}

/// A campaign message's delivery moved on: the campaign counts it.
fn record_in_campaign(
    campaign: &str,
    message: &messages::Message,
) -> Result<(), welfare_guest::Problem> {
    campaigns::record(campaign, message)
}

struct Notifications;

impl Guest for Notifications {
    fn describe() -> Manifest {
        router().manifest()
    }

    fn handle(req: Request) -> Response {
        router().dispatch(req)
    }

    fn on_event(event: Event) -> Result<(), String> {
        let result = match event.topic.as_str() {
            delivery::REPORTED => delivery::on_report(&event),
            campaigns::BATCH => campaigns::on_batch(&event),
            life_events::DEATH => civil_registry::on_death(&event),
            life_events::RESIDENCE_CHANGED => civil_registry::on_residence_changed(&event),
            _ => notify(&event),
        };
        result.map_err(|p| format!("{}: {}", p.title, p.detail.unwrap_or_default()))
    }

    fn summary(subject: String) -> Result<Option<Vec<u8>>, Error> {
        let fail = |e: welfare_guest::store::StoreError| Error::Other(format!("{e:?}"));
        let messages = messages::summary(&subject).map_err(fail)?;
        let recipient = recipients::load(&subject).map_err(fail)?;
        let callbacks = callbacks::open_count(&subject).map_err(fail)?;
        if messages.is_none() && recipient.is_none() && callbacks == 0 {
            return Ok(None);
        }
        // No segments: the ones kept for campaigns are learned from the other domains' events,
        // which say them first-hand in their own summaries.
        let value = serde_json::json!({
            "messages": messages,
            "preferences": recipient.map(|d| d.value.view()),
            "open_callbacks": callbacks,
            "segments": welfare_guest::segments::Segments::new(),
        });
        Ok(Some(serde_json::to_vec(&value).unwrap_or_default()))
    }
}

welfare_guest::bindings::export_domain!(Notifications with_types_in welfare_guest::bindings);
