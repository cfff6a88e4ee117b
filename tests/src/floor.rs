//! The floor the bench measures the gateway against: a hello-world `wasi:http` component
//! (`tests/fixtures/hello`) served the way `wasmtime serve` serves one, a fresh store and
//! instance per request, on the engine settings the CLI uses by default.
//!
//! What `wasmtime serve` (48) does, and so what this does:
//! - the engine: the component model on, the pooling allocator with its default limits (the CLI
//!   turns it on wherever the platform can reserve its memory, as Linux on x86-64 can), no epoch
//!   interruption and no fuel (the CLI sets them only when asked for a timeout);
//! - the linker: WASI 0.2 and `wasi:http`;
//! - each request: a new `Store` with an empty WASI context and resource table, the component
//!   instantiated from its `ProxyPre`, `wasi:http/incoming-handler.handle` called with the
//!   request and a response out-parameter, and the response streamed back by hyper (HTTP/1.1,
//!   keep-alive, `TCP_NODELAY`).
//!
//! It is the cost of isolation alone: what the platform adds on top (authentication, routing,
//! the store, the audit trail) is the rest of every other scenario's time.

use std::net::SocketAddr;

use anyhow::Context;
use hyper::server::conn::http1;
use wasmtime::Store;
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime_wasi::WasiCtx;
use wasmtime_wasi_http::WasiHttpCtx;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

/// The fixture's file, built with the other components.
pub fn hello_wasm() -> std::path::PathBuf {
    std::path::Path::new(welfare_gateway::BUILT_COMPONENTS_DIR).join("hello.wasm")
}

/// A request's store: what `wasmtime serve` gives a proxy component.
struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
}

crate::wasi_http::views!(State);

/// A running floor host.
pub struct FloorHost {
    pub base: String,
    _server: tokio::task::JoinHandle<()>,
}

impl FloorHost {
    /// Serves the hello-world fixture on 127.0.0.1:0.
    pub async fn start() -> anyhow::Result<Self> {
        let engine = crate::wasi_http::engine()?;
        let path = hello_wasm();
        let component = Component::from_file(&engine, &path)
            .map_err(anyhow::Error::from)
            .with_context(|| format!("compiling {}", path.display()))?;
        let mut linker = Linker::<State>::new(&engine);
        wasmtime_wasi::p2::add_to_linker_async(&mut linker)?;
        wasmtime_wasi_http::p2::add_only_http_to_linker_async(&mut linker)?;
        let pre = ProxyPre::new(linker.instantiate_pre(&component)?)?;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr: SocketAddr = listener.local_addr()?;
        let server = tokio::spawn(async move {
            loop {
                let Ok((client, _)) = listener.accept().await else {
                    return;
                };
                let _ = client.set_nodelay(true);
                let pre = pre.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| {
                        let pre = pre.clone();
                        async move { serve(pre, req).await }
                    });
                    let _ = http1::Builder::new()
                        .keep_alive(true)
                        .serve_connection(TokioIo::new(client), service)
                        .await;
                });
            }
        });
        Ok(Self {
            base: format!("http://{addr}"),
            _server: server,
        })
    }
}

/// One request: a fresh store and instance, the component's `handle`, its response.
async fn serve(
    pre: ProxyPre<State>,
    req: hyper::Request<hyper::body::Incoming>,
) -> anyhow::Result<hyper::Response<HyperOutgoingBody>> {
    let store = Store::new(
        pre.engine(),
        State {
            wasi: WasiCtx::builder().build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
        },
    );
    crate::wasi_http::handle(pre, store, req)
        .await?
        .map_err(|why| anyhow::anyhow!("the component never answered: {why}"))
}
