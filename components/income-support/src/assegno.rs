//! Assegno Unico Universale, the child benefit (D.Lgs. 230/2021 art. 4): the monthly amount for
//! each child from the household's ISEE, the children's ages and disabilities, and every
//! supplement.
//!
//! Rounding: the circular's tables give amounts to the 10 cents, ISEE step by ISEE step
//! ([`table_amount`]); the +50 % supplements are rounded once to the cent
//! ([`welfare_guest::money::round_div`]); nothing else is computed.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::money::{percent_bp, round_div};

use crate::params::AssegnoParams;

/// Children are counted as adults from this age, and no longer (unless disabled) from the next.
const ADULT_AGE: u32 = 18;
const YOUNG_ADULT_END: u32 = 21;
/// The toddler supplement is for children "between one and three years".
const TODDLER_AGES: std::ops::Range<u32> = 1..3;

/// The disability of a child, as certified (`disability` in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum Disability {
    #[default]
    None,
    Medium,
    Severe,
    NonSelfSufficient,
}

#[derive(Debug, Clone)]
pub struct Child {
    pub birth_date: Date,
    pub disability: Disability,
}

/// What the rules need to know about a household.
#[derive(Debug, Clone)]
pub struct Household {
    /// `None`: no valid ISEE, so every ISEE-dependent amount is its minimum.
    pub isee_cents: Option<i64>,
    pub children: Vec<Child>,
    pub both_parents_working: bool,
    pub mother_age: Option<u32>,
    /// The day ages are taken on.
    pub reference_date: Date,
}

