//! The WebAssembly runtime (`welfare-runtime`): one wasmtime engine, every component compiled once (and cached on
//! disk), an `InstancePre` per component, and a fresh instance for every call, so no data of
//! one citizen's request can survive into another's.
//!
//! Each call runs on a blocking thread with an epoch deadline (a ticker thread advances the
//! epoch every [`EPOCH_TICK`]) and a memory cap; a trap, a timeout or memory exhaustion fails
//! that call only, reported as a [`Fault`]. A call first waits for an instance in its
//! component's share of the pool ([`bulkhead`]), so one component's slow or looping calls
//! never refuse another's.
//!
//! - `bindings` (private): the generated host bindings. [`call`], [`event`] and [`manifest`]
//!   convert to and from them, so no host ever builds a binding type.
//! - [`bulkhead`]: each component's share of the instance pool.
//! - [`host`]: per-call state and the capabilities components import.
//! - [`cache`]: compiled-artifact cache.
//! - [`manifest`]: the checked, host-side form of a component's `describe`.
//! - [`call`]: a request as a component's `handle` receives it, and its answer, in host types.
//! - [`event`]: an event as a subscriber's `on-event` receives it, in host types.
//! - [`txn`]: a call's unit of work over the committed documents ([`txn::Documents`], which
//!   the host implements: the runtime holds no database), and the write set it produces.
//! - [`config`]: `[runtime]`, the limits.

mod bindings;
pub mod bulkhead;
pub mod cache;
pub mod call;
pub mod config;
pub mod event;
pub mod host;
pub mod manifest;
/// A call's unit of work: `welfare-txn`'s host side, under the runtime's name for it.
pub use welfare_txn::host as txn;

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use wasmtime::component::{HasSelf, Linker};
use wasmtime::{
    Config, Enabled, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store, Trap,
};

use bindings::{DomainComponent, DomainComponentPre, types};
pub use config::RuntimeConfig;
use host::HostState;
pub use manifest::Manifest;
use txn::{Documents, Subscribers, Txn, WriteSet};

/// How often the epoch advances: the granularity of call deadlines.
pub const EPOCH_TICK: Duration = Duration::from_millis(10);
/// Core instances, memories and tables a component may hold in the pool: a Rust component is
/// one core module plus the few small adapter and shim modules the component model adds.
const POOL_CORE_INSTANCES_PER_COMPONENT: u32 = 8;
const POOL_MEMORIES_PER_COMPONENT: u32 = 2;
const POOL_TABLES_PER_COMPONENT: u32 = 4;
/// Dirty bytes of a linear memory reset by copying when its slot is freed, instead of being
/// handed back to the kernel: the profile of an authenticated read had a quarter of its time in
/// the TLB shootdowns (`madvise`, then copy-on-write faults on the next use) that giving pages
/// back costs a multi-threaded process. With Linux's `PAGEMAP_SCAN` (6.7+) only the pages the
/// instance wrote are copied back, so a domain's working set (a few hundred KiB: its stack, its
/// heap, the data it touched) is reset with no system call at all; a larger one is decommitted
/// beyond this. Bounds what a warm slot keeps resident: at most the pool's 128 instances times
/// this, in practice the few slots the concurrent calls keep warm.
const POOL_KEEP_RESIDENT_BYTES: usize = 2 << 20;
/// The same for a table (a Rust component's function table is a few KiB).
const POOL_TABLE_KEEP_RESIDENT_BYTES: usize = 64 << 10;

/// Why a call produced no result.
#[derive(Debug, thiserror::Error)]
pub enum Fault {
    #[error("the component did not finish within {0:?}")]
    Timeout(Duration),
    #[error("the component exceeded its memory limit")]
    MemoryExhausted,
    #[error("the component trapped: {0}")]
    Trap(String),
    #[error("the component could not be instantiated: {0}")]
    Instantiate(String),
    /// No instance of the component's share of the pool freed up within the call's deadline.
    #[error("the gateway is overloaded")]
    Overloaded,
}

