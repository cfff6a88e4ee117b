//! NASpI, the unemployment benefit (D.Lgs. 22/2015): eligibility, reference wage, monthly
//! amount, the monthly reduction, duration and the month-by-month schedule.
//!
//! Rounding, the one rule: every amount is rounded once, half away from zero, to the cent
//! ([`welfare_guest::money::round_div`]). The reduced amount of a month is 97 % of the previous
//! month's (rounded) amount. A month of benefit is 4.33 weeks (the law's own factor); a last,
//! shorter month is paid pro rata to its weeks.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::money::round_div;
use welfare_guest::reasons::{Explain, Lang, Reason};

use crate::params::NaspiParams;

/// Why the employment ended (`termination_reason`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TerminationReason {
    Dismissal,
    ContractEnd,
    ResignationJustCause,
    Consensual,
    Resignation,
}

/// What the rules need to know.
#[derive(Debug, Clone)]
pub struct Case {
    pub termination_date: Date,
    pub claim_date: Date,
    pub reason: TerminationReason,
    pub wages_last_4_years_cents: i64,
    pub contribution_weeks_last_4_years: u32,
    /// On the claim date (art. 4 c. 3 as amended: "alla data di presentazione della domanda").
    pub age: u32,
    /// A voluntary resignation from another job, and the contribution weeks since it.
    pub previous_resignation: Option<PreviousResignation>,
}

/// Another job left by voluntary resignation before the involuntary loss (L. 207/2024 art. 1
/// c. 171).
#[derive(Debug, Clone, Copy)]
pub struct PreviousResignation {
    pub date: Date,
    pub weeks_since: u32,
}

/// Why a claim is refused, or what the claimant should know: stable codes, Italian and English
/// texts ([`welfare_guest::reasons`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Why {
    /// Art. 3 c. 1: a voluntary resignation is not an involuntary loss.
    VoluntaryResignation,
    /// Art. 3 c. 1 b): too few weeks in the four years.
    TooFewWeeks {
        needed: u32,
        declared: u32,
    },
    /// Art. 6 c. 1: the claim is past its window.
    ClaimTooLate {
        window_days: i32,
        deadline: Date,
    },
    ClaimBeforeTermination,
    /// L. 207/2024 art. 1 c. 171: too few weeks since a recent resignation from another job.
    TooFewWeeksSinceResignation {
        resigned_on: Date,
        needed: u32,
        declared: u32,
    },
    /// A consensual termination counts only when agreed under art. 7 L. 604/1966.
    ConsensualNeedsConciliation,
}