/// Which amount of art. 4 a child is counted under.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    /// Under 18 (c. 1).
    Minor,
    /// 18 to 20, not disabled (c. 2).
    YoungAdult,
    /// Disabled, 18 or older: the minor's amount, at any age (c. 6).
    DisabledAdult,
    /// 21 or older and not disabled: no benefit.
    NotEligible,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SupplementKind {
    UnderOne,
    Toddler,
    ThirdChildOnward,
    Disability,
    #[serde(rename = "mother-under-21")]
    MotherUnder21,
    BothParentsWorking,
    LargeFamily,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Supplement {
    pub kind: SupplementKind,
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChildAmount {
    pub birth_date: String,
    pub age: u32,
    pub disability: Disability,
    pub category: Category,
    /// The c. 1 / c. 2 amount for this child before supplements.
    pub base_cents: i64,
    pub supplements: Vec<Supplement>,
    /// Base plus this child's supplements.
    pub amount_cents: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outcome {
    pub isee_cents: Option<i64>,
    pub monthly_total_cents: i64,
    /// In the order the children were given.
    pub children: Vec<ChildAmount>,
    /// Supplements for the household as a whole.
    pub household_supplements: Vec<Supplement>,
    pub notes: Vec<String>,
    pub source: String,
}

/// Full years from `birth` to `on`.
pub fn age_on(birth: Date, on: Date) -> u32 {
    welfare_guest::dates::full_years(birth, on)
}

/// An amount that falls from `max` (ISEE at or below the lower threshold) to `min` (at or above
/// the upper one, or with no ISEE) in the tables' equal ISEE steps, to the tables' 10 cents.
pub fn table_amount(p: &AssegnoParams, max: i64, min: i64, isee: Option<i64>) -> i64 {
    let Some(isee) = isee else { return min };
    if isee <= p.isee_lower_cents {
        return max;
    }
    if isee >= p.isee_upper_cents {
        return min;
    }
    let span = (p.isee_upper_cents - p.isee_lower_cents) as i128;
    let steps = p.isee_steps as i128;
    // The step an ISEE falls in: 1 just above the lower threshold, `steps` just below the upper.
    let step = ((isee - p.isee_lower_cents) as i128 * steps + span - 1) / span;
    let rounding = p.table_rounding_cents as i128;
    let exact_x_steps = max as i128 * steps - (max - min) as i128 * step;
    (round_div(exact_x_steps, steps * rounding) * rounding) as i64
}

fn category(age: u32, disability: Disability) -> Category {
    match (age, disability) {
        (a, _) if a < ADULT_AGE => Category::Minor,
        (_, d) if d != Disability::None => Category::DisabledAdult,
        (a, _) if a < YOUNG_ADULT_END => Category::YoungAdult,
        _ => Category::NotEligible,
    }
}

fn disability_supplement(p: &AssegnoParams, disability: Disability) -> i64 {
    match disability {
        Disability::None => 0,
        Disability::Medium => p.disability_medium_cents,
        Disability::Severe => p.disability_severe_cents,
        Disability::NonSelfSufficient => p.disability_non_self_sufficient_cents,
    }
}

pub fn evaluate(p: &AssegnoParams, h: &Household) -> Outcome {
    let isee = h.isee_cents;
    let ages: Vec<u32> = h
        .children
        .iter()
        .map(|c| age_on(c.birth_date, h.reference_date))
        .collect();
    let categories: Vec<Category> = h
        .children
        .iter()
        .zip(&ages)
        .map(|(c, &age)| category(age, c.disability))
        .collect();
    // Children the benefit is due for, oldest first: the third of them onward gets c. 3.
    let mut due: Vec<usize> = (0..h.children.len())
        .filter(|&i| categories[i] != Category::NotEligible)
        .collect();
    due.sort_by_key(|&i| (h.children[i].birth_date, i));
    let due_count = due.len() as u32;

    let mother_young = h.mother_age.is_some_and(|a| a < p.mother_age_limit);
    let toddler_household = due_count >= p.toddler_family_children
        && isee.is_some_and(|i| i <= p.toddler_isee_limit_cents);

    let mut children = Vec::with_capacity(h.children.len());
    for (i, child) in h.children.iter().enumerate() {
        let age = ages[i];
        let category = categories[i];
        let base = match category {
            Category::Minor | Category::DisabledAdult => {
                table_amount(p, p.minor_max_cents, p.minor_min_cents, isee)
            }
            Category::YoungAdult => {
                table_amount(p, p.young_adult_max_cents, p.young_adult_min_cents, isee)
            }
            Category::NotEligible => 0,
        };
        let mut supplements = Vec::new();
        let mut add = |kind, amount_cents: i64| {
            if amount_cents > 0 {
                supplements.push(Supplement { kind, amount_cents });
            }
        };
        if category != Category::NotEligible {
            if age == 0 {
                add(SupplementKind::UnderOne, percent_bp(base, p.under_one_bp));
            } else if TODDLER_AGES.contains(&age) && toddler_household {
                add(SupplementKind::Toddler, percent_bp(base, p.toddler_bp));
            }
            let rank = due.iter().position(|&j| j == i).expect("due child") + 1;
            if rank >= 3 {
                add(
                    SupplementKind::ThirdChildOnward,
                    table_amount(p, p.third_child_max_cents, p.third_child_min_cents, isee),
                );
            }
            if age < YOUNG_ADULT_END {
                add(
                    SupplementKind::Disability,
                    disability_supplement(p, child.disability),
                );
            }
            if mother_young {
                add(SupplementKind::MotherUnder21, p.mother_under_21_cents);
            }
            if age < ADULT_AGE && h.both_parents_working {
                add(
                    SupplementKind::BothParentsWorking,
                    table_amount(p, p.both_working_max_cents, 0, isee),
                );
            }
        }
        let amount = base + supplements.iter().map(|s| s.amount_cents).sum::<i64>();
        children.push(ChildAmount {
            birth_date: child.birth_date.to_string(),
            age,
            disability: child.disability,
            category,
            base_cents: base,
            supplements,
            amount_cents: amount,
        });
    }

    let mut household_supplements = Vec::new();
    if due_count >= p.large_family_children {
        household_supplements.push(Supplement {
            kind: SupplementKind::LargeFamily,
            amount_cents: p.large_family_cents,
        });
    }
    let mut notes = Vec::new();
    if isee.is_none() {
        notes.push(
            "No valid ISEE: every amount that depends on it is at its minimum. Submit a DSU to get an ISEE and the amounts it gives."
                .to_string(),
        );
    }
    if categories.contains(&Category::YoungAdult) {
        notes.push(
            "Children aged 18 to 20 count only while in education or training, working with a yearly income under €8,000, in civil service, or registered as unemployed."
                .to_string(),
        );
    }
    if categories.contains(&Category::NotEligible) {
        notes.push("Children aged 21 or more count only when disabled.".to_string());
    }
    let total = children.iter().map(|c| c.amount_cents).sum::<i64>()
        + household_supplements
            .iter()
            .map(|s| s.amount_cents)
            .sum::<i64>();
    Outcome {
        isee_cents: isee,
        monthly_total_cents: total,
        children,
        household_supplements,
        notes,
        source: format!("D.Lgs. 230/2021 art. 4; {}", p.source),
    }
}
