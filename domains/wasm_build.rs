//! What both build scripts need to build wasm32-wasip2 components with a nested cargo: the
//! welfare-domains' (`domains/build.rs`, the domains) and welfare-spin's (`spin/build.rs`, the Spin
//! adapters). Included by each with `#[path]`, since build scripts cannot share a crate
//! without publishing one.

use std::path::{Path, PathBuf};
use std::process::Command;

pub const TARGET: &str = "wasm32-wasip2";

/// Builds `packages` (all but `exclude` when empty) of the components workspace in release
/// for [`TARGET`] into `target/wasm`, and returns the directory holding the `.wasm` files.
pub fn build_components(root: &Path, packages: &[&str], exclude: &[&str]) -> PathBuf {
    let target_dir = wasm_target_dir(root);
    ensure_target_installed();
    let mut cmd = nested_cargo();
    cmd.args(["build", "--release", "--target", TARGET])
        .arg("--manifest-path")
        .arg(root.join("components").join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target_dir);
    if packages.is_empty() {
        cmd.arg("--workspace");
        cmd.args(exclude.iter().flat_map(|p| ["--exclude", p]));
    } else {
        cmd.args(packages.iter().flat_map(|p| ["-p", p]));
    }
    let status = cmd.status().expect("running cargo to build the components");
    assert!(
        status.success(),
        "building the components for {TARGET} failed"
    );
    target_dir.join(TARGET).join("release")
}

/// `target/wasm` beside the target directory this build runs in (OUT_DIR is
/// `<target>/<profile>/build/<pkg>-<hash>/out`).
pub fn wasm_target_dir(root: &Path) -> PathBuf {
    let out_dir = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    out_dir
        .ancestors()
        .nth(4)
        .map(|target| target.join("wasm"))
        .unwrap_or_else(|| root.join("target").join("wasm"))
}

/// A cargo that does not inherit this build's flags meant for the host.
pub fn nested_cargo() -> Command {
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

pub fn ensure_target_installed() {
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
