//! Employers' monthly declarations (a simplified UniEmens): for one month, each worker's fiscal
//! code and taxable wages, and the contributions due on them at the year's rate. A declaration
//! credits each worker's contribution statement and issues the company one payment notice for
//! the total, due on the 16th of the following month.
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

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkerBody {
    fiscal_code: String,
    taxable_cents: i64,
    #[serde(default)]
    weeks: Option<u32>,
}

/// `POST /declarations`: a company's declaration for one month.
pub fn submit(ctx: &Ctx) -> HandlerResult {
    let company = crate::company(ctx, "Declarations are made by companies.")?;
    let body: Body = ctx.json()?;
    let today = crate::today(ctx);
    let mut errors = Vec::new();
    let period = Month::parse(&body.period);
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
    if let Some(name) = &body.company_name {
        if name.trim().is_empty() || name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(
                "company_name",
                &format!("must be 1 to {MAX_NAME_CHARS} characters"),
            ));
        }
    }
    if body.workers.is_empty() || body.workers.len() > MAX_WORKERS {
        errors.push(FieldError::new(
            "workers",
            &format!("must list 1 to {MAX_WORKERS} workers"),
        ));
    }
    let weeks_in_month = period.map(Month::saturdays).unwrap_or(5);
    let mut seen = BTreeSet::new();
    let mut codes = Vec::with_capacity(body.workers.len());
    for (i, w) in body.workers.iter().enumerate() {
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
                "Declaration {} of {} for {period}.",
                existing.value.id, existing.value.submitted_at
            )),
        );
    }
    let mut workers = Vec::with_capacity(body.workers.len());
    for (w, code) in body.workers.iter().zip(codes) {
        let contributions = percent_bp(w.taxable_cents, rate);
        let worker_share = percent_bp(w.taxable_cents, p.employees.worker_share_bp);
        workers.push(WorkerLine {
            fiscal_code: code.expect("validated").to_string(),
            taxable_cents: w.taxable_cents,
            weeks: w.weeks.unwrap_or(weeks_in_month),
            contributions_cents: contributions,
            worker_share_cents: worker_share,
            employer_share_cents: contributions - worker_share,
        });
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
    for w in &workers {
        // A month an officer credited from a report is superseded by the employer's own
        // declaration: replace it, naming its version (never a conflict after the notice).
        let k = period_key(&w.fiscal_code, period, &company);
        let corrected = store::get::<Period>(&k)?.map(|d| d.version);
        store::put(
            &k,
            &Period {
                month: period,
                fund: p.employees.fund.clone(),
                employer: Some(company.clone()),
                employer_name: body.company_name.clone(),
                taxable_cents: w.taxable_cents,
                weeks: w.weeks,
                source: id.clone(),
            },
            corrected,
        )?;
    }
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
        submitted_at: now,
        submitted_by: ctx.actor(),
    };
    store::create(&k, &declaration)?;
    let mut response = json(201, &declaration);
    response.headers.push((
        "location".into(),
        format!("/api/v1/contributions/declarations/{period}"),
    ));
    Ok(response)
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
    let period = Month::parse(ctx.param("period")).ok_or_else(|| {
        Problem::invalid(vec![FieldError::new(
            "period",
            "must be a month as YYYY-MM",
        )])
    })?;
    let doc = store::get::<Declaration>(&key(company, period))?
        .ok_or_else(|| Problem::not_found("declaration"))?;
    Ok(json(200, &doc.value))
}
