//! Employers' monthly declarations (a simplified UniEmens): for one month, each worker's fiscal
//! code and taxable wages, and the contributions due on them at the year's rate. A declaration
//! credits each worker's contribution statement and issues the company one payment notice for
//! the total, due on the 16th of the following month.
//!
//! A declaration can be corrected (a UniEmens "variazione", `PUT /declarations/{period}`): the
//! worker lines are replaced, and the difference in contributions is a supplementary notice
//! (more due) or lowers the month's notice while it is unpaid (less due; once paid, the excess
//! is a refund, asked of the agency, not here).
//!
//! Every declaration and correction publishes the workers' months it records
//! ([`crate::earnings`]), so that other domains keep their own view of the record.
//!
//! Keys:
//! - `declarations/<VAT number>/<YYYY-MM>`: the declaration (one per company and month);
//! - `periods/<fiscal code>/<YYYY-MM>/<VAT number>`: a worker's month with that employer.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};
use welfare_guest::ids::new_id;
use welfare_guest::money::percent_bp;
use welfare_guest::store;
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, json};
use welfare_identity::FiscalCode;

use crate::earnings;
use crate::month::Month;
use crate::notices::{self, Kind, NewNotice};
use crate::params;
use crate::statement::{Period, period_key};

pub const ID_PREFIX: &str = "dec";
/// Workers in one declaration: every worker is one write, within the per-request limit.
pub const MAX_WORKERS: usize = 500;
/// Taxable wages of one worker in one month above this are a typing error, not a wage (€1M).
pub const MAX_MONTHLY_TAXABLE_CENTS: i64 = 100_000_000;
/// The longest company name kept.
const MAX_NAME_CHARS: usize = 200;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerLine {
    pub fiscal_code: String,
    pub taxable_cents: i64,
    /// Weeks paid in the month (Saturdays of the month unless the employer says fewer).
    pub weeks: u32,
    pub contributions_cents: i64,
    pub worker_share_cents: i64,
    pub employer_share_cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Declaration {
    pub id: String,
    pub company: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company_name: Option<String>,
    pub period: Month,
    pub fund: String,
    pub rate_bp: i64,
    pub workers: Vec<WorkerLine>,
    pub taxable_cents: i64,
    pub contributions_cents: i64,
    pub notice_number: String,
    pub due_date: jiff::civil::Date,
    pub submitted_at: String,
    pub submitted_by: String,
    /// Corrections made since the first submission, oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<Correction>,
}

/// One correction of a declaration.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Correction {
    pub corrected_at: String,
    pub corrected_by: String,
    /// Contributions due after the correction minus before it.
    pub difference_cents: i64,
    /// The supplementary notice a higher total issued.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice_number: Option<String>,
    /// Workers the correction removed from the month.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub removed: Vec<String>,
}

