//! Rule parameters shipped as one TOML file per year, each naming the year it is for and the
//! circular its figures come from. A domain lists its files once, as `(year, include_str!(…))`.

use serde::de::DeserializeOwned;

/// The shipped files: `(year, TOML text)`.
pub type Files = &'static [(i16, &'static str)];

/// The parameters of `year`, or `None` when none are shipped. A shipped file that does not
/// parse, or names another year, is a build mistake: it traps (and fails the unit tests).
///
/// The text is parsed once (a fresh instance parses it for every request that needs it); the
/// year it names is read by [`named_year`] without a second parse.
pub fn for_year<T: DeserializeOwned>(files: Files, year: i16) -> Option<T> {
    let (_, text) = files.iter().find(|(y, _)| *y == year)?;
    assert_eq!(
        named_year(text),
        Some(year),
        "a parameter file names the year it is for"
    );
    Some(toml::from_str(text).expect("the shipped parameter files parse"))
}

/// The top-level `year = N` of a parameter file: a line before the first table header, as the
/// shipped files write it. A file that names its year any other way is refused by the assertion
/// above, and so by the unit tests, which load every shipped year.
fn named_year(text: &str) -> Option<i16> {
    text.lines()
        .map(str::trim)
        .take_while(|line| !line.starts_with('['))
        .find_map(|line| {
            let (key, value) = line.split_once('=')?;
            (key.trim() == "year").then(|| value.split('#').next()?.trim().parse().ok())?
        })
}

#[cfg(test)]
mod tests {
    use super::named_year;

    #[test]
    fn the_year_is_the_top_level_one() {
        assert_eq!(
            named_year("# 2026\nyear = 2026\n[naspi]\nyear = 1"),
            Some(2026)
        );
        assert_eq!(named_year("year = 2025 # circ. 1\n"), Some(2025));
        assert_eq!(named_year("[naspi]\nyear = 2026\n"), None);
        assert_eq!(named_year("years = 2026\n"), None);
    }
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
