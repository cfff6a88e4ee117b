//! Benefits that follow a civil-invalidity assessment (L. 118/1971, L. 18/1980, L. 289/1990,
//! L. 68/1999), with the year's figures: which are due, their monthly amounts and income
//! limits, and the declarations the citizen must still send.
//!
//! Nothing here is computed: amounts and limits are the circular's figures as they stand.

use serde::{Deserialize, Serialize};

use crate::params::Params;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Kind {
    AssegnoMensile,
    PensioneInabilita,
    IndennitaAccompagnamento,
    IndennitaFrequenza,
}

/// What the rules need to know.
#[derive(Debug, Clone)]
pub struct Case {
    pub percentage: u8,
    /// Cannot walk unaided, or cannot perform the acts of daily life without help.
    pub needs_attendance: bool,
    pub age: u32,
    /// Personal income of the year, in cents.
    pub income_cents: i64,
    /// Whether the person works. Recorded with the assessment, but no benefit depends on it:
    /// the assegno mensile's "inattività lavorativa" is met by an income under its limit
    /// (L. 215/2021 art. 12-ter, see [`evaluate`]).
    pub working: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Benefit {
    pub kind: Kind,
    pub monthly_amount_cents: i64,
    /// `None`: due whatever the income.
    pub income_limit_cents: Option<i64>,
    /// What the citizen must still declare for payment to start and go on.
    pub declarations_needed: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NotGranted {
    pub kind: Kind,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    /// More than a third: the invalid status is recognised.
    pub recognised: bool,
    /// More than 45 %: registered for targeted job placement.
    pub targeted_placement: bool,
    pub benefits: Vec<Benefit>,
    /// Benefits the percentage would give, and why they are not due.
    pub not_granted: Vec<NotGranted>,
    pub source: String,
}

fn declarations(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub fn evaluate(p: &Params, c: &Case) -> Outcome {
    let pct = c.percentage as u32;
    let adult = c.age >= p.adult_age;
    let working_age = adult && c.age < p.pension_age;
    let mut benefits = Vec::new();
    let mut not_granted = Vec::new();
    let mut refuse = |kind, reason: String| not_granted.push(NotGranted { kind, reason });

    if pct == p.pension_percent {
        if !working_age {
            if adult {
                refuse(
                    Kind::PensioneInabilita,
                    format!(
                        "From age {} the assegno sociale takes its place.",
                        p.pension_age
                    ),
                );
            }
        } else if c.income_cents > p.income_limit_total_cents {
            refuse(
                Kind::PensioneInabilita,
                format!(
                    "Income above the limit of {} cents.",
                    p.income_limit_total_cents
                ),
            );
        } else {
            benefits.push(Benefit {
                kind: Kind::PensioneInabilita,
                monthly_amount_cents: p.pension_cents,
                income_limit_cents: Some(p.income_limit_total_cents),
                declarations_needed: declarations(&["income"]),
            });
        }
    } else if pct >= p.allowance_from_percent {
        if !working_age {
            if adult {
                refuse(
                    Kind::AssegnoMensile,
                    format!(
                        "From age {} the assegno sociale takes its place.",
                        p.pension_age
                    ),
                );
            }
        } else if c.income_cents > p.income_limit_partial_cents {
            // L. 118/1971 art. 13 pays the assegno mensile to partial invalids who do not work.
            // D.L. 146/2021 art. 12-ter (conv. L. 215/2021), its authentic interpretation,
            // reads that condition as met when the person's yearly income stays under the
            // allowance's income limit: someone who works is refused for the income, never
            // for working.
            refuse(
                Kind::AssegnoMensile,
                format!(
                    "Income above the limit of {} cents.",
                    p.income_limit_partial_cents
                ),
            );
        } else {
            benefits.push(Benefit {
                kind: Kind::AssegnoMensile,
                monthly_amount_cents: p.pension_cents,
                income_limit_cents: Some(p.income_limit_partial_cents),
                declarations_needed: declarations(&["income"]),
            });
        }
    }

    let attendance = pct == p.pension_percent && c.needs_attendance;
    if attendance {
        benefits.push(Benefit {
            kind: Kind::IndennitaAccompagnamento,
            monthly_amount_cents: p.attendance_cents,
            income_limit_cents: None,
            declarations_needed: declarations(&["no-free-hospitalisation"]),
        });
    }

    // Minors with persistent difficulties: the indennità di frequenza, unless the attendance
    // allowance (which excludes it) is due.
    if !adult && pct > p.recognised_above_percent && !attendance {
        if c.income_cents > p.income_limit_partial_cents {
            refuse(
                Kind::IndennitaFrequenza,
                format!(
                    "Income above the limit of {} cents.",
                    p.income_limit_partial_cents
                ),
            );
        } else {
            benefits.push(Benefit {
                kind: Kind::IndennitaFrequenza,
                monthly_amount_cents: p.frequency_cents,
                income_limit_cents: Some(p.income_limit_partial_cents),
                declarations_needed: declarations(&["income", "school-or-therapy-attendance"]),
            });
        }
    }

    Outcome {
        recognised: pct > p.recognised_above_percent,
        targeted_placement: working_age && pct > p.placement_above_percent,
        benefits,
        not_granted,
        source: p.source.clone(),
    }
}
