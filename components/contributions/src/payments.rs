//! Payments and the debt position: recording a pagoPA payment of a notice and what follows
//! from it, and the position a debtor reads. They use the notices, the plans and the DURC;
//! [`crate::notices`] itself is a leaf that none of them reaches back into.

use serde::Deserialize;
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, events, json};
use welfare_identity::NoticeNumber;

use crate::notices::{
    Kind, Notice, PAYMENT_RECORDED, Payment, Status, all, load, position, save, with_overdue,
};
use crate::{durc, plans, self_employed};

/// The longest payment-provider receipt id kept.
const MAX_RECEIPT_CHARS: usize = 64;

/// `GET /debt`: the debt position, with the notices still to pay and the plans.
pub fn debt(ctx: &Ctx) -> HandlerResult {
    let debtor = ctx.subject()?;
    let today = crate::today(ctx);
    let notices = all(debtor)?;
    let position = position(&notices, today);
    let open: Vec<_> = notices
        .iter()
        .map(|d| &d.value)
        .filter(|n| n.status == Status::Open)
        .map(|n| with_overdue(n, today))
        .collect();
    // Regular as a DURC requested today would find it: the dues up to its cut-off, with
    // their sanctions, within the tolerance.
    let values: Vec<Notice> = notices.iter().map(|d| d.value.clone()).collect();
    let verification = durc::verify(&values, today, today);
    Ok(json(
        200,
        &serde_json::json!({
            "debtor": debtor,
            "as_of": today,
            "open_cents": position.open_cents,
            "overdue_cents": position.overdue_cents,
            "in_plan_cents": position.in_plan_cents,
            "paid_cents": position.paid_cents,
            "regular": durc::within_tolerance(&verification, today),
            "verified_up_to": verification.cutoff,
            "shortfall_cents": verification.shortfall_cents(),
            "open_notices": open,
            "plans": plans::brief(&plans::of(debtor)?),
        }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PaymentBody {
    amount_cents: i64,
    #[serde(default)]
    receipt_id: Option<String>,
}

/// `POST /payment-notices/{notice_number}/payment`: records that the notice was paid through
/// pagoPA. A notice is paid once and in full.
pub fn pay(ctx: &Ctx) -> HandlerResult {
    let debtor = ctx.subject()?.to_string();
    let number = NoticeNumber::parse(ctx.param("notice_number"))
        .map_err(|e| Problem::invalid(vec![FieldError::new("notice_number", &e.to_string())]))?;
    let body: PaymentBody = ctx.json()?;
    if body
        .receipt_id
        .as_ref()
        .is_some_and(|r| r.trim().is_empty() || r.chars().count() > MAX_RECEIPT_CHARS)
    {
        return Err(Problem::invalid(vec![FieldError::new(
            "receipt_id",
            &format!("must be 1 to {MAX_RECEIPT_CHARS} characters"),
        )]));
    }
    let mut doc = load(&debtor, number.as_str())?;
    let notice = &doc.value;
    match notice.status {
        Status::Open => {}
        Status::Paid => {
            return Err(
                Problem::conflict("This notice is already paid.").with_detail(format!(
                    "Paid on {}.",
                    notice
                        .payment
                        .as_ref()
                        .map(|p| p.paid_at.as_str())
                        .unwrap_or("?")
                )),
            );
        }
        Status::InPlan => {
            return Err(
                Problem::conflict("This debt is in an instalment plan.").with_detail(format!(
                    "Pay the instalments of plan {} instead.",
                    notice.plan_id.as_deref().unwrap_or("?")
                )),
            );
        }
        Status::Cancelled => {
            return Err(Problem::conflict(
                "This notice was cancelled and cannot be paid.",
            ));
        }
        Status::Replaced => {
            return Err(
                Problem::conflict("This debt was carried into another notice.").with_detail(
                    format!(
                        "The instalment plan {} lapsed: pay its balance notice instead.",
                        notice.plan_id.as_deref().unwrap_or("?")
                    ),
                ),
            );
        }
    }
    if body.amount_cents != notice.amount_cents {
        return Err(Problem::new(
            422,
            "amount-mismatch",
            "A pagoPA notice is paid in full: the amount must be the notice's.",
        )
        .with_detail(format!(
            "The notice is for {} cents; the payment was {} cents.",
            notice.amount_cents, body.amount_cents
        )));
    }
    let today = crate::today(ctx);
    doc.value.status = Status::Paid;
    doc.value.payment = Some(Payment {
        paid_at: ctx.req.received_at.clone(),
        amount_cents: body.amount_cents,
        receipt_id: body.receipt_id,
        by: ctx.actor(),
    });
    save(&doc)?;
    match doc.value.kind {
        Kind::FixedContribution => self_employed::credit(&doc.value)?,
        Kind::Instalment => plans::instalment_paid(&doc.value)?,
        Kind::PlanBalance => plans::balance_paid(&doc.value)?,
        Kind::Declaration => {}
    }
    events::publish(
        PAYMENT_RECORDED,
        Some(&debtor),
        &serde_json::json!({
            "notice_number": doc.value.notice_number,
            "amount_cents": doc.value.amount_cents,
            "kind": doc.value.kind,
        }),
    )?;
    durc::recheck(&debtor, today, &ctx.req.received_at)?;
    Ok(json(200, &with_overdue(&doc.value, today)))
}
