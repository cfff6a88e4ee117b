//! `[runtime]`: the limits of the WebAssembly runtime, its own configuration section (the
//! gateway's configuration composes it).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RuntimeConfig {
    /// Wall-clock budget of one component call. Domain handlers do a few store reads and some
    /// arithmetic; 2 s is generous for that and short enough that a loop cannot hold a worker.
    pub request_timeout_ms: u64,
    /// Linear-memory cap per instance. The domains need a few MiB; 64 MiB leaves headroom for
    /// large listings while bounding what a runaway instance can take from its neighbours.
    pub memory_limit_mib: u64,
    /// Instances alive at once (and so concurrent component calls); also sizes the pool.
    pub max_concurrent_instances: u32,
    /// The most instances one component holds at once, its share of the pool
    /// ([`crate::bulkhead`]); 0 (the default) for half the pool. A component whose
    /// calls hang until their deadline fills its share and no more: what the largest share
    /// leaves of the pool is reserved for the others, so they keep being served.
    pub max_instances_per_component: u32,
    /// Shares for named components, instead of `max_instances_per_component`
    /// (`[runtime.component_instances]`, `faq = 32`). A name that is not loaded stops the start.
    pub component_instances: BTreeMap<String, u32>,
    /// Use the pooling allocator (pre-reserved slots, fast instantiation). Falls back to
    /// on-demand allocation when the host refuses the reservation.
    pub pooling: bool,
    /// Where compiled components are cached; default `<data_dir>/cache`.
    pub cache_dir: Option<PathBuf>,
}

impl Default for RuntimeConfig {
    fn default() -> Self {
        Self {
            request_timeout_ms: 2_000,
            memory_limit_mib: 64,
            max_concurrent_instances: 128,
            max_instances_per_component: 0,
            component_instances: BTreeMap::new(),
            pooling: true,
            cache_dir: None,
        }
    }
}

impl RuntimeConfig {
    pub fn request_timeout(&self) -> Duration {
        Duration::from_millis(self.request_timeout_ms)
    }

    pub fn memory_limit_bytes(&self) -> usize {
        (self.memory_limit_mib as usize) << 20
    }
}