/// A loaded component: its manifest, how to instantiate it, its configuration.
pub struct Loaded {
    pub manifest: Manifest,
    pub name: Arc<str>,
    pre: DomainComponentPre<HostState>,
    config: Arc<BTreeMap<String, String>>,
}

pub struct Runtime {
    engine: Engine,
    components: BTreeMap<String, Arc<Loaded>>,
    limits: RuntimeConfig,
    /// Each component's share of the instance pool, planned once every component is loaded.
    bulkheads: bulkhead::Bulkheads,
    documents: Arc<dyn Documents>,
    subscribers: Subscribers,
}

/// A component to load: where it came from (for error messages) and its bytes.
pub struct Source {
    pub origin: String,
    pub wasm: Vec<u8>,
    /// Settings given with the source; `component_config.<name>` adds to and overrides them.
    pub config: BTreeMap<String, String>,
}

impl Runtime {
    /// Compiles (or loads from cache) every component, reads and checks its manifest.
    /// Fails naming the component on a malformed manifest or a duplicate name.
    pub fn load(
        limits: &RuntimeConfig,
        cache_dir: &Path,
        sources: Vec<Source>,
        component_config: &BTreeMap<String, BTreeMap<String, String>>,
        native_subscriptions: &[(&str, &str)],
        documents: Arc<dyn Documents>,
    ) -> anyhow::Result<Self> {
        let engine = make_engine(limits)?;
        let ticker = engine.weak();
        std::thread::Builder::new()
            .name("epoch-ticker".into())
            .spawn(move || {
                while let Some(engine) = ticker.upgrade() {
                    engine.increment_epoch();
                    drop(engine);
                    std::thread::sleep(EPOCH_TICK);
                }
            })?;
        let mut linker = Linker::<HostState>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        DomainComponent::add_to_linker::<HostState, HasSelf<HostState>>(&mut linker, |s| s)?;

        let mut runtime = Self {
            engine: engine.clone(),
            components: BTreeMap::new(),
            limits: limits.clone(),
            bulkheads: bulkhead::Bulkheads::new(0, &BTreeMap::new()),
            documents: documents.clone(),
            subscribers: Arc::new(|_| Vec::new()),
        };
        for source in sources {
            let component = cache::load(&engine, &source.wasm, cache_dir)
                .with_context(|| format!("compiling the component {}", source.origin))?;
            let pre = linker
                .instantiate_pre(&component)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!(
                        "linking the component {}: it imports what the platform does not grant",
                        source.origin
                    )
                })?;
            let pre = DomainComponentPre::new(pre)
                .map_err(anyhow::Error::from)
                .with_context(|| {
                    format!(
                        "the component {} does not export welfare:platform/domain",
                        source.origin
                    )
                })?;
            let placeholder: Arc<str> = Arc::from(source.origin.as_str());
            let loaded = Loaded {
                manifest: Manifest::default(),
                name: placeholder.clone(),
                pre,
                config: Arc::new(source.config.clone()),
            };
            let raw = runtime
                .call_blocking(
                    &loaded,
                    Txn::read_only(documents.clone(), placeholder),
                    |store, bindings| bindings.welfare_platform_domain().call_describe(store),
                )
                .map(|(m, _)| m)
                .with_context(|| format!("calling describe on the component {}", source.origin))?;
            let manifest = Manifest::check(raw)
                .with_context(|| format!("the manifest of the component {}", source.origin))?;
            let name = manifest.name.clone();
            anyhow::ensure!(
                !runtime.components.contains_key(&name),
                "two components are named {name:?} (the second is {})",
                source.origin
            );
            let mut config = source.config;
            config.extend(component_config.get(&name).cloned().unwrap_or_default());
            let config = Arc::new(config);
            tracing::info!(component = %name, version = %manifest.version, routes = manifest.routes.len(), "loaded");
            let loaded = Loaded {
                name: Arc::from(name.as_str()),
                manifest,
                pre: loaded.pre,
                config,
            };
            runtime.components.insert(name, Arc::new(loaded));
        }
        let mut by_topic: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (name, c) in &runtime.components {
            for topic in &c.manifest.subscriptions {
                by_topic
                    .entry(topic.clone())
                    .or_default()
                    .push(name.clone());
            }
        }
        for (topic, consumer) in native_subscriptions {
            by_topic
                .entry(topic.to_string())
                .or_default()
                .push(consumer.to_string());
        }
        runtime.subscribers =
            Arc::new(move |topic| by_topic.get(topic).cloned().unwrap_or_default());
        let names: Vec<&str> = runtime.components.keys().map(String::as_str).collect();
        let plans = bulkhead::plan(
            limits.max_concurrent_instances,
            limits.max_instances_per_component,
            &limits.component_instances,
            &names,
        )?;
        for (name, p) in &plans {
            tracing::info!(component = %name, cap = p.cap, reserved = p.reserved, "instance share");
        }
        runtime.bulkheads = bulkhead::Bulkheads::new(limits.max_concurrent_instances, &plans);
        Ok(runtime)
    }

    pub fn components(&self) -> impl Iterator<Item = &Arc<Loaded>> {
        self.components.values()
    }

    pub fn component(&self, name: &str) -> Option<&Arc<Loaded>> {
        self.components.get(name)
    }

    pub fn subscribers(&self) -> Subscribers {
        self.subscribers.clone()
    }

    /// A fresh transaction over `component`'s documents.
    pub fn txn(&self, component: &Loaded) -> Txn {
        Txn::new(
            self.documents.clone(),
            component.name.clone(),
            self.subscribers.clone(),
        )
    }

    /// `handle(request)` in a fresh instance; the response and the write set it produced.
    pub async fn handle(
        self: &Arc<Self>,
        component: Arc<Loaded>,
        call: call::Call,
    ) -> Result<(call::Answer, WriteSet), Fault> {
        let request = types::Request::from(call);
        let txn = self.txn(&component);
        let (response, writes) = self
            .call(component, txn, move |store, b| {
                b.welfare_platform_domain().call_handle(store, &request)
            })
            .await?;
        Ok((call::Answer::from(response), writes))
    }

    /// `on-event(event)` in a fresh instance.
    pub async fn on_event(
        self: &Arc<Self>,
        component: Arc<Loaded>,
        event: event::Event,
    ) -> Result<(event::Handled, WriteSet), Fault> {
        let event = types::Event::from(event);
        let txn = self.txn(&component);
        self.call(component, txn, move |store, b| {
            let result = b
                .welfare_platform_domain()
                .call_on_event(&mut *store, &event)?;
            Ok(event::Handled {
                result,
                met_conflict: store.data().txn.met_conflict(),
            })
        })
        .await
    }

    /// `summary(subject)` in a fresh instance, read-only.
    pub async fn summary(
        self: &Arc<Self>,
        component: Arc<Loaded>,
        subject: String,
    ) -> Result<Result<Option<Vec<u8>>, bindings::domain::Error>, Fault> {
        let txn = Txn::read_only(self.documents.clone(), component.name.clone());
        self.call(component, txn, move |store, b| {
            b.welfare_platform_domain().call_summary(store, &subject)
        })
        .await
        .map(|(r, _)| r)
    }

    async fn call<R: Send + 'static>(
        self: &Arc<Self>,
        component: Arc<Loaded>,
        txn: Txn,
        f: impl FnOnce(&mut Store<HostState>, &DomainComponent) -> wasmtime::Result<R> + Send + 'static,
    ) -> Result<(R, WriteSet), Fault> {
        // Wait briefly for a free instance in the component's share rather than failing at
        // once under a burst; a share that stays full (its calls loop until their deadline)
        // refuses only this component's calls.
        let permit = tokio::time::timeout(
            self.limits.request_timeout(),
            self.bulkheads.admit(&component.name),
        )
        .await
        .map_err(|_| Fault::Overloaded)?
        .ok_or(Fault::Overloaded)?;
        let this = self.clone();
        let joined = tokio::task::spawn_blocking(move || {
            let result = this.call_blocking(&component, txn, f);
            drop(permit);
            result
        })
        .await;
        joined.map_err(|e| Fault::Trap(format!("the call's thread failed: {e}")))?
    }

    fn call_blocking<R>(
        &self,
        component: &Loaded,
        txn: Txn,
        f: impl FnOnce(&mut Store<HostState>, &DomainComponent) -> wasmtime::Result<R>,
    ) -> Result<(R, WriteSet), Fault> {
        let state = HostState::new(
            txn,
            self.limits.memory_limit_bytes(),
            component.config.clone(),
        );
        let mut store = Store::new(&self.engine, state);
        store.limiter(|s| &mut s.limiter);
        let ticks =
            (self.limits.request_timeout().as_millis() / EPOCH_TICK.as_millis()).max(1) as u64;
        store.set_epoch_deadline(ticks);
        store.epoch_deadline_trap();
        let result = component
            .pre
            .instantiate(&mut store)
            .map_err(|e| classify(&store, e, self.limits.request_timeout(), true))
            .and_then(|bindings| {
                f(&mut store, &bindings)
                    .map_err(|e| classify(&store, e, self.limits.request_timeout(), false))
            });
        match result {
            Ok(value) => Ok((value, store.into_data().txn.into_write_set())),
            Err(fault) => {
                let stderr = String::from_utf8_lossy(&store.data().stderr.contents()).into_owned();
                tracing::warn!(component = %component.name, %fault, stderr = %stderr.trim_end(), "component call failed");
                Err(fault)
            }
        }
    }
}

