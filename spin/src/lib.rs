//! The domain components on Spin hosts: each domain `.wasm` (the very file the gateway loads)
//! composed with two adapters written with spin-sdk 5.2 (`components/spin/`), and the
//! `spin.toml` that deploys the five compositions as one Spin application.
//!
//! A composed artifact instantiates, per HTTP request, the platform adapter (which exports
//! `welfare:platform/{types,store,events,config}` over Spin's SQLite and variables), the domain
//! on top of it, and the HTTP adapter, which imports the domain and exports Spin's HTTP
//! handler `wasi:http/incoming-handler@0.2.0`. Whatever nobody inside satisfies (WASI, and the
//! `fermyon:spin/*@2.0.0` interfaces the adapters use) is left for the Spin host to provide.
//! Why spin-sdk 5.x and not 6/7, and how the commit works without a cross-call transaction:
//! `infra/spin/DESIGN.md`.
//!
//! # Layout
//! - this file: where the built adapters are, and the artifact names;
//! - [`compose`]: the wac-graph composition of the adapters with one domain;
//! - [`manifest`]: the domains' manifests (read with the gateway's runtime) and `spin.toml`.

pub mod compose;
pub mod manifest;

/// The platform adapter, built by `build.rs`.
pub const PLATFORM_ADAPTER: &str = env!("WELFARE_SPIN_PLATFORM_WASM");
/// The HTTP adapter, built by `build.rs`.
pub const HTTP_ADAPTER: &str = env!("WELFARE_SPIN_HTTP_WASM");

/// Spin's HTTP handler for WASI 0.2 components: the one export of every composed artifact.
pub const HTTP_HANDLER: &str = "wasi:http/incoming-handler@0.2.0";

/// The configuration keys each domain reads with `config::get` (the gateway's
/// `[component_config.<domain>]`), which spin.toml declares as variables: Spin gives a
/// component only the variables its manifest names. Checked against the domains' sources by
/// tests/spin.
pub const CONFIG_KEYS: &[(&str, &[&str])] = &[
    ("contributions", &["segregation_code"]),
    ("disability", &["board"]),
    // The HMAC key of search ids: unset on Spin, searches carry no search_id (the SpinApp
    // binds it from a Secret).
    ("faq", &["search_id_secret"]),
    (
        "notifications",
        &[
            "fallback_after",
            "max_attempts",
            "retry_base_ms",
            "retry_max_ms",
        ],
    ),
];

/// The composed artifact's file name for domain `name`, relative to the output directory.
pub fn artifact_name(name: &str) -> String {
    format!("{name}.wasm")
}
