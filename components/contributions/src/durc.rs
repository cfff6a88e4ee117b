//! The DURC (documento unico di regolarità contributiva, D.M. 30 January 2015): a company asks
//! whether it is regular, and the answer comes from its debt position.
//!
//! What is verified (art. 3 c. 1): the payments due up to the last day of the second month
//! before the month of the request — the *cut-off* — whose declarations were due by then too.
//! A December request looks at what fell due up to 31 October (the contributions due on
//! 16 October), not at those due on 16 November or 16 December, which the company may still
//! be paying. Each verified notice still unpaid counts with the civil sanctions accrued on it
//! up to the day of the check ([`crate::sanctions`]), since the tolerance includes them
//! (art. 3 c. 3: "comprensivi di eventuali accessori di legge").
//!
//! - Regular — the verified debt, sanctions included, at most the tolerance (€150): a DURC
//!   valid 120 days from the request. While one is valid, a new request returns it rather than
//!   issuing another.
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

use crate::month::Month;
use crate::notices::{self, Kind, Notice};
use crate::sweep::Budget;
use crate::{params, sanctions};

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

/// An unpaid notice the check looked at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverdueNotice {
    pub notice_number: String,
    pub amount_cents: i64,
    pub due_date: Date,
    /// Civil sanctions accrued on it to the day of the check (none on a plan's instalment,
    /// which carries deferment interest instead).
    #[serde(default)]
    pub sanctions_cents: i64,
}

/// What a check found: the verified notices, their total with sanctions, and the overdue
/// notices left for a later request because they fell due after the cut-off.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Verification {
    pub cutoff: Option<Date>,
    pub notices: Vec<OverdueNotice>,
    pub overdue_cents: i64,
    pub sanctions_cents: i64,
    pub later: Vec<OverdueNotice>,
}

