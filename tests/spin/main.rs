//! The domain components on Spin: each composed artifact (a domain with the two spin-sdk
//! adapters, `welfare-spin`) is checked to import only what Spin hosts provide and to export
//! Spin's HTTP handler, and served through a wasmtime `wasi:http` host that provides the
//! Spin interfaces the adapters import, with real requests over HTTP.
//!
//! # Layout
//! - [`host`]: the Spin-like wasmtime host (WASI, wasi:http, Spin SQLite and variables);
//! - [`setup`]: composing and compiling the artifacts once per run, and starting a host;
//! - [`artifacts`]: every artifact's imports and exports, and the committed spin.toml;
//! - [`serve`]: requests through the host: authentication, routing, idempotency, conflicts,
//!   faults and event deliveries.

mod artifacts;
mod host;
mod serve;
mod setup;
