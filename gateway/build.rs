//! Builds the domain components (the `components/` workspace, with the test fixtures) for
//! `wasm32-wasip2`, so that `cargo run` and `cargo test` need no manual step.
//!
//! The components are built by a nested `cargo build` into `target/wasm`, a target directory of
//! their own (sharing ours would deadlock on its lock), always in release: they are small, and a
//! release build is what the gateway should measure and ship. The target is installed with
//! rustup when it is missing, since rustup does not do it on its own everywhere.

use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-wasip2";

/// The five domain components the gateway embeds, by package name.
const DOMAINS: &[&str] = &[
    "income-support",
    "disability",
    "contributions",
    "faq",
    "notifications",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    let components = root.join("components");
    for watched in ["components", "wit", "tests/fixtures"] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    let target_dir = wasm_target_dir(&root);
    ensure_target_installed();
    let status = nested_cargo()
        .args(["build", "--release", "--target", TARGET, "--workspace"])
        .arg("--manifest-path")
        .arg(components.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir)
        .status()
        .expect("running cargo to build the components");
    assert!(
        status.success(),
        "building the components for {TARGET} failed"
    );

    let out = target_dir.join(TARGET).join("release");
    for name in DOMAINS {
        let file = out.join(format!("{}.wasm", name.replace('-', "_")));
        assert!(file.exists(), "{} was not built", file.display());
        let var = format!("WELFARE_WASM_{}", name.replace('-', "_").to_uppercase());
        println!("cargo:rustc-env={var}={}", file.display());
    }
    println!("cargo:rustc-env=WELFARE_WASM_DIR={}", out.display());
}

/// `target/wasm` beside the target directory this build runs in (OUT_DIR is
/// `<target>/<profile>/build/<pkg>-<hash>/out`).
fn wasm_target_dir(root: &Path) -> PathBuf {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    out_dir
        .ancestors()
        .nth(4)
        .map(|target| target.join("wasm"))
        .unwrap_or_else(|| root.join("target").join("wasm"))
}

/// A cargo that does not inherit this build's flags meant for the host.
fn nested_cargo() -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut cmd = Command::new(cargo);
    for (key, _) in std::env::vars() {
        if key.starts_with("CARGO_") && key != "CARGO_HOME" && key != "CARGO_MAKEFLAGS"
            || key == "RUSTFLAGS"
            || key == "RUSTC_WRAPPER"
            || key == "RUSTC_WORKSPACE_WRAPPER"
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

fn ensure_target_installed() {
    let sysroot = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .args(["--print", "sysroot"])
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()));
    let installed = sysroot.is_some_and(|s| s.join("lib/rustlib").join(TARGET).exists());
    if !installed {
        let status = Command::new("rustup")
            .args(["target", "add", TARGET])
            .status()
            .expect("running rustup to install the wasm32-wasip2 target");
        assert!(status.success(), "rustup target add {TARGET} failed");
    }
}
