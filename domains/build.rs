//! Builds the domain components (the `components/` workspace, with the test fixtures) for
//! `wasm32-wasip2`, so that `cargo run` and `cargo test` need no manual step.
//!
//! The components are built by a nested `cargo build` into `target/wasm`, a target directory of
//! their own (sharing ours would deadlock on its lock), always in release: they are small, and a
//! release build is what the gateway should measure and ship. The target is installed with
//! rustup when it is missing, since rustup does not do it on its own everywhere.

#[path = "wasm_build.rs"]
mod wasm_build;

use std::path::PathBuf;

/// The five domain components the gateway embeds, by package name.
const DOMAINS: &[&str] = &[
    "income-support",
    "disability",
    "contributions",
    "faq",
    "notifications",
];

/// Packages of the components workspace the gateway does not load: the Spin adapters and
/// the authentication and exchange crates only they use in wasm (built by `spin/build.rs`).
const NOT_LOADED: &[&str] = &[
    "welfare-spin-platform",
    "welfare-spin-http",
    "welfare-auth",
    "welfare-exchange",
    // The domains' build scripts' helper: native only.
    "welfare-params-build",
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for watched in [
        "components",
        "wit",
        "tests/fixtures",
        "domains/wasm_build.rs",
        // The components' link flags (their initial memory).
        ".cargo/config.toml",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }

    let out = wasm_build::build_components(&root, &[], NOT_LOADED);
    for name in DOMAINS {
        let file = out.join(format!("{}.wasm", name.replace('-', "_")));
        assert!(file.exists(), "{} was not built", file.display());
        let var = format!("WELFARE_WASM_{}", name.replace('-', "_").to_uppercase());
        println!("cargo:rustc-env={var}={}", file.display());
    }
    println!("cargo:rustc-env=WELFARE_WASM_DIR={}", out.display());
}
