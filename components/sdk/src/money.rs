//! Euro amounts in integer cents, and the platform's single rounding rule.
//!
//! Every computed amount is rounded once, half away from zero, to the cent: `round_div` is that
//! rule for a ratio of integers, so no domain ever goes through floating point.

/// `numerator / denominator` rounded half away from zero. `denominator` must be positive.
pub fn round_div(numerator: i128, denominator: i128) -> i128 {
    assert!(denominator > 0, "round_div needs a positive denominator");
    let half = denominator / 2;
    if numerator >= 0 {
        (numerator + half) / denominator
    } else {
        -((-numerator + half) / denominator)
    }
}

/// `amount × percent_bp / 10_000` (basis points), rounded by [`round_div`].
pub fn percent_bp(amount_cents: i64, basis_points: i64) -> i64 {
    round_div(amount_cents as i128 * basis_points as i128, 10_000) as i64
}

/// `cents` as Italian readers write euros in messages: `€1.234,56`.
pub fn euros(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    let whole = (cents / 100).to_string();
    let mut grouped = String::with_capacity(whole.len() + whole.len() / 3);
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i) % 3 == 0 {
            grouped.push('.');
        }
        grouped.push(c);
    }
    format!("{sign}€{grouped},{:02}", cents % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_half_away_from_zero() {
        assert_eq!(round_div(5, 2), 3);
        assert_eq!(round_div(4, 3), 1);
        assert_eq!(round_div(-5, 2), -3);
        assert_eq!(round_div(149, 100), 1);
        assert_eq!(round_div(150, 100), 2);
    }

    #[test]
    fn euros_in_italian() {
        assert_eq!(euros(50_000_000), "€500.000,00");
        assert_eq!(euros(50_000_001), "€500.000,01");
        assert_eq!(euros(5), "€0,05");
        assert_eq!(euros(-123_456), "-€1.234,56");
    }

    #[test]
    fn basis_points() {
        assert_eq!(percent_bp(143_661, 7_500), 107_746); // 1,077.4575 → 1,077.46
        assert_eq!(percent_bp(100, 300), 3);
    }
}
