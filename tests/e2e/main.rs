//! End-to-end tests: the real gateway over HTTP on port 0, the real `.wasm` components, a fresh
//! SQLite database per test.

mod access;
mod anonymous;
mod applications;
mod assegno;
mod atomicity;
mod auth;
mod connections;
mod contributions;
mod disability;
mod dossier;
mod events;
mod faq;
mod faq_search;
mod faq_search_ids;
mod faults;
mod idempotency;
mod lifecycle;
mod naspi;
mod naspi_claims;
mod notifications;
mod offers;
mod platform;
mod rate;
mod replicas;
mod startup;
mod strict;
