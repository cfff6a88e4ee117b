//! The guest crates' own unit tests (`components/`: the SDK's rounding and ids, each domain's
//! pure rules and parameter files), run on the host by a nested cargo so that the one test
//! command covers them too.

use std::path::Path;
use std::process::Command;

#[test]
fn guest_unit_tests_pass() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let target = Path::new(welfare_gateway::BUILT_COMPONENTS_DIR)
        .ancestors()
        .nth(3)
        .expect("target/wasm/<triple>/release")
        .join("guest-host");
    let mut cmd = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    for (key, _) in std::env::vars() {
        if (key.starts_with("CARGO_") && key != "CARGO_HOME") || key == "RUSTFLAGS" {
            cmd.env_remove(key);
        }
    }
    let output = cmd
        .args(["test", "--workspace", "--manifest-path"])
        .arg(root.join("components/Cargo.toml"))
        // The Spin adapters are wasm-only components; their tests are tests/spin. The bench's
        // hello-world fixture is wasm-only too, and has no rules to test.
        .args([
            "--exclude",
            "welfare-spin-platform",
            "--exclude",
            "welfare-spin-http",
            "--exclude",
            "hello",
        ])
        .arg("--target-dir")
        .arg(&target)
        .output()
        .expect("running cargo test on the components");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "guest unit tests failed:\n{stdout}\n{stderr}"
    );
    let passed: usize = stdout
        .lines()
        .filter_map(|l| l.strip_prefix("test result: ok. "))
        .filter_map(|l| l.split(' ').next()?.parse::<usize>().ok())
        .sum();
    assert!(passed > 0, "no guest unit test ran:\n{stdout}");
    println!("{passed} guest unit tests passed");
}
