//! Civil sanctions on contributions not paid by their due date (sanzioni civili, L. 388/2000
//! art. 116 c. 8 a, as amended by D.L. 19/2024 art. 30): for declared contributions left
//! unpaid, a sanction "in ragione d'anno" at the ECB's main refinancing rate (ex TUR) + 5.5
//! points, which accrues every day the debt stays unpaid, at the rate in force on that day
//! (`[sanctions] annual` in the parameter files, one entry per change), and never exceeds 40 %
//! of the contributions unpaid.
//!
//! The DURC needs them because its €150 tolerance includes the "accessori di legge" (D.M.
//! 30/1/2015 art. 3 c. 3): a debt of €140 is within it only while its sanctions stay under
//! €10. Pure: the amounts are integer cents, and the sum over the days is kept exact (cents ×
//! basis points × days) and rounded to the cent once.
//!
//! Not modelled: the sanctions for evasion (c. 8 b: undeclared contributions; declarations here
//! are always declared), and the lighter rate for a payment made spontaneously within 120 days
//! (D.L. 19/2024 art. 30: it applies to a payment, while the DURC weighs a debt still unpaid).

use jiff::civil::Date;
use welfare_guest::money::{percent_bp, round_div};

use crate::params;

/// Days in a year: the yearly rate is charged per day as rate ÷ 365 ("in ragione d'anno";
/// 2025 and 2026 have 365 days).
const DAYS_IN_YEAR: i128 = 365;
/// Basis points in one.
const BP: i128 = 10_000;

/// The sanctions accrued on `amount_cents` due on `due` and still unpaid on `on`: one day for
/// each day after the due date up to `on` included (a debt paid on its due date is on time),
/// each at the sanction rate in force that day, capped at the share of the debt in force on
/// `on`. Zero when `on` is not after `due`.
pub fn accrued(amount_cents: i64, due: Date, on: Date) -> i64 {
    let Some(first_late_day) = due.tomorrow().ok() else {
        return 0;
    };
    let weighted: i128 = params::rate_pieces(first_late_day, on, params::sanction)
        .into_iter()
        .map(|(from, to, bp)| {
            let days = i128::from((to - from).get_days()) + 1;
            i128::from(amount_cents) * i128::from(bp) * days
        })
        .sum();
    let sanction = round_div(weighted, BP * DAYS_IN_YEAR) as i64;
    let cap = percent_bp(amount_cents, params::in_force(on.year()).sanctions.cap_bp);
    sanction.min(cap)
}

#[cfg(test)]
mod tests {
    use super::accrued;
    use jiff::civil::date;

    #[test]
    fn sanctions_by_hand() {
        // (amount, due, on, expected): rates 8.40 % from 5 Feb 2025, 8.15 % from 12 Mar,
        // 7.90 % from 23 Apr, 7.65 % from 11 Jun 2025 (circ. 34, 56, 80, 100/2025), divided by
        // 365 per day, rounded to the cent once.
        let table = [
            // Paid on the due date: on time.
            (100_000, date(2025, 2, 16), date(2025, 2, 16), 0),
            // One day late at 8.40 %: 100,000 × 840 × 1 / 3,650,000 = 23.01 → 23.
            (100_000, date(2025, 2, 16), date(2025, 2, 17), 23),
            // 17 Feb–30 Apr 2025, 73 days: 23 at 8.40 % (17 Feb–11 Mar), 42 at 8.15 %
            // (12 Mar–22 Apr), 8 at 7.90 % (23–30 Apr): 100,000 × (19,320 + 34,230 + 6,320)
            // / 3,650,000 = 5,987,000,000 / 3,650,000 = 1,640.27 → 1,640.
            (100_000, date(2025, 2, 16), date(2025, 4, 30), 1_640),
            // 17 Oct–2 Dec 2026, 47 days at 7.65 %: 100,000 × 765 × 47 / 3,650,000
            // = 3,595,500,000 / 3,650,000 = 985.07 → 985.
            (100_000, date(2026, 10, 16), date(2026, 12, 2), 985),
            // Across the new year: 17 Oct 2025–2 Dec 2026 is 412 days at 7.65 %:
            // 14,000 × 765 × 412 / 3,650,000 = 4,412,520,000 / 3,650,000 = 1,208.9 → 1,209.
            (14_000, date(2025, 10, 16), date(2026, 12, 2), 1_209),
            // The cap: 17 Feb 2025–31 Dec 2031 is 2,509 days, about 6.9 years at 7.65 % or
            // more, over 52 %; 40 % of €1,000.00 is €400.00.
            (100_000, date(2025, 2, 16), date(2031, 12, 31), 40_000),
        ];
        for (amount, due, on, expected) in table {
            assert_eq!(
                accrued(amount, due, on),
                expected,
                "{amount} due {due} on {on}"
            );
        }
    }
}