impl Explain for Why {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Why::VoluntaryResignation, Lang::It) => "Le dimissioni volontarie senza giusta causa non sono una perdita involontaria dell'occupazione (D.Lgs. 22/2015 art. 3).".into(),
            (Why::VoluntaryResignation, Lang::En) => "Voluntary resignation without just cause is not an involuntary loss of employment (D.Lgs. 22/2015 art. 3).".into(),
            (Why::TooFewWeeks { needed, declared }, Lang::It) => format!("Servono almeno {needed} settimane di contributi nei 4 anni prima della cessazione; ne risultano {declared}."),
            (Why::TooFewWeeks { needed, declared }, Lang::En) => format!("At least {needed} weeks of contributions are needed in the 4 years before the termination; {declared} were declared."),
            (Why::ClaimTooLate { window_days, deadline }, Lang::It) => format!("La domanda va presentata entro {window_days} giorni dalla cessazione, cioè entro il {deadline}."),
            (Why::ClaimTooLate { window_days, deadline }, Lang::En) => format!("The claim must be made within {window_days} days of the termination, by {deadline}."),
            (Why::ClaimBeforeTermination, Lang::It) => "La domanda non può precedere la cessazione.".into(),
            (Why::ClaimBeforeTermination, Lang::En) => "The claim cannot precede the termination.".into(),
            (Why::TooFewWeeksSinceResignation { resigned_on, needed, declared }, Lang::It) => format!("Dopo le dimissioni volontarie del {resigned_on}, nei 12 mesi prima della cessazione, servono almeno {needed} settimane di contributi da allora; ne risultano {declared} (L. 207/2024 art. 1 c. 171)."),
            (Why::TooFewWeeksSinceResignation { resigned_on, needed, declared }, Lang::En) => format!("After the voluntary resignation of {resigned_on}, in the 12 months before the termination, at least {needed} weeks of contributions are needed since; {declared} were declared (L. 207/2024 art. 1 c. 171)."),
            (Why::ConsensualNeedsConciliation, Lang::It) => "Una risoluzione consensuale dà diritto alla NASpI solo se concordata nella procedura di conciliazione dell'art. 7 L. 604/1966.".into(),
            (Why::ConsensualNeedsConciliation, Lang::En) => "A consensual termination gives NASpI only when agreed in the conciliation procedure of art. 7 L. 604/1966.".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Month {
    pub month: u32,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Outcome {
    pub eligible: bool,
    /// Why not eligible (empty when eligible), each with its code ([`Why`]).
    pub reasons: Vec<Reason>,
    /// Things the claimant should know that do not change the outcome.
    pub notes: Vec<Reason>,
    pub reference_monthly_wage_cents: i64,
    /// The first month's amount, before any reduction.
    pub monthly_amount_cents: i64,
    pub duration_weeks: u32,
    /// From which month of payment the 3 % monthly reduction applies.
    pub reduction_from_month: u32,
    pub schedule: Vec<Month>,
    pub total_cents: i64,
    pub source: String,
}

/// Reference monthly wage: wages ÷ contribution weeks × 4.33 (art. 4 c. 1).
pub fn reference_wage(p: &NaspiParams, wages_cents: i64, weeks: u32) -> i64 {
    if weeks == 0 {
        return 0;
    }
    round_div(
        wages_cents as i128 * p.weeks_to_months_x100 as i128,
        weeks as i128 * 100,
    ) as i64
}

/// Monthly amount: 75 % up to the threshold plus 25 % of the excess, capped (art. 4 c. 1-2).
pub fn monthly_amount(p: &NaspiParams, reference_cents: i64) -> i64 {
    let base = reference_cents.min(p.threshold_cents) as i128;
    let excess = (reference_cents - p.threshold_cents).max(0) as i128;
    let amount = round_div(
        base * p.replacement_bp as i128 + excess * p.excess_bp as i128,
        10_000,
    ) as i64;
    amount.min(p.cap_cents)
}

/// Duration in weeks: half the contribution weeks, at most 104 (art. 5).
pub fn duration_weeks(p: &NaspiParams, contribution_weeks: u32) -> u32 {
    (contribution_weeks / 2).min(p.max_duration_weeks)
}

/// The month of payment from which the reduction applies, by age.
pub fn reduction_start(p: &NaspiParams, age: u32) -> u32 {
    if age >= p.reduction_age {
        p.reduction_from_month_55
    } else {
        p.reduction_from_month
    }
}

/// Month-by-month payments for `weeks` of benefit starting at `amount`.
pub fn schedule(p: &NaspiParams, amount: i64, weeks: u32, reduce_from: u32) -> Vec<Month> {
    let mut remaining = weeks as i64 * 100; // hundredths of a week
    let mut current = amount;
    let mut months = Vec::new();
    let mut month = 1;
    while remaining > 0 && month <= p.max_duration_months {
        if month >= reduce_from {
            current = round_div(current as i128 * (10_000 - p.reduction_bp) as i128, 10_000) as i64;
        }
        let covered = remaining.min(p.weeks_to_months_x100);
        let paid = round_div(
            current as i128 * covered as i128,
            p.weeks_to_months_x100 as i128,
        ) as i64;
        months.push(Month {
            month,
            amount_cents: paid,
        });
        remaining -= covered;
        month += 1;
    }
    months
}

/// Whether a resignation from another job on `resigned` falls in the 12 months before the
/// termination, for terminations from the rule's start (L. 207/2024 art. 1 c. 171).
fn resignation_counts(p: &NaspiParams, resigned: Date, termination: Date) -> bool {
    let window_start = termination
        .checked_sub(jiff::Span::new().months(p.resignation_lookback_months as i64))
        .unwrap_or(termination);
    termination >= p.resignation_rule_from && resigned >= window_start && resigned < termination
}

impl Outcome {
    /// Words the reasons and notes again in `lang` (a stored estimate, read in another language).
    pub fn relabel(&mut self, lang: Lang) {
        welfare_guest::reasons::relabel::<Why>(&mut self.reasons, lang);
        welfare_guest::reasons::relabel::<Why>(&mut self.notes, lang);
    }
}

pub fn evaluate(p: &NaspiParams, case: &Case, lang: Lang) -> Outcome {
    let mut reasons = Vec::new();
    let mut notes = Vec::new();
    match case.reason {
        TerminationReason::Resignation => reasons.push(Why::VoluntaryResignation),
        TerminationReason::Consensual => notes.push(Why::ConsensualNeedsConciliation),
        _ => {}
    }
    if case.contribution_weeks_last_4_years < p.min_contribution_weeks {
        reasons.push(Why::TooFewWeeks {
            needed: p.min_contribution_weeks,
            declared: case.contribution_weeks_last_4_years,
        });
    }
    if let Some(r) = case.previous_resignation
        && resignation_counts(p, r.date, case.termination_date)
        && r.weeks_since < p.resignation_min_weeks
    {
        reasons.push(Why::TooFewWeeksSinceResignation {
            resigned_on: r.date,
            needed: p.resignation_min_weeks,
            declared: r.weeks_since,
        });
    }
    let deadline = case
        .termination_date
        .checked_add(jiff::Span::new().days(p.claim_window_days as i64))
        .unwrap_or(case.termination_date);
    if case.claim_date > deadline {
        reasons.push(Why::ClaimTooLate {
            window_days: p.claim_window_days,
            deadline,
        });
    }
    if case.claim_date < case.termination_date {
        reasons.push(Why::ClaimBeforeTermination);
    }
    let reasons: Vec<Reason> = reasons.iter().map(|w| w.reason(lang)).collect();
    let notes: Vec<Reason> = notes.iter().map(|w| w.reason(lang)).collect();
    let eligible = reasons.is_empty();
    let reference = reference_wage(
        p,
        case.wages_last_4_years_cents,
        case.contribution_weeks_last_4_years,
    );
    let (amount, weeks, reduce_from, months) = if eligible {
        let amount = monthly_amount(p, reference);
        let weeks = duration_weeks(p, case.contribution_weeks_last_4_years);
        let reduce_from = reduction_start(p, case.age);
        (
            amount,
            weeks,
            reduce_from,
            schedule(p, amount, weeks, reduce_from),
        )
    } else {
        (0, 0, 0, Vec::new())
    };
    Outcome {
        eligible,
        reasons,
        notes,
        reference_monthly_wage_cents: reference,
        monthly_amount_cents: amount,
        duration_weeks: weeks,
        reduction_from_month: reduce_from,
        total_cents: months.iter().map(|m| m.amount_cents).sum(),
        schedule: months,
        source: format!("D.Lgs. 22/2015; {}", p.source),
    }
}
