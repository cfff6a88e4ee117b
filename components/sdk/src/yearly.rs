//! Rule parameters shipped as one file per year, each naming the year it is for and the
//! circular its figures come from. They are written as TOML (`params/<year>.toml`) and shipped
//! as the JSON the domain's build script makes of them (`welfare-params-build`, which also
//! checks that each names its year); a domain lists its files once, as
//! `(year, crate::shipped!("<year>"))`.

use serde::de::DeserializeOwned;

/// The shipped files: `(year, JSON text)`.
pub type Files = &'static [(i16, &'static str)];

/// The JSON of the shipped parameter file `params/<name>.toml`, as the crate's build script
/// wrote it into `$OUT_DIR/params/<name>.json`.
#[macro_export]
macro_rules! shipped {
    ($name:literal) => {
        include_str!(concat!(env!("OUT_DIR"), "/params/", $name, ".json"))
    };
}

/// The parameters of `year`, or `None` when none are shipped. A shipped file that does not
/// decode is a build mistake: it traps (and fails the unit tests, which load every year).
///
/// A fresh instance decodes the year for every request that needs it: JSON made at build time,
/// not the TOML it was written in, which took several times longer to parse.
pub fn for_year<T: DeserializeOwned>(files: Files, year: i16) -> Option<T> {
    let (_, text) = files.iter().find(|(y, _)| *y == year)?;
    Some(serde_json::from_str(text).expect("the shipped parameter files decode"))
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
