//! Assegno Unico Universale, the child benefit (D.Lgs. 230/2021 art. 4): the monthly amount for
//! each child from the household's ISEE, the children's ages and disabilities, and every
//! supplement.
//!
//! Rounding: the ISEE-dependent amounts are the rows of the year's tables, to the 10 cents
//! ([`crate::tables`]); the +50 % supplements are rounded once to the cent
//! ([`welfare_guest::money::round_div`]); nothing else is computed.

use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use welfare_guest::money::percent_bp;
use welfare_guest::reasons::{Explain, Lang, Reason};

use crate::params::{AssegnoFigures, AssegnoParams};
use crate::tables::Column;

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
    /// The household of an orphan: the one surviving parent, who earns from work.
    pub widowed_parent_working: bool,
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
    /// Art. 4 c. 8's supplement, for the orphan's household whose surviving parent works.
    WidowedParentWorking,
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
    /// What the household should know, each with its code ([`Why`]).
    pub notes: Vec<Reason>,
    pub source: String,
}

/// What a household should know about its amounts: stable codes, Italian and English texts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "code", rename_all = "kebab-case")]
pub enum Why {
    /// Art. 4 c. 1 and 5: without a valid ISEE every ISEE-dependent amount is its minimum.
    NoIsee,
    /// Art. 2 c. 1 b): children aged 18 to 20 count only under conditions.
    YoungAdultConditions,
    /// Art. 2 c. 1 c): from 21, only disabled children count.
    AdultOnlyIfDisabled,
}

impl Explain for Why {
    fn text(&self, lang: Lang) -> String {
        match self {
            Why::NoIsee => lang.pick(
                "Senza un ISEE valido ogni importo che ne dipende è al minimo. Presenta una DSU per avere l'ISEE e gli importi che ne derivano.",
                "No valid ISEE: every amount that depends on it is at its minimum. Submit a DSU to get an ISEE and the amounts it gives.",
            ),
            Why::YoungAdultConditions => lang.pick(
                "I figli dai 18 ai 20 anni contano solo se studiano o sono in formazione, lavorano con un reddito annuo inferiore a 8.000 euro, svolgono il servizio civile o sono registrati come disoccupati.",
                "Children aged 18 to 20 count only while in education or training, working with a yearly income under €8,000, in civil service, or registered as unemployed.",
            ),
            Why::AdultOnlyIfDisabled => lang.pick(
                "I figli dai 21 anni in su contano solo se con disabilità.",
                "Children aged 21 or more count only when disabled.",
            ),
        }
        .into()
    }
}

impl Outcome {
    /// Words the notes again in `lang` (a stored estimate, read in another language).
    pub fn relabel(&mut self, lang: Lang) {
        welfare_guest::reasons::relabel::<Why>(&mut self.notes, lang);
    }
}

/// Full years from `birth` to `on`.
pub fn age_on(birth: Date, on: Date) -> u32 {
    welfare_guest::dates::full_years(birth, on)
}

fn category(age: u32, disability: Disability) -> Category {
    match (age, disability) {
        (a, _) if a < ADULT_AGE => Category::Minor,
        (_, d) if d != Disability::None => Category::DisabledAdult,
        (a, _) if a < YOUNG_ADULT_END => Category::YoungAdult,
        _ => Category::NotEligible,
    }
}

fn disability_supplement(p: &AssegnoFigures, disability: Disability) -> i64 {
    match disability {
        Disability::None => 0,
        Disability::Medium => p.disability_medium_cents,
        Disability::Severe => p.disability_severe_cents,
        Disability::NonSelfSufficient => p.disability_non_self_sufficient_cents,
    }
}

pub fn evaluate(params: &AssegnoParams, h: &Household, lang: Lang) -> Outcome {
    let (p, tables) = (&params.figures, params.tables());
    let isee = h.isee_cents;
    let row = tables.row(isee);
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

    // Art. 4 c. 8: both parents earn from work; since D.L. 73/2022 art. 38 (conv. L. 122/2022)
    // also the orphan's household with one surviving parent who works.
    let earners = if h.both_parents_working {
        Some(SupplementKind::BothParentsWorking)
    } else if h.widowed_parent_working {
        Some(SupplementKind::WidowedParentWorking)
    } else {
        None
    };
    let mother_young = h.mother_age.is_some_and(|a| a < p.mother_age_limit);
    let toddler_household =
        due_count >= p.toddler_family_children && isee.is_some_and(|i| i <= tables.upper_cents());

    let mut children = Vec::with_capacity(h.children.len());
    for (i, child) in h.children.iter().enumerate() {
        let age = ages[i];
        let category = categories[i];
        let base = match category {
            Category::Minor | Category::DisabledAdult => tables.amount(Column::Minor, row),
            Category::YoungAdult => tables.amount(Column::YoungAdult, row),
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
                    tables.amount(Column::ThirdChild, row),
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
            if age < ADULT_AGE
                && let Some(kind) = earners
            {
                add(kind, tables.amount(Column::BothWorking, row));
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
        notes.push(Why::NoIsee.reason(lang));
    }
    if categories.contains(&Category::YoungAdult) {
        notes.push(Why::YoungAdultConditions.reason(lang));
    }
    if categories.contains(&Category::NotEligible) {
        notes.push(Why::AdultOnlyIfDisabled.reason(lang));
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
        source: format!("{}; {}", tables.source, p.source),
    }
}
