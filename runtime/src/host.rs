//! What a component instance sees of the host: its per-call state, the `store`, `events` and
//! `config` capabilities over that state, WASI (clocks, random, a capped stderr; no network,
//! no filesystem), and the resource limiter that bounds its memory.

use std::collections::BTreeMap;
use std::sync::Arc;

use wasmtime::component::ResourceTable;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{WasiCtx, WasiCtxView, WasiView};

use super::bindings::{config, events, store, types};
use crate::txn::{CallError, Txn};

/// Bytes of a component's stderr kept for the log (a panic message fits easily).
pub const STDERR_CAPTURE_BYTES: usize = 16 << 10;
/// Tables a component may grow to, in elements; Rust components use a handful.
pub const MAX_TABLE_ELEMENTS: usize = 100_000;

/// The state of one store (one instance, one call).
pub struct HostState {
    wasi: WasiCtx,
    table: ResourceTable,
    pub limiter: Limiter,
    pub txn: Txn,
    pub stderr: MemoryOutputPipe,
    config: Arc<BTreeMap<String, String>>,
}

impl HostState {
    pub fn new(txn: Txn, memory_limit: usize, config: Arc<BTreeMap<String, String>>) -> Self {
        let stderr = MemoryOutputPipe::new(STDERR_CAPTURE_BYTES);
        let wasi = wasmtime_wasi::WasiCtxBuilder::new()
            .stderr(stderr.clone())
            .build();
        Self {
            wasi,
            table: ResourceTable::new(),
            limiter: Limiter {
                memory_limit,
                memory_exhausted: false,
            },
            txn,
            stderr,
            config,
        }
    }
}

impl WasiView for HostState {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Caps linear memory per instance and remembers that the cap was hit, so the fault is
/// reported as memory exhaustion rather than as an anonymous trap.
pub struct Limiter {
    memory_limit: usize,
    pub memory_exhausted: bool,
}

impl wasmtime::ResourceLimiter for Limiter {
    fn memory_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        if desired > self.memory_limit || maximum.is_some_and(|m| desired > m) {
            self.memory_exhausted = true;
            wasmtime::bail!("memory limit of {} bytes reached", self.memory_limit);
        }
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS && maximum.is_none_or(|m| desired <= m))
    }
}

/// A refused store call as the `store` interface's error.
fn store_error(e: CallError) -> store::Error {
    match e {
        CallError::Conflict => store::Error::Conflict,
        CallError::Invalid(m) => store::Error::Invalid(m),
        CallError::LimitExceeded => store::Error::LimitExceeded,
        CallError::Unavailable(m) => {
            tracing::error!(error = %m, "store unavailable during a component call");
            store::Error::Unavailable
        }
    }
}

/// A refused publication as the `events` interface's error. Publishing reads nothing, so
/// it is never a conflict or an outage; those would be the opaque `other`.
fn events_error(e: CallError) -> events::Error {
    match e {
        CallError::Invalid(m) => events::Error::Invalid(m),
        CallError::LimitExceeded => events::Error::LimitExceeded,
        other => events::Error::Other(other.to_string()),
    }
}

impl types::Host for HostState {}

impl store::Host for HostState {
    fn get(&mut self, key: String) -> Result<Option<store::Entry>, store::Error> {
        let found = self.txn.get(&key).map_err(store_error)?;
        Ok(found.map(|(value, version)| store::Entry { value, version }))
    }

    fn put(
        &mut self,
        key: String,
        value: Vec<u8>,
        expected: Option<u64>,
    ) -> Result<u64, store::Error> {
        self.txn.put(&key, value, expected).map_err(store_error)
    }

    fn delete(&mut self, key: String, expected: u64) -> Result<(), store::Error> {
        self.txn.delete(&key, expected).map_err(store_error)
    }

    fn list_prefix(
        &mut self,
        prefix: String,
        cursor: Option<String>,
        limit: u32,
    ) -> Result<store::Page, store::Error> {
        let (items, next) = self
            .txn
            .list(&prefix, cursor.as_deref(), limit)
            .map_err(store_error)?;
        Ok(store::Page {
            items: items
                .into_iter()
                .map(|(k, value, version)| (k, store::Entry { value, version }))
                .collect(),
            next,
        })
    }
}

impl events::Host for HostState {
    fn publish(
        &mut self,
        topic: String,
        subject: Option<String>,
        payload: Vec<u8>,
    ) -> Result<String, events::Error> {
        self.txn
            .publish(&topic, subject, payload)
            .map_err(events_error)
    }
}

impl config::Host for HostState {
    /// Never an error: the configuration is in memory.
    fn get(&mut self, key: String) -> Result<Option<String>, config::Error> {
        Ok(self.config.get(&key).cloned())
    }
}
