//! Benefits that follow a civil-invalidity assessment (L. 118/1971, L. 18/1980, L. 289/1990,
//! L. 68/1999), with the year's figures: which are due, their monthly amounts and income
//! limits, and the declarations the citizen must still send.
//!
//! Nothing here is computed: amounts and limits are the circular's figures as they stand.

use serde::{Deserialize, Serialize};
use welfare_guest::reasons::{Explain, Lang, Reason};

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
    /// Whether the person works. No benefit depends on it: the assegno mensile's "inattività
    /// lavorativa" is met by an income under its limit (L. 215/2021 art. 12-ter, see
    /// [`evaluate`]); a working person granted it is told so ([`Why::WorkingWithinIncomeLimit`]).
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
    /// Why, with its code ([`Why`]).
    pub reason: Reason,
}

/// Why a benefit is not due, or what the person should know: stable codes, Italian and English
/// texts ([`welfare_guest::reasons`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Why {
    /// L. 118/1971 art. 19: from the age of the assegno sociale it replaces the pension and the
    /// allowance.
    AssegnoSocialeFromAge { age: u32 },
    /// The year's income limit of the benefit.
    IncomeAboveLimit { limit_cents: i64 },
    /// L. 215/2021 art. 12-ter: working does not exclude the assegno mensile while the income
    /// stays under its limit.
    WorkingWithinIncomeLimit { limit_cents: i64 },
}

impl Explain for Why {
    fn text(&self, lang: Lang) -> String {
        match (self, lang) {
            (Why::AssegnoSocialeFromAge { age }, Lang::It) => {
                format!("Dai {age} anni spetta al suo posto l'assegno sociale.")
            }
            (Why::AssegnoSocialeFromAge { age }, Lang::En) => {
                format!("From age {age} the assegno sociale takes its place.")
            }
            (Why::IncomeAboveLimit { limit_cents }, _) => match lang {
                Lang::It => format!(
                    "Reddito superiore al limite di {}.",
                    lang.euro(*limit_cents)
                ),
                Lang::En => format!("Income above the limit of {}.", lang.euro(*limit_cents)),
            },
            (Why::WorkingWithinIncomeLimit { limit_cents }, _) => match lang {
                Lang::It => format!(
                    "Lavorare non esclude l'assegno mensile finché il reddito resta entro il limite di {} (L. 215/2021 art. 12-ter).",
                    lang.euro(*limit_cents)
                ),
                Lang::En => format!(
                    "Working does not exclude the assegno mensile while income stays within the limit of {} (L. 215/2021 art. 12-ter).",
                    lang.euro(*limit_cents)
                ),
            },
        }
    }
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
    /// What the person should know, each with its code ([`Why`]).
    #[serde(default)]
    pub notes: Vec<Reason>,
    pub source: String,
}

impl Outcome {
    /// Words the reasons and notes again in `lang` (a stored outcome, read in another language).
    pub fn relabel(&mut self, lang: Lang) {
        for n in &mut self.not_granted {
            welfare_guest::reasons::relabel::<Why>(std::slice::from_mut(&mut n.reason), lang);
        }
        welfare_guest::reasons::relabel::<Why>(&mut self.notes, lang);
    }
}

fn declarations(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

pub fn evaluate(p: &Params, c: &Case, lang: Lang) -> Outcome {
    let pct = c.percentage as u32;
    let adult = c.age >= p.adult_age;
    let working_age = adult && c.age < p.pension_age;
    let mut benefits = Vec::new();
    let mut not_granted = Vec::new();
    let mut notes = Vec::new();
    let mut refuse = |kind, why: Why| {
        not_granted.push(NotGranted {
            kind,
            reason: why.reason(lang),
        })
    };
    let later = Why::AssegnoSocialeFromAge { age: p.pension_age };

    if pct == p.pension_percent {
        if !working_age {
            if adult {
                refuse(Kind::PensioneInabilita, later.clone());
            }
        } else if c.income_cents > p.income_limit_total_cents {
            refuse(
                Kind::PensioneInabilita,
                Why::IncomeAboveLimit {
                    limit_cents: p.income_limit_total_cents,
                },
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
                refuse(Kind::AssegnoMensile, later.clone());
            }
        } else if c.income_cents > p.income_limit_partial_cents {
            // L. 118/1971 art. 13 pays the assegno mensile to partial invalids who do not work.
            // D.L. 146/2021 art. 12-ter (conv. L. 215/2021), its authentic interpretation,
            // reads that condition as met when the person's yearly income stays under the
            // allowance's income limit: someone who works is refused for the income, never
            // for working.
            refuse(
                Kind::AssegnoMensile,
                Why::IncomeAboveLimit {
                    limit_cents: p.income_limit_partial_cents,
                },
            );
        } else {
            if c.working {
                notes.push(
                    Why::WorkingWithinIncomeLimit {
                        limit_cents: p.income_limit_partial_cents,
                    }
                    .reason(lang),
                );
            }
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
                Why::IncomeAboveLimit {
                    limit_cents: p.income_limit_partial_cents,
                },
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
        notes,
        source: p.source.clone(),
    }
}
