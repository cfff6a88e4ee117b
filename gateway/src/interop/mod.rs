//! Other agencies: the interoperability operations the platform answers itself. Their
//! credentials (PDND purposes, ModI, one-time ids) are checked by the access crate,
//! re-exported here as [`purposes`], [`modi`], [`replay`] and [`Interop`].
//!
//! - [`life_events`]: births, deaths and changes of residence from the civil registry, turned
//!   into events the domains react to.
//! - [`registry`]: the DCI-style sync search of the disability registry.

pub mod life_events;
pub mod registry;

pub use welfare_access::interop::{Interop, modi, purposes, replay};
