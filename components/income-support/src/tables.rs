//! The Assegno Unico's ISEE tables (D.Lgs. 230/2021 art. 4 c. 1-3 and 8, tabella 1), built the
//! way INPS builds them: the decree's 2022 table, then each year's rows from the previous
//! year's rounded rows indexed by that year's rate (art. 4 c. 11), every amount rounded to the
//! 10 cents and every ISEE bound to the cent, half up.
//!
//! Why not interpolate between a year's maximum and minimum: rounding every year compounds, and
//! the straight line between the two ends misses the published rows by 10 cents in about half of
//! them (2026 at ISEE €25,000: the circular's €165.90 against the line's €166.00).
//!
//! The decree and the chain of rates are data (`params/assegno-unico-tables.toml`); a year the
//! chain does not reach has no table, so its simulations are refused as unsupported rather than
//! computed with an old year's rows.

use serde::Deserialize;
use welfare_guest::money::round_div;

const SHIPPED: &str = welfare_guest::shipped!("assegno-unico-tables");

/// The year of the decree's own table, before any indexation.
const DECREE_YEAR: i16 = 2022;
/// Amounts in the tables are rounded to the 10 cents (the circulars' tables).
const AMOUNT_ROUNDING_CENTS: i128 = 10;
const BP: i128 = 10_000;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Decree {
    source: String,
    isee_from_cents: i64,
    isee_step_cents: i64,
    rows: usize,
    minor: Line,
    young_adult: Line,
    third_child: Line,
    both_working: Line,
    indexation: Vec<Indexation>,
}

/// A column of tabella 1: row k pays `first − k × step`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
struct Line {
    first_cents: i64,
    step_cents: i64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Indexation {
    year: i16,
    bp: i64,
    source: String,
}

/// The columns of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Column {
    /// Art. 4 c. 1, each minor (and each disabled child of any age).
    Minor,
    /// Art. 4 c. 2, each child aged 18 to 20.
    YoungAdult,
    /// Art. 4 c. 3, each child after the second.
    ThirdChild,
    /// Art. 4 c. 8, each minor when both parents work.
    BothWorking,
}

const COLUMNS: usize = 4;

impl Column {
    fn index(self) -> usize {
        match self {
            Column::Minor => 0,
            Column::YoungAdult => 1,
            Column::ThirdChild => 2,
            Column::BothWorking => 3,
        }
    }
}

/// One year's table: `bounds[k]` is the highest ISEE of row k (row 0 is everything up to the
/// lower threshold, the last row everything from the upper one).
#[derive(Debug, Clone)]
pub struct Tables {
    bounds: Vec<i64>,
    amounts: [Vec<i64>; COLUMNS],
    /// The decree and the indexations applied, for answers' `source`.
    pub source: String,
}

/// `value × (1 + bp)`, to a multiple of `unit` cents, half up.
fn index(value: i64, bp: i64, unit: i128) -> i64 {
    (round_div(value as i128 * (BP + bp as i128), BP * unit) * unit) as i64
}

impl Tables {
    /// The table for `year`, or `None` for a year before the decree or past the last rate
    /// shipped.
    pub fn for_year(year: i16) -> Option<Tables> {
        let decree: Decree = serde_json::from_str(SHIPPED).expect("the shipped table decodes");
        Self::build(&decree, year)
    }

    fn build(d: &Decree, year: i16) -> Option<Tables> {
        if year < DECREE_YEAR {
            return None;
        }
        let rows = 0..=d.rows as i64;
        let mut bounds: Vec<i64> = rows
            .clone()
            .map(|k| d.isee_from_cents + k * d.isee_step_cents)
            .collect();
        let column = |l: Line| -> Vec<i64> {
            rows.clone()
                .map(|k| l.first_cents - k * l.step_cents)
                .collect()
        };
        let mut amounts = [
            column(d.minor),
            column(d.young_adult),
            column(d.third_child),
            column(d.both_working),
        ];
        let mut source = d.source.clone();
        for y in DECREE_YEAR + 1..=year {
            let step = d.indexation.iter().find(|i| i.year == y)?;
            for b in &mut bounds {
                *b = index(*b, step.bp, 1);
            }
            for a in amounts.iter_mut().flatten() {
                *a = index(*a, step.bp, AMOUNT_ROUNDING_CENTS);
            }
            if y == year {
                source = format!("{source}, indexed to {year} ({})", step.source);
            }
        }
        Some(Tables {
            bounds,
            amounts,
            source,
        })
    }