fn classify(
    store: &Store<HostState>,
    error: wasmtime::Error,
    timeout: Duration,
    instantiating: bool,
) -> Fault {
    if store.data().limiter.memory_exhausted {
        Fault::MemoryExhausted
    } else if error.downcast_ref::<Trap>() == Some(&Trap::Interrupt) {
        Fault::Timeout(timeout)
    } else if instantiating {
        Fault::Instantiate(format!("{error:#}"))
    } else {
        Fault::Trap(format!("{error:#}"))
    }
}

/// The variable that names a profiler for the compiled code (`perfmap` or `jitdump`), as
/// `wasmtime run --profile` does: without it, `perf` shows a component's frames as bare
/// addresses. Read by every host that builds an engine (the gateway, the bench's floor and
/// Spin-like host), so that one profile covers them alike.
pub const PROFILER_VAR: &str = "WELFARE_WASM_PROFILER";

/// The profiling strategy [`PROFILER_VAR`] asks for; none when it is unset or unknown.
pub fn profiling_strategy() -> wasmtime::ProfilingStrategy {
    match std::env::var(PROFILER_VAR).as_deref() {
        Ok("perfmap") => wasmtime::ProfilingStrategy::PerfMap,
        Ok("jitdump") => wasmtime::ProfilingStrategy::JitDump,
        _ => wasmtime::ProfilingStrategy::None,
    }
}

