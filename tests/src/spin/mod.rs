//! The domains on a Spin-like host, for `tests/spin` and the benchmark: a wasmtime host with
//! WASI 0.2, wasi:http and Spin's SQLite and variables ([`host`]), and the composed artifacts
//! served by it with a gateway's development issuer trusted ([`setup`]).

pub mod host;
pub mod setup;

pub use host::SpinHost;
pub use setup::{
    AUDIENCE, DELIVERY_SECRET, FIXTURE_CONFIG_KEYS, artifact, artifacts, spin_host, spin_host_with,
};
