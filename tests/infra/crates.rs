//! The host's crates and which way their dependencies point: from the composing binaries down
//! to the capabilities, never back, and the runtime and the Spin composer free of what they do
//! not need (a database driver, the HTTP server, the mailer). Read from `cargo tree`, which
//! resolves the lock file the builds use.

use std::collections::BTreeSet;
use std::process::Command;

/// Every package `package` depends on (normal dependencies, transitively), by name.
fn dependencies(package: &str) -> BTreeSet<String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args([
            "tree",
            "--offline",
            "-e",
            "normal",
            "--prefix",
            "none",
            "--format",
            "{p}",
            "-p",
            package,
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("cargo tree runs");
    assert!(
        out.status.success(),
        "cargo tree -p {package}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The workspace's crates, lowest first: each may depend only on crates before it.
const LAYERS: &[&str] = &[
    "welfare-txn",
    "welfare-identity",
    "welfare-auth",
    "welfare-domains",
    "welfare-runtime",
    "welfare-spin",
    "welfare-gateway",
    "welfare-tests",
];

#[test]
fn dependencies_point_down_the_layers() {
    for (i, package) in LAYERS.iter().enumerate() {
        let deps = dependencies(package);
        for above in &LAYERS[i + 1..] {
            assert!(
                !deps.contains(*above),
                "{package} depends on {above}, which is above it"
            );
        }
    }
}

#[test]
fn the_runtime_and_the_spin_composer_carry_no_server_database_or_mailer() {
    let forbidden = [
        "axum",
        "hyper-util",
        "postgres",
        "tokio-postgres",
        "rusqlite",
        "refinery",
        "lettre",
        "welfare-gateway",
    ];
    for package in ["welfare-runtime", "welfare-spin"] {
        let deps = dependencies(package);
        for name in forbidden {
            assert!(!deps.contains(name), "{package} depends on {name}");
        }
    }
    // And the gateway does depend on what it composes.
    let gateway = dependencies("welfare-gateway");
    for name in [
        "welfare-runtime",
        "welfare-domains",
        "welfare-auth",
        "welfare-txn",
    ] {
        assert!(gateway.contains(name), "the gateway does not use {name}");
    }
}
