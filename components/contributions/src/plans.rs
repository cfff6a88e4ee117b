//! Instalment plans (rateizzazione, L. 203/2024 art. 23): a debtor spreads open notices over
//! monthly instalments — up to 36 for debts up to €500,000, up to 60 above — with deferment
//! interest at the rate in force on the day the plan is requested (the ECB rate + 6 points,
//! which changed five times in 2025: `[instalments] annual_interest` by effective date; a plan
//! granted keeps its rate, circ. 100/2025), each instalment a pagoPA notice of its own.
//!
//! While instalments are paid the covered debt counts as regular. An instalment unpaid after
//! its due date is missed (`instalment-missed`); a missed first instalment, or two missed
//! instalments even if not consecutive, lapse the plan: the unpaid instalments are cancelled
//! and the principal still owed becomes one notice due at once (`instalment-plan-lapsed`).
//!
//! Keys:
//! - `plans/<debtor>/<id>`: the plan and its schedule;
//! - `instalment-due/<due date>/<debtor>/<plan id>/<nn>`: instalments not yet paid, in date
//!   order, for the daily sweep.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::ids::{is_id, new_id};
use welfare_guest::reasons::{Explain, Lang, Reason};
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, events, json, json_in};
use welfare_identity::NoticeNumber;

use crate::amortisation;
use crate::month::Month;
use crate::notices::{self, Kind, NewNotice, Notice, Status as NoticeStatus};
use crate::params;
use crate::sweep::Budget;

