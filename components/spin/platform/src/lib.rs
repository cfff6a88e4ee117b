//! The platform adapter of a domain component on Spin: it exports what a domain imports
//! (`welfare:platform/{types,store,events,config}`) and serves it from Spin's SQLite database
//! and variables, so the same `.wasm` the gateway runs runs unchanged on a Spin host.
//!
//! Writes and events are buffered in the instance, exactly as the gateway buffers them, and
//! become durable only when the HTTP adapter commits the request's unit of work
//! (`welfare:spin/unit-of-work`). Spin's SQLite interface runs one statement per call and does
//! not promise that two calls share a transaction, so the commit is one statement: an insert
//! carrying the write set, whose trigger checks every version and applies everything (see
//! [`commit`]).
//!
//! # Layout
//! - this file: the bindings and the exported interfaces, over one [`unit::Unit`] per instance;
//! - [`unit`]: the unit of work: the shared rules (`welfare-txn`) over Spin's SQLite rows;
//! - [`commit`]: the one-statement commit, and recorded idempotent answers;
//! - [`deliveries`]: claiming due event deliveries and recording failed attempts;
//! - [`tokens`]: the tokens whose signatures were verified, remembered between instances;
//! - [`schema`]: the tables and the commit trigger, as numbered migrations run on first use;
//! - [`db`]: the connection, values and errors;
//! - [`vars`]: configuration and subscriptions from Spin variables.

mod commit;
mod db;
mod deliveries;
mod schema;
mod tokens;
mod unit;
mod vars;

use std::cell::RefCell;

use spin_sdk::wit_bindgen;

wit_bindgen::generate!({
    world: "welfare:spin/platform-adapter",
    path: ["../../../wit", "../wit"],
    // spin-sdk's wit-bindgen, so that the adapter carries one bindings runtime.
    runtime_path: "spin_sdk::wit_bindgen::rt",
    generate_all,
});

use exports::welfare::platform::{config, events, store};
use exports::welfare::spin::unit_of_work::{
    self as uow, CommitError, Delivery, Error, IdempotencyRecord, RecordedAnswer,
};

use unit::{Unit, events_error, store_error};

thread_local! {
    /// The unit of work of the call in progress; none before `begin`.
    static UNIT: RefCell<Option<Unit>> = const { RefCell::new(None) };
}

/// What a domain's call outside a unit of work is told: a bug of the HTTP adapter, reported
/// as the interface's opaque `other` error rather than a trap.
const NO_UNIT: &str = "no unit of work has begun";

/// Runs `f` on the current unit of work, its refusals as `wit` makes them; `none` outside one.
fn with_unit<T, E>(
    f: impl FnOnce(&mut Unit) -> Result<T, welfare_txn::CallError>,
    wit: fn(welfare_txn::CallError) -> E,
    none: E,
) -> Result<T, E> {
    UNIT.with_borrow_mut(|unit| match unit.as_mut() {
        Some(u) => f(u).map_err(wit),
        None => Err(none),
    })
}

/// [`with_unit`] for the `store` interface.
fn in_store<T>(
    f: impl FnOnce(&mut Unit) -> Result<T, welfare_txn::CallError>,
) -> Result<T, store::Error> {
    with_unit(f, store_error, store::Error::Other(NO_UNIT.into()))
}

struct Adapter;

impl store::Guest for Adapter {
    fn get(key: String) -> Result<Option<store::Entry>, store::Error> {
        in_store(|u| {
            Ok(u.get(&key)?
                .map(|(value, version)| store::Entry { value, version }))
        })
    }

    fn put(key: String, value: Vec<u8>, expected: Option<u64>) -> Result<u64, store::Error> {
        in_store(|u| u.put(&key, value, expected))
    }

    fn delete(key: String, expected: u64) -> Result<(), store::Error> {
        in_store(|u| u.delete(&key, expected))
    }

    fn list_prefix(
        prefix: String,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<store::Page, store::Error> {
        in_store(|u| {
            let (items, next) = u.list(&prefix, cursor.as_deref(), limit)?;
            Ok(store::Page {
                items: items
                    .into_iter()
                    .map(|(k, value, version)| (k, store::Entry { value, version }))
                    .collect(),
                next,
            })
        })
    }
}

impl events::Guest for Adapter {
    fn publish(
        topic: String,
        subject: Option<String>,
        payload: Vec<u8>,
    ) -> Result<String, events::Error> {
        with_unit(
            |u| u.publish(&topic, subject, payload),
            events_error,
            events::Error::Other(NO_UNIT.into()),
        )
    }
}

impl config::Guest for Adapter {
    fn get(key: String) -> Result<Option<String>, config::Error> {
        vars::config(&key)
    }
}

impl uow::Guest for Adapter {
    fn begin(component: String, read_only: bool) {
        UNIT.set(Some(unit::begin(&component, read_only)));
    }

    fn recorded(scope: String, key: String) -> Result<Option<RecordedAnswer>, Error> {
        commit::recorded(&*db::open()?, &scope, &key)
    }

    fn commit(
        idempotency: Option<IdempotencyRecord>,
        delivered: Option<i64>,
    ) -> Result<(), CommitError> {
        let unit = UNIT
            .take()
            .ok_or_else(|| CommitError::Unavailable("no unit of work has begun".into()))?;
        commit::commit(unit, idempotency, delivered)
    }

    fn rollback() {
        UNIT.set(None);
    }

    fn claim_delivery(component: String, lease_ms: u64) -> Result<Option<Delivery>, Error> {
        deliveries::claim(&*db::open()?, &component, lease_ms)
    }

    fn delivery_failed(component: String, seq: i64, reason: String) -> Result<(), Error> {
        deliveries::failed(&*db::open()?, &component, seq, &reason)
    }

    fn token_verified(fingerprint: Vec<u8>, now: u64) -> bool {
        db::open_unchecked().is_ok_and(|conn| tokens::verified(&conn, &fingerprint, now))
    }

    fn remember_token(fingerprint: Vec<u8>, expires_at: u64) {
        if let Ok(conn) = db::open() {
            tokens::remember(&conn, &fingerprint, expires_at);
        }
    }
}

export!(Adapter);
