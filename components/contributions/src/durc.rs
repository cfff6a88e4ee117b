//! The DURC (documento unico di regolarità contributiva, D.M. 30 January 2015): a company asks
//! whether it is regular, and the answer comes from its debt position.
//!
//! - Regular — no overdue debt beyond the tolerance (€150): a DURC valid 120 days from the
//!   request. While one is valid, a new request returns it rather than issuing another.
//! - Otherwise the company is invited to regularise within 15 days
//!   (`regularisation-invited`, for the notifications domain). If it pays, or spreads the debt
//!   over an instalment plan, before the deadline, the DURC is issued regular, still valid
//!   120 days from the request; if not, the request ends irregular (`durc-irregular`).
//!
//! Keys:
//! - `durc/<VAT number>/<id>`: each request and its outcome;
//! - `durc-current/<VAT number>`: the latest request;
//! - `durc-pending/<regularise by>/<VAT number>/<id>`: invitations still running, in deadline
//!   order, for the daily sweep.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::ids::{is_id, new_id};
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, events, json};
use welfare_identity::VatNumber;

use crate::days::Budget;
use crate::notices;
use crate::params;

pub const ID_PREFIX: &str = "durc";
pub const ISSUED: &str = "contributions.durc-issued";
pub const INVITED: &str = "contributions.regularisation-invited";
pub const IRREGULAR: &str = "contributions.durc-irregular";
const PENDING_PREFIX: &str = "durc-pending/";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Regular,
    /// Invited to regularise; the outcome is pending until the deadline.
    PendingRegularisation,
    Irregular,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OverdueNotice {
    pub notice_number: String,
    pub amount_cents: i64,
    pub due_date: Date,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Durc {
    pub id: String,
    pub company: String,
    pub status: Status,
    pub requested_on: Date,
    pub requested_at: String,
    /// Regular: the last day of validity, 120 days from the request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub valid_until: Option<Date>,
    /// Invited: the last day to regularise.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub regularise_by: Option<Date>,
    /// Overdue debt found at the request.
    pub overdue_cents: i64,
    pub tolerance_cents: i64,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overdue_notices: Vec<OverdueNotice>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolved_at: Option<String>,
}

impl Durc {
    pub fn valid_on(&self, day: Date) -> bool {
        self.status == Status::Regular && self.valid_until.is_some_and(|u| day <= u)
    }
}

fn key(company: &str, id: &str) -> String {
    format!("durc/{company}/{id}")
}

fn current_key(company: &str) -> String {
    format!("durc-current/{company}")
}

fn pending_key(by: Date, company: &str, id: &str) -> String {
    format!("{PENDING_PREFIX}{by}/{company}/{id}")
}

#[derive(Debug, Serialize, Deserialize)]
struct Current {
    id: String,
}

/// What the debt position says on `day`: the overdue notices and whether they are within the
/// tolerance.
fn check(company: &str, day: Date) -> Result<(bool, i64, Vec<OverdueNotice>), Problem> {
    let tolerance = params::in_force(day.year()).durc.tolerance_cents;
    let overdue: Vec<OverdueNotice> = notices::all(company)?
        .into_iter()
        .map(|d| d.value)
        .filter(|n| n.overdue(day))
        .map(|n| OverdueNotice {
            notice_number: n.notice_number,
            amount_cents: n.amount_cents,
            due_date: n.due_date,
        })
        .collect();
    let total = overdue.iter().map(|n| n.amount_cents).sum::<i64>();
    Ok((total <= tolerance, total, overdue))
}

fn current(company: &str) -> Result<Option<Doc<Durc>>, Problem> {
    let Some(pointer) = store::get::<Current>(&current_key(company))? else {
        return Ok(None);
    };
    Ok(store::get::<Durc>(&key(company, &pointer.value.id))?)
}

fn save(doc: &Doc<Durc>) -> Result<(), Problem> {
    store::put(
        &key(&doc.value.company, &doc.value.id),
        &doc.value,
        Some(doc.version),
    )?;
    Ok(())
}

fn drop_pending(d: &Durc) -> Result<(), Problem> {
    if let Some(by) = d.regularise_by {
        let k = pending_key(by, &d.company, &d.id);
        if let Some(entry) = store::get::<serde_json::Value>(&k)? {
            store::delete(&k, entry.version)?;
        }
    }
    Ok(())
}

/// Ends a pending request. Within the deadline: regular when the position on `day` allows
/// it. Once the deadline has passed: irregular — a payment or a plan in time has already made
/// it regular (every payment and plan rechecks the running invitation), and one made later
/// does not count.
fn resolve(
    doc: &mut Doc<Durc>,
    day: Date,
    now: &str,
    deadline_passed: bool,
) -> Result<bool, Problem> {
    if doc.value.status != Status::PendingRegularisation {
        return Ok(false);
    }
    let regular = !deadline_passed && check(&doc.value.company, day)?.0;
    let d = &mut doc.value;
    if regular {
        let validity = params::in_force(d.requested_on.year()).durc.validity_days;
        d.status = Status::Regular;
        d.valid_until = Some(d.requested_on + jiff::Span::new().days(validity));
        d.resolved_at = Some(now.into());
        drop_pending(d)?;
        events::publish(
            ISSUED,
            Some(&d.company),
            &serde_json::json!({ "durc_id": d.id, "status": d.status, "valid_until": d.valid_until }),
        )?;
    } else if deadline_passed {
        d.status = Status::Irregular;
        d.resolved_at = Some(now.into());
        drop_pending(d)?;
        events::publish(
            IRREGULAR,
            Some(&d.company),
            &serde_json::json!({ "durc_id": d.id, "overdue_cents": d.overdue_cents }),
        )?;
    } else {
        return Ok(false);
    }
    save(doc)?;
    Ok(true)
}

/// The company's position changed (a payment, a plan): a running invitation may be met.
pub fn recheck(company: &str, today: Date, now: &str) -> Result<(), Problem> {
    if VatNumber::parse(company).is_err() {
        return Ok(());
    }
    if let Some(mut doc) = current(company)? {
        let passed = doc.value.regularise_by.is_some_and(|by| today > by);
        resolve(&mut doc, today, now, passed)?;
    }
    Ok(())
}

/// A request's answer, with whether it is valid today.
pub fn view(d: &Durc, today: Date) -> serde_json::Value {
    let mut v = serde_json::to_value(d).expect("serialising a DURC");
    v["valid"] = serde_json::json!(d.valid_on(today));
    v
}

/// `POST /durc`: a valid DURC, a running invitation, or a new request's outcome.
pub fn request(ctx: &Ctx) -> HandlerResult {
    let company = crate::company(ctx, "A DURC is requested by a company.")?;
    let today = ctx.today();
    let now = ctx.req.received_at.clone();
    if let Some(mut doc) = current(&company)? {
        if doc.value.valid_on(today) {
            return Ok(json(200, &view(&doc.value, today)));
        }
        if doc.value.status == Status::PendingRegularisation {
            let passed = doc.value.regularise_by.is_some_and(|by| today > by);
            resolve(&mut doc, today, &now, passed)?;
            if !passed || doc.value.valid_on(today) {
                return Ok(json(200, &view(&doc.value, today)));
            }
        }
    }
    let p = params::in_force(today.year());
    let (regular, overdue_cents, overdue) = check(&company, today)?;
    let id = new_id(ID_PREFIX);
    let mut durc = Durc {
        id: id.clone(),
        company: company.clone(),
        status: Status::Regular,
        requested_on: today,
        requested_at: now.clone(),
        valid_until: None,
        regularise_by: None,
        overdue_cents,
        tolerance_cents: p.durc.tolerance_cents,
        overdue_notices: overdue,
        resolved_at: None,
    };
    if regular {
        durc.valid_until = Some(today + jiff::Span::new().days(p.durc.validity_days));
        durc.resolved_at = Some(now);
        events::publish(
            ISSUED,
            Some(&company),
            &serde_json::json!({ "durc_id": id, "status": durc.status, "valid_until": durc.valid_until }),
        )?;
    } else {
        let by = today + jiff::Span::new().days(p.durc.regularise_within_days);
        durc.status = Status::PendingRegularisation;
        durc.regularise_by = Some(by);
        store::create(&pending_key(by, &company, &id), &serde_json::json!({}))?;
        events::publish(
            INVITED,
            Some(&company),
            &serde_json::json!({
                "durc_id": id,
                "regularise_by": by,
                "overdue_cents": overdue_cents,
                "tolerance_cents": p.durc.tolerance_cents,
                "notices": durc.overdue_notices,
            }),
        )?;
    }
    store::create(&key(&company, &id), &durc)?;
    let pointer = store::get::<Current>(&current_key(&company))?;
    store::put(
        &current_key(&company),
        &Current { id: id.clone() },
        pointer.map(|d| d.version),
    )?;
    let mut response = json(201, &view(&durc, today));
    response.headers.push((
        "location".into(),
        format!("/api/v1/contributions/durc/{id}"),
    ));
    Ok(response)
}

/// `GET /durc/{id}`: one of the company's requests; an invitation past its deadline ends here
/// if the daily sweep has not ended it yet.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let company = ctx.subject()?;
    let id = ctx.param("id");
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("DURC"));
    }
    let mut doc =
        store::get::<Durc>(&key(company, id))?.ok_or_else(|| Problem::not_found("DURC"))?;
    let today = ctx.today();
    if doc.value.regularise_by.is_some_and(|by| today > by) {
        resolve(&mut doc, today, &ctx.req.received_at, true)?;
    }
    Ok(json(200, &view(&doc.value, today)))
}

