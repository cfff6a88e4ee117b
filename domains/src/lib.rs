//! The domain components, built by `build.rs` (a nested `cargo build` of the `components/`
//! workspace for `wasm32-wasip2`, into `target/wasm`) and embedded as bytes: what the gateway
//! loads and what welfare-spin composes for Spin, from one build, without either depending on
//! the other.
//!
//! # Layout
//! - this file: the embedded components and where the build left every `.wasm`;
//! - `build.rs` and `wasm_build.rs`: the nested build (shared with `spin/build.rs`).

/// The five domain components, built by `build.rs` and embedded.
pub const EMBEDDED_COMPONENTS: &[(&str, &[u8])] = &[
    (
        "income-support",
        include_bytes!(env!("WELFARE_WASM_INCOME_SUPPORT")),
    ),
    (
        "disability",
        include_bytes!(env!("WELFARE_WASM_DISABILITY")),
    ),
    (
        "contributions",
        include_bytes!(env!("WELFARE_WASM_CONTRIBUTIONS")),
    ),
    ("faq", include_bytes!(env!("WELFARE_WASM_FAQ"))),
    (
        "notifications",
        include_bytes!(env!("WELFARE_WASM_NOTIFICATIONS")),
    ),
];

/// Where `build.rs` left every built component, fixtures included (for tests and tools).
pub const BUILT_COMPONENTS_DIR: &str = env!("WELFARE_WASM_DIR");
