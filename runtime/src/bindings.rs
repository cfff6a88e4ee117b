//! The host side of the `welfare:platform` world, generated and fenced in here so the rest of
//! the gateway names types through this module only.

wasmtime::component::bindgen!({
    world: "domain-component",
    path: "../wit",
});

pub use exports::welfare::platform::domain;
pub use welfare::platform::{config, events, store, types};
