//! The README's walk-through, run as written: the `welfare` binary serves on a free port, and
//! bash runs the README's shell block (with `welfare` pointing at the built binary and the
//! address at that port).

mod common;

use std::process::Command;

const MARKER: &str = "<!-- walkthrough:";

/// The shell block that follows the walk-through marker in the README.
fn walkthrough() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let after = &readme[readme
        .find(MARKER)
        .expect("the README marks its walk-through")..];
    let start = after.find("```sh\n").expect("a sh block") + "```sh\n".len();
    let end = after[start..].find("\n```").unwrap() + start;
    after[start..end].to_string()
}

#[test]
fn the_readme_walkthrough_works_as_written() {
    let data = tempfile::tempdir().unwrap();
    let server = common::Server::start(data.path(), &common::config(data.path(), ""));
    let address = server.address.clone();

    let script = walkthrough()
        .replace(
            "welfare() { cargo run --release -q -- \"$@\"; }",
            "welfare() { \"$WELFARE_BIN\" \"$@\"; }",
        )
        .replace("http://127.0.0.1:8080", &format!("http://{address}"));
    assert!(
        script.contains("$WELFARE_BIN"),
        "the README's welfare() line changed: update this test"
    );
    let output = Command::new("bash")
        .args(["-euo", "pipefail", "-c", &script])
        .env("WELFARE_BIN", env!("CARGO_BIN_EXE_welfare"))
        .env("WELFARE_DATA_DIR", data.path())
        .output()
        .expect("running bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the walk-through failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    println!("{stdout}");
    // What the README says to expect.
    let lines: Vec<&str> = stdout.lines().collect();
    let simulation: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
    assert_eq!(simulation["eligible"], true);
    assert_eq!(simulation["reference_monthly_wage_cents"], 129_900);
    assert_eq!(simulation["monthly_amount_cents"], 97_425);
    assert_eq!(simulation["duration_weeks"], 100);
    assert_eq!(simulation["schedule"].as_array().unwrap().len(), 24);
    let application: serde_json::Value = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(application["status"], "submitted");
    let id = application["id"].as_str().unwrap();
    assert_eq!(lines[2], format!("retry: same application {id}"));
    let read: serde_json::Value = serde_json::from_str(lines[3]).unwrap();
    assert_eq!(read, application);
    let queue: serde_json::Value = serde_json::from_str(lines[4]).unwrap();
    assert_eq!(queue["items"][0]["id"], id);
    assert_eq!(queue["items"][0]["subject"], "RSSMRA85T10A562S");
    let decided: serde_json::Value = serde_json::from_str(lines[5]).unwrap();
    assert_eq!(decided["status"], "approved");
    let history: Vec<&str> = decided["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["status"].as_str().unwrap())
        .collect();
    assert_eq!(history, ["submitted", "in-review", "approved"]);
    assert_eq!(decided["decision"]["reason"], "Requirements met.");
    // 2026, ISEE €20,000: step 22 of the table, €191.00 a child; +50 % for the baby.
    let assegno: serde_json::Value = serde_json::from_str(lines[6]).unwrap();
    assert_eq!(assegno["monthly_total_cents"], 19_100 + 19_100 + 9_550);
    // The search corrects the typo and finds NASpI first.
    let search: serde_json::Value = serde_json::from_str(lines[7]).unwrap();
    assert_eq!(search["corrections"][0]["suggestion"], "disoccupazione");
    assert!(
        search["items"][0]["id"]
            .as_str()
            .unwrap()
            .starts_with("naspi"),
        "{search}"
    );
    assert!(
        search["items"][0]["snippet"]
            .as_str()
            .unwrap()
            .contains("<mark>")
    );
}