pub const ID_PREFIX: &str = "pln";
pub const GRANTED: &str = "contributions.instalment-plan-granted";
pub const MISSED: &str = "contributions.instalment-missed";
pub const LAPSED: &str = "contributions.instalment-plan-lapsed";
pub const COMPLETED: &str = "contributions.instalment-plan-completed";
/// Notices one plan may cover: each is rewritten, within the per-request write limit.
pub const MAX_NOTICES_IN_PLAN: usize = 500;
/// The largest principal a simulation takes (€10 billion): beyond any real debt.
const MAX_SIMULATED_CENTS: i64 = 1_000_000_000_000;
const DUE_PREFIX: &str = "instalment-due/";
/// Plans shown in a debt position or a dossier: a debtor has a handful.
const BRIEF_LIMIT: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PlanStatus {
    Active,
    Completed,
    Lapsed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InstalmentStatus {
    Due,
    Paid,
    /// Unpaid after its due date; it may still be paid while the plan is active.
    Missed,
    /// Withdrawn when the plan lapsed.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Instalment {
    pub n: u32,
    pub due_date: Date,
    pub principal_cents: i64,
    pub interest_cents: i64,
    pub amount_cents: i64,
    pub notice_number: String,
    pub status: InstalmentStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paid_at: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Lapse {
    pub on: Date,
    /// Why, with its code ([`Why`]).
    pub reason: Reason,
    pub balance_cents: i64,
    pub notice_number: String,
}

/// Why a plan lapsed: stable codes, Italian and English texts ([`welfare_guest::reasons`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Why {
    /// L. 203/2024 art. 23: an unpaid first instalment lapses the plan.
    FirstInstalmentUnpaid,
    /// The plan's limit of missed instalments was reached.
    InstalmentsUnpaid { missed: u32 },
}

impl Explain for Why {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Why::FirstInstalmentUnpaid, Lang::It) => "La prima rata non è stata pagata.".into(),
            (Why::FirstInstalmentUnpaid, Lang::En) => "The first instalment was not paid.".into(),
            (Why::InstalmentsUnpaid { missed }, Lang::It) => {
                format!("{missed} rate non sono state pagate.")
            }
            (Why::InstalmentsUnpaid { missed }, Lang::En) => {
                format!("{missed} instalments were not paid.")
            }
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Plan {
    pub id: String,
    pub debtor: String,
    pub status: PlanStatus,
    /// The notices the plan covers.
    pub notices: Vec<String>,
    pub principal_cents: i64,
    pub annual_interest_bp: i64,
    /// The day the rate came into force (absent on plans granted before rates had dates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub annual_interest_from: Option<Date>,
    pub interest_cents: i64,
    pub total_cents: i64,
    pub schedule: Vec<Instalment>,
    pub missed: u32,
    pub lapse_after_missed: u32,
    pub granted_at: String,
    pub granted_to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lapse: Option<Lapse>,
}

pub fn key(debtor: &str, id: &str) -> String {
    format!("plans/{debtor}/{id}")
}

fn due_key(due: Date, debtor: &str, plan: &str, n: u32) -> String {
    format!("{DUE_PREFIX}{due}/{debtor}/{plan}/{n:02}")
}

/// The largest number of instalments for `principal_cents` in the year's rules, as a problem
/// naming the field when `count` is outside them.
fn check_count(p: &params::Instalments, principal_cents: i64, count: u32) -> Result<(), Problem> {
    let max = p.max_for(principal_cents);
    if count < p.min_instalments || count > max {
        let euros = welfare_guest::money::euros(p.threshold_cents);
        let rule = if principal_cents <= p.threshold_cents {
            format!("debts up to {euros} are spread over at most {max} instalments")
        } else {
            format!("debts above {euros} are spread over at most {max} instalments")
        };
        return Err(Problem::invalid(vec![FieldError::new(
            "instalments",
            &format!(
                "must be from {} to {max}: {rule}, and this one is {}",
                p.min_instalments,
                welfare_guest::money::euros(principal_cents)
            ),
        )]));
    }
    Ok(())
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SimulationBody {
    principal_cents: i64,
    instalments: u32,
    /// The day the plan would be requested: its rate is the one in force that day.
    #[serde(default)]
    requested_on: Option<Date>,
    /// Older form: a year, taken as today when it is this year, else its 1 January.
    #[serde(default)]
    year: Option<i16>,
}

/// The deferment rate in force on `day`, with the day it came into force.
fn deferment_rate(day: Date) -> params::RateEntry {
    params::rate_on(day, params::deferment)
}

/// The day a simulation's plan would be requested on: `requested_on`, else today, else (a
/// `year` other than this one) that year's 1 January; a `year` that contradicts
/// `requested_on` is refused.
fn simulated_day(body: &SimulationBody, today: Date) -> Result<Date, Problem> {
    match (body.requested_on, body.year) {
        (Some(day), Some(year)) if day.year() != year => {
            Err(Problem::invalid(vec![FieldError::new(
                "year",
                "must be the year of requested_on, or left out",
            )]))
        }
        (Some(day), _) => Ok(day),
        (None, Some(year)) if year != today.year() => Date::new(year, 1, 1)
            .map_err(|_| Problem::invalid(vec![FieldError::new("year", "is not a year")])),
        (None, _) => Ok(today),
    }
}

/// `POST /instalment-plans/simulations`: the schedule a debt would have; nothing is saved.
pub fn simulate(ctx: &Ctx) -> HandlerResult {
    let body: SimulationBody = ctx.json()?;
    if !(1..=MAX_SIMULATED_CENTS).contains(&body.principal_cents) {
        return Err(Problem::invalid(vec![FieldError::new(
            "principal_cents",
            &format!("must be from 1 to {MAX_SIMULATED_CENTS}"),
        )]));
    }
    let day = simulated_day(&body, crate::today(ctx))?;
    let p = params::for_year(day.year())
        .ok_or_else(|| welfare_guest::yearly::not_supported(&params::years()))?;
    check_count(&p.instalments, body.principal_cents, body.instalments)?;
    let rate = deferment_rate(day);
    let lines = amortisation::schedule(body.principal_cents, body.instalments, rate.bp);
    let interest: i64 = lines.iter().map(|l| l.interest_cents).sum();
    let schedule: Vec<_> = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            serde_json::json!({
                "n": i + 1,
                "principal_cents": l.principal_cents,
                "interest_cents": l.interest_cents,
                "amount_cents": l.amount_cents(),
            })
        })
        .collect();
    Ok(json(
        200,
        &serde_json::json!({
            "principal_cents": body.principal_cents,
            "instalments": body.instalments,
            "max_instalments": p.instalments.max_for(body.principal_cents),
            "requested_on": day,
            "annual_interest_bp": rate.bp,
            "annual_interest_from": rate.from,
            "interest_cents": interest,
            "total_cents": body.principal_cents + interest,
            "schedule": schedule,
            "source": p.source,
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PlanBody {
    instalments: u32,
    /// The notices to spread; all open ones (not instalments of another plan) by default.
    #[serde(default)]
    notices: Option<Vec<String>>,
}

/// `POST /instalment-plans`: spreads open notices over monthly instalments.
pub fn create(ctx: &Ctx) -> HandlerResult {
    let debtor = ctx.subject()?.to_string();
    let body: PlanBody = ctx.json()?;
    let today = crate::today(ctx);
    let now = ctx.req.received_at.clone();
    let all = notices::all(&debtor)?;
    let spreadable = |n: &Notice| n.status == NoticeStatus::Open && n.kind != Kind::Instalment;
    let mut chosen: Vec<Doc<Notice>> = Vec::new();
    match &body.notices {
        None => chosen.extend(all.into_iter().filter(|d| spreadable(&d.value))),
        Some(numbers) => {
            let mut errors = Vec::new();
            for (i, raw) in numbers.iter().enumerate() {
                let field = format!("notices[{i}]");
                let Ok(number) = NoticeNumber::parse(raw) else {
                    errors.push(FieldError::new(&field, "is not a pagoPA notice number"));
                    continue;
                };
                match all.iter().find(|d| d.value.notice_number == number.as_str()) {
                    None => errors.push(FieldError::new(&field, "is not one of your notices")),
                    Some(d) if !spreadable(&d.value) => errors.push(FieldError::new(
                        &field,
                        "is not an open debt (paid, cancelled, already in a plan, or an instalment)",
                    )),
                    Some(d) if chosen.iter().any(|c| c.value.notice_number == d.value.notice_number) => {
                        errors.push(FieldError::new(&field, "is listed twice"))
                    }
                    Some(d) => chosen.push(d.clone()),
                }
            }
            if !errors.is_empty() {
                return Err(Problem::invalid(errors));
            }
        }
    }
    if chosen.is_empty() {
        return Err(Problem::new(
            422,
            "nothing-to-spread",
            "There is no open debt to spread.",
        ));
    }
    if chosen.len() > MAX_NOTICES_IN_PLAN {
        return Err(
            Problem::new(422, "too-many-notices", "Too many notices for one plan.").with_detail(
                format!("Name at most {MAX_NOTICES_IN_PLAN} notices in `notices`."),
            ),
        );
    }
    let principal: i64 = chosen.iter().map(|d| d.value.amount_cents).sum();
    let p = params::in_force(today.year());
    check_count(&p.instalments, principal, body.instalments)?;
    let rate = deferment_rate(today);
    let lines = amortisation::schedule(principal, body.instalments, rate.bp);
    let id = new_id(ID_PREFIX);
    let mut month = Month::of(today);
    let mut schedule = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        let n = i as u32 + 1;
        month = month.next();
        let due = month.day(p.instalments.due_day);
        let notice = notices::issue(
            NewNotice {
                debtor: debtor.clone(),
                kind: Kind::Instalment,
                description: format!("Rata {n} di {} del piano {id}", body.instalments),
                amount_cents: line.amount_cents(),
                due_date: due,
                reference: format!("{id}#{n}"),
                months: Vec::new(),
                plan_id: Some(id.clone()),
                announce: false,
            },
            &now,
        )?;
        store::create(&due_key(due, &debtor, &id, n), &serde_json::json!({}))?;
        schedule.push(Instalment {
            n,
            due_date: due,
            principal_cents: line.principal_cents,
            interest_cents: line.interest_cents,
            amount_cents: line.amount_cents(),
            notice_number: notice.notice_number,
            status: InstalmentStatus::Due,
            paid_at: None,
        });
    }
    for doc in &mut chosen {
        doc.value.status = NoticeStatus::InPlan;
        doc.value.plan_id = Some(id.clone());
        notices::save(doc)?;
    }
    let interest: i64 = lines.iter().map(|l| l.interest_cents).sum();
    let plan = Plan {
        id: id.clone(),
        debtor: debtor.clone(),
        status: PlanStatus::Active,
        notices: chosen
            .iter()
            .map(|d| d.value.notice_number.clone())
            .collect(),
        principal_cents: principal,
        annual_interest_bp: rate.bp,
        annual_interest_from: Some(rate.from),
        interest_cents: interest,
        total_cents: principal + interest,
        schedule,
        missed: 0,
        lapse_after_missed: p.instalments.lapse_after_missed,
        granted_at: now.clone(),
        granted_to: ctx.actor(),
        lapse: None,
    };
    store::create(&key(&debtor, &id), &plan)?;
    let first = &plan.schedule[0];
    events::publish(
        GRANTED,
        Some(&debtor),
        &serde_json::json!({
            "plan_id": id,
            "principal_cents": principal,
            "instalments": body.instalments,
            "total_cents": plan.total_cents,
            "first_due_date": first.due_date,
            "first_amount_cents": first.amount_cents,
            "first_notice_number": first.notice_number,
        }),
    )?;
    crate::durc::recheck(&debtor, today, &now)?;
    let mut response = json(201, &plan);
    response.headers.push((
        "location".into(),
        format!("/api/v1/contributions/instalment-plans/{id}"),
    ));
    Ok(response)
}

fn load(debtor: &str, id: &str) -> Result<Doc<Plan>, Problem> {
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("instalment plan"));
    }
    store::get::<Plan>(&key(debtor, id))?.ok_or_else(|| Problem::not_found("instalment plan"))
}

/// `GET /instalment-plans/{id}`.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let mut plan = load(ctx.subject()?, ctx.param("id"))?.value;
    let lang = ctx.lang();
    if let Some(lapse) = &mut plan.lapse {
        welfare_guest::reasons::relabel::<Why>(std::slice::from_mut(&mut lapse.reason), lang);
    }
    Ok(json_in(200, &plan, lang))
}

/// `GET /instalment-plans`: the debtor's plans, oldest first.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let debtor = ctx.subject()?;
    let prefix = key(debtor, "");
    let after = ctx.cursor(&prefix, ID_PREFIX)?;
    let (docs, next) = store::list::<Plan>(&prefix, after.as_deref(), ctx.page_size()?)?;
    let items: Vec<&Plan> = docs.iter().map(|(_, d)| &d.value).collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// The debtor's plans, oldest first: read once by a debt position or a dossier, which show
/// them in brief and (the dossier) look for one still running.
pub fn of(debtor: &str) -> Result<Vec<Plan>, Problem> {
    Ok(store::list_all::<Plan>(&key(debtor, ""))?
        .into_iter()
        .map(|(_, d)| d.value)
        .collect())
}

/// Whether one of `plans` is still running (neither completed nor lapsed).
pub fn any_active(plans: &[Plan]) -> bool {
    plans.iter().any(|p| p.status == PlanStatus::Active)
}

/// `plans` in brief, for the debt position and the dossier.
pub fn brief(plans: &[Plan]) -> Vec<serde_json::Value> {
    plans
        .iter()
        .take(BRIEF_LIMIT)
        .map(|p| {
            let next = p
                .schedule
                .iter()
                .find(|i| matches!(i.status, InstalmentStatus::Due | InstalmentStatus::Missed));
            serde_json::json!({
                "id": p.id,
                "status": p.status,
                "principal_cents": p.principal_cents,
                "instalments": p.schedule.len(),
                "paid": p.schedule.iter().filter(|i| i.status == InstalmentStatus::Paid).count(),
                "missed": p.missed,
                "next_due_date": next.map(|i| i.due_date),
                "next_amount_cents": next.map(|i| i.amount_cents),
            })
        })
        .collect()
}

/// The notices a plan covered are paid: by its last instalment, or by its balance notice.
fn settle_covered(plan: &Plan, at: &str) -> Result<(), Problem> {
    let by = format!("plan:{}", plan.id);
    for number in &plan.notices {
        notices::settle(&plan.debtor, number, &by, at)?;
    }
    Ok(())
}

/// A lapsed plan's balance notice was paid: the debts it covered are paid.
pub fn balance_paid(notice: &Notice) -> Result<(), Problem> {
    let Some(plan_id) = &notice.plan_id else {
        return Ok(());
    };
    let plan = load(&notice.debtor, plan_id)?;
    let at = notice
        .payment
        .as_ref()
        .map(|p| p.paid_at.clone())
        .unwrap_or_default();
    settle_covered(&plan.value, &at)
}

/// A plan's instalment notice was paid: record it, and complete the plan after the last.
pub fn instalment_paid(notice: &Notice) -> Result<(), Problem> {
    let Some(plan_id) = &notice.plan_id else {
        return Ok(());
    };
    let mut doc = load(&notice.debtor, plan_id)?;
    let Some(inst) = doc
        .value
        .schedule
        .iter_mut()
        .find(|i| i.notice_number == notice.notice_number)
    else {
        return Err(Problem::internal("an instalment notice not in its plan"));
    };
    inst.status = InstalmentStatus::Paid;
    inst.paid_at = notice.payment.as_ref().map(|p| p.paid_at.clone());
    let k = due_key(inst.due_date, &notice.debtor, plan_id, inst.n);
    if let Some(entry) = store::get::<serde_json::Value>(&k)? {
        store::delete(&k, entry.version)?;
    }
    let plan = &mut doc.value;
    if plan.status == PlanStatus::Active
        && plan
            .schedule
            .iter()
            .all(|i| i.status == InstalmentStatus::Paid)
    {
        plan.status = PlanStatus::Completed;
        settle_covered(plan, inst_paid_at(notice))?;
        events::publish(
            COMPLETED,
            Some(&plan.debtor),
            &serde_json::json!({ "plan_id": plan.id, "total_cents": plan.total_cents }),
        )?;
    }
    store::put(&key(&plan.debtor, &plan.id), plan, Some(doc.version))?;
    Ok(())
}

fn inst_paid_at(notice: &Notice) -> &str {
    notice
        .payment
        .as_ref()
        .map(|p| p.paid_at.as_str())
        .unwrap_or_default()
}

/// The day `date` has started: instalments due before it and still unpaid are missed; a
/// missed first instalment, or the `lapse_after_missed`-th missed one, lapses the plan.
pub fn sweep(date: Date, now: &str, budget: &mut Budget) -> Result<(), Problem> {
    loop {
        let Some((k, parts, version)) = crate::sweep::first_before(DUE_PREFIX, date)? else {
            return Ok(());
        };
        let (debtor, plan_id, n) = match parts.as_slice() {
            [debtor, plan, n] if n.parse::<u32>().is_ok() => (
                debtor.as_str(),
                plan.as_str(),
                n.parse::<u32>().expect("checked"),
            ),
            _ => {
                if !budget.reserve(0, 1) {
                    return Ok(());
                }
                store::delete(&k, version)?;
                continue;
            }
        };
        let mut doc = load(debtor, plan_id)?;
        let plan = &mut doc.value;
        let due = plan.status == PlanStatus::Active
            && plan
                .schedule
                .iter()
                .any(|i| i.n == n && i.status == InstalmentStatus::Due);
        let lapses = due && (n == 1 || plan.missed + 1 >= plan.lapse_after_missed);
        // Missing: the index entry, the plan, one event. Lapsing as well: each instalment's
        // notice and index entry, each covered notice, the balance notice and its number, and
        // two more events.
        let (events, writes) = match (due, lapses) {
            (false, _) => (0, 1),
            (true, false) => (1, 2),
            (true, true) => (3, 4 + 2 * plan.schedule.len() + plan.notices.len()),
        };
        if !budget.reserve(events, writes) {
            return Ok(());
        }
        store::delete(&k, version)?;
        if !due {
            continue;
        }
        let inst = plan
            .schedule
            .iter_mut()
            .find(|i| i.n == n)
            .expect("checked above");
        inst.status = InstalmentStatus::Missed;
        plan.missed += 1;
        let missed = inst.clone();
        events::publish(
            MISSED,
            Some(&plan.debtor),
            &serde_json::json!({
                "plan_id": plan.id,
                "n": missed.n,
                "due_date": missed.due_date,
                "amount_cents": missed.amount_cents,
                "notice_number": missed.notice_number,
                "missed": plan.missed,
                "lapse_after_missed": plan.lapse_after_missed,
            }),
        )?;
        if lapses {
            // The daily sweep has no reader: worded in Italian, and again whenever read.
            let why = if n == 1 {
                Why::FirstInstalmentUnpaid
            } else {
                Why::InstalmentsUnpaid {
                    missed: plan.missed,
                }
            };
            lapse(plan, date, now, why.reason(Lang::default()))?;
        }
        store::put(&key(&plan.debtor, &plan.id), plan, Some(doc.version))?;
    }
}

/// Lapses `plan` on `date`: its unpaid instalments are cancelled and the principal still owed
/// becomes one notice due at once.
fn lapse(plan: &mut Plan, date: Date, now: &str, reason: Reason) -> Result<(), Problem> {
    let mut balance = plan.principal_cents;
    for inst in &mut plan.schedule {
        if inst.status == InstalmentStatus::Paid {
            balance -= inst.principal_cents;
            continue;
        }
        inst.status = InstalmentStatus::Cancelled;
        let mut notice = notices::load(&plan.debtor, &inst.notice_number)?;
        if notice.value.status == NoticeStatus::Open {
            notice.value.status = NoticeStatus::Cancelled;
            notices::save(&notice)?;
        }
        let k = due_key(inst.due_date, &plan.debtor, &plan.id, inst.n);
        if let Some(entry) = store::get::<serde_json::Value>(&k)? {
            store::delete(&k, entry.version)?;
        }
    }
    for number in &plan.notices {
        let mut covered = notices::load(&plan.debtor, number)?;
        if covered.value.status == NoticeStatus::InPlan {
            covered.value.status = NoticeStatus::Replaced;
            notices::save(&covered)?;
        }
    }
    let notice = notices::issue(
        NewNotice {
            debtor: plan.debtor.clone(),
            kind: Kind::PlanBalance,
            description: format!(
                "Debito residuo del piano di rateizzazione {} decaduto",
                plan.id
            ),
            amount_cents: balance,
            due_date: date,
            reference: plan.id.clone(),
            months: Vec::new(),
            plan_id: Some(plan.id.clone()),
            announce: true,
        },
        now,
    )?;
    plan.status = PlanStatus::Lapsed;
    plan.lapse = Some(Lapse {
        on: date,
        reason: reason.clone(),
        balance_cents: balance,
        notice_number: notice.notice_number.clone(),
    });
    events::publish(
        LAPSED,
        Some(&plan.debtor),
        &serde_json::json!({
            "plan_id": plan.id,
            "reason": reason.code,
            "balance_cents": balance,
            "notice_number": notice.notice_number,
            "due_date": date,
        }),
    )?;
    Ok(())
}