pub fn key(company: &str, period: Month) -> String {
    format!("declarations/{company}/{period}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    period: String,
    #[serde(default)]
    company_name: Option<String>,
    workers: Vec<WorkerBody>,
}

/// A correction's body: the month is the path's.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionBody {
    #[serde(default)]
    company_name: Option<String>,
    workers: Vec<WorkerBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkerBody {
    fiscal_code: String,
    taxable_cents: i64,
    #[serde(default)]
    weeks: Option<u32>,
}

/// Checks the month of a new declaration.
fn check_period(
    errors: &mut Vec<FieldError>,
    raw: &str,
    today: jiff::civil::Date,
) -> Option<Month> {
    let period = Month::parse(raw);
    match period {
        None => errors.push(FieldError::new("period", "must be a month as YYYY-MM")),
        Some(m) if m > Month::of(today) => errors.push(FieldError::new(
            "period",
            "must not be a month still to come",
        )),
        Some(m) if m.year() < params::first_year() => errors.push(FieldError::new(
            "period",
            &format!(
                "months before {} are not declared here",
                params::first_year()
            ),
        )),
        Some(_) => {}
    }
    period
}

/// Checks the company name and the worker lines (`period` decides the weeks a month has), and
/// computes each worker's contributions at the period's rate; every invalid field is in `errors`.
fn lines(
    errors: &mut Vec<FieldError>,
    company_name: &Option<String>,
    workers: &[WorkerBody],
    period: Option<Month>,
) -> Vec<WorkerLine> {
    if let Some(name) = company_name {
        if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "company_name",
                &format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
    }
    if workers.is_empty() || workers.len() > MAX_WORKERS {
        errors.push(FieldError::new(
            "workers",
            &format!("must list 1 to {MAX_WORKERS} workers"),
        ));
    }
    let weeks_in_month = period.map(Month::saturdays).unwrap_or(5);
    let mut seen = BTreeSet::new();
    let mut codes = Vec::with_capacity(workers.len());
    for (i, w) in workers.iter().enumerate() {
        match FiscalCode::parse(&w.fiscal_code) {
            Ok(code) => {
                if !seen.insert(code.clone()) {
                    errors.push(FieldError::new(
                        &format!("workers[{i}].fiscal_code"),
                        "appears twice in the declaration",
                    ));
                }
                codes.push(Some(code));
            }
            Err(e) => {
                errors.push(FieldError::new(
                    &format!("workers[{i}].fiscal_code"),
                    &e.to_string(),
                ));
                codes.push(None);
            }
        }
        if !(0..=MAX_MONTHLY_TAXABLE_CENTS).contains(&w.taxable_cents) {
            errors.push(FieldError::new(
                &format!("workers[{i}].taxable_cents"),
                &format!("must be from 0 to {MAX_MONTHLY_TAXABLE_CENTS}"),
            ));
        }
        if w.weeks.is_some_and(|n| n > weeks_in_month) {
            errors.push(FieldError::new(
                &format!("workers[{i}].weeks"),
                &format!("the month has {weeks_in_month} contribution weeks (Saturdays)"),
            ));
        }
    }
    let Some(period) = period.filter(|_| errors.is_empty()) else {
        return Vec::new();
    };
    let p = params::in_force(period.year());
    workers
        .iter()
        .zip(codes)
        .map(|(w, code)| {
            let contributions = percent_bp(w.taxable_cents, p.employees.rate_bp);
            let worker_share = percent_bp(w.taxable_cents, p.employees.worker_share_bp);
            WorkerLine {
                fiscal_code: code.expect("validated").to_string(),
                taxable_cents: w.taxable_cents,
                weeks: w.weeks.unwrap_or(weeks_in_month),
                contributions_cents: contributions,
                worker_share_cents: worker_share,
                employer_share_cents: contributions - worker_share,
            }
        })
        .collect()
}

/// Credits each worker's month in their contribution statement. A month an officer credited
/// from a report is superseded by the employer's own declaration: replace it, naming its
/// version (never a conflict after the notice).
fn credit(
    company: &str,
    company_name: &Option<String>,
    period: Month,
    workers: &[WorkerLine],
    id: &str,
) -> Result<(), Problem> {
    let fund = params::in_force(period.year()).employees.fund;
    for w in workers {
        let k = period_key(&w.fiscal_code, period, company);
        let corrected = store::get::<Period>(&k)?.map(|d| d.version);
        store::put(
            &k,
            &Period {
                month: period,
                fund: fund.clone(),
                employer: Some(company.into()),
                employer_name: company_name.clone(),
                taxable_cents: w.taxable_cents,
                weeks: w.weeks,
                source: id.into(),
            },
            corrected,
        )?;
    }
    Ok(())
}

/// The months a declaration records, for [`earnings::publish`]; `removed` workers count
/// nothing for the month any more.
fn recorded(d: &Declaration, removed: &[String], at: &str) -> Vec<earnings::Entry> {
    let entry = |fiscal_code: &str, weeks, taxable_cents| earnings::Entry {
        fiscal_code: fiscal_code.into(),
        month: d.period,
        employer: d.company.clone(),
        weeks,
        taxable_cents,
        source: d.id.clone(),
        recorded_at: at.into(),
    };
    d.workers
        .iter()
        .map(|w| entry(&w.fiscal_code, w.weeks, w.taxable_cents))
        .chain(removed.iter().map(|code| entry(code, 0, 0)))
        .collect()
}

/// `POST /declarations`: a company's declaration for one month.
pub fn submit(ctx: &Ctx) -> HandlerResult {
    let company = crate::company(ctx, "Declarations are made by companies.")?;
    let body: Body = ctx.json()?;
    let mut errors = Vec::new();
    let period = check_period(&mut errors, &body.period, crate::today(ctx));
    let workers = lines(&mut errors, &body.company_name, &body.workers, period);
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let period = period.expect("validated");
    let p = params::in_force(period.year());
    let rate = p.employees.rate_bp;
    let k = key(&company, period);
    if let Some(existing) = store::get::<Declaration>(&k)? {
        return Err(
            Problem::conflict("This month is already declared.").with_detail(format!(
                "Declaration {} of {} for {period}: correct it with PUT.",
                existing.value.id, existing.value.submitted_at
            )),
        );
    }
    let total: i64 = workers.iter().map(|w| w.contributions_cents).sum();
    let taxable: i64 = workers.iter().map(|w| w.taxable_cents).sum();
    let id = new_id(ID_PREFIX);
    let now = ctx.req.received_at.clone();
    let due_date = period.next().day(p.employees.due_day);
    let notice = notices::issue(
        NewNotice {
            debtor: company.clone(),
            kind: Kind::Declaration,
            description: format!("Contributi {period} ({} lavoratori)", workers.len()),
            amount_cents: total,
            due_date,
            reference: id.clone(),
            months: Vec::new(),
            plan_id: None,
            announce: true,
        },
        &now,
    )?;
    credit(&company, &body.company_name, period, &workers, &id)?;
    let declaration = Declaration {
        id: id.clone(),
        company: company.clone(),
        company_name: body.company_name,
        period,
        fund: p.employees.fund.clone(),
        rate_bp: rate,
        workers,
        taxable_cents: taxable,
        contributions_cents: total,
        notice_number: notice.notice_number,
        due_date,
        submitted_at: now.clone(),
        submitted_by: ctx.actor(),
        corrections: Vec::new(),
    };
    store::create(&k, &declaration)?;
    earnings::publish(&recorded(&declaration, &[], &now))?;
    let mut response = json(201, &declaration);
    response.headers.push((
        "location".into(),
        format!("/api/v1/contributions/declarations/{period}"),
    ));
    Ok(response)
}

fn period_param(ctx: &Ctx) -> Result<Month, Problem> {
    Month::parse(ctx.param("period")).ok_or_else(|| {
        Problem::invalid(vec![FieldError::new(
            "period",
            "must be a month as YYYY-MM",
        )])
    })
}

/// Lowers the month's open notices by `excess`, the newest supplementary one first, then the
/// month's own; a notice lowered to nothing is cancelled. If they cannot absorb it all (some
/// are paid or in a plan), nothing changes and the answer is 409: the excess is a refund.
fn lower_open_notices(company: &str, d: &Declaration, excess: i64) -> Result<(), Problem> {
    let numbers = d
        .corrections
        .iter()
        .rev()
        .filter_map(|c| c.notice_number.clone())
        .chain(std::iter::once(d.notice_number.clone()));
    let mut left = excess;
    let mut lowered = Vec::new();
    for number in numbers {
        if left == 0 {
            break;
        }
        let mut notice = notices::load(company, &number)?;
        if notice.value.status != notices::Status::Open {
            continue;
        }
        let cut = notice.value.amount_cents.min(left);
        notice.value.amount_cents -= cut;
        if notice.value.amount_cents == 0 {
            notice.value.status = notices::Status::Cancelled;
        }
        left -= cut;
        lowered.push(notice);
    }
    if left > 0 {
        return Err(Problem::new(
            409,
            "correction-needs-refund",
            "The month's contributions are paid: a lower correction is a refund request.",
        )
        .with_detail(format!(
            "The open notices of {} can absorb {} of the {excess} cents less now due; ask the agency to refund the rest.",
            d.period,
            excess - left
        )));
    }
    for notice in &lowered {
        notices::save(notice)?;
    }
    Ok(())
}

/// `PUT /declarations/{period}`: corrects a month's declaration. The worker lines are
/// replaced; more contributions due issue a supplementary notice, due with the month's notice
/// or today if that day has passed; fewer lower the month's open notices (409 when paid ones
/// would have to give money back: that is a refund, asked of the agency, not here).
pub fn correct(ctx: &Ctx) -> HandlerResult {
    let company = crate::company(ctx, "Declarations are made by companies.")?;
    let period = period_param(ctx)?;
    let body: CorrectionBody = ctx.json()?;
    let mut errors = Vec::new();
    let workers = lines(&mut errors, &body.company_name, &body.workers, Some(period));
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let mut doc = store::get::<Declaration>(&key(&company, period))?
        .ok_or_else(|| Problem::not_found("declaration"))?;
    let d = &mut doc.value;
    let now = ctx.req.received_at.clone();
    let total: i64 = workers.iter().map(|w| w.contributions_cents).sum();
    let difference = total - d.contributions_cents;
    let mut supplementary = None;
    if difference > 0 {
        let notice = notices::issue(
            NewNotice {
                debtor: company.clone(),
                kind: Kind::Declaration,
                description: format!("Contributi {period}, rettifica"),
                amount_cents: difference,
                due_date: d.due_date.max(crate::today(ctx)),
                reference: d.id.clone(),
                months: Vec::new(),
                plan_id: None,
                announce: true,
            },
            &now,
        )?;
        supplementary = Some(notice.notice_number);
    } else if difference < 0 {
        lower_open_notices(&company, d, -difference)?;
    }
    let kept: BTreeSet<&str> = workers.iter().map(|w| w.fiscal_code.as_str()).collect();
    let removed: Vec<String> = d
        .workers
        .iter()
        .map(|w| w.fiscal_code.clone())
        .filter(|code| !kept.contains(code.as_str()))
        .collect();
    for code in &removed {
        let k = period_key(code, period, &company);
        if let Some(entry) = store::get::<Period>(&k)?
            && entry.value.source == d.id
        {
            store::delete(&k, entry.version)?;
        }
    }
    if body.company_name.is_some() {
        d.company_name = body.company_name.clone();
    }
    credit(&company, &d.company_name, period, &workers, &d.id)?;
    d.taxable_cents = workers.iter().map(|w| w.taxable_cents).sum();
    d.contributions_cents = total;
    d.workers = workers;
    d.corrections.push(Correction {
        corrected_at: now.clone(),
        corrected_by: ctx.actor(),
        difference_cents: difference,
        notice_number: supplementary,
        removed: removed.clone(),
    });
    store::put(&key(&company, period), &doc.value, Some(doc.version))?;
    earnings::publish(&recorded(&doc.value, &removed, &now))?;
    Ok(json(200, &doc.value))
}

/// Just a declaration's month, so that finding one does not decode its workers.
#[derive(Deserialize)]
struct Declared {
    period: Month,
}

/// The first month `company` declared, if any: one read, since keys sort by month.
pub fn first_declared(company: &str) -> Result<Option<Month>, Problem> {
    let (page, _) = store::list::<Declared>(&format!("declarations/{company}/"), None, 1)?;
    Ok(page.into_iter().next().map(|(_, d)| d.value.period))
}

/// Whether `company` declared `from` or a later month: one read, from just before `from`.
pub fn declared_since(company: &str, from: Month) -> Result<bool, Problem> {
    let cursor = from.back(1).map(|before| key(company, before));
    let (page, _) =
        store::list::<Declared>(&format!("declarations/{company}/"), cursor.as_deref(), 1)?;
    Ok(page.iter().any(|(_, d)| d.value.period >= from))
}

/// `GET /declarations`: the company's declarations, oldest month first.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let company = ctx.subject()?;
    let prefix = format!("declarations/{company}/");
    let limit = ctx.page_size()?;
    let after = match ctx.query("cursor") {
        Some(c) => Some(format!(
            "{prefix}{}",
            Month::parse(c).ok_or_else(|| {
                Problem::invalid(vec![FieldError::new(
                    "cursor",
                    "is not a cursor this API gave",
                )])
            })?
        )),
        None => None,
    };
    let (docs, next) = store::list::<Declaration>(&prefix, after.as_deref(), limit)?;
    let items: Vec<&Declaration> = docs.iter().map(|(_, d)| &d.value).collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// `GET /declarations/{period}`: one month's declaration.
pub fn get(ctx: &Ctx) -> HandlerResult {
    let company = ctx.subject()?;
    let period = period_param(ctx)?;
    let doc = store::get::<Declaration>(&key(company, period))?
        .ok_or_else(|| Problem::not_found("declaration"))?;
    Ok(json(200, &doc.value))
}
