//! The amortisation schedule of an instalment plan: constant monthly instalments (French
//! amortisation) at a yearly deferment rate (the one in force on the plan's request date,
//! chosen by [`crate::plans`]), each instalment's interest charged on the principal still owed.
//!
//! Everything is integer cents. The constant instalment is found once, in 10^-18 fixed point,
//! and rounded to the cent; then each month's interest is rounded to the cent on the balance,
//! the principal part is the instalment less that interest, and the last instalment takes
//! whatever principal remains. So the principal parts add up to the debt exactly, and the
//! instalments add up to the debt plus the interest exactly, to the cent.

use welfare_guest::money::round_div;

/// Fixed-point scale for the one non-integer step, the constant instalment.
const SCALE: i128 = 1_000_000_000_000_000_000;
/// Months in a year: the monthly rate is the yearly rate ÷ 12.
const MONTHS: i128 = 12;
/// Basis points in one.
const BP: i128 = 10_000;

/// One instalment of a schedule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub principal_cents: i64,
    pub interest_cents: i64,
}

impl Line {
    pub fn amount_cents(&self) -> i64 {
        self.principal_cents + self.interest_cents
    }
}

/// The schedule of `principal_cents` over `count` monthly instalments at `annual_bp` a year.
/// `count` must be at least 1 and the principal not negative.
pub fn schedule(principal_cents: i64, count: u32, annual_bp: i64) -> Vec<Line> {
    assert!(count >= 1 && principal_cents >= 0 && annual_bp >= 0);
    let principal = principal_cents as i128;
    let n = count as i128;
    let instalment = if annual_bp == 0 {
        round_div(principal, n)
    } else {
        // Monthly rate r, then A = P · r(1+r)^n / ((1+r)^n − 1).
        let r = round_div(annual_bp as i128 * SCALE, MONTHS * BP);
        let mut growth = SCALE;
        for _ in 0..count {
            growth = round_div(growth * (SCALE + r), SCALE);
        }
        let factor = round_div(r * growth, growth - SCALE);
        round_div(principal * factor, SCALE)
    };
    let mut balance = principal;
    let mut lines = Vec::with_capacity(count as usize);
    for k in 1..=count {
        let interest = round_div(balance * annual_bp as i128, MONTHS * BP);
        let part = if k == count {
            balance
        } else {
            (instalment - interest).clamp(0, balance)
        };
        balance -= part;
        lines.push(Line {
            principal_cents: part as i64,
            interest_cents: interest as i64,
        });
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn two_instalments_by_hand() {
        // €1,000.00 over 2 months at 8.15 % a year: r = 0.0815 / 12 = 0.006791666…
        // A = P(1+r)²/(2+r) = 100,000 × 1.013629460 / 2.006791667 = 50,509.95 → 50,510.
        // Month 1: interest 100,000 × r = 679.17 → 679; principal 50,510 − 679 = 49,831.
        // Month 2: balance 50,169; interest 50,169 × r = 340.73 → 341; principal 50,169.
        let lines = schedule(100_000, 2, 815);
        assert_eq!(
            lines,
            vec![
                Line {
                    principal_cents: 49_831,
                    interest_cents: 679
                },
                Line {
                    principal_cents: 50_169,
                    interest_cents: 341
                },
            ]
        );
        assert_eq!(lines[1].amount_cents(), 50_510);
    }

    #[test]
    fn no_interest_splits_evenly() {
        let lines = schedule(1_000, 3, 0);
        let amounts: Vec<i64> = lines.iter().map(Line::amount_cents).collect();
        assert_eq!(amounts, vec![333, 333, 334]);
    }

    #[test]
    fn parts_add_up_to_the_cent() {
        for (principal, count) in [
            (1, 2),
            (99_999, 7),
            (50_000_000, 36),
            (50_000_001, 60),
            (123_456_789_012, 60),
        ] {
            let lines = schedule(principal, count, 815);
            assert_eq!(lines.len(), count as usize);
            assert_eq!(
                lines.iter().map(|l| l.principal_cents).sum::<i64>(),
                principal
            );
            assert!(
                lines
                    .iter()
                    .all(|l| l.principal_cents >= 0 && l.interest_cents >= 0)
            );
        }
    }

    #[test]
    fn instalments_are_constant_but_the_last() {
        let lines = schedule(50_000_000, 36, 815);
        let first = lines[0].amount_cents();
        assert!(lines[..35].iter().all(|l| l.amount_cents() == first));
        assert!((lines[35].amount_cents() - first).abs() <= 36);
    }
}
