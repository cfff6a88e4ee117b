//! The README's walk-through, run as written: the `welfare` binary serves on a free port, and
//! bash runs the README's shell block (with `welfare` pointing at the built binary and the
//! address at that port).

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

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

struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_readme_walkthrough_works_as_written() {
    let data = tempfile::tempdir().unwrap();
    let cache = std::path::Path::new(welfare_gateway::BUILT_COMPONENTS_DIR).join("compiled-cache");
    let config = data.path().join("welfare.toml");
    std::fs::write(&config, format!("[runtime]\ncache_dir = {:?}\n", cache)).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_welfare"))
        .args(["serve", "--listen", "127.0.0.1:0", "--config"])
        .arg(&config)
        .arg("--data-dir")
        .arg(data.path())
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .expect("starting welfare serve");
    let stderr = child.stderr.take().unwrap();
    let _server = Server(child);

    // Wait for "serving address=HOST:PORT".
    let mut lines = BufReader::new(stderr).lines();
    let started = Instant::now();
    let address = loop {
        let line = lines
            .next()
            .expect("welfare serve exited before serving")
            .unwrap();
        if let Some(rest) = line
            .split("address=")
            .nth(1)
            .filter(|_| line.contains("serving"))
        {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "welfare serve did not start"
        );
    };
    // Keep draining the log so the server never blocks on a full pipe.
    std::thread::spawn(move || for _ in lines {});

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
