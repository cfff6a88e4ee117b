//! A domain's rule parameters are written as TOML (`params/*.toml`: comments naming each
//! figure's circular, native date literals), and shipped inside its component as JSON: a fresh
//! instance parses the year it needs for every request, and JSON parses several times faster
//! than TOML with a far smaller parser in the component. The build script turns each file into
//! `$OUT_DIR/params/<name>.json`, which the component includes with `welfare_guest::shipped!`.
//!
//! # Layout
//! - [`compile`]: every `params/*.toml` of the crate being built, checked and converted.
//! - [`to_json`]: one TOML document as JSON (dates and times as their RFC 3339 text).
//! - [`check_year`]: a year's file names the year it is for.

use std::path::Path;

/// Converts every `params/*.toml` of the crate being built into `$OUT_DIR/params/*.json`. A
/// file named after a year (`2026.toml`) must say `year = 2026` at its top level. Panics on any
/// mistake, which fails the build with the file's name.
pub fn compile() {
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("run from a build script");
    let out = std::env::var("OUT_DIR").expect("run from a build script");
    let source = Path::new(&manifest).join("params");
    let target = Path::new(&out).join("params");
    std::fs::create_dir_all(&target).expect("creating $OUT_DIR/params");
    println!("cargo::rerun-if-changed={}", source.display());
    let mut files: Vec<_> = std::fs::read_dir(&source)
        .unwrap_or_else(|e| panic!("{}: {e}", source.display()))
        .map(|entry| entry.expect("listing params/").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a UTF-8 name");
        println!("cargo::rerun-if-changed={}", path.display());
        let text = std::fs::read_to_string(&path).expect("reading a parameter file");
        let value: toml::Table = toml::from_str(&text)
            .unwrap_or_else(|e| panic!("params/{name}.toml does not parse: {e}"));
        if let Ok(year) = name.parse::<i64>() {
            check_year(&value, year).unwrap_or_else(|e| panic!("params/{name}.toml: {e}"));
        }
        let json = serde_json::to_string(&to_json(toml::Value::Table(value)))
            .expect("JSON of a TOML document");
        std::fs::write(target.join(format!("{name}.json")), json).expect("writing the JSON");
    }
}

/// A year's file names the year it is for, as its top-level `year`.
pub fn check_year(file: &toml::Table, year: i64) -> Result<(), String> {
    match file.get("year") {
        Some(toml::Value::Integer(y)) if *y == year => Ok(()),
        Some(other) => Err(format!("`year = {other:?}` in the file for {year}")),
        None => Err(format!("no top-level `year = {year}`")),
    }
}

/// `value` as JSON. TOML's dates and times have no JSON form: they become their RFC 3339 text
/// (`2025-02-05`), which is what `jiff`'s types deserialize from.
pub fn to_json(value: toml::Value) -> serde_json::Value {
    use serde_json::Value as J;
    match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => J::from(f),
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(items.into_iter().map(to_json).collect()),
        toml::Value::Table(t) => J::Object(t.into_iter().map(|(k, v)| (k, to_json(v))).collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_become_their_text_and_numbers_keep_their_kind() {
        let t: toml::Table =
            toml::from_str("year = 2026\nrates = [{ from = 2025-02-05, bp = 840 }]\nx = 1.5")
                .unwrap();
        assert_eq!(
            to_json(toml::Value::Table(t)),
            serde_json::json!({"year": 2026, "rates": [{"from": "2025-02-05", "bp": 840}], "x": 1.5})
        );
    }

    #[test]
    fn a_years_file_names_its_year() {
        let file = |text: &str| toml::from_str::<toml::Table>(text).unwrap();
        assert!(check_year(&file("year = 2026\n[naspi]\nyear = 1"), 2026).is_ok());
        assert!(check_year(&file("year = 2025"), 2026).is_err());
        assert!(check_year(&file("[naspi]\nyear = 2026"), 2026).is_err());
        assert!(check_year(&file("year = \"2026\""), 2026).is_err());
    }
}
