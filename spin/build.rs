//! Builds the two Spin adapters (`components/spin/{platform,http}`) for `wasm32-wasip2`, the
//! same way and into the same `target/wasm` as welfare-domains builds the domains.

#[path = "../domains/wasm_build.rs"]
mod wasm_build;

use std::path::PathBuf;

/// The adapter packages, and the variables naming their built `.wasm` files.
const ADAPTERS: &[(&str, &str)] = &[
    ("welfare-spin-platform", "WELFARE_SPIN_PLATFORM_WASM"),
    ("welfare-spin-http", "WELFARE_SPIN_HTTP_WASM"),
];

fn main() {
    let manifest_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let root = manifest_dir.parent().unwrap().to_path_buf();
    for watched in [
        "components/spin",
        "components/auth",
        "components/exchange",
        "components/identity",
        "components/Cargo.toml",
        "components/Cargo.lock",
        // The components' link flags (their initial memory).
        ".cargo/config.toml",
        "wit",
        "domains/wasm_build.rs",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(watched).display());
    }
    let packages: Vec<&str> = ADAPTERS.iter().map(|(p, _)| *p).collect();
    let out = wasm_build::build_components(&root, &packages, &[]);
    for (package, var) in ADAPTERS {
        let file = out.join(format!("{}.wasm", package.replace('-', "_")));
        assert!(file.exists(), "{} was not built", file.display());
        println!("cargo:rustc-env={var}={}", file.display());
    }
}
