//! pagoPA payment notices: every amount owed to the agency is one notice (18-digit number,
//! amount in cents, due date), payable in full through any payment provider. A company's or a
//! self-employed person's debt position is the set of their notices.
//!
//! Keys:
//! - `debts/<debtor>/<notice number>`: the notice (debtor: VAT number or fiscal code);
//! - `notice-index/<notice number>`: whose notice a number is; creating it reserves the number.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::bindings::welfare::platform::config;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, events};
use welfare_identity::NoticeNumber;

use crate::month::Month;

/// Published for each new notice, for the notifications domain (amount, number, due date).
pub const NOTICE_ISSUED: &str = "contributions.notice-issued";
/// Published when a notice is paid.
pub const PAYMENT_RECORDED: &str = "contributions.payment-recorded";
/// The agency's pagoPA segregation code unless the deployment sets `segregation_code`.
const DEFAULT_SEGREGATION_CODE: &str = "02";
/// Attempts at drawing an unused notice number (13 random digits: a clash is already rare).
const NUMBER_ATTEMPTS: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    /// An employer's monthly contributions.
    Declaration,
    /// An artisan's or merchant's quarterly fixed contribution.
    FixedContribution,
    /// One instalment of a plan.
    Instalment,
    /// What a lapsed plan left unpaid, due at once.
    PlanBalance,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Open,
    Paid,
    /// Covered by an instalment plan: its instalments are paid instead.
    InPlan,
    /// Withdrawn (the unpaid instalments of a lapsed plan).
    Cancelled,
    /// Covered by a lapsed plan's balance notice, which is paid instead.
    Replaced,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Payment {
    pub paid_at: String,
    pub amount_cents: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_id: Option<String>,
    pub by: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notice {
    pub notice_number: String,
    pub debtor: String,
    pub kind: Kind,
    pub description: String,
    pub amount_cents: i64,
    pub due_date: Date,
    pub status: Status,
    /// What the notice is for: a declaration id, a position's quarter, a plan's instalment.
    pub reference: String,
    /// The months of contributions a fixed-contribution notice pays for.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<Month>,
    /// The plan that covers this notice (in-plan) or that this instalment belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_id: Option<String>,
    pub issued_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment: Option<Payment>,
}

impl Notice {
    /// Open and past its due date.
    pub fn overdue(&self, today: Date) -> bool {
        self.status == Status::Open && self.due_date < today
    }
}

/// What a new notice is for.
pub struct NewNotice {
    pub debtor: String,
    pub kind: Kind,
    pub description: String,
    pub amount_cents: i64,
    pub due_date: Date,
    pub reference: String,
    pub months: Vec<Month>,
    pub plan_id: Option<String>,
    /// Publish `notice-issued` (not for each instalment of a plan: the plan is announced).
    pub announce: bool,
}

pub fn key(debtor: &str, number: &str) -> String {
    format!("debts/{debtor}/{number}")
}

fn segregation_code() -> String {
    config::get("segregation_code")
        .ok()
        .flatten()
        .filter(|c| c.len() == 2 && c.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or_else(|| DEFAULT_SEGREGATION_CODE.into())
}

/// Issues a notice with a fresh number.
pub fn issue(new: NewNotice, now: &str) -> Result<Notice, Problem> {
    let code = segregation_code();
    let mut number = None;
    for _ in 0..NUMBER_ATTEMPTS {
        let candidate = NoticeNumber::with_segregation_code(
            &code,
            &welfare_guest::ids::random_digits(welfare_identity::notice::IUV_BASE_DIGITS),
        )
        .expect("a well-formed code and base");
        let index = format!("notice-index/{candidate}");
        if store::get::<serde_json::Value>(&index)?.is_none() {
            store::create(&index, &serde_json::json!({ "debtor": new.debtor }))?;
            number = Some(candidate);
            break;
        }
    }
    let number = number.ok_or_else(|| Problem::internal("no free notice number was found"))?;
    let notice = Notice {
        notice_number: number.to_string(),
        debtor: new.debtor,
        kind: new.kind,
        description: new.description,
        amount_cents: new.amount_cents,
        due_date: new.due_date,
        status: Status::Open,
        reference: new.reference,
        months: new.months,
        plan_id: new.plan_id,
        issued_at: now.into(),
        payment: None,
    };
    store::create(&key(&notice.debtor, &notice.notice_number), &notice)?;
    if new.announce {
        events::publish(
            NOTICE_ISSUED,
            Some(&notice.debtor),
            &serde_json::json!({
                "notice_number": notice.notice_number,
                "amount_cents": notice.amount_cents,
                "due_date": notice.due_date,
                "kind": notice.kind,
                "description": notice.description,
            }),
        )?;
    }
    Ok(notice)
}

pub fn load(debtor: &str, number: &str) -> Result<Doc<Notice>, Problem> {
    store::get::<Notice>(&key(debtor, number))?.ok_or_else(|| Problem::not_found("payment notice"))
}

pub fn save(doc: &Doc<Notice>) -> Result<(), Problem> {
    store::put(
        &key(&doc.value.debtor, &doc.value.notice_number),
        &doc.value,
        Some(doc.version),
    )?;
    Ok(())
}

/// Marks a notice paid through something else (a completed plan, a lapsed plan's balance).
pub fn settle(debtor: &str, number: &str, by: &str, at: &str) -> Result<(), Problem> {
    let mut doc = load(debtor, number)?;
    if doc.value.status == Status::Paid {
        return Ok(());
    }
    doc.value.status = Status::Paid;
    doc.value.payment = Some(Payment {
        paid_at: at.into(),
        amount_cents: doc.value.amount_cents,
        receipt_id: None,
        by: by.into(),
    });
    save(&doc)?;
    crate::settled(&doc.value)
}

/// Every notice of `debtor`, in notice-number order.
pub fn all(debtor: &str) -> Result<Vec<Doc<Notice>>, Problem> {
    Ok(store::list_all::<Notice>(&key(debtor, ""))?
        .into_iter()
        .map(|(_, d)| d)
        .collect())
}

/// A debtor's position on `today`.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Position {
    /// Open notices, overdue or not.
    pub open_cents: i64,
    /// Open notices past their due date.
    pub overdue_cents: i64,
    /// Debts covered by instalment plans (paid through the plans' instalments).
    pub in_plan_cents: i64,
    pub paid_cents: i64,
    pub open_notices: usize,
    pub overdue_notices: usize,
}

pub fn position(notices: &[Doc<Notice>], today: Date) -> Position {
    let mut p = Position::default();
    for n in notices.iter().map(|d| &d.value) {
        match n.status {
            Status::Open => {
                p.open_cents += n.amount_cents;
                p.open_notices += 1;
                if n.overdue(today) {
                    p.overdue_cents += n.amount_cents;
                    p.overdue_notices += 1;
                }
            }
            Status::Paid => p.paid_cents += n.amount_cents,
            Status::InPlan => p.in_plan_cents += n.amount_cents,
            Status::Cancelled | Status::Replaced => {}
        }
    }
    p
}

/// `GET /payment-notices[?status=open|paid|in-plan|cancelled]`: the caller's notices.
pub fn list(ctx: &Ctx) -> HandlerResult {
    let debtor = ctx.subject()?;
    let wanted = match ctx.query("status") {
        None => None,
        Some(raw) => Some(
            serde_json::from_value::<Status>(serde_json::Value::String(raw.into())).map_err(
                |_| {
                    Problem::invalid(vec![FieldError::new(
                        "status",
                        "must be open, paid, in-plan, cancelled or replaced",
                    )])
                },
            )?,
        ),
    };
    let limit = ctx.page_size()? as usize;
    let after = match ctx.query("cursor") {
        Some(c) => Some(
            NoticeNumber::parse(c)
                .map_err(|_| {
                    Problem::invalid(vec![FieldError::new(
                        "cursor",
                        "is not a cursor this API gave",
                    )])
                })?
                .to_string(),
        ),
        None => None,
    };
    let today = crate::today(ctx);
    let mut items: Vec<Notice> = all(debtor)?
        .into_iter()
        .map(|d| d.value)
        .filter(|n| wanted.is_none_or(|w| n.status == w))
        .filter(|n| after.as_ref().is_none_or(|a| n.notice_number > *a))
        .collect();
    let next = (items.len() > limit).then(|| items[limit - 1].notice_number.clone());
    items.truncate(limit);
    let items: Vec<_> = items.iter().map(|n| with_overdue(n, today)).collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), ""))
}

/// A notice as the API shows it: with whether it is overdue today.
pub fn with_overdue(n: &Notice, today: Date) -> serde_json::Value {
    let mut v = serde_json::to_value(n).expect("serialising a notice");
    v["overdue"] = serde_json::json!(n.overdue(today));
    v
}