    /// ISEE at or below which every column pays its maximum (the tests check it against the
    /// circulars).
    #[cfg(test)]
    pub fn lower_cents(&self) -> i64 {
        self.bounds[0]
    }

    /// ISEE from which every column pays its minimum.
    pub fn upper_cents(&self) -> i64 {
        *self.bounds.last().expect("a table has rows")
    }

    /// The row an ISEE falls in: the first whose bound it does not exceed; no ISEE, or one above
    /// the upper threshold, is the last row (art. 4 c. 1: no ISEE is paid the minimum).
    pub fn row(&self, isee_cents: Option<i64>) -> usize {
        let last = self.bounds.len() - 1;
        isee_cents.map_or(last, |isee| {
            self.bounds.partition_point(|&b| b < isee).min(last)
        })
    }

    pub fn amount(&self, column: Column, row: usize) -> i64 {
        self.amounts[column.index()][row]
    }

    /// A column's amount at row 0, the most it pays.
    #[cfg(test)]
    pub fn max(&self, column: Column) -> i64 {
        self.amount(column, 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ends of each year's table against the figures the circulars publish, worked by hand
    /// along the chain (each step: × (1 + rate), to the 10 cents half up; bounds to the cent).
    #[test]
    fn the_chain_reaches_the_published_ends() {
        // Minor max: 175 → 189.175 → 189.20 → 199.4168 → 199.40 → 200.995 → 201.00 → 203.814
        // → 203.80. Min: 50 → 54.05 → 54.10 → 57.0214 → 57.00 → 57.456 → 57.50 → 58.305 → 58.30.
        // 18–20: 85 → 91.885 → 91.90 → 96.8626 → 96.90 → 97.6752 → 97.70 → 99.0678 → 99.10;
        // 25 → 27.025 → 27.00 → 28.458 → 28.50 → 28.728 → 28.70 → 29.1018 → 29.10.
        // Third child: 85 as above; 15 → 16.215 → 16.20 → 17.0748 → 17.10 → 17.2368 → 17.20 →
        // 17.4408 → 17.40. Both working: 30 → 32.43 → 32.40 → 34.1496 → 34.10 → 34.3728 →
        // 34.40 → 34.8816 → 34.90; 0 stays 0.
        // Bounds: 15,000 → 16,215 → 17,090.61 → 17,227.33 (17,227.3349) → 17,468.51
        // (17,468.5126); 40,000 → 43,240 → 45,574.96 → 45,939.56 (45,939.5597) → 46,582.71
        // (46,582.7138).
        let cases: &[(i16, i64, i64, [(i64, i64); COLUMNS])] = &[
            (
                2025,
                1_722_733,
                4_593_956,
                [(20_100, 5_750), (9_770, 2_870), (9_770, 1_720), (3_440, 0)],
            ),
            (
                2026,
                1_746_851,
                4_658_271,
                [(20_380, 5_830), (9_910, 2_910), (9_910, 1_740), (3_490, 0)],
            ),
        ];
        let columns = [
            Column::Minor,
            Column::YoungAdult,
            Column::ThirdChild,
            Column::BothWorking,
        ];
        for (year, lower, upper, ends) in cases {
            let t = Tables::for_year(*year).unwrap();
            assert_eq!(
                (t.lower_cents(), t.upper_cents()),
                (*lower, *upper),
                "{year}"
            );
            for (column, (max, min)) in columns.iter().zip(ends) {
                assert_eq!(t.max(*column), *max, "{year} {column:?}");
                assert_eq!(t.amount(*column, t.row(None)), *min, "{year} {column:?}");
            }
        }
    }

    #[test]
    fn rows_follow_their_bounds() {
        let t = Tables::for_year(2026).unwrap();
        // Row 0 up to and including the lower threshold; one cent more is row 1.
        assert_eq!(t.row(Some(1_746_851)), 0);
        assert_eq!(t.row(Some(1_746_852)), 1);
        assert_eq!(t.row(Some(0)), 0);
        assert_eq!(t.row(Some(4_658_271)), 250);
        assert_eq!(t.row(Some(i64::MAX)), 250);
        assert!(Tables::for_year(2021).is_none());
        assert!(Tables::for_year(2027).is_none());
    }
}