impl Verification {
    /// The shortfall the tolerance is measured against: contributions and sanctions.
    pub fn shortfall_cents(&self) -> i64 {
        self.overdue_cents + self.sanctions_cents
    }
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
    /// The last due date verified: the last day of the second month before the request's
    /// (absent on requests made before the cut-off was applied).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified_up_to: Option<Date>,
    /// The day the sanctions were accrued to: the request's, or the day a pending request was
    /// last checked.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sanctions_accrued_to: Option<Date>,
    /// The verified debt still unpaid: the contributions of the verified notices.
    pub overdue_cents: i64,
    /// Civil sanctions accrued on them.
    #[serde(default)]
    pub sanctions_cents: i64,
    /// Contributions and sanctions: what the tolerance is measured against.
    #[serde(default)]
    pub shortfall_cents: i64,
    pub tolerance_cents: i64,
    /// The verified notices still unpaid, each with its due date, amount and sanctions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub overdue_notices: Vec<OverdueNotice>,
    /// Notices overdue on the request's day but due after the cut-off: not verified by this
    /// request (a later one will be).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub not_yet_verified: Vec<OverdueNotice>,
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

/// The last due date a request made on `requested_on` verifies: the last day of the
/// `months_before`-th month before its month (D.M. 30/1/2015 art. 3 c. 1: the second).
pub fn cutoff(requested_on: Date, months_before: u32) -> Date {
    Month::of(requested_on)
        .back(months_before)
        .map_or(Date::MIN, Month::last_day)
}

/// The last day to send the declaration behind a notice, when it has one: an employer's
/// monthly UniEmens is due by the last day of the month after the one it declares (D.L.
/// 269/2003 art. 44 c. 9), the month its contributions fall due in. Fixed contributions,
/// instalments and balances have no declaration of their own.
fn declaration_deadline(n: &Notice) -> Option<Date> {
    (n.kind == Kind::Declaration).then(|| Month::of(n.due_date).last_day())
}

/// The verification of a request made on `requested_on`, checked on `on` (the request's day,
/// or a later day while the company regularises): of the open notices overdue on `on`, those
/// due by the cut-off with their declarations due by then too are verified, each with the
/// sanctions accrued to `on`; the others wait for a later request.
pub fn verify(notices: &[Notice], requested_on: Date, on: Date) -> Verification {
    let p = params::in_force(requested_on.year());
    let cutoff = cutoff(requested_on, p.durc.verified_months_before);
    let mut v = Verification {
        cutoff: Some(cutoff),
        ..Verification::default()
    };
    for n in notices.iter().filter(|n| n.overdue(on)) {
        let verified = n.due_date <= cutoff && declaration_deadline(n).is_none_or(|d| d <= cutoff);
        let sanctions_cents = if n.kind == Kind::Instalment {
            0
        } else {
            sanctions::accrued(n.amount_cents, n.due_date, on)
        };
        let seen = OverdueNotice {
            notice_number: n.notice_number.clone(),
            amount_cents: n.amount_cents,
            due_date: n.due_date,
            sanctions_cents,
        };
        if verified {
            v.overdue_cents += seen.amount_cents;
            v.sanctions_cents += seen.sanctions_cents;
            v.notices.push(seen);
        } else {
            v.later.push(seen);
        }
    }
    v
}

/// Whether a verification is within the tolerance of the request's year.
pub fn within_tolerance(v: &Verification, requested_on: Date) -> bool {
    v.shortfall_cents() <= params::in_force(requested_on.year()).durc.tolerance_cents
}

/// A company's position for a request made on `requested_on`, checked on `on`.
fn check(company: &str, requested_on: Date, on: Date) -> Result<Verification, Problem> {
    let notices: Vec<Notice> = notices::all(company)?
        .into_iter()
        .map(|d| d.value)
        .collect();
    Ok(verify(&notices, requested_on, on))
}

/// Records a verification in a request.
fn record(d: &mut Durc, v: Verification, on: Date) {
    d.verified_up_to = v.cutoff;
    d.sanctions_accrued_to = Some(on);
    d.overdue_cents = v.overdue_cents;
    d.sanctions_cents = v.sanctions_cents;
    d.shortfall_cents = v.shortfall_cents();
    d.overdue_notices = v.notices;
    d.not_yet_verified = v.later;
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
    let d = &mut doc.value;
    let regular = !deadline_passed && {
        let v = check(&d.company, d.requested_on, day)?;
        let within = within_tolerance(&v, d.requested_on);
        if within {
            record(d, v, day);
        }
        within
    };
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
    let today = crate::today(ctx);
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
    let verification = check(&company, today, today)?;
    let regular = within_tolerance(&verification, today);
    let id = new_id(ID_PREFIX);
    let mut durc = Durc {
        id: id.clone(),
        company: company.clone(),
        status: Status::Regular,
        requested_on: today,
        requested_at: now.clone(),
        valid_until: None,
        regularise_by: None,
        verified_up_to: None,
        sanctions_accrued_to: None,
        overdue_cents: 0,
        sanctions_cents: 0,
        shortfall_cents: 0,
        tolerance_cents: p.durc.tolerance_cents,
        overdue_notices: Vec::new(),
        not_yet_verified: Vec::new(),
        resolved_at: None,
    };
    record(&mut durc, verification, today);
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
                "verified_up_to": durc.verified_up_to,
                "overdue_cents": durc.overdue_cents,
                "sanctions_cents": durc.sanctions_cents,
                "shortfall_cents": durc.shortfall_cents,
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
    let today = crate::today(ctx);
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
    let today = crate::today(ctx);
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
        let Some((k, parts, version)) = crate::sweep::first_before(PENDING_PREFIX, date)? else {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::notices::Status as NoticeStatus;
    use jiff::civil::date;

    fn notice(n: u32, kind: Kind, amount_cents: i64, due_date: Date) -> Notice {
        Notice {
            notice_number: format!("{n:018}"),
            debtor: "00000000018".into(),
            kind,
            description: String::new(),
            amount_cents,
            due_date,
            status: NoticeStatus::Open,
            reference: String::new(),
            months: Vec::new(),
            plan_id: None,
            issued_at: String::new(),
            payment: None,
        }
    }

    #[test]
    fn the_cut_off_is_the_last_day_of_the_second_month_before() {
        // D.M. 30/1/2015 art. 3 c. 1: (request, cut-off).
        for (requested_on, expected) in [
            (date(2026, 12, 2), date(2026, 10, 31)),
            (date(2026, 12, 31), date(2026, 10, 31)),
            (date(2026, 1, 10), date(2025, 11, 30)),
            (date(2026, 2, 1), date(2025, 12, 31)),
            (date(2025, 4, 30), date(2025, 2, 28)),
            (date(2024, 4, 1), date(2024, 2, 29)),
        ] {
            assert_eq!(cutoff(requested_on, 2), expected, "{requested_on}");
        }
    }

    #[test]
    fn notices_due_by_the_cut_off_are_verified_with_their_sanctions() {
        // A request on 2 December 2026, cut-off 31 October: a fixed-contribution notice due
        // on the cut-off itself counts, one due on 1 November does not; an employer's
        // contributions due 16 October (UniEmens due 31 October) count, those due 16 November
        // do not, those due 16 December are not even overdue.
        let on = date(2026, 12, 2);
        let notices = [
            notice(1, Kind::FixedContribution, 10_000, date(2026, 10, 31)),
            notice(2, Kind::FixedContribution, 10_000, date(2026, 11, 1)),
            notice(3, Kind::Declaration, 100_000, date(2026, 10, 16)),
            notice(4, Kind::Declaration, 100_000, date(2026, 11, 16)),
            notice(5, Kind::Declaration, 100_000, date(2026, 12, 16)),
            notice(6, Kind::Instalment, 5_000, date(2026, 9, 16)),
        ];
        let v = verify(&notices, on, on);
        let numbers = |list: &[OverdueNotice]| -> Vec<String> {
            list.iter()
                .map(|n| n.notice_number[17..].to_string())
                .collect()
        };
        assert_eq!(v.cutoff, Some(date(2026, 10, 31)));
        assert_eq!(numbers(&v.notices), ["1", "3", "6"]);
        assert_eq!(numbers(&v.later), ["2", "4"]);
        // Sanctions at 7.65 % a year: notice 1, 32 days late (1 November–2 December):
        // 10,000 × 765 × 32 / 3,650,000 = 67.07 → 67; notice 3, 47 days
        // (17 Oct–2 Dec): 100,000 × 765 × 47 / 3,650,000 = 985.07 → 985; the instalment none.
        let sanctions: Vec<i64> = v.notices.iter().map(|n| n.sanctions_cents).collect();
        assert_eq!(sanctions, [67, 985, 0]);
        assert_eq!(v.overdue_cents, 115_000);
        assert_eq!(v.sanctions_cents, 1_052);
        assert_eq!(v.shortfall_cents(), 116_052);
        assert!(!within_tolerance(&v, on));
    }
}
