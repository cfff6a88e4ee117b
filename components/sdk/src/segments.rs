//! Seed 003's user segments: the words every domain's dossier summary uses to say what kind of
//! person or company its own data shows (`"segments": [..]`). The gateway unions them across
//! domains, so each domain names only the segments its data supports, and all of them spell a
//! segment the same way: with these constants.
//!
//! [`Segments`] is a sorted set, so a summary's array is sorted and free of repeats by
//! construction.

use std::collections::BTreeSet;

/// Citizens: the first contribution period is recent.
pub const STARTING_CAREER: &str = "starting-career";
/// Citizens: contributions in the current or previous year, or an open self-employment position.
pub const WORKER: &str = "worker";
/// Citizens: close to the pension age and still contributing.
pub const ABOUT_TO_RETIRE: &str = "about-to-retire";
/// Citizens: past the pension age and no longer contributing.
pub const PENSIONER: &str = "pensioner";
/// Citizens: a recognised disability with benefits, or an income-support benefit.
pub const ASSISTED: &str = "assisted";
/// Companies: the first declaration is recent.
pub const START_UP: &str = "start-up";
/// Companies: a recent declaration.
pub const ACTIVE: &str = "active";
/// Companies: an instalment plan running, or overdue debt beyond the DURC tolerance.
pub const IN_DIFFICULTY: &str = "in-difficulty";
/// Companies: the latest DURC irregular, and the overdue debt still beyond the tolerance.
pub const IN_CRISIS: &str = "in-crisis";

/// Every segment, for validating a campaign's target or a test's expectations.
pub const ALL: &[&str] = &[
    STARTING_CAREER,
    WORKER,
    ABOUT_TO_RETIRE,
    PENSIONER,
    ASSISTED,
    START_UP,
    ACTIVE,
    IN_DIFFICULTY,
    IN_CRISIS,
];

/// A summary's segments: serialises as a sorted JSON array without repeats.
pub type Segments = BTreeSet<&'static str>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_distinct_and_serialises_sorted() {
        let set: BTreeSet<_> = ALL.iter().collect();
        assert_eq!(set.len(), ALL.len());
        let segments: Segments = [WORKER, ASSISTED, WORKER, ABOUT_TO_RETIRE].into();
        assert_eq!(
            serde_json::to_string(&segments).unwrap(),
            r#"["about-to-retire","assisted","worker"]"#
        );
        assert_eq!(serde_json::to_string(&Segments::new()).unwrap(), "[]");
    }
}
