//! The domain components on Spin: each composed artifact (a domain with the two spin-sdk
//! adapters, `welfare-spin`) is checked to import only what Spin hosts provide and to export
//! Spin's HTTP handler, and served through a wasmtime `wasi:http` host that provides the
//! Spin interfaces the adapters import, with real requests over HTTP.
//!
//! The host and the composition are in the harness (`welfare_tests::spin`), shared with the
//! benchmark.
//!
//! # Layout
//! - [`artifacts`]: every artifact's imports and exports, and the committed spin.toml;
//! - [`floor`]: the bench's hello-world floor host answers what its fixture says;
//! - [`serve`]: requests through the host: authentication, routing, idempotency, conflicts,
//!   faults and event deliveries.

mod artifacts;
mod floor;
mod serve;