/// `GET /interop/v1/durc/{vat_number}`: for procurement offices, whether the company holds a
/// valid DURC today; nothing about its debts.
pub fn interop(ctx: &Ctx) -> HandlerResult {
    let vat = VatNumber::parse(ctx.param("vat_number"))
        .map_err(|e| Problem::invalid(vec![FieldError::new("vat_number", &e.to_string())]))?;
    let today = ctx.today();
    let body = match current(vat.as_str())? {
        Some(doc) if doc.value.valid_on(today) => serde_json::json!({
            "vat_number": vat.as_str(),
            "status": "regular",
            "durc_id": doc.value.id,
            "requested_on": doc.value.requested_on,
            "valid_until": doc.value.valid_until,
        }),
        Some(doc) if doc.value.status == Status::PendingRegularisation => serde_json::json!({
            "vat_number": vat.as_str(),
            "status": "being-checked",
            "durc_id": doc.value.id,
            "requested_on": doc.value.requested_on,
        }),
        Some(doc) if doc.value.status == Status::Irregular => serde_json::json!({
            "vat_number": vat.as_str(),
            "status": "irregular",
            "durc_id": doc.value.id,
            "requested_on": doc.value.requested_on,
        }),
        _ => serde_json::json!({ "vat_number": vat.as_str(), "status": "none" }),
    };
    Ok(json(200, &body))
}

/// The company's latest DURC request, if it made one: for the dossier, which shows it
/// ([`view`]) and reads its outcome.
pub fn latest(company: &str) -> Result<Option<Durc>, Problem> {
    Ok(current(company)?.map(|d| d.value))
}

/// The day `date` has started: invitations whose deadline passed, and were not met in time,
/// end irregular.
pub fn sweep(date: Date, now: &str, budget: &mut Budget) -> Result<(), Problem> {
    loop {
        let Some((k, parts, version)) = crate::days::first_before(PENDING_PREFIX, date)? else {
            return Ok(());
        };
        // The index entry, the request, one event.
        if !budget.reserve(1, 3) {
            return Ok(());
        }
        store::delete(&k, version)?;
        let [company, id] = parts.as_slice() else {
            continue;
        };
        if let Some(mut doc) = store::get::<Durc>(&key(company, id))? {
            resolve(&mut doc, date, now, true)?;
        }
    }
}
