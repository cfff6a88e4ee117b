//! Who may act for whom, and the record of it: the gate in front of every API request, the
//! delegations it honours, the audit trail it writes, agencies' credentials, and how much each
//! caller may write.
//!
//! # Layout
//! - [`gate`]: every API request's authentication and authorisation: kind, role, level, and
//!   acting for someone else (a delegation, an agency's purpose); refusals audited. It reads a
//!   [`gate::Gate`], a borrowed view, never the host's application state.
//! - [`delegation`]: delegations from people and companies to intermediaries: scopes
//!   ([`delegation::scope`]), the grant's rules (here), their rows ([`delegation::store`]).
//! - [`audit`]: the append-only, hash-chained audit trail.
//! - [`interop`]: PDND purposes, ModI integrity and tracking evidence, one-time token ids, and
//!   the `[interop]` configuration.
//! - [`rate`]: writes per caller per minute, counted in the database for every replica.
//! - [`budget`]: what anonymous callers may write, and how much of their refusals is logged.
//!
//! Depends on the store, the shared auth and identity crates and the problem type; nothing
//! here knows HTTP routing or the gateway.

pub mod audit;
pub mod budget;
pub mod delegation;
pub mod gate;
pub mod interop;
pub mod rate;
