//! What the harness's `wasi:http` hosts (the bench's floor, [`crate::floor`], and the Spin-like
//! host, [`crate::spin::host`]) do alike: the views wasmtime-wasi and wasmtime-wasi-http take of
//! a request's store, their engine, and one request run as `wasmtime serve` runs it.

use anyhow::Context;
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi_http::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The engine both hosts compile with, as `wasmtime serve` (48) and `spin-core` build theirs:
/// the component model, the pooling allocator with its default limits wherever the pool can be
/// reserved (on-demand allocation elsewhere, as both fall back to), and the profiler
/// `WELFARE_WASM_PROFILER` asks for, as the CLI's `--profile`. Without the pool every request
/// would map and unmap its instances' memories, a cost neither host has.
pub fn engine() -> anyhow::Result<Engine> {
    let mut config = Config::new();
    config.wasm_component_model(true);
    config.profiler(welfare_gateway::runtime::profiling_strategy());
    let mut pooled = config.clone();
    pooled.allocation_strategy(InstanceAllocationStrategy::Pooling(
        PoolingAllocationConfig::default(),
    ));
    Ok(Engine::new(&pooled).or_else(|_| Engine::new(&config))?)
}

/// `WasiView` and `WasiHttpView` for a store's data with `wasi: WasiCtx`, `http: WasiHttpCtx` and
/// `table: ResourceTable` fields.
macro_rules! views {
    ($state:ty) => {
        impl ::wasmtime_wasi::WasiView for $state {
            fn ctx(&mut self) -> ::wasmtime_wasi::WasiCtxView<'_> {
                ::wasmtime_wasi::WasiCtxView {
                    ctx: &mut self.wasi,
                    table: &mut self.table,
                }
            }
        }

        impl ::wasmtime_wasi_http::WasiHttpView for $state {
            fn http(&mut self) -> ::wasmtime_wasi_http::WasiHttpCtxView<'_> {
                ::wasmtime_wasi_http::WasiHttpCtxView {
                    ctx: &mut self.http,
                    table: &mut self.table,
                    hooks: Default::default(),
                }
            }
        }
    };
}
pub(crate) use views;

/// One request in `store`: the component instantiated from `pre`, its
/// `wasi:http/incoming-handler.handle` called with the request and a response out-parameter.
/// `Ok(Err(why))` when the component ended without answering (it trapped, or never set the
/// out-parameter): what a host answers then is its own.
pub async fn handle<T: WasiHttpView + 'static>(
    pre: ProxyPre<T>,
    mut store: Store<T>,
    req: hyper::Request<hyper::body::Incoming>,
) -> anyhow::Result<Result<hyper::Response<HyperOutgoingBody>, String>> {
    let (sender, receiver) = tokio::sync::oneshot::channel();
    let req = store
        .data_mut()
        .http()
        .new_incoming_request(Scheme::Http, req)?;
    let out = store.data_mut().http().new_response_outparam(sender)?;
    let task = tokio::spawn(async move {
        let proxy = pre.instantiate_async(&mut store).await?;
        proxy
            .wasi_http_incoming_handler()
            .call_handle(&mut store, req, out)
            .await
    });
    match receiver.await {
        Ok(Ok(response)) => Ok(Ok(response)),
        Ok(Err(code)) => Err(code.into()),
        Err(_) => {
            let outcome = task.await.context("the request's task")?;
            Ok(Err(format!("{outcome:?}")))
        }
    }
}
