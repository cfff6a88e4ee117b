//! Rule parameters shipped as one TOML file per year, each naming the year it is for and the
//! circular its figures come from. A domain lists its files once, as `(year, include_str!(…))`.

use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The shipped files: `(year, TOML text)`.
pub type Files = &'static [(i16, &'static str)];

#[derive(Deserialize)]
struct Named {
    year: i16,
}

/// The parameters of `year`, or `None` when none are shipped. A shipped file that does not
/// parse, or names another year, is a build mistake: it traps (and fails the unit tests).
pub fn for_year<T: DeserializeOwned>(files: Files, year: i16) -> Option<T> {
    let (_, text) = files.iter().find(|(y, _)| *y == year)?;
    let named: Named = toml::from_str(text).expect("a parameter file names its year");
    assert_eq!(
        named.year, year,
        "a parameter file names the year it is for"
    );
    Some(toml::from_str(text).expect("the shipped parameter files parse"))
}

/// The newest year's parameters: for dates past the last circular shipped.
pub fn latest<T: DeserializeOwned>(files: Files) -> Option<T> {
    files
        .iter()
        .map(|(y, _)| *y)
        .max()
        .and_then(|y| for_year(files, y))
}

/// 422 for a year whose parameters are not shipped, naming the years that are.
pub fn not_supported(years: &[i16]) -> crate::Problem {
    crate::Problem::new(
        422,
        "year-not-supported",
        "There are no figures for that year.",
    )
    .with_detail(format!("Supported years: {years:?}."))
}

/// The years shipped, for error messages.
pub fn years(files: Files) -> Vec<i16> {
    files.iter().map(|(y, _)| *y).collect()
}