fn make_engine(limits: &RuntimeConfig) -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.epoch_interruption(true);
    config.profiler(profiling_strategy());
    if limits.pooling {
        let mut pool = PoolingAllocationConfig::default();
        let n = limits.max_concurrent_instances;
        pool.total_component_instances(n)
            .total_core_instances(n * POOL_CORE_INSTANCES_PER_COMPONENT)
            .total_memories(n * POOL_MEMORIES_PER_COMPONENT)
            .total_tables(n * POOL_TABLES_PER_COMPONENT)
            .max_core_instances_per_component(POOL_CORE_INSTANCES_PER_COMPONENT)
            .max_memories_per_component(POOL_MEMORIES_PER_COMPONENT)
            .max_tables_per_component(POOL_TABLES_PER_COMPONENT)
            .max_memory_size(limits.memory_limit_bytes())
            .linear_memory_keep_resident(POOL_KEEP_RESIDENT_BYTES)
            .table_keep_resident(POOL_TABLE_KEEP_RESIDENT_BYTES)
            .pagemap_scan(Enabled::Auto);
        let mut pooled = config.clone();
        pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        match Engine::new(&pooled) {
            Ok(engine) => return Ok(engine),
            Err(e) => {
                tracing::warn!(error = %e, "pooling allocator unavailable; allocating on demand")
            }
        }
    }
    Ok(Engine::new(&config)?)
}
